//! The JWKS document read into verification keys, each parsed once, when the document is
//! read, and used for every token that names it.
//!
//! # Why aws-lc-rs
//!
//! The RSA check is the one expensive step of a verification, so the backend was picked by
//! measurement: RS256 over a Cognito-sized access token with a 2048-bit key, one criterion
//! run of all candidates on the project's 2-core build machine (other builds running,
//! load average about 2.5):
//!
//! | backend | per signature check |
//! |---|---|
//! | aws-lc-rs 1.19, `ParsedPublicKey` (key parsed once): this module | 14.6 µs |
//! | aws-lc-rs 1.19, `RsaPublicKeyComponents::verify` (key parsed per check) | 16.5 µs |
//! | ring 0.17, `RsaPublicKeyComponents` or `UnparsedPublicKey` (ring parses the key on every check: it has no parsed RSA public key type) | 19.8 µs |
//! | jsonwebtoken 10 with its aws-lc-rs backend, a whole `decode` | 22.2 µs |
//! | the `rsa` crate 0.9 (what this replaced) | 158.6 µs |
//!
//! aws-lc-rs is AWS's maintained binding to AWS-LC (BoringSSL's descendant, constant-time,
//! with a FIPS-validated sibling) and the default crypto provider of rustls and reqwest;
//! of the candidates, only it lets a key be parsed once per JWKS entry. jsonwebtoken 10
//! would also have brought a process-wide crypto provider, which panics when another crate
//! in the application enables its other backend. `scripts/bench-verify.sh` measures the
//! whole verifier against AWS's `aws-jwt-verify`.

use std::collections::HashMap;
use std::sync::Arc;

use aws_lc_rs::encoding::AsDer as _;
use aws_lc_rs::rsa::PublicEncryptingKey;
use aws_lc_rs::signature::{ParsedPublicKey, RsaPublicKeyComponents, RSA_PKCS1_2048_8192_SHA256};
use serde_json::Value;

use crate::protocol::encoding::base64url_decode;

/// At most this many keys are read from one JWKS document.
const MAX_KEYS: usize = 64;

/// One RS256 verification key (RSA, PKCS#1 v1.5, SHA-256, 2048 to 8192 bits), parsed.
pub(crate) struct VerifyingKey {
    key: ParsedPublicKey,
}

impl VerifyingKey {
    /// The key with modulus `n` and public exponent `e` (big-endian), if aws-lc accepts it
    /// as an RSA public key of 2048 to 8192 bits. aws-lc also refuses an even `e`, `e = 1`,
    /// and an `e` of more than 33 bits; any other `e` (3, 17, 65537 as Cognito uses, ...)
    /// is accepted, its verification being exact whatever the exponent.
    pub fn from_components(n: &[u8], e: &[u8]) -> Option<Self> {
        // aws-lc-rs has no public route from (n, e) to a parsed verification key but this
        // one: an `RSAPublicKey` built by aws-lc from the components (it checks the size),
        // encoded by aws-lc as a SubjectPublicKeyInfo, and parsed once more for RS256.
        let components = RsaPublicKeyComponents {
            n: strip_leading_zeros(n),
            e: strip_leading_zeros(e),
        };
        let public: PublicEncryptingKey = components.try_into().ok()?;
        let der = public.as_der().ok()?;
        let key = ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, der.as_ref()).ok()?;
        Some(Self { key })
    }

    /// Whether `signature` is this key's RS256 signature of `message`.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        self.key.verify_sig(message, signature).is_ok()
    }
}

/// An unsigned big-endian integer without its leading zero bytes (a JWK's `n` should have
/// none, but some producers send one; aws-lc refuses them).
fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[first..]
}

/// The usable keys of one JWKS document.
#[derive(Clone, Default)]
pub(crate) struct KeySet {
    keys: HashMap<String, Arc<VerifyingKey>>,
}

impl KeySet {
    pub fn get(&self, kid: &str) -> Option<Arc<VerifyingKey>> {
        self.keys.get(kid).cloned()
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }
}

/// A JWKS entry that declares itself an RS256 signing key: its `kid` and raw components.
struct Entry<'a> {
    kid: &'a str,
    n: Vec<u8>,
    e: Vec<u8>,
}

/// The first RS256 key listed under a `kid`: its components, and the key if aws-lc accepts
/// it, until another key is listed under the same `kid` (then `None`: the `kid` is
/// ambiguous, whichever of the keys would have been usable).
struct Seen {
    n: Vec<u8>,
    e: Vec<u8>,
    key: Option<Arc<VerifyingKey>>,
}

/// Parses a JWKS document. Entries that are not RSA signing keys for RS256 (`kty` other
/// than `RSA`, `use` other than `sig`, `alg` other than `RS256`), that lack a `kid`, or
/// whose key aws-lc refuses (modulus under 2048 or over 8192 bits, an even, 1 or over
/// 33-bit exponent) are skipped. A `kid` given to two different keys names neither: it is
/// ambiguous, and a token naming it is refused (the same key listed twice is one key). A
/// document that is not a JWKS, or has no usable key, is an error (the reason).
pub(crate) fn parse_jwks(body: &[u8]) -> Result<KeySet, String> {
    let doc: Value = serde_json::from_slice(body).map_err(|_| "the JWKS is not JSON".to_owned())?;
    let entries = doc
        .get("keys")
        .and_then(Value::as_array)
        .ok_or_else(|| "the JWKS has no `keys` array".to_owned())?;
    let mut seen: HashMap<&str, Seen> = HashMap::new();
    for entry in entries.iter().take(MAX_KEYS).filter_map(rs256_entry) {
        let n = strip_leading_zeros(&entry.n).to_vec();
        let e = strip_leading_zeros(&entry.e).to_vec();
        match seen.get_mut(entry.kid) {
            Some(earlier) => {
                if earlier.n != n || earlier.e != e {
                    earlier.key = None;
                }
            }
            None => {
                let key = VerifyingKey::from_components(&n, &e).map(Arc::new);
                seen.insert(entry.kid, Seen { n, e, key });
            }
        }
    }
    let keys: HashMap<String, Arc<VerifyingKey>> = seen
        .into_iter()
        .filter_map(|(kid, seen)| Some((kid.to_owned(), seen.key?)))
        .collect();
    if keys.is_empty() {
        return Err("the JWKS has no usable RS256 key".to_owned());
    }
    Ok(KeySet { keys })
}

/// An entry that declares itself an RSA key for RS256 signatures, with its `kid`, `n`, `e`.
fn rs256_entry(entry: &Value) -> Option<Entry<'_>> {
    let str_field = |name: &str| entry.get(name).and_then(Value::as_str);
    if str_field("kty")? != "RSA" {
        return None;
    }
    if entry.get("use").is_some_and(|u| u.as_str() != Some("sig"))
        || entry
            .get("alg")
            .is_some_and(|a| a.as_str() != Some("RS256"))
    {
        return None;
    }
    Some(Entry {
        kid: str_field("kid").filter(|k| !k.is_empty())?,
        n: base64url_decode(str_field("n")?)?,
        e: base64url_decode(str_field("e")?)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn junk_is_an_error() {
        for body in [
            &b"<html>"[..],
            b"{}",
            br#"{"keys":{}}"#,
            br#"{"keys":[]}"#,
            br#"{"keys":[{"kty":"EC","kid":"a"}]}"#,
            br#"{"keys":[{"kty":"RSA","kid":"a","n":"AQAB","e":"AQAB"}]}"#,
        ] {
            assert!(
                parse_jwks(body).is_err(),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn leading_zeros_are_not_part_of_the_integer() {
        assert_eq!(strip_leading_zeros(&[0, 0, 1, 0]), [1, 0]);
        assert_eq!(strip_leading_zeros(&[0, 0]), [0u8; 0]);
        assert_eq!(strip_leading_zeros(&[]), [0u8; 0]);
    }
}

//! Parsing a JWKS document into RSA public keys by `kid`.

use std::collections::HashMap;
use std::sync::Arc;

use rsa::traits::PublicKeyParts;
use rsa::{BigUint, RsaPublicKey};
use serde_json::Value;

use crate::protocol::encoding::base64url_decode;

/// The smallest accepted RSA modulus, in bits. Cognito's keys are 2048-bit.
const MIN_RSA_BITS: usize = 2048;
/// At most this many keys are read from one JWKS document.
const MAX_KEYS: usize = 64;

/// The usable keys of one JWKS document.
#[derive(Clone, Debug, Default)]
pub(crate) struct KeySet {
    keys: HashMap<String, Arc<RsaPublicKey>>,
}

impl KeySet {
    pub fn get(&self, kid: &str) -> Option<Arc<RsaPublicKey>> {
        self.keys.get(kid).cloned()
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }
}

/// Parses a JWKS document. Entries that are not RSA signing keys for RS256 (`kty` other
/// than `RSA`, `use` other than `sig`, `alg` other than `RS256`), that lack a `kid`, or
/// whose modulus is under 2048 bits are skipped; the first entry of a repeated `kid` wins.
/// A document that is not a JWKS, or has no usable key, is an error (the reason).
pub(crate) fn parse_jwks(body: &[u8]) -> Result<KeySet, String> {
    let doc: Value = serde_json::from_slice(body).map_err(|_| "the JWKS is not JSON".to_owned())?;
    let entries = doc
        .get("keys")
        .and_then(Value::as_array)
        .ok_or_else(|| "the JWKS has no `keys` array".to_owned())?;
    let mut keys = HashMap::new();
    for entry in entries.iter().take(MAX_KEYS) {
        if let Some((kid, key)) = rsa_signing_key(entry) {
            keys.entry(kid).or_insert_with(|| Arc::new(key));
        }
    }
    if keys.is_empty() {
        return Err("the JWKS has no usable RS256 key".to_owned());
    }
    Ok(KeySet { keys })
}

fn rsa_signing_key(entry: &Value) -> Option<(String, RsaPublicKey)> {
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
    let kid = str_field("kid").filter(|k| !k.is_empty())?;
    let n = base64url_decode(str_field("n")?)?;
    let e = base64url_decode(str_field("e")?)?;
    let key = RsaPublicKey::new(BigUint::from_bytes_be(&n), BigUint::from_bytes_be(&e)).ok()?;
    (key.size() * 8 >= MIN_RSA_BITS).then(|| (kid.to_owned(), key))
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
}

//! Strict reading of a compact JWS (`header.payload.signature`) before any key is touched:
//! three base64url segments (the `base64` crate, strict), the header's rules, and the
//! payload's claims read into typed slots ([`Payload`]) rather than a whole JSON map.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

use super::error::VerifyError;
use super::json::{read_object, Record, Slot};

/// The longest accepted token, in bytes. Cognito's tokens are a few kilobytes (more with
/// many groups or custom attributes); anything longer is refused before decoding.
pub const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// The longest accepted `kid`. Cognito's are 44 characters.
const MAX_KID_BYTES: usize = 256;

/// A token split and decoded, its signature not yet checked.
pub(crate) struct Jws<'a> {
    /// The `kid` header.
    pub kid: String,
    /// `header.payload`, the bytes the signature covers.
    pub signing_input: &'a [u8],
    /// The decoded payload (JSON not yet trusted: that waits for the signature).
    pub payload: Vec<u8>,
    /// The decoded signature.
    pub signature: Vec<u8>,
}

/// One base64url segment, strictly: not empty, no padding, only the base64url alphabet, and
/// canonical (no stray bits in the last character).
fn segment(raw: &str) -> Option<Vec<u8>> {
    if raw.is_empty() {
        return None;
    }
    URL_SAFE_NO_PAD.decode(raw).ok()
}

/// The decoded payload of a compact token that [`parse_jws`] accepts (for the claim map
/// of a verified token, read on demand).
pub(crate) fn payload_of(token: &str) -> Option<Vec<u8>> {
    segment(token.split('.').nth(1)?)
}

/// The header members the rules look at.
#[derive(Default)]
struct Header<'a> {
    alg: Slot<'a>,
    kid: Slot<'a>,
    crit: Slot<'a>,
}

impl<'a> Record<'a> for Header<'a> {
    fn slot(&mut self, name: &str) -> Option<&mut Slot<'a>> {
        match name {
            "alg" => Some(&mut self.alg),
            "kid" => Some(&mut self.kid),
            "crit" => Some(&mut self.crit),
            _ => None,
        }
    }
}

/// Splits and decodes a compact JWS and checks its header: every segment non-empty
/// base64url without padding, the header a JSON object, `alg` `RS256`, `kid` a non-empty
/// string, and no `crit` extensions (none are understood).
pub(crate) fn parse_jws(token: &str) -> Result<Jws<'_>, VerifyError> {
    let not_a_jws =
        || VerifyError::Malformed("not three dot-separated base64url segments of at most 16 KiB");
    if token.is_empty() || token.len() > MAX_TOKEN_BYTES {
        return Err(not_a_jws());
    }
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(not_a_jws());
    };
    let header_bytes =
        segment(header).ok_or(VerifyError::Malformed("the header is not base64url"))?;
    let header_fields = read_object::<Header>(&header_bytes)
        .ok_or(VerifyError::Malformed("the header is not a JSON object"))?;
    let payload_bytes =
        segment(payload).ok_or(VerifyError::Malformed("the payload is not base64url"))?;
    let signature_bytes =
        segment(signature).ok_or(VerifyError::Malformed("the signature is not base64url"))?;
    let kid = check_header(header_fields)?;
    Ok(Jws {
        kid,
        signing_input: &token.as_bytes()[..header.len() + 1 + payload.len()],
        payload: payload_bytes,
        signature: signature_bytes,
    })
}

/// The header's rules; the `kid`.
fn check_header(header: Header<'_>) -> Result<String, VerifyError> {
    match header.alg.as_str() {
        Some("RS256") => {}
        Some(_) => return Err(VerifyError::UnsupportedAlg),
        None => return Err(VerifyError::Malformed("the header has no alg")),
    }
    if header.crit != Slot::Absent {
        return Err(VerifyError::Malformed(
            "critical header extensions are not supported",
        ));
    }
    match header.kid {
        Slot::Str(kid) if !kid.is_empty() && kid.len() <= MAX_KID_BYTES => Ok(kid.into_owned()),
        _ => Err(VerifyError::Malformed("the header has no usable kid")),
    }
}

/// The claims the checks read, each as sent (types are checked by the checks, after the
/// signature), strings borrowed from the decoded payload; every other claim is only checked
/// to be JSON.
#[derive(Default)]
pub(crate) struct Payload<'a> {
    pub exp: Slot<'a>,
    pub iat: Slot<'a>,
    pub nbf: Slot<'a>,
    pub iss: Slot<'a>,
    pub token_use: Slot<'a>,
    pub sub: Slot<'a>,
    pub groups: Slot<'a>,
    pub aud: Slot<'a>,
    pub client_id: Slot<'a>,
    pub username: Slot<'a>,
    pub cognito_username: Slot<'a>,
    pub scope: Slot<'a>,
    pub email: Slot<'a>,
}

impl<'a> Record<'a> for Payload<'a> {
    fn slot(&mut self, name: &str) -> Option<&mut Slot<'a>> {
        Some(match name {
            "exp" => &mut self.exp,
            "iat" => &mut self.iat,
            "nbf" => &mut self.nbf,
            "iss" => &mut self.iss,
            "token_use" => &mut self.token_use,
            "sub" => &mut self.sub,
            "cognito:groups" => &mut self.groups,
            "aud" => &mut self.aud,
            "client_id" => &mut self.client_id,
            "username" => &mut self.username,
            "cognito:username" => &mut self.cognito_username,
            "scope" => &mut self.scope,
            "email" => &mut self.email,
            _ => return None,
        })
    }
}

impl<'a> Payload<'a> {
    /// The payload's claims, if it is a JSON object.
    pub fn read(payload: &'a [u8]) -> Option<Self> {
        read_object(payload)
    }

    /// `iss`, if it is a string.
    pub fn iss(&self) -> Option<&str> {
        self.iss.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base64url(bytes: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(bytes)
    }

    fn token(header: &str, payload: &str) -> String {
        format!(
            "{}.{}.c2ln",
            base64url(header.as_bytes()),
            base64url(payload.as_bytes())
        )
    }

    #[test]
    fn splits_a_good_token() {
        let t = token(r#"{"alg":"RS256","kid":"k1"}"#, r#"{"a":1}"#);
        let jws = parse_jws(&t).unwrap();
        assert_eq!(jws.kid, "k1");
        assert_eq!(jws.payload, br#"{"a":1}"#);
        assert_eq!(jws.signature, b"sig");
        assert_eq!(jws.signing_input, t.rsplit_once('.').unwrap().0.as_bytes());
    }

    #[test]
    fn header_rules() {
        let cases = [
            (r#"{"alg":"none","kid":"k"}"#, "unsupported_alg"),
            (r#"{"alg":"HS256","kid":"k"}"#, "unsupported_alg"),
            (r#"{"alg":"rs256","kid":"k"}"#, "unsupported_alg"),
            (r#"{"kid":"k"}"#, "malformed"),
            (r#"{"alg":null,"kid":"k"}"#, "malformed"),
            (r#"{"alg":"RS256"}"#, "malformed"),
            (r#"{"alg":"RS256","kid":""}"#, "malformed"),
            (r#"{"alg":"RS256","kid":7}"#, "malformed"),
            (r#"{"alg":"RS256","kid":"k","crit":["b64"]}"#, "malformed"),
            (r#"["RS256"]"#, "malformed"),
        ];
        for (header, code) in cases {
            let err = parse_jws(&token(header, "{}")).err().unwrap();
            assert_eq!(err.code(), code, "{header}");
        }
    }

    #[test]
    fn segments_are_strict() {
        let good = token(r#"{"alg":"RS256","kid":"k"}"#, "{}");
        let (hp, _) = good.rsplit_once('.').unwrap();
        for bad in [
            format!("{hp}.c2ln="),
            format!("{hp}.c2l+"),
            format!("{hp}.c2l/"),
            format!("{hp}. c2ln"),
            format!("{hp}."),
            format!("{hp}.c2l"), // non-canonical: stray trailing bits
            hp.to_owned(),
            format!("{good}.x"),
        ] {
            assert_eq!(parse_jws(&bad).err().unwrap().code(), "malformed", "{bad}");
        }
    }
}

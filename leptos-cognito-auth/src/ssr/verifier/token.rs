//! Strict reading of a compact JWS (`header.payload.signature`) before any key is touched:
//! the kit's one JWT decoder (`protocol::jwt`) in its strict mode, then the header rules.

use serde_json::{Map, Value};

use super::error::VerifyError;
use crate::protocol::jwt::{split_jwt, JwtError};

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

/// Splits and decodes a compact JWS and checks its header: every segment non-empty
/// base64url without padding, the header a JSON object, `alg` `RS256`, `kid` a non-empty
/// string, and no `crit` extensions (none are understood).
pub(crate) fn parse_jws(token: &str) -> Result<Jws<'_>, VerifyError> {
    let jwt = split_jwt(token, MAX_TOKEN_BYTES, true).map_err(|e| {
        VerifyError::Malformed(match e {
            JwtError::Base64("header") => "the header is not base64url",
            JwtError::Base64("payload") => "the payload is not base64url",
            JwtError::Base64(_) => "the signature is not base64url",
            JwtError::Json(_) => "the header is not a JSON object",
            _ => "not three dot-separated base64url segments of at most 16 KiB",
        })
    })?;
    check_header(&jwt.header)?;
    let kid = match jwt.header.get("kid") {
        Some(Value::String(kid)) if !kid.is_empty() && kid.len() <= MAX_KID_BYTES => kid.clone(),
        _ => return Err(VerifyError::Malformed("the header has no usable kid")),
    };
    Ok(Jws {
        kid,
        signing_input: jwt.signing_input.as_bytes(),
        payload: jwt.payload,
        signature: jwt.signature,
    })
}

fn check_header(header: &Map<String, Value>) -> Result<(), VerifyError> {
    match header.get("alg") {
        Some(Value::String(alg)) if alg == "RS256" => {}
        Some(Value::String(_)) => return Err(VerifyError::UnsupportedAlg),
        _ => return Err(VerifyError::Malformed("the header has no alg")),
    }
    if header.contains_key("crit") {
        return Err(VerifyError::Malformed(
            "critical header extensions are not supported",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::encoding::base64url;

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

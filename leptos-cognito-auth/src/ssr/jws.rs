//! Strict parsing of a compact JWS (`header.payload.signature`) before any key is touched.

use serde_json::{Map, Value};

use super::error::VerifyError;
use crate::protocol::encoding::base64url_decode;

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
    /// The decoded payload (JSON not yet parsed: that waits for the signature).
    pub payload: Vec<u8>,
    /// The decoded signature.
    pub signature: Vec<u8>,
}

/// One segment: non-empty, base64url alphabet only (no padding, no `+` or `/`, no
/// whitespace), canonical (the decoder rejects stray trailing bits).
fn segment(raw: &str, what: &'static str) -> Result<Vec<u8>, VerifyError> {
    if raw.is_empty()
        || !raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(VerifyError::Malformed(what));
    }
    base64url_decode(raw).ok_or(VerifyError::Malformed(what))
}

/// Splits and decodes a compact JWS and checks its header: `alg` must be `RS256`, `kid` a
/// non-empty string, and no `crit` extensions (none are understood).
pub(crate) fn parse(token: &str) -> Result<Jws<'_>, VerifyError> {
    if token.is_empty() || token.len() > MAX_TOKEN_BYTES {
        return Err(VerifyError::Malformed("empty or longer than 16 KiB"));
    }
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(VerifyError::Malformed("not three dot-separated segments"));
    };
    let header = segment(h, "the header is not base64url")?;
    let payload = segment(p, "the payload is not base64url")?;
    let signature = segment(s, "the signature is not base64url")?;
    let header = match serde_json::from_slice::<Value>(&header) {
        Ok(Value::Object(map)) => map,
        _ => return Err(VerifyError::Malformed("the header is not a JSON object")),
    };
    check_header(&header)?;
    let kid = match header.get("kid") {
        Some(Value::String(kid)) if !kid.is_empty() && kid.len() <= MAX_KID_BYTES => kid.clone(),
        _ => return Err(VerifyError::Malformed("the header has no usable kid")),
    };
    Ok(Jws {
        kid,
        signing_input: &token.as_bytes()[..h.len() + 1 + p.len()],
        payload,
        signature,
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
        let jws = parse(&t).unwrap();
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
            let err = parse(&token(header, "{}")).err().unwrap();
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
            assert_eq!(parse(&bad).err().unwrap().code(), "malformed", "{bad}");
        }
    }
}

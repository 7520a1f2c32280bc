//! JWT claim decoding for Cognito's ID and access tokens: base64url, UTF-8 safe, no
//! signature check (the browser got them from the token endpoint over TLS; servers verify
//! signatures with the `ssr` verifier).

use std::fmt;

use serde_json::{Map, Value};

use super::encoding::base64url_decode;
use super::secret::Secret;

/// The largest token accepted, in bytes. Cognito's are a few kilobytes; this bounds the
/// work a hostile value can cause.
const MAX_TOKEN_LEN: usize = 64 * 1024;

/// Why a token could not be decoded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JwtError {
    /// Empty, too long, or not three dot-separated segments.
    #[error("not a JWT (expected three base64url segments)")]
    NotAJwt,
    /// A segment is not base64url.
    #[error("the {0} is not base64url")]
    Base64(&'static str),
    /// A segment is not a UTF-8 JSON object.
    #[error("the {0} is not a JSON object")]
    Json(&'static str),
    /// A required claim is missing or has the wrong type.
    #[error("claim `{0}` is missing or not of the expected type")]
    Claim(&'static str),
}

/// A token's decoded payload, with typed accessors over the raw JSON object.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Claims(Map<String, Value>);

impl Claims {
    /// A claim's raw JSON value.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }

    /// A string claim (`None` if absent or not a string).
    pub fn str(&self, name: &str) -> Option<&str> {
        self.0.get(name).and_then(Value::as_str)
    }

    /// A numeric date claim in whole seconds (`None` if absent, negative or not a number).
    pub fn seconds(&self, name: &str) -> Option<u64> {
        numeric_date(self.0.get(name)?)
    }

    /// A boolean claim; Cognito sometimes sends `"true"` as a string.
    pub fn bool(&self, name: &str) -> Option<bool> {
        match self.0.get(name)? {
            Value::Bool(b) => Some(*b),
            Value::String(s) if s == "true" => Some(true),
            Value::String(s) if s == "false" => Some(false),
            _ => None,
        }
    }

    /// A list-of-strings claim (`cognito:groups`); non-string entries are skipped and a
    /// single string reads as a one-element list.
    pub fn strings(&self, name: &str) -> Vec<String> {
        match self.0.get(name) {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            Some(Value::String(s)) => vec![s.clone()],
            _ => Vec::new(),
        }
    }

    /// The whole claim map.
    pub fn as_map(&self) -> &Map<String, Value> {
        &self.0
    }
}

/// A JSON `NumericDate` in whole seconds: a non-negative number, fractions dropped (below
/// 10^15, so the conversion is exact). `None` for anything else.
pub(crate) fn numeric_date(value: &Value) -> Option<u64> {
    value.as_u64().or_else(|| {
        value
            .as_f64()
            .filter(|f| f.is_finite() && *f >= 0.0 && *f < 1e15)
            .map(|f| f as u64)
    })
}

/// A compact JWT (`header.payload.signature`) split, its header checked to be a JSON object
/// and its payload decoded (its JSON is left to the caller). The browser's token parsing
/// reads tokens this way, leniently: the server's verifier has its own strict reader.
pub(crate) struct CompactJwt {
    /// The decoded payload.
    pub payload: Vec<u8>,
}

/// One base64url segment, `=` padding tolerated; canonical (no stray bits).
fn segment(raw: &str) -> Option<Vec<u8>> {
    base64url_decode(raw)
}

/// Bytes that hold a JSON object.
pub(crate) fn json_object(bytes: &[u8]) -> Option<Map<String, Value>> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Some(map),
        _ => None,
    }
}

/// Splits a compact JWT of at most `max_len` bytes and decodes its header (base64url, a
/// JSON object) and payload (base64url). The signature is not read.
pub(crate) fn split_jwt(token: &str, max_len: usize) -> Result<CompactJwt, JwtError> {
    if token.is_empty() || token.len() > max_len {
        return Err(JwtError::NotAJwt);
    }
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(_signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwtError::NotAJwt);
    };
    let header_bytes = segment(header).ok_or(JwtError::Base64("header"))?;
    json_object(&header_bytes).ok_or(JwtError::Json("header"))?;
    let payload = segment(payload).ok_or(JwtError::Base64("payload"))?;
    Ok(CompactJwt { payload })
}

/// Decodes a compact JWT's payload. The header must be a JSON object too.
pub(crate) fn decode_claims(token: &str) -> Result<Claims, JwtError> {
    let jwt = split_jwt(token, MAX_TOKEN_LEN)?;
    json_object(&jwt.payload)
        .map(Claims)
        .ok_or(JwtError::Json("payload"))
}

/// Decodes a token whose `exp` claim is required; `exp` and `iat` are read once here (the
/// session's freshness checks ask for them on every request a server session serves).
fn decode_with_expiry(jwt: &str) -> Result<(Secret, Claims, u64, Option<u64>), JwtError> {
    let claims = decode_claims(jwt)?;
    let exp = claims.seconds("exp").ok_or(JwtError::Claim("exp"))?;
    let iat = claims.seconds("iat");
    Ok((Secret::new(jwt), claims, exp, iat))
}

macro_rules! token_common {
    ($ty:ident, $what:literal) => {
        impl $ty {
            #[doc = concat!("Decodes ", $what, ". `exp` is required.")]
            pub fn parse(jwt: &str) -> Result<Self, JwtError> {
                let (raw, claims, exp, iat) = decode_with_expiry(jwt)?;
                Ok(Self {
                    raw,
                    claims,
                    exp,
                    iat,
                })
            }
            /// The raw compact JWT, to send as a bearer token.
            pub fn jwt_token(&self) -> &str {
                self.raw.expose()
            }
            /// Expiry (`exp`), seconds since the Unix epoch.
            pub fn expiration(&self) -> u64 {
                self.exp
            }
            /// Issued at (`iat`).
            pub fn issued_at(&self) -> Option<u64> {
                self.iat
            }
            /// When the user originally signed in (`auth_time`; unchanged by refresh).
            pub fn auth_time(&self) -> Option<u64> {
                self.claims.seconds("auth_time")
            }
            /// The user's stable id (`sub`).
            pub fn sub(&self) -> Option<&str> {
                self.claims.str("sub")
            }
            /// `token_use`: `id` or `access`.
            pub fn token_use(&self) -> Option<&str> {
                self.claims.str("token_use")
            }
            /// The issuer (`iss`).
            pub fn issuer(&self) -> Option<&str> {
                self.claims.str("iss")
            }
            /// The user's Cognito groups (`cognito:groups`).
            pub fn groups(&self) -> Vec<String> {
                self.claims.strings("cognito:groups")
            }
            /// All claims.
            pub fn claims(&self) -> &Claims {
                &self.claims
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($ty))
                    .field("username", &self.username())
                    .field("exp", &self.exp)
                    .field("jwt", &"[redacted]")
                    .finish()
            }
        }
    };
}

/// A decoded Cognito ID token.
///
/// ```
/// use leptos_cognito_auth::IdToken;
/// // header {"alg":"RS256","kid":"k"} . payload {"cognito:username":"zoë","exp":2000000000,"token_use":"id"} . sig
/// let jwt = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsifQ.eyJjb2duaXRvOnVzZXJuYW1lIjoiem_DqyIsImV4cCI6MjAwMDAwMDAwMCwidG9rZW5fdXNlIjoiaWQifQ.c2ln";
/// let token = IdToken::parse(jwt).unwrap();
/// assert_eq!(token.username(), Some("zoë"));
/// assert_eq!(token.expiration(), 2_000_000_000);
/// ```
#[derive(Clone, PartialEq)]
pub struct IdToken {
    raw: Secret,
    claims: Claims,
    exp: u64,
    iat: Option<u64>,
}

impl IdToken {
    /// The user name (`cognito:username`).
    pub fn username(&self) -> Option<&str> {
        self.claims.str("cognito:username")
    }
    /// The e-mail address (`email`).
    pub fn email(&self) -> Option<&str> {
        self.claims.str("email")
    }
    /// Whether the e-mail address is verified (`email_verified`).
    pub fn email_verified(&self) -> Option<bool> {
        self.claims.bool("email_verified")
    }
    /// The audience (`aud`): the app client id.
    pub fn audience(&self) -> Option<&str> {
        self.claims.str("aud")
    }
    /// The `nonce` echoed from the sign-in request.
    pub fn nonce(&self) -> Option<&str> {
        self.claims.str("nonce")
    }
}
token_common!(IdToken, "an ID token");

/// A decoded Cognito access token. It has no `aud`; its app client is `client_id`.
#[derive(Clone, PartialEq)]
pub struct AccessToken {
    raw: Secret,
    claims: Claims,
    exp: u64,
    iat: Option<u64>,
}

impl AccessToken {
    /// The user name (`username`).
    pub fn username(&self) -> Option<&str> {
        self.claims.str("username")
    }
    /// The granted scopes (`scope`, space separated).
    pub fn scopes(&self) -> Vec<String> {
        self.claims
            .str("scope")
            .map(|s| s.split_whitespace().map(str::to_owned).collect())
            .unwrap_or_default()
    }
    /// The app client the token was issued to (`client_id`).
    pub fn client_id(&self) -> Option<&str> {
        self.claims.str("client_id")
    }
}
token_common!(AccessToken, "an access token");

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::protocol::encoding::base64url;

    /// A compact JWT with this payload and a dummy signature.
    pub(crate) fn jwt(payload: &Value) -> String {
        format!(
            "{}.{}.c2lnbmF0dXJl",
            base64url(br#"{"alg":"RS256","kid":"test"}"#),
            base64url(payload.to_string().as_bytes())
        )
    }

    #[test]
    fn decodes_cognito_claims_with_utf8_and_base64url_characters() {
        // `?` and `>` encode to `_` and `-` in base64url: the seed SDK's atob crashed here.
        let token = jwt(&serde_json::json!({
            "sub": "a1b2", "cognito:username": "zoë>?", "email": "zoë@example.com",
            "email_verified": "true", "exp": 1_700_000_000, "iat": 1_699_996_400.0,
            "auth_time": 1_699_990_000u64, "token_use": "id", "aud": "client",
            "nonce": "n", "cognito:groups": ["admin", 7, "ops"], "custom:tier": "gold"
        }));
        let t = IdToken::parse(&token).unwrap();
        assert_eq!(t.username(), Some("zoë>?"));
        assert_eq!(t.email(), Some("zoë@example.com"));
        assert_eq!(t.email_verified(), Some(true));
        assert_eq!(t.expiration(), 1_700_000_000);
        assert_eq!(t.issued_at(), Some(1_699_996_400));
        assert_eq!(t.auth_time(), Some(1_699_990_000));
        assert_eq!(t.groups(), ["admin", "ops"]);
        assert_eq!(t.audience(), Some("client"));
        assert_eq!(t.nonce(), Some("n"));
        assert_eq!(t.claims().str("custom:tier"), Some("gold"));
        assert_eq!(t.jwt_token(), token);
        assert!(!format!("{t:?}").contains(&token));
    }

    #[test]
    fn access_token_fields() {
        let token = jwt(&serde_json::json!({
            "username": "alice", "scope": "openid  email api/read", "client_id": "c",
            "exp": 5, "token_use": "access"
        }));
        let t = AccessToken::parse(&token).unwrap();
        assert_eq!(t.username(), Some("alice"));
        assert_eq!(t.scopes(), ["openid", "email", "api/read"]);
        assert_eq!(t.client_id(), Some("c"));
        assert_eq!(t.token_use(), Some("access"));
        assert!(t.groups().is_empty());
    }

    #[test]
    fn malformed_tokens_are_errors() {
        let good_header = base64url(br#"{"alg":"RS256"}"#);
        let payload = base64url(br#"{"exp":1}"#);
        let cases = [
            (String::new(), JwtError::NotAJwt),
            ("a.b".to_owned(), JwtError::NotAJwt),
            ("a.b.c.d".to_owned(), JwtError::NotAJwt),
            (format!("{good_header}.{payload}"), JwtError::NotAJwt),
            (format!("***.{payload}.s"), JwtError::Base64("header")),
            (format!("{good_header}.%%%.s"), JwtError::Base64("payload")),
            (
                format!("{}.{payload}.s", base64url(b"[1]")),
                JwtError::Json("header"),
            ),
            (
                format!("{good_header}.{}.s", base64url(b"\xff\xfe")),
                JwtError::Json("payload"),
            ),
            (
                format!("{good_header}.{}.s", base64url(br#"{"exp":"soon"}"#)),
                JwtError::Claim("exp"),
            ),
            (
                format!("{good_header}.{}.s", base64url(br#"{"exp":-5}"#)),
                JwtError::Claim("exp"),
            ),
            ("x".repeat(MAX_TOKEN_LEN + 1), JwtError::NotAJwt),
        ];
        for (token, want) in cases {
            assert_eq!(IdToken::parse(&token).unwrap_err(), want, "{token:.40}");
        }
        // Padding is tolerated.
        let padded = format!("{good_header}=.{payload}==.s");
        assert_eq!(AccessToken::parse(&padded).unwrap().expiration(), 1);
    }
}

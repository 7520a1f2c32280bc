//! Token, revoke and userInfo endpoint requests built as plain data, and their responses
//! parsed from plain data.

use serde_json::{Map, Value};

use super::config::CognitoConfig;
use super::encoding::{basic_credentials, form};
use super::error::{AuthError, OAuthErrorKind};
use super::http::{HttpRequest, HttpResponse, Method};
use super::secret::Secret;
use super::session::CognitoSession;

/// A grant to exchange at `/oauth2/token`.
#[derive(Clone, Debug)]
pub enum TokenGrant<'a> {
    /// `authorization_code`, with the PKCE verifier when the code flow used one.
    AuthorizationCode {
        /// The code from the callback.
        code: &'a Secret,
        /// The `redirect_uri` sent to `/oauth2/authorize`.
        redirect_uri: &'a str,
        /// The PKCE code verifier.
        code_verifier: Option<&'a Secret>,
    },
    /// `refresh_token`.
    RefreshToken {
        /// The refresh token.
        refresh_token: &'a Secret,
    },
    /// `client_credentials` (machine to machine): an access token for the app client
    /// itself, on behalf of no user. Cognito allows it only to a confidential client (the
    /// configuration's `client_secret`, sent with HTTP Basic) and only for custom scopes
    /// (`<resource server identifier>/<scope>`). Without scopes, `scope` is left out and
    /// Cognito grants every custom scope the client is allowed.
    ClientCredentials {
        /// The custom scopes to ask for, sent space-separated in `scope`.
        scopes: &'a [String],
    },
}

/// What the token endpoint returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenSet {
    /// `access_token`.
    pub access_token: Secret,
    /// `id_token` (with the `openid` scope).
    pub id_token: Option<Secret>,
    /// `refresh_token` (code grant; on refresh only with rotation).
    pub refresh_token: Option<Secret>,
    /// `expires_in`, seconds.
    pub expires_in: Option<u64>,
}

/// A JSON object body. Parsed as a [`Value`] from bytes, the way JWT payloads (and
/// leptos's server functions) are, rather than into a typed struct from `&str`: the
/// browser build then holds one copy of the JSON parser instead of one per reader and
/// type.
fn json_object(body: &str) -> Option<Map<String, Value>> {
    match serde_json::from_slice(body.as_bytes()) {
        Ok(Value::Object(map)) => Some(map),
        _ => None,
    }
}

/// Field `name` of `object` as an optional string: absent or `null` is `Ok(None)`,
/// anything but a string is `Err(())`.
fn optional_string(object: &mut Map<String, Value>, name: &str) -> Result<Option<String>, ()> {
    match object.remove(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(()),
    }
}

fn form_post(config: &CognitoConfig, path: &str, body: String) -> HttpRequest {
    form_post_to(
        format!("{}{path}", config.domain_base()),
        config.client_id(),
        config.client_secret(),
        body,
    )
}

/// A form `POST` to `url`, authenticated with HTTP Basic when the client has a secret.
fn form_post_to(
    url: String,
    client_id: &str,
    client_secret: Option<&Secret>,
    body: String,
) -> HttpRequest {
    let mut headers = vec![(
        "Content-Type".to_owned(),
        Secret::new("application/x-www-form-urlencoded"),
    )];
    if let Some(secret) = client_secret {
        headers.push((
            "Authorization".into(),
            Secret::new(format!(
                "Basic {}",
                basic_credentials(client_id, secret.expose())
            )),
        ));
    }
    HttpRequest {
        method: Method::Post,
        url,
        headers,
        body: Some(Secret::new(body)),
    }
}

/// The form body of a `client_credentials` grant: `scope` only when there are scopes.
fn client_credentials_body(client_id: &str, scopes: &[String]) -> String {
    let scope = scopes.join(" ");
    let mut pairs = vec![
        ("grant_type", "client_credentials"),
        ("client_id", client_id),
    ];
    if !scope.is_empty() {
        pairs.push(("scope", &scope));
    }
    form(&pairs)
}

/// The `client_credentials` token request of a confidential client whose token endpoint is
/// `token_url` (the [`TokenGrant::ClientCredentials`] request of a configuration with that
/// client, without needing one). Sent by the server's `ssr::ClientCredentials`.
#[cfg_attr(not(feature = "ssr"), allow(dead_code))]
pub(crate) fn client_credentials_request(
    token_url: &str,
    client_id: &str,
    client_secret: &Secret,
    scopes: &[String],
) -> HttpRequest {
    form_post_to(
        token_url.to_owned(),
        client_id,
        Some(client_secret),
        client_credentials_body(client_id, scopes),
    )
}

/// The `POST /oauth2/token` request for a grant. A client with a secret authenticates with
/// HTTP Basic; `client_id` is always in the body too, as Cognito accepts.
///
/// ```
/// use leptos_cognito_auth::protocol::{token_request, TokenGrant};
/// use leptos_cognito_auth::{CognitoConfig, Secret};
/// let config = CognitoConfig::builder()
///     .client_id("abc")
///     .app_web_domain("auth.example.com")
///     .redirect_uri_sign_in("https://app.example.com/cb")
///     .redirect_uri_sign_out("https://app.example.com/")
///     .build()
///     .unwrap();
/// let refresh = Secret::new("r");
/// let req = token_request(&config, TokenGrant::RefreshToken { refresh_token: &refresh });
/// assert_eq!(req.url, "https://auth.example.com/oauth2/token");
/// assert_eq!(req.body.unwrap().expose(), "grant_type=refresh_token&client_id=abc&refresh_token=r");
/// ```
pub fn token_request(config: &CognitoConfig, grant: TokenGrant<'_>) -> HttpRequest {
    let body = match grant {
        TokenGrant::AuthorizationCode {
            code,
            redirect_uri,
            code_verifier,
        } => {
            let mut pairs = vec![
                ("grant_type", "authorization_code"),
                ("client_id", config.client_id()),
                ("code", code.expose()),
                ("redirect_uri", redirect_uri),
            ];
            if let Some(verifier) = code_verifier {
                pairs.push(("code_verifier", verifier.expose()));
            }
            form(&pairs)
        }
        TokenGrant::RefreshToken { refresh_token } => form(&[
            ("grant_type", "refresh_token"),
            ("client_id", config.client_id()),
            ("refresh_token", refresh_token.expose()),
        ]),
        TokenGrant::ClientCredentials { scopes } => {
            client_credentials_body(config.client_id(), scopes)
        }
    };
    form_post(config, "/oauth2/token", body)
}

/// Reads an error response: Cognito's `{"error": ..., "error_description": ...}` when the
/// body is that, otherwise the bare status.
fn error_from(endpoint: &'static str, response: &HttpResponse) -> AuthError {
    let raw = json_object(&response.body).and_then(|mut object| {
        let error = match object.remove("error") {
            Some(Value::String(error)) => error,
            _ => return None,
        };
        let description = optional_string(&mut object, "error_description").ok()?;
        Some((error, description))
    });
    match raw {
        Some((error, description)) if !error.is_empty() => AuthError::OAuth {
            kind: OAuthErrorKind::parse(&error),
            description: description.map(|d| d.chars().take(500).collect()),
            status: response.status,
        },
        _ => AuthError::Endpoint {
            endpoint,
            status: response.status,
        },
    }
}

impl TokenSet {
    /// The session these tokens make, for a sign-in that asked for `scopes` (the JWTs
    /// decoded, not yet checked against the configuration).
    pub fn into_session(self, scopes: &str) -> Result<CognitoSession, AuthError> {
        CognitoSession::from_tokens(
            self.id_token.as_ref().map(|t| t.expose()),
            self.access_token.expose(),
            self.refresh_token,
            scopes,
        )
    }

    /// Parses a token endpoint response. Unknown fields are ignored; a missing
    /// `access_token`, a `token_type` other than `Bearer` or a body that is not JSON is an
    /// [`AuthError::InvalidResponse`]; a 4xx with Cognito's error JSON is an
    /// [`AuthError::OAuth`]; anything else an [`AuthError::Endpoint`].
    pub fn from_response(response: &HttpResponse) -> Result<Self, AuthError> {
        const ENDPOINT: &str = "token";
        if response.status != 200 {
            return Err(error_from(ENDPOINT, response));
        }
        let invalid = |reason: &str| AuthError::InvalidResponse {
            endpoint: ENDPOINT,
            reason: reason.into(),
        };
        let not_tokens = || invalid("the body is not a JSON object of tokens");
        let mut object = json_object(&response.body).ok_or_else(not_tokens)?;
        let mut string = |name| optional_string(&mut object, name).map_err(|()| not_tokens());
        let access_token = string("access_token")?;
        let id_token = string("id_token")?;
        let refresh_token = string("refresh_token")?;
        let token_type = string("token_type")?;
        let access_token = access_token
            .filter(|t| !t.is_empty())
            .ok_or_else(|| invalid("no access_token"))?;
        if let Some(token_type) = &token_type {
            if !token_type.eq_ignore_ascii_case("bearer") {
                return Err(invalid("token_type is not Bearer"));
            }
        }
        let expires_in = match object.remove("expires_in") {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => n.as_u64(),
            Some(Value::String(s)) => s.parse().ok(),
            Some(_) => return Err(invalid("expires_in is not a number")),
        };
        Ok(Self {
            access_token: Secret::new(access_token),
            id_token: id_token.filter(|t| !t.is_empty()).map(Secret::new),
            refresh_token: refresh_token.filter(|t| !t.is_empty()).map(Secret::new),
            expires_in,
        })
    }
}

/// The `POST /oauth2/revoke` request for a refresh token.
pub fn revoke_request(config: &CognitoConfig, refresh_token: &Secret) -> HttpRequest {
    form_post(
        config,
        "/oauth2/revoke",
        form(&[
            ("token", refresh_token.expose()),
            ("client_id", config.client_id()),
        ]),
    )
}

/// Reads a revoke response: 200 (also for an already revoked token) is success.
pub(crate) fn revoke_result(response: &HttpResponse) -> Result<(), AuthError> {
    if response.status == 200 {
        Ok(())
    } else {
        Err(error_from("revoke", response))
    }
}

/// The `GET /oauth2/userInfo` request.
pub fn userinfo_request(config: &CognitoConfig, access_token: &str) -> HttpRequest {
    HttpRequest {
        method: Method::Get,
        url: format!("{}/oauth2/userInfo", config.domain_base()),
        headers: vec![(
            "Authorization".into(),
            Secret::new(format!("Bearer {access_token}")),
        )],
        body: None,
    }
}

/// Reads a userInfo response: the claims on 200; on 400/401 the error named in the
/// `WWW-Authenticate` header (`error="invalid_token"`).
pub(crate) fn userinfo_result(response: &HttpResponse) -> Result<Map<String, Value>, AuthError> {
    const ENDPOINT: &str = "userInfo";
    if response.status == 200 {
        return json_object(&response.body).ok_or_else(|| AuthError::InvalidResponse {
            endpoint: ENDPOINT,
            reason: "the body is not a JSON object".into(),
        });
    }
    let from_header = response.header("WWW-Authenticate").and_then(|h| {
        let start = h.find("error=\"")? + 7;
        let end = h[start..].find('"')? + start;
        Some(OAuthErrorKind::parse(&h[start..end]))
    });
    match from_header {
        Some(kind) => Err(AuthError::OAuth {
            kind,
            description: None,
            status: response.status,
        }),
        None => Err(error_from(ENDPOINT, response)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::session::tests::config;

    fn confidential() -> CognitoConfig {
        CognitoConfig::builder()
            .client_id("local-server-client")
            .app_web_domain("http://localhost:9229/prefix")
            .redirect_uri_sign_in("http://localhost:3000/callback")
            .redirect_uri_sign_out("http://localhost:3000/")
            .client_secret("local-server-secret")
            .build()
            .unwrap()
    }

    #[test]
    fn code_grant_request_is_exact() {
        let code = Secret::new("c/d+e");
        let verifier = Secret::new("v".repeat(43));
        let req = token_request(
            &config(),
            TokenGrant::AuthorizationCode {
                code: &code,
                redirect_uri: "http://localhost:3000/callback",
                code_verifier: Some(&verifier),
            },
        );
        assert_eq!(req.method, Method::Post);
        assert_eq!(req.url, "http://localhost:9229/oauth2/token");
        assert_eq!(
            req.header("content-type"),
            Some("application/x-www-form-urlencoded")
        );
        assert_eq!(
            req.header("authorization"),
            None,
            "a public client sends no secret"
        );
        assert_eq!(
            req.body.unwrap().expose(),
            format!("grant_type=authorization_code&client_id=local-spa-client&code=c%2Fd%2Be&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fcallback&code_verifier={}", "v".repeat(43))
        );
    }

    #[test]
    fn confidential_clients_use_basic_auth() {
        let refresh = Secret::new("r");
        let req = token_request(
            &confidential(),
            TokenGrant::RefreshToken {
                refresh_token: &refresh,
            },
        );
        assert_eq!(req.url, "http://localhost:9229/prefix/oauth2/token");
        // base64("local-server-client:local-server-secret")
        assert_eq!(
            req.header("Authorization"),
            Some("Basic bG9jYWwtc2VydmVyLWNsaWVudDpsb2NhbC1zZXJ2ZXItc2VjcmV0")
        );
        let revoke = revoke_request(&confidential(), &refresh);
        assert_eq!(revoke.url, "http://localhost:9229/prefix/oauth2/revoke");
        assert_eq!(
            revoke.body.as_ref().unwrap().expose(),
            "token=r&client_id=local-server-client"
        );
        assert!(revoke.header("Authorization").is_some());
    }

    #[test]
    fn client_credentials_request_is_exact() {
        let m2m = CognitoConfig::builder()
            .client_id("local-m2m-client")
            .app_web_domain("http://localhost:9229")
            .redirect_uri_sign_in("http://localhost:3000/callback")
            .redirect_uri_sign_out("http://localhost:3000/")
            .client_secret("local-m2m-secret")
            .build()
            .unwrap();
        let scopes = ["local-api/read".to_owned(), "local-api/write".to_owned()];
        let req = token_request(&m2m, TokenGrant::ClientCredentials { scopes: &scopes });
        assert_eq!(req.method, Method::Post);
        assert_eq!(req.url, "http://localhost:9229/oauth2/token");
        assert_eq!(
            req.header("Content-Type"),
            Some("application/x-www-form-urlencoded")
        );
        // base64("local-m2m-client:local-m2m-secret")
        assert_eq!(
            req.header("Authorization"),
            Some("Basic bG9jYWwtbTJtLWNsaWVudDpsb2NhbC1tMm0tc2VjcmV0")
        );
        assert_eq!(
            req.body.as_ref().unwrap().expose(),
            "grant_type=client_credentials&client_id=local-m2m-client&scope=local-api%2Fread%20local-api%2Fwrite"
        );
        assert!(!format!("{req:?}").contains("bG9jYWwtbTJt"), "redacted");

        // No scopes: no `scope` parameter (Cognito grants all the client's custom scopes).
        let req = token_request(&m2m, TokenGrant::ClientCredentials { scopes: &[] });
        assert_eq!(
            req.body.unwrap().expose(),
            "grant_type=client_credentials&client_id=local-m2m-client"
        );

        // The same request without a configuration, to an explicit endpoint; the id and
        // secret are form-encoded before the Basic encoding (RFC 6749 2.3.1).
        let req = client_credentials_request(
            "https://auth.example.com/oauth2/token",
            "m2m",
            &Secret::new("s:e+cr/t"),
            &["api/read".to_owned()],
        );
        assert_eq!(req.url, "https://auth.example.com/oauth2/token");
        // base64("m2m:s%3Ae%2Bcr%2Ft")
        assert_eq!(
            req.header("Authorization"),
            Some("Basic bTJtOnMlM0FlJTJCY3IlMkZ0")
        );
        assert_eq!(
            req.body.unwrap().expose(),
            "grant_type=client_credentials&client_id=m2m&scope=api%2Fread"
        );
    }

    #[test]
    fn client_credentials_responses() {
        // Cognito's answer: an access token alone.
        let ok = HttpResponse::new(
            200,
            r#"{"access_token":"a.b.c","expires_in":3600,"token_type":"Bearer"}"#,
        );
        let set = TokenSet::from_response(&ok).unwrap();
        assert_eq!(set.access_token.expose(), "a.b.c");
        assert_eq!(set.expires_in, Some(3600));
        assert!(set.id_token.is_none() && set.refresh_token.is_none());
        for code in ["invalid_scope", "unauthorized_client", "invalid_client"] {
            let res = HttpResponse::new(400, format!(r#"{{"error":"{code}"}}"#));
            let err = TokenSet::from_response(&res).unwrap_err();
            assert_eq!((err.code(), err.status()), (code, 400), "{code}");
        }
    }

    #[test]
    fn token_responses() {
        let ok = HttpResponse::new(
            200,
            r#"{"access_token":"a","id_token":"i","refresh_token":"r","token_type":"Bearer","expires_in":3600,"extra":{"x":1}}"#,
        );
        let set = TokenSet::from_response(&ok).unwrap();
        assert_eq!(set.access_token.expose(), "a");
        assert_eq!(set.id_token.unwrap().expose(), "i");
        assert_eq!(set.refresh_token.unwrap().expose(), "r");
        assert_eq!(set.expires_in, Some(3600));

        let refresh = HttpResponse::new(
            200,
            r#"{"access_token":"a","id_token":"i","token_type":"Bearer","expires_in":"3600"}"#,
        );
        let set = TokenSet::from_response(&refresh).unwrap();
        assert!(set.refresh_token.is_none());
        assert_eq!(set.expires_in, Some(3600));

        let cases = [
            (
                HttpResponse::new(400, r#"{"error":"invalid_grant"}"#),
                "invalid_grant",
                400,
            ),
            (
                HttpResponse::new(
                    401,
                    r#"{"error":"invalid_client","error_description":"bad secret"}"#,
                ),
                "invalid_client",
                401,
            ),
            (
                HttpResponse::new(500, "<html>oops</html>"),
                "endpoint_error",
                502,
            ),
            (
                HttpResponse::new(503, r#"{"message":"busy"}"#),
                "endpoint_error",
                502,
            ),
            (HttpResponse::new(200, "not json"), "invalid_response", 502),
            (HttpResponse::new(200, "[]"), "invalid_response", 502),
            (
                HttpResponse::new(200, r#"{"id_token":"i"}"#),
                "invalid_response",
                502,
            ),
            (
                HttpResponse::new(200, r#"{"access_token":"a","token_type":"mac"}"#),
                "invalid_response",
                502,
            ),
            (
                HttpResponse::new(200, r#"{"access_token":"a","expires_in":[1]}"#),
                "invalid_response",
                502,
            ),
            (
                HttpResponse::new(200, r#"{"access_token":7}"#),
                "invalid_response",
                502,
            ),
        ];
        for (res, code, status) in cases {
            let err = TokenSet::from_response(&res).unwrap_err();
            assert_eq!((err.code(), err.status()), (code, status), "{}", res.body);
        }
    }

    #[test]
    fn revoke_and_userinfo_responses() {
        assert_eq!(revoke_result(&HttpResponse::new(200, "")), Ok(()));
        assert_eq!(
            revoke_result(&HttpResponse::new(
                400,
                r#"{"error":"unsupported_token_type"}"#
            ))
            .unwrap_err()
            .code(),
            "oauth_error"
        );
        let req = userinfo_request(&config(), "tok");
        assert_eq!(req.url, "http://localhost:9229/oauth2/userInfo");
        assert_eq!(req.header("Authorization"), Some("Bearer tok"));
        let claims =
            userinfo_result(&HttpResponse::new(200, r#"{"sub":"1","username":"alice"}"#)).unwrap();
        assert_eq!(claims["username"], "alice");
        let mut unauthorized = HttpResponse::new(401, "");
        unauthorized.headers.push((
            "WWW-Authenticate".into(),
            r#"Bearer error="invalid_token", error_description="Access token is expired""#.into(),
        ));
        let err = userinfo_result(&unauthorized).unwrap_err();
        assert_eq!((err.code(), err.status()), ("invalid_token", 401));
    }
}

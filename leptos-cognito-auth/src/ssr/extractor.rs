//! The axum extractor: `VerifiedUser` (and `Option<VerifiedUser>`) as a session layer handed
//! it over in the request's extensions, else from `Authorization: Bearer` (or a token
//! cookie) verified here.

use std::sync::Arc;

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use std::borrow::Cow;

use axum::http::header::{AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::session::cookie_acts;
use super::verifier::CognitoJwtVerifier;
use super::verifier::VerifiedUser;
use super::verifier::VerifyError;

/// Where the extractor finds the verifier in the router state. A verifier in the request
/// extensions (`.layer(Extension(verifier))`) is used first, whatever the state.
///
/// Implemented for `()` (extension only), [`CognitoJwtVerifier`] itself (as the whole
/// state), `Arc<T>` and Leptos' `LeptosOptions`; implement it for your own state:
///
/// ```
/// use leptos_cognito_auth::ssr::{CognitoJwtVerifier, VerifierSource};
/// #[derive(Clone)]
/// struct AppState { verifier: CognitoJwtVerifier, /* db, options, ... */ }
/// impl VerifierSource for AppState {
///     fn cognito_verifier(&self) -> Option<&CognitoJwtVerifier> { Some(&self.verifier) }
/// }
/// ```
pub trait VerifierSource {
    /// The verifier, if this state holds one.
    fn cognito_verifier(&self) -> Option<&CognitoJwtVerifier>;
}

impl VerifierSource for () {
    fn cognito_verifier(&self) -> Option<&CognitoJwtVerifier> {
        None
    }
}

impl VerifierSource for CognitoJwtVerifier {
    fn cognito_verifier(&self) -> Option<&CognitoJwtVerifier> {
        Some(self)
    }
}

impl VerifierSource for leptos::config::LeptosOptions {
    fn cognito_verifier(&self) -> Option<&CognitoJwtVerifier> {
        None
    }
}

impl<T: VerifierSource> VerifierSource for Arc<T> {
    fn cognito_verifier(&self) -> Option<&CognitoJwtVerifier> {
        (**self).cognito_verifier()
    }
}

/// Why the extractor refused a request. As a response: 401 with
/// `WWW-Authenticate: Bearer ...` (RFC 6750), 403 with `error="insufficient_scope"` for a
/// missing group or scope, 503 when the JWKS is unavailable, 500 when no verifier is
/// installed; the body is `{"error": <code>, "message": <text>}`.
///
/// ```
/// use axum::response::IntoResponse;
/// use leptos_cognito_auth::ssr::{AuthRejection, VerifyError};
/// let response = AuthRejection::Invalid(VerifyError::Expired).into_response();
/// assert_eq!(response.status(), 401);
/// assert_eq!(
///     response.headers()["www-authenticate"],
///     r#"Bearer error="invalid_token", error_description="the token has expired""#
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthRejection {
    /// No bearer token in the request (and none in the token cookie, if configured).
    #[error("no bearer token was sent")]
    MissingToken,
    /// A token was sent but refused.
    #[error(transparent)]
    Invalid(#[from] VerifyError),
    /// No [`CognitoJwtVerifier`] in the request extensions or the router state.
    #[error("the server has no Cognito verifier installed")]
    VerifierMissing,
}

impl AuthRejection {
    /// `missing_token`, the [`VerifyError::code`], or `verifier_missing`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::MissingToken => "missing_token",
            Self::Invalid(e) => e.code(),
            Self::VerifierMissing => "verifier_missing",
        }
    }

    /// 401, the [`VerifyError::status`], or 500.
    pub fn status(&self) -> u16 {
        match self {
            Self::MissingToken => 401,
            Self::Invalid(e) => e.status(),
            Self::VerifierMissing => 500,
        }
    }

    /// The `WWW-Authenticate` challenge for this rejection, if one applies.
    pub fn www_authenticate(&self) -> Option<String> {
        let quote = |s: &str| -> String {
            s.chars()
                .map(|c| {
                    if c == '"' || c == '\\' || !(' '..='~').contains(&c) {
                        '\''
                    } else {
                        c
                    }
                })
                .collect()
        };
        match self {
            Self::MissingToken => Some("Bearer".to_owned()),
            Self::Invalid(VerifyError::MissingScope(scope)) => Some(format!(
                r#"Bearer error="insufficient_scope", error_description="{}", scope="{}""#,
                quote(&self.to_string()),
                quote(scope)
            )),
            Self::Invalid(e) if e.is_forbidden() => Some(format!(
                r#"Bearer error="insufficient_scope", error_description="{}""#,
                quote(&e.to_string())
            )),
            Self::Invalid(VerifyError::JwksUnavailable(_)) | Self::VerifierMissing => None,
            Self::Invalid(e) => Some(format!(
                r#"Bearer error="invalid_token", error_description="{}""#,
                quote(&e.to_string())
            )),
        }
    }
}

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::json!({ "error": self.code(), "message": self.to_string() });
        let mut response = (status, body.to_string()).into_response();
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Some(challenge) = self
            .www_authenticate()
            .and_then(|c| HeaderValue::from_str(&c).ok())
        {
            headers.insert(WWW_AUTHENTICATE, challenge);
        }
        response
    }
}

impl IntoResponse for VerifyError {
    fn into_response(self) -> Response {
        AuthRejection::Invalid(self).into_response()
    }
}

/// The token a request carries: `Authorization: Bearer <token>` first, else the cookie
/// `cookie_name` if given. `Ok(None)` when there is neither (or another auth scheme);
/// more than one `Authorization` header, or an empty bearer value, is malformed.
pub fn token_from_headers<'a>(
    headers: &'a HeaderMap,
    cookie_name: Option<&str>,
) -> Result<Option<Cow<'a, str>>, VerifyError> {
    let mut authorizations = headers.get_all(AUTHORIZATION).iter();
    if let Some(value) = authorizations.next() {
        if authorizations.next().is_some() {
            return Err(VerifyError::Malformed("more than one Authorization header"));
        }
        let value = value
            .to_str()
            .map_err(|_| VerifyError::Malformed("the Authorization header is not ASCII"))?;
        let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
        if scheme.eq_ignore_ascii_case("bearer") {
            let token = rest.trim_matches(' ');
            if token.is_empty() {
                return Err(VerifyError::Malformed("empty bearer token"));
            }
            return Ok(Some(Cow::Borrowed(token)));
        }
    }
    let Some(name) = cookie_name else {
        return Ok(None);
    };
    Ok(super::session::cookies::get(headers, name)
        .map(|v| v.trim_matches('"').to_owned())
        .filter(|v| !v.is_empty())
        .map(Cow::Owned))
}

/// The token of a request for `verifier`: [`token_from_headers`] with the verifier's token
/// cookie, which like every session cookie acts only where it is no forgery
/// ([`cookie_acts`]). What the extractor and `require_user` read.
pub(crate) fn token_of_request<'a>(
    parts: &'a Parts,
    verifier: &CognitoJwtVerifier,
) -> Result<Option<Cow<'a, str>>, VerifyError> {
    let cookie = verifier.token_cookie().filter(|_| cookie_acts(parts));
    token_from_headers(&parts.headers, cookie)
}

fn verifier_for<S: VerifierSource>(parts: &Parts, state: &S) -> Option<CognitoJwtVerifier> {
    parts
        .extensions
        .get::<CognitoJwtVerifier>()
        .or_else(|| state.cognito_verifier())
        .cloned()
}

/// `VerifiedUser` as an extractor: the user a session layer put in the request's extensions
/// (server sessions, cookie mode), else the one a valid bearer token carries.
///
/// ```
/// use axum::{routing::get, Json, Router};
/// use leptos_cognito_auth::ssr::{AuthRejection, CognitoJwtVerifier, VerifiedUser};
///
/// async fn me(user: VerifiedUser) -> Json<serde_json::Value> {
///     Json(serde_json::json!({ "username": user.username(), "groups": user.groups() }))
/// }
/// async fn admin(user: VerifiedUser) -> Result<&'static str, AuthRejection> {
///     user.require_group("admin")?; // 403 otherwise
///     Ok("secret admin data")
/// }
///
/// let verifier = CognitoJwtVerifier::for_user_pool("eu-west-1_AbC123")
///     .client_id("my-client")
///     .build()
///     .unwrap();
/// let app: Router = Router::new()
///     .route("/api/me", get(me))
///     .route("/api/admin", get(admin))
///     .with_state(verifier);
/// ```
impl<S> FromRequestParts<S> for VerifiedUser
where
    S: VerifierSource + Send + Sync,
{
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        <Self as OptionalFromRequestParts<S>>::from_request_parts(parts, state)
            .await?
            .ok_or(AuthRejection::MissingToken)
    }
}

/// `Option<VerifiedUser>`: `None` when the request carries no token (a page that renders
/// for everyone), but a token that is sent and refused is still rejected.
impl<S> OptionalFromRequestParts<S> for VerifiedUser
where
    S: VerifierSource + Send + Sync,
{
    type Rejection = AuthRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        // The session layer's hand-off first: verified once, shared, no header forged.
        if let Some(user) = parts.extensions.get::<VerifiedUser>() {
            return Ok(Some(user.clone()));
        }
        let verifier = verifier_for(parts, state).ok_or(AuthRejection::VerifierMissing)?;
        match token_of_request(parts, &verifier)? {
            Some(token) => Ok(Some(verifier.verify(&token).await?)),
            None => Ok(None),
        }
    }
}

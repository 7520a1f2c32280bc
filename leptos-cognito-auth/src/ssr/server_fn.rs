//! Helpers for Leptos server functions: [`require_user`], [`require_group`] and
//! [`require_scope`].

use axum::http::header::WWW_AUTHENTICATE;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use leptos::prelude::{use_context, ServerFnError};
use leptos_axum::ResponseOptions;
use leptos_router::location::RequestUrl;

use super::extractor::{token_of_request, AuthRejection};
use super::verifier::CognitoJwtVerifier;
use super::verifier::VerifiedUser;

/// The `ServerFnError` for a rejection: a `ServerError` whose message is
/// `"<code>: <message>"` (e.g. `"expired: the token has expired"`). When called inside a
/// server function's own request it also sets the HTTP status (401 / 403 / 503) and the
/// `WWW-Authenticate` header, so the client can tell "sign in again" from "forbidden". A
/// server function called while a page renders on the server (a resource of a page that
/// everyone may see) leaves the page's status alone: the page is not a refusal.
pub fn rejection_to_server_fn_error(rejection: &AuthRejection) -> ServerFnError {
    // `leptos_axum` gives a page's render the URL it renders, and a server function's
    // request none.
    let rendering_a_page = use_context::<RequestUrl>().is_some();
    if let Some(response) = use_context::<ResponseOptions>().filter(|_| !rendering_a_page) {
        if let Ok(status) = StatusCode::from_u16(rejection.status()) {
            response.set_status(status);
        }
        if let Some(value) = rejection
            .www_authenticate()
            .and_then(|c| HeaderValue::from_str(&c).ok())
        {
            response.insert_header(WWW_AUTHENTICATE, value);
        }
    }
    ServerFnError::new(format!("{}: {rejection}", rejection.code()))
}

/// The signed-in user of the current server-function call, verified.
///
/// The user a session layer handed over in the request's extensions (server sessions,
/// cookie mode) comes first. Otherwise it reads the request headers (bearer token, or the
/// token cookie when the verifier names one, except on a state-changing request another
/// site made) and the verifier from the Leptos context
/// (`provide_context(verifier)` in `handle_server_fns_with_context` /
/// `leptos_routes_with_context`), else from the request extensions.
///
/// ```
/// use leptos::prelude::*;
///
/// #[server]
/// pub async fn whoami() -> Result<String, ServerFnError> {
///     let user = leptos_cognito_auth::ssr::require_user().await?;
///     Ok(user.username().unwrap_or(user.sub()).to_owned())
/// }
/// ```
pub async fn require_user() -> Result<VerifiedUser, ServerFnError> {
    // The request `leptos_axum` serves (a server function's, or the page's it renders).
    let Some(parts) = use_context::<Parts>() else {
        return Err(ServerFnError::new(
            "require_user: no request to read (call it in a server function or a page that \
             leptos_axum serves)",
        ));
    };
    // The session layer's hand-off first: verified once, shared, no header forged.
    if let Some(user) = parts.extensions.get::<VerifiedUser>() {
        return Ok(user.clone());
    }
    let verifier = match use_context::<CognitoJwtVerifier>() {
        Some(verifier) => verifier,
        None => parts
            .extensions
            .get::<CognitoJwtVerifier>()
            .cloned()
            .ok_or_else(|| rejection_to_server_fn_error(&AuthRejection::VerifierMissing))?,
    };
    let result = match token_of_request(&parts, &verifier) {
        Ok(Some(token)) => verifier
            .verify(&token)
            .await
            .map_err(AuthRejection::Invalid),
        Ok(None) => Err(AuthRejection::MissingToken),
        Err(e) => Err(AuthRejection::Invalid(e)),
    };
    result.map_err(|rejection| rejection_to_server_fn_error(&rejection))
}

/// Like [`require_user`], and the user must be in `group` (else `missing_group`, 403).
///
/// ```
/// use leptos::prelude::*;
///
/// #[server]
/// pub async fn admin_report() -> Result<Vec<String>, ServerFnError> {
///     let _admin = leptos_cognito_auth::ssr::require_group("admin").await?;
///     Ok(vec!["for admins only".into()])
/// }
/// ```
pub async fn require_group(group: &str) -> Result<VerifiedUser, ServerFnError> {
    let user = require_user().await?;
    user.require_group(group)
        .map_err(|e| rejection_to_server_fn_error(&AuthRejection::Invalid(e)))?;
    Ok(user)
}

/// Like [`require_user`], and the access token must carry `scope` (else `missing_scope`,
/// 403): for a server function that other servers call with a machine-to-machine token
/// (Cognito's `client_credentials` grant, whose custom scopes are
/// `<resource server identifier>/<scope>`), or that needs a custom scope of a user's token.
/// An ID token carries no scopes and never passes.
///
/// ```
/// use leptos::prelude::*;
///
/// #[server]
/// pub async fn orders_report() -> Result<Vec<String>, ServerFnError> {
///     let caller = leptos_cognito_auth::ssr::require_scope("orders-api/read").await?;
///     Ok(vec![format!("for app client {}", caller.client_id())])
/// }
/// ```
pub async fn require_scope(scope: &str) -> Result<VerifiedUser, ServerFnError> {
    let user = require_user().await?;
    user.require_scope(scope)
        .map_err(|e| rejection_to_server_fn_error(&AuthRejection::Invalid(e)))?;
    Ok(user)
}

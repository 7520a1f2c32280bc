//! `GET /logout`: Cognito's two forms (not OIDC RP-initiated logout). Ends the Hosted UI
//! session; never revokes tokens.
//!
//! - `client_id` + `logout_uri` (a registered sign-out URL): `302` to `logout_uri`.
//! - `client_id` + `redirect_uri` + `response_type` (+ authorize parameters): `302` to the
//!   sign-in page for a new sign-in.
//! - Anything else: a `400` error page.

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::authorize::{self, AUTHORIZE_PARAMS};
use super::pages::error_page;
use super::params::Params;
use super::responses::redirect;
use super::session;
use super::state::SharedEmulator;

/// `GET /logout`.
pub async fn logout(
    State(emulator): State<SharedEmulator>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let params = Params::from_query(query.as_deref());
    let Some(client_id) = params.get("client_id") else {
        return error_page(StatusCode::BAD_REQUEST, "client_id is required.");
    };
    let Some(client) = emulator.config.client(client_id) else {
        return error_page(
            StatusCode::BAD_REQUEST,
            &format!("The app client {client_id:?} does not exist in this user pool."),
        );
    };
    let mut response = if let Some(logout_uri) = params.get("logout_uri") {
        if !client.logout_urls.iter().any(|u| u == logout_uri) {
            return error_page(
                StatusCode::BAD_REQUEST,
                &format!(
                    "logout_uri {logout_uri:?} is not a registered sign-out URL of the app client {client_id:?}."
                ),
            );
        }
        redirect(logout_uri)
    } else if params.get("redirect_uri").is_some() && params.get("response_type").is_some() {
        let carried = params.only(AUTHORIZE_PARAMS);
        match authorize::validate(&emulator, &carried) {
            Ok(request) => redirect(&format!("{}/login?{}", emulator.domain_base, request.query)),
            Err(error) => return error.into_response(),
        }
    } else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "Send either logout_uri, or redirect_uri and response_type, with client_id. \
             (post_logout_redirect_uri and id_token_hint are not understood.)",
        );
    };
    session::end(&emulator, &headers, &mut response);
    response
}

//! `GET /login` (the sign-in page) and `POST /login` (checking the password). The page's URL
//! carries the authorize parameters; they are validated again on every request.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::authorize::{self, AuthorizeRequest};
use super::pages::{self, LoginPage};
use super::params::Params;
use super::session;
use super::state::{now, SharedEmulator};

/// The message shown after a failed attempt (Cognito's wording).
pub const WRONG_CREDENTIALS: &str = "Incorrect username or password.";

fn render(
    request: &AuthorizeRequest,
    status: StatusCode,
    error: Option<&str>,
    username: &str,
) -> Response {
    pages::login_page(
        status,
        &LoginPage {
            query: &request.query,
            error,
            username,
            identity_provider: request.identity_provider.as_deref(),
            client_id: &request.client.client_id,
            lang: request.lang.as_deref(),
        },
    )
}

/// `GET /login`: the sign-in form, its user name pre-filled with `login_hint`.
pub async fn login_form(
    State(emulator): State<SharedEmulator>,
    RawQuery(query): RawQuery,
) -> Response {
    let params = Params::from_query(query.as_deref());
    match authorize::validate(&emulator, &params) {
        Ok(request) => {
            let hint = request.login_hint.clone().unwrap_or_default();
            render(&request, StatusCode::OK, None, &hint)
        }
        Err(error) => error.into_response(),
    }
}

/// `POST /login`: checks the credentials; on success starts the Hosted UI session and
/// completes the authorize request; on failure shows the form again and issues nothing.
pub async fn login_submit(
    State(emulator): State<SharedEmulator>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let params = Params::from_query(query.as_deref());
    let request = match authorize::validate(&emulator, &params) {
        Ok(request) => request,
        Err(error) => return error.into_response(),
    };
    let form = Params::parse(&String::from_utf8_lossy(&body));
    let (Some(username), Some(password)) = (form.get("username"), form.get("password")) else {
        return render(
            &request,
            StatusCode::BAD_REQUEST,
            Some("Enter your username and password."),
            form.get("username").unwrap_or(""),
        );
    };
    let user = emulator
        .config
        .users
        .iter()
        .find(|u| u.username.eq_ignore_ascii_case(username));
    let Some(user) = user.filter(|u| u.password == password) else {
        return render(&request, StatusCode::OK, Some(WRONG_CREDENTIALS), username);
    };
    let auth_time = now();
    let mut response = authorize::complete(&emulator, &request, &user.username, auth_time);
    session::start(&emulator, &user.username, auth_time, &mut response);
    response
}

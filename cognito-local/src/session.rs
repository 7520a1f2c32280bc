//! The Hosted UI session cookie: set on sign-in, read by `/oauth2/authorize`, cleared by
//! `/logout`. The cookie holds a random id; the session itself lives in memory.

use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::Response;

use super::state::{now, random_token, Emulator, Session};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "cognito-local-session";

/// The session cookie's value from the request, if any.
pub fn cookie_value(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_owned())
}

/// The live session the request's cookie points at, if any.
pub fn current(emulator: &Emulator, headers: &HeaderMap) -> Option<Session> {
    let id = cookie_value(headers)?;
    emulator.store().sessions.get(&id).cloned()
}

/// Starts a session for `username` and sets its cookie on `response`.
pub fn start(emulator: &Emulator, username: &str, auth_time: u64, response: &mut Response) {
    let id = random_token(32);
    let lifetime = emulator.config.session_lifetime_secs;
    emulator.store().sessions.insert(
        id.clone(),
        Session {
            username: username.to_owned(),
            auth_time,
            expires_at: now() + lifetime,
        },
    );
    set_cookie(emulator, response, &id, lifetime);
}

/// Ends the request's session (if any) and expires its cookie on `response`.
pub fn end(emulator: &Emulator, headers: &HeaderMap, response: &mut Response) {
    if let Some(id) = cookie_value(headers) {
        emulator.store().sessions.remove(&id);
    }
    set_cookie(emulator, response, "", 0);
}

fn set_cookie(emulator: &Emulator, response: &mut Response, value: &str, max_age: u64) {
    let secure = if emulator.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{SESSION_COOKIE}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}"
    );
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

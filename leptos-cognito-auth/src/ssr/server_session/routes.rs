//! The routes of server sessions, answered by the layer before the app: start a sign-in,
//! complete it (the callback), sign out, and answer the session's view as JSON.

use std::time::Duration;

use axum::body::{to_bytes, Body};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Request, StatusCode};
use axum::response::{IntoResponse, Response};

use super::cookies;
use super::record::{is_random_id, pending_key, random_id, session_key, Pending, Record};
use super::{Inner, CSRF_FIELD, CSRF_HEADER};
use crate::client::{Clock, Environment, SystemClock, SystemEnvironment};
use crate::protocol::authorize::{AuthorizeOptions, AuthorizeRequest};
use crate::protocol::encoding::parse_form;
use crate::protocol::is_state_token;
use crate::protocol::secret::constant_time_eq;
use crate::protocol::token::{revoke_request, token_request, TokenGrant};
use crate::protocol::{
    sanitize_return_path, AuthError, CallbackGrant, CallbackResponse, LogoutRequest,
    PendingResponseType, PendingSignIn, TokenSet, PENDING_SIGN_IN_TTL,
};
use crate::ssr::is_same_origin_request;

/// The largest sign-out form body read.
const MAX_FORM_BYTES: usize = 4096;

/// A `303 See Other` to `location` with `cookies` set, never cached.
pub(crate) fn redirect(location: &str, cookies: &[String]) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(location) {
        headers.insert(LOCATION, value);
    }
    for cookie in cookies {
        if let Ok(value) = HeaderValue::from_str(cookie) {
            headers.append(SET_COOKIE, value);
        }
    }
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A JSON error answer (`{"error": code, "message": ...}`), never cached.
pub(crate) fn json_error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = serde_json::json!({ "error": code, "message": message }).to_string();
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The host the browser asked for: a proxy's `X-Forwarded-Host` (its first value), else
/// `Host`.
fn request_host(headers: &HeaderMap) -> Option<&str> {
    headers
        .get("x-forwarded-host")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .or_else(|| headers.get(axum::http::header::HOST)?.to_str().ok())
        .map(str::trim)
        .filter(|h| !h.is_empty())
}

/// A plain-text error page for a browser that navigated here (a sign-in that cannot start),
/// never cached.
fn plain_error(status: StatusCode, error: &AuthError) -> Response {
    let body = format!("Sign-in cannot start here ({}): {error}\n", error.code());
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The request's query parameter `name`, decoded.
fn query_param(parts: &Parts, name: &str) -> Option<String> {
    let query = parts.uri.query()?;
    parse_form(query)
        .ok()?
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v)
}

impl Inner {
    fn cookie(&self, base: &str) -> String {
        cookies::name(base, self.secure)
    }

    /// Starts a sign-in that returns to `return_to` (made a same-origin path): the pending
    /// sign-in goes to the store, bound to this browser, and the answer redirects to the
    /// Hosted UI.
    pub(crate) async fn start_sign_in(&self, headers: &HeaderMap, return_to: &str) -> Response {
        // The browser's cookies (and with them the pending sign-in) belong to the host it
        // asked: a callback at another host would find nothing.
        if let Some(host) = request_host(headers) {
            if let Err(e) = crate::protocol::check_sign_in_origin(&self.config, host) {
                return plain_error(StatusCode::BAD_REQUEST, &e);
            }
        }
        let browser_cookie = self.cookie(cookies::BROWSER);
        let (browser, set_cookies) =
            match cookies::get(headers, &browser_cookie).filter(|b| is_random_id(b)) {
                Some(browser) => (browser, Vec::new()),
                None => {
                    let browser = random_id();
                    let cookie = cookies::set(&browser_cookie, &browser, self.secure, None);
                    (browser, vec![cookie])
                }
            };
        let env = SystemEnvironment;
        let rng = |buf: &mut [u8]| env.fill_random(buf);
        let return_to = sanitize_return_path(return_to);
        let options = AuthorizeOptions {
            return_to: &return_to,
            ..AuthorizeOptions::default()
        };
        let request = AuthorizeRequest::new(&self.config, &rng, env.now(), options);
        let pending = Pending {
            record: request.pending.to_json(),
            browser,
        };
        let stored = match serde_json::to_string(&pending) {
            Ok(json) => {
                self.store
                    .set(
                        &pending_key(&request.pending.state),
                        &json,
                        Duration::from_secs(PENDING_SIGN_IN_TTL),
                    )
                    .await
            }
            Err(e) => Err(super::StoreError::Failed(e.to_string())),
        };
        if let Err(e) = stored {
            return json_error(StatusCode::SERVICE_UNAVAILABLE, e.code(), &e.to_string());
        }
        redirect(&request.url, &set_cookies)
    }

    /// `GET <sign-in>?return_to=/path`.
    pub(crate) async fn sign_in_route(&self, parts: &Parts) -> Response {
        let return_to = query_param(parts, "return_to").unwrap_or_else(|| "/".into());
        self.start_sign_in(&parts.headers, &return_to).await
    }

    /// Back to the app with an error to show once: a sign-in that failed.
    fn fail(&self, error: &AuthError) -> Response {
        tracing_error(error);
        let cookie = cookies::set(
            &self.cookie(cookies::ERROR),
            error.code(),
            self.secure,
            Some(60),
        );
        redirect("/", &[cookie])
    }

    /// The callback: completes the sign-in started by this browser.
    pub(crate) async fn callback_route(&self, parts: &Parts) -> Response {
        match self.complete_sign_in(parts).await {
            Ok((id, return_to)) => {
                let mut set = vec![cookies::set(
                    &self.cookie(cookies::SESSION),
                    &id,
                    self.secure,
                    Some(self.idle_ttl.as_secs() as i64),
                )];
                // A session this browser had is replaced (a new id: no fixation).
                if let Some(old) = cookies::get(&parts.headers, &self.cookie(cookies::SESSION))
                    .filter(|old| is_random_id(old) && *old != id)
                {
                    let _ = self.remove_session(&session_key(&old)).await;
                }
                set.push(cookies::remove(&self.cookie(cookies::ERROR), self.secure));
                redirect(&return_to, &set)
            }
            Err(CallbackFailure::Store(e)) => {
                json_error(StatusCode::SERVICE_UNAVAILABLE, e.code(), &e.to_string())
            }
            Err(CallbackFailure::Auth(e)) => self.fail(&e),
        }
    }

    async fn complete_sign_in(&self, parts: &Parts) -> Result<(String, String), CallbackFailure> {
        let url = format!(
            "{}?{}",
            self.config.redirect_uri_sign_in(),
            parts.uri.query().unwrap_or_default()
        );
        let response = CallbackResponse::parse(&url)?;
        let state = response.state().ok_or(AuthError::StateMismatch)?;
        // Only a state this kit could have sent is looked up in the store.
        if !is_state_token(state) {
            return Err(AuthError::StateMismatch.into());
        }
        // Single use: taken from the store, whatever follows.
        let raw = self
            .store
            .take(&pending_key(state))
            .await?
            .ok_or(AuthError::NoPendingSignIn)?;
        let pending: Pending =
            serde_json::from_str(&raw).map_err(|_| AuthError::NoPendingSignIn)?;
        // Started by this browser: a sign-in response carried to another browser (login
        // CSRF, a leaked callback URL) does not sign that browser in.
        let browser = cookies::get(&parts.headers, &self.cookie(cookies::BROWSER));
        let same_browser =
            browser.is_some_and(|b| constant_time_eq(b.as_bytes(), pending.browser.as_bytes()));
        if !same_browser {
            return Err(AuthError::StateMismatch.into());
        }
        let pending = PendingSignIn::from_json(pending.record.as_bytes())
            .ok_or(AuthError::NoPendingSignIn)?;
        let now = SystemClock.now();
        if pending.is_expired(now) {
            return Err(AuthError::NoPendingSignIn.into());
        }
        response.check(&pending)?;
        let code = match response.into_grant()? {
            CallbackGrant::Code(code) if pending.response_type == PendingResponseType::Code => code,
            _ => {
                return Err(AuthError::InvalidCallback {
                    reason: "server sessions use the code flow only".into(),
                }
                .into())
            }
        };
        let request = token_request(
            &self.config,
            TokenGrant::AuthorizationCode {
                code: &code,
                redirect_uri: &pending.redirect_uri,
                code_verifier: pending.code_verifier.as_ref(),
            },
        );
        let answer = self
            .http
            .send(request)
            .await
            .map_err(AuthError::Transport)?;
        let session = TokenSet::from_response(&answer)?
            .into_session(&pending.scopes)?
            .with_clock_drift_at(now);
        session.check_claims(&self.config, Some(&pending.nonce))?;
        let id_token = session.id_token().ok_or_else(|| AuthError::TokenRejected {
            token: "id",
            reason: "server sessions need an ID token: ask for the `openid` scope".into(),
        })?;
        self.id_verifier
            .verify(id_token.jwt_token())
            .await
            .map_err(|e| AuthError::TokenRejected {
                token: "id",
                reason: e.to_string(),
            })?;
        let id = random_id();
        let record = Record::new(&session, now);
        self.store
            .set(&session_key(&id), &record.to_json(), self.idle_ttl)
            .await?;
        Ok((id, pending.return_to))
    }

    /// `POST <sign-out>`: same-origin, with the session's anti-forgery token.
    pub(crate) async fn sign_out_route(&self, request: Request<Body>) -> Response {
        let (parts, body) = request.into_parts();
        let refused = || {
            json_error(
                StatusCode::FORBIDDEN,
                "csrf_rejected",
                "sign-out must come from this site's own sign-out form or script",
            )
        };
        // Another site's form: refused before anything else, so that it cannot even clear
        // the session cookie (its answer could carry the deletion on a top-level
        // navigation).
        if !is_same_origin_request(&parts) {
            return refused();
        }
        let id = cookies::get(&parts.headers, &self.cookie(cookies::SESSION))
            .filter(|id| is_random_id(id));
        let logout = LogoutRequest::sign_out_url(&self.config);
        let gone = cookies::remove(&self.cookie(cookies::SESSION), self.secure);
        let Some(id) = id else {
            // Nothing to end here: on to Cognito's /logout, which ends its own session.
            return redirect(&logout, &[]);
        };
        let key = session_key(&id);
        let record = match self.store.get(&key).await {
            Ok(raw) => raw.and_then(|raw| Record::from_json(&raw)),
            Err(e) => return json_error(StatusCode::SERVICE_UNAVAILABLE, e.code(), &e.to_string()),
        };
        let Some(record) = record else {
            return redirect(&logout, &[gone]);
        };
        let header = parts
            .headers
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let field = match header {
            Some(token) => Some(token),
            None => to_bytes(body, MAX_FORM_BYTES)
                .await
                .ok()
                .and_then(|bytes| String::from_utf8(bytes.to_vec()).ok())
                .and_then(|form| parse_form(&form).ok())
                .and_then(|pairs| pairs.into_iter().find(|(n, _)| n == CSRF_FIELD))
                .map(|(_, v)| v),
        };
        let token_ok =
            field.is_some_and(|t| constant_time_eq(t.as_bytes(), record.csrf.as_bytes()));
        if !token_ok {
            return refused();
        }
        // Best effort: a revocation that fails must not keep the user signed in.
        if let Some(refresh) = record.session().and_then(|s| s.refresh_token().cloned()) {
            let _ = self.http.send(revoke_request(&self.config, &refresh)).await;
        }
        if let Err(e) = self.remove_session(&key).await {
            return json_error(StatusCode::SERVICE_UNAVAILABLE, e.code(), &e.to_string());
        }
        redirect(&logout, &[gone])
    }

    /// `GET <session>`: what the page shows of the session, as the layer found it.
    pub(crate) fn session_route(&self, parts: &Parts) -> Response {
        let view = parts
            .extensions
            .get::<crate::ssr::InitialAuth>()
            .and_then(|initial| initial.server_view.clone())
            .unwrap_or_else(|| self.view(None, None, None));
        let mut response = serde_json::to_string(&view)
            .unwrap_or_else(|_| "{}".into())
            .into_response();
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}

/// Why a callback failed: the store, or the sign-in itself.
enum CallbackFailure {
    Store(super::StoreError),
    Auth(AuthError),
}

impl From<AuthError> for CallbackFailure {
    fn from(e: AuthError) -> Self {
        Self::Auth(e)
    }
}

impl From<super::StoreError> for CallbackFailure {
    fn from(e: super::StoreError) -> Self {
        Self::Store(e)
    }
}

/// Logs a failed sign-in on the server: its code and message, never a token.
fn tracing_error(error: &AuthError) {
    tracing::warn!(
        code = error.code(),
        "server session sign-in failed: {error}"
    );
}

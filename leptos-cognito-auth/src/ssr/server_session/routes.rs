//! The routes of server sessions, answered by the layer before the app: start a sign-in,
//! complete it (the callback), sign out, and answer the session's view as JSON.

use axum::body::{to_bytes, Body};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use cookie::Cookie;

use super::pending::{PendingSignIns, COOKIE as PENDING};
use super::record::{is_random_id, session_key, Record};
use super::session::Inner;
use super::store::StoreError;
use crate::protocol::authorize::{AuthorizeOptions, AuthorizeRequest};
use crate::protocol::encoding::parse_form;
use crate::protocol::secret::constant_time_eq;
use crate::protocol::token::{revoke_request, token_request, TokenGrant};
use crate::protocol::{
    accept_sign_in, check_sign_in_origin, is_state_token, sanitize_return_path, AuthError,
    CallbackGrant, CallbackResponse, LogoutRequest, PendingResponseType, TokenSet, CSRF_FIELD,
    CSRF_HEADER, PENDING_SIGN_IN_TTL,
};
use crate::ssr::session::cookies::{self, Readers};
use crate::ssr::session::response::{json_error, plain_error, redirect};
use crate::ssr::session::{is_same_origin_request, InitialAuth};

/// The largest sign-out form body read.
const MAX_FORM_BYTES: usize = 4096;

/// The session cookie's base name.
pub(crate) const SESSION: &str = "lca-session";
/// The one-shot error cookie's base name.
pub(crate) const ERROR: &str = "lca-error";

/// The request's query parameter `name`, decoded.
fn query_param(parts: &Parts, name: &str) -> Option<String> {
    let query = parts.uri.query()?;
    parse_form(query)
        .ok()?
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v)
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

impl Inner {
    /// A cookie of this layer: `HttpOnly`, the app's `Secure` rule.
    fn server_cookie(&self, base: &str, value: String, max_age: Option<i64>) -> Cookie<'static> {
        cookies::build(
            self.cookie(base),
            value,
            self.secure,
            Readers::Server,
            max_age,
        )
    }

    fn server_cookie_removal(&self, base: &str) -> Cookie<'static> {
        cookies::removal(self.cookie(base), self.secure, Readers::Server)
    }

    /// Starts a sign-in that returns to `return_to` (made a same-origin path): the pending
    /// sign-in joins the browser's sealed pending cookie, and the answer redirects to the
    /// Hosted UI. Nothing is stored on the server.
    pub(crate) fn start_sign_in(&self, headers: &HeaderMap, return_to: &str) -> Response {
        // The browser's cookies (and with them the pending sign-in) belong to the host it
        // asked: a callback at another host would find nothing.
        if let Some(host) = request_host(headers) {
            if let Err(e) = check_sign_in_origin(&self.config, host) {
                return plain_error(StatusCode::BAD_REQUEST, &e);
            }
        }
        let now = self.env.now();
        let rng = |buf: &mut [u8]| self.env.random.fill(buf);
        let return_to = sanitize_return_path(return_to);
        let options = AuthorizeOptions {
            return_to: &return_to,
            ..AuthorizeOptions::default()
        };
        let request = AuthorizeRequest::new(&self.config, &rng, now, options);
        let cookie = cookies::get(headers, &self.cookie(PENDING));
        let mut pending = PendingSignIns::read(&self.pending_keys, cookie.as_deref(), now);
        pending.push(request.pending);
        let ttl = i64::try_from(PENDING_SIGN_IN_TTL).unwrap_or(i64::MAX);
        let set = match pending.seal(&self.pending_keys) {
            Some(sealed) => self.server_cookie(PENDING, sealed, Some(ttl)),
            None => self.server_cookie_removal(PENDING),
        };
        redirect(&request.url, &[set])
    }

    /// `GET <sign-in>?return_to=/path`.
    pub(crate) fn sign_in_route(&self, parts: &Parts) -> Response {
        let return_to = query_param(parts, "return_to").unwrap_or_else(|| "/".into());
        self.start_sign_in(&parts.headers, &return_to)
    }

    /// Back to the app with an error to show once: a sign-in that failed.
    fn fail(&self, error: &AuthError, mut set: Vec<Cookie<'static>>) -> Response {
        tracing::warn!(
            code = error.code(),
            "server session sign-in failed: {error}"
        );
        set.push(self.server_cookie(ERROR, error.code().to_owned(), Some(60)));
        redirect("/", &set)
    }

    /// The callback: completes the sign-in started by this browser.
    pub(crate) async fn callback_route(&self, parts: &Parts) -> Response {
        let now = self.env.now();
        let cookie = cookies::get(&parts.headers, &self.cookie(PENDING));
        let mut pending = PendingSignIns::read(&self.pending_keys, cookie.as_deref(), now);
        let outcome = self.complete_sign_in(parts, &mut pending, now).await;
        // The pending sign-in is spent whatever follows (single use); the others stay.
        let ttl = i64::try_from(PENDING_SIGN_IN_TTL).unwrap_or(i64::MAX);
        let mut set = vec![match pending.seal(&self.pending_keys) {
            Some(sealed) => self.server_cookie(PENDING, sealed, Some(ttl)),
            None => self.server_cookie_removal(PENDING),
        }];
        match outcome {
            Ok((id, return_to)) => {
                set.push(self.server_cookie(
                    SESSION,
                    id.clone(),
                    Some(i64::try_from(self.lifetimes.absolute.as_secs()).unwrap_or(i64::MAX)),
                ));
                // A session this browser had is replaced (a new id: no fixation).
                if let Some(old) = cookies::get(&parts.headers, &self.cookie(SESSION))
                    .filter(|old| is_random_id(old) && *old != id)
                {
                    let _ = self.remove_session(&session_key(&old)).await;
                }
                set.push(self.server_cookie_removal(ERROR));
                redirect(&return_to, &set)
            }
            Err(CallbackFailure::Store(e)) => {
                json_error(StatusCode::SERVICE_UNAVAILABLE, e.code(), &e.to_string())
            }
            Err(CallbackFailure::Auth(e)) => self.fail(&e, set),
        }
    }

    async fn complete_sign_in(
        &self,
        parts: &Parts,
        pending: &mut PendingSignIns,
        now: u64,
    ) -> Result<(String, String), CallbackFailure> {
        let url = format!(
            "{}?{}",
            self.config.redirect_uri_sign_in(),
            parts.uri.query().unwrap_or_default()
        );
        let response = CallbackResponse::parse(&url)?;
        let state = response.state().ok_or(AuthError::StateMismatch)?;
        // Only a state this kit could have sent is looked up.
        if !is_state_token(state) {
            return Err(AuthError::StateMismatch.into());
        }
        // Single use, and only in the browser that started it: a sign-in response carried
        // to another browser (login CSRF, a leaked callback URL) finds nothing there.
        let Some(pending) = pending.take(state) else {
            return Err(if pending.is_empty() {
                AuthError::NoPendingSignIn
            } else {
                AuthError::StateMismatch
            }
            .into());
        };
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
        let session = TokenSet::from_response(&answer)?.into_session(&pending.scopes)?;
        let session = accept_sign_in(session, &self.config, &pending.nonce, now)?;
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
        let id = self.env.random_id();
        let record = Record::of(&session, self.env.random_id(), now);
        self.store
            .set(
                &session_key(&id),
                &record.seal(&id),
                self.lifetimes.ttl(now, now),
            )
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
        let id = cookies::get(&parts.headers, &self.cookie(SESSION)).filter(|id| is_random_id(id));
        let logout = LogoutRequest::sign_out_url(&self.config);
        let gone = self.server_cookie_removal(SESSION);
        let Some(id) = id else {
            // Nothing to end here: on to Cognito's /logout, which ends its own session.
            return redirect(&logout, &[]);
        };
        let key = session_key(&id);
        let record = match self.store.get(&key).await {
            Ok(raw) => raw.and_then(|raw| Record::open(&id, &raw)),
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
    pub(crate) fn session_route(&self, initial: &InitialAuth, set: &[Cookie<'static>]) -> Response {
        let view = match initial {
            InitialAuth::Server(view) => view.clone(),
            InitialAuth::Cookie { .. } => self.view_of(None, None, None),
        };
        let mut response = serde_json::to_string(&view)
            .unwrap_or_else(|_| "{}".into())
            .into_response();
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        cookies::append(headers, set);
        response
    }
}

/// Why a callback failed: the store, or the sign-in itself.
enum CallbackFailure {
    Store(StoreError),
    Auth(AuthError),
}

impl From<AuthError> for CallbackFailure {
    fn from(e: AuthError) -> Self {
        Self::Auth(e)
    }
}

impl From<StoreError> for CallbackFailure {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}

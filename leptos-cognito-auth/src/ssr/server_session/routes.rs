//! The routes of server sessions, answered by the layer before the app: start a sign-in,
//! complete it (the callback), sign out, and answer the session's view as JSON.

use std::sync::Arc;

use axum::body::{to_bytes, Body};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, REFERER};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use cookie::Cookie;

use super::local::Parsed;
use super::pending::{PendingSignIns, COOKIE as PENDING};
use super::record::{is_random_id, session_key, Record};
use super::session::{Inner, ERROR, SESSION};
use super::store::StoreError;
use crate::protocol::authorize::{return_path_from_referer, AuthorizeOptions, AuthorizeRequest};
use crate::protocol::encoding::parse_form;
use crate::protocol::secret::constant_time_eq;
use crate::protocol::token::{revoke_request, token_request, TokenGrant};
use crate::protocol::{
    accept_sign_in, global_sign_out_request, global_sign_out_result, is_state_token,
    sanitize_return_path, AuthError, CallbackGrant, CallbackResponse, CognitoSession,
    LogoutRequest, PendingResponseType, Secret, SignInOptions, TokenSet, ADMIN_SCOPE, CSRF_FIELD,
    CSRF_HEADER, PENDING_SIGN_IN_TTL,
};
use crate::ssr::session::cookies::{self, Readers};
use crate::ssr::session::response::{json_error, plain_error, redirect};
use crate::ssr::session::{check_sign_in_host, is_same_origin_request, InitialAuth};

/// The largest sign-out form body read.
const MAX_FORM_BYTES: usize = 4096;

/// The answer to a request the session store failed (a `503`, with the error's code): the
/// store's own words, which may name a host, a cluster node's address or the operating
/// system's error, go to the server's log, not to the visitor.
pub(super) fn store_failure(e: &StoreError) -> Response {
    tracing::error!(code = e.code(), "{e}");
    let message = match e {
        StoreError::Unavailable(_) => "the session store is unavailable: try again shortly",
        StoreError::Failed(_) => "the session store failed: the server's log has the cause",
    };
    json_error(StatusCode::SERVICE_UNAVAILABLE, e.code(), message)
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
        self.start_sign_in_with(headers, return_to, None)
    }

    /// [`start_sign_in`](Self::start_sign_in) with the managed-login parameters of
    /// `sign_in` over the configuration's.
    fn start_sign_in_with(
        &self,
        headers: &HeaderMap,
        return_to: &str,
        sign_in: Option<&SignInOptions>,
    ) -> Response {
        // The browser's cookies (and with them the pending sign-in) belong to the host it
        // asked: a callback at another host would find nothing.
        if let Err(e) = check_sign_in_host(&self.config, headers) {
            return plain_error(StatusCode::BAD_REQUEST, &e);
        }
        let now = self.env.now();
        let rng = |buf: &mut [u8]| self.env.random.fill(buf);
        let return_to = sanitize_return_path(return_to);
        let options = AuthorizeOptions {
            return_to: &return_to,
            sign_in,
            ..AuthorizeOptions::default()
        };
        let request = match AuthorizeRequest::new(&self.config, &rng, now, options) {
            Ok(request) => request,
            Err(e) => return plain_error(StatusCode::BAD_REQUEST, &AuthError::Config(e)),
        };
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

    /// `GET <sign-in>?return_to=/path`, with the managed-login parameters the app lets a
    /// browser pass (`ServerSessionBuilder::sign_in_parameters`): another one, or a value
    /// that breaks its rule, is a `400` that names it, and no sign-in starts. Without
    /// `return_to`, the sign-in comes back to the app's page the browser names in `Referer`
    /// (what `<SignInButton/>` sends: see [`return_path_from_referer`]), else to `/`.
    pub(crate) fn sign_in_route(&self, parts: &Parts) -> Response {
        let query = parts.uri.query().unwrap_or_default();
        let options = match SignInOptions::from_query(query, &self.sign_in_parameters) {
            Ok(options) => options,
            Err(e) => return plain_error(StatusCode::BAD_REQUEST, &AuthError::Config(e)),
        };
        let return_to = match options.return_path() {
            Some(path) => path.to_owned(),
            None => parts
                .headers
                .get(REFERER)
                .and_then(|referer| referer.to_str().ok())
                .and_then(|referer| return_path_from_referer(&self.config, referer))
                .unwrap_or_else(|| "/".to_owned()),
        };
        self.start_sign_in_with(&parts.headers, &return_to, Some(&options))
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
                if let Some(old) = cookies::get(&parts.headers, &self.session_cookie)
                    .filter(|old| is_random_id(old) && *old != id)
                {
                    let _ = self.remove_session(&session_key(&old)).await;
                }
                set.push(self.server_cookie_removal(ERROR));
                redirect(&return_to, &set)
            }
            // A silent sign-in (`prompt=none`) without a Hosted UI session: not a failure.
            // Back where it started, the session as it was, with no error to show.
            Err(CallbackFailure::LoginRequired(return_to)) => {
                set.push(self.server_cookie_removal(ERROR));
                redirect(&return_to, &set)
            }
            Err(CallbackFailure::Store(e)) => store_failure(&e),
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
        let grant = match response.into_grant() {
            Err(e) if e.is_login_required() => {
                return Err(CallbackFailure::LoginRequired(pending.return_to))
            }
            grant => grant?,
        };
        let code = match grant {
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
        let mut record = Record::of(&session, self.env.random_id(), now);
        record.handle = self.env.random_id();
        record.user_agent = parts
            .headers
            .get(axum::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .chars()
            .take(256)
            .collect();
        let key = session_key(&id);
        self.store
            .set(&key, record.seal(&id).into(), self.lifetimes.ttl(now, now))
            .await?;
        if let Err(e) = self.index_session(&key, &record, &session).await {
            // No session is made (the browser gets no cookie), so its record goes too: a
            // refresh token left in the store unindexed would be out of reach of signing
            // out everywhere. Best effort: the store has just failed once.
            let _ = self.store.remove(&key).await;
            return Err(e.into());
        }
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
        let id = self.session_id(&parts.headers);
        let logout = LogoutRequest::sign_out_url(&self.config);
        let gone = self.server_cookie_removal(SESSION);
        let Some(id) = id else {
            // Nothing to end here: on to Cognito's /logout, which ends its own session.
            return redirect(&logout, &[]);
        };
        let key = session_key(&id);
        let record = match self.store.get(&key).await {
            Ok(raw) => raw.and_then(|raw| Record::open(&id, &raw)),
            Err(e) => return store_failure(&e),
        };
        let Some(record) = record else {
            return redirect(&logout, &[gone]);
        };
        let form = read_form(&parts, body).await;
        if !csrf_ok(&parts, &form, &record) {
            return refused();
        }
        let everywhere = form_field(&form, "everywhere").is_some_and(|v| v == "true");
        let session = record.session();
        // Everywhere needs the user, to find their other sessions by; a token without one
        // (no `sub`) ends this session, as a sign-out here does.
        let everywhere_as = session
            .as_ref()
            .filter(|_| everywhere)
            .and_then(|s| Some((s, self.user_key_of(s)?)));
        let outcome = match everywhere_as {
            Some((session, user)) => {
                self.sign_out_everywhere(session, &user, (&key, &record))
                    .await
            }
            None => {
                // Best effort: a revocation that fails must not keep the user signed in.
                if let Some(refresh) = session.as_ref().and_then(|s| s.refresh_token().cloned()) {
                    let _ = self.http.send(revoke_request(&self.config, &refresh)).await;
                }
                self.end_session(&key, session.as_ref()).await
            }
        };
        if let Err(e) = outcome {
            return store_failure(&e);
        }
        redirect(&logout, &[gone])
    }

    /// Ends the session under `key`: removed from the store and from its user's index.
    async fn end_session(
        &self,
        key: &str,
        session: Option<&CognitoSession>,
    ) -> Result<(), StoreError> {
        self.remove_session(key).await?;
        if let Some(user) = session.and_then(|s| self.user_key_of(s)) {
            self.store.index_remove(&user, key).await?;
        }
        Ok(())
    }

    /// Signs the user of `session` (their index under `user`) out everywhere: Cognito's
    /// `GlobalSignOut` when the access token carries the admin scope and the user-pool API
    /// is known (every refresh token of the user refused), else a revocation of the refresh
    /// token of each session this server holds for the user; then every one of those
    /// sessions is deleted, whatever instance made it. The log says which it did.
    async fn sign_out_everywhere(
        &self,
        session: &CognitoSession,
        user: &str,
        current: (&str, &Record),
    ) -> Result<(), StoreError> {
        let may_global = session
            .access_token()
            .scopes()
            .iter()
            .any(|s| s == ADMIN_SCOPE);
        let global = match (&self.user_pool_api, may_global) {
            (Some(endpoint), true) => {
                let request = global_sign_out_request(endpoint, session.access_token().jwt_token());
                match self.http.send(request).await {
                    Ok(answer) => global_sign_out_result(&answer)
                        .map_err(|e| tracing::warn!(code = e.code(), "GlobalSignOut failed: {e}"))
                        .is_ok(),
                    Err(e) => {
                        tracing::warn!("GlobalSignOut could not be sent: {e}");
                        false
                    }
                }
            }
            _ => false,
        };
        let sessions = self.sessions_in(user, current).await?;
        let mut revoked = 0;
        for (key, listed) in &sessions {
            if !global {
                if let Some(refresh) = &listed.refresh_token {
                    let request = revoke_request(&self.config, &Secret::new(refresh.clone()));
                    if self.http.send(request).await.is_ok() {
                        revoked += 1;
                    }
                }
            }
            self.remove_session(key).await?;
        }
        self.store.remove(user).await?;
        if global {
            tracing::info!(
                sessions = sessions.len(),
                "signed out everywhere: Cognito's GlobalSignOut, and every session of the user deleted"
            );
        } else {
            tracing::info!(
                sessions = sessions.len(),
                revoked,
                "signed out everywhere: the refresh token of each session revoked (no GlobalSignOut: the access token lacks {ADMIN_SCOPE} or the user-pool API is unknown), and every session deleted"
            );
        }
        Ok(())
    }

    /// `GET <sessions>`: the signed-in user's sessions as JSON.
    pub(crate) async fn sessions_route(&self, parts: &Parts) -> Response {
        let sessions = match self.sessions_of_request(parts).await {
            Ok(Some(sessions)) => sessions,
            Ok(None) => {
                return json_error(
                    StatusCode::UNAUTHORIZED,
                    "no_session",
                    "no user is signed in",
                )
            }
            Err(e) => return store_failure(&e),
        };
        let body = serde_json::json!({ "sessions": sessions }).to_string();
        let mut response = body.into_response();
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }

    /// `POST <sessions>/revoke` with `id` (same-origin, with the session's anti-forgery
    /// token): ends one of the signed-in user's sessions, and goes back to where the form
    /// was (a same-origin `return_to`, else `/`).
    pub(crate) async fn revoke_route(&self, request: Request<Body>) -> Response {
        let (parts, body) = request.into_parts();
        let refused = || {
            json_error(
                StatusCode::FORBIDDEN,
                "csrf_rejected",
                "ending a session must come from this site with the session's anti-forgery token",
            )
        };
        if !is_same_origin_request(&parts) {
            return refused();
        }
        let form = read_form(&parts, body).await;
        let found = match self.session_of_request(&parts).await {
            Ok(found) => found,
            Err(e) => return store_failure(&e),
        };
        let Some((current, parsed)) = found else {
            return json_error(
                StatusCode::UNAUTHORIZED,
                "no_session",
                "no user is signed in",
            );
        };
        if !csrf_ok(&parts, &form, &parsed.record) {
            return refused();
        }
        let Some(handle) = form_field(&form, "id") else {
            return json_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "`id` is required",
            );
        };
        let Some(user) = self.user_key_of(&parsed.session) else {
            return json_error(
                StatusCode::UNAUTHORIZED,
                "no_session",
                "no user is signed in",
            );
        };
        let outcome = async {
            let listed = self.sessions_in(&user, (&current, &parsed.record)).await?;
            let Some((key, entry)) = listed.into_iter().find(|(_, e)| {
                !e.handle.is_empty() && constant_time_eq(e.handle.as_bytes(), handle.as_bytes())
            }) else {
                return Ok(false);
            };
            if let Some(refresh) = &entry.refresh_token {
                let request = revoke_request(&self.config, &Secret::new(refresh.clone()));
                let _ = self.http.send(request).await;
            }
            self.remove_session(&key).await?;
            self.store.index_remove(&user, &key).await?;
            Ok::<_, StoreError>(true)
        };
        match outcome.await {
            Ok(true) => {
                let back = form_field(&form, "return_to")
                    .map(|p| sanitize_return_path(&p))
                    .unwrap_or_else(|| "/".to_owned());
                redirect(&back, &[])
            }
            Ok(false) => json_error(
                StatusCode::NOT_FOUND,
                "unknown_session",
                "no session of yours has this id",
            ),
            Err(e) => store_failure(&e),
        }
    }

    /// The store key and record of the request's session cookie, as the request's session
    /// loads (refreshed when due).
    async fn session_of_request(
        &self,
        parts: &Parts,
    ) -> Result<Option<(String, Arc<Parsed>)>, StoreError> {
        let Some(id) = self.session_id(&parts.headers) else {
            return Ok(None);
        };
        let key = session_key(&id);
        Ok(match self.current(&id).await? {
            super::refresh::Current::Active { parsed, .. } => Some((key, parsed)),
            _ => None,
        })
    }

    /// `GET <session>`: what the page shows of the session, as the layer found it.
    pub(crate) fn session_route(&self, initial: &InitialAuth, set: &[Cookie<'static>]) -> Response {
        let view = match initial {
            InitialAuth::Server(view) => view.clone(),
            InitialAuth::Cookie { .. } => self.signed_out_view(None),
        };
        let mut response = serde_json::to_string(&*view)
            .unwrap_or_else(|_| "{}".into())
            .into_response();
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        cookies::append(headers, set);
        response
    }
}

/// One of the signed-in user's sessions, as the sessions route lists it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SessionInfo {
    /// An opaque handle (never the cookie's value or the store key): what
    /// `POST /auth/sessions/revoke` takes as `id`.
    pub id: String,
    /// Whether it is the session of the request that asked.
    pub current: bool,
    /// When it was made (seconds since the Unix epoch).
    pub created_at: u64,
    /// When it was last used (seconds since the Unix epoch; written at most once a minute).
    pub last_seen_at: u64,
    /// The browser's `User-Agent` when it signed in.
    pub user_agent: String,
}

impl SessionInfo {
    fn of(entry: &super::index::Listed, current: bool) -> Self {
        Self {
            id: entry.handle.clone(),
            current,
            created_at: entry.created_at,
            last_seen_at: entry.last_seen_at,
            user_agent: entry.user_agent.clone(),
        }
    }
}

impl Inner {
    /// The sessions of the request's signed-in user (`None` without a session).
    pub(crate) async fn sessions_of_request(
        &self,
        parts: &Parts,
    ) -> Result<Option<Vec<SessionInfo>>, StoreError> {
        let Some((current, parsed)) = self.session_of_request(parts).await? else {
            return Ok(None);
        };
        let Some(user) = self.user_key_of(&parsed.session) else {
            return Ok(None);
        };
        let listed = self.sessions_in(&user, (&current, &parsed.record)).await?;
        Ok(Some(
            listed
                .iter()
                .map(|(key, entry)| SessionInfo::of(entry, *key == current))
                .collect(),
        ))
    }
}

/// The request's form body (at most [`MAX_FORM_BYTES`]), decoded; empty when there is none.
async fn read_form(parts: &Parts, body: Body) -> Vec<(String, String)> {
    let is_form = parts
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Vec::new();
    }
    to_bytes(body, MAX_FORM_BYTES)
        .await
        .ok()
        .and_then(|bytes| String::from_utf8(bytes.to_vec()).ok())
        .and_then(|form| parse_form(&form).ok())
        .unwrap_or_default()
}

/// The value of a form field.
fn form_field(form: &[(String, String)], name: &str) -> Option<String> {
    form.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone())
}

/// Whether the request carries the session's anti-forgery token, in the `x-csrf-token`
/// header or the form's field (compared in constant time).
fn csrf_ok(parts: &Parts, form: &[(String, String)], record: &Record) -> bool {
    let sent = parts
        .headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| form_field(form, CSRF_FIELD));
    sent.is_some_and(|t| constant_time_eq(t.as_bytes(), record.csrf.as_bytes()))
}

/// Why a callback failed: the store, or the sign-in itself; or why it ended without a
/// session although nothing failed: a silent sign-in's `login_required` (the path to
/// return to).
enum CallbackFailure {
    Store(StoreError),
    Auth(AuthError),
    LoginRequired(String),
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

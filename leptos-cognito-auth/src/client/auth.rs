//! [`CognitoAuth`]: the original SDK's API, awaitable and typed.

use std::future::Future;
use std::sync::Mutex;

use serde_json::{Map, Value};

use super::traits::{Environment, HttpClient, Navigator};
use crate::protocol::authorize::AuthorizeOptions;
use crate::protocol::{
    accept_refresh, accept_sign_in, check_refreshed, check_sign_in_origin, fresh_beyond,
    revoke_request, token_request, userinfo_request, AuthError, AuthorizeRequest, CallbackGrant,
    CallbackResponse, CognitoConfig, CognitoSession, CognitoStorage, HttpRequest, HttpResponse,
    LogoutRequest, ResponseType, Secret, SignInOptions, Standing, Storage, TokenGrant, TokenSet,
};

/// What a completed sign-in gives back.
#[derive(Clone, Debug)]
pub struct SignInOutcome {
    /// The new session (already stored).
    pub session: CognitoSession,
    /// The same-origin path to return to, as saved when the sign-in started.
    pub return_to: String,
    /// The application state set with [`CognitoAuth::set_state`] before the sign-in.
    pub app_state: Option<String>,
}

struct Settings {
    response_type: ResponseType,
    app_state: Option<String>,
}

/// The Cognito Hosted UI client: the operations of `amazon-cognito-auth-js` as `async
/// fn`s returning `Result<_, AuthError>`.
///
/// It is generic over where tokens are stored (`S`), how HTTP requests are sent (`H`),
/// how the page is left (`N`) and the clock and randomness (`E`); the browser adapters,
/// the server adapters and the in-memory ones used in tests all fit.
///
/// ```
/// use leptos_cognito_auth::client::{ManualEnvironment, MemoryNavigator};
/// use leptos_cognito_auth::{CognitoAuth, CognitoConfig, HttpRequest, HttpResponse, MemoryStorage, TransportError};
///
/// let config = CognitoConfig::builder()
///     .client_id("local-spa-client")
///     .app_web_domain("http://localhost:9229")
///     .scopes(["openid", "email"])
///     .redirect_uri_sign_in("http://localhost:3000/callback")
///     .redirect_uri_sign_out("http://localhost:3000/")
///     .build()?;
/// let offline = |_: HttpRequest| async { Err::<HttpResponse, _>(TransportError::network("offline")) };
/// let navigator = MemoryNavigator::new();
/// let auth = CognitoAuth::new(config, MemoryStorage::new(), offline, navigator.clone(), ManualEnvironment::new(1_700_000_000));
///
/// futures::executor::block_on(async {
///     assert!(auth.get_cached_session().is_none());
///     // No session and no refresh token: get_session sends the browser to the Hosted UI.
///     let err = auth.get_session().await.unwrap_err();
///     assert_eq!(err.code(), "redirecting");
/// });
/// assert!(navigator.last().unwrap().starts_with("http://localhost:9229/oauth2/authorize?response_type=code&"));
/// # Ok::<(), leptos_cognito_auth::ConfigError>(())
/// ```
pub struct CognitoAuth<S, H, N, E> {
    config: CognitoConfig,
    store: CognitoStorage<S>,
    http: H,
    navigator: N,
    env: E,
    settings: Mutex<Settings>,
    refresh_lock: futures::lock::Mutex<()>,
}

impl<S, H, N, E> std::fmt::Debug for CognitoAuth<S, H, N, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CognitoAuth")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl<S, H, N, E> CognitoAuth<S, H, N, E>
where
    S: Storage,
    H: HttpClient,
    N: Navigator,
    E: Environment,
{
    /// A client for `config` (the original SDK's `new CognitoAuth(authData)`).
    pub fn new(config: CognitoConfig, storage: S, http: H, navigator: N, env: E) -> Self {
        let store = CognitoStorage::new(storage, config.client_id());
        let response_type = config.response_type();
        Self {
            config,
            store,
            http,
            navigator,
            env,
            settings: Mutex::new(Settings {
                response_type,
                app_state: None,
            }),
            refresh_lock: futures::lock::Mutex::new(()),
        }
    }

    fn settings(&self) -> std::sync::MutexGuard<'_, Settings> {
        self.settings.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The configuration.
    pub fn config(&self) -> &CognitoConfig {
        &self.config
    }

    /// The session store (storage and key layout).
    pub fn store(&self) -> &CognitoStorage<S> {
        &self.store
    }

    /// The environment (clock and randomness).
    pub fn env(&self) -> &E {
        &self.env
    }

    /// Application data to carry across the next sign-in (`setState` in the original
    /// SDK). It is kept in storage with the pending sign-in and handed back by
    /// [`parse_cognito_web_response`](Self::parse_cognito_web_response); it never goes into
    /// the URL, whose `state` is always a fresh random value checked on return.
    #[doc(alias = "setState")]
    pub fn set_state(&self, state: impl Into<String>) {
        self.settings().app_state = Some(state.into());
    }

    /// Use the authorization code grant with PKCE (the default).
    #[doc(alias = "useCodeGrantFlow")]
    pub fn use_code_grant_flow(&self) {
        self.settings().response_type = ResponseType::Code;
    }

    /// Use the implicit grant: tokens in the URL fragment and no refresh token. Prefer
    /// the code flow; this exists for migrations.
    #[doc(alias = "useImplicitFlow")]
    pub fn use_implicit_flow(&self) {
        self.settings().response_type = ResponseType::Token;
    }

    /// The flow the next sign-in uses.
    pub fn response_type(&self) -> ResponseType {
        self.settings().response_type
    }

    /// Prepares a sign-in without leaving the page: stores its pending record (state,
    /// nonce, PKCE verifier, `return_to`), pruning expired and unreadable ones, and returns
    /// the Hosted UI URL together with the record it stored.
    pub fn prepare_sign_in(&self, return_to: &str) -> Result<AuthorizeRequest, AuthError> {
        self.prepare(return_to, None)
    }

    /// [`prepare_sign_in`](Self::prepare_sign_in) with the managed-login parameters of
    /// `options` over the configuration's, returning to `options`' path (default: the
    /// current one, else `/`).
    ///
    /// Fails with [`AuthError::Config`] naming the parameter, storing nothing, when a value
    /// of `options` breaks its rule (see [`SignInOptions`]).
    ///
    /// ```
    /// # use leptos_cognito_auth::client::{ManualEnvironment, MemoryNavigator};
    /// # use leptos_cognito_auth::{CognitoAuth, CognitoConfig, HttpRequest, HttpResponse, MemoryStorage, TransportError};
    /// use leptos_cognito_auth::{Prompt, SignInOptions};
    /// # let config = CognitoConfig::builder().client_id("local-spa-client")
    /// #     .app_web_domain("http://localhost:9229")
    /// #     .redirect_uri_sign_in("http://localhost:3000/callback")
    /// #     .redirect_uri_sign_out("http://localhost:3000/").build()?;
    /// # let offline = |_: HttpRequest| async { Err::<HttpResponse, _>(TransportError::network("offline")) };
    /// # let auth = CognitoAuth::new(config, MemoryStorage::new(), offline, MemoryNavigator::new(), ManualEnvironment::new(1_700_000_000));
    /// let options = SignInOptions::new()
    ///     .login_hint("alice")
    ///     .prompt(Prompt::Login)
    ///     .return_to("/orders");
    /// let request = auth.prepare_sign_in_with(&options)?;
    /// assert!(request.url.contains("&prompt=login&login_hint=alice"));
    /// assert_eq!(request.pending.return_to, "/orders");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn prepare_sign_in_with(
        &self,
        options: &SignInOptions,
    ) -> Result<AuthorizeRequest, AuthError> {
        let here = options
            .return_path()
            .map(str::to_owned)
            .or_else(|| self.navigator.current_path())
            .unwrap_or_else(|| "/".into());
        self.prepare(&here, Some(options))
    }

    fn prepare(
        &self,
        return_to: &str,
        sign_in: Option<&SignInOptions>,
    ) -> Result<AuthorizeRequest, AuthError> {
        // Checked before the pending application state is taken: a refused sign-in leaves
        // it for the next one.
        if let Some(options) = sign_in {
            options.check()?;
        }
        let (response_type, app_state) = {
            let mut s = self.settings();
            (s.response_type, s.app_state.take())
        };
        let mut config = self.config.clone();
        config.set_response_type(response_type);
        let user_context_data = self.user_context_data();
        let rng = |buf: &mut [u8]| self.env.fill_random(buf);
        let request = AuthorizeRequest::new(
            &config,
            &rng,
            self.env.now(),
            AuthorizeOptions {
                return_to,
                app_state,
                user_context_data: user_context_data.as_deref(),
                sign_in,
            },
        )?;
        self.store.save_pending(&request.pending)?;
        Ok(request)
    }

    fn user_context_data(&self) -> Option<String> {
        if !self.config.advanced_security_data_collection() {
            return None;
        }
        let pool = self.config.user_pool_id()?;
        let username = self.get_username().unwrap_or_default();
        self.env
            .user_context_data(&username, pool, self.config.client_id())
    }

    /// Sends the browser to the Hosted UI to sign in, returning afterwards to the current
    /// path (`startSession`).
    #[doc(alias = "startSession")]
    pub async fn start_session(&self) -> Result<(), AuthError> {
        self.start_session_with(&SignInOptions::new()).await
    }

    /// Sends the browser to the Hosted UI to sign in, returning afterwards to `return_to`
    /// (a same-origin path; anything else returns to `/`).
    ///
    /// Fails with [`AuthError::WrongOrigin`], leaving nothing behind, when the page is at
    /// another origin than the callback URL (see [`check_sign_in_origin`]).
    pub async fn start_session_to(&self, return_to: &str) -> Result<(), AuthError> {
        self.start_session_with(&SignInOptions::new().return_to(return_to))
            .await
    }

    /// Sends the browser to the Hosted UI to sign in with the managed-login parameters of
    /// `options` (`login_hint`, `lang`, `prompt`, `resource`, `identity_provider` or
    /// `idp_identifier`) over the configuration's, returning afterwards to `options`' path
    /// (default: the current page).
    ///
    /// Fails, leaving nothing behind, with [`AuthError::WrongOrigin`] when the page is at
    /// another origin than the callback URL, and with [`AuthError::Config`] naming the
    /// parameter when a value of `options` breaks its rule (see [`SignInOptions`]).
    ///
    /// ```
    /// # use leptos_cognito_auth::client::{ManualEnvironment, MemoryNavigator};
    /// # use leptos_cognito_auth::{CognitoAuth, CognitoConfig, HttpRequest, HttpResponse, MemoryStorage, TransportError};
    /// use leptos_cognito_auth::SignInOptions;
    /// # let config = CognitoConfig::builder().client_id("local-spa-client")
    /// #     .app_web_domain("http://localhost:9229")
    /// #     .redirect_uri_sign_in("http://localhost:3000/callback")
    /// #     .redirect_uri_sign_out("http://localhost:3000/").build()?;
    /// # let offline = |_: HttpRequest| async { Err::<HttpResponse, _>(TransportError::network("offline")) };
    /// let navigator = MemoryNavigator::new();
    /// # let auth = CognitoAuth::new(config, MemoryStorage::new(), offline, navigator.clone(), ManualEnvironment::new(1_700_000_000));
    /// let options = SignInOptions::new().login_hint("alice@example.com").lang("es");
    /// futures::executor::block_on(auth.start_session_with(&options))?;
    /// let url = navigator.last().unwrap();
    /// assert!(url.ends_with("&lang=es&login_hint=alice%40example.com"), "{url}");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn start_session_with(&self, options: &SignInOptions) -> Result<(), AuthError> {
        if let Some(here) = self.navigator.current_origin() {
            check_sign_in_origin(&self.config, &here)?;
        }
        let request = self.prepare_sign_in_with(options)?;
        self.navigator.redirect(&request.url)
    }

    /// A silent sign-in: [`start_session_with`](Self::start_session_with) with
    /// `prompt=none` ([`SignInOptions::silent`]), returning to the current page. Within a
    /// Hosted UI session the callback signs the user in without showing a page; without one
    /// Cognito answers `login_required`, which
    /// [`parse_cognito_web_response`](Self::parse_cognito_web_response) returns as an
    /// [`AuthError::is_login_required`] error that is a normal outcome: nothing is stored,
    /// the user stays signed out, and [`pending_return_path`](Self::pending_return_path)
    /// (asked before) says where to go back to.
    ///
    /// Every call leaves the page, and a `login_required` answer comes back to it: call it
    /// on a user's action or once per visit, never on every signed-out render.
    pub async fn try_silent_sign_in(&self) -> Result<(), AuthError> {
        self.start_session_with(&SignInOptions::silent()).await
    }

    /// The return path of the sign-in that the callback URL `url` answers, without
    /// completing or consuming it; `None` when no sign-in pending here has its `state`.
    /// Where to go when the answer is a normal outcome rather than a session: the
    /// `login_required` of a [silent sign-in](Self::try_silent_sign_in).
    pub fn pending_return_path(&self, url: &str) -> Option<String> {
        let response = CallbackResponse::parse(url).ok()?;
        let pending = self.store.peek_pending(response.state()?)?;
        Some(pending.return_to)
    }

    /// A usable session (`getSession`): the cached one if it is valid; else a refreshed
    /// one if a refresh token is cached; else the browser is sent to the Hosted UI and
    /// [`AuthError::Redirecting`] returned.
    ///
    /// A refresh that fails for a transient reason (network, timeout, server error)
    /// returns that error and keeps the cached session; a refresh token that Cognito
    /// refuses (`invalid_grant`) is removed before the redirect.
    #[doc(alias = "getSession")]
    pub async fn get_session(&self) -> Result<CognitoSession, AuthError> {
        if let Some(session) = self.get_cached_session() {
            match self.standing(&session) {
                Standing::Valid { .. } => return Ok(session),
                Standing::Refreshable => match self.refresh_session().await {
                    Ok(fresh) => return Ok(fresh),
                    // A passing failure, or tokens that expire too soon (a new sign-in
                    // would bring the same): reported, not a reason to leave the page.
                    Err(e)
                        if e.is_transient()
                            || matches!(e, AuthError::TokensExpireTooSoon { .. }) =>
                    {
                        return Err(e)
                    }
                    Err(_) => {}
                },
                // Made for other scopes: a new sign-in replaces it.
                Standing::Ended if !session.has_scopes_of(&self.config) => self.store.clear(),
                Standing::Ended => {}
            }
        }
        self.start_session().await?;
        Err(AuthError::Redirecting)
    }

    /// The cached session, valid or not (`getCachedSession`); `None` if nothing readable is
    /// stored. A read: it never writes (corrupted entries stay until
    /// [`clean_up`](Self::clean_up)).
    #[doc(alias = "getCachedSession")]
    pub fn get_cached_session(&self) -> Option<CognitoSession> {
        self.store.load()
    }

    /// Removes what cannot be read from storage: a corrupted or half-written session, a
    /// clock drift that is not a number, and pending sign-ins that are unreadable or have
    /// expired. A readable session and the live sign-ins of other tabs stay. The provider
    /// runs it once at page start; starting a sign-in prunes the pending records too.
    /// Returns the keys removed.
    pub fn clean_up(&self) -> Vec<String> {
        self.store.clean_up(Some(self.env.now()))
    }

    /// Where `session` stands now for this client's configuration: valid, refreshable or
    /// ended ([`CognitoSession::standing`]).
    pub fn standing(&self, session: &CognitoSession) -> Standing {
        session.standing(&self.config, self.env.now())
    }

    /// Whether `session` can be used now: both tokens unexpired (with the clock-skew
    /// allowance) and made for the configured scopes.
    pub fn is_valid(&self, session: &CognitoSession) -> bool {
        matches!(self.standing(session), Standing::Valid { .. })
    }

    /// Whether a valid session is cached (`isUserSignedIn`).
    #[doc(alias = "isUserSignedIn")]
    pub fn is_user_signed_in(&self) -> bool {
        self.get_cached_session().is_some_and(|s| self.is_valid(&s))
    }

    /// The signed-in user's name, if a session is cached (`getUsername`).
    #[doc(alias = "getUsername")]
    pub fn get_username(&self) -> Option<String> {
        self.get_cached_session()
            .and_then(|s| s.username().map(str::to_owned))
    }

    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, AuthError> {
        Ok(self.http.send(request).await?)
    }

    /// Exchanges the cached refresh token for new ID and access tokens
    /// (`refreshSession`). The refresh token is kept unless Cognito sends a new one
    /// (rotation). `invalid_grant` (revoked or expired refresh token) removes the
    /// session; any other failure leaves it untouched.
    ///
    /// Concurrent calls share one request: a caller that finds a refresh in flight waits
    /// for it and gets its result from storage instead of sending a second request (which,
    /// with refresh-token rotation, could spend the refresh token twice).
    ///
    /// Across tabs, when the session is in storage other tabs share (`local` or
    /// `cookie`), the refresh runs under [`Environment::cross_tab_lock`]: a tab that finds
    /// another tab's refresh in flight waits for it and takes its result from storage.
    #[doc(alias = "refreshSession")]
    pub async fn refresh_session(&self) -> Result<CognitoSession, AuthError> {
        self.refresh(None).await
    }

    /// Refreshes the session unless it is still valid for more than `margin_secs`, in
    /// which case the cached session is returned without a request. The check is made
    /// under the same locks as the refresh, so tabs whose timers fire together send one
    /// request: the others find the session it stored. This is what automatic refresh
    /// before expiry uses.
    pub async fn refresh_session_if_expiring(
        &self,
        margin_secs: u64,
    ) -> Result<CognitoSession, AuthError> {
        self.refresh(Some(margin_secs)).await
    }

    /// The name of the cross-tab refresh lock of this app client.
    fn refresh_lock_name(&self) -> String {
        format!("leptos-cognito-auth.refresh.{}", self.config.client_id())
    }

    async fn refresh(&self, margin_secs: Option<u64>) -> Result<CognitoSession, AuthError> {
        let before = self.get_cached_session();
        let _turn = self.refresh_lock.lock().await;
        let shared = matches!(
            self.config.storage(),
            crate::protocol::StorageKind::Local | crate::protocol::StorageKind::Cookie
        );
        let _tabs = if shared {
            Some(self.env.cross_tab_lock(&self.refresh_lock_name()).await)
        } else {
            None
        };
        let current = self.get_cached_session().ok_or(AuthError::NoSession)?;
        if let Some(margin) = margin_secs {
            if fresh_beyond(&current, &self.config, self.env.now(), margin) {
                return Ok(current);
            }
        }
        let refreshed_meanwhile = before
            .as_ref()
            .is_some_and(|b| b.access_token().jwt_token() != current.access_token().jwt_token());
        if refreshed_meanwhile && self.is_valid(&current) {
            return Ok(current);
        }
        let refresh_token = current.refresh_token().ok_or(AuthError::NoSession)?;
        let request = token_request(&self.config, TokenGrant::RefreshToken { refresh_token });
        let response = self.send(request).await?;
        // While the request was out, storage may have changed under it: a sign-out here or
        // in another tab cleared it (a sign-out takes no refresh lock), or another user
        // signed in. Neither is undone: the answer is dropped, and what storage holds now
        // stands. Read and written with no await in between, so nothing of this tab comes
        // between the check and the write.
        let now_stored = self.get_cached_session();
        if now_stored.as_ref().map(|s| s.access_token().jwt_token())
            != Some(current.access_token().jwt_token())
        {
            return now_stored.ok_or(AuthError::NoSession);
        }
        let tokens = match TokenSet::from_response(&response) {
            Ok(tokens) => tokens,
            Err(e) => {
                if matches!(&e, AuthError::OAuth { kind, .. } if kind.code() == "invalid_grant") {
                    self.store.clear();
                }
                return Err(e);
            }
        };
        let fresh = tokens.into_session(current.scopes_string())?;
        let session = accept_refresh(&current, fresh, &self.config, self.env.now())?;
        self.store.save(&session)?;
        // Stored all the same (a rotated refresh token must not be lost), but tokens that
        // are due on arrival are never refreshed again at once: the caller backs off.
        check_refreshed(&session, &self.config, self.env.now())?;
        Ok(session)
    }

    /// Sends a request to the app's own API with the session's access token
    /// (`Authorization: Bearer`), refreshing first if the session has expired, and once
    /// more (then retrying once) if the API answers 401. Without a usable session it
    /// fails with [`AuthError::NoSession`] and sends nothing; it never leaves the page.
    pub async fn fetch_with_session(
        &self,
        request: HttpRequest,
    ) -> Result<HttpResponse, AuthError> {
        call_with_retry(
            |force| async move { self.access_token(force).await.map(Some) },
            |token| self.send(with_bearer(request.clone(), token.unwrap_or_default())),
            |response| response.status == 401,
        )
        .await
    }

    /// A usable access token of the cached session: the cached one while it is valid
    /// (unless `force_refresh`), else the one a refresh brings. [`AuthError::NoSession`]
    /// without a session or a refresh token to renew it.
    pub async fn access_token(&self, force_refresh: bool) -> Result<String, AuthError> {
        let cached = self.get_cached_session().ok_or(AuthError::NoSession)?;
        if !force_refresh && self.is_valid(&cached) {
            return Ok(cached.access_token().jwt_token().to_owned());
        }
        cached.refresh_token().ok_or(AuthError::NoSession)?;
        let fresh = self.refresh_session().await?;
        Ok(fresh.access_token().jwt_token().to_owned())
    }

    /// Completes a sign-in from the callback URL (`parseCognitoWebResponse`): reads the
    /// code or the tokens, finds the sign-in pending with its `state` (which is consumed:
    /// a second use of the same URL fails with `no_pending_sign_in`, or `state_mismatch`
    /// while another sign-in is pending), exchanges the code with the PKCE verifier,
    /// checks the ID token's `nonce`, `aud` and issuer, and stores the session.
    ///
    /// Each sign-in has its own pending record, so sign-ins started in several tabs at
    /// once each complete. A response whose `state` is not ours changes nothing: the
    /// pending sign-ins stay and nothing is stored.
    ///
    /// The `login_required` answer to a [silent sign-in](Self::try_silent_sign_in) is the
    /// error [`AuthError::is_login_required`]: its pending record is consumed, and the
    /// stored session, if any, is left as it was.
    #[doc(alias = "parseCognitoWebResponse")]
    pub async fn parse_cognito_web_response(&self, url: &str) -> Result<SignInOutcome, AuthError> {
        let response = CallbackResponse::parse(url)?;
        let Some(pending) = response.state().and_then(|s| self.store.peek_pending(s)) else {
            // Sign-ins pending under other states (this tab's or another's) stay.
            return Err(if self.store.has_pending() {
                AuthError::StateMismatch
            } else {
                AuthError::NoPendingSignIn
            });
        };
        if pending.is_expired(self.env.now()) {
            self.store.remove_pending(&pending.state);
            return Err(AuthError::NoPendingSignIn);
        }
        response.check(&pending)?;
        self.store.remove_pending(&pending.state);

        let session = match response.into_grant()? {
            CallbackGrant::Code(code) => {
                let request = token_request(
                    &self.config,
                    TokenGrant::AuthorizationCode {
                        code: &code,
                        redirect_uri: &pending.redirect_uri,
                        code_verifier: pending.code_verifier.as_ref(),
                    },
                );
                let response = self.send(request).await?;
                TokenSet::from_response(&response)?.into_session(&pending.scopes)?
            }
            CallbackGrant::Implicit(tokens) => CognitoSession::from_tokens(
                tokens.id_token.as_ref().map(|t| t.expose()),
                tokens.access_token.expose(),
                None,
                pending.scopes.clone(),
            )?,
        };
        let session = accept_sign_in(session, &self.config, &pending.nonce, self.env.now())?;
        self.store.save(&session)?;
        Ok(SignInOutcome {
            session,
            return_to: pending.return_to,
            app_state: pending.app_state,
        })
    }

    /// Revokes the cached refresh token at `/oauth2/revoke` (and with it the access
    /// tokens issued from it, for Cognito's own APIs). The local session is not touched.
    pub async fn revoke_refresh_token(&self) -> Result<(), AuthError> {
        let Some(session) = self.get_cached_session() else {
            return Ok(());
        };
        let Some(refresh) = session.refresh_token() else {
            return Ok(());
        };
        let response = self.send(revoke_request(&self.config, refresh)).await?;
        crate::protocol::token::revoke_result(&response)
    }

    /// Removes the local session and any pending sign-in, without leaving the page.
    pub fn sign_out_locally(&self) {
        self.store.clear();
    }

    /// Signs out (`signOut`): [`end_session`](Self::end_session), then
    /// [`leave_for_logout`](Self::leave_for_logout). Safe to call when signed out.
    #[doc(alias = "signOut")]
    pub async fn sign_out(&self) -> Result<(), AuthError> {
        self.end_session().await;
        self.leave_for_logout()
    }

    /// The local half of [`sign_out`](Self::sign_out), without leaving the page: revokes
    /// the refresh token when configured to (a failure, such as the network being down,
    /// does not stop the sign-out) and removes every stored token.
    pub async fn end_session(&self) {
        if self.config.revoke_on_sign_out() {
            // Best effort: a revocation failure must not keep the user signed in here.
            let _ = self.revoke_refresh_token().await;
        }
        self.store.clear();
    }

    /// Sends the browser to Cognito's `/logout`, which ends the Hosted UI session and
    /// returns to the sign-out URL.
    pub fn leave_for_logout(&self) -> Result<(), AuthError> {
        self.navigator
            .redirect(&LogoutRequest::sign_out_url(&self.config))
    }

    /// The user's attributes from `/oauth2/userInfo`, using the session's access token.
    pub async fn get_user_info(&self) -> Result<Map<String, Value>, AuthError> {
        let session = self.get_cached_session().ok_or(AuthError::NoSession)?;
        if !self.is_valid(&session) {
            return Err(AuthError::NoSession);
        }
        let request = userinfo_request(&self.config, session.access_token().jwt_token());
        let response = self.send(request).await?;
        crate::protocol::token::userinfo_result(&response)
    }
}

/// The kit's one rule for a call made with the session's access token, whatever carries
/// it (`fetch_with_session`, the server-function client): get a token (`token(false)`:
/// the cached one, refreshed first when it has expired), `send` the call with it, and when
/// the answer is `unauthorized` (401: the token was revoked or expired on the way), get a
/// refreshed one (`token(true)`) and send the call once more. When that refresh fails, the
/// first answer stands. An error getting the first token ends the call unsent.
pub async fn call_with_retry<T, E, Tok, TokFut, Send, SendFut>(
    mut token: Tok,
    mut send: Send,
    unauthorized: impl Fn(&T) -> bool,
) -> Result<T, E>
where
    Tok: FnMut(bool) -> TokFut,
    TokFut: Future<Output = Result<Option<String>, E>>,
    Send: FnMut(Option<&str>) -> SendFut,
    SendFut: Future<Output = Result<T, E>>,
{
    let first = token(false).await?;
    let answer = send(first.as_deref()).await?;
    if !unauthorized(&answer) {
        return Ok(answer);
    }
    match token(true).await {
        Ok(Some(fresh)) => send(Some(&fresh)).await,
        Ok(None) | Err(_) => Ok(answer),
    }
}

/// The request with `Authorization: Bearer <access token>` (replacing any other).
fn with_bearer(mut request: HttpRequest, access_token: &str) -> HttpRequest {
    request
        .headers
        .retain(|(name, _)| !name.eq_ignore_ascii_case("authorization"));
    request.headers.push((
        "Authorization".into(),
        Secret::new(format!("Bearer {access_token}")),
    ));
    request
}

//! The provider's reactive state and the operations behind [`UseAuth`](super::UseAuth)'s
//! actions. In the browser (feature `hydrate`) it owns the [`BrowserAuth`] client; during
//! server-side rendering there is no client and the state stays "not known yet", so the
//! server's HTML and the first client render agree.
//!
//! [`BrowserAuth`]: crate::browser::BrowserAuth

use leptos::prelude::*;

use super::events::AuthEvent;
use crate::protocol::AuthUser;
use crate::protocol::{AuthError, AuthStatus, CognitoSession, ServerSessionView};

#[cfg(feature = "hydrate")]
pub(crate) type Client = std::rc::Rc<crate::browser::BrowserAuth>;
/// The browser client is not `Send`: it lives in the page's thread-local arena.
#[cfg(feature = "hydrate")]
type ClientStorage = LocalStorage;

/// Everything the provider shares; `Copy`, as all its fields are arena handles.
///
/// `status`, `is_authenticated`, `session` and `user` change together, through
/// [`set_status`](Self::set_status) and [`set_session`](Self::set_session). They are plain
/// signals, not memos derived from one another: each signal type costs the browser build
/// its own copy of the reactive code, and `use_auth()` hands them out as they are.
#[derive(Clone, Copy)]
pub(crate) struct AuthState {
    pub status: RwSignal<AuthStatus>,
    pub is_authenticated: RwSignal<Option<bool>>,
    pub session: RwSignal<Option<CognitoSession>>,
    pub user: RwSignal<Option<AuthUser>>,
    pub error: RwSignal<Option<AuthError>>,
    pub busy: RwSignal<bool>,
    pub last_event: RwSignal<Option<AuthEvent>>,
    on_event: StoredValue<Option<Callback<AuthEvent>>>,
    /// The browser client (browser-storage modes; none on the server or in a browser build
    /// with only the server-session side).
    #[cfg(feature = "hydrate")]
    pub client: StoredValue<Option<Client>, ClientStorage>,
    /// Set while a sign-in redirect or a session check is under way, so that route guards
    /// evaluated again meanwhile do not start a second one.
    pub in_flight: StoredValue<bool>,
    /// Set once a sign-out has started: the page is on its way to Cognito's `/logout`.
    /// Route conditions keep their fallback meanwhile instead of starting a sign-in (a
    /// protected page would otherwise send the user to the Hosted UI, or sign them in
    /// again, before the sign-out completes).
    pub signing_out: StoredValue<bool>,
    /// Server sessions: what the server said of the session (routes, anti-forgery token).
    /// `None` in the browser-storage modes.
    pub server_view: StoredValue<Option<ServerSessionView>>,
    /// The automatic refresh's timers and the channel to the other tabs.
    #[cfg(feature = "hydrate")]
    lifecycle: StoredValue<Option<std::rc::Rc<browser_ops::Lifecycle>>, LocalStorage>,
}

impl AuthState {
    pub fn new(on_event: Option<Callback<AuthEvent>>) -> Self {
        Self {
            status: RwSignal::new(AuthStatus::Loading),
            is_authenticated: RwSignal::new(None),
            session: RwSignal::new(None),
            user: RwSignal::new(None),
            error: RwSignal::new(None),
            busy: RwSignal::new(false),
            last_event: RwSignal::new(None),
            on_event: StoredValue::new(on_event),
            #[cfg(feature = "hydrate")]
            client: StoredValue::new_with_storage(None),
            in_flight: StoredValue::new(false),
            signing_out: StoredValue::new(false),
            server_view: StoredValue::new(None),
            #[cfg(feature = "hydrate")]
            lifecycle: StoredValue::new_with_storage(None),
        }
    }

    /// Publishes a status (and whether it means signed in), when it changes: a route
    /// condition that reads it builds its page again each time it is woken, so a refresh
    /// (signed in, and still signed in) must not wake it.
    pub fn set_status(&self, status: AuthStatus) {
        if self.status.get_untracked() != status {
            self.status.set(status);
            self.is_authenticated.set(status.is_authenticated());
        }
    }

    /// Publishes a session (or its absence), its user and the status it means.
    #[cfg_attr(not(any(feature = "hydrate", feature = "ssr")), allow(dead_code))]
    pub fn set_session(&self, session: Option<CognitoSession>) {
        self.set_status(if session.is_some() {
            AuthStatus::SignedIn
        } else {
            AuthStatus::SignedOut
        });
        self.user
            .set(session.as_ref().and_then(AuthUser::from_session));
        self.session.set(session);
    }

    /// Tells the app: the provider's `on_event` callback, then `last_event`.
    pub fn emit(&self, event: AuthEvent) {
        if let Some(callback) = self.on_event.try_get_value().flatten() {
            callback.run(event.clone());
        }
        self.last_event.set(Some(event));
    }

    /// Seconds since the Unix epoch, from the browser's clock.
    #[cfg(feature = "hydrate")]
    fn now(&self) -> u64 {
        use crate::client::Clock as _;
        crate::browser::BrowserEnvironment.now()
    }

    /// Whether the held session has expired (clock-skew allowance included).
    pub fn session_expired_untracked(&self) -> bool {
        #[cfg(feature = "hydrate")]
        {
            let Some(client) = self.client.try_get_value().flatten() else {
                return false;
            };
            let skew = client.config().clock_skew_secs();
            let now = self.now();
            self.session
                .with_untracked(|s| s.as_ref().is_some_and(|s| !s.is_valid(now, skew)))
        }
        #[cfg(not(feature = "hydrate"))]
        {
            false
        }
    }
}

#[cfg(feature = "hydrate")]
mod browser_ops {
    use std::cell::{Cell, RefCell};
    use std::rc::Rc;
    use std::time::Duration;

    use leptos::task::spawn_local;

    use super::*;
    use crate::browser::SessionChannel;
    use crate::protocol::{
        next_check_in, on_tick, refresh_failure_ends_session, stored_change, SignInOptions,
        Standing, StoredChange, TickAction,
    };

    /// Changes from other tabs are read this long (ms) after the last storage event, so
    /// that a session being written key by key is read whole.
    const SYNC_DELAY_MS: u64 = 50;

    /// The provider's timers and its channel to the other tabs (one per page).
    #[derive(Default)]
    pub(crate) struct Lifecycle {
        refresh_timer: Cell<Option<TimeoutHandle>>,
        sync_timer: Cell<Option<TimeoutHandle>>,
        /// Automatic refreshes failed in a row (for the back-off).
        failures: Cell<u32>,
        channel: RefCell<Option<SessionChannel>>,
    }

    impl Lifecycle {
        fn stop(&self) {
            for timer in [&self.refresh_timer, &self.sync_timer] {
                if let Some(handle) = timer.take() {
                    handle.clear();
                }
            }
            self.channel.borrow_mut().take();
        }
    }

    fn page_hidden() -> bool {
        document().hidden()
    }

    fn token_of(session: Option<&CognitoSession>) -> Option<&str> {
        session.map(|s| s.access_token().jwt_token())
    }

    impl AuthState {
        fn with_client(&self) -> Option<Client> {
            self.client.try_get_value().flatten()
        }

        fn lifecycle(&self) -> Option<Rc<Lifecycle>> {
            self.lifecycle.try_get_value().flatten()
        }

        /// Whether the provider is still there: a task that ends after it unmounted (the
        /// app left the part of the page that held it) publishes nothing, as its values are
        /// disposed (reading one would panic, which stops a wasm app).
        fn mounted(&self) -> bool {
            !self.status.is_disposed()
        }

        /// Starts the per-page machinery: the channel to the other tabs. Timers start as
        /// sessions are published ([`schedule`](Self::schedule)).
        pub fn start_lifecycle(&self) {
            let lifecycle = Rc::new(Lifecycle::default());
            let state = *self;
            let Some(client_id) = self
                .with_client()
                .map(|c| c.config().client_id().to_owned())
            else {
                return;
            };
            *lifecycle.channel.borrow_mut() =
                SessionChannel::open(&client_id, move || state.sync_soon());
            self.lifecycle.set_value(Some(lifecycle));
        }

        /// Stops the timers and closes the channel (the provider is unmounted).
        pub fn stop_lifecycle(&self) {
            if let Some(lifecycle) = self.lifecycle() {
                lifecycle.stop();
            }
        }

        /// Tells the other tabs that this one changed the session.
        fn announce(&self) {
            if let Some(lifecycle) = self.lifecycle() {
                if let Some(channel) = lifecycle.channel.borrow().as_ref() {
                    channel.announce();
                }
            }
        }

        /// Reads the cached session after hydration: valid -> signed in; expired with a
        /// refresh token -> refreshed; otherwise signed out.
        pub fn load(&self) {
            let Some(client) = self.with_client() else {
                return;
            };
            let cached = client.get_cached_session();
            match cached.as_ref().map(|s| client.standing(s)) {
                Some(Standing::Valid { .. }) => self.set_session(cached),
                Some(Standing::Refreshable) => self.refresh(),
                Some(Standing::Ended) | None => self.set_session(None),
            }
        }

        /// Runs `get_session` (cached -> refresh -> Hosted UI) and publishes the result.
        pub fn get_session(&self) {
            #[cfg(feature = "hydrate-server-session")]
            if self.is_server_mode() {
                return self.server_reload(true);
            }
            let Some(client) = self.begin() else {
                return;
            };
            self.error.set(None);
            // A valid session held stays on the page (it is what comes back); anything else
            // is not known until the task ends.
            if self.status.get_untracked() != AuthStatus::SignedIn
                || self.session_expired_untracked()
            {
                self.set_status(AuthStatus::Loading);
            }
            let state = *self;
            spawn_local(async move {
                let result = client.get_session().await;
                state.in_flight.set_value(false);
                state.busy.set(false);
                state.finish_refresh(&client, result);
            });
        }

        /// Exchanges the refresh token for fresh tokens and publishes the result.
        pub fn refresh(&self) {
            #[cfg(feature = "hydrate-server-session")]
            if self.is_server_mode() {
                return self.server_reload(false);
            }
            let Some(client) = self.begin() else {
                return;
            };
            let state = *self;
            spawn_local(async move {
                let result = client.refresh_session().await;
                state.in_flight.set_value(false);
                state.busy.set(false);
                state.finish_refresh(&client, result);
            });
        }

        /// Marks a session task as started (busy, in flight) and returns the client, or
        /// `None` when there is no client or a task is already in flight.
        fn begin(&self) -> Option<Client> {
            let client = self.with_client()?;
            if self.in_flight.get_value() {
                return None;
            }
            self.in_flight.set_value(true);
            self.busy.set(true);
            Some(client)
        }

        /// Publishes the result of a task that may have refreshed the session (a
        /// refresh, `get_session`, a server function's refresh), with its events; the
        /// caller has cleared its own in-flight marks. A failure keeps a session that is still valid; otherwise the user is
        /// signed out, with the session kept in storage when the failure was transient so
        /// that a retry can work.
        pub(crate) fn finish_refresh(
            &self,
            client: &Client,
            result: Result<CognitoSession, AuthError>,
        ) {
            // A sign-out under way publishes its own outcome; a refresh that ended meanwhile
            // publishes nothing (the client dropped its answer if storage was cleared).
            if !self.mounted() || self.signing_out.get_value() {
                return;
            }
            let before = self.session.get_untracked();
            let lifecycle = self.lifecycle();
            match result {
                Ok(session) => {
                    if let Some(lifecycle) = &lifecycle {
                        lifecycle.failures.set(0);
                    }
                    let changed = token_of(before.as_ref()) != token_of(Some(&session));
                    self.error.set(None);
                    self.set_session(Some(session));
                    if changed {
                        self.emit(AuthEvent::Refreshed {
                            from_other_tab: false,
                        });
                        self.announce();
                    }
                }
                // The page is leaving for the Hosted UI: stay "loading".
                Err(AuthError::Redirecting) => self.in_flight.set_value(true),
                Err(error) => {
                    if let Some(lifecycle) = &lifecycle {
                        lifecycle
                            .failures
                            .set(lifecycle.failures.get().saturating_add(1));
                    }
                    let had_session =
                        before.is_some() || self.status.get_untracked() == AuthStatus::Loading;
                    let still_valid = client.get_cached_session().filter(|s| client.is_valid(s));
                    let ended = refresh_failure_ends_session(had_session, still_valid.is_some());
                    self.error.set(Some(error.clone()));
                    self.set_session(still_valid);
                    self.emit(AuthEvent::RefreshFailed { error });
                    if ended {
                        self.emit(AuthEvent::SessionExpired {
                            from_other_tab: false,
                        });
                    }
                    // Retry (with back-off) while the session is still valid.
                    self.schedule();
                }
            }
        }

        /// (Re)arms the automatic refresh for the held session: at the refresh margin
        /// before expiry (or at expiry, for a session that cannot be refreshed), after a
        /// back-off when refreshes have been failing, and in any case within 5 minutes.
        pub fn schedule(&self) {
            let Some(lifecycle) = self.lifecycle() else {
                return;
            };
            if let Some(handle) = lifecycle.refresh_timer.take() {
                handle.clear();
            }
            let (Some(client), Some(session)) = (self.with_client(), self.session.get_untracked())
            else {
                return;
            };
            let due_in = next_check_in(
                &session,
                client.config(),
                self.now(),
                lifecycle.failures.get(),
            );
            let state = *self;
            let delay = Duration::from_secs(due_in);
            if let Ok(handle) = set_timeout_with_handle(move || state.tick(), delay) {
                lifecycle.refresh_timer.set(Some(handle));
            }
        }

        /// The automatic refresh's timer (also run when the tab is shown again or comes
        /// back online): refreshes the session if it is within the margin of expiring,
        /// unless the tab is hidden (it catches up when shown); ends a session that has
        /// expired and cannot be refreshed.
        pub fn tick(&self) {
            if let Some(lifecycle) = self.lifecycle() {
                lifecycle.refresh_timer.take();
            }
            let (Some(client), Some(session)) = (self.with_client(), self.session.get_untracked())
            else {
                return;
            };
            let action = on_tick(
                &session,
                client.config(),
                self.now(),
                page_hidden(),
                self.in_flight.get_value(),
            );
            let margin = match action {
                TickAction::Wait => return,
                TickAction::Reschedule => return self.schedule(),
                TickAction::End => {
                    self.set_session(None);
                    return self.emit(AuthEvent::SessionExpired {
                        from_other_tab: false,
                    });
                }
                TickAction::Refresh { margin } => margin,
            };
            self.in_flight.set_value(true);
            let state = *self;
            spawn_local(async move {
                let result = client.refresh_session_if_expiring(margin).await;
                state.in_flight.set_value(false);
                state.finish_refresh(&client, result);
            });
        }

        /// Reads the session again shortly (another tab changed storage).
        pub fn sync_soon(&self) {
            let Some(lifecycle) = self.lifecycle() else {
                return;
            };
            if let Some(handle) = lifecycle.sync_timer.take() {
                handle.clear();
            }
            let state = *self;
            let delay = Duration::from_millis(SYNC_DELAY_MS);
            if let Ok(handle) = set_timeout_with_handle(move || state.sync(true), delay) {
                lifecycle.sync_timer.set(Some(handle));
            }
        }

        /// Publishes what storage holds if it is not the held session: a sign-in,
        /// refresh or sign-out made elsewhere (another tab when `from_other_tab`, else a
        /// fetch of this tab that refreshed).
        pub(crate) fn sync(&self, from_other_tab: bool) {
            if let Some(lifecycle) = self.lifecycle() {
                lifecycle.sync_timer.take();
            }
            let Some(client) = self.with_client() else {
                return;
            };
            let stored = client.get_cached_session();
            let held = self.session.get_untracked();
            let change = stored_change(held.as_ref(), stored.as_ref(), client.config(), self.now());
            let (session, event) = match change {
                StoredChange::Unchanged => return,
                StoredChange::SignedIn(s) => (s, AuthEvent::SignedIn { from_other_tab }),
                StoredChange::Refreshed(s) => (s, AuthEvent::Refreshed { from_other_tab }),
                StoredChange::Gone => {
                    self.set_session(None);
                    return self.emit(if from_other_tab {
                        AuthEvent::SignedOut { from_other_tab }
                    } else {
                        AuthEvent::SessionExpired { from_other_tab }
                    });
                }
            };
            self.error.set(None);
            self.set_session(Some(session));
            self.emit(event);
            if !from_other_tab {
                self.announce();
            }
        }

        /// Starts a sign-in that returns to `return_to` (default: the current path).
        pub fn sign_in(&self, return_to: Option<String>) {
            #[cfg(feature = "hydrate-server-session")]
            if self.is_server_mode() {
                return self.server_sign_in(return_to);
            }
            self.sign_in_with(match return_to {
                Some(path) => SignInOptions::new().return_to(path),
                None => SignInOptions::new(),
            });
        }

        /// Starts a sign-in with `options`: their managed-login parameters, and their
        /// return path (default: the current path).
        pub fn sign_in_with(&self, options: SignInOptions) {
            #[cfg(feature = "hydrate-server-session")]
            if self.is_server_mode() {
                return self.server_sign_in_with(&options);
            }
            let Some(client) = self.with_client() else {
                return;
            };
            let state = *self;
            state.error.set(None);
            state.busy.set(true);
            state.in_flight.set_value(true);
            spawn_local(async move {
                let result = client.start_session_with(&options).await;
                if let Err(e) = result {
                    state.in_flight.set_value(false);
                    state.busy.set(false);
                    state.error.set(Some(e));
                }
            });
        }

        /// Signs out: revokes, clears storage, and leaves for Cognito's `/logout`. With
        /// `everywhere`, server sessions end every session of the user (this browser holds
        /// only its own session in the browser-storage modes).
        pub fn sign_out(&self, #[allow(unused_variables)] everywhere: bool) {
            #[cfg(feature = "hydrate-server-session")]
            if self.is_server_mode() {
                return self.server_sign_out(everywhere);
            }
            let Some(client) = self.with_client() else {
                return;
            };
            let state = *self;
            state.busy.set(true);
            // Before anything is published: the route conditions must see a sign-out in
            // flight, not a signed-out user to sign in.
            state.signing_out.set_value(true);
            spawn_local(async move {
                client.end_session().await;
                // Signed out here and in the other tabs before the page leaves.
                if state.mounted() {
                    state.set_session(None);
                    state.emit(AuthEvent::SignedOut {
                        from_other_tab: false,
                    });
                    state.announce();
                }
                let result = client.leave_for_logout();
                if result.is_err() {
                    // Still here: the page is signed out, and a protected page may now ask
                    // for a sign-in.
                    state.signing_out.set_value(false);
                }
                state.error.set(result.err());
                state.busy.set(false);
            });
        }

        /// Sends a request to the app's own API with the session's access token (see
        /// [`CognitoAuth::fetch_with_session`](crate::CognitoAuth::fetch_with_session)),
        /// publishing a refresh it made.
        pub async fn fetch_with_session(
            &self,
            request: crate::protocol::HttpRequest,
        ) -> Result<crate::protocol::HttpResponse, AuthError> {
            let client = self.with_client().ok_or(AuthError::NoSession)?;
            let result = client.fetch_with_session(request).await;
            self.sync(false);
            result
        }

        /// Completes a sign-in from the current URL; returns the path to go to. A silent
        /// sign-in's `login_required` is no failure: the page stays as it was (signed out,
        /// or the session it held), with no error, and goes back where it started.
        pub async fn complete_sign_in(&self) -> Result<String, AuthError> {
            let client = self.with_client().ok_or(AuthError::NoSession)?;
            let url = crate::browser::current_url()
                .ok_or_else(|| AuthError::Navigation("the page has no URL".into()))?;
            // Drop the code or tokens from the address bar and the history entry before
            // anything else can read or record them.
            let path_only = url.split(['?', '#']).next().unwrap_or_default().to_owned();
            crate::browser::replace_url(&path_only)?;
            // Read before the sign-in is consumed: where a `login_required` goes back to.
            let started_at = client.pending_return_path(&url);
            self.busy.set(true);
            let result = client.parse_cognito_web_response(&url).await;
            if !self.mounted() {
                return result.map(|outcome| outcome.return_to);
            }
            self.busy.set(false);
            match result {
                Ok(outcome) => {
                    self.error.set(None);
                    self.set_session(Some(outcome.session));
                    self.emit(AuthEvent::SignedIn {
                        from_other_tab: false,
                    });
                    self.announce();
                    Ok(outcome.return_to)
                }
                Err(e) if e.is_login_required() => {
                    self.error.set(None);
                    self.set_session(client.get_cached_session().filter(|s| client.is_valid(s)));
                    Ok(started_at.unwrap_or_else(|| "/".to_owned()))
                }
                Err(e) => {
                    self.set_session(client.get_cached_session().filter(|s| client.is_valid(s)));
                    Err(e)
                }
            }
        }
    }
}

/// Without the browser client (on the server, or in a browser build for server sessions
/// only) there is no token to read or change: the state stays as rendered, and in server
/// session mode the actions go to the server's routes.
#[cfg(not(feature = "hydrate"))]
impl AuthState {
    #[allow(dead_code)]
    pub fn load(&self) {}
    pub fn get_session(&self) {
        #[cfg(feature = "hydrate-server-session")]
        if self.is_server_mode() {
            self.server_reload(true);
        }
    }
    pub fn refresh(&self) {
        #[cfg(feature = "hydrate-server-session")]
        if self.is_server_mode() {
            self.server_reload(false);
        }
    }
    pub fn sign_in(&self, _return_to: Option<String>) {
        #[cfg(feature = "hydrate-server-session")]
        if self.is_server_mode() {
            self.server_sign_in(_return_to);
        }
    }
    pub fn sign_in_with(&self, _options: crate::protocol::SignInOptions) {
        #[cfg(feature = "hydrate-server-session")]
        if self.is_server_mode() {
            self.server_sign_in_with(&_options);
        }
    }
    pub fn sign_out(&self, _everywhere: bool) {
        #[cfg(feature = "hydrate-server-session")]
        if self.is_server_mode() {
            self.server_sign_out(_everywhere);
        }
    }
    pub async fn fetch_with_session(
        &self,
        _request: crate::protocol::HttpRequest,
    ) -> Result<crate::protocol::HttpResponse, AuthError> {
        Err(AuthError::NoSession)
    }
}

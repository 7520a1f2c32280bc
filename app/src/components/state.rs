//! The provider's reactive state and the operations behind [`UseAuth`](super::UseAuth)'s
//! actions. In the browser (feature `hydrate`) it owns the [`BrowserAuth`] client; during
//! server-side rendering there is no client and the state stays "not known yet", so the
//! server's HTML and the first client render agree.
//!
//! [`BrowserAuth`]: crate::browser::BrowserAuth

use leptos::prelude::*;

use crate::core::{AuthError, CognitoConfig, CognitoSession};

#[cfg(feature = "hydrate")]
pub(crate) type Client = std::rc::Rc<crate::browser::BrowserAuth>;
/// The browser client is not `Send`: it lives in the page's thread-local arena.
#[cfg(feature = "hydrate")]
type ClientStorage = LocalStorage;
#[cfg(not(feature = "hydrate"))]
pub(crate) type Client = ();
/// On the server there is no client, and a request's reactive owner may be dropped on
/// another worker thread than the one that rendered it, which thread-local storage does
/// not allow: use the thread-safe arena.
#[cfg(not(feature = "hydrate"))]
type ClientStorage = SyncStorage;

/// Whether a user is signed in, as far as the page knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthStatus {
    /// Not known yet: before the client has read storage (always so during server-side
    /// rendering), or while a refresh or sign-in completes.
    Loading,
    /// A valid session is held.
    SignedIn,
    /// No usable session.
    SignedOut,
}

/// Everything the provider shares; `Copy`, as all its fields are arena handles.
#[derive(Clone, Copy)]
pub(crate) struct AuthState {
    pub status: RwSignal<AuthStatus>,
    pub session: RwSignal<Option<CognitoSession>>,
    pub error: RwSignal<Option<AuthError>>,
    pub busy: RwSignal<bool>,
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    pub config: StoredValue<CognitoConfig>,
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    pub client: StoredValue<Option<Client>, ClientStorage>,
    /// Set while a sign-in redirect or a session check is under way, so that route guards
    /// evaluated again meanwhile do not start a second one.
    pub in_flight: StoredValue<bool>,
}

impl AuthState {
    pub fn new(config: CognitoConfig) -> Self {
        Self {
            status: RwSignal::new(AuthStatus::Loading),
            session: RwSignal::new(None),
            error: RwSignal::new(None),
            busy: RwSignal::new(false),
            config: StoredValue::new(config),
            client: StoredValue::new_with_storage(None),
            in_flight: StoredValue::new(false),
        }
    }

    /// Publishes a session (or its absence) to the signals.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    pub fn set_session(&self, session: Option<CognitoSession>) {
        self.status.set(if session.is_some() {
            AuthStatus::SignedIn
        } else {
            AuthStatus::SignedOut
        });
        self.session.set(session);
    }

    /// Seconds since the Unix epoch, from the client's clock.
    #[cfg(feature = "hydrate")]
    fn now(&self) -> u64 {
        (js_sys::Date::now() / 1000.0) as u64
    }

    /// Whether the held session has expired (clock-skew allowance included).
    pub fn session_expired_untracked(&self) -> bool {
        #[cfg(feature = "hydrate")]
        {
            let skew = self.config.with_value(|c| c.clock_skew_secs());
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
    use super::*;
    use leptos::task::spawn_local;

    impl AuthState {
        fn with_client(&self) -> Option<Client> {
            self.client.get_value()
        }

        /// Reads the cached session after hydration: valid -> signed in; expired with a
        /// refresh token -> refreshed; otherwise signed out.
        pub fn load(&self) {
            let Some(client) = self.with_client() else {
                return;
            };
            let cached = client.get_cached_session();
            match cached {
                Some(session) if client.is_valid(&session) => self.set_session(Some(session)),
                Some(session)
                    if session.refresh_token().is_some()
                        && session.has_scopes_of(client.config()) =>
                {
                    self.refresh()
                }
                _ => self.set_session(None),
            }
        }

        /// Runs `get_session` (cached -> refresh -> Hosted UI) and publishes the result.
        pub fn get_session(&self) {
            let Some(client) = self.begin() else {
                return;
            };
            self.error.set(None);
            self.status.set(AuthStatus::Loading);
            let state = *self;
            spawn_local(async move {
                let result = client.get_session().await;
                state.publish(&client, result);
            });
        }

        /// Exchanges the refresh token for fresh tokens and publishes the result.
        pub fn refresh(&self) {
            let Some(client) = self.begin() else {
                return;
            };
            let state = *self;
            spawn_local(async move {
                let result = client.refresh_session().await;
                state.publish(&client, result);
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

        /// Publishes the result of a session task.
        fn publish(&self, client: &Client, result: Result<CognitoSession, AuthError>) {
            self.in_flight.set_value(false);
            self.busy.set(false);
            match result {
                Ok(session) => {
                    self.error.set(None);
                    self.set_session(Some(session));
                }
                // The page is leaving for the Hosted UI: stay "loading".
                Err(AuthError::Redirecting) => self.in_flight.set_value(true),
                Err(e) => self.fail(e, client.get_cached_session()),
            }
        }

        /// Publishes a failure. A session that is still valid stays signed in (a failed
        /// refresh of a not-yet-expired session loses nothing); otherwise signed out, with
        /// the session kept in storage when the failure was transient so a retry can work.
        fn fail(&self, error: AuthError, cached: Option<CognitoSession>) {
            let skew = self.config.with_value(|c| c.clock_skew_secs());
            let still_valid = cached.filter(|s| s.is_valid(self.now(), skew));
            self.error.set(Some(error));
            self.set_session(still_valid);
        }

        /// Starts a sign-in that returns to `return_to` (default: the current path).
        pub fn sign_in(&self, return_to: Option<String>) {
            let Some(client) = self.with_client() else {
                return;
            };
            let state = *self;
            state.error.set(None);
            state.busy.set(true);
            state.in_flight.set_value(true);
            spawn_local(async move {
                let result = match return_to {
                    Some(path) => client.start_session_to(&path).await,
                    None => client.start_session().await,
                };
                if let Err(e) = result {
                    state.in_flight.set_value(false);
                    state.busy.set(false);
                    state.error.set(Some(e));
                }
            });
        }

        /// Signs out: revokes, clears storage, and leaves for Cognito's `/logout`.
        pub fn sign_out(&self) {
            let Some(client) = self.with_client() else {
                return;
            };
            let state = *self;
            state.busy.set(true);
            spawn_local(async move {
                let result = client.sign_out().await;
                state.error.set(result.err());
                state.set_session(None);
                state.busy.set(false);
            });
        }

        /// Completes a sign-in from the current URL; returns the path to go to.
        pub async fn complete_sign_in(&self) -> Result<String, AuthError> {
            let client = self.with_client().ok_or(AuthError::NoSession)?;
            let url = crate::browser::current_url()
                .ok_or_else(|| AuthError::Navigation("the page has no URL".into()))?;
            // Drop the code or tokens from the address bar and the history entry before
            // anything else can read or record them.
            let path_only = url.split(['?', '#']).next().unwrap_or_default().to_owned();
            crate::browser::replace_url(&path_only)?;
            self.busy.set(true);
            let result = client.parse_cognito_web_response(&url).await;
            self.busy.set(false);
            match result {
                Ok(outcome) => {
                    self.error.set(None);
                    self.set_session(Some(outcome.session));
                    Ok(outcome.return_to)
                }
                Err(e) => {
                    self.set_session(client.get_cached_session().filter(|s| client.is_valid(s)));
                    Err(e)
                }
            }
        }
    }
}

#[cfg(not(feature = "hydrate"))]
impl AuthState {
    // Without a browser there is nothing to read or change: the state stays as rendered.
    #[allow(dead_code)]
    pub fn load(&self) {}
    pub fn get_session(&self) {}
    pub fn refresh(&self) {}
    pub fn sign_in(&self, _return_to: Option<String>) {}
    pub fn sign_out(&self) {}
}

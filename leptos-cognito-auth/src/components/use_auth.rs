//! [`use_auth`]: the session's signals and the actions that change it.

use leptos::prelude::*;

use super::events::AuthEvent;
use super::state::AuthState;
use crate::protocol::AuthStatus;
use crate::protocol::AuthUser;
use crate::protocol::{AuthError, CognitoSession, HttpRequest, HttpResponse, SignInOptions};

/// The auth handle returned by [`use_auth`]: `Copy`, so it moves into any closure.
///
/// ```
/// use leptos::prelude::*;
/// use leptos_cognito_auth::components::{use_auth, SignInButton, SignOutButton};
///
/// #[component]
/// fn Greeting() -> impl IntoView {
///     let auth = use_auth();
///     view! {
///         {move || match auth.is_authenticated.get() {
///             None => "Checking your session…".into_any(),
///             Some(true) => {
///                 let name = auth.user.get().map(|u| u.username).unwrap_or_default();
///                 view! { <p>"Hello, " {name}</p> <SignOutButton/> }.into_any()
///             }
///             Some(false) => view! { <SignInButton/> }.into_any(),
///         }}
///     }
/// }
/// ```
#[derive(Clone, Copy)]
pub struct UseAuth {
    /// The session (`None` when signed out or not known yet).
    pub session: ReadSignal<Option<CognitoSession>>,
    /// The signed-in user: name, e-mail, groups, scopes, claims.
    pub user: ReadSignal<Option<AuthUser>>,
    /// `Some(true)` signed in, `Some(false)` signed out, `None` not known yet (during
    /// server-side rendering, before hydration has read storage, during a refresh).
    pub is_authenticated: ReadSignal<Option<bool>>,
    /// The same as [`AuthStatus`].
    pub status: ReadSignal<AuthStatus>,
    /// The last error (with [`AuthError::code`]), cleared by the next success.
    pub error: ReadSignal<Option<AuthError>>,
    /// Whether an action is in flight (buttons disable themselves meanwhile).
    pub is_busy: ReadSignal<bool>,
    /// The last [`AuthEvent`] (`None` until something happens). Each event is published,
    /// even one equal to the previous, so an `Effect` on it sees every one.
    pub last_event: ReadSignal<Option<AuthEvent>>,
    pub(super) state: AuthState,
}

/// The auth handle of the nearest `<AuthProvider>`.
///
/// # Panics
/// When called outside an `<AuthProvider>`: that is a mistake in the component tree, not
/// a runtime condition, and the message says how to fix it.
pub fn use_auth() -> UseAuth {
    let state = use_context::<AuthState>()
        .expect("use_auth() must be called inside <AuthProvider config=...>");
    UseAuth::from_state(state)
}

impl UseAuth {
    pub(crate) fn from_state(state: AuthState) -> Self {
        Self {
            session: state.session.read_only(),
            user: state.user.read_only(),
            is_authenticated: state.is_authenticated.read_only(),
            status: state.status.read_only(),
            error: state.error.read_only(),
            is_busy: state.busy.read_only(),
            last_event: state.last_event.read_only(),
            state,
        }
    }

    /// Sends the browser to the Hosted UI to sign in; afterwards it comes back to the
    /// current page (`startSession` in the original SDK).
    #[doc(alias = "startSession")]
    pub fn sign_in(&self) {
        self.state.sign_in(None);
    }

    /// Sends the browser to the Hosted UI to sign in; afterwards it comes back to
    /// `return_to`, a same-origin path (anything else returns to `/`).
    pub fn sign_in_to(&self, return_to: impl Into<String>) {
        self.state.sign_in(Some(return_to.into()));
    }

    /// Sends the browser to the Hosted UI with the managed-login parameters of `options`
    /// over the configuration's (`login_hint`, `lang`, `prompt`, `resource`,
    /// `identity_provider` or `idp_identifier`); afterwards it comes back to `options`' path
    /// (default: the current page). A value that breaks its rule does not leave the page:
    /// [`error`](Self::error) names it (`invalid_config`).
    ///
    /// With server sessions the parameters go to the server's sign-in route, which takes
    /// those the app allows (`ServerSessionBuilder::sign_in_parameters`).
    ///
    /// ```
    /// use leptos::prelude::*;
    /// use leptos_cognito_auth::components::use_auth;
    /// use leptos_cognito_auth::{Prompt, SignInOptions};
    ///
    /// #[component]
    /// fn SwitchAccount(email: String) -> impl IntoView {
    ///     let auth = use_auth();
    ///     let switch = move |_| {
    ///         auth.sign_in_with(
    ///             SignInOptions::new()
    ///                 .login_hint(email.clone())
    ///                 .prompt(Prompt::Login)
    ///                 .return_to("/account"),
    ///         )
    ///     };
    ///     view! { <button on:click=switch>"Sign in as someone else"</button> }
    /// }
    /// ```
    pub fn sign_in_with(&self, options: SignInOptions) {
        self.state.sign_in_with(options);
    }

    /// A silent sign-in (`prompt=none`), returning to the current page: within a Hosted
    /// UI session the user comes back signed in without seeing a page; without one Cognito
    /// answers `login_required`, which `<AuthCallback/>` (or, with server sessions, the
    /// server's callback) takes as a normal outcome: back to the page, still signed out,
    /// no error.
    ///
    /// It leaves the page each time, and a `login_required` answer returns to it: call it on
    /// a user's action, or once per visit behind a flag of your own, never on every
    /// signed-out render. With server sessions the app must allow
    /// [`SignInParameter::Prompt`](crate::protocol::SignInParameter::Prompt) on its sign-in
    /// route.
    ///
    /// ```
    /// use leptos::prelude::*;
    /// use leptos_cognito_auth::components::use_auth;
    ///
    /// #[component]
    /// fn Continue() -> impl IntoView {
    ///     let auth = use_auth();
    ///     view! {
    ///         <button on:click=move |_| auth.try_silent_sign_in()>
    ///             "Continue where I left off"
    ///         </button>
    ///     }
    /// }
    /// ```
    pub fn try_silent_sign_in(&self) {
        self.state.sign_in_with(SignInOptions::silent());
    }

    /// What `<SignInButton/>` calls: [`sign_in_to`](Self::sign_in_to) when given a path,
    /// else [`sign_in`](Self::sign_in).
    pub(super) fn sign_in_or_to(&self, return_to: Option<String>) {
        self.state.sign_in(return_to);
    }

    /// Signs out: revokes the refresh token, clears storage, ends the Hosted UI session.
    #[doc(alias = "signOut")]
    pub fn sign_out(&self) {
        self.state.sign_out(false);
    }

    /// Signs out everywhere (server sessions): Cognito's `GlobalSignOut` (or, without the
    /// `aws.cognito.signin.user.admin` scope, a revocation of each session's refresh token),
    /// every server session of the user ended on every instance, then Cognito's `/logout`.
    /// In the browser-storage modes the browser holds only its own session: this is
    /// [`sign_out`](Self::sign_out).
    pub fn sign_out_everywhere(&self) {
        self.state.sign_out(true);
    }

    /// What `<SignOutButton/>` calls: [`sign_out_everywhere`](Self::sign_out_everywhere)
    /// when `everywhere` is given, else [`sign_out`](Self::sign_out).
    pub(super) fn sign_out_or_everywhere(&self, everywhere: Option<String>) {
        self.state.sign_out(everywhere.is_some());
    }

    /// Refreshes the tokens now.
    #[doc(alias = "refreshSession")]
    pub fn refresh(&self) {
        self.state.refresh();
    }

    /// Makes sure a valid session is held, and returns at once: the cached one, else a
    /// refreshed one, else sign-in starts. The outcome arrives in the signals
    /// ([`session`](Self::session), [`status`](Self::status), [`error`](Self::error)).
    /// The awaitable `getSession` is [`CognitoAuth::get_session`](crate::CognitoAuth::get_session).
    #[doc(alias = "getSession")]
    pub fn ensure_session(&self) {
        self.state.get_session();
    }

    /// Sends a request to the app's own API with `Authorization: Bearer <access token>`:
    /// refreshed first if the session has expired, refreshed and sent once more if the
    /// API answers 401 (see [`CognitoAuth::fetch_with_session`](crate::CognitoAuth::fetch_with_session)).
    /// A refresh it makes is published like any other. Without a session (or during
    /// server-side rendering) it fails with `no_session` and sends nothing.
    ///
    /// ```
    /// use leptos_cognito_auth::components::UseAuth;
    /// use leptos_cognito_auth::{HttpRequest, Method};
    ///
    /// async fn my_orders(auth: UseAuth) -> Option<String> {
    ///     let request = HttpRequest {
    ///         method: Method::Get,
    ///         url: "/api/orders".into(),
    ///         headers: Vec::new(),
    ///         body: None,
    ///     };
    ///     let response = auth.fetch_with_session(request).await.ok()?;
    ///     (response.status == 200).then_some(response.body)
    /// }
    /// ```
    pub async fn fetch_with_session(
        &self,
        request: HttpRequest,
    ) -> Result<HttpResponse, AuthError> {
        self.state.fetch_with_session(request).await
    }

    /// Server sessions: the session's anti-forgery token, for a form of the app's own that
    /// posts to one of the kit's routes (as its `csrf_token` field; the buttons and
    /// [`CognitoServerFnClient`](super::CognitoServerFnClient) send it themselves). `None`
    /// without a server session.
    ///
    /// ```
    /// use leptos::prelude::*;
    /// use leptos_cognito_auth::components::use_auth;
    ///
    /// /// Ends one of the user's other sessions, without JavaScript.
    /// #[component]
    /// fn Revoke(id: String) -> impl IntoView {
    ///     let token = use_auth().anti_forgery_token().unwrap_or_default();
    ///     view! {
    ///         <form method="post" action="/auth/sessions/revoke">
    ///             <input type="hidden" name="csrf_token" value=token/>
    ///             <input type="hidden" name="id" value=id/>
    ///             <button type="submit">"Sign that device out"</button>
    ///         </form>
    ///     }
    /// }
    /// ```
    pub fn anti_forgery_token(&self) -> Option<String> {
        self.state
            .server_view
            .with_value(|v| v.as_ref().and_then(|v| v.csrf_token.clone()))
    }

    /// Clears the last error.
    pub fn clear_error(&self) {
        self.state.error.set(None);
    }

    /// A `ProtectedRoute` condition that signs the user in when needed: `Some(true)` with
    /// a valid session; otherwise `None`, so the route shows its fallback, while the
    /// session is not known yet, while an expired session is refreshed, and while sign-in
    /// starts: it starts sign-in itself, with the current path as return path, instead of
    /// redirecting to a fixed page (so the route's `redirect_path` is not used). After an
    /// error (Cognito unreachable, a revoked session) it does not retry on its own: the
    /// fallback stays and [`error`](Self::error) says why, until the user retries. While a
    /// sign-out is on its way to Cognito's `/logout` it is `None` and starts nothing, so
    /// signing out from a protected page never signs the user in again.
    ///
    /// ```
    /// use leptos::prelude::*;
    /// use leptos_router::{components::{ProtectedRoute, Route, Router, Routes}, path};
    /// use leptos_cognito_auth::components::use_auth;
    ///
    /// #[component]
    /// fn AppRoutes() -> impl IntoView {
    ///     let auth = use_auth();
    ///     view! {
    ///         <Router>
    ///             <Routes fallback=|| "Not found">
    ///                 <Route path=path!("/") view=|| "Home"/>
    ///                 <ProtectedRoute
    ///                     path=path!("/account")
    ///                     condition=auth.require_sign_in()
    ///                     redirect_path=|| "/"
    ///                     view=|| "Your account"
    ///                     fallback=|| "Signing you in…"
    ///                 />
    ///             </Routes>
    ///         </Router>
    ///     }
    /// }
    /// ```
    pub fn require_sign_in(&self) -> impl Fn() -> Option<bool> + Send + Sync + Clone + 'static {
        let state = self.state;
        move || match state.status.get() {
            AuthStatus::Loading => None,
            // Signing out: the page is leaving for `/logout`; never sign in meanwhile.
            _ if state.signing_out.get_value() => None,
            // Server sessions: what the server rendered stands; a navigation in the browser
            // asks the server again (the session may have ended meanwhile), and signs in
            // if it has.
            AuthStatus::SignedIn if state.is_server_mode() => {
                state.refresh();
                Some(true)
            }
            // Judged by this browser's clock once the page has hydrated (the provider's
            // `load` refreshes it then): its first render shows what the server rendered
            // (cookie mode), whatever this clock says.
            AuthStatus::SignedIn if state.session_expired_untracked() && !hydrating() => {
                state.get_session();
                None
            }
            AuthStatus::SignedIn => Some(true),
            AuthStatus::SignedOut => {
                // An error stops it (signing in again could fail the same way), but not the
                // notice that storage fell back: sign-in works there.
                let stopped = state.error.with(|e| {
                    e.as_ref()
                        .is_some_and(|e| !matches!(e, AuthError::Storage(_)))
                });
                if !stopped && !state.in_flight.get_value() {
                    state.get_session();
                }
                None
            }
        }
    }

    /// A `ProtectedRoute` condition: signed in and in Cognito group `group` (`None` while
    /// not known, and while a sign-out is on its way to Cognito's `/logout`). Pair it with [`require_sign_in`](Self::require_sign_in) on a parent
    /// route, or use it on its own with a redirect to a sign-in or "not allowed" page.
    pub fn in_group(
        &self,
        group: impl Into<String>,
    ) -> impl Fn() -> Option<bool> + Send + Sync + Clone + 'static {
        self.user_condition(AuthUser::in_group, group.into())
    }

    /// A `ProtectedRoute` condition: signed in with an access token carrying `scope`.
    pub fn has_scope(
        &self,
        scope: impl Into<String>,
    ) -> impl Fn() -> Option<bool> + Send + Sync + Clone + 'static {
        self.user_condition(AuthUser::has_scope, scope.into())
    }

    /// `None` while not known, `Some(false)` signed out, else what `test` says of the user
    /// and `name` (a plain function: the browser build holds one copy of this code).
    fn user_condition(
        &self,
        test: fn(&AuthUser, &str) -> bool,
        name: String,
    ) -> impl Fn() -> Option<bool> + Send + Sync + Clone + 'static {
        let status = self.state.status;
        let signing_out = self.state.signing_out;
        let user = self.user;
        // Memoized: a refresh publishes a new user with the same answer, which must not wake
        // the route (it would build its page again). (`ArcMemo<bool>`, as `<Show>` has it.)
        let passes =
            ArcMemo::new(move |_| user.with(|u| u.as_ref().is_some_and(|u| test(u, &name))));
        move || match status.get() {
            AuthStatus::Loading => None,
            // Signing out: the page is leaving for `/logout`; no redirect meanwhile.
            _ if signing_out.get_value() => None,
            AuthStatus::SignedOut => Some(false),
            AuthStatus::SignedIn => Some(passes.get()),
        }
    }
}

/// Whether the page is hydrating: building its first render over the server's HTML.
fn hydrating() -> bool {
    Owner::current_shared_context().is_some_and(|context| context.during_hydration())
}

//! `<AuthProvider>`: holds the session in signals and provides it to [`use_auth`].
//!
//! [`use_auth`]: super::use_auth

use leptos::prelude::*;

use super::events::AuthEvent;
use super::state::AuthState;
use crate::protocol::CognitoConfig;

/// Provides the auth state to its children.
///
/// On the server it renders the "not known yet" state and touches no browser API (in
/// cookie session mode, what the `ssr` cookie session layer read from the request); in the
/// browser, once hydrated, it builds the client over the configured storage (falling back
/// to memory, with the reason in `use_auth().error`, if that storage is unavailable),
/// reads the cached session and refreshes it if it has expired. With a
/// [`StorageKind::Server`](crate::protocol::StorageKind::Server) configuration it is a
/// [`ServerSessionProvider`] (which an app that only uses server sessions can use directly,
/// without a configuration in the browser).
///
/// Then it keeps the session alive and in step with the other tabs:
/// - **Automatic refresh** before expiry ([`CognitoConfig::refresh_margin_secs`], by
///   default 60 s, at most a fifth of the tokens' usable time), paused while the tab is hidden and
///   caught up when it is shown again or comes back online; failures are retried with a
///   back-off while the session is still valid. Off with
///   [`auto_refresh(false)`](crate::CognitoConfigBuilder::auto_refresh). A session that
///   cannot be refreshed (implicit flow) ends at expiry.
/// - **Other tabs**: a sign-in, refresh or sign-out in another tab of the app reaches this
///   one through storage events and a `BroadcastChannel` (for cookie storage); tabs whose
///   tokens expire together send one refresh request between them (a cross-tab lock).
/// - **Events**: every change is an [`AuthEvent`], passed to `on_event` and published in
///   [`UseAuth::last_event`](super::UseAuth::last_event).
///
/// ```
/// use leptos::prelude::*;
/// use leptos_cognito_auth::components::AuthProvider;
/// use leptos_cognito_auth::CognitoConfig;
///
/// #[component]
/// fn App() -> impl IntoView {
///     let config = CognitoConfig::builder()
///         .client_id("local-spa-client")
///         .app_web_domain("http://localhost:9229")
///         .scopes(["openid", "email"])
///         .redirect_uri_sign_in("http://localhost:3000/callback")
///         .redirect_uri_sign_out("http://localhost:3000/")
///         .build()
///         .expect("valid configuration");
///     view! { <AuthProvider config=config>"the app"</AuthProvider> }
/// }
/// ```
#[component]
pub fn AuthProvider(
    /// The Cognito configuration.
    config: CognitoConfig,
    /// Called with every [`AuthEvent`] (sign-in, sign-out, refresh, refresh failure,
    /// session expired), here or in another tab.
    #[prop(optional, into)]
    on_event: Option<Callback<AuthEvent>>,
    /// The app.
    children: Children,
) -> impl IntoView {
    if config.storage() == crate::protocol::StorageKind::Server {
        return provide_server_session(on_event, children);
    }
    let state = AuthState::new(on_event);
    provide_context(state);

    // A browser build with only the server-session side has no browser client: say so
    // (after hydration, which starts from what the server rendered).
    #[cfg(all(feature = "hydrate-server-session", not(feature = "hydrate")))]
    {
        let reason = format!(
            "{:?} storage needs the kit's `hydrate` feature in the browser build",
            config.storage()
        );
        leptos::logging::error!("leptos-cognito-auth: {reason}");
        Effect::new(move |_| {
            state.set_status(crate::protocol::AuthStatus::SignedOut);
            state.error.set(Some(crate::protocol::AuthError::Config(
                crate::protocol::ConfigError::Invalid {
                    field: "Storage",
                    reason: reason.clone(),
                },
            )));
        });
    }

    // Cookie session mode: the status the server rendered from the request's cookies,
    // carried to the page, so that the browser's first render (hydration) shows the same
    // whatever its own clock says: near the tokens' expiry, a browser clock or a stored
    // clock drift a few seconds off the server's would judge the same cookies otherwise.
    // Made in cookie mode only, the same on both sides (the configuration is); not in a
    // browser build with only the server-session side, which has no cookie mode.
    // `new_str`: the status travels as its number through `FromStr`, so the browser build
    // needs no serde_json reader of strings beside the one that reads tokens from bytes
    // (measured, December 2026: `SharedValue::new` here cost 3.5 KiB gzip in client mode).
    #[cfg(any(feature = "ssr", feature = "hydrate"))]
    #[cfg_attr(not(feature = "hydrate"), allow(unused_variables))]
    let rendered = (config.storage() == crate::protocol::StorageKind::Cookie).then(|| {
        SharedValue::new_str(move || {
            #[cfg(feature = "ssr")]
            {
                use_context::<axum::http::request::Parts>()
                    .and_then(
                        |parts| match parts.extensions.get::<crate::ssr::InitialAuth>() {
                            Some(crate::ssr::InitialAuth::Cookie { status, .. }) => Some(*status),
                            _ => None,
                        },
                    )
                    // Without the cookie session layer the server renders "not known yet".
                    .unwrap_or(super::AuthStatus::Loading) as u8
            }
            #[cfg(not(feature = "ssr"))]
            {
                super::AuthStatus::Loading as u8
            }
        })
        .into_inner()
    });

    // Cookie session mode on the server: render what the request's cookies say (the
    // cookie session layer left it in the request's extensions).
    #[cfg(feature = "ssr")]
    if let Some(crate::ssr::InitialAuth::Cookie {
        status, session, ..
    }) = use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<crate::ssr::InitialAuth>().cloned())
    {
        state.set_session(session);
        state.set_status(status);
    }

    #[cfg(feature = "hydrate")]
    {
        let (client, fallback) =
            crate::browser::browser_auth(config, &crate::browser::CookieOptions::default());
        // Cookie session mode: the first render (hydration) starts from what the server
        // rendered, with the session of the same cookies, which can be read now; the
        // browser judges it by its own clock after hydration (`load`). (The configured
        // mode: a fallback to cookies is not cookie mode, and the server rendered it as
        // "not known yet".)
        const SIGNED_IN: u8 = super::AuthStatus::SignedIn as u8;
        const SIGNED_OUT: u8 = super::AuthStatus::SignedOut as u8;
        match rendered {
            Some(SIGNED_IN) => state.set_session(client.get_cached_session()),
            Some(SIGNED_OUT) => state.set_status(super::AuthStatus::SignedOut),
            _ => {}
        }
        // Page start: what cannot be read goes (reads never write, so this is the moment).
        client.clean_up();
        let prefix = client.store().keys().prefix().to_owned() + ".";
        state.client.set_value(Some(std::rc::Rc::new(client)));
        state.start_lifecycle();
        super::server_fn_client::register(state);
        // After hydration: read storage and publish what it holds.
        Effect::new(move |_| {
            if let Some(reason) = fallback.clone() {
                state.error.set(Some(reason.into()));
            }
            state.load();
        });
        // Each session published (here or from another tab) re-arms the refresh timer.
        Effect::new(move |_| {
            state.session.track();
            state.schedule();
        });
        // Back from the Hosted UI, a browser may restore this page from its back/forward
        // cache exactly as it was left: mid sign-in, buttons disabled, or mid sign-out, its
        // route conditions waiting for the page to leave (woken through "loading", they ask
        // again). Start over.
        let restored = window_event_listener(leptos::ev::pageshow, move |event| {
            if event.persisted() {
                if state.signing_out.get_value() {
                    state.signing_out.set_value(false);
                    state.set_status(super::AuthStatus::Loading);
                }
                state.in_flight.set_value(false);
                state.busy.set(false);
                state.load();
            }
        });
        // Another tab wrote this client's keys in localStorage (`key` is null for clear()).
        let other_tab = window_event_listener(leptos::ev::storage, move |event| {
            if event.key().is_none_or(|key| key.starts_with(&prefix)) {
                state.sync_soon();
            }
        });
        // Shown again, or back online: catch up with a refresh that came due meanwhile.
        let shown = window_event_listener(leptos::ev::visibilitychange, move |_| {
            if !document().hidden() {
                state.tick();
            }
        });
        // Back online after a failure that signed the page out (a session that expired
        // while the network was down is still in storage): try it again.
        let online = window_event_listener(leptos::ev::online, move |_| {
            let failed_offline = state
                .error
                .with_untracked(|e| e.as_ref().is_some_and(|e| e.is_transient()));
            if state.session.with_untracked(Option::is_none) && failed_offline {
                state.error.set(None);
                state.load();
            } else {
                state.tick();
            }
        });
        on_cleanup(move || {
            restored.remove();
            other_tab.remove();
            shown.remove();
            online.remove();
            state.stop_lifecycle();
        });
    }

    children()
}

/// Provides the auth state of a server session ([`StorageKind::Server`]) to its children:
/// the server keeps the tokens and the configuration, so the page needs neither. It is
/// what `<AuthProvider>` does with a configuration in that mode, without the
/// configuration: an app that uses only server sessions builds its [`CognitoConfig`] on
/// the server alone (for [`ServerSession`]) and keeps its validation out of the wasm.
///
/// The page shows what the server rendered of the session and asks the server's session
/// route again when a protected route is entered or the tab is shown again.
/// [`use_auth`](super::use_auth), the buttons and the route conditions work as with
/// `<AuthProvider>`; the buttons are forms, so they work without JavaScript.
///
/// ```
/// use leptos::prelude::*;
/// use leptos_cognito_auth::components::{ServerSessionProvider, SignInButton};
///
/// #[component]
/// fn App() -> impl IntoView {
///     view! { <ServerSessionProvider><SignInButton/></ServerSessionProvider> }
/// }
/// ```
///
/// [`StorageKind::Server`]: crate::protocol::StorageKind::Server
/// [`ServerSession`]: https://docs.rs/leptos-cognito-auth/latest/leptos_cognito_auth/ssr/struct.ServerSession.html
#[cfg(not(all(
    feature = "hydrate",
    not(feature = "hydrate-server-session"),
    not(feature = "ssr")
)))]
#[component]
pub fn ServerSessionProvider(
    /// Called with every [`AuthEvent`] the page sees.
    #[prop(optional, into)]
    on_event: Option<Callback<AuthEvent>>,
    /// The app.
    children: Children,
) -> impl IntoView {
    provide_server_session(on_event, children)
}

/// The server-session provider: what the server rendered of the session, and the page's
/// checks with the server.
fn provide_server_session(on_event: Option<Callback<AuthEvent>>, children: Children) -> AnyView {
    let state = AuthState::new(on_event);
    provide_context(state);
    #[cfg(any(feature = "ssr", feature = "hydrate-server-session"))]
    state.apply_view(super::server_mode::rendered_view());
    // A browser build without the server-session side cannot show the session.
    #[cfg(not(any(feature = "ssr", feature = "hydrate-server-session")))]
    {
        state.set_status(crate::protocol::AuthStatus::SignedOut);
        state.error.set(Some(crate::protocol::AuthError::Config(
            crate::protocol::ConfigError::Invalid {
                field: "Storage",
                reason: "server sessions need the kit's `hydrate-server-session` feature in the browser build".into(),
            },
        )));
    }
    #[cfg(feature = "hydrate-server-session")]
    {
        super::server_fn_client::register(state);
        // Shown again: the session may have ended (or been refreshed) meanwhile.
        let shown = window_event_listener(leptos::ev::visibilitychange, move |_| {
            if !document().hidden() {
                state.server_reload(false);
            }
        });
        on_cleanup(move || shown.remove());
    }
    children()
}

/// A browser build with `hydrate` but not `hydrate-server-session` cannot show a server
/// session: what the server rendered would not hydrate. `<ServerSessionProvider>` is then a
/// compile error that names the feature to enable (the view's `build()` needs
/// [`HydrateServerSessionFeature`], which this build does not implement), instead of a
/// hydration panic in the browser.
#[cfg(all(
    feature = "hydrate",
    not(feature = "hydrate-server-session"),
    not(feature = "ssr")
))]
mod without_server_session {
    use std::marker::PhantomData;

    use leptos::prelude::*;

    use super::AuthEvent;

    /// Implemented only in builds that can hydrate a server session (`ssr`, or
    /// `hydrate-server-session` in the browser); see [`ServerSessionProvider`].
    #[diagnostic::on_unimplemented(
        message = "`<ServerSessionProvider>` needs the `hydrate-server-session` feature of leptos-cognito-auth in the browser build",
        label = "this browser build enables `leptos-cognito-auth/hydrate` without `hydrate-server-session`",
        note = "in your app's Cargo.toml: `hydrate = [\"leptos-cognito-auth/hydrate-server-session\", ...]` (keep `leptos-cognito-auth/hydrate` beside it if the app also keeps tokens in the browser)"
    )]
    pub trait HydrateServerSessionFeature {}

    /// The properties of [`ServerSessionProvider`] (never built in this build).
    pub struct ServerSessionProviderProps {
        _private: (),
    }

    /// Collects `<ServerSessionProvider>`'s properties; its `build()` is the compile error.
    pub struct ServerSessionProviderPropsBuilder<Feature = ()> {
        feature: PhantomData<Feature>,
    }

    impl leptos::component::Props for ServerSessionProviderProps {
        type Builder = ServerSessionProviderPropsBuilder;
        fn builder() -> Self::Builder {
            ServerSessionProviderPropsBuilder {
                feature: PhantomData,
            }
        }
    }

    impl<Feature> ServerSessionProviderPropsBuilder<Feature> {
        /// `on_event`, as in the other builds.
        pub fn on_event(self, _on_event: impl Into<Callback<AuthEvent>>) -> Self {
            self
        }
        /// The app.
        pub fn children(self, _children: Children) -> Self {
            self
        }
        /// The properties: only in a build that can hydrate a server session.
        pub fn build(self) -> ServerSessionProviderProps
        where
            Feature: HydrateServerSessionFeature,
        {
            ServerSessionProviderProps { _private: () }
        }
    }

    /// See the other builds' `ServerSessionProvider`: this build cannot hydrate a server
    /// session, and using it here does not compile.
    #[allow(non_snake_case)]
    pub fn ServerSessionProvider(_props: ServerSessionProviderProps) -> impl IntoView {}
}

#[cfg(all(
    feature = "hydrate",
    not(feature = "hydrate-server-session"),
    not(feature = "ssr")
))]
pub use without_server_session::ServerSessionProvider;

//! The smallest app that signs users in, twice: with the kit (feature `kit`) and without
//! it. Both have a router, a home page with the session's state and a sign-in or sign-out
//! button, a callback page, and an account page behind `ProtectedRoute`. Without the kit
//! the session is a plain signal and the buttons do nothing; with it they are the kit's
//! `<AuthProvider>`, `<SignInButton>`, `<SignOutButton>`, `<AuthCallback>` and
//! `require_sign_in()` (with feature `kit-server`, server sessions: `<ServerSessionProvider>`,
//! the buttons and `require_sign_in()`; the server answers the callback). Their difference
//! is what adding sign-in costs an app, apart from whatever the app then shows of the user.

use leptos::prelude::*;
use leptos_router::components::{ProtectedRoute, Route, Router, Routes};
use leptos_router::path;

/// The browser entry point.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
}

#[cfg(any(feature = "kit", feature = "kit-server"))]
mod session {
    use leptos::prelude::*;
    #[cfg(not(feature = "kit-server"))]
    use leptos_cognito_auth::components::AuthCallback;
    #[cfg(not(feature = "kit-server"))]
    use leptos_cognito_auth::components::AuthProvider;
    use leptos_cognito_auth::components::{use_auth, SignInButton, SignOutButton};

    /// Server sessions (feature `kit-server`): the server keeps the tokens and the
    /// configuration; the page needs neither.
    #[cfg(feature = "kit-server")]
    pub fn provider(children: Children) -> impl IntoView {
        use leptos_cognito_auth::components::ServerSessionProvider;
        view! { <ServerSessionProvider>{children()}</ServerSessionProvider> }
    }

    #[cfg(not(feature = "kit-server"))]
    pub fn provider(children: Children) -> impl IntoView {
        use leptos_cognito_auth::CognitoConfig;
        let config = CognitoConfig::builder()
            .client_id("local-spa-client")
            .app_web_domain("http://localhost:9229")
            .scopes(["openid", "email"])
            .redirect_uri_sign_in("http://localhost:3000/callback")
            .redirect_uri_sign_out("http://localhost:3000/")
            .build()
            .expect("a valid configuration");
        view! { <AuthProvider config>{children()}</AuthProvider> }
    }

    pub fn signed_in() -> ReadSignal<Option<bool>> {
        use_auth().is_authenticated
    }

    pub fn condition() -> impl Fn() -> Option<bool> + Send + Sync + Clone + 'static {
        use_auth().require_sign_in()
    }

    pub fn sign_in_button() -> AnyView {
        view! { <SignInButton/> }.into_any()
    }

    pub fn sign_out_button() -> AnyView {
        view! { <SignOutButton/> }.into_any()
    }

    /// With server sessions the server answers the callback; the page is never shown.
    #[cfg(feature = "kit-server")]
    pub fn callback() -> impl IntoView {
        view! { <p>"Signing you in…"</p> }
    }

    #[cfg(not(feature = "kit-server"))]
    pub fn callback() -> impl IntoView {
        view! { <AuthCallback/> }
    }
}

#[cfg(not(any(feature = "kit", feature = "kit-server")))]
mod session {
    use leptos::prelude::*;

    pub fn provider(children: Children) -> impl IntoView {
        provide_context(RwSignal::new(None::<bool>));
        children()
    }

    pub fn signed_in() -> ReadSignal<Option<bool>> {
        expect_context::<RwSignal<Option<bool>>>().read_only()
    }

    pub fn condition() -> impl Fn() -> Option<bool> + Send + Sync + Clone + 'static {
        let signed_in = signed_in();
        move || signed_in.get()
    }

    pub fn sign_in_button() -> AnyView {
        view! { <button type="button">"Sign in"</button> }.into_any()
    }

    pub fn sign_out_button() -> AnyView {
        view! { <button type="button">"Sign out"</button> }.into_any()
    }

    pub fn callback() -> impl IntoView {
        view! { <p>"Signing you in…"</p> }
    }
}

/// The app: the session around a router with three routes.
#[component]
pub fn App() -> impl IntoView {
    session::provider(Box::new(|| view! { <Routed/> }.into_any()))
}

#[component]
fn Routed() -> impl IntoView {
    let signed_in = session::signed_in();
    view! {
        <Router>
            <header>
                {move || match signed_in.get() {
                    Some(true) => session::sign_out_button(),
                    Some(false) => session::sign_in_button(),
                    None => ().into_any(),
                }}
            </header>
            <Routes fallback=|| "Not found">
                <Route path=path!("/") view=|| view! { <h1>"Home"</h1> }/>
                <Route path=path!("/callback") view=session::callback/>
                <ProtectedRoute
                    path=path!("/account")
                    condition=session::condition()
                    redirect_path=|| "/"
                    view=|| view! { <h1>"Your account"</h1> }
                    fallback=|| view! { <p>"Checking your session…"</p> }
                />
            </Routes>
        </Router>
    }
}

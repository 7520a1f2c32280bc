use leptos::prelude::*;
use leptos_cognito_auth::components::{
    use_auth, AuthCallback, AuthProvider, Authenticated, SignInButton, SignOutButton,
    Unauthenticated,
};
use leptos_cognito_auth::CognitoConfig;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{ProtectedRoute, Route, Router, Routes},
    StaticSegment,
};

/// Where the app is served: open it exactly here (http://localhost:3000, not
/// http://127.0.0.1:3000), because the sign-in comes back to this origin. Set
/// `APP_ORIGIN` when building to serve it elsewhere.
const APP_ORIGIN: &str = match option_env!("APP_ORIGIN") {
    Some(origin) => origin,
    None => "http://localhost:3000",
};

/// The Cognito settings, compiled in, so the server and the browser build the same
/// configuration. These fit `cognito-local`'s defaults; for a real user pool use your
/// Hosted UI domain, app client id and pool id.
fn cognito_config() -> CognitoConfig {
    CognitoConfig::builder()
        .client_id("local-spa-client")
        .app_web_domain("http://localhost:9229")
        .user_pool_id("us-east-1_LocalPool")
        .issuer("http://localhost:9229/us-east-1_LocalPool")
        .scopes(["openid", "email", "profile"])
        .redirect_uri_sign_in(format!("{APP_ORIGIN}/callback"))
        .redirect_uri_sign_out(format!("{APP_ORIGIN}/"))
        .build()
        .expect("valid Cognito configuration")
}

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <AutoReload options=options.clone() />
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    view! {
        <Stylesheet id="leptos" href="/pkg/example-browser-storage.css"/>
        <Title text="Welcome to Leptos"/>
        <AuthProvider config=cognito_config()>
            <Router>
                <Header/>
                <main>
                    <AppRoutes/>
                </main>
            </Router>
        </AuthProvider>
    }
}

#[component]
fn AppRoutes() -> impl IntoView {
    let auth = use_auth();
    view! {
        <Routes fallback=|| "Page not found.".into_view()>
            <Route path=StaticSegment("") view=HomePage/>
            <Route path=StaticSegment("callback") view=AuthCallback/>
            <ProtectedRoute
                path=StaticSegment("protected")
                condition=auth.require_sign_in()
                redirect_path=|| "/"
                view=ProtectedPage
                fallback=|| "Checking your session…"
            />
        </Routes>
    }
}

#[component]
fn Header() -> impl IntoView {
    let auth = use_auth();
    view! {
        <header>
            <a href="/">"Home"</a> " " <a href="/protected">"Protected"</a> " "
            <Unauthenticated><SignInButton/></Unauthenticated>
            <Authenticated>
                <span data-testid="username">{move || auth.user.get().map(|u| u.username)}</span>
                " " <SignOutButton/>
            </Authenticated>
        </header>
    }
}

/// Renders the home page of your application.
#[component]
fn HomePage() -> impl IntoView {
    view! { <h1>"Welcome to Leptos!"</h1> }
}

/// Only for signed-in users: `require_sign_in()` sends everyone else to sign in first.
#[component]
fn ProtectedPage() -> impl IntoView {
    let auth = use_auth();
    let email = move || auth.user.get().and_then(|u| u.email).unwrap_or_default();
    view! {
        <h1>"Protected"</h1>
        <p data-testid="protected">"Signed in as " {email}</p>
    }
}

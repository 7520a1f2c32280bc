use leptos::prelude::*;
use leptos_cognito_auth::components::{
    use_auth, Authenticated, ServerSessionProvider, SignInButton, SignOutButton, Unauthenticated,
};
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{ProtectedRoute, Route, Router, Routes},
    StaticSegment,
};

/// The page only signed-in users see, named once: the router guards it, and the server's
/// session layer sends a signed-out visitor to sign in before it renders.
pub const PROTECTED: &str = "protected";

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
        <Stylesheet id="leptos" href="/pkg/example-server-sessions.css"/>
        <Title text="Welcome to Leptos"/>
        <ServerSessionProvider>
            <Router>
                <Header/>
                <main>
                    <AppRoutes/>
                </main>
            </Router>
        </ServerSessionProvider>
    }
}

#[component]
fn AppRoutes() -> impl IntoView {
    let auth = use_auth();
    view! {
        <Routes fallback=|| "Page not found.".into_view()>
            <Route path=StaticSegment("") view=HomePage/>
            // No /callback route: the server's session layer answers it.
            <ProtectedRoute
                path=StaticSegment(PROTECTED)
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

/// Only for signed-in users: the server sent everyone else to sign in first.
#[component]
fn ProtectedPage() -> impl IntoView {
    let auth = use_auth();
    let email = move || auth.user.get().and_then(|u| u.email).unwrap_or_default();
    view! {
        <h1>"Protected"</h1>
        <p data-testid="protected">"Signed in as " {email}</p>
    }
}

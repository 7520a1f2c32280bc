//! The demo's document shell, router and routes.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{ProtectedRoute, Route, Router, Routes};
use leptos_router::{path, SsrMode, StaticSegment};

use super::layout::Layout;
use super::pages::{AccountPage, AdminPage, GroupsPage, HomePage, NotFound, ProtectedPage};
use super::settings::{DemoSettings, SETTINGS_ELEMENT_ID};
use leptos_cognito_auth::components::{use_auth, AuthCallback, AuthEvent, AuthProvider};

/// The path segment of the page that needs a signed-in user.
const PROTECTED: &str = "protected";
/// The path segment of the page that needs the `admin` group.
const ADMIN: &str = "admin";
/// The path segment of the page that lists the user's sessions.
const ACCOUNT: &str = "account";

/// The pages that need a signed-in user, listed once: the router guards them with
/// `ProtectedRoute`, and the server (cookie session mode) sends a signed-out request for
/// them to sign in before anything renders.
pub fn protected_paths() -> [String; 3] {
    [PROTECTED, ADMIN, ACCOUNT].map(|segment| format!("/{segment}"))
}

/// The HTML document the server renders around the app; it embeds the settings for
/// `hydrate()`.
pub fn shell(options: LeptosOptions, settings: DemoSettings) -> impl IntoView {
    let json = settings.to_embedded_json();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" type="image/svg+xml" href="/favicon.svg"/>
                <script id=SETTINGS_ELEMENT_ID type="application/json" inner_html=json></script>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App settings/>
            </body>
        </html>
    }
}

/// The demo app: an `<AuthProvider>` around a router with a public home page, a
/// protected page, an admin page gated on a Cognito group, and the callback route.
#[component]
pub fn App(
    /// The settings (from the environment on the server, from the page in the browser).
    settings: DemoSettings,
) -> impl IntoView {
    provide_meta_context();
    let config = match settings.config() {
        Ok(config) => config,
        // The server validated the settings at start; this is only reachable with a page
        // whose embedded settings were tampered with.
        Err(e) => {
            return view! { <p class="fatal">"Invalid settings: " {e.to_string()}</p> }.into_any()
        }
    };
    let local = settings.local_emulator;
    // Every session event goes to the browser console, as an app would send it to its
    // analytics or logs.
    let log_event = Callback::new(|event: AuthEvent| {
        let origin = if event.from_other_tab() {
            " (from another tab)"
        } else {
            ""
        };
        match &event {
            AuthEvent::RefreshFailed { error } => {
                leptos::logging::warn!("[auth event] {}: {}", event.name(), error.code())
            }
            _ => leptos::logging::log!("[auth event] {}{origin}", event.name()),
        }
    });
    view! {
        <Stylesheet id="leptos" href="/pkg/demo.css"/>
        <Title text="Cognito sign-in for Leptos: demo"/>
        <AuthProvider config=config on_event=log_event>
            <Router>
                <Layout local_emulator=local>
                    <DemoRoutes/>
                </Layout>
            </Router>
        </AuthProvider>
    }
    .into_any()
}

#[component]
fn DemoRoutes() -> impl IntoView {
    let auth = use_auth();
    let checking = || view! { <p class="checking">"Checking your session…"</p> };
    // The protected pages are rendered whole before the response is sent (not streamed
    // out of order): in cookie session mode the server renders them signed in, and a
    // browser without JavaScript could not swap streamed content in.
    view! {
        <Routes fallback=NotFound>
            <Route path=path!("/") view=HomePage/>
            <Route path=path!("/callback") view=AuthCallback/>
            <ProtectedRoute
                path=StaticSegment(PROTECTED)
                condition=auth.require_sign_in()
                redirect_path=|| "/"
                view=ProtectedPage
                fallback=checking
                ssr=SsrMode::Async
            />
            <ProtectedRoute
                path=StaticSegment(ADMIN)
                condition=auth.require_sign_in()
                redirect_path=|| "/"
                view=AdminPage
                fallback=checking
                ssr=SsrMode::Async
            />
            <ProtectedRoute
                path=StaticSegment(ACCOUNT)
                condition=auth.require_sign_in()
                redirect_path=|| "/"
                view=AccountPage
                fallback=checking
                ssr=SsrMode::Async
            />
            // Guarded by the group alone: signed-out visitors and non-members go to
            // `/admin`, which signs them in or says why not.
            <ProtectedRoute
                path=(StaticSegment(ADMIN), StaticSegment("groups"))
                condition=auth.in_group("admin")
                redirect_path=|| "/admin"
                view=GroupsPage
                fallback=checking
                ssr=SsrMode::Async
            />
        </Routes>
    }
}

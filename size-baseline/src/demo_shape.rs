//! The demo's pages without the auth kit: the same router, layout, routes and text, with
//! the session fixed at "signed out", and the demo's two server functions called from the
//! same places, through leptos's default client instead of the kit's.

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Stylesheet, Title};
use leptos_router::components::{ProtectedRoute, Route, Router, Routes, A};
use leptos_router::path;

/// The browser entry point, like the demo's.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
}

/// The app: a router in a layout, the demo's four routes.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Stands in for the kit's `is_authenticated` signal.
    let signed_in = RwSignal::new(None::<bool>);
    view! {
        <Stylesheet id="leptos" href="/pkg/demo.css"/>
        <Title text="Cognito sign-in for Leptos: demo"/>
        <Router>
            <Layout signed_in=signed_in>
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=HomePage/>
                    <Route path=path!("/callback") view=CallbackPage/>
                    <ProtectedRoute
                        path=path!("/protected")
                        condition=move || signed_in.get()
                        redirect_path=|| "/"
                        view=ProtectedPage
                        fallback=|| view! { <p class="checking">"Checking your session…"</p> }
                    />
                    <ProtectedRoute
                        path=path!("/admin")
                        condition=move || signed_in.get()
                        redirect_path=|| "/"
                        view=AdminPage
                        fallback=|| view! { <p class="checking">"Checking your session…"</p> }
                    />
                </Routes>
            </Layout>
        </Router>
    }
}

#[component]
fn Layout(signed_in: RwSignal<Option<bool>>, children: Children) -> impl IntoView {
    let state_text = move || match signed_in.get() {
        None => "loading",
        Some(true) => "signed-in",
        Some(false) => "signed-out",
    };
    view! {
        <header class="site-header">
            <a class="brand" href="/">"Cognito × Leptos"</a>
            <nav>
                <A href="/">"Home"</A>
                <A href="/protected">"Protected"</A>
                <A href="/admin">"Admin"</A>
            </nav>
            <div class="session">
                <span class=move || format!("pill {}", state_text()) data-testid="session-state">{state_text}</span>
                {move || match signed_in.get() {
                    Some(true) => view! { <button type="button">"Sign out"</button> }.into_any(),
                    Some(false) => view! { <button type="button">"Sign in"</button> }.into_any(),
                    None => ().into_any(),
                }}
            </div>
        </header>
        <main>{children()}</main>
        <footer>"Signing in through the configured Cognito Hosted UI."</footer>
    }
}

#[component]
fn HomePage() -> impl IntoView {
    view! {
        <section class="hero">
            <h1>"Amazon Cognito sign-in for Leptos"</h1>
            <p>
                "This site signs you in through a Cognito Hosted UI with the authorization code flow and PKCE, "
                "keeps the session in reactive signals, refreshes it when it expires, and protects routes."
            </p>
        </section>
        <section class="card">
            <p>"You are signed out."</p>
            <button type="button" class="primary">"Sign in"</button>
        </section>
        <AskTheServer/>
    }
}

/// The demo's `whoami` server function, with the default client.
#[server(prefix = "/api", endpoint = "whoami")]
pub async fn whoami() -> Result<String, ServerFnError> {
    Err(ServerFnError::new("missing_token: no kit in the baseline"))
}

/// The demo's `admin_report` server function, with the default client.
#[server(prefix = "/api", endpoint = "admin_report")]
pub async fn admin_report() -> Result<Vec<String>, ServerFnError> {
    Err(ServerFnError::new("missing_token: no kit in the baseline"))
}

/// The demo's `error_code`.
fn error_code(error: &ServerFnError) -> String {
    let text = match error {
        ServerFnError::ServerError(message) => message.clone(),
        other => other.to_string(),
    };
    match text.split_once(':') {
        Some((code, _)) if !code.contains(' ') => code.to_owned(),
        _ => text,
    }
}

/// The demo's `ServerError`.
#[component]
fn ServerError(error: ServerFnError) -> impl IntoView {
    let code = error_code(&error);
    let text = match &error {
        ServerFnError::ServerError(message) => message.clone(),
        other => other.to_string(),
    };
    view! {
        <p class="banner error" role="alert" data-testid="server-error">
            "The server refused: " <code>{code}</code> " (" {text} ")"
        </p>
    }
}

/// The demo's `AskTheServer`.
#[component]
fn AskTheServer() -> impl IntoView {
    let answer = RwSignal::new(None);
    let ask = move |_| leptos::task::spawn_local(async move { answer.set(Some(whoami().await)) });
    view! {
        <section class="card">
            <p>
                "The server checks the access token itself: "
                <button type="button" data-testid="ask-server" on:click=ask>
                    "Ask the server who I am"
                </button>
            </p>
            {move || answer.get().map(|result| match result {
                Ok(name) => view! {
                    <p data-testid="server-says">"The server says you are " <strong>{name}</strong></p>
                }.into_any(),
                Err(error) => view! { <ServerError error/> }.into_any(),
            })}
        </section>
    }
}

#[component]
fn CallbackPage() -> impl IntoView {
    view! { <p class="checking">"Signing you in…"</p> }
}

#[component]
fn ProtectedPage() -> impl IntoView {
    let now = RwSignal::new(0u64);
    #[cfg(feature = "hydrate")]
    {
        let tick = move || now.set((js_sys::Date::now() / 1000.0) as u64);
        tick();
        leptos::prelude::set_interval(tick, std::time::Duration::from_secs(1));
    }
    let expires_at = 0u64;
    let server_says = RwSignal::new(None::<Result<String, ServerFnError>>);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        leptos::task::spawn_local(async move { server_says.set(Some(whoami().await)) })
    });
    view! {
        <section class="card">
            <h1>"Protected"</h1>
            {move || match server_says.get() {
                None => view! { <p class="checking" data-testid="server-asking">"Asking the server who you are…"</p> }.into_any(),
                Some(Ok(name)) => view! {
                    <p data-testid="server-says">"The server says you are " <strong>{name}</strong></p>
                }.into_any(),
                Some(Err(error)) => view! { <ServerError error/> }.into_any(),
            }}
            <span data-testid="expires-in">
                {move || {
                    let left = expires_at.saturating_sub(now.get());
                    if now.get() == 0 { String::new() } else { format!("in {}:{:02}", left / 60, left % 60) }
                }}
            </span>
        </section>
    }
}

#[component]
fn AdminPage() -> impl IntoView {
    let report = RwSignal::new(None::<Result<Vec<String>, ServerFnError>>);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        leptos::task::spawn_local(async move { report.set(Some(admin_report().await)) })
    });
    let report_view = move || match report.get() {
        None => view! { <p class="checking">"Loading the report…"</p> }.into_any(),
        Some(Ok(lines)) => view! {
            <ul data-testid="admin-report">
                {lines.into_iter().map(|l| view! { <li>{l}</li> }).collect_view()}
            </ul>
        }
        .into_any(),
        Some(Err(error)) => view! { <ServerError error/> }.into_any(),
    };
    view! {
        <Show
            when=|| false
            fallback=move || view! {
                <section class="card forbidden" data-testid="forbidden">
                    <h1>"Not allowed"</h1>
                    <p>"This page is only for members of the Cognito group " <code>"admin"</code> "."</p>
                    {report_view}
                </section>
            }
        >
            <section class="card" data-testid="admin-page">
                <h1>"Admin"</h1>
                <h2>"Report from the server"</h2>
                {report_view}
            </section>
        </Show>
    }
}

#[component]
fn NotFound() -> impl IntoView {
    view! {
        <section class="card">
            <h1>"Page not found"</h1>
            <p><a href="/">"Back to the home page"</a></p>
        </section>
    }
}

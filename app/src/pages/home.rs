//! `/`: what the demo is, and the session at a glance.

use leptos::prelude::*;

use crate::server_fns::{whoami, ServerError};
use leptos_cognito_auth::components::{
    use_auth, AuthLoading, Authenticated, SignInButton, Unauthenticated,
};

/// The home page.
#[component]
pub fn HomePage() -> impl IntoView {
    let auth = use_auth();
    view! {
        <section class="hero">
            <h1>"Amazon Cognito sign-in for Leptos"</h1>
            <p>
                "This site signs you in through a Cognito Hosted UI with the authorization code flow and PKCE, "
                "keeps the session in reactive signals, refreshes it when it expires, and protects routes."
            </p>
        </section>
        <section class="card">
            <AuthLoading>
                <p>"Checking your session…"</p>
            </AuthLoading>
            <Unauthenticated>
                <p>"You are signed out."</p>
                <SignInButton class="primary">"Sign in"</SignInButton>
            </Unauthenticated>
            <Authenticated>
                <p>
                    "Signed in as "
                    <strong>{move || auth.user.get().map(|u| u.username).unwrap_or_default()}</strong>
                    {move || auth.user.get().and_then(|u| u.email).map(|e| format!(" ({e})"))}
                    "."
                </p>
                <p>"See your token claims on the " <a href="/protected">"protected page"</a> ", or try the " <a href="/admin">"admin page"</a> "."</p>
            </Authenticated>
        </section>
        <AskTheServer/>
        <MachineToMachine/>
    }
}

/// A button that calls the `whoami` server function, signed in or not.
#[component]
fn AskTheServer() -> impl IntoView {
    // A plain signal filled by a task spawned on click (in the browser only): an
    // `Action::new_local` would keep thread-local values in the server-side render, whose
    // owner may be dropped on another worker thread.
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

/// A button that asks the server to call its own scope-protected API with a
/// machine-to-machine token (`GET /api/m2m/demo`), and the answer it got.
#[component]
fn MachineToMachine() -> impl IntoView {
    let answer = RwSignal::new(None::<Result<String, String>>);
    // Like `AskTheServer`: a task spawned on click, in the browser only.
    let call = move |_| {
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move { answer.set(Some(call_m2m_demo().await)) });
    };
    view! {
        <section class="card">
            <p>
                "Machine to machine: the server gets its own access token (the client credentials grant, no user) "
                "and calls a scope-protected route of its own with it: "
                <button type="button" data-testid="m2m-call" on:click=call>
                    "Call the API as the server"
                </button>
            </p>
            {move || answer.get().map(|result| match result {
                Ok(text) => view! {
                    <p data-testid="m2m-result">"The API answered: " <strong>{text}</strong></p>
                }.into_any(),
                Err(text) => view! {
                    <p class="banner error" role="alert" data-testid="m2m-error">{text}</p>
                }.into_any(),
            })}
        </section>
    }
}

/// `GET /api/m2m/demo` from the browser: the report's message and scopes, or the error.
#[cfg(feature = "hydrate")]
async fn call_m2m_demo() -> Result<String, String> {
    use leptos_cognito_auth::browser::FetchHttp;
    use leptos_cognito_auth::client::HttpClient as _;
    use leptos_cognito_auth::{HttpRequest, Method};
    use serde_json::Value;

    let origin = window()
        .location()
        .origin()
        .map_err(|_| "the page has no origin".to_owned())?;
    let response = FetchHttp::new()
        .send(HttpRequest {
            method: Method::Get,
            url: format!("{origin}/api/m2m/demo"),
            headers: Vec::new(),
            body: None,
        })
        .await
        .map_err(|e| e.to_string())?;
    let body: Value = serde_json::from_slice(response.body.as_bytes())
        .map_err(|_| format!("HTTP {}: not JSON", response.status))?;
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    if response.status != 200 {
        let (error, message) = match body.get("answer") {
            Some(answer) if answer.is_object() => {
                (text(&answer["error"]), text(&answer["message"]))
            }
            _ => (text(&body["error"]), text(&body["message"])),
        };
        return Err(format!("{error}: {message} (HTTP {})", response.status));
    }
    let answer = &body["answer"];
    let scopes: Vec<String> = answer["scopes"]
        .as_array()
        .map(|s| s.iter().map(text).collect())
        .unwrap_or_default();
    Ok(format!(
        "{} (scopes: {}; token requests so far: {})",
        text(&answer["message"]),
        scopes.join(" "),
        body["token_requests"]
    ))
}

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

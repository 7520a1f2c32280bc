//! `/`: what the demo is, and the session at a glance.

use leptos::prelude::*;

use crate::components::{use_auth, AuthLoading, Authenticated, SignInButton, Unauthenticated};

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
    }
}

//! The frame around every page: header, session state, errors.

use leptos::prelude::*;
use leptos_router::components::A;

use leptos_cognito_auth::components::{use_auth, AuthStatus, SignInButton, SignOutButton};

/// Header with navigation and the session, an error banner, then the page.
#[component]
pub fn Layout(
    /// Whether the demo runs on the embedded local Hosted UI.
    local_emulator: bool,
    /// The page.
    children: Children,
) -> impl IntoView {
    let auth = use_auth();
    let state_text = move || match auth.status.get() {
        AuthStatus::Loading => "loading",
        AuthStatus::SignedIn => "signed-in",
        AuthStatus::SignedOut => "signed-out",
    };
    view! {
        <header class="site-header">
            <a class="brand" href="/">"Cognito × Leptos"</a>
            <nav>
                <A href="/">"Home"</A>
                <A href="/protected">"Protected"</A>
                <A href="/admin">"Admin"</A>
                <A href="/account">"Account"</A>
            </nav>
            <div class="session">
                <span class=move || format!("pill {}", state_text()) data-testid="session-state">{state_text}</span>
                {move || auth.user.get().map(|u| view! { <span class="who" data-testid="username">{u.username}</span> })}
                {move || match auth.status.get() {
                    AuthStatus::SignedIn => view! { <SignOutButton/> }.into_any(),
                    AuthStatus::SignedOut => view! { <SignInButton/> }.into_any(),
                    AuthStatus::Loading => ().into_any(),
                }}
                {move || auth.last_event.get().map(|event| view! {
                    <span class="event" data-testid="last-event" title="The last session event">
                        {event.name()}
                        {event.from_other_tab().then_some(" (another tab)")}
                    </span>
                })}
            </div>
        </header>
        <ErrorBanner/>
        <main>{children()}</main>
        <footer>
            {if local_emulator {
                "Signing in through the embedded local Hosted UI (a development server; users alice and bob, password Passw0rd!)."
            } else {
                "Signing in through the configured Cognito Hosted UI."
            }}
        </footer>
    }
}

/// The kit's last error, in plain words with its code, and a retry for transient ones.
#[component]
fn ErrorBanner() -> impl IntoView {
    let auth = use_auth();
    move || {
        auth.error.get().map(|error| {
            let transient = error.is_transient();
            view! {
                <div class="banner error" role="alert" data-testid="auth-error">
                    <span>{leptos_cognito_auth::components::explain_error(&error)}</span>
                    " "
                    <code>{error.code()}</code>
                    {transient.then(|| view! {
                        <button type="button" data-testid="retry" on:click=move |_| auth.ensure_session()>"Retry"</button>
                    })}
                    <button type="button" class="dismiss" aria-label="Dismiss" on:click=move |_| auth.clear_error()>"×"</button>
                </div>
            }
        })
    }
}

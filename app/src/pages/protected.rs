//! `/protected`: the session's claims and scopes.

use leptos::prelude::*;

#[cfg(feature = "hydrate")]
use crate::server_fns::whoami;
use crate::server_fns::ServerError;
use leptos_cognito_auth::components::use_auth;

/// Shows who is signed in, the ID token's claims, the access token's scopes and a live
/// countdown to expiry.
#[component]
pub fn ProtectedPage() -> impl IntoView {
    let auth = use_auth();
    let now = RwSignal::new(0u64);
    #[cfg(feature = "hydrate")]
    {
        let tick = move || now.set((js_sys::Date::now() / 1000.0) as u64);
        // After hydration, so the first client render matches the server's HTML (in
        // cookie session mode the server renders this page signed in).
        Effect::new(move |_| tick());
        leptos::prelude::set_interval(tick, std::time::Duration::from_secs(1));
    }
    let user = auth.user;
    // Asked from the browser only (with the access token), once the page is hydrated:
    // the server renders "asking". A plain signal, not a resource: a resource read here
    // would hold up the route's `<Transition>` during server-side rendering.
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
            {move || user.get().map(|u| {
                let expires_at = u.expires_at;
                let groups = if u.groups.is_empty() { "none".to_owned() } else { u.groups.join(", ") };
                // Server sessions: the server keeps the tokens and their claims.
                let claims = if u.claims.is_empty() {
                    view! {
                        <p data-testid="claims-on-server">
                            "With server sessions they stay on the server, with the tokens; "
                            "the server's answer above comes from them."
                        </p>
                    }.into_any()
                } else {
                    view! { <pre class="claims" data-testid="claims">{claims_text(&u.claims)}</pre> }.into_any()
                };
                view! {
                    <dl class="facts">
                        <dt>"Username"</dt><dd>{u.username.clone()}</dd>
                        <dt>"E-mail"</dt><dd>{u.email.clone().unwrap_or_else(|| "not shared".into())}</dd>
                        <dt>"Groups"</dt><dd>{groups}</dd>
                        <dt>"Expires"</dt>
                        <dd>
                            <span data-testid="expires-in">
                                {move || {
                                    let left = expires_at.saturating_sub(now.get());
                                    if now.get() == 0 { "…".to_owned() } else { format!("in {}:{:02}", left / 60, left % 60) }
                                }}
                            </span>
                            " (at " {expires_at} ")"
                        </dd>
                    </dl>
                    <h2>"Access token scopes"</h2>
                    <ul class="scopes" data-testid="scopes">
                        {u.scopes.iter().map(|s| view! { <li><code>{s.clone()}</code></li> }).collect_view()}
                    </ul>
                    <h2>"ID token claims"</h2>
                    {claims}
                }
            })}
        </section>
    }
}

/// The claims as a JSON object, one claim per line, in the token's order. Written with the
/// compact serializer the browser build already holds for the session
/// (`serde_json::to_string_pretty` would add a second one).
fn claims_text(claims: &serde_json::Map<String, serde_json::Value>) -> String {
    let mut text = String::from("{");
    for (i, (name, value)) in claims.iter().enumerate() {
        text.push_str(if i == 0 { "\n  " } else { ",\n  " });
        text.push_str(&serde_json::to_string(name).unwrap_or_default());
        text.push_str(": ");
        text.push_str(&serde_json::to_string(value).unwrap_or_default());
    }
    text.push_str(if claims.is_empty() { "}" } else { "\n}" });
    text
}

#[cfg(test)]
mod tests {
    #[test]
    fn claims_read_like_pretty_json() {
        let claims = serde_json::json!({"sub": "1", "cognito:groups": ["admin"], "exp": 5});
        let text = super::claims_text(claims.as_object().unwrap());
        assert_eq!(
            text,
            "{\n  \"sub\": \"1\",\n  \"cognito:groups\": [\"admin\"],\n  \"exp\": 5\n}"
        );
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, claims);
        assert_eq!(super::claims_text(&serde_json::Map::new()), "{}");
    }
}

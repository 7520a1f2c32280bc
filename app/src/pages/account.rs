//! `/account`: the signed-in user's sessions (server-session mode), each with a button that
//! ends it, and "sign out everywhere". Rendered on the server: it works without JavaScript.

use leptos::prelude::*;

use crate::server_fns::{my_sessions, ServerError, SessionRow};
use leptos_cognito_auth::components::{use_auth, SignOutButton};

/// The account page.
#[component]
pub fn AccountPage() -> impl IntoView {
    let auth = use_auth();
    // Read while the server renders the page (the route renders whole: SsrMode::Async).
    let sessions = Resource::new(|| (), |_| my_sessions());
    let token = auth.anti_forgery_token();
    view! {
        <section class="card" data-testid="account-page">
            <h1>"Your sessions"</h1>
            {match token {
                None => view! {
                    <p data-testid="no-server-sessions">
                        "The browser keeps this session's tokens; the list of sessions and signing \
                         out everywhere are features of server sessions (COGNITO_STORAGE=server)."
                    </p>
                }
                .into_any(),
                Some(token) => view! {
                    <Suspense fallback=|| view! { <p class="checking">"Reading your sessions…"</p> }>
                        {move || {
                            let token = token.clone();
                            sessions.get().map(move |listed| match listed {
                                Ok(rows) => view! { <SessionTable rows token/> }.into_any(),
                                Err(error) => view! { <ServerError error/> }.into_any(),
                            })
                        }}
                    </Suspense>
                    <p>
                        <SignOutButton everywhere=true>"Sign out everywhere"</SignOutButton>
                    </p>
                }
                .into_any(),
            }}
        </section>
    }
}

/// The sessions, newest use first, each but this one with a button that ends it.
#[component]
fn SessionTable(rows: Vec<SessionRow>, token: String) -> impl IntoView {
    let rows = rows
        .into_iter()
        .map(|row| {
            let revoke = (!row.current).then(|| {
                let token = token.clone();
                view! {
                    <form method="post" action="/auth/sessions/revoke" style="display:inline">
                        <input type="hidden" name="csrf_token" value=token/>
                        <input type="hidden" name="id" value=row.id.clone()/>
                        <input type="hidden" name="return_to" value="/account"/>
                        <button type="submit" data-testid="revoke">"Sign it out"</button>
                    </form>
                }
            });
            view! {
                <tr data-testid="session-row" data-current=row.current.to_string()>
                    <td data-testid="user-agent">{row.user_agent}</td>
                    <td>{row.created_at}</td>
                    <td>{row.last_seen_at}</td>
                    <td>{if row.current { "this browser" } else { "" }} {revoke}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table data-testid="sessions">
            <thead>
                <tr>
                    <th>"Browser"</th>
                    <th>"Signed in (Unix time)"</th>
                    <th>"Last used"</th>
                    <th></th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

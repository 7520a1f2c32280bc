//! `/admin`: only for the Cognito group `admin`.

use leptos::prelude::*;

#[cfg(feature = "hydrate")]
use crate::server_fns::admin_report;
use crate::server_fns::ServerError;
use leptos_cognito_auth::components::use_auth;

/// The admin page: its content for members of `admin`, a clear "not allowed" otherwise.
#[component]
pub fn AdminPage() -> impl IntoView {
    let auth = use_auth();
    let is_admin = auth.in_group("admin");
    // The page's data comes from a server function that checks the group itself: the
    // client-side gate above is only for the looks.
    // Asked once hydrated, like `/protected`'s `whoami`.
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
            when=move || is_admin() == Some(true)
            fallback=move || view! {
                <section class="card forbidden" data-testid="forbidden">
                    <h1>"Not allowed"</h1>
                    <p>
                        "You are signed in as "
                        <strong>{move || auth.user.get().map(|u| u.username).unwrap_or_default()}</strong>
                        ", but this page is only for members of the Cognito group "
                        <code>"admin"</code> "."
                    </p>
                    {report_view}
                </section>
            }
        >
            <section class="card" data-testid="admin-page">
                <h1>"Admin"</h1>
                <p>"You are in the " <code>"admin"</code> " group, so you can see this page."</p>
                <h2>"Report from the server"</h2>
                {report_view}
            </section>
        </Show>
    }
}

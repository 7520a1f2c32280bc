//! `/admin`: only for the Cognito group `admin`.

use leptos::prelude::*;

use crate::components::use_auth;

/// The admin page: its content for members of `admin`, a clear "not allowed" otherwise.
#[component]
pub fn AdminPage() -> impl IntoView {
    let auth = use_auth();
    let is_admin = auth.in_group("admin");
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
                </section>
            }
        >
            <section class="card" data-testid="admin-page">
                <h1>"Admin"</h1>
                <p>"You are in the " <code>"admin"</code> " group, so you can see this page."</p>
            </section>
        </Show>
    }
}

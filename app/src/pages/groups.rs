//! `/admin/groups`: a route guarded by a Cognito group on its own (`in_group`), the shape of
//! a page that signed-out users and non-members never see.

use leptos::prelude::*;

use leptos_cognito_auth::components::use_auth;

/// The signed-in admin's Cognito groups. The route's own condition
/// (`use_auth().in_group("admin")`) lets only members of `admin` in; anyone else is sent to
/// `/admin`, which signs a visitor in or tells a non-member why not.
#[component]
pub fn GroupsPage() -> impl IntoView {
    let auth = use_auth();
    let groups = move || {
        auth.user
            .get()
            .map(|u| u.groups.join(", "))
            .unwrap_or_default()
    };
    view! {
        <section class="card" data-testid="groups-page">
            <h1>"Your groups"</h1>
            <p>
                "This route is guarded by " <code>"in_group(\"admin\")"</code>
                " alone. You are in: " <strong data-testid="groups">{groups}</strong>
            </p>
        </section>
    }
}

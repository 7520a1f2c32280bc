//! `<Authenticated>`.

use leptos::prelude::*;

use super::use_auth;

/// Renders its children only while the user is signed in.
///
/// ```
/// use leptos::prelude::*;
/// use leptos_cognito_auth::components::Authenticated;
///
/// #[component]
/// fn Panel() -> impl IntoView {
///     view! { <Authenticated>"shown only then"</Authenticated> }
/// }
/// ```
#[component]
pub fn Authenticated(
    /// What to render.
    children: ChildrenFn,
    /// What to render otherwise (default: nothing).
    #[prop(optional, into)]
    fallback: ViewFn,
) -> impl IntoView {
    let auth = use_auth();
    view! {
        <Show when=move || auth.is_authenticated.get() == Some(true) fallback=fallback>
            {children()}
        </Show>
    }
}

//! `<AuthLoading>`.

use leptos::prelude::*;

use super::gate::gate;

/// Renders its children only while the user is not known yet (before hydration has read storage, or during a refresh).
///
/// ```
/// use leptos::prelude::*;
/// use leptos_cognito_auth::components::AuthLoading;
///
/// #[component]
/// fn Panel() -> impl IntoView {
///     view! { <AuthLoading>"shown only then"</AuthLoading> }
/// }
/// ```
#[component]
pub fn AuthLoading(
    /// What to render.
    children: ChildrenFn,
    /// What to render otherwise (default: nothing).
    #[prop(optional, into)]
    fallback: ViewFn,
) -> impl IntoView {
    gate(|known| known.is_none(), children, fallback)
}

//! `<Unauthenticated>`.

use leptos::prelude::*;

use super::gate::gate;

/// Renders its children only while the user is known to be signed out.
///
/// ```
/// use leptos::prelude::*;
/// use leptos_cognito_auth::components::Unauthenticated;
///
/// #[component]
/// fn Panel() -> impl IntoView {
///     view! { <Unauthenticated>"shown only then"</Unauthenticated> }
/// }
/// ```
#[component]
pub fn Unauthenticated(
    /// What to render.
    children: ChildrenFn,
    /// What to render otherwise (default: nothing).
    #[prop(optional, into)]
    fallback: ViewFn,
) -> impl IntoView {
    gate(|known| known == Some(false), children, fallback)
}

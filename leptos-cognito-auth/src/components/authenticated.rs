//! `<Authenticated>`.

use leptos::prelude::*;

use super::gate::gate;

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
    gate(|known| known == Some(true), children, fallback)
}

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
///
/// Its children are a `ChildrenFn`: they render again each time the state comes back, so
/// everything inside must be callable more than once. A handler that moves a captured value
/// out (an `FnOnce`) fails to compile with E0525 ("expected a closure that implements the
/// `Fn` trait"); capture `Copy` values, such as [`use_auth`](super::use_auth)'s handle, or
/// clone inside the handler:
///
/// ```
/// use leptos::prelude::*;
/// use leptos_cognito_auth::components::{use_auth, AuthLoading};
///
/// #[component]
/// fn Panel() -> impl IntoView {
///     let auth = use_auth(); // `Copy`: every render gets its own copy
///     let label = String::from("Sign out");
///     view! {
///         <AuthLoading>
///             // `label.clone()` inside: the closure can run again.
///             <button on:click=move |_| auth.sign_out()>{label.clone()}</button>
///         </AuthLoading>
///     }
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

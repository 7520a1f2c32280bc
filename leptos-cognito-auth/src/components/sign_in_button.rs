//! `<SignInButton/>`.

use leptos::prelude::*;

use super::auth_button::auth_button;
use super::UseAuth;

/// A button that starts sign-in at the Hosted UI. Its text defaults to "Sign in"; it is
/// disabled while auth work is in flight.
///
/// ```
/// use leptos::prelude::*;
/// use leptos_cognito_auth::components::SignInButton;
///
/// #[component]
/// fn Header() -> impl IntoView {
///     view! {
///         <SignInButton/>
///         <SignInButton class="primary" return_to="/orders".to_owned()>"Sign in to see your orders"</SignInButton>
///     }
/// }
/// ```
#[component]
pub fn SignInButton(
    /// CSS class (default `cognito-sign-in`).
    #[prop(optional, into)]
    class: Option<String>,
    /// Where to return after sign-in (a same-origin path; default: the current page, the
    /// one the user is on when they click, which with server sessions the server reads
    /// from the browser's `Referer`).
    #[prop(optional)]
    return_to: Option<String>,
    /// The button's content (default "Sign in").
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    auth_button(
        class,
        "cognito-sign-in",
        children,
        "Sign in",
        UseAuth::sign_in_or_to,
        return_to,
        true,
    )
}

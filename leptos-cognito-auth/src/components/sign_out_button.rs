//! `<SignOutButton/>`.

use leptos::prelude::*;

use super::auth_button::auth_button;

/// A button that signs out (revokes the refresh token, clears storage, ends the Hosted UI
/// session). Its text defaults to "Sign out"; it is disabled while auth work is in flight.
///
/// ```
/// use leptos::prelude::*;
/// use leptos_cognito_auth::components::SignOutButton;
///
/// #[component]
/// fn Header() -> impl IntoView {
///     view! { <SignOutButton class="link"/> }
/// }
/// ```
#[component]
pub fn SignOutButton(
    /// CSS class (default `cognito-sign-out`).
    #[prop(optional, into)]
    class: Option<String>,
    /// The button's content (default "Sign out").
    #[prop(optional)]
    children: Option<Children>,
    /// Sign out everywhere (server sessions: every session of the user ends; see
    /// [`UseAuth::sign_out_everywhere`](super::UseAuth::sign_out_everywhere)). The form
    /// then carries `everywhere=true`, so it works without JavaScript too.
    #[prop(optional)]
    everywhere: bool,
) -> impl IntoView {
    auth_button(
        class,
        "cognito-sign-out",
        children,
        "Sign out",
        |auth, everywhere| auth.sign_out_or_everywhere(everywhere),
        everywhere.then(|| "true".to_owned()),
        false,
    )
}

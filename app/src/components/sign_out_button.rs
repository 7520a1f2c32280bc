//! `<SignOutButton/>`.

use leptos::prelude::*;

use super::use_auth;

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
) -> impl IntoView {
    let auth = use_auth();
    view! {
        <button
            type="button"
            class=class.unwrap_or_else(|| "cognito-sign-out".to_owned())
            disabled=move || auth.is_busy.get()
            on:click=move |_| auth.sign_out()
        >
            {children.map(|c| c().into_any()).unwrap_or_else(|| "Sign out".into_any())}
        </button>
    }
}

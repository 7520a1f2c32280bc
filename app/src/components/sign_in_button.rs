//! `<SignInButton/>`.

use leptos::prelude::*;

use super::use_auth;

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
    /// Where to return after sign-in (a same-origin path; default: the current page).
    #[prop(optional)]
    return_to: Option<String>,
    /// The button's content (default "Sign in").
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    let auth = use_auth();
    view! {
        <button
            type="button"
            class=class.unwrap_or_else(|| "cognito-sign-in".to_owned())
            disabled=move || auth.is_busy.get()
            on:click=move |_| auth.sign_in(return_to.clone())
        >
            {children.map(|c| c().into_any()).unwrap_or_else(|| "Sign in".into_any())}
        </button>
    }
}

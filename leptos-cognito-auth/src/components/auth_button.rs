//! The one view behind `<SignInButton/>` and `<SignOutButton/>`.

use leptos::prelude::*;

use super::{use_auth, UseAuth};
#[cfg(any(feature = "ssr", feature = "hydrate-server-session"))]
use crate::protocol::CSRF_FIELD;

/// A button, disabled while auth work is in flight, that calls `act(auth, arg)` on click.
/// Both public buttons use it with a plain function pointer, so the browser build holds
/// one copy of this view's code instead of two.
///
/// In server-session mode it renders what works without JavaScript: a link to the server's
/// sign-in route (`sign_in`, returning to `arg` or the current page), or the sign-out form
/// that posts the session's anti-forgery token.
pub(super) fn auth_button(
    class: Option<String>,
    default_class: &'static str,
    children: Option<Children>,
    default_label: &'static str,
    act: fn(&UseAuth, Option<String>),
    arg: Option<String>,
    #[cfg_attr(
        not(any(feature = "ssr", feature = "hydrate-server-session")),
        allow(unused_variables)
    )]
    sign_in: bool,
) -> impl IntoView {
    let auth = use_auth();
    let class = class.unwrap_or_else(|| default_class.to_owned());
    let content = children
        .map(|c| c())
        .unwrap_or_else(|| default_label.into_any());
    #[cfg(any(feature = "ssr", feature = "hydrate-server-session"))]
    if auth.state.is_server_mode() {
        return if sign_in {
            let href = auth
                .state
                .sign_in_href(&arg.unwrap_or_else(super::server_mode::current_path));
            // `rel="external"`: a full navigation to the server's route, not one the
            // router handles in the page.
            view! { <a class=class href=href rel="external">{content}</a> }.into_any()
        } else {
            let (action, token) = auth.state.sign_out_form();
            view! {
                <form class="cognito-sign-out-form" method="post" action=action>
                    <input type="hidden" name=CSRF_FIELD value=token/>
                    <button type="submit" class=class>{content}</button>
                </form>
            }
            .into_any()
        };
    }
    view! {
        <button
            type="button"
            class=class
            disabled=move || auth.is_busy.get()
            on:click=move |_| act(&auth, arg.clone())
        >
            {content}
        </button>
    }
    .into_any()
}

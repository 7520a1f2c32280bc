//! The one view behind `<SignInButton/>` and `<SignOutButton/>`.

use leptos::prelude::*;

use super::{use_auth, UseAuth};
#[cfg(any(feature = "ssr", feature = "hydrate-server-session"))]
use crate::protocol::CSRF_FIELD;

/// A button, disabled while auth work is in flight, that calls `act(auth, arg)` on click.
/// Both public buttons use it with a plain function pointer, so the browser build holds
/// one copy of this view's code instead of two.
///
/// In server-session mode it is a form that works without JavaScript, the same shape for
/// both buttons (one copy of the view's code in the wasm): a `GET` to the server's sign-in
/// route with the return path (`sign_in`: `arg`, else the current page), or a `POST` to
/// its sign-out route with the session's anti-forgery token.
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
        return server_form(&auth, class, content, arg, sign_in);
    }
    #[cfg(any(
        feature = "ssr",
        feature = "hydrate",
        not(feature = "hydrate-server-session")
    ))]
    {
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
    // A browser build with only the server-session side has no browser client, so the
    // browser-storage modes cannot work in it: the provider says so in `use_auth().error`,
    // and the buttons keep the server-session shape (no second view in the wasm).
    #[cfg(all(
        feature = "hydrate-server-session",
        not(any(feature = "ssr", feature = "hydrate"))
    ))]
    {
        let _ = act;
        server_form(&auth, class, content, arg, sign_in)
    }
}

/// The server-session button: a form around a submit button.
#[cfg(any(feature = "ssr", feature = "hydrate-server-session"))]
fn server_form(
    auth: &UseAuth,
    class: String,
    content: AnyView,
    arg: Option<String>,
    sign_in: bool,
) -> AnyView {
    // A sign-out's `arg` asks for everywhere: one more field.
    let everywhere = (!sign_in && arg.is_some()).then(|| {
        view! { <input type="hidden" name="everywhere" value="true"/> }
    });
    let (form_class, method, action, field, value) = if sign_in {
        let return_to = arg.unwrap_or_else(super::server_mode::current_path);
        let action = auth.state.sign_in_path();
        (
            "cognito-sign-in-form",
            "get",
            action,
            "return_to",
            return_to,
        )
    } else {
        let (action, token) = auth.state.sign_out_form();
        ("cognito-sign-out-form", "post", action, CSRF_FIELD, token)
    };
    // Inline, so that a button takes the same place in the line in both modes (a form is a
    // block box by default).
    view! {
        <form class=form_class method=method action=action style="display:inline">
            <input type="hidden" name=field value=value/>
            {everywhere}
            <button type="submit" class=class>{content}</button>
        </form>
    }
    .into_any()
}

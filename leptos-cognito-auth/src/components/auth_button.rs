//! The one view behind `<SignInButton/>` and `<SignOutButton/>`.

use leptos::prelude::*;

use super::{use_auth, UseAuth};

/// A button, disabled while auth work is in flight, that calls `act(auth, arg)` on click.
/// Both public buttons use it with a plain function pointer, so the browser build holds
/// one copy of this view's code instead of two.
pub(super) fn auth_button(
    class: Option<String>,
    default_class: &'static str,
    children: Option<Children>,
    default_label: &'static str,
    act: fn(&UseAuth, Option<String>),
    arg: Option<String>,
) -> impl IntoView {
    let auth = use_auth();
    view! {
        <button
            type="button"
            class=class.unwrap_or_else(|| default_class.to_owned())
            disabled=move || auth.is_busy.get()
            on:click=move |_| act(&auth, arg.clone())
        >
            {children.map(|c| c()).unwrap_or_else(|| default_label.into_any())}
        </button>
    }
}

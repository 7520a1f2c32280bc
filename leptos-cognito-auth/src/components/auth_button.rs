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
/// route with the return path (`sign_in`: `arg`, else none, and the server comes back to
/// the page the form is on), or a `POST` to its sign-out route with the session's
/// anti-forgery token.
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
    let (form_class, method, action, field, value, extra) = if sign_in {
        // Without a return path of its own, the form sends none (a field without a name is
        // not sent): the server's sign-in route comes back to the page the browser names
        // in `Referer`, the one the user is on when they click. A path written here when
        // the button renders would go stale: a client-side navigation keeps the button.
        let field = if arg.is_some() { "return_to" } else { "" };
        let action = auth.state.sign_in_path();
        (
            "cognito-sign-in-form",
            "get",
            action,
            field,
            arg.unwrap_or_default(),
            "",
        )
    } else {
        let (action, token) = auth.state.sign_out_form();
        // A sign-out's `arg` asks for everywhere: one more field.
        let everywhere = if arg.is_some() { "everywhere" } else { "" };
        (
            "cognito-sign-out-form",
            "post",
            action,
            CSRF_FIELD,
            token,
            everywhere,
        )
    };
    // Inline, so that a button takes the same place in the line in both modes (a form is a
    // block box by default). A sign-out everywhere's `everywhere=true` is the submit
    // button's own name and value, which the form sends with the button that submits it;
    // without a name the button sends nothing. Attributes of the button rather than an
    // optional hidden field: 0.9 KiB gzip less in the browser build.
    view! {
        <form class=form_class method=method action=action style="display:inline">
            <input type="hidden" name=field value=value/>
            <button type="submit" class=class name=extra value="true">{content}</button>
        </form>
    }
    .into_any()
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use leptos::prelude::*;

    use super::super::state::AuthState;
    use super::super::{SignInButton, SignOutButton};
    use crate::protocol::ServerSessionView;

    /// `view` rendered on the server inside a server-session provider's state.
    fn render(view: fn() -> AnyView) -> String {
        let owner = Owner::new();
        owner.with(|| {
            let state = AuthState::new(None);
            state.server_view.set_value(Some(ServerSessionView {
                csrf_token: Some("token-1".into()),
                sign_in_path: "/auth/sign-in".into(),
                sign_out_path: "/auth/sign-out".into(),
                ..ServerSessionView::default()
            }));
            provide_context(state);
            view().to_html()
        })
    }

    /// The forms work without JavaScript: a sign-out everywhere sends `everywhere=true` as
    /// its submit button's name and value; the other buttons have no name, so they send
    /// nothing but the form's one field.
    #[test]
    fn server_session_forms_carry_their_fields() {
        let everywhere = render(|| view! { <SignOutButton everywhere=true/> }.into_any());
        assert!(
            everywhere.contains(r#"<form method="post" action="/auth/sign-out""#),
            "{everywhere}"
        );
        assert!(
            everywhere.contains(r#"<input type="hidden" name="csrf_token" value="token-1">"#),
            "{everywhere}"
        );
        assert!(
            everywhere.contains(r#"<button type="submit" name="everywhere" value="true""#),
            "{everywhere}"
        );
        let sign_out = render(|| view! { <SignOutButton/> }.into_any());
        assert!(
            sign_out.contains(r#"<button type="submit" name="" value="true""#),
            "{sign_out}"
        );
        assert!(!sign_out.contains("everywhere"), "{sign_out}");
        let sign_in =
            render(|| view! { <SignInButton return_to="/account".to_owned()/> }.into_any());
        assert!(
            sign_in.contains(r#"<form method="get" action="/auth/sign-in""#),
            "{sign_in}"
        );
        assert!(
            sign_in.contains(r#"<input type="hidden" name="return_to" value="/account">"#),
            "{sign_in}"
        );
        assert!(
            sign_in.contains(r#"<button type="submit" name="" value="true""#),
            "{sign_in}"
        );
        // Without a return path of its own, the form sends no field at all: the server
        // comes back to the page the browser names in `Referer`.
        let here = render(|| view! { <SignInButton/> }.into_any());
        assert!(
            here.contains(r#"<input type="hidden" name="" value="">"#),
            "{here}"
        );
        assert!(!here.contains("return_to"), "{here}");
    }
}

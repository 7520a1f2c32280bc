//! The one view behind `<Authenticated>`, `<Unauthenticated>` and `<AuthLoading>`.

use leptos::prelude::*;

use super::use_auth;

/// Renders `children` while `test(is_authenticated)` holds, `fallback` otherwise. The three
/// public components differ only in `test`, a plain function pointer, so the browser build
/// holds one copy of this view's code instead of three.
pub(super) fn gate(
    test: fn(Option<bool>) -> bool,
    children: ChildrenFn,
    fallback: ViewFn,
) -> impl IntoView {
    let auth = use_auth();
    view! {
        <Show when=move || test(auth.is_authenticated.get()) fallback=fallback>
            {children()}
        </Show>
    }
}

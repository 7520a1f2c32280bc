//! `<AuthCallback/>`: the sign-in callback route.

use leptos::prelude::*;

use super::state::AuthState;
use super::{explain_error, SignInButton};
use crate::protocol::AuthError;

/// The callback route's view: completes the sign-in from the URL (code or implicit
/// response), stores the session, replaces the history entry so that no code or token
/// stays in the address bar or the history, and navigates to the path saved when the
/// sign-in started (a same-origin path; anything else goes to `/`).
///
/// A failure (a Cognito error such as `access_denied`, a forged or replayed response, an
/// unreachable token endpoint) is shown in plain words with its code, in an element with
/// `data-testid="auth-error"`, with a button to sign in again.
///
/// The `login_required` answer to a silent sign-in (`use_auth().try_silent_sign_in()`) is
/// not a failure: nothing is shown, the session stays as it was (signed out), and the page
/// goes back to where the sign-in started.
///
/// ```
/// use leptos::prelude::*;
/// use leptos_router::{components::{Route, Router, Routes}, path};
/// use leptos_cognito_auth::components::AuthCallback;
///
/// #[component]
/// fn AppRoutes() -> impl IntoView {
///     view! {
///         <Router>
///             <Routes fallback=|| "Not found">
///                 <Route path=path!("/callback") view=AuthCallback/>
///             </Routes>
///         </Router>
///     }
/// }
/// ```
#[component]
pub fn AuthCallback() -> impl IntoView {
    let state = use_context::<AuthState>()
        .expect("<AuthCallback/> must be rendered inside <AuthProvider config=...>");
    let failure = RwSignal::new(None::<AuthError>);
    #[cfg(not(feature = "hydrate"))]
    let _ = state;

    #[cfg(feature = "hydrate")]
    {
        let navigate = leptos_router::hooks::use_navigate();
        Effect::new(move |ran: Option<()>| {
            if ran.is_some() {
                return;
            }
            let navigate = navigate.clone();
            leptos::task::spawn_local(async move {
                match state.complete_sign_in().await {
                    Ok(return_to) => navigate(
                        &return_to,
                        leptos_router::NavigateOptions {
                            replace: true,
                            ..Default::default()
                        },
                    ),
                    Err(e) => failure.set(Some(e)),
                }
            });
        });
    }

    view! {
        <section class="cognito-callback">
            {move || match failure.get() {
                None => view! { <p class="cognito-callback-working">"Signing you in…"</p> }.into_any(),
                Some(error) => view! {
                    <div class="cognito-auth-error" role="alert" data-testid="auth-error">
                        <p><strong>"Sign-in did not complete."</strong></p>
                        <p>{explain_error(&error)}</p>
                        <p class="cognito-error-code">"Error code: " <code>{error.code()}</code></p>
                    </div>
                    <SignInButton return_to="/".to_owned()>"Sign in again"</SignInButton>
                }.into_any(),
            }}
        </section>
    }
}

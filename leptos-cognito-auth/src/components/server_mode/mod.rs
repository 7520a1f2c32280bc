//! The components' side of server sessions ([`StorageKind::Server`]): the page holds no
//! token, only what the server rendered of the session ([`ServerSessionView`]). Signing
//! in and out are plain navigations to the server's routes (forms, so they work without
//! JavaScript too), and the view is asked again from the server's session route
//! when the page needs to know (a protected route, the tab shown again).
//!
//! [`StorageKind::Server`]: crate::protocol::StorageKind::Server

#[cfg(any(feature = "ssr", feature = "hydrate-server-session"))]
mod wire;

use leptos::prelude::*;

use super::events::AuthEvent;
use super::state::AuthState;
use crate::protocol::{AuthError, AuthStatus, AuthUser, ServerSessionView};

impl AuthState {
    /// Whether the provider runs in server-session mode.
    pub(crate) fn is_server_mode(&self) -> bool {
        self.server_view.with_value(Option::is_some)
    }

    /// Publishes what the server says of the session. Signals change only when what they
    /// hold does, so a route condition that asks the server again is not woken by its own
    /// answer.
    #[cfg_attr(
        not(any(feature = "ssr", feature = "hydrate-server-session")),
        allow(dead_code)
    )]
    pub(crate) fn apply_view(&self, mut view: ServerSessionView) {
        // The signals take the user and the error; the stored view keeps the routes and
        // the anti-forgery token.
        let user = view.user.take();
        let code = view.error.take();
        // What the page showed before (not for the first view: reading the session when the
        // page loads is not an event).
        let first = self.status.get_untracked() == AuthStatus::Loading;
        let after = user.as_ref().map(|u| u.expires_at);
        // Each signal is read and written under one lock (`maybe_update`), and notifies
        // only when what it holds changes. The server sends an error's code: compared as
        // codes.
        self.error.maybe_update(|error| {
            let changed = error.as_ref().map(AuthError::code) != code.as_deref();
            if changed {
                *error = code.as_deref().map(AuthError::from_code);
            }
            changed
        });
        let mut before = None;
        self.user.maybe_update(|shown| {
            before = Some(shown.as_ref().map(|u| u.expires_at));
            let changed = !same_user(shown.as_ref(), user.as_ref());
            if changed {
                *shown = user;
            }
            changed
        });
        let before = before.filter(|_| !first);
        let status = if after.is_some() {
            AuthStatus::SignedIn
        } else {
            AuthStatus::SignedOut
        };
        self.set_status(status);
        if let Some(before) = before {
            for event in server_events(before, after, code.as_deref())
                .into_iter()
                .flatten()
            {
                self.emit(event);
            }
        }
        #[cfg(feature = "hydrate-server-session")]
        if let Some(token) = &view.csrf_token {
            browser::renew_forms(token);
        }
        self.server_view.set_value(Some(view));
    }

    /// The sign-in route.
    #[cfg_attr(
        not(any(feature = "ssr", feature = "hydrate-server-session")),
        allow(dead_code)
    )]
    pub(crate) fn sign_in_path(&self) -> String {
        self.server_view
            .with_value(|v| v.as_ref().map(|v| v.sign_in_path.clone()))
            .unwrap_or_default()
    }

    /// The sign-out route and the session's anti-forgery token.
    #[cfg_attr(
        not(any(feature = "ssr", feature = "hydrate-server-session")),
        allow(dead_code)
    )]
    pub(crate) fn sign_out_form(&self) -> (String, String) {
        self.server_view.with_value(|v| {
            v.as_ref()
                .map(|v| {
                    (
                        v.sign_out_path.clone(),
                        v.csrf_token.clone().unwrap_or_default(),
                    )
                })
                .unwrap_or_default()
        })
    }

    /// The session's anti-forgery token, for the `x-csrf-token` header of calls.
    #[cfg(feature = "hydrate-server-session")]
    pub(crate) fn csrf_token(&self) -> Option<String> {
        self.server_view
            .with_value(|v| v.as_ref().and_then(|v| v.csrf_token.clone()))
    }
}

/// The events a new view of the session means, given the expiry of the user shown before
/// and now (`None`: signed out) and the code of the error the server reports: the server
/// refreshed (a new expiry), the session ended with an error (a refused refresh token), or
/// it was signed in or out elsewhere (another tab, another device).
fn server_events(
    before: Option<u64>,
    after: Option<u64>,
    error: Option<&str>,
) -> [Option<AuthEvent>; 2] {
    // A sign-in or sign-out the page did not make came from another tab or device.
    match (before, after, error) {
        (Some(_), None, Some(error)) => [
            Some(AuthEvent::RefreshFailed {
                error: AuthError::from_code(error),
            }),
            Some(AuthEvent::SessionExpired {
                from_other_tab: false,
            }),
        ],
        (Some(_), None, None) => [
            Some(AuthEvent::SignedOut {
                from_other_tab: true,
            }),
            None,
        ],
        (None, Some(_), _) => [
            Some(AuthEvent::SignedIn {
                from_other_tab: true,
            }),
            None,
        ],
        (Some(a), Some(b), _) if a != b => [
            Some(AuthEvent::Refreshed {
                from_other_tab: false,
            }),
            None,
        ],
        _ => [None, None],
    }
}

/// Whether two views show the same user. The views carry no claims (the server keeps
/// them), so every other field is compared, and `AuthUser`'s `PartialEq`, which compares
/// claims as JSON values, stays out of the wasm (1.2 KiB gzip).
fn same_user(a: Option<&AuthUser>, b: Option<&AuthUser>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => {
            a.username == b.username
                && a.expires_at == b.expires_at
                && a.sub == b.sub
                && a.email == b.email
                && a.email_verified == b.email_verified
                && a.groups == b.groups
                && a.scopes == b.scopes
        }
        _ => false,
    }
}

/// The server's view of the session when the page is rendered: what the server-session
/// layer left in the request (on the server), carried to the browser for hydration.
#[cfg(any(feature = "ssr", feature = "hydrate-server-session"))]
pub(crate) fn rendered_view() -> ServerSessionView {
    // Carried as the JSON the session route answers, read in the browser by `JSON.parse`
    // (see `wire`).
    let view = SharedValue::new_str(|| {
        #[cfg(feature = "ssr")]
        let view = {
            use_context::<axum::http::request::Parts>()
                .and_then(|parts| {
                    parts
                        .extensions
                        .get::<crate::ssr::InitialAuth>()
                        .and_then(|initial| match initial {
                            crate::ssr::InitialAuth::Server(view) => Some((**view).clone()),
                            _ => None,
                        })
                })
                // Without the layer: signed out, with the default routes.
                .unwrap_or_default()
        };
        #[cfg(not(feature = "ssr"))]
        let view = ServerSessionView::default();
        wire::WireView(view)
    });
    view.into_inner().0
}

#[cfg(feature = "hydrate-server-session")]
mod browser {
    use leptos::prelude::*;
    use wasm_bindgen::JsCast;

    use super::*;

    /// The page's path with its query: where a sign-in started from code returns to by
    /// default.
    fn current_path() -> String {
        let location = window().location();
        let path = location.pathname().unwrap_or_else(|_| "/".into());
        let query = location.search().unwrap_or_default();
        format!("{path}{query}")
    }

    impl AuthState {
        /// The sign-in route's URL returning to `return_to` (a same-origin path).
        pub(crate) fn sign_in_href(&self, return_to: &str) -> String {
            format!(
                "{}?return_to={}",
                self.sign_in_path(),
                crate::protocol::encoding::encode(return_to)
            )
        }

        /// Goes to the server's sign-in route.
        pub(crate) fn server_sign_in(&self, return_to: Option<String>) {
            self.go_to_sign_in(self.sign_in_href(&return_to.unwrap_or_else(current_path)));
        }

        /// Goes to the server's sign-in route with the managed-login parameters of
        /// `options` in the query (the server takes those it allows; see
        /// `ServerSessionBuilder::sign_in_parameters`). Values that break their rule stop
        /// here, with the error, before the page leaves.
        pub(crate) fn server_sign_in_with(&self, options: &crate::protocol::SignInOptions) {
            if let Err(e) = options.check() {
                return self.error.set(Some(AuthError::Config(e)));
            }
            let return_to = options
                .return_path()
                .map_or_else(current_path, str::to_owned);
            let mut target = self.sign_in_href(&return_to);
            for (parameter, value) in options.parameters() {
                target.push('&');
                target.push_str(parameter.name());
                target.push('=');
                target.push_str(&crate::protocol::encoding::encode(&value));
            }
            self.go_to_sign_in(target);
        }

        fn go_to_sign_in(&self, target: String) {
            self.busy.set(true);
            if let Err(e) = window().location().assign(&target) {
                self.busy.set(false);
                self.error
                    .set(Some(AuthError::Navigation(format!("{e:?}"))));
            }
        }

        /// Posts the sign-out form (what `<SignOutButton/>` renders), from code; with
        /// `everywhere`, the form's `everywhere=true` (every session of the user ends).
        pub(crate) fn server_sign_out(&self, everywhere: bool) {
            let (action, token) = self.sign_out_form();
            let posted = (|| -> Result<(), wasm_bindgen::JsValue> {
                let document = document();
                let form: web_sys::HtmlFormElement =
                    document.create_element("form")?.unchecked_into();
                form.set_method("post");
                form.set_action(&action);
                let field: web_sys::HtmlInputElement =
                    document.create_element("input")?.unchecked_into();
                field.set_type("hidden");
                field.set_name(crate::protocol::CSRF_FIELD);
                field.set_value(&token);
                form.append_child(&field)?;
                if everywhere {
                    let field: web_sys::HtmlInputElement =
                        document.create_element("input")?.unchecked_into();
                    field.set_type("hidden");
                    field.set_name("everywhere");
                    field.set_value("true");
                    form.append_child(&field)?;
                }
                document
                    .body()
                    .ok_or_else(|| wasm_bindgen::JsValue::from_str("the page has no body"))?
                    .append_child(&form)?;
                form.submit()
            })();
            match posted {
                Ok(()) => self.busy.set(true),
                Err(e) => self
                    .error
                    .set(Some(AuthError::Navigation(format!("{e:?}")))),
            }
        }

        /// Asks the server's session route for the view and publishes it; then, when
        /// `sign_in_if_out`, signs in if it says signed out.
        pub(crate) fn server_reload(&self, sign_in_if_out: bool) {
            if self.in_flight.get_value() {
                return;
            }
            self.in_flight.set_value(true);
            let url = self
                .server_view
                .with_value(|v| v.as_ref().map(|v| v.session_path.clone()))
                .unwrap_or_default();
            let state = *self;
            leptos::task::spawn_local(async move {
                let view = fetch_view(&url).await;
                // Disposed (`Some`) when the provider unmounted meanwhile (the app left the
                // part of the page that held it): its values are gone, nothing to publish
                // (reading one would panic, which stops a wasm app).
                if state.in_flight.try_set_value(false).is_some() {
                    return;
                }
                match view {
                    Ok(view) => {
                        let signed_in = view.user.is_some();
                        state.apply_view(view);
                        if sign_in_if_out
                            && !signed_in
                            && state.error.with_untracked(Option::is_none)
                        {
                            state.server_sign_in(None);
                        }
                    }
                    Err(e) => state.error.set(Some(e)),
                }
            });
        }
    }

    /// Writes the session's anti-forgery token into every field named
    /// [`CSRF_FIELD`](crate::protocol::CSRF_FIELD) on the page: `<SignOutButton/>`'s forms
    /// and the app's own. The session can change under a form that stays on the page:
    /// signed out and in again in another tab (as another user, say), the user is still
    /// signed in here, so nothing renders the form again, and it would post the old
    /// session's token, which the server refuses. The forms hold their token in a plain
    /// attribute: a reactive one would cost about 1 KiB of wasm.
    pub(super) fn renew_forms(token: &str) {
        use super::wire::browser::{field, item};
        // `document.forms[i][name]`, read through the session view's getter: about 100 B
        // gzip less than the DOM's own methods (`getElementsByName` and the `NodeList`'s),
        // as `scripts/size-report.sh --budget` measured them.
        let forms = field(&document(), "forms");
        let mut i = 0u32;
        loop {
            let form = item(&forms, &i.into());
            if form.is_undefined() {
                break;
            }
            // A hidden field's value is its `value` attribute. (A form without the field
            // answers `undefined`, whose `setAttribute` throws: an `Err`, ignored.)
            let _ = field(&form, crate::protocol::CSRF_FIELD)
                .unchecked_into::<web_sys::Element>()
                .set_attribute("value", token);
            i += 1;
        }
    }

    /// `GET url` (same origin, with the session cookie) as a [`ServerSessionView`].
    async fn fetch_view(url: &str) -> Result<ServerSessionView, AuthError> {
        let network = |e: wasm_bindgen::JsValue| {
            AuthError::Transport(crate::protocol::TransportError::network(format!("{e:?}")))
        };
        let invalid = |reason: String| AuthError::InvalidResponse {
            endpoint: "session",
            reason,
        };
        let response = wasm_bindgen_futures::JsFuture::from(window().fetch_with_str(url))
            .await
            .map_err(network)?;
        let response: web_sys::Response = response.unchecked_into();
        if !response.ok() {
            return Err(AuthError::Endpoint {
                endpoint: "session",
                status: response.status(),
            });
        }
        let json = wasm_bindgen_futures::JsFuture::from(response.json().map_err(network)?)
            .await
            .map_err(|_| invalid("the answer is not JSON".to_owned()))?;
        super::wire::browser::view_from_js(&json).map_err(invalid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_view_means_the_events_of_what_changed() {
        let refused = Some("invalid_grant");
        assert_eq!(server_events(None, None, None), [None, None]);
        assert_eq!(server_events(Some(100), Some(100), None), [None, None]);
        assert_eq!(
            server_events(Some(100), Some(400), None),
            [
                Some(AuthEvent::Refreshed {
                    from_other_tab: false
                }),
                None
            ]
        );
        assert_eq!(
            server_events(Some(100), None, refused),
            [
                Some(AuthEvent::RefreshFailed {
                    error: AuthError::from_code("invalid_grant")
                }),
                Some(AuthEvent::SessionExpired {
                    from_other_tab: false
                })
            ]
        );
        assert_eq!(
            server_events(Some(100), None, None),
            [
                Some(AuthEvent::SignedOut {
                    from_other_tab: true
                }),
                None
            ]
        );
        assert_eq!(
            server_events(None, Some(100), None),
            [
                Some(AuthEvent::SignedIn {
                    from_other_tab: true
                }),
                None
            ]
        );
    }
}

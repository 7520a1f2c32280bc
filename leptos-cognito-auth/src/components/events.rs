//! [`AuthEvent`]: what happened to the session, for apps that react to it (the
//! counterpart of Amplify's Hub events and oidc-client-ts's `UserManager` events).

use crate::protocol::AuthError;

/// A change of the session, delivered to `<AuthProvider on_event=...>` and published in
/// [`UseAuth::last_event`](super::UseAuth::last_event).
///
/// Changes made in another tab of the same app (a sign-in, a refresh, a sign-out) arrive
/// as the same events, with [`from_other_tab`](Self::from_other_tab) set. Reading the
/// cached session when the page loads is not an event.
///
/// With server sessions the page learns of changes when it asks the server again (a
/// protected route entered, the tab shown): `Refreshed` when the server refreshed, a
/// refused refresh token as `RefreshFailed` then `SessionExpired`, and a sign-in or
/// sign-out made in another tab or on another device with `from_other_tab` set.
///
/// ```
/// use leptos::prelude::*;
/// use leptos_cognito_auth::components::{AuthEvent, AuthProvider};
/// use leptos_cognito_auth::CognitoConfig;
///
/// #[component]
/// fn App(config: CognitoConfig) -> impl IntoView {
///     let on_event = Callback::new(|event: AuthEvent| match event {
///         AuthEvent::RefreshFailed { error, .. } => leptos::logging::warn!("refresh failed: {}", error.code()),
///         AuthEvent::SessionExpired { .. } => leptos::logging::log!("please sign in again"),
///         _ => {}
///     });
///     view! { <AuthProvider config=config on_event=on_event>"the app"</AuthProvider> }
/// }
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum AuthEvent {
    /// A sign-in completed (the callback, here or in another tab).
    SignedIn {
        /// The change came from another tab.
        from_other_tab: bool,
    },
    /// The session was signed out (here or in another tab).
    SignedOut {
        /// The change came from another tab.
        from_other_tab: bool,
    },
    /// New tokens from the refresh token (automatically before expiry, on demand, after a
    /// 401, or in another tab).
    Refreshed {
        /// The change came from another tab.
        from_other_tab: bool,
    },
    /// A refresh failed. A transient failure (network, timeout, server error) keeps a
    /// session that is still valid and is retried; a refused refresh token ends the
    /// session, followed by [`SessionExpired`](Self::SessionExpired).
    RefreshFailed {
        /// Why.
        error: AuthError,
    },
    /// The session expired and could not be renewed (no refresh token, or Cognito refused
    /// it): the user is signed out and must sign in again.
    SessionExpired {
        /// The change came from another tab.
        from_other_tab: bool,
    },
}

impl AuthEvent {
    /// A stable name: `signed_in`, `signed_out`, `refreshed`, `refresh_failed`,
    /// `session_expired`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::SignedIn { .. } => "signed_in",
            Self::SignedOut { .. } => "signed_out",
            Self::Refreshed { .. } => "refreshed",
            Self::RefreshFailed { .. } => "refresh_failed",
            Self::SessionExpired { .. } => "session_expired",
        }
    }

    /// Whether the change was made in another tab.
    pub fn from_other_tab(&self) -> bool {
        match self {
            Self::SignedIn { from_other_tab }
            | Self::SignedOut { from_other_tab }
            | Self::Refreshed { from_other_tab }
            | Self::SessionExpired { from_other_tab } => *from_other_tab,
            Self::RefreshFailed { .. } => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_stable() {
        let names: Vec<_> = [
            AuthEvent::SignedIn {
                from_other_tab: true,
            },
            AuthEvent::SignedOut {
                from_other_tab: false,
            },
            AuthEvent::Refreshed {
                from_other_tab: false,
            },
            AuthEvent::RefreshFailed {
                error: AuthError::NoSession,
            },
            AuthEvent::SessionExpired {
                from_other_tab: false,
            },
        ]
        .iter()
        .map(|e| (e.name(), e.from_other_tab()))
        .collect();
        assert_eq!(
            names,
            [
                ("signed_in", true),
                ("signed_out", false),
                ("refreshed", false),
                ("refresh_failed", false),
                ("session_expired", false)
            ]
        );
    }
}

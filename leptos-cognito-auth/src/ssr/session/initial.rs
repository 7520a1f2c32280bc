//! [`InitialAuth`]: what the provider renders during server-side rendering, as a session
//! layer found it.

use std::sync::Arc;

use crate::protocol::{AuthStatus, CognitoSession, ServerSessionView};

/// What `<AuthProvider>` (or `<ServerSessionProvider>`) renders during server-side
/// rendering: a session layer leaves it in the request's extensions, where the provider
/// finds it. Without it the server renders "not known yet" (browser-storage modes) or
/// signed out with the default routes (server sessions).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
// One per request, and the request's extensions box it anyway.
#[allow(clippy::large_enum_variant)]
pub enum InitialAuth {
    /// Cookie mode: what the request's cookies say.
    Cookie {
        /// The status to render (the page carries it, so that the browser's first render
        /// agrees with the server's).
        status: AuthStatus,
        /// The session to render when signed in (ID and access tokens; never the refresh
        /// token).
        session: Option<CognitoSession>,
        /// Whether the server accepted the session's access token (signed in needs it).
        server_accepted: bool,
    },
    /// Server sessions: what the page shows of the session (the user, never a token).
    /// Shared: made once per session as this process read it, not per request.
    Server(Arc<ServerSessionView>),
}

impl InitialAuth {
    /// The status it renders.
    pub fn status(&self) -> AuthStatus {
        match self {
            Self::Cookie { status, .. } => *status,
            Self::Server(view) if view.user.is_some() => AuthStatus::SignedIn,
            Self::Server(_) => AuthStatus::SignedOut,
        }
    }
}

//! The signed-in user as the components show it.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::session::CognitoSession;

/// Who is signed in: read from the ID token (or the access token when there is none).
/// Plain data, no token: in server-session mode this is all the browser gets of the
/// session.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuthUser {
    /// The Cognito user name (`cognito:username` / `username`).
    pub username: String,
    /// The stable user id (`sub`).
    pub sub: Option<String>,
    /// The e-mail address, if the `email` scope was granted.
    pub email: Option<String>,
    /// Whether the e-mail address is verified.
    pub email_verified: Option<bool>,
    /// The Cognito groups (`cognito:groups`).
    pub groups: Vec<String>,
    /// The scopes granted to the access token.
    pub scopes: Vec<String>,
    /// When the session's first token expires (seconds since the Unix epoch).
    pub expires_at: u64,
    /// All claims of the ID token (or of the access token without an ID token). Empty in
    /// server-session mode: the server keeps the tokens and their claims (read them there,
    /// from `VerifiedUser`).
    pub claims: Map<String, Value>,
}

impl AuthUser {
    /// The user of a session, if the tokens name one.
    pub fn from_session(session: &CognitoSession) -> Option<Self> {
        let claims = match session.id_token() {
            Some(id) => id.claims().as_map().clone(),
            None => session.access_token().claims().as_map().clone(),
        };
        Some(Self {
            claims,
            ..Self::without_claims(session)?
        })
    }

    /// The user of a session without the tokens' claims (what a server session shows the
    /// page).
    pub(crate) fn without_claims(session: &CognitoSession) -> Option<Self> {
        let username = session.username()?.to_owned();
        let access = session.access_token();
        let (sub, email, email_verified, groups) = match session.id_token() {
            Some(id) => (
                id.sub().map(str::to_owned),
                id.email().map(str::to_owned),
                id.email_verified(),
                id.groups(),
            ),
            None => (access.sub().map(str::to_owned), None, None, access.groups()),
        };
        Some(Self {
            username,
            sub,
            email,
            email_verified,
            groups,
            scopes: access.scopes(),
            expires_at: session.expires_at(),
            claims: Map::new(),
        })
    }

    /// Whether the user is in a Cognito group.
    pub fn in_group(&self, group: &str) -> bool {
        self.groups.iter().any(|g| g == group)
    }

    /// Whether the access token carries a scope.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }
}

/// The header the kit's calls send the session's anti-forgery token in, in server-session
/// mode (the server refuses state-changing requests without it).
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The form field the sign-out form sends the anti-forgery token in. A form of the app's
/// that posts to the session's routes sends it the same way, with
/// `use_auth().anti_forgery_token()`. In server-session mode the page keeps every field of
/// this name current: when the session changes under a page that stays signed in (signed
/// out and in again in another tab), the new session's token is written into each.
pub const CSRF_FIELD: &str = "csrf_token";

/// What a server session shows the browser: the user (never a token), the anti-forgery
/// token its forms and calls send back, the code of an error to show, and the routes
/// that sign in and out. The server renders it into the page, and its session route
/// answers it as JSON after client-side navigation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServerSessionView {
    /// The signed-in user, `None` when signed out. Without claims (an empty
    /// [`claims`](AuthUser::claims)): the server keeps them with the tokens, and the page
    /// gets only what it shows.
    pub user: Option<AuthUser>,
    /// The session's anti-forgery token: the sign-out form's hidden field and the
    /// `x-csrf-token` header of the kit's calls. `None` when signed out.
    pub csrf_token: Option<String>,
    /// The [`code`](super::AuthError::code) of an error to show (a refused refresh token,
    /// a sign-in that failed), once.
    pub error: Option<String>,
    /// The route that starts a sign-in (`?return_to=/path`).
    pub sign_in_path: String,
    /// The route a sign-out form posts to.
    pub sign_out_path: String,
    /// The route that answers this view as JSON.
    pub session_path: String,
}

impl Default for ServerSessionView {
    /// Signed out, with the server session's default routes: `/auth/sign-in`,
    /// `/auth/sign-out` and `/auth/session`.
    fn default() -> Self {
        Self {
            user: None,
            csrf_token: None,
            error: None,
            sign_in_path: "/auth/sign-in".into(),
            sign_out_path: "/auth/sign-out".into(),
            session_path: "/auth/session".into(),
        }
    }
}

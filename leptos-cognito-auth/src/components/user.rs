//! The signed-in user as the components show it.

use serde_json::{Map, Value};

use crate::protocol::CognitoSession;

/// Who is signed in: read from the ID token (or the access token when there is none).
#[derive(Clone, Debug, PartialEq)]
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
    /// All claims of the ID token (or of the access token without an ID token).
    pub claims: Map<String, Value>,
}

impl AuthUser {
    /// The user of a session, if the tokens name one.
    pub fn from_session(session: &CognitoSession) -> Option<Self> {
        let username = session.username()?.to_owned();
        let access = session.access_token();
        let (sub, email, email_verified, groups, claims) = match session.id_token() {
            Some(id) => (
                id.sub().map(str::to_owned),
                id.email().map(str::to_owned),
                id.email_verified(),
                id.groups(),
                id.claims().as_map().clone(),
            ),
            None => (
                access.sub().map(str::to_owned),
                None,
                None,
                access.groups(),
                access.claims().as_map().clone(),
            ),
        };
        Some(Self {
            username,
            sub,
            email,
            email_verified,
            groups,
            scopes: access.scopes(),
            expires_at: session.expires_at(),
            claims,
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

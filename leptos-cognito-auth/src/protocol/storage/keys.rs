//! The storage keys: the original SDK's layout, so that a session cached by
//! `amazon-cognito-auth-js` is read as is, and this kit's pending sign-in records.

/// The storage keys of one app client, as the original SDK laid them out:
/// `CognitoIdentityServiceProvider.<clientId>.LastAuthUser`,
/// `CognitoIdentityServiceProvider.<clientId>.<username>.idToken`, and so on.
///
/// ```
/// use leptos_cognito_auth::protocol::StorageKeys;
/// let keys = StorageKeys::new("abc");
/// assert_eq!(keys.last_auth_user(), "CognitoIdentityServiceProvider.abc.LastAuthUser");
/// assert_eq!(keys.id_token("alice"), "CognitoIdentityServiceProvider.abc.alice.idToken");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StorageKeys {
    prefix: String,
}

impl StorageKeys {
    /// The keys of app client `client_id`.
    pub fn new(client_id: &str) -> Self {
        Self {
            prefix: format!("CognitoIdentityServiceProvider.{client_id}"),
        }
    }
    /// `<prefix>`: every key of this client starts with it and a dot.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }
    /// `<prefix>.LastAuthUser`: the signed-in user's name.
    pub fn last_auth_user(&self) -> String {
        format!("{}.LastAuthUser", self.prefix)
    }
    /// `<prefix>.<username>.idToken`.
    pub fn id_token(&self, username: &str) -> String {
        format!("{}.{username}.idToken", self.prefix)
    }
    /// `<prefix>.<username>.accessToken`.
    pub fn access_token(&self, username: &str) -> String {
        format!("{}.{username}.accessToken", self.prefix)
    }
    /// `<prefix>.<username>.refreshToken`.
    pub fn refresh_token(&self, username: &str) -> String {
        format!("{}.{username}.refreshToken", self.prefix)
    }
    /// `<prefix>.<username>.tokenScopesString`.
    pub fn token_scopes(&self, username: &str) -> String {
        format!("{}.{username}.tokenScopesString", self.prefix)
    }
    /// `<prefix>.<username>.clockDrift`: seconds this device's clock was ahead of
    /// Cognito's when the tokens came (the key `amazon-cognito-identity-js` uses).
    pub fn clock_drift(&self, username: &str) -> String {
        format!("{}.{username}.clockDrift", self.prefix)
    }
    /// `<prefix>.pendingSignIn.<state>`: this kit's record of a sign-in started with
    /// `state` (nonce, PKCE verifier, return path), removed by the callback that consumes
    /// it. One key per sign-in, so sign-ins started in two tabs at once do not overwrite
    /// each other.
    pub fn pending_sign_in(&self, state: &str) -> String {
        format!("{}.{state}", self.pending_sign_in_prefix())
    }
    /// `<prefix>.pendingSignIn`: what every pending sign-in key starts with (and the single
    /// key that earlier versions of this kit used).
    pub fn pending_sign_in_prefix(&self) -> String {
        format!("{}.pendingSignIn", self.prefix)
    }
    pub(crate) fn user_keys(&self, username: &str) -> [String; 5] {
        [
            self.id_token(username),
            self.access_token(username),
            self.refresh_token(username),
            self.token_scopes(username),
            self.clock_drift(username),
        ]
    }
}

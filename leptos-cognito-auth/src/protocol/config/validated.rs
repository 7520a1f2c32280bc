//! [`CognitoConfig`]: a configuration whose every field was checked when it was built.

use std::fmt;

use super::rules::pool_issuers;
use super::{CognitoConfigBuilder, Prompts, ResponseType, StorageKind};
use crate::protocol::secret::Secret;

/// A validated configuration. Build one with [`CognitoConfig::builder`], or deserialize a
/// [`CognitoConfigBuilder`] from the original SDK's `authData` JSON.
///
/// ```
/// use leptos_cognito_auth::CognitoConfig;
///
/// let config = CognitoConfig::builder()
///     .client_id("7e0ks1bplq0example")
///     .app_web_domain("myapp.auth.eu-west-1.amazoncognito.com")
///     .scopes(["openid", "email"])
///     .redirect_uri_sign_in("https://myapp.example.com/callback")
///     .redirect_uri_sign_out("https://myapp.example.com/")
///     .user_pool_id("eu-west-1_AbCdEf123")
///     .build()
///     .unwrap();
/// assert_eq!(config.domain_base(), "https://myapp.auth.eu-west-1.amazoncognito.com");
/// assert_eq!(
///     config.issuer().unwrap(),
///     "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123"
/// );
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct CognitoConfig {
    pub(super) client_id: String,
    pub(super) domain_base: String,
    pub(super) scopes: Vec<String>,
    pub(super) redirect_uri_sign_in: String,
    pub(super) redirect_uri_sign_out: String,
    pub(super) identity_provider: Option<String>,
    pub(super) idp_identifier: Option<String>,
    pub(super) user_pool_id: Option<String>,
    pub(super) issuer: Option<String>,
    pub(super) client_secret: Option<Secret>,
    pub(super) response_type: ResponseType,
    pub(super) storage: StorageKind,
    pub(super) advanced_security_data_collection: bool,
    pub(super) lang: Option<String>,
    pub(super) prompt: Option<Prompts>,
    pub(super) login_hint: Option<String>,
    pub(super) resource: Option<String>,
    pub(super) clock_skew_secs: u64,
    pub(super) revoke_on_sign_out: bool,
    pub(super) http_timeout_ms: u32,
    pub(super) auto_refresh: bool,
    pub(super) refresh_margin_secs: Option<u64>,
}

impl fmt::Debug for CognitoConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CognitoConfig")
            .field("client_id", &self.client_id)
            .field("domain_base", &self.domain_base)
            .field("scopes", &self.scopes)
            .field("redirect_uri_sign_in", &self.redirect_uri_sign_in)
            .field("redirect_uri_sign_out", &self.redirect_uri_sign_out)
            .field("user_pool_id", &self.user_pool_id)
            .field("issuer", &self.issuer)
            .field("client_secret", &self.client_secret)
            .field("response_type", &self.response_type)
            .field("storage", &self.storage)
            .finish_non_exhaustive()
    }
}

impl CognitoConfig {
    /// Starts a configuration.
    pub fn builder() -> CognitoConfigBuilder {
        CognitoConfigBuilder::default()
    }

    /// The app client id (`ClientId`).
    pub fn client_id(&self) -> &str {
        &self.client_id
    }
    /// The Hosted UI base URL without a trailing slash, e.g.
    /// `https://myapp.auth.eu-west-1.amazoncognito.com` or `http://localhost:9229`.
    pub fn domain_base(&self) -> &str {
        &self.domain_base
    }
    /// The scopes asked for (`TokenScopesArray`); empty means all the client's scopes.
    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }
    /// The scopes joined by spaces, as stored in `tokenScopesString`.
    pub fn scopes_string(&self) -> String {
        self.scopes.join(" ")
    }
    /// Whether `joined` is [`scopes_string`](Self::scopes_string), compared in place: a
    /// server session checks it on every request, and joining would allocate each time.
    pub(crate) fn is_scopes_string(&self, joined: &str) -> bool {
        let mut rest = joined;
        for (i, scope) in self.scopes.iter().enumerate() {
            let after_space = if i == 0 {
                Some(rest)
            } else {
                rest.strip_prefix(' ')
            };
            match after_space.and_then(|r| r.strip_prefix(scope.as_str())) {
                Some(r) => rest = r,
                None => return false,
            }
        }
        rest.is_empty()
    }
    /// The sign-in callback URL (`RedirectUriSignIn`).
    pub fn redirect_uri_sign_in(&self) -> &str {
        &self.redirect_uri_sign_in
    }
    /// The path of the callback URL, without its query: `/` for a URL without one, as a
    /// browser reads it.
    pub(crate) fn callback_path(&self) -> &str {
        crate::protocol::encoding::split_url(&self.redirect_uri_sign_in)
            .map(|url| url.path)
            .filter(|path| path.starts_with('/'))
            .unwrap_or("/")
    }
    /// The sign-out URL (`RedirectUriSignOut`).
    pub fn redirect_uri_sign_out(&self) -> &str {
        &self.redirect_uri_sign_out
    }
    /// `identity_provider` for the authorize request (`IdentityProvider`).
    pub fn identity_provider(&self) -> Option<&str> {
        self.identity_provider.as_deref()
    }
    /// `idp_identifier` for the authorize request.
    pub fn idp_identifier(&self) -> Option<&str> {
        self.idp_identifier.as_deref()
    }
    /// The user pool id (`UserPoolId`).
    pub fn user_pool_id(&self) -> Option<&str> {
        self.user_pool_id.as_deref()
    }
    /// The tokens' expected issuer: the override if one was set, otherwise the user pool's
    /// issuer in the [original format](super::IssuerFormat::Original); `None` when neither is
    /// known. A user pool id stands for both of its issuers: see [`issuers`](Self::issuers).
    pub fn issuer(&self) -> Option<String> {
        self.issuers().into_iter().next()
    }
    /// Every issuer the tokens may name in `iss`: the override alone if one was set,
    /// otherwise the user pool's issuer in [both formats](super::IssuerFormat) (original, then
    /// updated); empty when neither is known (then `iss` is not checked).
    ///
    /// ```
    /// # use leptos_cognito_auth::CognitoConfig;
    /// let base = || CognitoConfig::builder()
    ///     .client_id("c").app_web_domain("myapp.auth.eu-west-1.amazoncognito.com")
    ///     .redirect_uri_sign_in("https://app.example.com/callback")
    ///     .redirect_uri_sign_out("https://app.example.com/");
    /// let pool = base().user_pool_id("eu-west-1_AbC123").build().unwrap();
    /// assert_eq!(pool.issuers(), [
    ///     "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123",
    ///     "https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123",
    /// ]);
    /// let local = base().issuer("http://localhost:9229/eu-west-1_AbC123").build().unwrap();
    /// assert_eq!(local.issuers(), ["http://localhost:9229/eu-west-1_AbC123"]);
    /// ```
    pub fn issuers(&self) -> Vec<String> {
        match (
            &self.issuer,
            self.user_pool_id.as_deref().and_then(pool_issuers),
        ) {
            (Some(issuer), _) => vec![issuer.clone()],
            (None, Some(pool)) => pool.to_vec(),
            (None, None) => Vec::new(),
        }
    }
    /// Whether a token naming `iss` as its issuer may be accepted: `iss` is one of
    /// [`issuers`](Self::issuers), compared exactly; anything goes when no issuer is known.
    pub fn accepts_issuer(&self, iss: Option<&str>) -> bool {
        let issuers = self.issuers();
        issuers.is_empty() || iss.is_some_and(|iss| issuers.iter().any(|i| i == iss))
    }
    /// The client secret, for confidential clients.
    pub fn client_secret(&self) -> Option<&Secret> {
        self.client_secret.as_ref()
    }
    /// Code (default) or implicit flow.
    pub fn response_type(&self) -> ResponseType {
        self.response_type
    }
    /// Which storage the browser adapter uses.
    pub fn storage(&self) -> StorageKind {
        self.storage
    }
    /// `AdvancedSecurityDataCollectionFlag` (default `true`).
    pub fn advanced_security_data_collection(&self) -> bool {
        self.advanced_security_data_collection
    }
    /// The managed login pages' language (`lang`).
    pub fn lang(&self) -> Option<&str> {
        self.lang.as_deref()
    }
    /// The `prompt` parameter of every sign-in.
    pub fn prompt(&self) -> Option<Prompts> {
        self.prompt
    }
    /// The `login_hint` of every sign-in.
    pub fn login_hint(&self) -> Option<&str> {
        self.login_hint.as_deref()
    }
    /// The `resource` of every sign-in (RFC 8707): the access tokens' audience.
    pub fn resource(&self) -> Option<&str> {
        self.resource.as_deref()
    }
    /// Seconds before expiry at which a token already counts as expired (default 60), so
    /// that a token is never sent to a server whose clock is a little ahead.
    pub fn clock_skew_secs(&self) -> u64 {
        self.clock_skew_secs
    }
    /// Whether `sign_out` revokes the refresh token at `/oauth2/revoke` (default `true`).
    pub fn revoke_on_sign_out(&self) -> bool {
        self.revoke_on_sign_out
    }
    /// How long a request to Cognito may take, headers and body, before it fails with a
    /// `timeout` error (default 10 000 ms).
    pub fn http_timeout_ms(&self) -> u32 {
        self.http_timeout_ms
    }
    /// Whether `<AuthProvider>` refreshes the session by itself before it expires
    /// (default `true`).
    pub fn auto_refresh(&self) -> bool {
        self.auto_refresh
    }
    /// How many seconds before the session would count as expired the automatic refresh
    /// runs, for tokens that are usable for `usable_secs` (their lifetime minus the
    /// clock-skew allowance): the configured margin, or by default 60 s; in either case at
    /// most a fifth of the usable time (default) or half of it (configured), so that fresh
    /// tokens are never already due (a 1-hour token is refreshed 60 s before it counts as
    /// expired, a 5-minute one after 3 min 12 s).
    ///
    /// ```
    /// # use leptos_cognito_auth::CognitoConfig;
    /// let config = CognitoConfig::builder()
    ///     .client_id("c").app_web_domain("http://localhost:9229")
    ///     .redirect_uri_sign_in("http://localhost:3000/callback")
    ///     .redirect_uri_sign_out("http://localhost:3000/")
    ///     .build().unwrap();
    /// assert_eq!(config.refresh_margin_secs(3600 - 60), 60);
    /// assert_eq!(config.refresh_margin_secs(300 - 60), 48);
    /// assert_eq!(config.refresh_margin_secs(8), 1);
    /// ```
    pub fn refresh_margin_secs(&self, usable_secs: u64) -> u64 {
        match self.refresh_margin_secs {
            Some(margin) => margin.min(usable_secs / 2),
            None => 60.min(usable_secs / 5),
        }
    }

    /// Switches between the code and the implicit flow after construction.
    pub(crate) fn set_response_type(&mut self, response_type: ResponseType) {
        self.response_type = response_type;
    }

    /// A copy with a different storage kind (the browser adapter falls back to memory
    /// when the chosen storage is unavailable).
    pub fn with_storage(mut self, storage: StorageKind) -> Self {
        self.storage = storage;
        self
    }
}

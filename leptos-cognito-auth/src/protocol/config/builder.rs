//! [`CognitoConfigBuilder`]: the original SDK's `authData` fields and a few more, checked
//! once at build time so that every later step can trust them.

use std::fmt;

use serde::Deserialize;

use super::rules::{check_pool_id, check_url, issuer_url, UrlProblem, UrlRule};
use super::{CognitoConfig, ConfigError, Prompts, ResponseType, StorageKind};
use crate::protocol::secret::Secret;
use crate::protocol::sign_in::{check_one_provider, check_value, SignInParameter};

/// Scopes as given in JSON: a list, or something else that is reported as an error.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
enum ScopesInput {
    List(Vec<String>),
    Other(serde_json::Value),
}

/// Builds a [`CognitoConfig`]. Deserializes from the original SDK's `authData` JSON (its
/// PascalCase names are accepted, as are snake_case ones), so a migration can reuse it.
///
/// ```
/// use leptos_cognito_auth::CognitoConfigBuilder;
///
/// let auth_data = r#"{
///     "ClientId": "7e0ks1bplq0example",
///     "AppWebDomain": "myapp.auth.eu-west-1.amazoncognito.com",
///     "TokenScopesArray": ["openid", "email"],
///     "RedirectUriSignIn": "https://myapp.example.com/callback",
///     "RedirectUriSignOut": "https://myapp.example.com/",
///     "UserPoolId": "eu-west-1_AbCdEf123",
///     "AdvancedSecurityDataCollectionFlag": false
/// }"#;
/// let builder: CognitoConfigBuilder = serde_json::from_str(auth_data).unwrap();
/// let config = builder.build().unwrap();
/// assert_eq!(config.client_id(), "7e0ks1bplq0example");
/// assert!(!config.advanced_security_data_collection());
/// ```
#[derive(Clone, Default, Deserialize)]
#[serde(default)]
pub struct CognitoConfigBuilder {
    #[serde(alias = "ClientId")]
    client_id: Option<String>,
    #[serde(alias = "AppWebDomain", alias = "domain")]
    app_web_domain: Option<String>,
    #[serde(alias = "TokenScopesArray")]
    scopes: Option<ScopesInput>,
    #[serde(alias = "RedirectUriSignIn")]
    redirect_uri_sign_in: Option<String>,
    #[serde(alias = "RedirectUriSignOut")]
    redirect_uri_sign_out: Option<String>,
    #[serde(alias = "IdentityProvider")]
    identity_provider: Option<String>,
    idp_identifier: Option<String>,
    #[serde(alias = "UserPoolId")]
    user_pool_id: Option<String>,
    issuer: Option<String>,
    client_secret: Option<Secret>,
    response_type: Option<ResponseType>,
    #[serde(alias = "Storage")]
    storage: Option<StorageKind>,
    #[serde(alias = "AdvancedSecurityDataCollectionFlag")]
    advanced_security_data_collection: Option<bool>,
    lang: Option<String>,
    prompt: Option<Prompts>,
    login_hint: Option<String>,
    resource: Option<String>,
    clock_skew_secs: Option<u64>,
    revoke_on_sign_out: Option<bool>,
    http_timeout_ms: Option<u32>,
    auto_refresh: Option<bool>,
    refresh_margin_secs: Option<u64>,
    insecure_allow_http: bool,
}

impl fmt::Debug for CognitoConfigBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CognitoConfigBuilder")
            .field("client_id", &self.client_id)
            .field("app_web_domain", &self.app_web_domain)
            .field("client_secret", &self.client_secret)
            .finish_non_exhaustive()
    }
}

impl CognitoConfigBuilder {
    /// The app client id (`ClientId`). Required.
    pub fn client_id(mut self, v: impl Into<String>) -> Self {
        self.client_id = Some(v.into());
        self
    }
    /// The Hosted UI domain (`AppWebDomain`). Required. A bare host means `https://`; a
    /// full `http(s)://` base with an optional path prefix is accepted too (plain `http`
    /// only for loopback hosts unless [`insecure_allow_http`](Self::insecure_allow_http)).
    pub fn app_web_domain(mut self, v: impl Into<String>) -> Self {
        self.app_web_domain = Some(v.into());
        self
    }
    /// The scopes to ask for (`TokenScopesArray`). Default: none given, which gives all the
    /// app client's scopes. An ID token is only issued with `openid`.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = Some(ScopesInput::List(
            scopes.into_iter().map(Into::into).collect(),
        ));
        self
    }
    /// The callback URL registered with the app client (`RedirectUriSignIn`). Required.
    pub fn redirect_uri_sign_in(mut self, v: impl Into<String>) -> Self {
        self.redirect_uri_sign_in = Some(v.into());
        self
    }
    /// The sign-out URL registered with the app client (`RedirectUriSignOut`). Required.
    pub fn redirect_uri_sign_out(mut self, v: impl Into<String>) -> Self {
        self.redirect_uri_sign_out = Some(v.into());
        self
    }
    /// Skip the Hosted UI's page and go to this identity provider (`IdentityProvider`):
    /// `COGNITO`, `Google`, `Facebook`, `LoginWithAmazon`, `SignInWithApple` or a
    /// configured provider name (no spaces). Not with
    /// [`idp_identifier`](Self::idp_identifier): set one of them. Never sent as `COGNITO`
    /// with `prompt=none` (see [`SignInOptions`](crate::protocol::SignInOptions)).
    pub fn identity_provider(mut self, v: impl Into<String>) -> Self {
        self.identity_provider = Some(v.into());
        self
    }
    /// An identity provider identifier (`idp_identifier`), the alternative to
    /// [`identity_provider`](Self::identity_provider): set one of them.
    pub fn idp_identifier(mut self, v: impl Into<String>) -> Self {
        self.idp_identifier = Some(v.into());
        self
    }
    /// The user pool id (`UserPoolId`), e.g. `eu-west-1_AbCdEf123`. Gives the issuer.
    pub fn user_pool_id(mut self, v: impl Into<String>) -> Self {
        self.user_pool_id = Some(v.into());
        self
    }
    /// The tokens' issuer, when it is not derived from the pool id (local emulators, other
    /// Cognito-compatible servers).
    pub fn issuer(mut self, v: impl Into<String>) -> Self {
        self.issuer = Some(v.into());
        self
    }
    /// The app client's secret, for confidential clients. **In browser code it is visible
    /// to every user**: use it only in server-side code or with clients whose secret is not
    /// a security boundary.
    pub fn client_secret(mut self, v: impl Into<Secret>) -> Self {
        self.client_secret = Some(v.into());
        self
    }
    /// Code flow (default) or implicit flow.
    pub fn response_type(mut self, v: ResponseType) -> Self {
        self.response_type = Some(v);
        self
    }
    /// Where tokens are stored in the browser (default: `localStorage`).
    pub fn storage(mut self, v: StorageKind) -> Self {
        self.storage = Some(v);
        self
    }
    /// `AdvancedSecurityDataCollectionFlag` (default `true`): when AWS's advanced security
    /// script is on the page, send its `userContextData` with the sign-in request.
    pub fn advanced_security_data_collection(mut self, v: bool) -> Self {
        self.advanced_security_data_collection = Some(v);
        self
    }
    /// The managed login pages' language (`lang`), e.g. `es`: a language tag of letters,
    /// digits, `-` and `_` (at most 35).
    pub fn lang(mut self, v: impl Into<String>) -> Self {
        self.lang = Some(v.into());
        self
    }
    /// The `prompt` parameter of every sign-in: one [`Prompt`](super::Prompt) or several
    /// ([`Prompts`]). A sign-in can set its own
    /// ([`SignInOptions`](crate::protocol::SignInOptions)).
    pub fn prompt(mut self, v: impl Into<Prompts>) -> Self {
        self.prompt = Some(v.into());
        self
    }
    /// `login_hint` for every sign-in: the user name the sign-in page starts with (at most
    /// 256 characters). Usually set per sign-in instead
    /// ([`SignInOptions::login_hint`](crate::protocol::SignInOptions::login_hint)).
    pub fn login_hint(mut self, v: impl Into<String>) -> Self {
        self.login_hint = Some(v.into());
        self
    }
    /// `resource` for every sign-in (RFC 8707): the resource server the access tokens are
    /// for, which Cognito puts in their `aud` claim. An absolute URI without a fragment,
    /// like `https://api.example.com`.
    pub fn resource(mut self, v: impl Into<String>) -> Self {
        self.resource = Some(v.into());
        self
    }
    /// Seconds of clock-skew allowance (default 60, at most 600): a token expiring within
    /// this many seconds already counts as expired.
    pub fn clock_skew_secs(mut self, v: u64) -> Self {
        self.clock_skew_secs = Some(v);
        self
    }
    /// Whether `sign_out` revokes the refresh token (default `true`; turn off for app
    /// clients without token revocation).
    pub fn revoke_on_sign_out(mut self, v: bool) -> Self {
        self.revoke_on_sign_out = Some(v);
        self
    }
    /// How long a request to Cognito may take before it fails with a `timeout` error, in
    /// milliseconds (default 10 000; from 100 to 120 000).
    pub fn http_timeout_ms(mut self, v: u32) -> Self {
        self.http_timeout_ms = Some(v);
        self
    }
    /// Whether `<AuthProvider>` refreshes the session by itself before it expires
    /// (default `true`). Paused while the tab is hidden, caught up when it is shown.
    pub fn auto_refresh(mut self, v: bool) -> Self {
        self.auto_refresh = Some(v);
        self
    }
    /// Refresh this many seconds before the session would count as expired (default 60 s;
    /// at most half of the tokens' usable time: see
    /// [`CognitoConfig::refresh_margin_secs`]).
    pub fn refresh_margin_secs(mut self, v: u64) -> Self {
        self.refresh_margin_secs = Some(v);
        self
    }
    /// Accept plain-`http` domain, issuer and redirect URLs on non-loopback hosts. Tokens
    /// then cross the network in clear text: only for closed test networks.
    pub fn insecure_allow_http(mut self, v: bool) -> Self {
        self.insecure_allow_http = v;
        self
    }

    /// Checks every field and builds the configuration.
    pub fn build(self) -> Result<CognitoConfig, ConfigError> {
        let allow_http = self.insecure_allow_http;
        let client_id = required("ClientId", self.client_id)?;
        if client_id
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(ConfigError::invalid("ClientId", "contains whitespace"));
        }
        let domain_base = domain_base(&required("AppWebDomain", self.app_web_domain)?, allow_http)?;
        let scopes = match self.scopes {
            None => Vec::new(),
            Some(ScopesInput::List(list)) => {
                let mut scopes: Vec<String> = Vec::with_capacity(list.len());
                for scope in list {
                    if scope.is_empty()
                        || scope
                            .chars()
                            .any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == '\\')
                    {
                        return Err(ConfigError::invalid(
                            "TokenScopesArray",
                            format!("`{scope}` is not a scope (empty or with a space or quote)"),
                        ));
                    }
                    if !scopes.contains(&scope) {
                        scopes.push(scope);
                    }
                }
                scopes
            }
            Some(ScopesInput::Other(value)) => {
                return Err(ConfigError::invalid(
                    "TokenScopesArray",
                    format!("must be a list of strings, not {}", json_kind(&value)),
                ))
            }
        };
        let redirect_uri_sign_in = redirect_uri(
            "RedirectUriSignIn",
            required("RedirectUriSignIn", self.redirect_uri_sign_in)?,
            allow_http,
        )?;
        let redirect_uri_sign_out = redirect_uri(
            "RedirectUriSignOut",
            required("RedirectUriSignOut", self.redirect_uri_sign_out)?,
            allow_http,
        )?;
        let user_pool_id = optional(self.user_pool_id);
        if let Some(pool) = &user_pool_id {
            check_pool_id(pool)?;
        }
        let issuer = match optional(self.issuer) {
            Some(issuer) => Some(
                issuer_url(&issuer, allow_http)
                    .map_err(|p| url_error("issuer", &issuer, UrlRule::BASE, p))?,
            ),
            None => None,
        };
        let identity_provider = optional(self.identity_provider);
        let idp_identifier = optional(self.idp_identifier);
        let lang = optional(self.lang);
        let login_hint = optional(self.login_hint);
        let resource = optional(self.resource);
        for (field, parameter, value) in [
            (
                "IdentityProvider",
                SignInParameter::IdentityProvider,
                &identity_provider,
            ),
            (
                "idp_identifier",
                SignInParameter::IdpIdentifier,
                &idp_identifier,
            ),
            ("lang", SignInParameter::Lang, &lang),
            ("login_hint", SignInParameter::LoginHint, &login_hint),
            ("resource", SignInParameter::Resource, &resource),
        ] {
            if let Some(value) = value {
                check_value(parameter, value)
                    .map_err(|reason| ConfigError::invalid(field, reason))?;
            }
        }
        check_one_provider(identity_provider.as_deref(), idp_identifier.as_deref())?;
        let clock_skew_secs = self.clock_skew_secs.unwrap_or(60);
        if clock_skew_secs > 600 {
            return Err(ConfigError::invalid(
                "clock_skew_secs",
                "more than 600 seconds would treat fresh tokens as expired",
            ));
        }
        let http_timeout_ms = self.http_timeout_ms.unwrap_or(10_000);
        if !(100..=120_000).contains(&http_timeout_ms) {
            return Err(ConfigError::invalid(
                "http_timeout_ms",
                format!("{http_timeout_ms} ms is outside 100..=120000"),
            ));
        }
        Ok(CognitoConfig {
            client_id,
            domain_base,
            scopes,
            redirect_uri_sign_in,
            redirect_uri_sign_out,
            identity_provider,
            idp_identifier,
            user_pool_id,
            issuer,
            client_secret: self.client_secret.filter(|s| !s.is_empty()),
            response_type: self.response_type.unwrap_or_default(),
            storage: self.storage.unwrap_or_default(),
            advanced_security_data_collection: self
                .advanced_security_data_collection
                .unwrap_or(true),
            lang,
            prompt: self.prompt,
            login_hint,
            resource,
            clock_skew_secs,
            revoke_on_sign_out: self.revoke_on_sign_out.unwrap_or(true),
            http_timeout_ms,
            auto_refresh: self.auto_refresh.unwrap_or(true),
            refresh_margin_secs: self.refresh_margin_secs,
        })
    }
}

/// What a JSON value is, for a message: its kind rather than the value printed, which would
/// bring JSON writing code to the browser build for this message alone.
fn json_kind(value: &serde_json::Value) -> &'static str {
    use serde_json::Value;
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list with something else than strings in it",
        Value::Object(_) => "an object",
    }
}

fn optional(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

fn required(field: &'static str, v: Option<String>) -> Result<String, ConfigError> {
    optional(v).ok_or(ConfigError::Missing { field })
}

fn domain_base(input: &str, allow_http: bool) -> Result<String, ConfigError> {
    const FIELD: &str = "AppWebDomain";
    let full = if input.contains("://") {
        input.to_owned()
    } else {
        format!("https://{input}")
    };
    let rule = UrlRule {
        insecure_http: allow_http,
        ..UrlRule::BASE
    };
    let url = check_url(&full, rule).map_err(|p| url_error(FIELD, input, rule, p))?;
    let path = url.path.trim_end_matches('/');
    Ok(format!("{}{}", url.origin(), path))
}

fn redirect_uri(field: &'static str, uri: String, allow_http: bool) -> Result<String, ConfigError> {
    let rule = UrlRule {
        query: true,
        fragment: false,
        insecure_http: allow_http,
    };
    check_url(&uri, rule).map_err(|p| url_error(field, &uri, rule, p))?;
    Ok(uri)
}

/// The message for a URL setting that breaks its [`UrlRule`].
fn url_error(field: &'static str, input: &str, rule: UrlRule, problem: UrlProblem) -> ConfigError {
    let reason = match problem {
        UrlProblem::NotHttpUrl if field == "AppWebDomain" => {
            format!("`{input}` is not a host name or http(s) URL")
        }
        UrlProblem::Query | UrlProblem::Fragment if rule.query => {
            "must not contain a fragment (#)".to_owned()
        }
        problem => problem.reason(input),
    };
    ConfigError::invalid(field, reason)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::Prompt;

    fn base() -> CognitoConfigBuilder {
        CognitoConfig::builder()
            .client_id("client")
            .app_web_domain("myapp.auth.us-east-1.amazoncognito.com")
            .scopes(["openid", "email"])
            .redirect_uri_sign_in("https://app.example.com/callback")
            .redirect_uri_sign_out("https://app.example.com/")
    }

    fn field_of(b: CognitoConfigBuilder) -> &'static str {
        b.build().unwrap_err().field()
    }

    #[test]
    fn defaults_are_secure() {
        let c = base().build().unwrap();
        assert_eq!(
            c.domain_base(),
            "https://myapp.auth.us-east-1.amazoncognito.com"
        );
        assert_eq!(c.response_type(), ResponseType::Code);
        assert_eq!(c.storage(), StorageKind::Local);
        assert_eq!(c.clock_skew_secs(), 60);
        assert!(c.advanced_security_data_collection());
        assert!(c.revoke_on_sign_out());
        assert_eq!(c.issuer(), None);
        assert_eq!(c.scopes_string(), "openid email");
    }

    #[test]
    fn scopes_string_compared_in_place() {
        let c = base().build().unwrap();
        assert!(c.is_scopes_string("openid email"));
        for other in [
            "",
            "openid",
            "openid ",
            "openid email ",
            " openid email",
            "openid  email",
            "email openid",
            "openid emails",
            "openidemail",
        ] {
            assert!(!c.is_scopes_string(other), "{other:?}");
        }
        let all = base().scopes(Vec::<String>::new()).build().unwrap();
        assert_eq!(all.scopes_string(), "");
        assert!(all.is_scopes_string(""));
        assert!(!all.is_scopes_string("openid"));
    }

    #[test]
    fn domain_forms() {
        let c = base()
            .app_web_domain("http://localhost:9229/")
            .build()
            .unwrap();
        assert_eq!(c.domain_base(), "http://localhost:9229");
        let c = base()
            .app_web_domain("https://proxy.example.com/cognito/")
            .build()
            .unwrap();
        assert_eq!(c.domain_base(), "https://proxy.example.com/cognito");
        let c = base()
            .app_web_domain("HTTP://127.0.0.1:9229/prefix")
            .build()
            .unwrap();
        assert_eq!(c.domain_base(), "http://127.0.0.1:9229/prefix");
        for bad in [
            "http://auth.example.com",
            "https://auth.example.com/?x=1",
            "https://auth.example.com/#x",
            "ftp://auth.example.com",
            "auth example.com",
            "https://user@auth.example.com",
        ] {
            assert_eq!(
                field_of(base().app_web_domain(bad)),
                "AppWebDomain",
                "{bad}"
            );
        }
        let c = base()
            .app_web_domain("http://cognito.test")
            .insecure_allow_http(true)
            .build()
            .unwrap();
        assert_eq!(c.domain_base(), "http://cognito.test");
    }

    #[test]
    fn required_fields_are_named() {
        assert_eq!(
            CognitoConfig::builder().build().unwrap_err(),
            ConfigError::Missing { field: "ClientId" }
        );
        assert_eq!(field_of(base().client_id("  ")), "ClientId");
        assert_eq!(field_of(base().client_id("a b")), "ClientId");
        let mut b = base();
        b.redirect_uri_sign_in = None;
        assert_eq!(field_of(b), "RedirectUriSignIn");
        let mut b = base();
        b.app_web_domain = None;
        assert_eq!(field_of(b), "AppWebDomain");
    }

    #[test]
    fn redirect_uris_are_checked() {
        for bad in [
            "/callback",
            "https://app.example.com/cb#frag",
            "http://app.example.com/cb",
            "javascript:alert(1)",
        ] {
            assert_eq!(
                field_of(base().redirect_uri_sign_in(bad)),
                "RedirectUriSignIn",
                "{bad}"
            );
            assert_eq!(
                field_of(base().redirect_uri_sign_out(bad)),
                "RedirectUriSignOut",
                "{bad}"
            );
        }
        assert!(base()
            .redirect_uri_sign_in("http://localhost:3000/callback")
            .build()
            .is_ok());
        assert!(base()
            .redirect_uri_sign_in("http://127.0.0.1:3000/cb?x=1")
            .build()
            .is_ok());
    }

    #[test]
    fn scopes_are_checked_and_deduplicated() {
        assert_eq!(field_of(base().scopes(["openid", ""])), "TokenScopesArray");
        assert_eq!(
            field_of(base().scopes(["openid email"])),
            "TokenScopesArray"
        );
        let c = base()
            .scopes(["openid", "openid", "api/read"])
            .build()
            .unwrap();
        assert_eq!(c.scopes(), ["openid", "api/read"]);
        let json = r#"{"ClientId":"c","AppWebDomain":"a.example.com","TokenScopesArray":"openid email",
            "RedirectUriSignIn":"https://x.example.com/cb","RedirectUriSignOut":"https://x.example.com/"}"#;
        let b: CognitoConfigBuilder = serde_json::from_str(json).unwrap();
        let err = b.build().unwrap_err();
        assert_eq!(err.field(), "TokenScopesArray");
        assert!(err.to_string().contains("list"), "{err}");
    }

    #[test]
    fn pool_id_gives_the_issuer_and_is_checked() {
        let c = base().user_pool_id("eu-west-1_AbC123").build().unwrap();
        assert_eq!(
            c.issuer().as_deref(),
            Some("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123")
        );
        let c = base()
            .user_pool_id("us-east-1_LocalPool")
            .issuer("http://localhost:9229/us-east-1_LocalPool/")
            .build()
            .unwrap();
        assert_eq!(
            c.issuer().as_deref(),
            Some("http://localhost:9229/us-east-1_LocalPool")
        );
        for bad in [
            "nounderscore",
            "_abc",
            "us-east-1_",
            "US-EAST-1_abc",
            "us-east-1_a/b",
        ] {
            assert_eq!(field_of(base().user_pool_id(bad)), "UserPoolId", "{bad}");
        }
        assert_eq!(
            field_of(base().issuer("http://idp.example.com/pool")),
            "issuer"
        );
    }

    #[test]
    fn managed_login_fields() {
        let c = base()
            .lang("es")
            .prompt(Prompts::new([Prompt::Login, Prompt::Consent]).unwrap())
            .login_hint(" alice ")
            .resource("https://api.example.com")
            .identity_provider("Google")
            .build()
            .unwrap();
        assert_eq!(c.lang(), Some("es"));
        assert_eq!(
            c.prompt().map(|p| p.to_string()).as_deref(),
            Some("login consent")
        );
        assert_eq!(c.login_hint(), Some("alice"));
        assert_eq!(c.resource(), Some("https://api.example.com"));
        assert_eq!(c.identity_provider(), Some("Google"));
        assert_eq!(field_of(base().lang("e s")), "lang");
        assert_eq!(field_of(base().login_hint("a\u{0}b")), "login_hint");
        assert_eq!(field_of(base().resource("api")), "resource");
        assert_eq!(field_of(base().resource("https://api/#f")), "resource");
        assert_eq!(
            field_of(base().identity_provider("My IdP")),
            "IdentityProvider"
        );
        // Never both forms of identity provider.
        assert_eq!(
            field_of(
                base()
                    .identity_provider("Google")
                    .idp_identifier("example.com")
            ),
            "idp_identifier"
        );
        // The SDK's JSON, with a space-separated prompt.
        let json = r#"{"ClientId":"c","AppWebDomain":"a.example.com","RedirectUriSignIn":"https://x.example.com/cb",
            "RedirectUriSignOut":"https://x.example.com/","prompt":"select_account login","login_hint":"bob",
            "resource":"urn:example:api"}"#;
        let c = serde_json::from_str::<CognitoConfigBuilder>(json)
            .unwrap()
            .build()
            .unwrap();
        assert_eq!(
            c.prompt().map(|p| p.to_string()).as_deref(),
            Some("login select_account")
        );
        assert_eq!(
            (c.login_hint(), c.resource()),
            (Some("bob"), Some("urn:example:api"))
        );
        let none_and_login = json.replace("select_account login", "none login");
        assert!(serde_json::from_str::<CognitoConfigBuilder>(&none_and_login).is_err());
    }

    #[test]
    fn other_fields() {
        assert_eq!(field_of(base().clock_skew_secs(601)), "clock_skew_secs");
        let c = base().client_secret("").build().unwrap();
        assert!(c.client_secret().is_none());
        let c = base().client_secret("s3cr3t").build().unwrap();
        assert!(!format!("{c:?}").contains("s3cr3t"));
        assert_eq!("Cookie".parse::<StorageKind>(), Ok(StorageKind::Cookie));
        assert!("disk".parse::<StorageKind>().is_err());
        assert_eq!("token".parse::<ResponseType>(), Ok(ResponseType::Token));
        assert!("id_token".parse::<ResponseType>().is_err());
    }

    #[test]
    fn seed_auth_data_json_is_accepted() {
        let json = r#"{
            "ClientId": "abc",
            "AppWebDomain": "x.auth.us-east-1.amazoncognito.com",
            "TokenScopesArray": ["openid", "phone"],
            "RedirectUriSignIn": "https://x.example.com/cb",
            "RedirectUriSignOut": "https://x.example.com/",
            "IdentityProvider": "Google",
            "UserPoolId": "us-east-1_abc",
            "AdvancedSecurityDataCollectionFlag": false,
            "Storage": "session"
        }"#;
        let c = serde_json::from_str::<CognitoConfigBuilder>(json)
            .unwrap()
            .build()
            .unwrap();
        assert_eq!(c.identity_provider(), Some("Google"));
        assert_eq!(c.storage(), StorageKind::Session);
        assert!(!c.advanced_security_data_collection());
    }

    #[test]
    fn lifecycle_settings_and_their_limits() {
        let c = base().build().unwrap();
        assert_eq!(c.http_timeout_ms(), 10_000);
        assert!(c.auto_refresh());
        // Default: 60 s, at most a fifth of the usable time.
        assert_eq!(c.refresh_margin_secs(3540), 60);
        assert_eq!(c.refresh_margin_secs(100), 20);
        assert_eq!(c.refresh_margin_secs(0), 0);
        // Configured: as set, at most half of the usable time (never due when fresh).
        let c = base()
            .refresh_margin_secs(600)
            .auto_refresh(false)
            .build()
            .unwrap();
        assert!(!c.auto_refresh());
        assert_eq!(c.refresh_margin_secs(3540), 600);
        assert_eq!(c.refresh_margin_secs(240), 120);
        for bad in [0, 99, 120_001] {
            let e = base().http_timeout_ms(bad).build().unwrap_err();
            assert_eq!(e.field(), "http_timeout_ms", "{bad}");
        }
        assert_eq!(
            base()
                .http_timeout_ms(100)
                .build()
                .unwrap()
                .http_timeout_ms(),
            100
        );
    }
}

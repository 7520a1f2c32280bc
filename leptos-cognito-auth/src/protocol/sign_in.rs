//! [`SignInOptions`]: what one sign-in asks of the managed login pages beyond the
//! configuration (`login_hint`, `lang`, `prompt`, `resource`, `identity_provider` or
//! `idp_identifier`) and where it returns; the rules of those values, which the
//! configuration shares; and the one place they become authorize parameters.

use super::config::{CognitoConfig, ConfigError, Prompts};
use super::encoding::parse_form;

/// A managed-login parameter of `/oauth2/authorize` that a sign-in may set: the names a
/// server's sign-in route lets a browser pass (`ServerSessionBuilder::sign_in_parameters`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SignInParameter {
    /// `login_hint`: pre-fills the user name.
    LoginHint,
    /// `lang`: the managed login pages' language.
    Lang,
    /// `prompt`: `none`, `login`, `select_account`, `consent`.
    Prompt,
    /// `resource`: the access token's audience (RFC 8707).
    Resource,
    /// `identity_provider`: go straight to this identity provider.
    IdentityProvider,
    /// `idp_identifier`: go straight to the identity provider with this identifier.
    IdpIdentifier,
}

impl SignInParameter {
    /// Every parameter, in the order the authorize URL carries them.
    pub const ALL: [Self; 6] = [
        Self::IdentityProvider,
        Self::IdpIdentifier,
        Self::Lang,
        Self::Prompt,
        Self::LoginHint,
        Self::Resource,
    ];

    /// The parameter's name in the authorize URL (and in a sign-in route's query).
    pub fn name(self) -> &'static str {
        match self {
            Self::LoginHint => "login_hint",
            Self::Lang => "lang",
            Self::Prompt => "prompt",
            Self::Resource => "resource",
            Self::IdentityProvider => "identity_provider",
            Self::IdpIdentifier => "idp_identifier",
        }
    }

    /// The parameter named `name`, if it is one.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }
}

/// Why `value` cannot be sent as `parameter` (`prompt` is typed: [`Prompts`] checks it).
/// The configuration and [`SignInOptions`] share these rules.
pub(crate) fn check_value(parameter: SignInParameter, value: &str) -> Result<(), String> {
    let no_controls = || !value.chars().any(char::is_control);
    // At most `n` characters, without counting them all (`chars().count()`'s fast counter
    // is 0.5 KiB of wasm that nothing else in the browser build needs).
    let at_most = |n: usize| value.chars().nth(n).is_none();
    let printable = || !value.chars().any(|c| c.is_control() || c.is_whitespace());
    let (ok, rule) = match parameter {
        SignInParameter::Lang => (
            value.len() <= 35
                && value
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
            "a language tag like `es` or `pt-BR`",
        ),
        // A user name, an e-mail address or a phone number.
        SignInParameter::LoginHint => (
            at_most(256) && no_controls(),
            "a user name of at most 256 characters, without control characters",
        ),
        SignInParameter::Resource => (
            value.len() <= 2048 && printable() && !value.contains('#') && is_absolute_uri(value),
            "an absolute URI without a fragment (RFC 8707), like `https://api.example.com`",
        ),
        SignInParameter::IdentityProvider => (
            at_most(128) && printable(),
            "an identity provider name like `COGNITO` or `Google`, without spaces",
        ),
        SignInParameter::IdpIdentifier => (
            at_most(128) && no_controls(),
            "an identity provider identifier of at most 128 characters",
        ),
        SignInParameter::Prompt => (value.parse::<Prompts>().is_ok(), "a prompt"),
    };
    if value.is_empty() || !ok {
        let shown: String = value.chars().take(64).collect();
        return Err(format!("`{shown}` is not {rule}"));
    }
    Ok(())
}

/// `scheme:rest` with a scheme as RFC 3986 writes it and something after it.
fn is_absolute_uri(value: &str) -> bool {
    let Some((scheme, rest)) = value.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !rest.is_empty()
}

/// `identity_provider` and `idp_identifier` are alternatives: never both.
pub(crate) fn check_one_provider(
    identity_provider: Option<&str>,
    idp_identifier: Option<&str>,
) -> Result<(), ConfigError> {
    match (identity_provider, idp_identifier) {
        (Some(_), Some(_)) => Err(ConfigError::invalid(
            "idp_identifier",
            "identity_provider and idp_identifier are alternatives: set one of them",
        )),
        _ => Ok(()),
    }
}

/// A value as the setters keep it: trimmed, and absent when empty.
fn optional(value: String) -> Option<String> {
    let trimmed = value.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_owned())
}

/// What one sign-in asks for beyond the configuration: the managed login pages'
/// parameters, each over the configuration's value of the same name, and the same-origin
/// path to return to. Every field is optional; the default asks for nothing more than the
/// configuration.
///
/// Give it to [`CognitoAuth::start_session_with`](crate::CognitoAuth::start_session_with)
/// or `use_auth().sign_in_with(..)`; a server-session app lets the browser pass the
/// parameters it names to its sign-in route (`ServerSessionBuilder::sign_in_parameters`).
///
/// The values are checked when the sign-in starts, which fails with a [`ConfigError`]
/// naming the parameter, as [`check`](Self::check) does:
/// - `login_hint`: at most 256 characters, no control characters;
/// - `lang`: a language tag (letters, digits, `-`, `_`; at most 35);
/// - `prompt`: typed ([`Prompts`]): `none` stands alone;
/// - `resource`: an absolute URI without a fragment (RFC 8707), at most 2,048 characters;
/// - `identity_provider` (no spaces) or `idp_identifier`, never both. Either one replaces
///   the configuration's choice of identity provider, in both forms.
///
/// One rule applies to what is sent: `identity_provider=COGNITO` is never sent with
/// `prompt=none` (see [`authorize_parameters`](Self::authorize_parameters)).
///
/// ```
/// use leptos_cognito_auth::protocol::{Prompt, SignInOptions};
/// use leptos_cognito_auth::CognitoConfig;
///
/// let config = CognitoConfig::builder()
///     .client_id("local-spa-client")
///     .app_web_domain("http://localhost:9229")
///     .redirect_uri_sign_in("http://localhost:3000/callback")
///     .redirect_uri_sign_out("http://localhost:3000/")
///     .lang("fr")
///     .identity_provider("COGNITO")
///     .build()?;
/// let options = SignInOptions::new()
///     .login_hint("alice@example.com")
///     .prompt(Prompt::Login)
///     .resource("https://api.example.com/orders")
///     .return_to("/orders");
/// assert_eq!(
///     options.authorize_parameters(&config)?,
///     [
///         ("identity_provider", "COGNITO".to_owned()),
///         ("lang", "fr".to_owned()),
///         ("prompt", "login".to_owned()),
///         ("login_hint", "alice@example.com".to_owned()),
///         ("resource", "https://api.example.com/orders".to_owned()),
///     ]
/// );
///
/// // A silent sign-in never sends identity_provider=COGNITO.
/// let silent = SignInOptions::silent().authorize_parameters(&config)?;
/// assert_eq!(silent, [("lang", "fr".to_owned()), ("prompt", "none".to_owned())]);
///
/// // Both forms of identity provider in one sign-in: refused, naming the parameter.
/// let both = SignInOptions::new().identity_provider("Google").idp_identifier("example.com");
/// assert_eq!(both.check().unwrap_err().field(), "idp_identifier");
/// # Ok::<(), leptos_cognito_auth::ConfigError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SignInOptions {
    return_to: Option<String>,
    login_hint: Option<String>,
    lang: Option<String>,
    prompt: Option<Prompts>,
    resource: Option<String>,
    identity_provider: Option<String>,
    idp_identifier: Option<String>,
}

impl SignInOptions {
    /// Nothing beyond the configuration: return to the current page.
    pub fn new() -> Self {
        Self::default()
    }

    /// A silent sign-in: `prompt=none`. Within a Hosted UI session it signs in without
    /// showing a page; without one Cognito answers `login_required`, which the kit takes as
    /// a normal outcome (still signed out, no error).
    pub fn silent() -> Self {
        Self::new().prompt(super::Prompt::None)
    }

    /// The same-origin path to return to after the sign-in (default: the current page;
    /// anything but a same-origin path returns to `/`).
    pub fn return_to(mut self, path: impl Into<String>) -> Self {
        self.return_to = optional(path.into());
        self
    }

    /// `login_hint`: the user name (or e-mail address, or phone number) the sign-in page
    /// starts with; forwarded to OIDC identity providers.
    pub fn login_hint(mut self, hint: impl Into<String>) -> Self {
        self.login_hint = optional(hint.into());
        self
    }

    /// `lang`: the managed login pages' language, e.g. `es`.
    pub fn lang(mut self, lang: impl Into<String>) -> Self {
        self.lang = optional(lang.into());
        self
    }

    /// `prompt`: one [`Prompt`](super::Prompt) or several ([`Prompts`]).
    pub fn prompt(mut self, prompt: impl Into<Prompts>) -> Self {
        self.prompt = Some(prompt.into());
        self
    }

    /// `resource` (RFC 8707): the resource server the access token is for; Cognito puts it
    /// in the access token's `aud` claim.
    pub fn resource(mut self, resource: impl Into<String>) -> Self {
        self.resource = optional(resource.into());
        self
    }

    /// `identity_provider`: go straight to this identity provider (`COGNITO`, `Google`,
    /// `Facebook`, `LoginWithAmazon`, `SignInWithApple` or a configured provider name).
    pub fn identity_provider(mut self, provider: impl Into<String>) -> Self {
        self.identity_provider = optional(provider.into());
        self
    }

    /// `idp_identifier`: go straight to the identity provider with this identifier (the
    /// alternative to [`identity_provider`](Self::identity_provider)).
    pub fn idp_identifier(mut self, identifier: impl Into<String>) -> Self {
        self.idp_identifier = optional(identifier.into());
        self
    }

    /// The path to return to, if one was set.
    pub fn return_path(&self) -> Option<&str> {
        self.return_to.as_deref()
    }

    /// The `prompt` asked for, if any.
    pub fn prompts(&self) -> Option<Prompts> {
        self.prompt
    }

    /// The values set, as the authorize URL (and a sign-in route's query) names them, in
    /// [`SignInParameter::ALL`]'s order; `return_to` is not one of them.
    pub(crate) fn parameters(&self) -> Vec<(SignInParameter, String)> {
        let prompt = self.prompt.map(|p| p.to_string());
        [
            (SignInParameter::IdentityProvider, &self.identity_provider),
            (SignInParameter::IdpIdentifier, &self.idp_identifier),
            (SignInParameter::Lang, &self.lang),
            (SignInParameter::Prompt, &prompt),
            (SignInParameter::LoginHint, &self.login_hint),
            (SignInParameter::Resource, &self.resource),
        ]
        .into_iter()
        .filter_map(|(parameter, value)| value.clone().map(|v| (parameter, v)))
        .collect()
    }

    /// Checks every value set (see the rules above).
    ///
    /// # Errors
    /// A [`ConfigError`] naming the first parameter at fault.
    pub fn check(&self) -> Result<(), ConfigError> {
        for (parameter, value) in self.parameters() {
            check_value(parameter, &value)
                .map_err(|reason| ConfigError::invalid(parameter.name(), reason))?;
        }
        check_one_provider(
            self.identity_provider.as_deref(),
            self.idp_identifier.as_deref(),
        )
    }

    /// The managed-login parameters of this sign-in's authorize URL with `config`, in
    /// [`SignInParameter::ALL`]'s order: each value of this sign-in over the
    /// configuration's; an identity provider named here (in either form) replaces the
    /// configuration's; and `identity_provider=COGNITO` is left out when the prompt is
    /// `none`.
    ///
    /// # Errors
    /// A [`ConfigError`] when a value set here breaks its rule ([`check`](Self::check)).
    pub fn authorize_parameters(
        &self,
        config: &CognitoConfig,
    ) -> Result<Vec<(&'static str, String)>, ConfigError> {
        self.check()?;
        let (identity_provider, idp_identifier) =
            if self.identity_provider.is_some() || self.idp_identifier.is_some() {
                (
                    self.identity_provider.as_deref(),
                    self.idp_identifier.as_deref(),
                )
            } else {
                (config.identity_provider(), config.idp_identifier())
            };
        let prompt = self.prompt.or(config.prompt());
        // Never `identity_provider=COGNITO` with `prompt=none`: Cognito then answers
        // `login_required` even within the Hosted UI session of a user who signed in
        // through a federated identity provider (aws-amplify/amplify-js#14897, fixed by AWS
        // in August 2026). Without the parameter, the session decides.
        let silent = prompt.is_some_and(Prompts::is_silent);
        let identity_provider =
            identity_provider.filter(|idp| !(silent && idp.eq_ignore_ascii_case("COGNITO")));
        let prompt = prompt.map(|p| p.to_string());
        let values = [
            (SignInParameter::IdentityProvider, identity_provider),
            (SignInParameter::IdpIdentifier, idp_identifier),
            (
                SignInParameter::Lang,
                self.lang.as_deref().or(config.lang()),
            ),
            (SignInParameter::Prompt, prompt.as_deref()),
            (
                SignInParameter::LoginHint,
                self.login_hint.as_deref().or(config.login_hint()),
            ),
            (
                SignInParameter::Resource,
                self.resource.as_deref().or(config.resource()),
            ),
        ];
        Ok(values
            .into_iter()
            .filter_map(|(parameter, value)| value.map(|v| (parameter.name(), v.to_owned())))
            .collect())
    }

    /// Reads a sign-in route's query (`return_to=/path&prompt=none&...`): `return_to`, and
    /// the managed-login parameters in `allowed`. An empty value counts as absent; other
    /// names are ignored.
    ///
    /// # Errors
    /// A [`ConfigError`] naming a managed-login parameter the query carries but `allowed`
    /// does not list, a value that breaks its rule, or field `query` for a query that
    /// cannot be read (a name twice, not UTF-8).
    #[cfg_attr(not(feature = "ssr"), allow(dead_code))]
    pub(crate) fn from_query(
        query: &str,
        allowed: &[SignInParameter],
    ) -> Result<Self, ConfigError> {
        let pairs = parse_form(query)
            .map_err(|_| ConfigError::invalid("query", "a name appears twice, or not as UTF-8"))?;
        let mut options = Self::new();
        for (name, value) in pairs {
            if name == "return_to" {
                options = options.return_to(value);
                continue;
            }
            let Some(parameter) = SignInParameter::from_name(&name) else {
                continue;
            };
            if !allowed.contains(&parameter) {
                return Err(ConfigError::invalid(
                    parameter.name(),
                    "this sign-in route does not accept it from the browser \
                     (ServerSessionBuilder::sign_in_parameters names those it does)",
                ));
            }
            if value.trim().is_empty() {
                continue;
            }
            options = match parameter {
                SignInParameter::LoginHint => options.login_hint(value),
                SignInParameter::Lang => options.lang(value),
                SignInParameter::Prompt => options.prompt(value.parse::<Prompts>()?),
                SignInParameter::Resource => options.resource(value),
                SignInParameter::IdentityProvider => options.identity_provider(value),
                SignInParameter::IdpIdentifier => options.idp_identifier(value),
            };
        }
        options.check()?;
        Ok(options)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::Prompt;

    fn config() -> crate::protocol::CognitoConfigBuilder {
        CognitoConfig::builder()
            .client_id("c")
            .app_web_domain("auth.example.com")
            .redirect_uri_sign_in("https://app.example.com/cb")
            .redirect_uri_sign_out("https://app.example.com/")
    }

    fn names(parameters: &[(&'static str, String)]) -> Vec<&'static str> {
        parameters.iter().map(|(n, _)| *n).collect()
    }

    #[test]
    fn each_parameter_alone() {
        let plain = config().build().unwrap();
        let cases = [
            (
                SignInOptions::new().login_hint("alice"),
                "login_hint",
                "alice",
            ),
            (SignInOptions::new().lang("pt-BR"), "lang", "pt-BR"),
            (
                SignInOptions::new().prompt(Prompt::Consent),
                "prompt",
                "consent",
            ),
            (
                SignInOptions::new().resource("urn:example:api"),
                "resource",
                "urn:example:api",
            ),
            (
                SignInOptions::new().identity_provider("Google"),
                "identity_provider",
                "Google",
            ),
            (
                SignInOptions::new().idp_identifier("example.com"),
                "idp_identifier",
                "example.com",
            ),
        ];
        for (options, name, value) in cases {
            assert_eq!(
                options.authorize_parameters(&plain).unwrap(),
                [(name, value.to_owned())],
                "{name}"
            );
        }
        assert!(SignInOptions::new()
            .authorize_parameters(&plain)
            .unwrap()
            .is_empty());
    }

    #[test]
    fn the_call_overrides_the_configuration() {
        let configured = config()
            .lang("fr")
            .prompt(Prompt::Login)
            .login_hint("bob")
            .resource("https://api.example.com")
            .idp_identifier("example.com")
            .build()
            .unwrap();
        let from_config = SignInOptions::new()
            .authorize_parameters(&configured)
            .unwrap();
        assert_eq!(
            from_config,
            [
                ("idp_identifier", "example.com".to_owned()),
                ("lang", "fr".to_owned()),
                ("prompt", "login".to_owned()),
                ("login_hint", "bob".to_owned()),
                ("resource", "https://api.example.com".to_owned()),
            ]
        );
        let call = SignInOptions::new()
            .lang("de")
            .prompt(Prompts::new([Prompt::SelectAccount, Prompt::Consent]).unwrap())
            .login_hint("alice")
            .resource("https://other.example.com/v1")
            .identity_provider("Google");
        assert_eq!(
            call.authorize_parameters(&configured).unwrap(),
            [
                // The call's provider replaces the configuration's, in either form.
                ("identity_provider", "Google".to_owned()),
                ("lang", "de".to_owned()),
                ("prompt", "consent select_account".to_owned()),
                ("login_hint", "alice".to_owned()),
                ("resource", "https://other.example.com/v1".to_owned()),
            ]
        );
    }

    #[test]
    fn never_cognito_with_prompt_none() {
        let cognito = config().identity_provider("COGNITO").build().unwrap();
        assert_eq!(
            names(&SignInOptions::new().authorize_parameters(&cognito).unwrap()),
            ["identity_provider"]
        );
        assert_eq!(
            SignInOptions::silent()
                .authorize_parameters(&cognito)
                .unwrap(),
            [("prompt", "none".to_owned())]
        );
        // Named by the call, in any case: dropped too.
        let plain = config().build().unwrap();
        let call = SignInOptions::silent().identity_provider("cognito");
        assert_eq!(
            names(&call.authorize_parameters(&plain).unwrap()),
            ["prompt"]
        );
        // A configured prompt=none counts as well.
        let configured = config()
            .identity_provider("COGNITO")
            .prompt(Prompt::None)
            .build()
            .unwrap();
        assert_eq!(
            names(
                &SignInOptions::new()
                    .authorize_parameters(&configured)
                    .unwrap()
            ),
            ["prompt"]
        );
        // A federated provider stays with prompt=none; COGNITO stays with other prompts.
        let google = SignInOptions::silent().identity_provider("Google");
        assert_eq!(
            names(&google.authorize_parameters(&plain).unwrap()),
            ["identity_provider", "prompt"]
        );
        let login = SignInOptions::new()
            .prompt(Prompt::Login)
            .identity_provider("COGNITO");
        assert_eq!(
            login.authorize_parameters(&plain).unwrap()[0],
            ("identity_provider", "COGNITO".to_owned())
        );
    }

    #[test]
    fn values_are_checked() {
        let plain = config().build().unwrap();
        let bad = [
            (SignInOptions::new().lang("e s"), "lang"),
            (SignInOptions::new().lang("x".repeat(36)), "lang"),
            (SignInOptions::new().login_hint("al\nice"), "login_hint"),
            (
                SignInOptions::new().login_hint("a".repeat(257)),
                "login_hint",
            ),
            (SignInOptions::new().resource("api.example.com"), "resource"),
            (SignInOptions::new().resource("/relative"), "resource"),
            (
                SignInOptions::new().resource("https://api.example.com/#x"),
                "resource",
            ),
            (
                SignInOptions::new().resource("https://a b.example.com"),
                "resource",
            ),
            (SignInOptions::new().resource("1https://x"), "resource"),
            (SignInOptions::new().resource("https:"), "resource"),
            (
                SignInOptions::new().identity_provider("My IdP"),
                "identity_provider",
            ),
            (
                SignInOptions::new().idp_identifier("a\u{7}"),
                "idp_identifier",
            ),
            (
                SignInOptions::new()
                    .identity_provider("Google")
                    .idp_identifier("example.com"),
                "idp_identifier",
            ),
        ];
        for (options, field) in bad {
            assert_eq!(options.check().unwrap_err().field(), field, "{options:?}");
            let err = options.authorize_parameters(&plain).unwrap_err();
            assert_eq!(err.field(), field);
            assert!(err.to_string().len() < 300, "{err}");
        }
        // Surrounding spaces go; an empty value is no value.
        let trimmed = SignInOptions::new().login_hint("  alice ").lang(" ");
        assert_eq!(
            trimmed.authorize_parameters(&plain).unwrap(),
            [("login_hint", "alice".to_owned())]
        );
        for good in [
            "https://api.example.com/v1?x=1",
            "urn:ietf:rfc:8707",
            "api+v2.x-y:z",
        ] {
            assert!(
                SignInOptions::new().resource(good).check().is_ok(),
                "{good}"
            );
        }
        assert!(SignInOptions::new()
            .login_hint("ålice +1 555 0100 @ example")
            .check()
            .is_ok());
    }

    #[test]
    fn a_sign_in_routes_query() {
        let all = SignInParameter::ALL;
        let options = SignInOptions::from_query(
            "return_to=%2Forders%3Fid%3D7&login_hint=alice%40example.com&prompt=login+consent\
             &lang=es&resource=https%3A%2F%2Fapi.example.com&idp_identifier=example.com&utm=x",
            &all,
        )
        .unwrap();
        assert_eq!(options.return_path(), Some("/orders?id=7"));
        let plain = config().build().unwrap();
        assert_eq!(
            options.authorize_parameters(&plain).unwrap(),
            [
                ("idp_identifier", "example.com".to_owned()),
                ("lang", "es".to_owned()),
                ("prompt", "login consent".to_owned()),
                ("login_hint", "alice@example.com".to_owned()),
                ("resource", "https://api.example.com".to_owned()),
            ]
        );
        // Only what the route allows.
        let only_prompt = [SignInParameter::Prompt];
        let silent = SignInOptions::from_query("prompt=none&return_to=/a", &only_prompt).unwrap();
        assert_eq!(silent, SignInOptions::silent().return_to("/a"));
        let refused = SignInOptions::from_query("prompt=none&login_hint=alice", &only_prompt);
        assert_eq!(refused.unwrap_err().field(), "login_hint");
        assert_eq!(
            SignInOptions::from_query("lang=es", &[])
                .unwrap_err()
                .field(),
            "lang"
        );
        // Nothing to allow: a plain sign-in; empty values are absent.
        assert_eq!(
            SignInOptions::from_query("", &[]).unwrap(),
            SignInOptions::new()
        );
        assert_eq!(
            SignInOptions::from_query("prompt=&return_to=/x", &all).unwrap(),
            SignInOptions::new().return_to("/x")
        );
        // Bad values, both providers, a repeated name, a bad prompt: refused.
        for (query, field) in [
            ("prompt=none+login", "prompt"),
            ("prompt=sometimes", "prompt"),
            ("lang=e%20s", "lang"),
            (
                "identity_provider=Google&idp_identifier=example.com",
                "idp_identifier",
            ),
            ("prompt=none&prompt=login", "query"),
            ("resource=nope", "resource"),
        ] {
            let err = SignInOptions::from_query(query, &all).unwrap_err();
            assert_eq!(err.field(), field, "{query}");
        }
    }

    #[test]
    fn parameter_names() {
        for parameter in SignInParameter::ALL {
            assert_eq!(
                SignInParameter::from_name(parameter.name()),
                Some(parameter)
            );
        }
        assert_eq!(SignInParameter::from_name("return_to"), None);
        assert_eq!(SignInParameter::from_name("Prompt"), None);
    }
}

//! The demo's configuration: read from `COGNITO_*` environment variables by the server,
//! rendered into the page as JSON, read back by `hydrate()`.

use serde::{Deserialize, Serialize};

use leptos_cognito_auth::{CognitoConfig, ConfigError, ResponseType, StorageKind};

/// The id of the `<script type="application/json">` element holding the settings.
pub const SETTINGS_ELEMENT_ID: &str = "cognito-demo-settings";

/// The local Hosted UI's defaults.
const LOCAL_DOMAIN: &str = "http://localhost:9229";
const LOCAL_POOL: &str = "us-east-1_LocalPool";
const LOCAL_CLIENT: &str = "local-spa-client";
const LOCAL_SERVER_CLIENT: &str = "local-server-client";
const LOCAL_SERVER_SECRET: &str = "local-server-secret";
const LOCAL_SCOPES: &str = "openid email profile phone aws.cognito.signin.user.admin";

/// Everything the demo needs to build its [`CognitoConfig`], as plain strings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoSettings {
    /// `COGNITO_DOMAIN`, or the local Hosted UI.
    pub domain: String,
    /// Whether `COGNITO_DOMAIN` was unset, so the server runs the local Hosted UI.
    pub local_emulator: bool,
    /// `COGNITO_CLIENT_ID`.
    pub client_id: String,
    /// `COGNITO_CLIENT_SECRET`: sent to the browser in the browser-storage modes (see the
    /// README's warning); in server-session mode it stays on the server.
    pub client_secret: Option<String>,
    /// `COGNITO_USER_POOL_ID`.
    pub user_pool_id: Option<String>,
    /// `COGNITO_ISSUER`.
    pub issuer: Option<String>,
    /// `COGNITO_SCOPES`, split on spaces.
    pub scopes: Vec<String>,
    /// `COGNITO_REDIRECT_SIGN_IN`.
    pub redirect_sign_in: String,
    /// `COGNITO_REDIRECT_SIGN_OUT`.
    pub redirect_sign_out: String,
    /// `COGNITO_RESPONSE_TYPE`: `code` or `token`.
    pub response_type: String,
    /// `COGNITO_IDENTITY_PROVIDER`.
    pub identity_provider: Option<String>,
    /// `COGNITO_STORAGE`: `local`, `session`, `cookie`, `memory` or `server`.
    pub storage: String,
    /// `COGNITO_SESSION_STORE`: where server sessions live: `memory` (the default),
    /// `cookie` (sealed in the browser's cookies), or a Redis URL (`redis://`, `rediss://`,
    /// `redis-cluster://`, `rediss-cluster://`). Server only: never embedded in the page.
    #[serde(skip)]
    pub session_store: Option<String>,
    /// `COGNITO_SESSION_SECRET`: the secrets server sessions seal their pending sign-in
    /// cookie with, separated by spaces (the first seals, each opens: rotation). Needed with
    /// a shared store; generated at start with the memory store. Server only.
    #[serde(skip)]
    pub session_secret: Vec<String>,
    /// `COGNITO_USER_POOL_ENDPOINT`: where the user-pool API (`GlobalSignOut`, for signing
    /// out everywhere) is; the local Hosted UI's own base by default with it, else the
    /// pool's region. Server only.
    #[serde(skip)]
    pub user_pool_endpoint: Option<String>,
    /// `COGNITO_JWKS_URL`: where the server reads the pool's signing keys instead of
    /// `<issuer>/.well-known/jwks.json`, for every issuer it accepts (a local Hosted UI
    /// issuing Cognito-format issuers serves them itself). Server only.
    #[serde(skip)]
    pub jwks_url: Option<String>,
    /// `COGNITO_HTTP_TIMEOUT_MS`: how long a request to Cognito may take.
    #[serde(default)]
    pub http_timeout_ms: Option<u32>,
    /// `COGNITO_REFRESH_MARGIN_SECS`: refresh this long before expiry.
    #[serde(default)]
    pub refresh_margin_secs: Option<u64>,
    /// `COGNITO_AUTO_REFRESH`: `true` (the kit's default) or `false` (the session is then
    /// refreshed only when the page finds it expired, or on request).
    #[serde(default)]
    pub auto_refresh: Option<bool>,
}

/// A setting that stops the server at start, naming the variable.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{variable}: {message}")]
pub struct SettingsError {
    /// The environment variable at fault.
    pub variable: &'static str,
    /// What is wrong with it.
    pub message: String,
}

impl DemoSettings {
    /// Reads the settings through `get` (the environment, in the server), filling in the
    /// local Hosted UI's defaults, and checks that they make a valid configuration.
    pub fn from_env(get: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        let var = |name: &str| {
            get(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let domain = var("COGNITO_DOMAIN");
        let local_emulator = domain.is_none();
        let user_pool_id =
            var("COGNITO_USER_POOL_ID").or_else(|| local_emulator.then(|| LOCAL_POOL.to_owned()));
        let issuer = var("COGNITO_ISSUER")
            .or_else(|| local_emulator.then(|| format!("{LOCAL_DOMAIN}/{LOCAL_POOL}")));
        let storage = var("COGNITO_STORAGE").unwrap_or_else(|| "local".to_owned());
        // Server sessions run as the local Hosted UI's confidential client: its secret
        // stays on the server.
        let server_mode = storage.eq_ignore_ascii_case("server");
        let (default_client, default_secret) = if server_mode && local_emulator {
            (LOCAL_SERVER_CLIENT, Some(LOCAL_SERVER_SECRET.to_owned()))
        } else {
            (LOCAL_CLIENT, None)
        };
        let client_id = var("COGNITO_CLIENT_ID");
        let client_secret = var("COGNITO_CLIENT_SECRET").or(if client_id.is_none() {
            default_secret
        } else {
            None
        });
        let settings = Self {
            domain: domain.unwrap_or_else(|| LOCAL_DOMAIN.to_owned()),
            local_emulator,
            client_id: client_id.unwrap_or_else(|| default_client.to_owned()),
            client_secret,
            user_pool_id,
            issuer,
            scopes: var("COGNITO_SCOPES")
                .unwrap_or_else(|| LOCAL_SCOPES.to_owned())
                .split_whitespace()
                .map(str::to_owned)
                .collect(),
            redirect_sign_in: var("COGNITO_REDIRECT_SIGN_IN")
                .unwrap_or_else(|| "http://localhost:3000/callback".to_owned()),
            redirect_sign_out: var("COGNITO_REDIRECT_SIGN_OUT")
                .unwrap_or_else(|| "http://localhost:3000/".to_owned()),
            response_type: var("COGNITO_RESPONSE_TYPE").unwrap_or_else(|| "code".to_owned()),
            identity_provider: var("COGNITO_IDENTITY_PROVIDER"),
            storage,
            session_store: session_store(&var)?,
            user_pool_endpoint: var("COGNITO_USER_POOL_ENDPOINT"),
            session_secret: var("COGNITO_SESSION_SECRET")
                .map(|s| s.split_whitespace().map(str::to_owned).collect())
                .unwrap_or_default(),
            jwks_url: var("COGNITO_JWKS_URL"),
            http_timeout_ms: number(&var, "COGNITO_HTTP_TIMEOUT_MS")?,
            refresh_margin_secs: number(&var, "COGNITO_REFRESH_MARGIN_SECS")?,
            auto_refresh: boolean(&var, "COGNITO_AUTO_REFRESH")?,
        };
        settings.config()?;
        Ok(settings)
    }

    /// The kit configuration these settings describe.
    pub fn config(&self) -> Result<CognitoConfig, SettingsError> {
        let response_type: ResponseType =
            self.response_type
                .parse()
                .map_err(|message| SettingsError {
                    variable: "COGNITO_RESPONSE_TYPE",
                    message,
                })?;
        let storage: StorageKind = self.storage.parse().map_err(|message| SettingsError {
            variable: "COGNITO_STORAGE",
            message,
        })?;
        let mut builder = CognitoConfig::builder()
            .client_id(&self.client_id)
            .app_web_domain(&self.domain)
            .scopes(self.scopes.iter().cloned())
            .redirect_uri_sign_in(&self.redirect_sign_in)
            .redirect_uri_sign_out(&self.redirect_sign_out)
            .response_type(response_type)
            .storage(storage);
        if let Some(secret) = &self.client_secret {
            builder = builder.client_secret(secret.as_str());
        }
        if let Some(pool) = &self.user_pool_id {
            builder = builder.user_pool_id(pool);
        }
        if let Some(issuer) = &self.issuer {
            builder = builder.issuer(issuer);
        }
        if let Some(idp) = &self.identity_provider {
            builder = builder.identity_provider(idp);
        }
        if let Some(ms) = self.http_timeout_ms {
            builder = builder.http_timeout_ms(ms);
        }
        if let Some(secs) = self.refresh_margin_secs {
            builder = builder.refresh_margin_secs(secs);
        }
        if let Some(on) = self.auto_refresh {
            builder = builder.auto_refresh(on);
        }
        builder.build().map_err(|e| SettingsError {
            variable: variable_of(&e),
            message: e.to_string(),
        })
    }

    /// The settings as JSON safe to embed in a `<script>` element. In server-session mode
    /// the client secret is left out: the browser never sees it.
    pub fn to_embedded_json(&self) -> String {
        let mut shown = self.clone();
        if self.storage.eq_ignore_ascii_case("server") {
            shown.client_secret = None;
        }
        serde_json::to_string(&shown)
            .unwrap_or_else(|_| "{}".to_owned())
            .replace('<', "\\u003c")
    }

    /// Reads the settings the server embedded in the page.
    #[cfg(feature = "hydrate")]
    pub fn from_document() -> Self {
        let json = leptos::prelude::document()
            .get_element_by_id(SETTINGS_ELEMENT_ID)
            .and_then(|el| el.text_content())
            .unwrap_or_default();
        Self::from_json(&json)
            .unwrap_or_else(|| Self::from_env(|_| None).unwrap_or_else(|e| panic!("{e}")))
    }

    /// The settings from [`to_embedded_json`](Self::to_embedded_json)'s JSON, read through
    /// a `serde_json::Value` rather than the derived `Deserialize`: the browser build then
    /// reuses the JSON parser it holds for tokens instead of adding one for this struct.
    /// Like the derived one, it refuses a missing or mistyped field, except those with a
    /// default.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    fn from_json(json: &str) -> Option<Self> {
        use serde_json::Value;
        let Ok(Value::Object(mut o)) = serde_json::from_slice::<Value>(json.as_bytes()) else {
            return None;
        };
        let mut take = |name: &str| o.remove(name).unwrap_or(Value::Null);
        let string = |v: Value| match v {
            Value::String(s) => Some(s),
            _ => None,
        };
        let optional = |v: Value| match v {
            Value::Null => Some(None),
            Value::String(s) => Some(Some(s)),
            _ => None,
        };
        let number = |v: Value| match v {
            Value::Null => Some(None),
            Value::Number(n) => n.as_u64().map(Some),
            _ => None,
        };
        Some(Self {
            domain: string(take("domain"))?,
            local_emulator: take("local_emulator").as_bool()?,
            client_id: string(take("client_id"))?,
            client_secret: optional(take("client_secret"))?,
            user_pool_id: optional(take("user_pool_id"))?,
            issuer: optional(take("issuer"))?,
            scopes: match take("scopes") {
                Value::Array(items) => items.into_iter().map(string).collect::<Option<_>>()?,
                _ => return None,
            },
            redirect_sign_in: string(take("redirect_sign_in"))?,
            redirect_sign_out: string(take("redirect_sign_out"))?,
            response_type: string(take("response_type"))?,
            identity_provider: optional(take("identity_provider"))?,
            storage: string(take("storage"))?,
            session_store: None,
            session_secret: Vec::new(),
            user_pool_endpoint: None,
            jwks_url: None,
            http_timeout_ms: match number(take("http_timeout_ms"))? {
                Some(ms) => Some(u32::try_from(ms).ok()?),
                None => None,
            },
            refresh_margin_secs: number(take("refresh_margin_secs"))?,
            auto_refresh: match take("auto_refresh") {
                Value::Null => None,
                Value::Bool(on) => Some(on),
                _ => return None,
            },
        })
    }
}

/// `COGNITO_SESSION_STORE`: one of the forms the server knows, or an error naming it.
fn session_store(var: &impl Fn(&str) -> Option<String>) -> Result<Option<String>, SettingsError> {
    const SCHEMES: [&str; 4] = [
        "redis://",
        "rediss://",
        "redis-cluster://",
        "rediss-cluster://",
    ];
    match var("COGNITO_SESSION_STORE") {
        Some(v) if v != "memory" && v != "cookie" && !SCHEMES.iter().any(|s| v.starts_with(s)) => {
            Err(SettingsError {
                variable: "COGNITO_SESSION_STORE",
                message: format!(
                    "`{}` is none of `memory`, `cookie`, a redis://, rediss://, \
                     redis-cluster:// or rediss-cluster:// URL",
                    redact_password(&v)
                ),
            })
        }
        v => Ok(v),
    }
}

/// A store URL fit for a log line or an error message: whatever comes before the last `@`
/// (a user name and password) replaced, the scheme kept.
pub fn redact_password(url: &str) -> String {
    let Some(at) = url.rfind('@') else {
        return url.to_owned();
    };
    match url.split_once("://") {
        Some((scheme, _)) if scheme.len() < at => format!("{scheme}://[redacted]{}", &url[at..]),
        _ => format!("[redacted]{}", &url[at..]),
    }
}

/// An optional whole-number variable.
fn number<T: std::str::FromStr>(
    var: &impl Fn(&str) -> Option<String>,
    name: &'static str,
) -> Result<Option<T>, SettingsError> {
    var(name)
        .map(|v| {
            v.parse().map_err(|_| SettingsError {
                variable: name,
                message: format!("`{v}` is not a whole number"),
            })
        })
        .transpose()
}

/// An optional `true`/`false` variable.
fn boolean(
    var: &impl Fn(&str) -> Option<String>,
    name: &'static str,
) -> Result<Option<bool>, SettingsError> {
    var(name)
        .map(|v| match v.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Ok(true),
            "false" | "0" | "no" | "off" => Ok(false),
            _ => Err(SettingsError {
                variable: name,
                message: format!("`{v}` is neither true nor false"),
            }),
        })
        .transpose()
}

fn variable_of(error: &ConfigError) -> &'static str {
    match error.field() {
        "ClientId" => "COGNITO_CLIENT_ID",
        "AppWebDomain" => "COGNITO_DOMAIN",
        "TokenScopesArray" => "COGNITO_SCOPES",
        "RedirectUriSignIn" => "COGNITO_REDIRECT_SIGN_IN",
        "RedirectUriSignOut" => "COGNITO_REDIRECT_SIGN_OUT",
        "UserPoolId" => "COGNITO_USER_POOL_ID",
        "issuer" => "COGNITO_ISSUER",
        "http_timeout_ms" => "COGNITO_HTTP_TIMEOUT_MS",
        _ => "COGNITO_*",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn defaults_are_the_local_hosted_ui() {
        let s = DemoSettings::from_env(env(&[])).unwrap();
        assert!(s.local_emulator);
        let c = s.config().unwrap();
        assert_eq!(c.domain_base(), "http://localhost:9229");
        assert_eq!(c.client_id(), "local-spa-client");
        assert_eq!(
            c.issuer().as_deref(),
            Some("http://localhost:9229/us-east-1_LocalPool")
        );
        assert_eq!(c.scopes().len(), 5);
        assert_eq!(c.response_type(), ResponseType::Code);
    }

    #[test]
    fn a_real_pool_derives_the_issuer() {
        let s = DemoSettings::from_env(env(&[
            ("COGNITO_DOMAIN", "myapp.auth.eu-west-1.amazoncognito.com"),
            ("COGNITO_USER_POOL_ID", "eu-west-1_AbC123"),
            ("COGNITO_RESPONSE_TYPE", "token"),
            ("COGNITO_STORAGE", "session"),
        ]))
        .unwrap();
        assert!(!s.local_emulator);
        let c = s.config().unwrap();
        assert_eq!(
            c.issuer().as_deref(),
            Some("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123")
        );
        assert_eq!(c.storage(), StorageKind::Session);
    }

    #[test]
    fn bad_values_name_the_variable() {
        for (pairs, variable) in [
            (
                vec![("COGNITO_RESPONSE_TYPE", "id_token")],
                "COGNITO_RESPONSE_TYPE",
            ),
            (vec![("COGNITO_STORAGE", "disk")], "COGNITO_STORAGE"),
            (
                vec![("COGNITO_DOMAIN", "http://cognito.example.com")],
                "COGNITO_DOMAIN",
            ),
            (
                vec![("COGNITO_REDIRECT_SIGN_IN", "/callback")],
                "COGNITO_REDIRECT_SIGN_IN",
            ),
            (
                vec![("COGNITO_USER_POOL_ID", "nope")],
                "COGNITO_USER_POOL_ID",
            ),
            (vec![("COGNITO_ISSUER", "ftp://x")], "COGNITO_ISSUER"),
            (
                vec![("COGNITO_SESSION_STORE", "postgres://db/")],
                "COGNITO_SESSION_STORE",
            ),
            (
                vec![("COGNITO_AUTO_REFRESH", "sometimes")],
                "COGNITO_AUTO_REFRESH",
            ),
        ] {
            let err = DemoSettings::from_env(env(&pairs)).unwrap_err();
            assert_eq!(err.variable, variable, "{err}");
        }
    }

    #[test]
    fn a_store_url_never_shows_its_password() {
        for (url, shown) in [
            (
                "Rediss://:hunter2@cache:6379",
                "Rediss://[redacted]@cache:6379",
            ),
            ("valkey://admin:hunter2@host", "valkey://[redacted]@host"),
            ("hunter2@host", "[redacted]@host"),
            ("redis://cache:6379", "redis://cache:6379"),
        ] {
            assert_eq!(redact_password(url), shown);
        }
        let err =
            DemoSettings::from_env(env(&[("COGNITO_SESSION_STORE", "Rediss://:hunter2@cache")]))
                .unwrap_err();
        assert_eq!(err.variable, "COGNITO_SESSION_STORE");
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }

    #[test]
    fn automatic_refresh_can_be_turned_off() {
        let on = DemoSettings::from_env(env(&[])).unwrap();
        assert!(on.config().unwrap().auto_refresh());
        let off = DemoSettings::from_env(env(&[("COGNITO_AUTO_REFRESH", "false")])).unwrap();
        assert!(!off.config().unwrap().auto_refresh());
        let json = off.to_embedded_json();
        assert_eq!(serde_json::from_str::<DemoSettings>(&json).unwrap(), off);
    }

    #[test]
    fn server_sessions_use_the_confidential_client_and_keep_its_secret() {
        let s = DemoSettings::from_env(env(&[
            ("COGNITO_STORAGE", "server"),
            ("COGNITO_SESSION_STORE", "redis://127.0.0.1:6390/"),
            (
                "COGNITO_SESSION_SECRET",
                "a-secret-of-at-least-thirty-two-characters",
            ),
        ]))
        .unwrap();
        assert_eq!(s.client_id, "local-server-client");
        assert_eq!(s.client_secret.as_deref(), Some("local-server-secret"));
        assert_eq!(s.config().unwrap().storage(), StorageKind::Server);
        let json = s.to_embedded_json();
        assert!(!json.contains("local-server-secret"), "{json}");
        assert!(!json.contains("redis"), "{json}");
        assert!(!json.contains("thirty-two"), "{json}");
        let back = DemoSettings::from_json(&json).unwrap();
        assert_eq!(back.client_secret, None);
        assert_eq!(back.session_store, None);
    }

    #[test]
    fn embedded_json_cannot_close_the_script_element() {
        let mut s = DemoSettings::from_env(env(&[])).unwrap();
        s.identity_provider = Some("</script><script>alert(1)</script>".into());
        let json = s.to_embedded_json();
        assert!(!json.contains("</script"));
        let back: DemoSettings = serde_json::from_str(&json).unwrap();
        assert_eq!(back, s);
        assert_eq!(DemoSettings::from_json(&json), Some(s.clone()));
        s.http_timeout_ms = Some(5000);
        s.refresh_margin_secs = Some(30);
        s.auto_refresh = Some(false);
        s.client_secret = Some("secret".into());
        assert_eq!(
            DemoSettings::from_json(&s.to_embedded_json()),
            Some(s.clone())
        );
        assert_eq!(DemoSettings::from_json("[]"), None);
        assert_eq!(DemoSettings::from_json(r#"{"domain": 5}"#), None);
    }
}

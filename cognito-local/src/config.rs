//! The emulator's configuration: defaults (a contract other parts of the project rely on) and
//! the TOML file format that overrides them.
//!
//! Every field has a default, so an empty file is a valid configuration. A `[[clients]]`,
//! `[[users]]` or `[[resource_servers]]` list in the file replaces the default list
//! entirely. The format is documented field by field (type, default, meaning) in the crate's
//! README, section "Configuration file"; `tests/readme.rs` fails when a field here is missing
//! there, or when the README's example stops parsing.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use serde::Deserialize;

/// The default listening address: loopback only.
pub const DEFAULT_ADDR: &str = "127.0.0.1:9229";
/// The default user pool id; the issuer is `<domain base>/<pool id>`.
pub const DEFAULT_USER_POOL_ID: &str = "us-east-1_LocalPool";
/// The default public (browser) client.
pub const DEFAULT_SPA_CLIENT_ID: &str = "local-spa-client";
/// The default confidential client.
pub const DEFAULT_SERVER_CLIENT_ID: &str = "local-server-client";
/// The default confidential client's secret.
pub const DEFAULT_SERVER_CLIENT_SECRET: &str = "local-server-secret";
/// The default machine-to-machine client (the `client_credentials` grant only).
pub const DEFAULT_M2M_CLIENT_ID: &str = "local-m2m-client";
/// The default machine-to-machine client's secret.
pub const DEFAULT_M2M_CLIENT_SECRET: &str = "local-m2m-secret";
/// The default resource server's identifier: its scopes are `local-api/read` and
/// `local-api/write`, and the default machine-to-machine client may have `local-api/read`.
pub const DEFAULT_RESOURCE_SERVER: &str = "local-api";
/// The default callback URL of the default user-facing clients.
pub const DEFAULT_CALLBACK_URL: &str = "http://localhost:3000/callback";
/// The default sign-out URL of the default user-facing clients.
pub const DEFAULT_LOGOUT_URL: &str = "http://localhost:3000/";
/// The password of both default users.
pub const DEFAULT_PASSWORD: &str = "Passw0rd!";

/// The longest accepted refresh-token rotation grace period, as in Cognito.
pub const MAX_ROTATION_GRACE_SECS: u64 = 60;

/// The whole emulator configuration: [`EmulatorConfig::default`] is the documented defaults,
/// [`EmulatorConfig::from_toml`] and [`EmulatorConfig::from_file`] read a TOML file whose
/// format (every field, its type, default and meaning) is in the crate's README, section
/// "Configuration file".
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EmulatorConfig {
    /// Address to listen on (default `127.0.0.1:9229`).
    pub addr: SocketAddr,
    /// Public base URL of the Hosted UI domain (default `http://localhost:<port of addr>`).
    pub domain_base: Option<String>,
    /// User pool id (default `us-east-1_LocalPool`).
    pub user_pool_id: String,
    /// Token issuer (default `<domain base>/<user pool id>`). The JWKS and discovery document
    /// are served under this URL's path. Only with [`IssuerFormat::Local`].
    pub issuer: Option<String>,
    /// Which issuer URL the tokens name (default [`IssuerFormat::Local`]): the emulator's
    /// own, or one of Cognito's two formats for the user pool id.
    pub issuer_format: IssuerFormat,
    /// The AWS Region this emulator serves the user pool from (default: the region of the
    /// user pool id, the pool's primary Region). Another Region makes it act as a replica
    /// Region of a multi-Region user pool: with [`IssuerFormat::Original`] its tokens name
    /// that Region's issuer; with [`IssuerFormat::Updated`] they name the primary Region's,
    /// as Cognito's replicas do. Only with an AWS issuer format.
    pub region: Option<String>,
    /// Lifetime of the Hosted UI session cookie in seconds (default 3600).
    pub session_lifetime_secs: u64,
    /// Lifetime of an authorization code in seconds (default 300).
    pub code_lifetime_secs: u64,
    /// Mounts the test-only control surface under `/_test` (default false).
    pub enable_test_control: bool,
    /// Signing keys (default: the development keys shipped in `cognito-local/keys/`).
    pub keys: KeysConfig,
    /// App clients (default: `local-spa-client`, `local-server-client` and
    /// `local-m2m-client`).
    pub clients: Vec<ClientConfig>,
    /// Resource servers, whose custom scopes (`<identifier>/<scope name>`) the
    /// `client_credentials` grant issues (default: `local-api` with `read` and `write`).
    pub resource_servers: Vec<ResourceServerConfig>,
    /// Users (default: `alice` and `bob`).
    pub users: Vec<UserConfig>,
}

/// The issuer URL the emulator's tokens name in `iss` (the `issuer_format` setting).
///
/// Amazon Cognito names a user pool's issuer in one of two formats, chosen per pool. With
/// `original` or `updated`, the tokens carry that AWS URL for the configured pool id, so a
/// verifier sees the same `iss` it sees from Cognito. This server is not at that URL: it
/// serves the JWKS and discovery document at `<domain base>/<user pool id>/.well-known/...`
/// (the discovery document's `jwks_uri` says so), and a verifier must be told to fetch the
/// keys from there (the kit: `CognitoJwtVerifierBuilder::jwks_url_for(issuer, jwks_uri)`).
/// The keys are the development keys: never point a production verifier at them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum IssuerFormat {
    /// `<domain base>/<user pool id>`, or the configured `issuer` (the default).
    #[default]
    Local,
    /// Cognito's original format: `https://cognito-idp.<region>.amazonaws.com/<user pool id>`.
    Original,
    /// Cognito's updated format:
    /// `https://issuer-cognito-idp.<region>.amazonaws.com/<user pool id>`.
    Updated,
}

/// Where the two signing keys come from.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KeysConfig {
    /// PEM file (PKCS#1 or PKCS#8) of the key that signs ID tokens.
    pub id_token_key: Option<PathBuf>,
    /// PEM file (PKCS#1 or PKCS#8) of the key that signs access tokens.
    pub access_token_key: Option<PathBuf>,
}

/// An OAuth flow an app client may use (Cognito's `AllowedOAuthFlows`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OAuthFlow {
    /// Authorization code grant (`response_type=code` at `/oauth2/authorize`).
    Code,
    /// Implicit grant (`response_type=token` at `/oauth2/authorize`).
    Implicit,
    /// Client credentials grant (`grant_type=client_credentials` at `/oauth2/token`):
    /// machine-to-machine access tokens for a confidential client, with custom scopes only.
    /// As in Cognito, it excludes the other two flows.
    ClientCredentials,
}

/// A resource server: an API whose custom scopes app clients can be allowed
/// (`<identifier>/<scope name>`, e.g. `local-api/read`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ResourceServerConfig {
    /// The identifier, the first part of each scope (often the API's URL).
    pub identifier: String,
    /// The scope names, the part after the `/`.
    pub scopes: Vec<String>,
}

impl ResourceServerConfig {
    /// The full custom scopes: `<identifier>/<name>` for each scope name.
    pub fn full_scopes(&self) -> impl Iterator<Item = String> + '_ {
        self.scopes
            .iter()
            .map(move |name| format!("{}/{name}", self.identifier))
    }
}

/// One app client.
#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClientConfig {
    /// The client id.
    pub client_id: String,
    /// The client secret; `None` for a public client.
    pub client_secret: Option<String>,
    /// Registered callback (redirect) URLs, matched exactly.
    pub callback_urls: Vec<String>,
    /// Registered sign-out URLs for `/logout?logout_uri=`, matched exactly.
    pub logout_urls: Vec<String>,
    /// Scopes this client may request; an authorize request without `scope` gets all of them,
    /// and so does a `client_credentials` request (custom scopes only, there).
    pub allowed_scopes: Vec<String>,
    /// Flows this client may use: `code` and `implicit` at `/oauth2/authorize`, or
    /// `client_credentials` at `/oauth2/token` (alone).
    pub allowed_flows: Vec<OAuthFlow>,
    /// Identity providers this client may name in `identity_provider` (`COGNITO` is the
    /// user pool itself; other names are emulated by the same sign-in page).
    pub identity_providers: Vec<String>,
    /// ID token lifetime in seconds.
    pub id_token_lifetime_secs: u64,
    /// Access token lifetime in seconds (also the `expires_in` value).
    pub access_token_lifetime_secs: u64,
    /// Refresh token lifetime in seconds.
    pub refresh_token_lifetime_secs: u64,
    /// Refresh-token rotation: a refresh returns a new refresh token and retires the old one.
    pub refresh_token_rotation: bool,
    /// How long a rotated-out refresh token keeps working, in seconds (0 to 60).
    pub rotation_grace_secs: u64,
}

impl ClientConfig {
    /// The longest any token of this client that a sign-in issues can live (seconds): its
    /// access or its ID token's lifetime, whichever is longer.
    pub(crate) fn longest_token_lifetime_secs(&self) -> u64 {
        self.access_token_lifetime_secs
            .max(self.id_token_lifetime_secs)
    }
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "[redacted]"),
            )
            .field("callback_urls", &self.callback_urls)
            .field("logout_urls", &self.logout_urls)
            .field("allowed_scopes", &self.allowed_scopes)
            .field("allowed_flows", &self.allowed_flows)
            .field("refresh_token_rotation", &self.refresh_token_rotation)
            .finish_non_exhaustive()
    }
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            client_id: String::new(),
            client_secret: None,
            callback_urls: vec![DEFAULT_CALLBACK_URL.to_owned()],
            logout_urls: vec![DEFAULT_LOGOUT_URL.to_owned()],
            allowed_scopes: [
                "openid",
                "email",
                "profile",
                "phone",
                "aws.cognito.signin.user.admin",
            ]
            .map(String::from)
            .to_vec(),
            allowed_flows: vec![OAuthFlow::Code, OAuthFlow::Implicit],
            identity_providers: vec!["COGNITO".to_owned()],
            id_token_lifetime_secs: 3600,
            access_token_lifetime_secs: 3600,
            refresh_token_lifetime_secs: 30 * 24 * 3600,
            refresh_token_rotation: false,
            rotation_grace_secs: 0,
        }
    }
}

/// One user of the pool.
#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UserConfig {
    /// The user name (`cognito:username`, `username`).
    pub username: String,
    /// The password accepted by the sign-in page.
    pub password: String,
    /// The `sub` claim (default: a stable UUID-shaped value derived from the user name).
    pub sub: Option<String>,
    /// The `email` attribute.
    pub email: Option<String>,
    /// The `email_verified` attribute.
    pub email_verified: bool,
    /// The `phone_number` attribute.
    pub phone_number: Option<String>,
    /// The `phone_number_verified` attribute.
    pub phone_number_verified: bool,
    /// The `name` attribute.
    pub name: Option<String>,
    /// The `given_name` attribute.
    pub given_name: Option<String>,
    /// The `family_name` attribute.
    pub family_name: Option<String>,
    /// Groups (`cognito:groups`).
    pub groups: Vec<String>,
    /// Custom attributes; `team = "blue"` becomes the claim `custom:team`.
    pub custom: BTreeMap<String, String>,
}

impl fmt::Debug for UserConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserConfig")
            .field("username", &self.username)
            .field("password", &"[redacted]")
            .field("email", &self.email)
            .field("groups", &self.groups)
            .finish_non_exhaustive()
    }
}

impl Default for UserConfig {
    fn default() -> Self {
        Self {
            username: String::new(),
            password: DEFAULT_PASSWORD.to_owned(),
            sub: None,
            email: None,
            email_verified: false,
            phone_number: None,
            phone_number_verified: false,
            name: None,
            given_name: None,
            family_name: None,
            groups: Vec::new(),
            custom: BTreeMap::new(),
        }
    }
}

impl UserConfig {
    /// The `sub` claim: the configured one, or a stable UUID-shaped value from the user name.
    pub fn subject(&self) -> String {
        if let Some(sub) = &self.sub {
            return sub.clone();
        }
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(format!("cognito-local:{}", self.username).as_bytes());
        let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        format!(
            "{}-{}-{}-{}-{}",
            &hex[0..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..32]
        )
    }
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            addr: DEFAULT_ADDR
                .parse()
                .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 9229))),
            domain_base: None,
            user_pool_id: DEFAULT_USER_POOL_ID.to_owned(),
            issuer: None,
            issuer_format: IssuerFormat::Local,
            region: None,
            session_lifetime_secs: 3600,
            code_lifetime_secs: 300,
            enable_test_control: false,
            keys: KeysConfig::default(),
            clients: vec![
                ClientConfig {
                    client_id: DEFAULT_SPA_CLIENT_ID.to_owned(),
                    ..ClientConfig::default()
                },
                ClientConfig {
                    client_id: DEFAULT_SERVER_CLIENT_ID.to_owned(),
                    client_secret: Some(DEFAULT_SERVER_CLIENT_SECRET.to_owned()),
                    ..ClientConfig::default()
                },
                ClientConfig {
                    client_id: DEFAULT_M2M_CLIENT_ID.to_owned(),
                    client_secret: Some(DEFAULT_M2M_CLIENT_SECRET.to_owned()),
                    callback_urls: Vec::new(),
                    logout_urls: Vec::new(),
                    allowed_scopes: vec![format!("{DEFAULT_RESOURCE_SERVER}/read")],
                    allowed_flows: vec![OAuthFlow::ClientCredentials],
                    identity_providers: Vec::new(),
                    ..ClientConfig::default()
                },
            ],
            resource_servers: vec![ResourceServerConfig {
                identifier: DEFAULT_RESOURCE_SERVER.to_owned(),
                scopes: vec!["read".to_owned(), "write".to_owned()],
            }],
            users: vec![
                UserConfig {
                    username: "alice".to_owned(),
                    email: Some("alice@example.com".to_owned()),
                    email_verified: true,
                    name: Some("Alice Example".to_owned()),
                    groups: vec!["admin".to_owned()],
                    ..UserConfig::default()
                },
                UserConfig {
                    username: "bob".to_owned(),
                    email: Some("bob@example.com".to_owned()),
                    name: Some("Bob Example".to_owned()),
                    ..UserConfig::default()
                },
            ],
        }
    }
}

/// Whether `region` is an AWS Region name (`us-east-1`, `us-gov-west-1`): at least three
/// dash-separated parts of lower-case letters and digits. It becomes part of a host name.
fn is_region(region: &str) -> bool {
    let part_ok = |p: &str| {
        !p.is_empty()
            && p.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    };
    region.len() <= 32 && region.split('-').count() >= 3 && region.split('-').all(part_ok)
}

/// Why a configuration was rejected.
#[derive(Debug)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid emulator configuration: {}", self.0)
    }
}

impl std::error::Error for ConfigError {}

impl EmulatorConfig {
    /// Parses a TOML configuration (the format is in the crate's README) and validates it.
    pub fn from_toml(text: &str) -> Result<Self, ConfigError> {
        let config: Self = toml::from_str(text).map_err(|e| ConfigError(e.to_string()))?;
        config.validate()?;
        Ok(config)
    }

    /// Reads and parses a TOML configuration file. Relative key paths in it are resolved
    /// against the file's directory.
    pub fn from_file(path: &std::path::Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError(format!("cannot read {}: {e}", path.display())))?;
        let mut config = Self::from_toml(&text)?;
        let dir = path.parent().unwrap_or(std::path::Path::new("."));
        for key in [
            &mut config.keys.id_token_key,
            &mut config.keys.access_token_key,
        ]
        .into_iter()
        .flatten()
        {
            if key.is_relative() {
                *key = dir.join(&*key);
            }
        }
        Ok(config)
    }

    /// Checks the invariants the endpoints rely on.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let err = |m: String| Err(ConfigError(m));
        if !self.user_pool_id.contains('_') || self.user_pool_id.contains('/') {
            return err(format!(
                "user_pool_id {:?} must look like <region>_<id>",
                self.user_pool_id
            ));
        }
        if let Some(base) = &self.domain_base {
            if !(base.starts_with("http://") || base.starts_with("https://")) {
                return err(format!(
                    "domain_base {base:?} must start with http:// or https://"
                ));
            }
        }
        if let Some(issuer) = &self.issuer {
            if !(issuer.starts_with("http://") || issuer.starts_with("https://")) {
                return err(format!(
                    "issuer {issuer:?} must start with http:// or https://"
                ));
            }
            if self.issuer_format != IssuerFormat::Local {
                return err(
                    "issuer and issuer_format exclude each other: an explicit issuer is the local format"
                        .to_owned(),
                );
            }
        }
        if self.issuer_format != IssuerFormat::Local {
            // The region becomes part of a host name.
            let region = self.user_pool_id.split_once('_').map_or("", |(r, _)| r);
            if !is_region(region) {
                return err(format!(
                    "issuer_format {:?} needs a user_pool_id like us-east-1_AbC123, not {:?}",
                    self.issuer_format, self.user_pool_id
                ));
            }
        }
        if let Some(region) = &self.region {
            if self.issuer_format == IssuerFormat::Local {
                return err(format!(
                    "region {region:?} needs issuer_format \"original\" or \"updated\": the local issuer names no region"
                ));
            }
            if !is_region(region) {
                return err(format!(
                    "region {region:?} must be a region name such as us-west-2"
                ));
            }
        }
        if self.session_lifetime_secs == 0 || self.code_lifetime_secs == 0 {
            return err("lifetimes must be at least one second".to_owned());
        }
        self.validate_resource_servers()?;
        let mut seen = std::collections::HashSet::new();
        for client in &self.clients {
            self.validate_client_credentials(client)?;
            if client.client_id.is_empty() || !seen.insert(client.client_id.as_str()) {
                return err(format!(
                    "client id {:?} is empty or duplicated",
                    client.client_id
                ));
            }
            if client.id_token_lifetime_secs == 0
                || client.access_token_lifetime_secs == 0
                || client.refresh_token_lifetime_secs == 0
            {
                return err(format!(
                    "client {}: token lifetimes must be at least one second",
                    client.client_id
                ));
            }
            if client.rotation_grace_secs > MAX_ROTATION_GRACE_SECS {
                return err(format!(
                    "client {}: rotation_grace_secs must be at most {MAX_ROTATION_GRACE_SECS}",
                    client.client_id
                ));
            }
            for url in client.callback_urls.iter().chain(&client.logout_urls) {
                if !(url.starts_with("http://") || url.starts_with("https://")) || url.contains('#')
                {
                    return err(format!(
                        "client {}: URL {url:?} must be absolute http(s) without a fragment",
                        client.client_id
                    ));
                }
            }
        }
        let mut seen = std::collections::HashSet::new();
        for user in &self.users {
            if user.username.is_empty() || !seen.insert(user.username.as_str()) {
                return err(format!(
                    "user name {:?} is empty or duplicated",
                    user.username
                ));
            }
        }
        Ok(())
    }

    /// Resource servers: identifiers non-empty, unique and without spaces; scope names
    /// non-empty, without spaces or `/`, unique within their server.
    fn validate_resource_servers(&self) -> Result<(), ConfigError> {
        let bad = |c: char| c.is_whitespace() || c.is_control() || c == '"' || c == '\\';
        let mut seen = std::collections::HashSet::new();
        for server in &self.resource_servers {
            let id = &server.identifier;
            if id.is_empty() || id.chars().any(bad) || !seen.insert(id.as_str()) {
                return Err(ConfigError(format!(
                    "resource server identifier {id:?} is empty, duplicated or has a space"
                )));
            }
            let mut names = std::collections::HashSet::new();
            for name in &server.scopes {
                if name.is_empty()
                    || name.chars().any(|c| bad(c) || c == '/')
                    || !names.insert(name.as_str())
                {
                    return Err(ConfigError(format!(
                        "resource server {id}: scope name {name:?} is empty, duplicated or has a space or /"
                    )));
                }
            }
        }
        Ok(())
    }

    /// Cognito's rules for a client with the `client_credentials` flow: a secret, no other
    /// flow, and only custom scopes of the configured resource servers.
    fn validate_client_credentials(&self, client: &ClientConfig) -> Result<(), ConfigError> {
        if !client.allowed_flows.contains(&OAuthFlow::ClientCredentials) {
            return Ok(());
        }
        let id = &client.client_id;
        if client.client_secret.is_none() {
            return Err(ConfigError(format!(
                "client {id}: the client_credentials flow needs a client_secret"
            )));
        }
        if client
            .allowed_flows
            .iter()
            .any(|f| *f != OAuthFlow::ClientCredentials)
        {
            return Err(ConfigError(format!(
                "client {id}: client_credentials cannot be combined with code or implicit"
            )));
        }
        if let Some(scope) = client
            .allowed_scopes
            .iter()
            .find(|s| self.resource_server_scope(s).is_none())
        {
            return Err(ConfigError(format!(
                "client {id}: with client_credentials, allowed_scopes must be custom scopes of resource_servers (<identifier>/<scope name>), and {scope:?} is not one"
            )));
        }
        Ok(())
    }

    /// The resource server whose custom scope `scope` is (`<identifier>/<scope name>`).
    pub fn resource_server_scope(&self, scope: &str) -> Option<&ResourceServerConfig> {
        self.resource_servers.iter().find(|server| {
            scope
                .strip_prefix(server.identifier.as_str())
                .and_then(|rest| rest.strip_prefix('/'))
                .is_some_and(|name| server.scopes.iter().any(|s| s == name))
        })
    }

    /// The domain base actually used: configured, or `http://localhost:<port>`.
    pub fn effective_domain_base(&self) -> String {
        match &self.domain_base {
            Some(base) => base.trim_end_matches('/').to_owned(),
            None => format!("http://localhost:{}", self.addr.port()),
        }
    }

    /// The issuer actually used: per [`IssuerFormat`], Cognito's URL for the pool (in the
    /// original format, in the configured `region`), or the configured one, or
    /// `<domain base>/<user pool id>`.
    pub fn effective_issuer(&self) -> String {
        let pool = &self.user_pool_id;
        let primary = pool.split_once('_').map_or("", |(region, _)| region);
        match (self.issuer_format, &self.issuer) {
            (IssuerFormat::Original, _) => {
                let region = self.region.as_deref().unwrap_or(primary);
                format!("https://cognito-idp.{region}.amazonaws.com/{pool}")
            }
            (IssuerFormat::Updated, _) => {
                format!("https://issuer-cognito-idp.{primary}.amazonaws.com/{pool}")
            }
            (IssuerFormat::Local, Some(issuer)) => issuer.trim_end_matches('/').to_owned(),
            (IssuerFormat::Local, None) => format!("{}/{pool}", self.effective_domain_base()),
        }
    }

    /// Where the JWKS is served, as the discovery document's `jwks_uri` says:
    /// `<issuer>/.well-known/jwks.json` for the local format (a configured issuer may be a
    /// proxy in front of the emulator), `<domain base>/<user pool id>/.well-known/jwks.json`
    /// for Cognito's formats (this server is not at AWS's URL).
    pub fn effective_jwks_uri(&self) -> String {
        match self.issuer_format {
            IssuerFormat::Local => format!("{}/.well-known/jwks.json", self.effective_issuer()),
            IssuerFormat::Original | IssuerFormat::Updated => format!(
                "{}/{}/.well-known/jwks.json",
                self.effective_domain_base(),
                self.user_pool_id
            ),
        }
    }

    /// Looks a client up by id.
    pub fn client(&self, client_id: &str) -> Option<&ClientConfig> {
        self.clients.iter().find(|c| c.client_id == client_id)
    }

    /// Looks a user up by name.
    pub fn user(&self, username: &str) -> Option<&UserConfig> {
        self.users.iter().find(|u| u.username == username)
    }
}

//! The first half of sign-in: the `/oauth2/authorize` URL and the pending record that the
//! callback checks the response against.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use super::config::{CognitoConfig, ConfigError, ResponseType};
use super::encoding::{form, split_url};
use super::error::AuthError;
use super::pkce::{code_challenge_s256, random_token, RandomSource};
use super::secret::Secret;
use super::sign_in::SignInOptions;
use super::storage::codec::{decode_record, encode_record};

/// How long a started sign-in may take before its callback is refused (10 minutes; the
/// authorization code itself lives 5).
pub const PENDING_SIGN_IN_TTL: u64 = 600;

/// What a sign-in started with, stored until its callback consumes it: the callback's
/// `state` must match, the ID token's `nonce` must match, and the code is exchanged with
/// the PKCE verifier.
///
/// It is stored as a JSON object with these field names ([`to_json`](Self::to_json),
/// [`from_json`](Self::from_json)).
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct PendingSignIn {
    /// The `state` sent (256 random bits, base64url).
    pub state: String,
    /// The `nonce` sent.
    pub nonce: String,
    /// The PKCE code verifier (code flow only).
    pub code_verifier: Option<Secret>,
    /// The flow asked for.
    pub response_type: PendingResponseType,
    /// The `redirect_uri` sent (the token request must repeat it).
    pub redirect_uri: String,
    /// The scopes asked for, joined by spaces.
    pub scopes: String,
    /// The same-origin path to return to after sign-in.
    pub return_to: String,
    /// Application data carried across the redirect (the original SDK's `setState`),
    /// never put in the URL.
    pub app_state: Option<String>,
    /// When the sign-in started (seconds since the Unix epoch).
    pub created_at: u64,
}

/// The flow of a pending sign-in, stored as `"code"` or `"token"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PendingResponseType {
    /// Code flow.
    Code,
    /// Implicit flow.
    Token,
}

impl From<ResponseType> for PendingResponseType {
    fn from(r: ResponseType) -> Self {
        match r {
            ResponseType::Code => Self::Code,
            ResponseType::Token => Self::Token,
        }
    }
}

impl fmt::Debug for PendingSignIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingSignIn")
            .field("response_type", &self.response_type)
            .field("redirect_uri", &self.redirect_uri)
            .field("return_to", &self.return_to)
            .field("created_at", &self.created_at)
            .finish_non_exhaustive()
    }
}

/// Read through a [`Value`] rather than derived: the browser build already holds the
/// `Value` code for tokens, and a derived `Deserialize` would add its own (measured,
/// December 2026: 3.9 KiB gzip more on the smallest sign-in app in client mode). The same
/// JSON either way: unknown fields ignored, a missing optional field absent.
impl<'de> Deserialize<'de> for PendingSignIn {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::Object(object) => Self::from_object(object),
            _ => None,
        }
        .ok_or_else(|| serde::de::Error::custom("not a pending sign-in record"))
    }
}

impl PendingSignIn {
    /// The stored form: a JSON object named field by field, in the order of the fields
    /// (optional fields are `null` when absent), as the kit's JSON record codec writes it.
    pub fn to_json(&self) -> String {
        encode_record(self)
    }

    /// Reads the stored form back: `None` unless it is a JSON object with every required
    /// field of the right type (unknown fields are ignored; a missing optional field
    /// reads as absent).
    pub fn from_json(json: &[u8]) -> Option<Self> {
        decode_record(json)
    }

    /// The record in a JSON object: every required field of the right type (unknown fields
    /// are ignored; a missing optional field reads as absent).
    fn from_object(mut object: Map<String, Value>) -> Option<Self> {
        let mut text = |name: &str| match object.remove(name) {
            Some(Value::String(s)) => Some(Some(s)),
            None | Some(Value::Null) => Some(None),
            Some(_) => None,
        };
        let state = text("state")??;
        let nonce = text("nonce")??;
        let code_verifier = text("code_verifier")?.map(Secret::from);
        let response_type = match text("response_type")??.as_str() {
            "code" => PendingResponseType::Code,
            "token" => PendingResponseType::Token,
            _ => return None,
        };
        let redirect_uri = text("redirect_uri")??;
        let scopes = text("scopes")??;
        // Checked again as it is read: storage another page can write (a cookie a sibling
        // subdomain sets) must not turn the callback into an open redirect.
        let return_to = sanitize_return_path(&text("return_to")??);
        let app_state = text("app_state")?;
        let created_at = object.get("created_at")?.as_u64()?;
        Some(Self {
            state,
            nonce,
            code_verifier,
            response_type,
            redirect_uri,
            scopes,
            return_to,
            app_state,
            created_at,
        })
    }

    /// Whether this sign-in is too old to be completed at `now`.
    pub fn is_expired(&self, now: u64) -> bool {
        now.saturating_sub(self.created_at) > PENDING_SIGN_IN_TTL || self.created_at > now + 300
    }
}

/// A ready sign-in request: the URL to send the browser to and the record to store first.
#[derive(Clone, Debug)]
pub struct AuthorizeRequest {
    /// The Hosted UI URL (`<domain>/oauth2/authorize?...`).
    pub url: String,
    /// The record to store until the callback.
    pub pending: PendingSignIn,
}

/// Extra, per-request parameters of a sign-in.
#[derive(Clone, Debug, Default)]
pub(crate) struct AuthorizeOptions<'a> {
    pub return_to: &'a str,
    pub app_state: Option<String>,
    pub user_context_data: Option<&'a str>,
    /// The sign-in's own managed-login parameters (its return path is `return_to`'s
    /// business); `None`: the configuration's alone.
    pub sign_in: Option<&'a SignInOptions>,
}

impl AuthorizeRequest {
    /// Builds the authorize URL for `config` with fresh `state`, `nonce` and (code flow)
    /// PKCE verifier drawn from `rng`, and the managed-login parameters of `options.sign_in`
    /// over the configuration's ([`SignInOptions::authorize_parameters`], the one place
    /// they are decided).
    ///
    /// Fails, drawing nothing, when a value of `options.sign_in` breaks its rule.
    pub(crate) fn new(
        config: &CognitoConfig,
        rng: &dyn RandomSource,
        now: u64,
        options: AuthorizeOptions<'_>,
    ) -> Result<Self, ConfigError> {
        let managed = options
            .sign_in
            .unwrap_or(&SignInOptions::new())
            .authorize_parameters(config)?;
        let state = random_token(rng);
        let nonce = random_token(rng);
        let response_type = config.response_type();
        let code_verifier = (response_type == ResponseType::Code).then(|| random_token(rng));
        let challenge = code_verifier.as_deref().map(code_challenge_s256);
        let scopes = config.scopes_string();

        let mut params: Vec<(&str, &str)> = vec![
            ("response_type", response_type.as_str()),
            ("client_id", config.client_id()),
            ("redirect_uri", config.redirect_uri_sign_in()),
            ("state", &state),
            ("nonce", &nonce),
        ];
        if !scopes.is_empty() {
            params.push(("scope", &scopes));
        }
        if let Some(challenge) = &challenge {
            params.push(("code_challenge_method", "S256"));
            params.push(("code_challenge", challenge));
        }
        params.extend(managed.iter().map(|(name, value)| (*name, value.as_str())));
        if let Some(data) = options.user_context_data.filter(|d| !d.is_empty()) {
            params.push(("userContextData", data));
        }
        let url = format!(
            "{}/oauth2/authorize?{}",
            config.domain_base(),
            form(&params)
        );
        let pending = PendingSignIn {
            state,
            nonce,
            code_verifier: code_verifier.map(Secret::new),
            response_type: response_type.into(),
            redirect_uri: config.redirect_uri_sign_in().to_owned(),
            scopes,
            return_to: return_path(config, options.return_to),
            app_state: options.app_state,
            created_at: now,
        };
        Ok(Self { url, pending })
    }
}

/// Keeps a return path only if it is a path on this origin: it must start with one `/`
/// (not `//` or `/\`, which browsers read as another host) and hold no control
/// characters or backslashes. Anything else, absolute URLs included, becomes `/`, so a
/// crafted sign-in link cannot send the user elsewhere after sign-in.
///
/// ```
/// use leptos_cognito_auth::protocol::sanitize_return_path;
/// assert_eq!(sanitize_return_path("/orders?id=7#top"), "/orders?id=7#top");
/// assert_eq!(sanitize_return_path("https://evil.example/"), "/");
/// assert_eq!(sanitize_return_path("//evil.example/"), "/");
/// assert_eq!(sanitize_return_path("/\\evil.example/"), "/");
/// ```
pub fn sanitize_return_path(path: &str) -> String {
    let ok = path.starts_with('/')
        && !path.starts_with("//")
        && !path.contains('\\')
        && path.len() <= 2048
        && !path.chars().any(|c| c.is_control() || c.is_whitespace());
    if ok {
        path.to_owned()
    } else {
        "/".to_owned()
    }
}

/// A sign-in's return path: [`sanitize_return_path`]'s, but `/` instead of the callback
/// page itself. A sign-in started there (after one that failed, from a Sign in button in
/// the page's header) would come back to a callback with nothing left to complete: the
/// router does not leave the callback for itself, and the page stayed on "Signing you in…".
fn return_path(config: &CognitoConfig, return_to: &str) -> String {
    let path = sanitize_return_path(return_to);
    let page = page_of(&path);
    if page != "/" && page == config.callback_path() {
        "/".to_owned()
    } else {
        path
    }
}

/// A shorter return path for a pending sign-in too large for its cookie: `return_to`
/// without its query and fragment, then `/`; `None` once it is `/`. Each step is shorter,
/// so a loop over it ends.
#[cfg(feature = "ssr")]
pub(crate) fn shorter_return_path(return_to: &str) -> Option<String> {
    let page = page_of(return_to);
    if page.len() < return_to.len() && page.starts_with('/') {
        Some(page.to_owned())
    } else if return_to != "/" {
        Some("/".to_owned())
    } else {
        None
    }
}

/// The page of a return path: the path without its query and fragment.
fn page_of(return_to: &str) -> &str {
    return_to.split(['?', '#']).next().unwrap_or_default()
}

/// The page a sign-in was started from, as its return path: the path and query of
/// `referer` (the request's `Referer`) when it is a page of the app's origin, the
/// callback's; `None` otherwise. A server-session sign-in button sends no return path of
/// its own, as the page it was rendered on need not be the one the user is on (a
/// client-side navigation does not render it again), so the server's sign-in route asks
/// the browser which page the form was on. Browsers name the full URL to the same origin
/// unless the page's `Referrer-Policy` says otherwise (`no-referrer`, `origin`); without
/// it, the sign-in comes back to `/`.
#[cfg(feature = "ssr")]
pub(crate) fn return_path_from_referer(config: &CognitoConfig, referer: &str) -> Option<String> {
    let (app, _) = origin_of(config.redirect_uri_sign_in())?;
    if origin_of(referer)?.0 != app {
        return None;
    }
    let url = split_url(referer)?;
    let path = if url.path.is_empty() { "/" } else { url.path };
    Some(match url.query {
        Some(query) => format!("{path}?{query}"),
        None => path.to_owned(),
    })
}

/// `scheme://host[:port]` of an absolute http(s) URL, lower case, without the scheme's
/// default port (as `window.location.origin` writes it).
fn origin_of(url: &str) -> Option<(String, String)> {
    let split = split_url(url)?;
    let authority = split.authority.to_ascii_lowercase();
    let default_port = if split.scheme == "https" {
        ":443"
    } else {
        ":80"
    };
    let authority = authority
        .strip_suffix(default_port)
        .map_or(authority.clone(), str::to_owned);
    Some((format!("{}://{authority}", split.scheme), authority))
}

/// Checks that a sign-in started at `here` comes back to the same origin: the pending
/// sign-in lives at the origin that started it (browser storage, or the browser's cookie
/// for server sessions), so a callback registered at another origin (the classic:
/// `http://127.0.0.1:3000` against a callback at `http://localhost:3000/callback`) would
/// find nothing and fail with `no_pending_sign_in`. This fails at once instead, with
/// [`AuthError::WrongOrigin`] naming both origins and the fix.
///
/// `here` is the page's origin (`scheme://host[:port]`), or a bare `host[:port]` (a
/// request's `Host` header), which is compared with the callback's host and port only.
///
/// ```
/// # use leptos_cognito_auth::CognitoConfig;
/// use leptos_cognito_auth::protocol::check_sign_in_origin;
/// let config = CognitoConfig::builder()
///     .client_id("local-spa-client")
///     .app_web_domain("http://localhost:9229")
///     .redirect_uri_sign_in("http://localhost:3000/callback")
///     .redirect_uri_sign_out("http://localhost:3000/")
///     .build()?;
/// assert!(check_sign_in_origin(&config, "http://localhost:3000").is_ok());
/// assert!(check_sign_in_origin(&config, "localhost:3000").is_ok());
/// let err = check_sign_in_origin(&config, "http://127.0.0.1:3000").unwrap_err();
/// assert_eq!(err.code(), "wrong_origin");
/// # Ok::<(), leptos_cognito_auth::ConfigError>(())
/// ```
pub fn check_sign_in_origin(config: &CognitoConfig, here: &str) -> Result<(), AuthError> {
    let Some((callback, callback_authority)) = origin_of(config.redirect_uri_sign_in()) else {
        return Ok(());
    };
    let same = if here.contains("://") {
        origin_of(here).is_some_and(|(origin, _)| origin == callback)
    } else {
        let here = here.to_ascii_lowercase();
        let scheme_port = if callback.starts_with("https:") {
            ":443"
        } else {
            ":80"
        };
        here.strip_suffix(scheme_port).unwrap_or(&here) == callback_authority
    };
    if same {
        Ok(())
    } else {
        Err(AuthError::WrongOrigin {
            here: here.trim_end_matches('/').to_owned(),
            callback,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::encoding::parse_form;
    use crate::protocol::Prompt;

    #[test]
    fn a_sign_in_must_start_at_the_callbacks_origin() {
        let config = |callback: &str| {
            CognitoConfig::builder()
                .client_id("c")
                .app_web_domain("http://localhost:9229")
                .redirect_uri_sign_in(callback)
                .redirect_uri_sign_out("http://localhost:3000/")
                .build()
                .unwrap()
        };
        let local = config("http://localhost:3000/callback");
        for ok in [
            "http://localhost:3000",
            "HTTP://LOCALHOST:3000",
            "localhost:3000",
        ] {
            assert_eq!(check_sign_in_origin(&local, ok), Ok(()), "{ok}");
        }
        for wrong in [
            "http://127.0.0.1:3000",
            "127.0.0.1:3000",
            "http://localhost:3001",
            "https://localhost:3000",
            "localhost",
            "junk",
        ] {
            let err = check_sign_in_origin(&local, wrong).unwrap_err();
            assert_eq!(err.code(), "wrong_origin", "{wrong}");
            let message = err.to_string();
            assert!(message.contains("http://localhost:3000"), "{message}");
            assert!(message.contains(wrong.trim_end_matches('/')), "{message}");
        }
        // Default ports are the same origin, written or not.
        let https = config("https://app.example.com:443/callback");
        assert_eq!(
            check_sign_in_origin(&https, "https://app.example.com"),
            Ok(())
        );
        assert_eq!(check_sign_in_origin(&https, "app.example.com"), Ok(()));
        assert_eq!(check_sign_in_origin(&https, "app.example.com:443"), Ok(()));
        let err = check_sign_in_origin(&https, "http://app.example.com").unwrap_err();
        assert_eq!(err.code(), "wrong_origin");
    }

    fn pending() -> PendingSignIn {
        PendingSignIn {
            state: "st".into(),
            nonce: "no".into(),
            code_verifier: Some(Secret::new("ve")),
            response_type: PendingResponseType::Code,
            redirect_uri: "http://localhost:3000/callback".into(),
            scopes: "openid email".into(),
            return_to: "/p?q=1".into(),
            app_state: None,
            created_at: 1_700_000_000,
        }
    }

    #[test]
    fn pending_json_is_stable_and_strict() {
        let p = pending();
        let json = p.to_json();
        assert_eq!(
            json,
            r#"{"state":"st","nonce":"no","code_verifier":"ve","response_type":"code","redirect_uri":"http://localhost:3000/callback","scopes":"openid email","return_to":"/p?q=1","app_state":null,"created_at":1700000000}"#
        );
        assert_eq!(PendingSignIn::from_json(json.as_bytes()), Some(p.clone()));
        // As the earlier derived form wrote it (field order, `app_state` set), with an
        // unknown field and the optional ones missing.
        let implicit = br#"{"state":"s","nonce":"n","response_type":"token","redirect_uri":"r","scopes":"openid","return_to":"/","created_at":5,"extra":[1]}"#;
        let read = PendingSignIn::from_json(implicit).unwrap();
        assert_eq!(read.response_type, PendingResponseType::Token);
        assert_eq!((read.code_verifier, read.app_state), (None, None));
        let with_state = PendingSignIn {
            app_state: Some("cart=3".into()),
            ..p
        };
        assert_eq!(
            PendingSignIn::from_json(with_state.to_json().as_bytes()),
            Some(with_state)
        );
        // A planted record's return path is read back as the home page.
        for planted in [
            "//evil.example",
            "https://evil.example/",
            "/\\evil.example",
            "/a b",
        ] {
            let json = format!(
                r#"{{"state":"s","nonce":"n","response_type":"code","redirect_uri":"r","scopes":"","return_to":{},"created_at":5}}"#,
                serde_json::Value::from(planted)
            );
            let read = PendingSignIn::from_json(json.as_bytes()).unwrap();
            assert_eq!(read.return_to, "/", "{planted}");
        }
        for bad in [
            &b""[..],
            b"[]",
            b"null",
            br#"{"state":"s"}"#,
            br#"{"state":1,"nonce":"n","response_type":"code","redirect_uri":"r","scopes":"","return_to":"/","created_at":5}"#,
            br#"{"state":"s","nonce":"n","response_type":"pkce","redirect_uri":"r","scopes":"","return_to":"/","created_at":5}"#,
            br#"{"state":"s","nonce":"n","response_type":"code","redirect_uri":"r","scopes":"","return_to":"/","created_at":-5}"#,
            br#"{"state":"s","nonce":"n","code_verifier":7,"response_type":"code","redirect_uri":"r","scopes":"","return_to":"/","created_at":5}"#,
        ] {
            assert_eq!(
                PendingSignIn::from_json(bad),
                None,
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    pub(crate) fn counting_rng() -> impl RandomSource {
        let counter = std::cell::Cell::new(0u8);
        move |buf: &mut [u8]| {
            for b in buf {
                *b = counter.get();
                counter.set(counter.get().wrapping_add(7));
            }
        }
    }

    fn config(response_type: ResponseType) -> CognitoConfig {
        CognitoConfig::builder()
            .client_id("client+id")
            .app_web_domain("http://localhost:9229/base")
            .scopes(["openid", "email", "api/read&write"])
            .redirect_uri_sign_in("http://localhost:3000/callback?x=1&y=2")
            .redirect_uri_sign_out("http://localhost:3000/")
            .response_type(response_type)
            .build()
            .unwrap()
    }

    fn query(url: &str) -> Vec<(String, String)> {
        parse_form(url.split_once('?').unwrap().1).unwrap()
    }

    fn get<'a>(q: &'a [(String, String)], name: &str) -> Option<&'a str> {
        q.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// A sign-in started on the callback page (after one that failed) comes back home, not
    /// to a callback with nothing left to complete; pages beside or below it are kept.
    #[test]
    fn a_sign_in_started_on_the_callback_page_returns_home() {
        for (here, back) in [
            ("/callback", "/"),
            ("/callback?error=access_denied&state=x", "/"),
            ("/callback#top", "/"),
            ("/callbacks", "/callbacks"),
            ("/callback/help", "/callback/help"),
            ("/orders?id=7", "/orders?id=7"),
        ] {
            let options = AuthorizeOptions {
                return_to: here,
                ..Default::default()
            };
            let config = config(ResponseType::Code);
            let req = AuthorizeRequest::new(&config, &counting_rng(), 1000, options).unwrap();
            assert_eq!(req.pending.return_to, back, "{here}");
        }
    }

    #[test]
    fn code_flow_url_has_pkce_and_encodes_everything() {
        let rng = counting_rng();
        let req = AuthorizeRequest::new(
            &config(ResponseType::Code),
            &rng,
            1000,
            AuthorizeOptions {
                return_to: "/protected?tab=1",
                ..Default::default()
            },
        )
        .unwrap();
        assert!(req.url.starts_with("http://localhost:9229/base/oauth2/authorize?response_type=code&client_id=client%2Bid&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fcallback%3Fx%3D1%26y%3D2&"), "{}", req.url);
        let q = query(&req.url);
        assert_eq!(get(&q, "response_type"), Some("code"));
        assert_eq!(get(&q, "client_id"), Some("client+id"));
        assert_eq!(
            get(&q, "redirect_uri"),
            Some("http://localhost:3000/callback?x=1&y=2")
        );
        assert_eq!(get(&q, "scope"), Some("openid email api/read&write"));
        assert_eq!(get(&q, "code_challenge_method"), Some("S256"));
        let verifier = req.pending.code_verifier.as_ref().unwrap().expose();
        assert_eq!(
            get(&q, "code_challenge"),
            Some(code_challenge_s256(verifier).as_str())
        );
        assert_eq!(get(&q, "state"), Some(req.pending.state.as_str()));
        assert_eq!(get(&q, "nonce"), Some(req.pending.nonce.as_str()));
        assert_eq!(req.pending.state.len(), 43);
        assert_ne!(req.pending.state, req.pending.nonce);
        assert_ne!(req.pending.state, verifier);
        assert_eq!(req.pending.return_to, "/protected?tab=1");
        assert_eq!(req.pending.created_at, 1000);
        assert!(
            !req.url.contains(verifier),
            "the verifier never leaves the browser"
        );
        assert!(get(&q, "identity_provider").is_none());
    }

    #[test]
    fn implicit_flow_has_no_pkce() {
        let rng = counting_rng();
        let req = AuthorizeRequest::new(
            &config(ResponseType::Token),
            &rng,
            0,
            AuthorizeOptions::default(),
        )
        .unwrap();
        let q = query(&req.url);
        assert_eq!(get(&q, "response_type"), Some("token"));
        assert!(get(&q, "code_challenge").is_none());
        assert!(req.pending.code_verifier.is_none());
        assert_eq!(req.pending.response_type, PendingResponseType::Token);
        assert_eq!(req.pending.return_to, "/");
    }

    #[test]
    fn optional_parameters() {
        let config = CognitoConfig::builder()
            .client_id("c")
            .app_web_domain("auth.example.com")
            .redirect_uri_sign_in("https://app.example.com/cb")
            .redirect_uri_sign_out("https://app.example.com/")
            .identity_provider("Google")
            .lang("es")
            .prompt(Prompt::Login)
            .build()
            .unwrap();
        let rng = counting_rng();
        let req = AuthorizeRequest::new(
            &config,
            &rng,
            0,
            AuthorizeOptions {
                return_to: "/",
                app_state: Some("{\"cart\":3}".into()),
                user_context_data: Some("eyJ+data="),
                sign_in: None,
            },
        )
        .unwrap();
        assert!(req
            .url
            .starts_with("https://auth.example.com/oauth2/authorize?"));
        let q = query(&req.url);
        assert_eq!(get(&q, "identity_provider"), Some("Google"));
        assert_eq!(get(&q, "idp_identifier"), None);
        assert_eq!(get(&q, "lang"), Some("es"));
        assert_eq!(get(&q, "prompt"), Some("login"));
        assert_eq!(get(&q, "userContextData"), Some("eyJ+data="));
        assert!(
            get(&q, "scope").is_none(),
            "no scopes configured: all client scopes"
        );
        assert!(!req.url.contains("cart"), "app state stays out of the URL");
        assert_eq!(req.pending.app_state.as_deref(), Some("{\"cart\":3}"));
    }

    /// The authorize URL of a sign-in with `sign_in` under `config`.
    fn url_with(config: &CognitoConfig, sign_in: &SignInOptions) -> Result<String, ConfigError> {
        let rng = counting_rng();
        let options = AuthorizeOptions {
            return_to: "/",
            sign_in: Some(sign_in),
            ..Default::default()
        };
        AuthorizeRequest::new(config, &rng, 0, options).map(|r| r.url)
    }

    #[test]
    fn sign_in_options_reach_the_url_encoded_once() {
        let config = config(ResponseType::Code);
        let options = SignInOptions::new()
            .login_hint("alice+test@example.com")
            .lang("pt-BR")
            .prompt(crate::protocol::Prompts::new([Prompt::Login, Prompt::Consent]).unwrap())
            .resource("https://api.example.com/v1?tenant=a&b=caf\u{e9}")
            .idp_identifier("example.com")
            .return_to("/not-in-the-url");
        let url = url_with(&config, &options).unwrap();
        // Percent-encoded (`+`, `@`, `/`, `?`, `&`, `=`, spaces and UTF-8), never raw.
        assert!(
            url.contains("&login_hint=alice%2Btest%40example.com"),
            "{url}"
        );
        assert!(url.contains("&prompt=login%20consent"), "{url}");
        assert!(
            url.contains(
                "&resource=https%3A%2F%2Fapi.example.com%2Fv1%3Ftenant%3Da%26b%3Dcaf%C3%A9"
            ),
            "{url}"
        );
        let q = query(&url);
        assert_eq!(get(&q, "login_hint"), Some("alice+test@example.com"));
        assert_eq!(get(&q, "lang"), Some("pt-BR"));
        assert_eq!(get(&q, "prompt"), Some("login consent"));
        assert_eq!(
            get(&q, "resource"),
            Some("https://api.example.com/v1?tenant=a&b=caf\u{e9}")
        );
        assert_eq!(get(&q, "idp_identifier"), Some("example.com"));
        assert_eq!(get(&q, "identity_provider"), None);
        assert!(
            !url.contains("not-in-the-url"),
            "the return path stays home"
        );
        // Each parameter once: the configuration's and the call's are merged, not added.
        let twice = CognitoConfig::builder()
            .client_id("c")
            .app_web_domain("auth.example.com")
            .redirect_uri_sign_in("https://app.example.com/cb")
            .redirect_uri_sign_out("https://app.example.com/")
            .lang("fr")
            .prompt(Prompt::Login)
            .build()
            .unwrap();
        let url = url_with(
            &twice,
            &SignInOptions::new().lang("es").prompt(Prompt::None),
        )
        .unwrap();
        let q = query(&url);
        assert_eq!(q.iter().filter(|(n, _)| n == "lang").count(), 1);
        assert_eq!(get(&q, "lang"), Some("es"));
        assert_eq!(get(&q, "prompt"), Some("none"));
    }

    #[test]
    fn a_silent_sign_in_never_names_cognito() {
        let config = CognitoConfig::builder()
            .client_id("c")
            .app_web_domain("auth.example.com")
            .redirect_uri_sign_in("https://app.example.com/cb")
            .redirect_uri_sign_out("https://app.example.com/")
            .identity_provider("COGNITO")
            .build()
            .unwrap();
        let plain = query(&url_with(&config, &SignInOptions::new()).unwrap());
        assert_eq!(get(&plain, "identity_provider"), Some("COGNITO"));
        let silent = query(&url_with(&config, &SignInOptions::silent()).unwrap());
        assert_eq!(get(&silent, "prompt"), Some("none"));
        assert_eq!(get(&silent, "identity_provider"), None);
    }

    #[test]
    fn a_bad_option_builds_nothing() {
        let config = config(ResponseType::Code);
        let both = SignInOptions::new()
            .identity_provider("Google")
            .idp_identifier("example.com");
        assert_eq!(
            url_with(&config, &both).unwrap_err().field(),
            "idp_identifier"
        );
        let bad = SignInOptions::new().resource("not a uri");
        assert_eq!(url_with(&config, &bad).unwrap_err().field(), "resource");
    }

    #[test]
    #[cfg(feature = "ssr")]
    fn shorter_return_paths_drop_the_query_then_everything() {
        let mut path = "/orders/7?tab=items&page=2#top".to_owned();
        let mut steps = Vec::new();
        while let Some(shorter) = shorter_return_path(&path) {
            steps.push(shorter.clone());
            path = shorter;
        }
        assert_eq!(steps, ["/orders/7", "/"]);
        assert_eq!(shorter_return_path("/orders/7"), Some("/".to_owned()));
        assert_eq!(shorter_return_path("/"), None);
    }

    #[test]
    #[cfg(feature = "ssr")]
    fn a_referer_of_the_apps_own_origin_gives_the_return_path() {
        // The app's origin: the callback's, http://localhost:3000.
        let config = config(ResponseType::Code);
        for (referer, path) in [
            (
                "http://localhost:3000/orders/7?tab=items",
                Some("/orders/7?tab=items"),
            ),
            ("http://localhost:3000/orders", Some("/orders")),
            ("http://localhost:3000", Some("/")),
            ("HTTP://LOCALHOST:3000/Orders", Some("/Orders")),
            ("http://localhost:3000/a#fragment", Some("/a")),
            // Another origin: scheme, host or port.
            ("https://localhost:3000/orders", None),
            ("http://127.0.0.1:3000/orders", None),
            ("http://localhost:3001/orders", None),
            ("http://evil.example/orders", None),
            // Not an absolute http(s) URL.
            ("/orders", None),
            ("about:client", None),
            ("", None),
        ] {
            assert_eq!(
                return_path_from_referer(&config, referer).as_deref(),
                path,
                "{referer}"
            );
        }
        // The scheme's default port is the same origin.
        let https = CognitoConfig::builder()
            .client_id("c")
            .app_web_domain("https://auth.example")
            .redirect_uri_sign_in("https://app.example/callback")
            .redirect_uri_sign_out("https://app.example/")
            .build()
            .unwrap();
        assert_eq!(
            return_path_from_referer(&https, "https://app.example:443/a?b").as_deref(),
            Some("/a?b")
        );
    }

    #[test]
    fn return_paths_are_same_origin_only() {
        for good in ["/", "/a/b?c=d#e", "/%2F%2Fstill-a-path"] {
            assert_eq!(sanitize_return_path(good), good);
        }
        for bad in [
            "",
            "protected",
            "https://evil.example/",
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "javascript:alert(1)",
            "/a b",
        ] {
            assert_eq!(sanitize_return_path(bad), "/", "{bad:?}");
        }
    }

    #[test]
    fn pending_expiry_and_debug() {
        let rng = counting_rng();
        let req = AuthorizeRequest::new(
            &config(ResponseType::Code),
            &rng,
            1000,
            AuthorizeOptions::default(),
        )
        .unwrap();
        assert!(!req.pending.is_expired(1000 + PENDING_SIGN_IN_TTL));
        assert!(req.pending.is_expired(1001 + PENDING_SIGN_IN_TTL));
        assert!(
            req.pending.is_expired(0),
            "a record from the far future is not trusted"
        );
        let dbg = format!("{:?}", req.pending);
        assert!(!dbg.contains(&req.pending.state));
        assert!(!dbg.contains(req.pending.code_verifier.as_ref().unwrap().expose()));
    }
}

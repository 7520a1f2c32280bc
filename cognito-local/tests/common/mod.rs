//! Shared helpers for the emulator's integration tests: start it on 127.0.0.1 on an ephemeral
//! port, drive it with reqwest (cookie jar, no automatic redirects), verify tokens with
//! jsonwebtoken against the emulator's own JWKS.

#![allow(dead_code)]

pub mod load;

use std::collections::HashMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use cognito_local::{serve_on, EmulatorConfig, RunningEmulator};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use reqwest::header::{HeaderMap, LOCATION};
use reqwest::{Client, Response, StatusCode};
use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio::net::TcpListener;

pub const SPA: &str = "local-spa-client";
pub const CONFIDENTIAL: &str = "local-server-client";
pub const SECRET: &str = "local-server-secret";
pub const CALLBACK: &str = "http://localhost:3000/callback";
pub const SIGN_OUT: &str = "http://localhost:3000/";
pub const PASSWORD: &str = "Passw0rd!";
/// A fixed PKCE verifier and its S256 challenge.
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

pub fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// A running emulator plus an HTTP client bound to it.
pub struct Harness {
    pub running: RunningEmulator,
    pub base: String,
    pub http: Client,
}

/// A client with a cookie jar that follows no redirects and uses no proxy.
pub fn http_client() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .expect("reqwest client")
}

/// Starts the emulator on 127.0.0.1:<ephemeral>, after `customize` adjusts the defaults.
/// The domain base is `http://127.0.0.1:<port>`, so the issuer is `<base>/us-east-1_LocalPool`.
pub async fn start_with(customize: impl FnOnce(&mut EmulatorConfig)) -> Harness {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let base = format!("http://127.0.0.1:{port}");
    let mut config = EmulatorConfig {
        domain_base: Some(base.clone()),
        ..EmulatorConfig::default()
    };
    customize(&mut config);
    let running = serve_on(listener, config).await.expect("emulator starts");
    Harness {
        running,
        base,
        http: http_client(),
    }
}

/// Starts the emulator with its defaults (domain base adjusted to the ephemeral port).
pub async fn start() -> Harness {
    start_with(|_| {}).await
}

/// Query (or fragment) parameters of a URL.
pub fn url_params(url: &str, fragment: bool) -> HashMap<String, String> {
    let part = if fragment {
        url.split_once('#').map(|(_, f)| f).unwrap_or("")
    } else {
        let before_fragment = url.split('#').next().unwrap_or("");
        before_fragment
            .split_once('?')
            .map(|(_, q)| q)
            .unwrap_or("")
    };
    part.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            let decode = |s: &str| {
                percent_encoding::percent_decode_str(&s.replace('+', " "))
                    .decode_utf8_lossy()
                    .into_owned()
            };
            (decode(k), decode(v))
        })
        .collect()
}

pub fn location(response: &Response) -> String {
    response
        .headers()
        .get(LOCATION)
        .expect("a Location header")
        .to_str()
        .expect("ascii location")
        .to_owned()
}

pub fn set_cookies(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_owned))
        .collect()
}

/// RFC 3986 unreserved characters stay as they are in a query component; all else is escaped.
const COMPONENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Encodes authorize parameters.
pub fn query(pairs: &[(&str, &str)]) -> String {
    let encode = |s: &str| percent_encoding::utf8_percent_encode(s, COMPONENT).to_string();
    pairs
        .iter()
        .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The path part of an issuer URL (`http://host/us-east-1_X` -> `/us-east-1_X`): where the
/// emulator serves that issuer's JWKS and discovery document.
pub fn issuer_path(issuer: &str) -> String {
    let without_scheme = issuer.split_once("://").map_or(issuer, |(_, rest)| rest);
    match without_scheme.find('/') {
        Some(i) => without_scheme[i..].trim_end_matches('/').to_owned(),
        None => String::new(),
    }
}

/// Standard code + PKCE authorize parameters for the SPA client.
pub fn code_params<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut pairs = vec![
        ("response_type", "code"),
        ("client_id", SPA),
        ("redirect_uri", CALLBACK),
        ("state", "opaque-state-123"),
    ];
    pairs.extend_from_slice(extra);
    pairs
}

impl Harness {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The issuer the emulator uses (`<base>/us-east-1_LocalPool` unless configured).
    pub fn issuer(&self) -> String {
        self.running.issuer().to_owned()
    }

    pub async fn get(&self, path_and_query: &str) -> Response {
        self.http
            .get(self.url(path_and_query))
            .send()
            .await
            .expect("request")
    }

    pub async fn authorize(&self, pairs: &[(&str, &str)]) -> Response {
        self.get(&format!("/oauth2/authorize?{}", query(pairs)))
            .await
    }

    /// Follows authorize -> /login -> POST credentials; returns the final response. Adds
    /// `prompt=login` (unless a prompt is given) so an existing session does not skip the form.
    pub async fn sign_in(
        &self,
        pairs: &[(&str, &str)],
        username: &str,
        password: &str,
    ) -> Response {
        let mut pairs = pairs.to_vec();
        if !pairs.iter().any(|(name, _)| *name == "prompt") {
            pairs.push(("prompt", "login"));
        }
        let response = self.authorize(&pairs).await;
        assert_eq!(response.status(), StatusCode::FOUND, "authorize redirects");
        let login_url = location(&response);
        assert!(login_url.starts_with(&self.url("/login?")), "{login_url}");
        self.http
            .post(&login_url)
            .form(&[("username", username), ("password", password)])
            .send()
            .await
            .expect("login post")
    }

    /// Signs alice in with code + PKCE (and the given extra parameters); returns the code.
    pub async fn code_for(&self, username: &str, extra: &[(&str, &str)]) -> String {
        let ch = challenge(VERIFIER);
        let mut pairs = code_params(&[("code_challenge_method", "S256"), ("code_challenge", &ch)]);
        pairs.extend_from_slice(extra);
        let response = self.sign_in(&pairs, username, PASSWORD).await;
        assert_eq!(response.status(), StatusCode::FOUND);
        let params = url_params(&location(&response), false);
        params.get("code").expect("a code").clone()
    }

    pub async fn token(&self, form: &[(&str, &str)]) -> Response {
        self.http
            .post(self.url("/oauth2/token"))
            .form(form)
            .send()
            .await
            .expect("token request")
    }

    /// Exchanges a code from `code_for` for tokens (SPA client, correct verifier).
    pub async fn exchange(&self, code: &str) -> Value {
        let response = self
            .token(&[
                ("grant_type", "authorization_code"),
                ("client_id", SPA),
                ("code", code),
                ("redirect_uri", CALLBACK),
                ("code_verifier", VERIFIER),
            ])
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.expect("token json")
    }

    /// Full sign-in of `username` through code + PKCE; returns the token response.
    pub async fn tokens_for(&self, username: &str, extra: &[(&str, &str)]) -> Value {
        let code = self.code_for(username, extra).await;
        self.exchange(&code).await
    }

    pub async fn jwks(&self) -> Value {
        let path = issuer_path(&self.issuer());
        self.get(&format!("{path}/.well-known/jwks.json"))
            .await
            .json()
            .await
            .expect("jwks json")
    }

    /// Verifies a token with jsonwebtoken against the emulator's JWKS: RS256, signature, exp,
    /// iss; for ID tokens also aud. Returns (kid, claims).
    pub async fn verify(&self, token: &str, audience: Option<&str>) -> (String, Value) {
        let header = jsonwebtoken::decode_header(token).expect("header");
        assert_eq!(header.alg, Algorithm::RS256);
        let kid = header.kid.expect("kid");
        let jwks = self.jwks().await;
        let key = jwks["keys"]
            .as_array()
            .expect("keys")
            .iter()
            .find(|k| k["kid"] == kid.as_str())
            .expect("kid in JWKS");
        let decoding = DecodingKey::from_rsa_components(
            key["n"].as_str().expect("n"),
            key["e"].as_str().expect("e"),
        )
        .expect("key");
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[self.issuer()]);
        match audience {
            Some(aud) => validation.set_audience(&[aud]),
            None => validation.validate_aud = false,
        }
        let data = jsonwebtoken::decode::<Value>(token, &decoding, &validation)
            .unwrap_or_else(|e| panic!("token verifies: {e}"));
        (kid, data.claims)
    }

    pub async fn userinfo(&self, token: &str) -> Response {
        self.http
            .get(self.url("/oauth2/userInfo"))
            .bearer_auth(token)
            .send()
            .await
            .expect("userinfo")
    }

    pub async fn revoke(&self, form: &[(&str, &str)]) -> Response {
        self.http
            .post(self.url("/oauth2/revoke"))
            .form(form)
            .send()
            .await
            .expect("revoke")
    }

    pub async fn refresh(&self, refresh_token: &str) -> Response {
        self.token(&[
            ("grant_type", "refresh_token"),
            ("client_id", SPA),
            ("refresh_token", refresh_token),
        ])
        .await
    }
}

/// Asserts Cognito's JSON error shape and returns the error code.
pub async fn oauth_error(response: Response, status: StatusCode) -> String {
    assert_eq!(response.status(), status);
    let body: Value = response.json().await.expect("error json");
    assert!(body["error_description"].is_string() || body.get("error_description").is_none());
    body["error"].as_str().expect("error field").to_owned()
}

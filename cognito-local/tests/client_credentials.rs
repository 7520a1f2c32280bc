//! The `client_credentials` grant over HTTP: the emulator's answers as Cognito gives them
//! (an access token alone with `sub` = `client_id` = the client id and the custom scopes;
//! `invalid_scope`, `unauthorized_client`, `invalid_client`), its configuration rules, and
//! the kit's `ClientCredentials` against it (one request for 20 concurrent callers, the
//! cached token reused, a new one after expiry by the injected clock, retries of a 500) with
//! the kit's verifier accepting the tokens.

mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use cognito_local::EmulatorConfig;
use common::*;
use leptos_cognito_auth::ssr::{ClientCredentials, CognitoJwtVerifier, ExpectedTokenUse};
use reqwest::StatusCode;
use serde_json::{json, Value};

const M2M: &str = "local-m2m-client";
const M2M_SECRET: &str = "local-m2m-secret";

impl Harness {
    /// A `client_credentials` request with HTTP Basic credentials and these form fields.
    async fn m2m_token(&self, id: &str, secret: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let mut pairs = vec![("grant_type", "client_credentials"), ("client_id", id)];
        pairs.extend_from_slice(form);
        self.http
            .post(self.url("/oauth2/token"))
            .header(
                "Authorization",
                format!("Basic {}", STANDARD.encode(format!("{id}:{secret}"))),
            )
            .form(&pairs)
            .send()
            .await
            .expect("token request")
    }

    /// The number of `client_credentials` requests the emulator received.
    fn m2m_requests(&self) -> u64 {
        self.running
            .emulator
            .counts()
            .token_requests
            .get("client_credentials")
            .copied()
            .unwrap_or(0)
    }
}

#[tokio::test]
async fn issues_an_access_token_alone_with_cognitos_m2m_claims() {
    let h = start().await;
    let response = h
        .m2m_token(M2M, M2M_SECRET, &[("scope", "local-api/read")])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    let fields: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        fields,
        ["access_token", "expires_in", "token_type"],
        "{body}"
    );
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["token_type"], "Bearer");

    let token = body["access_token"].as_str().unwrap();
    let (kid, claims) = h.verify(token, None).await;
    assert_eq!(kid, h.running.emulator.access_token_kid());
    assert_eq!(claims["sub"], M2M);
    assert_eq!(claims["client_id"], M2M);
    assert_eq!(claims["token_use"], "access");
    assert_eq!(claims["scope"], "local-api/read");
    assert_eq!(claims["iss"], h.issuer());
    assert_eq!(claims["version"], 2);
    assert!(claims["jti"].as_str().is_some_and(|j| j.len() == 36));
    let (iat, exp) = (
        claims["iat"].as_u64().unwrap(),
        claims["exp"].as_u64().unwrap(),
    );
    assert_eq!(exp - iat, 3600);
    for absent in ["username", "cognito:groups", "origin_jti", "aud"] {
        assert!(claims.get(absent).is_none(), "{absent} in {claims}");
    }

    // The secret in the body works as well; without `scope`, the client's custom scopes.
    let response = h
        .token(&[
            ("grant_type", "client_credentials"),
            ("client_id", M2M),
            ("client_secret", M2M_SECRET),
        ])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    let (_, claims) = h.verify(body["access_token"].as_str().unwrap(), None).await;
    assert_eq!(claims["scope"], "local-api/read");
    assert_eq!(h.m2m_requests(), 2);
}

#[tokio::test]
async fn refuses_as_cognito_does() {
    let h = start().await;
    // (client id, secret, form fields, expected error)
    type Case<'a> = (&'a str, &'a str, Vec<(&'a str, &'a str)>, &'a str);
    let cases: Vec<Case> = vec![
        // Scopes: unknown, of no resource server, standard, or not allowed to the client.
        (
            M2M,
            M2M_SECRET,
            vec![("scope", "local-api/delete")],
            "invalid_scope",
        ),
        (
            M2M,
            M2M_SECRET,
            vec![("scope", "other-api/read")],
            "invalid_scope",
        ),
        (M2M, M2M_SECRET, vec![("scope", "openid")], "invalid_scope"),
        (
            M2M,
            M2M_SECRET,
            vec![("scope", "local-api/write")],
            "invalid_scope",
        ),
        (
            M2M,
            M2M_SECRET,
            vec![("scope", "local-api/read local-api/write")],
            "invalid_scope",
        ),
        // The confidential client of the code flow is not allowed the grant.
        (CONFIDENTIAL, SECRET, vec![], "unauthorized_client"),
        // Client authentication: a wrong secret, an unknown client.
        (M2M, "wrong-secret", vec![], "invalid_client"),
        ("no-such-client", "x", vec![], "invalid_client"),
    ];
    for (id, secret, form, expected) in cases {
        let response = h.m2m_token(id, secret, &form).await;
        let code = oauth_error(response, StatusCode::BAD_REQUEST).await;
        assert_eq!(code, expected, "{id} {form:?}");
    }
    // A public client (no secret): the grant is not for it.
    let response = h
        .token(&[("grant_type", "client_credentials"), ("client_id", SPA)])
        .await;
    assert_eq!(
        oauth_error(response, StatusCode::BAD_REQUEST).await,
        "unauthorized_client"
    );
    // The machine client has no other grant.
    let response = h
        .http
        .post(h.url("/oauth2/token"))
        .basic_auth(M2M, Some(M2M_SECRET))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", "x"),
            ("redirect_uri", CALLBACK),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        oauth_error(response, StatusCode::BAD_REQUEST).await,
        "unauthorized_client"
    );
}

#[tokio::test]
async fn a_client_with_every_scope_of_two_resource_servers() {
    let h = start_with(|c| {
        c.resource_servers
            .push(cognito_local::ResourceServerConfig {
                identifier: "https://orders.example.com".into(),
                scopes: vec!["read".into()],
            });
        let m2m = c.clients.iter_mut().find(|c| c.client_id == M2M).unwrap();
        m2m.allowed_scopes = vec![
            "local-api/read".into(),
            "local-api/write".into(),
            "https://orders.example.com/read".into(),
        ];
        m2m.access_token_lifetime_secs = 300;
    })
    .await;
    let response = h.m2m_token(M2M, M2M_SECRET, &[]).await;
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["expires_in"], 300);
    let (_, claims) = h.verify(body["access_token"].as_str().unwrap(), None).await;
    assert_eq!(
        claims["scope"],
        "local-api/read local-api/write https://orders.example.com/read"
    );
    // Asked for some, in the request's order, each once.
    let response = h
        .m2m_token(
            M2M,
            M2M_SECRET,
            &[(
                "scope",
                "https://orders.example.com/read local-api/write local-api/write",
            )],
        )
        .await;
    let body: Value = response.json().await.unwrap();
    let (_, claims) = h.verify(body["access_token"].as_str().unwrap(), None).await;
    assert_eq!(
        claims["scope"],
        "https://orders.example.com/read local-api/write"
    );
}

#[test]
fn configuration_rules_are_cognitos() {
    let config = EmulatorConfig::default();
    let m2m = config.client(M2M).expect("the default machine client");
    assert_eq!(m2m.client_secret.as_deref(), Some(M2M_SECRET));
    assert_eq!(m2m.allowed_scopes, ["local-api/read"]);
    assert!(m2m.callback_urls.is_empty());
    assert_eq!(config.resource_servers.len(), 1);
    assert_eq!(
        config.resource_servers[0].full_scopes().collect::<Vec<_>>(),
        ["local-api/read", "local-api/write"]
    );

    let base = r#"
[[resource_servers]]
identifier = "api"
scopes = ["read", "write"]
"#;
    let client = |fields: &str| format!("{base}\n[[clients]]\nclient_id = \"m\"\n{fields}\n");
    let ok = EmulatorConfig::from_toml(&client(
        r#"client_secret = "s"
allowed_flows = ["client_credentials"]
allowed_scopes = ["api/read"]"#,
    ));
    assert!(ok.is_ok(), "{ok:?}");
    for (fields, says) in [
        (
            r#"allowed_flows = ["client_credentials"]
allowed_scopes = ["api/read"]"#,
            "needs a client_secret",
        ),
        (
            r#"client_secret = "s"
allowed_flows = ["client_credentials", "code"]
allowed_scopes = ["api/read"]"#,
            "cannot be combined",
        ),
        (
            r#"client_secret = "s"
allowed_flows = ["client_credentials"]
allowed_scopes = ["api/delete"]"#,
            "\"api/delete\" is not one",
        ),
        (
            r#"client_secret = "s"
allowed_flows = ["client_credentials"]"#,
            "\"openid\" is not one",
        ),
    ] {
        let err = EmulatorConfig::from_toml(&client(fields)).unwrap_err();
        assert!(err.to_string().contains(says), "{fields}: {err}");
    }
    for servers in [
        "[[resource_servers]]\nidentifier = \"\"\nscopes = [\"read\"]",
        "[[resource_servers]]\nidentifier = \"a b\"\nscopes = [\"read\"]",
        "[[resource_servers]]\nidentifier = \"api\"\nscopes = [\"re/ad\"]",
        "[[resource_servers]]\nidentifier = \"api\"\nscopes = [\"read\", \"read\"]",
        "[[resource_servers]]\nidentifier = \"api\"\n[[resource_servers]]\nidentifier = \"api\"",
    ] {
        // With no client referring to them, only the servers' own rules apply.
        let toml = format!("clients = []\n{servers}");
        let err = EmulatorConfig::from_toml(&toml).unwrap_err();
        assert!(
            err.to_string().contains("resource server"),
            "{servers}: {err}"
        );
    }
}

/// A clock the test moves, starting now.
fn test_clock() -> (Arc<AtomicU64>, impl Fn() -> u64 + Send + Sync + 'static) {
    let start = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let now = Arc::new(AtomicU64::new(start));
    let read = Arc::clone(&now);
    (now, move || read.load(Ordering::SeqCst))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_kits_client_credentials_against_the_emulator() {
    let h = start().await;
    let (now, clock) = test_clock();
    let tokens = ClientCredentials::builder(M2M, M2M_SECRET)
        .token_endpoint(h.url("/oauth2/token"))
        .scope("local-api/read")
        .clock(clock)
        .build()
        .expect("token source");

    // 20 concurrent callers: one request, one token for all.
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let tokens = tokens.clone();
            tokio::spawn(async move { tokens.access_token().await })
        })
        .collect();
    let mut seen = Vec::new();
    for task in tasks {
        seen.push(task.await.unwrap().expect("a token").expose().to_owned());
    }
    assert!(seen.iter().all(|t| *t == seen[0]));
    assert_eq!((h.m2m_requests(), tokens.token_requests()), (1, 1));

    // Reused while fresh: by the injected clock, up to 60 s before its hour is up.
    now.fetch_add(3600 - 61, Ordering::SeqCst);
    assert_eq!(tokens.access_token().await.unwrap().expose(), seen[0]);
    assert_eq!(h.m2m_requests(), 1);
    now.fetch_add(1, Ordering::SeqCst);
    let second = tokens.access_token().await.unwrap();
    assert_ne!(second.expose(), seen[0]);
    assert_eq!((h.m2m_requests(), tokens.token_requests()), (2, 2));

    // The kit's verifier accepts it as a machine's token, and checks its scopes.
    let verifier = CognitoJwtVerifier::for_issuer(&h.issuer())
        .client_id(M2M)
        .token_use(ExpectedTokenUse::Access)
        .build()
        .unwrap();
    let caller = verifier.verify(second.expose()).await.expect("verifies");
    assert!(caller.is_machine());
    assert_eq!(caller.username(), None);
    assert_eq!((caller.sub(), caller.client_id()), (M2M, M2M));
    assert_eq!(caller.scopes(), ["local-api/read"]);
    assert!(caller.require_scope("local-api/read").is_ok());
    let err = caller.require_scope("local-api/write").unwrap_err();
    assert_eq!((err.code(), err.status()), ("missing_scope", 403));
    // A user's token is not a machine's.
    let alice = h.tokens_for("alice", &[]).await;
    let user_verifier = CognitoJwtVerifier::for_issuer(&h.issuer())
        .client_id(SPA)
        .build()
        .unwrap();
    let user = user_verifier
        .verify(alice["access_token"].as_str().unwrap())
        .await
        .unwrap();
    assert!(!user.is_machine());
    // A verifier for the user-facing client refuses the machine's token.
    assert_eq!(
        user_verifier
            .verify(second.expose())
            .await
            .unwrap_err()
            .code(),
        "wrong_client"
    );
}

#[tokio::test]
async fn the_kits_errors_and_retries_against_the_emulator() {
    let h = start_with(|c| c.enable_test_control = true).await;
    let source = |id: &str, secret: &str, scope: &str| {
        ClientCredentials::builder(id, secret)
            .token_endpoint(h.url("/oauth2/token"))
            .scope(scope)
            .build()
            .unwrap()
    };
    for (id, secret, scope, code) in [
        (M2M, "wrong", "local-api/read", "invalid_client"),
        (M2M, M2M_SECRET, "local-api/write", "invalid_scope"),
        (
            CONFIDENTIAL,
            SECRET,
            "local-api/read",
            "unauthorized_client",
        ),
    ] {
        let tokens = source(id, secret, scope);
        let err = tokens.access_token().await.unwrap_err();
        assert_eq!((err.code(), err.status()), (code, 400), "{id} {scope}");
        assert_eq!(tokens.token_requests(), 1, "a refusal is not retried");
    }

    // Two 500s, then the token: retried within the default three attempts.
    let response = h
        .http
        .post(h.url("/_test/faults/token"))
        .json(&json!({ "fault": "server_error", "count": 2 }))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());
    let tokens = source(M2M, M2M_SECRET, "local-api/read");
    tokens.access_token().await.expect("the third attempt");
    assert_eq!(tokens.token_requests(), 3);
}

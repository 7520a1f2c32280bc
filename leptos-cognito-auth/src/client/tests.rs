//! Every path of the client, against a scripted HTTP fake that asserts the exact request.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use futures::executor::block_on;
use serde_json::json;

use super::*;
use crate::protocol::{
    code_challenge_s256, AuthError, CognitoConfig, CognitoSession, HttpRequest, HttpResponse,
    MemoryStorage, Method, Secret, Storage, TransportError,
};

const NOW: u64 = 1_700_000_000;
const CLIENT: &str = "local-spa-client";
const ISSUER: &str = "http://localhost:9229/us-east-1_LocalPool";
const P: &str = "CognitoIdentityServiceProvider.local-spa-client";

/// Answers requests from a script, recording each one.
#[derive(Clone, Default)]
struct ScriptedHttp {
    script: Arc<Mutex<VecDeque<Result<HttpResponse, TransportError>>>>,
    seen: Arc<Mutex<Vec<HttpRequest>>>,
}

impl ScriptedHttp {
    fn then(&self, response: Result<HttpResponse, TransportError>) -> &Self {
        self.script.lock().unwrap().push_back(response);
        self
    }
    fn json(&self, status: u16, body: serde_json::Value) -> &Self {
        self.then(Ok(HttpResponse::new(status, body.to_string())))
    }
    fn requests(&self) -> Vec<HttpRequest> {
        self.seen.lock().unwrap().clone()
    }
}

/// A future that is pending once, so that concurrent callers interleave.
struct YieldOnce(bool);

impl std::future::Future for YieldOnce {
    type Output = ();
    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        if self.0 {
            std::task::Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    }
}

impl HttpClient for ScriptedHttp {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        self.seen.lock().unwrap().push(request.clone());
        YieldOnce(false).await;
        self.script
            .lock()
            .unwrap()
            .pop_front()
            .unwrap_or_else(|| panic!("unexpected request: {request:?}"))
    }
}

fn b64(v: &serde_json::Value) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
}

fn jwt(payload: serde_json::Value) -> String {
    format!(
        "{}.{}.c2ln",
        b64(&json!({"alg": "RS256", "kid": "k"})),
        b64(&payload)
    )
}

fn id_token(user: &str, exp: u64, nonce: Option<&str>) -> String {
    let mut claims = json!({"sub": format!("sub-{user}"), "cognito:username": user, "aud": CLIENT,
        "iss": ISSUER, "token_use": "id", "exp": exp, "iat": exp - 3600, "auth_time": NOW - 10,
        "email": format!("{user}@example.com")});
    if let Some(n) = nonce {
        claims["nonce"] = json!(n);
    }
    jwt(claims)
}

fn access_token(user: &str, exp: u64) -> String {
    jwt(
        json!({"sub": format!("sub-{user}"), "username": user, "client_id": CLIENT, "iss": ISSUER,
        "token_use": "access", "exp": exp, "iat": exp - 3600, "scope": "openid email"}),
    )
}

fn config() -> CognitoConfig {
    CognitoConfig::builder()
        .client_id(CLIENT)
        .app_web_domain("http://localhost:9229")
        .scopes(["openid", "email"])
        .redirect_uri_sign_in("http://localhost:3000/callback")
        .redirect_uri_sign_out("http://localhost:3000/")
        .user_pool_id("us-east-1_LocalPool")
        .issuer(ISSUER)
        .build()
        .unwrap()
}

struct Harness {
    auth: CognitoAuth<MemoryStorage, ScriptedHttp, MemoryNavigator, ManualEnvironment>,
    storage: MemoryStorage,
    http: ScriptedHttp,
    nav: MemoryNavigator,
    env: ManualEnvironment,
}

fn harness_with(config: CognitoConfig) -> Harness {
    let storage = MemoryStorage::new();
    let http = ScriptedHttp::default();
    let nav = MemoryNavigator::at("/protected?x=1");
    let env = ManualEnvironment::new(NOW);
    let auth = CognitoAuth::new(
        config,
        storage.clone(),
        http.clone(),
        nav.clone(),
        env.clone(),
    );
    Harness {
        auth,
        storage,
        http,
        nav,
        env,
    }
}

fn harness() -> Harness {
    harness_with(config())
}

fn query_param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    crate::protocol::encoding::parse_form(query)
        .ok()?
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v)
}

fn store_session(h: &Harness, user: &str, exp: u64, refresh: Option<&str>) {
    let s = CognitoSession::from_tokens(
        Some(&id_token(user, exp, None)),
        &access_token(user, exp),
        refresh.map(Secret::new),
        "openid email",
    )
    .unwrap();
    h.auth.store().save(&s).unwrap();
}

/// The pending record of the last sign-in started (by the `state` in its URL).
fn last_pending(h: &Harness) -> Option<crate::protocol::PendingSignIn> {
    let state = query_param(&h.nav.last()?, "state")?;
    h.auth.store().peek_pending(&state)
}

/// Starts a sign-in and returns (state, nonce, verifier) read back from the URL and storage.
fn start(h: &Harness) -> (String, String, Option<String>) {
    block_on(h.auth.start_session()).unwrap();
    let url = h.nav.last().unwrap();
    let pending = last_pending(h).unwrap();
    assert_eq!(
        query_param(&url, "state").as_deref(),
        Some(pending.state.as_str())
    );
    (
        pending.state,
        pending.nonce,
        pending.code_verifier.map(|v| v.expose().to_owned()),
    )
}

fn token_response(user: &str, nonce: Option<&str>, refresh: Option<&str>) -> serde_json::Value {
    let mut body = json!({"access_token": access_token(user, NOW + 3600),
        "id_token": id_token(user, NOW + 3600, nonce), "token_type": "Bearer", "expires_in": 3600});
    if let Some(r) = refresh {
        body["refresh_token"] = json!(r);
    }
    body
}

#[test]
fn code_flow_sign_in_end_to_end() {
    let h = harness();
    h.auth.set_state("cart=3");
    let (state, nonce, verifier) = start(&h);
    let verifier = verifier.expect("code flow uses PKCE");
    let url = h.nav.last().unwrap();
    assert!(url.starts_with("http://localhost:9229/oauth2/authorize?response_type=code&client_id=local-spa-client&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fcallback&"));
    assert_eq!(
        query_param(&url, "code_challenge"),
        Some(code_challenge_s256(&verifier))
    );
    assert_eq!(query_param(&url, "nonce"), Some(nonce.clone()));
    assert!(!url.contains("cart"));

    h.http.json(
        200,
        token_response("alice", Some(&nonce), Some("refresh-1")),
    );
    let outcome = block_on(h.auth.parse_cognito_web_response(&format!(
        "http://localhost:3000/callback?code=the-code&state={state}"
    )))
    .unwrap();
    assert_eq!(outcome.return_to, "/protected?x=1");
    assert_eq!(outcome.app_state.as_deref(), Some("cart=3"));
    assert_eq!(outcome.session.username(), Some("alice"));

    let requests = h.http.requests();
    assert_eq!(requests.len(), 1);
    let req = &requests[0];
    assert_eq!(req.method, Method::Post);
    assert_eq!(req.url, "http://localhost:9229/oauth2/token");
    assert_eq!(
        req.header("Content-Type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(req.header("Authorization"), None);
    assert_eq!(
        req.body.as_ref().unwrap().expose(),
        format!("grant_type=authorization_code&client_id=local-spa-client&code=the-code&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fcallback&code_verifier={verifier}")
    );

    // Stored in the original SDK's layout, pending record consumed.
    assert_eq!(
        h.storage.get(&format!("{P}.LastAuthUser")).as_deref(),
        Some("alice")
    );
    assert_eq!(
        h.storage.get(&format!("{P}.alice.refreshToken")).as_deref(),
        Some("refresh-1")
    );
    assert!(!h.auth.store().has_pending());
    assert!(h.auth.is_user_signed_in());
    assert_eq!(h.auth.get_username().as_deref(), Some("alice"));
    let cached = block_on(h.auth.get_session()).unwrap();
    assert_eq!(cached.refresh_token().unwrap().expose(), "refresh-1");
    assert_eq!(
        h.http.requests().len(),
        1,
        "a valid cached session needs no request"
    );
}

#[test]
fn a_sign_in_from_another_origin_fails_at_once_and_stores_nothing() {
    let storage = MemoryStorage::new();
    let nav = MemoryNavigator::at("/protected").with_origin("http://127.0.0.1:3000");
    let auth = CognitoAuth::new(
        config(),
        storage.clone(),
        ScriptedHttp::default(),
        nav.clone(),
        ManualEnvironment::new(NOW),
    );
    let err = block_on(auth.start_session()).unwrap_err();
    assert_eq!(err.code(), "wrong_origin");
    let message = err.to_string();
    assert!(message.contains("http://127.0.0.1:3000"), "{message}");
    assert!(message.contains("http://localhost:3000"), "{message}");
    assert!(nav.visited().is_empty(), "the page stays");
    assert!(storage.keys().is_empty(), "no pending sign-in left behind");
    // At the callback's origin it starts as usual.
    let nav = MemoryNavigator::at("/protected").with_origin("http://localhost:3000");
    let auth = CognitoAuth::new(
        config(),
        storage.clone(),
        ScriptedHttp::default(),
        nav.clone(),
        ManualEnvironment::new(NOW),
    );
    block_on(auth.start_session()).unwrap();
    assert!(nav.last().unwrap().contains("/oauth2/authorize?"));
}

#[test]
fn replayed_callback_is_refused() {
    let h = harness();
    let (state, nonce, _) = start(&h);
    h.http
        .json(200, token_response("alice", Some(&nonce), Some("r")));
    let url = format!("http://localhost:3000/callback?code=c&state={state}");
    block_on(h.auth.parse_cognito_web_response(&url)).unwrap();
    let err = block_on(h.auth.parse_cognito_web_response(&url)).unwrap_err();
    assert_eq!(err.code(), "no_pending_sign_in");
    assert_eq!(h.http.requests().len(), 1, "no second exchange");
    assert!(h.auth.is_user_signed_in(), "the session stays");
}

#[test]
fn forged_state_changes_nothing() {
    let h = harness();
    store_session(&h, "bob", NOW + 3600, Some("bob-refresh"));
    let (state, _, _) = start(&h);
    let before = h.storage.keys();
    let err = block_on(h.auth.parse_cognito_web_response(
        "http://localhost:3000/callback?code=attacker-code&state=not-ours",
    ))
    .unwrap_err();
    assert_eq!(err, AuthError::StateMismatch);
    assert!(
        h.http.requests().is_empty(),
        "the attacker's code is never exchanged"
    );
    assert_eq!(h.storage.keys(), before);
    assert_eq!(
        h.auth.store().peek_pending(&state).unwrap().state,
        state,
        "the real sign-in can still finish"
    );
    assert_eq!(h.auth.get_username().as_deref(), Some("bob"));
}

#[test]
fn callback_without_pending_or_expired() {
    let h = harness();
    let err = block_on(
        h.auth
            .parse_cognito_web_response("http://localhost:3000/callback?code=c&state=s"),
    )
    .unwrap_err();
    assert_eq!(err.code(), "no_pending_sign_in");
    let (state, _, _) = start(&h);
    h.env.advance(crate::protocol::PENDING_SIGN_IN_TTL + 1);
    let err = block_on(h.auth.parse_cognito_web_response(&format!(
        "http://localhost:3000/callback?code=c&state={state}"
    )))
    .unwrap_err();
    assert_eq!(err.code(), "no_pending_sign_in");
    assert!(!h.auth.store().has_pending(), "the stale record is removed");
}

#[test]
fn cognito_error_in_callback() {
    let h = harness();
    let (state, _, _) = start(&h);
    let err = block_on(h.auth.parse_cognito_web_response(&format!(
        "http://localhost:3000/callback?error=access_denied&error_description=User+cancelled&state={state}"
    )))
    .unwrap_err();
    assert_eq!((err.code(), err.status()), ("access_denied", 400));
    assert!(err.to_string().contains("User cancelled"));
    assert!(!h.auth.store().has_pending());
    assert!(h.http.requests().is_empty());
}

#[test]
fn sign_ins_started_together_both_complete() {
    // Two tabs over the same storage start a sign-in each before either comes back.
    let h = harness();
    let (state_a, nonce_a, _) = start(&h);
    let (state_b, nonce_b, _) = start(&h);
    assert_ne!(state_a, state_b);
    // They come back in either order; each finds its own record.
    for (user, state, nonce) in [("bob", &state_b, &nonce_b), ("alice", &state_a, &nonce_a)] {
        h.http
            .json(200, token_response(user, Some(nonce), Some("refresh-1")));
        let outcome = block_on(h.auth.parse_cognito_web_response(&format!(
            "http://localhost:3000/callback?code=code-{user}&state={state}"
        )))
        .unwrap();
        assert_eq!(outcome.session.username(), Some(user));
    }
    assert!(!h.auth.store().has_pending());
    // A replay now finds nothing.
    let err = block_on(h.auth.parse_cognito_web_response(&format!(
        "http://localhost:3000/callback?code=code-bob&state={state_b}"
    )))
    .unwrap_err();
    assert_eq!(err, AuthError::NoPendingSignIn);
}

#[test]
fn nonce_mismatch_stores_nothing() {
    let h = harness();
    let (state, _, _) = start(&h);
    h.http.json(
        200,
        token_response("alice", Some("someone-elses-nonce"), Some("r")),
    );
    let err = block_on(h.auth.parse_cognito_web_response(&format!(
        "http://localhost:3000/callback?code=c&state={state}"
    )))
    .unwrap_err();
    assert_eq!(err, AuthError::NonceMismatch);
    assert!(h.storage.keys().is_empty(), "{:?}", h.storage.keys());
}

#[test]
fn token_endpoint_errors_are_typed_and_store_nothing() {
    let cases: Vec<(Result<HttpResponse, TransportError>, &str)> = vec![
        (
            Ok(HttpResponse::new(
                400,
                r#"{"error":"invalid_grant","error_description":"code expired"}"#,
            )),
            "invalid_grant",
        ),
        (
            Ok(HttpResponse::new(500, "Internal Server Error")),
            "endpoint_error",
        ),
        (Ok(HttpResponse::new(200, "{malformed")), "invalid_response"),
        (
            Err(TransportError::network("connection reset")),
            "network_error",
        ),
        (Err(TransportError::timeout("no answer in 10 s")), "timeout"),
        (
            Ok(HttpResponse::new(
                200,
                r#"{"access_token":"junk","token_type":"Bearer"}"#,
            )),
            "malformed_token",
        ),
    ];
    for (response, code) in cases {
        let h = harness();
        let (state, _, _) = start(&h);
        h.http.then(response);
        let err = block_on(h.auth.parse_cognito_web_response(&format!(
            "http://localhost:3000/callback?code=c&state={state}"
        )))
        .unwrap_err();
        assert_eq!(err.code(), code);
        assert!(
            h.storage.keys().is_empty(),
            "{code}: {:?}",
            h.storage.keys()
        );
    }
}

#[test]
fn implicit_flow() {
    let h = harness();
    h.auth.use_implicit_flow();
    let (state, nonce, verifier) = start(&h);
    assert!(verifier.is_none());
    assert_eq!(
        query_param(&h.nav.last().unwrap(), "response_type").as_deref(),
        Some("token")
    );
    let url = format!(
        "http://localhost:3000/callback#id_token={}&access_token={}&token_type=Bearer&expires_in=3600&state={state}",
        id_token("alice", NOW + 3600, Some(&nonce)),
        access_token("alice", NOW + 3600)
    );
    let outcome = block_on(h.auth.parse_cognito_web_response(&url)).unwrap();
    assert!(outcome.session.refresh_token().is_none());
    assert!(
        h.http.requests().is_empty(),
        "implicit flow makes no request"
    );
    assert!(h.auth.is_user_signed_in());
    // A code response to an implicit sign-in is refused.
    h.auth.use_code_grant_flow();
    let (state, _, _) = start(&h);
    h.auth.use_implicit_flow();
    let _ = state;
    let (state2, _, _) = start(&h);
    let err = block_on(h.auth.parse_cognito_web_response(&format!(
        "http://localhost:3000/callback?code=c&state={state2}"
    )))
    .unwrap_err();
    assert_eq!(err.code(), "invalid_callback");
}

#[test]
fn expired_session_is_refreshed_keeping_the_refresh_token() {
    let h = harness();
    store_session(&h, "alice", NOW + 30, Some("r-1")); // within the 60 s skew: expired
    assert!(!h.auth.is_user_signed_in());
    h.http.json(200, token_response("alice", None, None));
    let session = block_on(h.auth.get_session()).unwrap();
    assert_eq!(session.refresh_token().unwrap().expose(), "r-1");
    assert_eq!(session.expires_at(), NOW + 3600);
    let req = &h.http.requests()[0];
    assert_eq!(req.url, "http://localhost:9229/oauth2/token");
    assert_eq!(
        req.body.as_ref().unwrap().expose(),
        "grant_type=refresh_token&client_id=local-spa-client&refresh_token=r-1"
    );
    assert!(h.auth.is_user_signed_in());
    assert!(h.nav.visited().is_empty(), "no redirect");
}

#[test]
fn rotated_refresh_token_is_stored() {
    let h = harness();
    store_session(&h, "alice", NOW - 10, Some("r-1"));
    h.http.json(200, token_response("alice", None, Some("r-2")));
    block_on(h.auth.refresh_session()).unwrap();
    assert_eq!(
        h.storage.get(&format!("{P}.alice.refreshToken")).as_deref(),
        Some("r-2")
    );
}

#[test]
fn revoked_refresh_token_cleans_up_and_redirects() {
    let h = harness();
    store_session(&h, "alice", NOW - 10, Some("revoked"));
    h.http.json(
        400,
        json!({"error": "invalid_grant", "error_description": "Refresh Token has been revoked"}),
    );
    let err = block_on(h.auth.get_session()).unwrap_err();
    assert_eq!(err, AuthError::Redirecting);
    assert!(
        h.auth.get_cached_session().is_none(),
        "the broken session is gone"
    );
    assert!(h.nav.last().unwrap().contains("/oauth2/authorize?"));
    let state = last_pending(&h).unwrap().state;
    assert_eq!(h.storage.keys(), [format!("{P}.pendingSignIn.{state}")]);
}

#[test]
fn transient_refresh_failure_keeps_the_session() {
    for response in [
        Err(TransportError::network("offline")),
        Ok(HttpResponse::new(503, "busy")),
        Ok(HttpResponse::new(200, "not json")),
    ] {
        let h = harness();
        store_session(&h, "alice", NOW - 10, Some("r-1"));
        h.http.then(response);
        let err = block_on(h.auth.get_session()).unwrap_err();
        assert!(err.is_transient(), "{err}");
        assert!(
            h.nav.visited().is_empty(),
            "no redirect while Cognito is unreachable"
        );
        let kept = h.auth.get_cached_session().unwrap();
        assert_eq!(kept.refresh_token().unwrap().expose(), "r-1");
        // Retry works once Cognito answers again.
        h.http.json(200, token_response("alice", None, None));
        assert!(block_on(h.auth.get_session()).is_ok());
    }
}

#[test]
fn tokens_due_on_arrival_are_kept_reported_and_not_refreshed_again() {
    let h = harness();
    store_session(&h, "alice", NOW - 10, Some("r-1"));
    // The identity provider's tokens live 4 s and were issued 4 s ago (the answer took
    // that long): due the moment they arrive. With rotation, a new refresh token too.
    let stale = |exp: u64| {
        jwt(
            json!({"sub": "sub-alice", "username": "alice", "client_id": CLIENT, "iss": ISSUER,
            "token_use": "access", "exp": exp, "iat": exp - 4, "scope": "openid email"}),
        )
    };
    h.http.json(
        200,
        json!({"access_token": stale(NOW), "token_type": "Bearer", "expires_in": 4,
            "refresh_token": "r-2"}),
    );
    let err = block_on(h.auth.get_session()).unwrap_err();
    assert_eq!(err, AuthError::TokensExpireTooSoon { lifetime_secs: 4 });
    assert_eq!(err.code(), "tokens_expire_too_soon");
    assert!(err.to_string().contains("clock_skew_secs"), "{err}");
    // One request; no trip to the Hosted UI (a new sign-in would bring the same tokens).
    assert_eq!(h.http.requests().len(), 1);
    assert!(h.nav.visited().is_empty(), "no redirect");
    // The rotated refresh token is not lost.
    assert_eq!(
        h.storage.get(&format!("{P}.alice.refreshToken")).as_deref(),
        Some("r-2")
    );
}

#[test]
fn refresh_for_another_user_is_refused() {
    let h = harness();
    store_session(&h, "alice", NOW - 10, Some("r-1"));
    h.http.json(200, token_response("mallory", None, None));
    let err = block_on(h.auth.refresh_session()).unwrap_err();
    assert_eq!(err.code(), "token_rejected");
    assert_eq!(h.auth.get_username().as_deref(), Some("alice"));
}

#[test]
fn no_session_means_redirect_and_refresh_needs_a_token() {
    let h = harness();
    assert_eq!(
        block_on(h.auth.refresh_session()).unwrap_err(),
        AuthError::NoSession
    );
    store_session(&h, "alice", NOW - 10, None); // implicit-flow session, expired
    assert_eq!(
        block_on(h.auth.get_session()).unwrap_err(),
        AuthError::Redirecting
    );
    assert!(h.http.requests().is_empty());
}

#[test]
fn scope_change_forces_a_new_sign_in() {
    let h = harness_with(
        CognitoConfig::builder()
            .client_id(CLIENT)
            .app_web_domain("http://localhost:9229")
            .scopes(["openid", "email", "profile"])
            .redirect_uri_sign_in("http://localhost:3000/callback")
            .redirect_uri_sign_out("http://localhost:3000/")
            .build()
            .unwrap(),
    );
    store_session(&h, "alice", NOW + 3600, Some("r")); // made for "openid email"
    assert!(!h.auth.is_user_signed_in());
    assert_eq!(
        block_on(h.auth.get_session()).unwrap_err(),
        AuthError::Redirecting
    );
    assert!(
        h.http.requests().is_empty(),
        "no refresh: it would keep the old scopes"
    );
    assert!(h.auth.get_cached_session().is_none());
}

#[test]
fn sign_out_revokes_clears_and_redirects() {
    let h = harness();
    store_session(&h, "alice", NOW + 3600, Some("r-1"));
    h.http.then(Ok(HttpResponse::new(200, "")));
    block_on(h.auth.sign_out()).unwrap();
    let req = &h.http.requests()[0];
    assert_eq!(req.url, "http://localhost:9229/oauth2/revoke");
    assert_eq!(
        req.body.as_ref().unwrap().expose(),
        "token=r-1&client_id=local-spa-client"
    );
    assert!(h.storage.keys().is_empty());
    assert_eq!(
        h.nav.last().unwrap(),
        "http://localhost:9229/logout?client_id=local-spa-client&logout_uri=http%3A%2F%2Flocalhost%3A3000%2F"
    );
    // Calls after sign-out behave (the original SDK crashed here).
    assert!(h.auth.get_cached_session().is_none());
    assert!(!h.auth.is_user_signed_in());
    assert_eq!(
        block_on(h.auth.refresh_session()).unwrap_err(),
        AuthError::NoSession
    );
    block_on(h.auth.sign_out()).unwrap();
    assert_eq!(
        h.http.requests().len(),
        1,
        "nothing to revoke the second time"
    );
}

#[test]
fn sign_out_still_signs_out_when_offline() {
    let h = harness();
    store_session(&h, "alice", NOW + 3600, Some("r-1"));
    h.http.then(Err(TransportError::network("offline")));
    block_on(h.auth.sign_out()).unwrap();
    assert!(h.storage.keys().is_empty());
    assert!(h.nav.last().unwrap().contains("/logout?"));
}

#[test]
fn confidential_client_and_no_revocation() {
    let h = harness_with(
        CognitoConfig::builder()
            .client_id(CLIENT)
            .client_secret("local-server-secret")
            .app_web_domain("http://localhost:9229")
            .scopes(["openid", "email"])
            .redirect_uri_sign_in("http://localhost:3000/callback")
            .redirect_uri_sign_out("http://localhost:3000/")
            .revoke_on_sign_out(false)
            .build()
            .unwrap(),
    );
    store_session(&h, "alice", NOW - 10, Some("r-1"));
    h.http.json(200, token_response("alice", None, None));
    block_on(h.auth.refresh_session()).unwrap();
    assert!(h.http.requests()[0]
        .header("Authorization")
        .unwrap()
        .starts_with("Basic "));
    block_on(h.auth.sign_out()).unwrap();
    assert_eq!(h.http.requests().len(), 1, "revocation is off");
}

#[test]
fn return_path_is_sanitised() {
    let h = harness();
    block_on(h.auth.start_session_to("https://evil.example/steal")).unwrap();
    assert_eq!(last_pending(&h).unwrap().return_to, "/");
}

#[test]
fn user_info() {
    let h = harness();
    assert_eq!(
        block_on(h.auth.get_user_info()).unwrap_err(),
        AuthError::NoSession
    );
    store_session(&h, "alice", NOW + 3600, Some("r"));
    h.http.json(
        200,
        json!({"sub": "sub-alice", "username": "alice", "email": "alice@example.com"}),
    );
    let info = block_on(h.auth.get_user_info()).unwrap();
    assert_eq!(info["email"], "alice@example.com");
    let req = &h.http.requests()[0];
    assert_eq!(req.url, "http://localhost:9229/oauth2/userInfo");
    assert_eq!(
        req.header("Authorization"),
        Some(format!("Bearer {}", access_token("alice", NOW + 3600)).as_str())
    );
}

#[test]
fn advanced_security_data_is_sent_when_available() {
    struct WithAsf(ManualEnvironment);
    impl Clock for WithAsf {
        fn now(&self) -> u64 {
            self.0.now()
        }
    }
    impl Environment for WithAsf {
        fn fill_random(&self, buf: &mut [u8]) {
            self.0.fill_random(buf)
        }
        fn user_context_data(&self, username: &str, pool: &str, client: &str) -> Option<String> {
            Some(format!("asf:{username}:{pool}:{client}"))
        }
    }
    let nav = MemoryNavigator::new();
    let auth = CognitoAuth::new(
        config(),
        MemoryStorage::new(),
        ScriptedHttp::default(),
        nav.clone(),
        WithAsf(ManualEnvironment::new(NOW)),
    );
    block_on(auth.start_session()).unwrap();
    assert_eq!(
        query_param(&nav.last().unwrap(), "userContextData").as_deref(),
        Some("asf::us-east-1_LocalPool:local-spa-client")
    );
    let off = CognitoConfig::builder()
        .client_id(CLIENT)
        .app_web_domain("http://localhost:9229")
        .redirect_uri_sign_in("http://localhost:3000/callback")
        .redirect_uri_sign_out("http://localhost:3000/")
        .user_pool_id("us-east-1_LocalPool")
        .advanced_security_data_collection(false)
        .build()
        .unwrap();
    let nav = MemoryNavigator::new();
    let auth = CognitoAuth::new(
        off,
        MemoryStorage::new(),
        ScriptedHttp::default(),
        nav.clone(),
        WithAsf(ManualEnvironment::new(NOW)),
    );
    block_on(auth.start_session()).unwrap();
    assert_eq!(query_param(&nav.last().unwrap(), "userContextData"), None);
}

#[test]
fn two_clients_sharing_storage_see_each_other() {
    // Two tabs of the same origin: one signs in, the other reads the session.
    let h = harness();
    let other = CognitoAuth::new(
        config(),
        h.storage.clone(),
        ScriptedHttp::default(),
        MemoryNavigator::new(),
        h.env.clone(),
    );
    let (state, nonce, _) = start(&h);
    h.http
        .json(200, token_response("alice", Some(&nonce), Some("r")));
    block_on(h.auth.parse_cognito_web_response(&format!(
        "http://localhost:3000/callback?code=c&state={state}"
    )))
    .unwrap();
    assert_eq!(other.get_username().as_deref(), Some("alice"));
    other.sign_out_locally();
    assert!(!h.auth.is_user_signed_in());
}

#[test]
fn a_sign_out_or_another_sign_in_while_a_refresh_is_out_is_not_undone() {
    // Signed out (here, or in another tab: storage cleared) while the refresh request is
    // out: its answer is dropped, and the user stays signed out.
    let h = harness();
    store_session(&h, "alice", NOW - 10, Some("r-1"));
    h.http.json(200, token_response("alice", None, Some("r-2")));
    let (refreshed, ()) = block_on(async {
        futures::join!(h.auth.refresh_session(), async {
            h.auth.sign_out_locally()
        })
    });
    assert!(
        matches!(refreshed, Err(AuthError::NoSession)),
        "{refreshed:?}"
    );
    assert_eq!(h.http.requests().len(), 1, "the refresh was sent");
    assert!(h.auth.get_cached_session().is_none(), "still signed out");
    // Another user signed in meanwhile (another tab): their session stays, and is what
    // the refresh answers with.
    store_session(&h, "alice", NOW - 10, Some("r-3"));
    h.http.json(200, token_response("alice", None, Some("r-4")));
    let (refreshed, ()) = block_on(async {
        futures::join!(h.auth.refresh_session(), async {
            store_session(&h, "bob", NOW + 3600, Some("b-1"))
        })
    });
    assert_eq!(refreshed.unwrap().refresh_token().unwrap().expose(), "b-1");
    assert_eq!(h.auth.get_username().as_deref(), Some("bob"));
    assert_eq!(
        h.auth
            .get_cached_session()
            .unwrap()
            .refresh_token()
            .unwrap()
            .expose(),
        "b-1"
    );
}

#[test]
fn concurrent_refreshes_share_one_request() {
    let h = harness();
    store_session(&h, "alice", NOW - 10, Some("r-1"));
    h.http.json(200, token_response("alice", None, Some("r-2")));
    let (a, b, c) = block_on(async {
        futures::join!(
            h.auth.refresh_session(),
            h.auth.refresh_session(),
            h.auth.get_session()
        )
    });
    let (a, b, c) = (a.unwrap(), b.unwrap(), c.unwrap());
    assert_eq!(
        h.http.requests().len(),
        1,
        "one refresh request for three callers"
    );
    assert_eq!(a.access_token().jwt_token(), b.access_token().jwt_token());
    assert_eq!(a.access_token().jwt_token(), c.access_token().jwt_token());
    assert_eq!(b.refresh_token().unwrap().expose(), "r-2");
    // A later explicit refresh still refreshes.
    h.http.json(200, token_response("alice", None, None));
    block_on(h.auth.refresh_session()).unwrap();
    assert_eq!(h.http.requests().len(), 2);
}

fn api_request() -> HttpRequest {
    HttpRequest {
        method: Method::Get,
        url: "http://localhost:3000/api/me".into(),
        headers: vec![("Authorization".into(), Secret::new("Bearer stale"))],
        body: None,
    }
}

#[test]
fn fetch_with_session_adds_the_token_and_retries_once_after_a_refresh() {
    let h = harness();
    assert_eq!(
        block_on(h.auth.fetch_with_session(api_request())).unwrap_err(),
        AuthError::NoSession
    );
    assert!(
        h.http.requests().is_empty(),
        "nothing is sent without a session"
    );

    store_session(&h, "alice", NOW + 3600, Some("r-1"));
    h.http.then(Ok(HttpResponse::new(200, "{}")));
    assert_eq!(
        block_on(h.auth.fetch_with_session(api_request()))
            .unwrap()
            .status,
        200
    );
    let first = &h.http.requests()[0];
    assert_eq!(
        first.header("Authorization"),
        Some(format!("Bearer {}", access_token("alice", NOW + 3600)).as_str())
    );
    assert_eq!(first.headers.len(), 1, "the stale header is replaced");

    // 401 -> refresh -> one retry with the new token; a second 401 is returned as is.
    h.http
        .then(Ok(HttpResponse::new(401, "")))
        .json(200, json!({"access_token": access_token("alice", NOW + 7200), "id_token": id_token("alice", NOW + 7200, None), "token_type": "Bearer"}))
        .then(Ok(HttpResponse::new(401, "")));
    assert_eq!(
        block_on(h.auth.fetch_with_session(api_request()))
            .unwrap()
            .status,
        401
    );
    let requests = h.http.requests();
    assert_eq!(requests.len(), 4, "call, refresh, one retry");
    assert_eq!(requests[2].url, "http://localhost:9229/oauth2/token");
    assert_eq!(
        requests[3].header("Authorization"),
        Some(format!("Bearer {}", access_token("alice", NOW + 7200)).as_str())
    );
}

/// A device clock that is off by minutes (either way): the session from the callback and
/// from a refresh is judged by Cognito's clock, not thrown away or kept too long.
#[test]
fn skewed_device_clock_is_measured_and_corrected() {
    for offset in [-7200_i64, -600, 600, 7200] {
        let h = harness();
        let device_now = NOW.checked_add_signed(offset).unwrap();
        h.env.set_now(device_now);
        let (state, nonce, _) = start(&h);
        h.http
            .json(200, token_response("alice", Some(&nonce), Some("r-1")));
        let session = block_on(h.auth.parse_cognito_web_response(&format!(
            "http://localhost:3000/callback?code=c&state={state}"
        )))
        .unwrap()
        .session;
        assert_eq!(session.clock_drift(), offset, "offset {offset}");
        assert!(
            h.auth.is_valid(&session),
            "offset {offset}: fresh tokens are valid"
        );
        // Read back from storage (a reload): still valid, no request.
        let cached = block_on(h.auth.get_session()).unwrap();
        assert_eq!(cached.clock_drift(), offset);
        assert_eq!(h.http.requests().len(), 1, "offset {offset}");
        // 59 min later (Cognito's clock) the 60 s skew allowance makes it expired.
        h.env.advance(3540);
        assert!(!h.auth.is_valid(&h.auth.get_cached_session().unwrap()));
        let mut fresh = token_response("alice", None, None);
        fresh["access_token"] = json!(access_token("alice", NOW + 3540 + 3600));
        fresh["id_token"] = json!(id_token("alice", NOW + 3540 + 3600, None));
        h.http.json(200, fresh);
        let refreshed = block_on(h.auth.get_session()).unwrap();
        assert_eq!(refreshed.clock_drift(), offset);
        assert!(
            h.auth.is_valid(&refreshed),
            "offset {offset}: refreshed tokens are valid"
        );
        assert_eq!(
            h.http.requests().len(),
            2,
            "offset {offset}: exactly one refresh"
        );
    }
}

/// An environment whose cross-tab lock is a real lock shared by every "tab" (client) made
/// with it, counting how often it was taken.
#[derive(Clone)]
struct TabsEnvironment {
    clock: ManualEnvironment,
    lock: Arc<futures::lock::Mutex<()>>,
    taken: Arc<Mutex<u32>>,
}

impl Clock for TabsEnvironment {
    fn now(&self) -> u64 {
        self.clock.now()
    }
}

impl Environment for TabsEnvironment {
    fn fill_random(&self, buf: &mut [u8]) {
        self.clock.fill_random(buf)
    }
    async fn cross_tab_lock(&self, _name: &str) -> CrossTabGuard {
        let guard = self.lock.clone().lock_owned().await;
        *self.taken.lock().unwrap() += 1;
        CrossTabGuard::new(move || drop(guard))
    }
}

/// Several tabs (clients over one shared storage, each with its own in-tab lock) whose
/// session expires together: one refresh request in total, and every tab gets its result.
#[test]
fn tabs_sharing_storage_send_one_refresh_between_them() {
    for tabs in [1_usize, 3, 5] {
        let storage = MemoryStorage::new();
        let http = ScriptedHttp::default();
        let env = TabsEnvironment {
            clock: ManualEnvironment::new(NOW),
            lock: Arc::default(),
            taken: Arc::default(),
        };
        let clients: Vec<_> = (0..tabs)
            .map(|_| {
                CognitoAuth::new(
                    config(),
                    storage.clone(),
                    http.clone(),
                    MemoryNavigator::new(),
                    env.clone(),
                )
            })
            .collect();
        let first = &clients[0];
        first
            .store()
            .save(
                &CognitoSession::from_tokens(
                    Some(&id_token("alice", NOW + 30, None)),
                    &access_token("alice", NOW + 30),
                    Some(Secret::new("r-1")),
                    "openid email",
                )
                .unwrap(),
            )
            .unwrap();
        http.json(200, token_response("alice", None, Some("r-2")));
        // Every tab's timer fires: refresh if within 60 s of expiry (it is).
        let results = block_on(futures::future::join_all(
            clients.iter().map(|c| c.refresh_session_if_expiring(60)),
        ));
        assert_eq!(http.requests().len(), 1, "{tabs} tabs: one refresh request");
        assert_eq!(*env.taken.lock().unwrap(), tabs as u32);
        for result in results {
            let session = result.unwrap();
            assert_eq!(session.refresh_token().unwrap().expose(), "r-2");
            assert!(first.is_valid(&session));
        }
        // Fresh for an hour: asking again within a 60 s margin sends nothing.
        block_on(first.refresh_session_if_expiring(60)).unwrap();
        assert_eq!(http.requests().len(), 1);
    }
}

/// Memory and session storage are not shared between tabs: no cross-tab lock is taken.
#[test]
fn unshared_storage_takes_no_cross_tab_lock() {
    let env = TabsEnvironment {
        clock: ManualEnvironment::new(NOW),
        lock: Arc::default(),
        taken: Arc::default(),
    };
    let storage = MemoryStorage::new();
    let http = ScriptedHttp::default();
    let auth = CognitoAuth::new(
        config().with_storage(crate::protocol::StorageKind::Memory),
        storage,
        http.clone(),
        MemoryNavigator::new(),
        env.clone(),
    );
    auth.store()
        .save(
            &CognitoSession::from_tokens(
                Some(&id_token("alice", NOW - 10, None)),
                &access_token("alice", NOW - 10),
                Some(Secret::new("r-1")),
                "openid email",
            )
            .unwrap(),
        )
        .unwrap();
    http.json(200, token_response("alice", None, None));
    block_on(auth.refresh_session()).unwrap();
    assert_eq!(*env.taken.lock().unwrap(), 0);
    assert_eq!(http.requests().len(), 1);
}

#[test]
fn sign_in_with_options_sends_them_and_returns_where_asked() {
    let h = harness();
    let options = crate::protocol::SignInOptions::new()
        .login_hint("alice@example.com")
        .lang("es")
        .prompt(crate::protocol::Prompt::SelectAccount)
        .resource("https://api.example.com")
        .identity_provider("Google")
        .return_to("/orders");
    block_on(h.auth.start_session_with(&options)).unwrap();
    let url = h.nav.last().unwrap();
    for (name, value) in [
        ("login_hint", "alice@example.com"),
        ("lang", "es"),
        ("prompt", "select_account"),
        ("resource", "https://api.example.com"),
        ("identity_provider", "Google"),
    ] {
        assert_eq!(query_param(&url, name).as_deref(), Some(value), "{name}");
    }
    assert_eq!(last_pending(&h).unwrap().return_to, "/orders");
    // Without a path: the current page, as `start_session` does.
    block_on(
        h.auth
            .start_session_with(&crate::protocol::SignInOptions::new().lang("fr")),
    )
    .unwrap();
    assert_eq!(last_pending(&h).unwrap().return_to, "/protected?x=1");
    assert_eq!(query_param(&h.nav.last().unwrap(), "prompt"), None);
}

#[test]
fn a_bad_option_stores_nothing_and_stays() {
    let h = harness();
    h.auth.set_state("cart=3");
    let both = crate::protocol::SignInOptions::new()
        .identity_provider("Google")
        .idp_identifier("example.com");
    let err = block_on(h.auth.start_session_with(&both)).unwrap_err();
    assert_eq!(err.code(), "invalid_config");
    assert!(err.to_string().contains("idp_identifier"), "{err}");
    assert!(h.nav.last().is_none(), "the page stays");
    assert!(!h.auth.store().has_pending());
    // The application state waits for the next sign-in.
    block_on(h.auth.start_session()).unwrap();
    assert_eq!(
        last_pending(&h).unwrap().app_state.as_deref(),
        Some("cart=3")
    );
}

#[test]
fn a_silent_sign_in_answered_login_required_is_a_quiet_sign_out() {
    let h = harness_with(
        CognitoConfig::builder()
            .client_id(CLIENT)
            .app_web_domain("http://localhost:9229")
            .scopes(["openid", "email"])
            .redirect_uri_sign_in("http://localhost:3000/callback")
            .redirect_uri_sign_out("http://localhost:3000/")
            .issuer(ISSUER)
            .identity_provider("COGNITO")
            .build()
            .unwrap(),
    );
    block_on(h.auth.try_silent_sign_in()).unwrap();
    let url = h.nav.last().unwrap();
    assert_eq!(query_param(&url, "prompt").as_deref(), Some("none"));
    assert_eq!(
        query_param(&url, "identity_provider"),
        None,
        "never COGNITO with prompt=none"
    );
    let state = query_param(&url, "state").unwrap();
    let callback =
        format!("http://localhost:3000/callback?error=login_required&error_description=no+session&state={state}");
    assert_eq!(
        h.auth.pending_return_path(&callback).as_deref(),
        Some("/protected?x=1")
    );
    let err = block_on(h.auth.parse_cognito_web_response(&callback)).unwrap_err();
    assert!(err.is_login_required(), "{err:?}");
    assert_eq!(err.code(), "login_required");
    assert!(h.http.requests().is_empty(), "no token request");
    assert!(h.auth.get_cached_session().is_none());
    assert!(!h.auth.store().has_pending(), "the sign-in is spent");
    assert_eq!(h.auth.pending_return_path(&callback), None);
    // A forged answer finds no return path either.
    assert_eq!(
        h.auth
            .pending_return_path("http://localhost:3000/callback?error=login_required&state=x"),
        None
    );
}

#[test]
fn login_required_leaves_a_stored_session_alone() {
    let h = harness();
    store_session(&h, "alice", NOW + 3600, Some("r-1"));
    block_on(h.auth.try_silent_sign_in()).unwrap();
    let state = query_param(&h.nav.last().unwrap(), "state").unwrap();
    let callback = format!("http://localhost:3000/callback?error=login_required&state={state}");
    assert!(block_on(h.auth.parse_cognito_web_response(&callback))
        .unwrap_err()
        .is_login_required());
    assert_eq!(h.auth.get_username().as_deref(), Some("alice"));
}

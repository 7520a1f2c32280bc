//! The browser adapters in headless Chromium (wasm-bindgen-test). Run with
//! `scripts/test-wasm.sh`. Nothing here contacts anything but 127.0.0.1.
#![cfg(target_arch = "wasm32")]

use std::time::Duration;

use base64::Engine as _;
use leptos_cognito_auth::browser::{
    browser_auth, current_url, replace_url, BrowserEnvironment, BrowserNavigator, BrowserStorage,
    CookieOptions, CookieStorage, FetchHttp,
};
use leptos_cognito_auth::client::{Clock, Environment, HttpClient, Navigator};
use leptos_cognito_auth::protocol::CognitoStorage;
use leptos_cognito_auth::{
    CognitoConfig, CognitoSession, HttpRequest, Method, Secret, Storage, StorageError, StorageKind,
    TransportErrorKind,
};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

const CLIENT: &str = "browser-test-client";
const PREFIX: &str = "CognitoIdentityServiceProvider.browser-test-client.";

fn window() -> web_sys::Window {
    web_sys::window().expect("the tests run in a window")
}

fn local_storage() -> web_sys::Storage {
    window()
        .local_storage()
        .expect("localStorage is accessible")
        .expect("localStorage exists")
}

fn eval(code: &str) -> JsValue {
    js_sys::eval(code).unwrap_or_else(|e| panic!("eval failed: {e:?}"))
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// An unsigned token with these claims (the storage never verifies signatures).
fn jwt(claims: serde_json::Value) -> String {
    format!(
        "{}.{}.c2lnbmF0dXJl",
        b64(br#"{"alg":"RS256","kid":"test"}"#),
        b64(claims.to_string().as_bytes())
    )
}

fn session(user: &str) -> CognitoSession {
    session_until(user, 2_000_000_000)
}

/// A session of `user` whose tokens expire at `exp` (Unix seconds).
fn session_until(user: &str, exp: u64) -> CognitoSession {
    let id = jwt(serde_json::json!({
        "sub": format!("sub-{user}"), "cognito:username": user, "aud": CLIENT,
        "token_use": "id", "exp": exp, "iat": exp - 3600, "email": format!("{user}@example.com"),
    }));
    let access = jwt(serde_json::json!({
        "sub": format!("sub-{user}"), "username": user, "client_id": CLIENT,
        "token_use": "access", "exp": exp, "iat": exp - 3600, "scope": "openid email",
    }));
    CognitoSession::from_tokens(
        Some(&id),
        &access,
        Some(Secret::new("opaque-refresh")),
        "openid email",
    )
    .expect("valid test tokens")
}

fn config(storage: StorageKind) -> CognitoConfig {
    CognitoConfig::builder()
        .client_id(CLIENT)
        .app_web_domain("http://127.0.0.1:2")
        .scopes(["openid", "email"])
        .redirect_uri_sign_in("http://127.0.0.1:3000/callback")
        .redirect_uri_sign_out("http://127.0.0.1:3000/")
        .user_pool_id("eu-west-1_Test123")
        .storage(storage)
        .build()
        .expect("valid test config")
}

/// Saves a session, reads it back, then checks that `clear` removes every key of the
/// client (including another user's leftovers) and nothing else.
fn exercise_session_store<S: Storage>(storage: S) {
    storage.set("unrelated.key", "keep me").unwrap();
    let store = CognitoStorage::new(storage, CLIENT);
    store.save(&session("alice")).unwrap();
    let loaded = store.load().expect("the saved session loads");
    assert_eq!(loaded.username(), Some("alice"));
    assert_eq!(
        loaded.refresh_token().map(|r| r.expose()),
        Some("opaque-refresh")
    );
    assert_eq!(loaded.scopes_string(), "openid email");
    store
        .storage()
        .set(&format!("{PREFIX}bob.refreshToken"), "left behind")
        .unwrap();

    store.clear();
    let keys = store.storage().keys();
    assert!(
        !keys.iter().any(|k| k.starts_with(PREFIX)),
        "client keys left after clear: {keys:?}"
    );
    assert_eq!(
        store.storage().get("unrelated.key").as_deref(),
        Some("keep me")
    );
    assert!(store.load().is_none());
    store.storage().remove("unrelated.key");
}

#[wasm_bindgen_test]
fn local_storage_round_trip() {
    let (storage, fallback) = BrowserStorage::open(StorageKind::Local, &CookieOptions::default());
    assert_eq!(fallback, None);
    assert_eq!(storage.kind(), StorageKind::Local);
    storage
        .set("lca.test.local", "välue; with = odd chars")
        .unwrap();
    assert_eq!(
        storage.get("lca.test.local").as_deref(),
        Some("välue; with = odd chars")
    );
    // It really is window.localStorage.
    assert_eq!(
        local_storage()
            .get_item("lca.test.local")
            .unwrap()
            .as_deref(),
        Some("välue; with = odd chars")
    );
    assert!(storage.keys().contains(&"lca.test.local".to_owned()));
    storage.remove("lca.test.local");
    assert_eq!(storage.get("lca.test.local"), None);
    assert!(!storage.keys().contains(&"lca.test.local".to_owned()));
    storage.remove("lca.test.never-set");
}

#[wasm_bindgen_test]
fn session_storage_round_trip() {
    let (storage, fallback) = BrowserStorage::open(StorageKind::Session, &CookieOptions::default());
    assert_eq!(fallback, None);
    assert_eq!(storage.kind(), StorageKind::Session);
    storage.set("lca.test.session", "v1").unwrap();
    storage.set("lca.test.session", "v2").unwrap();
    assert_eq!(storage.get("lca.test.session").as_deref(), Some("v2"));
    let raw = window().session_storage().unwrap().unwrap();
    assert_eq!(
        raw.get_item("lca.test.session").unwrap().as_deref(),
        Some("v2")
    );
    assert_eq!(local_storage().get_item("lca.test.session").unwrap(), None);
    storage.remove("lca.test.session");
    assert_eq!(raw.get_item("lca.test.session").unwrap(), None);
}

#[wasm_bindgen_test]
fn session_store_on_local_storage() {
    let (storage, _) = BrowserStorage::open(StorageKind::Local, &CookieOptions::default());
    exercise_session_store(storage);
}

/// What the original SDK (and earlier versions of the kit) left in `localStorage` reads as it
/// is, and what the kit writes is the same plain strings: no JSON quotes around a token.
#[wasm_bindgen_test]
fn local_storage_entries_are_plain_strings_both_ways() {
    let raw = local_storage();
    let s = session("carol");
    let id = s.id_token().unwrap().jwt_token().to_owned();
    let access = s.access_token().jwt_token().to_owned();
    for (key, value) in [
        ("LastAuthUser", "carol"),
        ("carol.idToken", id.as_str()),
        ("carol.accessToken", access.as_str()),
        ("carol.refreshToken", "opaque-refresh"),
        ("carol.tokenScopesString", "openid email"),
        ("carol.clockDrift", "-30"),
    ] {
        raw.set_item(&format!("{PREFIX}{key}"), value).unwrap();
    }
    let (storage, _) = BrowserStorage::open(StorageKind::Local, &CookieOptions::default());
    let store = CognitoStorage::new(storage, CLIENT);
    let loaded = store.load().expect("the SDK's entries read");
    assert_eq!(loaded.username(), Some("carol"));
    assert_eq!(loaded.clock_drift(), -30);
    assert_eq!(
        loaded.refresh_token().map(|r| r.expose()),
        Some("opaque-refresh")
    );
    store.save(&loaded).unwrap();
    assert_eq!(
        raw.get_item(&format!("{PREFIX}carol.accessToken")).unwrap(),
        Some(access)
    );
    assert_eq!(
        raw.get_item(&format!("{PREFIX}LastAuthUser"))
            .unwrap()
            .as_deref(),
        Some("carol")
    );
    store.clear();
    assert!(store.load().is_none());
}

#[wasm_bindgen_test]
fn session_store_on_session_storage() {
    let (storage, _) = BrowserStorage::open(StorageKind::Session, &CookieOptions::default());
    exercise_session_store(storage);
}

#[wasm_bindgen_test]
fn memory_storage_is_memory() {
    let (storage, fallback) = BrowserStorage::open(StorageKind::Memory, &CookieOptions::default());
    assert_eq!(fallback, None);
    assert_eq!(storage.kind(), StorageKind::Memory);
    storage.set("lca.test.memory", "x").unwrap();
    assert_eq!(local_storage().get_item("lca.test.memory").unwrap(), None);
    exercise_session_store(storage);
}

fn document_cookie() -> String {
    use wasm_bindgen::JsCast;
    window()
        .document()
        .unwrap()
        .dyn_into::<web_sys::HtmlDocument>()
        .unwrap()
        .cookie()
        .unwrap()
}

#[wasm_bindgen_test]
fn cookie_storage_set_get_keys_remove() {
    let cookies = CookieStorage::new(&CookieOptions::default()).expect("cookies work here");
    // The test page is http://127.0.0.1: automatic `Secure` is off on a loopback host.
    assert!(!cookies.secure());
    let value = "a value; with=odd, chars % é \"quoted\"";
    cookies.set("lca.test.cookie", value).unwrap();
    assert_eq!(cookies.get("lca.test.cookie").as_deref(), Some(value));
    // One cookie, its value percent-encoded.
    let raw = document_cookie();
    assert!(
        raw.contains(
            "lca.test.cookie=a%20value%3B%20with%3Dodd%2C%20chars%20%25%20%C3%A9%20%22quoted%22"
        ),
        "{raw}"
    );
    cookies.set("lca.test.user@example.com", "second").unwrap();
    let keys = cookies.keys();
    assert!(keys.contains(&"lca.test.cookie".to_owned()), "{keys:?}");
    assert!(
        keys.contains(&"lca.test.user@example.com".to_owned()),
        "{keys:?}"
    );
    cookies.remove("lca.test.cookie");
    cookies.remove("lca.test.user@example.com");
    assert_eq!(cookies.get("lca.test.cookie"), None);
    assert!(
        !document_cookie().contains("lca.test"),
        "{}",
        document_cookie()
    );
    assert!(!cookies.keys().iter().any(|k| k.starts_with("lca.test")));
}

#[wasm_bindgen_test]
fn cookie_storage_reads_js_cookie_values() {
    // The original SDK wrote its cookies with js-cookie (encodeURIComponent).
    let html: web_sys::HtmlDocument =
        wasm_bindgen::JsCast::unchecked_into(window().document().unwrap());
    html.set_cookie("lca.test.js=eyJ%2Bdata%3D; Path=/")
        .unwrap();
    let cookies = CookieStorage::new(&CookieOptions::default()).unwrap();
    assert_eq!(cookies.get("lca.test.js").as_deref(), Some("eyJ+data="));
    cookies.remove("lca.test.js");
    assert_eq!(cookies.get("lca.test.js"), None);
}

#[wasm_bindgen_test]
fn cookie_clear_removes_every_client_key_and_nothing_else() {
    let html: web_sys::HtmlDocument =
        wasm_bindgen::JsCast::unchecked_into(window().document().unwrap());
    html.set_cookie("lca-other-app=keep; Path=/").unwrap();
    let (storage, fallback) = BrowserStorage::open(StorageKind::Cookie, &CookieOptions::default());
    assert_eq!(fallback, None);
    assert_eq!(storage.kind(), StorageKind::Cookie);
    exercise_session_store(storage.clone());
    assert!(
        !document_cookie().contains("CognitoIdentityServiceProvider"),
        "{}",
        document_cookie()
    );
    assert!(document_cookie().contains("lca-other-app=keep"));
    storage.remove("lca-other-app");
    assert!(!document_cookie().contains("lca-other-app"));
}

#[wasm_bindgen_test]
fn cookie_too_large_is_an_error_not_a_silent_loss() {
    let cookies = CookieStorage::new(&CookieOptions::default()).unwrap();
    let big = "x".repeat(5000);
    match cookies.set("lca.test.big", &big) {
        Err(StorageError::Failed(reason)) => assert!(reason.contains("4096"), "{reason}"),
        other => panic!("expected a size error, got {other:?}"),
    }
    assert_eq!(cookies.get("lca.test.big"), None);
}

#[wasm_bindgen_test]
fn invalid_cookie_options_fall_back_to_session_storage() {
    let options = CookieOptions {
        path: "/; Domain=evil.example".into(),
        ..CookieOptions::default()
    };
    let (storage, fallback) = BrowserStorage::open(StorageKind::Cookie, &options);
    // sessionStorage survives the trip to the Hosted UI, so signing in still works.
    assert_eq!(storage.kind(), StorageKind::Session);
    match &fallback {
        Some(StorageError::Unavailable(why)) => {
            assert!(
                why.ends_with("the session is kept in sessionStorage instead"),
                "{why}"
            )
        }
        other => panic!("{other:?}"),
    }
    storage.set("lca.test.k", "v").unwrap();
    assert_eq!(storage.get("lca.test.k").as_deref(), Some("v"));
    storage.remove("lca.test.k");
}

#[wasm_bindgen_test]
fn missing_web_storage_falls_back_to_memory() {
    let (storage, fallback) = BrowserStorage::from_web_storage(StorageKind::Local, None);
    assert_eq!(storage.kind(), StorageKind::Memory);
    assert!(
        matches!(fallback, Some(StorageError::Unavailable(_))),
        "{fallback:?}"
    );
    exercise_session_store(storage);
}

/// Fills localStorage until not even one more character fits; returns the keys written.
fn fill_local_storage() -> Vec<String> {
    let raw = local_storage();
    let mut keys = Vec::new();
    let mut chunk = 1usize << 20;
    let mut i = 0usize;
    while chunk >= 1 {
        let key = format!("lca.fill.{i}");
        match raw.set_item(&key, &"x".repeat(chunk)) {
            Ok(()) => {
                keys.push(key);
                i += 1;
            }
            Err(_) => chunk /= 2,
        }
        assert!(i < 10_000, "localStorage never filled up");
    }
    keys
}

#[wasm_bindgen_test]
fn full_local_storage_reports_quota_and_falls_back_to_session_storage() {
    let filled = fill_local_storage();
    let (storage, fallback) = BrowserStorage::open(StorageKind::Local, &CookieOptions::default());
    let kind = storage.kind();
    let works_instead = storage.set("k", "v").is_ok() && storage.get("k").as_deref() == Some("v");
    // Clean up before asserting, so a failure does not leave the storage full.
    let raw = local_storage();
    for key in &filled {
        raw.remove_item(key).unwrap();
    }
    storage.remove("k");
    assert!(!filled.is_empty());
    assert_eq!(
        fallback,
        Some(StorageError::Unavailable(
            "storage is full; the session is kept in sessionStorage instead".into()
        ))
    );
    assert_eq!(kind, StorageKind::Session);
    assert!(works_instead);
    assert_eq!(raw.get_item("k").unwrap(), None);
    let (again, fallback) = BrowserStorage::open(StorageKind::Local, &CookieOptions::default());
    assert_eq!((again.kind(), fallback), (StorageKind::Local, None));
}

#[wasm_bindgen_test]
fn full_local_storage_write_is_quota_exceeded() {
    let (storage, _) = BrowserStorage::open(StorageKind::Local, &CookieOptions::default());
    assert_eq!(storage.kind(), StorageKind::Local);
    let filled = fill_local_storage();
    let result = storage.set("lca.test.after-full", "a value that does not fit");
    let raw = local_storage();
    for key in &filled {
        raw.remove_item(key).unwrap();
    }
    assert_eq!(result, Err(StorageError::QuotaExceeded));
}

fn get(url: &str) -> HttpRequest {
    HttpRequest {
        method: Method::Get,
        url: url.to_owned(),
        headers: Vec::new(),
        body: None,
    }
}

fn origin() -> String {
    window().location().origin().unwrap()
}

#[wasm_bindgen_test]
async fn fetch_unreachable_port_is_a_network_error() {
    // Port 2 on the loopback interface: nothing listens there, the connection is refused.
    let err = FetchHttp::new()
        .send(get(
            "http://127.0.0.1:2/oauth2/token?secret=never-in-messages",
        ))
        .await
        .expect_err("nothing listens on 127.0.0.1:2");
    assert_eq!(err.kind, TransportErrorKind::Network);
    assert!(err.message.contains("127.0.0.1:2"), "{err}");
    assert!(!err.message.contains("never-in-messages"), "{err}");
}

#[wasm_bindgen_test]
async fn fetch_returns_every_status_with_headers_and_body() {
    // The test runner's own server on 127.0.0.1 (the page's origin).
    let http = FetchHttp::new();
    let missing = http
        .send(get(&format!("{}/lca-no-such-file", origin())))
        .await
        .expect("a 404 is a response");
    assert_eq!(missing.status, 404);

    let page = http
        .send(HttpRequest {
            method: Method::Post,
            url: format!("{}/", origin()),
            headers: vec![(
                "Content-Type".into(),
                Secret::new("application/x-www-form-urlencoded"),
            )],
            body: Some(Secret::new("grant_type=refresh_token&client_id=x")),
        })
        .await
        .expect("the runner answers");
    assert_eq!(page.status, 200);
    assert!(
        page.header("content-type")
            .is_some_and(|t| t.contains("text/html")),
        "{:?}",
        page.headers
    );
    assert!(page.body.contains("<"), "{}", page.body);
}

#[wasm_bindgen_test]
async fn fetch_invalid_header_is_an_error_not_a_panic() {
    let err = FetchHttp::new()
        .send(HttpRequest {
            method: Method::Get,
            url: format!("{}/", origin()),
            headers: vec![("Authorization".into(), Secret::new("Bearer a\nb"))],
            body: None,
        })
        .await
        .expect_err("a header with a newline is refused");
    assert_eq!(err.kind, TransportErrorKind::Network);
    assert!(!err.message.contains("Bearer"), "{err}");
}

#[wasm_bindgen_test]
async fn fetch_timeout_aborts_the_request() {
    // A `fetch` that never answers but rejects when aborted, standing in for a server
    // that hangs: nothing is contacted at all.
    eval(
        "globalThis.__lcaRealFetch = globalThis.fetch; globalThis.__lcaAborted = false;
         globalThis.fetch = (request) => new Promise((_, reject) => {
             request.signal.addEventListener('abort', () => {
                 globalThis.__lcaAborted = true;
                 reject(new DOMException('aborted', 'AbortError'));
             });
         });",
    );
    let started = js_sys::Date::now();
    let result = FetchHttp::with_timeout(Duration::from_millis(200))
        .send(get(&format!("{}/hangs", origin())))
        .await;
    let elapsed = js_sys::Date::now() - started;
    let aborted = eval("globalThis.__lcaAborted").as_bool();
    eval("globalThis.fetch = globalThis.__lcaRealFetch; delete globalThis.__lcaRealFetch; delete globalThis.__lcaAborted;");
    let err = result.expect_err("the request times out");
    assert_eq!(err.kind, TransportErrorKind::Timeout, "{err}");
    assert_eq!(aborted, Some(true), "the request was aborted");
    assert!((150.0..5_000.0).contains(&elapsed), "took {elapsed} ms");
    assert_eq!(FetchHttp::new().timeout(), Duration::from_secs(10));
}

#[wasm_bindgen_test]
fn environment_randomness_is_distinct_and_full_length() {
    let env = BrowserEnvironment;
    let mut a = [0u8; 32];
    let mut b = [0u8; 32];
    env.fill_random(&mut a);
    env.fill_random(&mut b);
    assert_ne!(a, b);
    assert_ne!(a, [0u8; 32]);
    // Longer than one getRandomValues call allows (65536 bytes): filled to the end.
    let mut big = vec![0u8; 100_000];
    env.fill_random(&mut big);
    assert!(big[..1024].iter().any(|&x| x != 0));
    assert!(big[big.len() - 1024..].iter().any(|&x| x != 0));
    let mut empty: [u8; 0] = [];
    env.fill_random(&mut empty);
}

#[wasm_bindgen_test]
fn environment_clock_is_unix_seconds() {
    let now = BrowserEnvironment.now();
    let expected = (js_sys::Date::now() / 1000.0) as u64;
    assert!(now.abs_diff(expected) <= 1, "{now} vs {expected}");
    assert!(now > 1_700_000_000, "{now}");
}

#[wasm_bindgen_test]
fn user_context_data_only_with_the_aws_script() {
    let env = BrowserEnvironment;
    eval("delete globalThis.AmazonCognitoAdvancedSecurityData;");
    assert_eq!(env.user_context_data("alice", "pool", "client"), None);

    eval("globalThis.AmazonCognitoAdvancedSecurityData = { getData(u, p, c) { return this.tag + u + '|' + p + '|' + c; }, tag: 'ctx:' };");
    let data = env.user_context_data("alice", "eu-west-1_Test123", CLIENT);

    eval("globalThis.AmazonCognitoAdvancedSecurityData = { getData() { throw new Error('boom'); } };");
    let throwing = env.user_context_data("alice", "pool", "client");
    eval("globalThis.AmazonCognitoAdvancedSecurityData = { getData: 'not a function' };");
    let not_function = env.user_context_data("alice", "pool", "client");
    eval("globalThis.AmazonCognitoAdvancedSecurityData = { getData() { return 42; } };");
    let not_string = env.user_context_data("alice", "pool", "client");
    eval("globalThis.AmazonCognitoAdvancedSecurityData = {};");
    let no_get_data = env.user_context_data("alice", "pool", "client");
    eval("delete globalThis.AmazonCognitoAdvancedSecurityData;");

    assert_eq!(
        data.as_deref(),
        Some("ctx:alice|eu-west-1_Test123|browser-test-client")
    );
    assert_eq!(throwing, None);
    assert_eq!(not_function, None);
    assert_eq!(not_string, None);
    assert_eq!(no_get_data, None);
}

#[wasm_bindgen_test]
fn browser_auth_sends_user_context_data_when_the_script_is_present() {
    let (auth, fallback) = browser_auth(config(StorageKind::Memory), &CookieOptions::default());
    assert_eq!(fallback, None);
    let plain = auth.prepare_sign_in("/").unwrap().url;
    assert!(!plain.contains("userContextData"), "{plain}");
    eval("globalThis.AmazonCognitoAdvancedSecurityData = { getData: () => 'eyJ+data=' };");
    let with_data = auth.prepare_sign_in("/").map(|r| r.url);
    eval("delete globalThis.AmazonCognitoAdvancedSecurityData;");
    let with_data = with_data.unwrap();
    assert!(
        with_data.contains("userContextData=eyJ%2Bdata%3D"),
        "{with_data}"
    );
    assert!(with_data.starts_with("http://127.0.0.1:2/oauth2/authorize?"));
}

#[wasm_bindgen_test]
fn browser_auth_uses_the_configured_storage() {
    let (auth, fallback) = browser_auth(config(StorageKind::Session), &CookieOptions::default());
    assert_eq!(fallback, None);
    assert_eq!(auth.store().storage().kind(), StorageKind::Session);
    assert_eq!(auth.config().storage(), StorageKind::Session);
    auth.store().save(&session("carol")).unwrap();
    let raw = window().session_storage().unwrap().unwrap();
    assert_eq!(
        raw.get_item(&format!("{PREFIX}LastAuthUser"))
            .unwrap()
            .as_deref(),
        Some("carol")
    );
    assert_eq!(auth.get_username().as_deref(), Some("carol"));
    auth.sign_out_locally();
    assert_eq!(
        raw.get_item(&format!("{PREFIX}LastAuthUser")).unwrap(),
        None
    );
}

#[wasm_bindgen_test]
fn current_url_and_path_follow_the_location() {
    let location = window().location();
    assert_eq!(current_url(), Some(location.href().unwrap()));
    let expected = format!(
        "{}{}{}",
        location.pathname().unwrap(),
        location.search().unwrap(),
        location.hash().unwrap()
    );
    assert_eq!(BrowserNavigator.current_path(), Some(expected));
}

#[wasm_bindgen_test]
fn replace_url_changes_the_address_without_loading() {
    let original = current_url().expect("a location");
    let history_length = window().history().unwrap().length().unwrap();
    eval("globalThis.__lcaStillHere = true;");

    replace_url("/callback?code=secret-code&state=s1#access_token=t").unwrap();
    let replaced = current_url().unwrap();
    assert_eq!(
        replaced,
        format!(
            "{}/callback?code=secret-code&state=s1#access_token=t",
            origin()
        )
    );
    assert_eq!(
        BrowserNavigator.current_path().as_deref(),
        Some("/callback?code=secret-code&state=s1#access_token=t")
    );
    replace_url("/protected").unwrap();
    let cleaned = current_url().unwrap();
    let length_after = window().history().unwrap().length().unwrap();
    let cross_origin = replace_url("https://example.com/elsewhere");
    let still_here = eval("globalThis.__lcaStillHere").as_bool();
    replace_url(&original).unwrap();
    eval("delete globalThis.__lcaStillHere;");

    assert_eq!(cleaned, format!("{}/protected", origin()));
    assert!(!cleaned.contains("code="));
    assert_eq!(length_after, history_length, "no history entry was added");
    assert_eq!(still_here, Some(true), "the page was not reloaded");
    assert_eq!(cross_origin.map_err(|e| e.code()), Err("navigation_failed"));
    assert_eq!(current_url(), Some(original));
}

#[wasm_bindgen_test]
fn navigator_redirect_assigns_the_location() {
    let original = current_url().expect("a location");
    // A fragment-only URL navigates within the document: the test page stays loaded.
    BrowserNavigator.redirect("#lca-redirected").unwrap();
    let hash = window().location().hash().unwrap();
    replace_url(&original).unwrap();
    assert_eq!(hash, "#lca-redirected");
}

// ---- coordination between tabs ---------------------------------------------------------

use leptos_cognito_auth::browser::{cross_tab_lock, storage_lease, SessionChannel};
use std::cell::Cell;
use std::rc::Rc;

async fn sleep_ms(ms: u32) {
    gloo_timers::future::TimeoutFuture::new(ms).await;
}

/// Takes the lock with `acquire` while a first holder has it: the second is granted only
/// after the first guard is dropped, and not within `still_held_ms` of it (none when 0).
async fn second_waits_for_the_first<F, Fut>(acquire: F, still_held_ms: u32)
where
    F: Fn() -> Fut + 'static,
    Fut: std::future::Future<Output = leptos_cognito_auth::client::CrossTabGuard> + 'static,
{
    let first = acquire().await;
    let granted = Rc::new(Cell::new(false));
    let flag = granted.clone();
    let second = acquire();
    wasm_bindgen_futures::spawn_local(async move {
        let guard = second.await;
        flag.set(true);
        drop(guard);
    });
    sleep_ms(300).await;
    assert!(!granted.get(), "the second holder must wait");
    drop(first);
    if still_held_ms > 0 {
        // Timers run in the order they fall due: this one before the release's.
        sleep_ms(still_held_ms).await;
        assert!(
            !granted.get(),
            "still held just after the guard was dropped"
        );
    }
    for _ in 0..50 {
        if granted.get() {
            return;
        }
        sleep_ms(20).await;
    }
    panic!("the second holder was not granted the lock after the first released it");
}

#[wasm_bindgen_test]
async fn web_locks_lock_is_exclusive_and_released_on_drop() {
    assert!(
        !eval("navigator.locks === undefined").is_truthy(),
        "Chromium has the Web Locks API"
    );
    second_waits_for_the_first(|| cross_tab_lock("lcat-test-web-lock"), 0).await;
}

/// A Web Lock passes on a moment after its guard is dropped, not at once: what the holder
/// wrote in `localStorage` reaches the other tabs (whose copies are updated by a message
/// not ordered with the lock) before the next holder reads it.
#[wasm_bindgen_test]
async fn web_lock_passes_on_a_moment_after_its_guard_is_dropped() {
    second_waits_for_the_first(|| cross_tab_lock("lcat-test-settle"), 20).await;
}

#[wasm_bindgen_test]
async fn storage_lease_is_exclusive_and_removed_on_release() {
    let key = "lcat-test-lease.lease";
    second_waits_for_the_first(|| storage_lease("lcat-test-lease"), 0).await;
    sleep_ms(50).await;
    assert_eq!(
        local_storage().get_item(key).unwrap(),
        None,
        "released leases are removed"
    );
}

#[wasm_bindgen_test]
async fn storage_lease_overtakes_a_lapsed_lease_and_waits_for_a_live_one() {
    let storage = local_storage();
    let key = "lcat-test-lapsed.lease";
    // A tab that closed mid-refresh left a lease that lapsed long ago.
    storage.set_item(key, "gone-tab 1000").unwrap();
    let guard = storage_lease("lcat-test-lapsed").await;
    assert_ne!(
        storage.get_item(key).unwrap().as_deref(),
        Some("gone-tab 1000")
    );
    drop(guard);
    // Another tab holds a live lease: wait until it is released.
    let until = js_sys::Date::now() + 60_000.0;
    storage
        .set_item(key, &format!("other-tab {until:.0}"))
        .unwrap();
    let granted = Rc::new(Cell::new(false));
    let flag = granted.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let _guard = storage_lease("lcat-test-lapsed").await;
        flag.set(true);
    });
    sleep_ms(400).await;
    assert!(!granted.get(), "a live lease of another tab is respected");
    storage.remove_item(key).unwrap();
    sleep_ms(400).await;
    assert!(
        granted.get(),
        "granted once the other tab released its lease"
    );
}

#[wasm_bindgen_test]
async fn session_channel_reaches_other_channels_not_itself() {
    let heard_by_a = Rc::new(Cell::new(0));
    let heard_by_b = Rc::new(Cell::new(0));
    let (a_count, b_count) = (heard_by_a.clone(), heard_by_b.clone());
    let a = SessionChannel::open(CLIENT, move || a_count.set(a_count.get() + 1)).unwrap();
    let b = SessionChannel::open(CLIENT, move || b_count.set(b_count.get() + 1)).unwrap();
    let other_client = Rc::new(Cell::new(0));
    let other_count = other_client.clone();
    let _c = SessionChannel::open("another-client", move || {
        other_count.set(other_count.get() + 1)
    })
    .unwrap();
    a.announce();
    sleep_ms(200).await;
    assert_eq!(heard_by_b.get(), 1);
    assert_eq!(heard_by_a.get(), 0, "a channel does not hear itself");
    assert_eq!(
        other_client.get(),
        0,
        "another app client's channel hears nothing"
    );
    drop(b);
    a.announce();
    sleep_ms(200).await;
    assert_eq!(heard_by_b.get(), 1, "a dropped channel is closed");
}

// ---- the provider ------------------------------------------------------------------------

/// A refresh that the provider started and that ends after the provider unmounted (the
/// app left the page part that held it) publishes nothing: its values are disposed, and
/// reading them would panic (which stops the whole app in wasm).
#[wasm_bindgen_test]
async fn a_refresh_ending_after_the_provider_unmounts_publishes_nothing() {
    use leptos::prelude::*;
    use leptos_cognito_auth::components::AuthProvider;

    // Any panic, in this test or in a task it started, is noted on the page.
    let before = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = js_sys::Reflect::set(
            &js_sys::global(),
            &JsValue::from_str("__lcaPanic"),
            &JsValue::from_str(&info.to_string()),
        );
        before(info);
    }));
    // The token endpoint answers only when the test says so: nothing is contacted.
    eval(
        "globalThis.__lcaRealFetch = globalThis.fetch; globalThis.__lcaTokenRequests = 0;
         globalThis.fetch = (request) => new Promise((resolve) => {
             globalThis.__lcaTokenRequests += 1;
             globalThis.__lcaAnswer = () => resolve(new Response(
                 '{\"error\":\"invalid_grant\"}',
                 { status: 400, headers: { 'content-type': 'application/json' } }));
         });",
    );
    let now = js_sys::Date::now() as u64 / 1000;
    let (storage, _) = BrowserStorage::open(StorageKind::Session, &CookieOptions::default());
    let store = CognitoStorage::new(storage, CLIENT);
    // Expired, with a refresh token: the provider refreshes it as it starts.
    store.save(&session_until("dave", now - 60)).unwrap();

    let document = window().document().unwrap();
    let host = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&host).unwrap();
    let mounted = leptos::mount::mount_to(host.clone().unchecked_into(), || {
        view! { <AuthProvider config=config(StorageKind::Session)>"app"</AuthProvider> }
    });
    let mut waited = 0;
    while eval("globalThis.__lcaTokenRequests").as_f64() != Some(1.0) && waited < 5_000 {
        sleep_ms(20).await;
        waited += 20;
    }
    let requests = eval("globalThis.__lcaTokenRequests").as_f64();
    drop(mounted);
    eval("globalThis.__lcaAnswer && globalThis.__lcaAnswer();");
    sleep_ms(300).await;
    let panic = eval("globalThis.__lcaPanic").as_string();
    eval(
        "globalThis.fetch = globalThis.__lcaRealFetch; delete globalThis.__lcaRealFetch;
         delete globalThis.__lcaTokenRequests; delete globalThis.__lcaAnswer;
         delete globalThis.__lcaPanic;",
    );
    store.clear();
    host.remove();

    assert_eq!(requests, Some(1.0), "the provider asked for a refresh");
    assert_eq!(panic, None, "nothing panicked");
    assert_eq!(host.child_element_count(), 0, "the provider unmounted");
}

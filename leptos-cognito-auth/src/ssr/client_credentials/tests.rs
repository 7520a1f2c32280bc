//! [`ClientCredentials`] against a scripted token endpoint: caching, the margin, one
//! request for concurrent callers, typed refusals, bounded retries, checked settings.

use super::*;
use crate::protocol::{HttpRequest, HttpResponse, TransportError};
use std::sync::atomic::{AtomicU64, Ordering};

/// A scripted token endpoint: answers from `answer(n)` for the n-th request (from 0),
/// after `delay`, and counts the requests.
#[derive(Clone)]
struct Script {
    calls: Arc<AtomicU64>,
    delay: Duration,
    answer: Arc<dyn Fn(u64) -> Result<HttpResponse, TransportError> + Send + Sync>,
    bodies: Arc<Mutex<Vec<String>>>,
}

impl Script {
    fn new(
        answer: impl Fn(u64) -> Result<HttpResponse, TransportError> + Send + Sync + 'static,
    ) -> Self {
        Self {
            calls: Arc::new(AtomicU64::new(0)),
            delay: Duration::ZERO,
            answer: Arc::new(answer),
            bodies: Arc::new(Mutex::new(Vec::new())),
        }
    }

    fn calls(&self) -> u64 {
        self.calls.load(Ordering::SeqCst)
    }
}

impl HttpClient for Script {
    fn send(
        &self,
        request: HttpRequest,
    ) -> impl std::future::Future<Output = Result<HttpResponse, TransportError>> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        self.bodies.lock().unwrap().push(
            request
                .body
                .map(|b| b.expose().to_owned())
                .unwrap_or_default(),
        );
        let answer = (self.answer)(n);
        let delay = self.delay;
        async move {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            answer
        }
    }
}

fn token(n: u64, expires_in: u64) -> Result<HttpResponse, TransportError> {
    Ok(HttpResponse::new(
        200,
        format!(
            r#"{{"access_token":"token-{n}","expires_in":{expires_in},"token_type":"Bearer"}}"#
        ),
    ))
}

fn clock() -> (Arc<AtomicU64>, impl Clock + Send + Sync + 'static) {
    let now = Arc::new(AtomicU64::new(1_700_000_000));
    let read = Arc::clone(&now);
    (now, move || read.load(Ordering::SeqCst))
}

fn builder() -> ClientCredentialsBuilder {
    ClientCredentials::builder("m2m", "secret")
        .token_endpoint("http://localhost:9229/oauth2/token")
        .scope("api/read")
}

fn run<T>(fut: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(fut)
}

#[test]
fn caches_until_the_margin_before_expiry() {
    run(async {
        let script = Script::new(|n| token(n, 3600));
        let (now, clock) = clock();
        let tokens = builder().clock(clock).build_with(script.clone()).unwrap();
        assert_eq!(tokens.access_token().await.unwrap().expose(), "token-0");
        assert_eq!(
            script.bodies.lock().unwrap()[0],
            "grant_type=client_credentials&client_id=m2m&scope=api%2Fread"
        );
        // Reused up to 60 s before expiry...
        now.fetch_add(3600 - 61, Ordering::SeqCst);
        assert_eq!(tokens.access_token().await.unwrap().expose(), "token-0");
        assert_eq!(script.calls(), 1);
        // ... and replaced from then on.
        now.fetch_add(1, Ordering::SeqCst);
        assert_eq!(tokens.access_token().await.unwrap().expose(), "token-1");
        assert_eq!((script.calls(), tokens.token_requests()), (2, 2));
        // Forgotten on request.
        tokens.invalidate();
        assert_eq!(tokens.access_token().await.unwrap().expose(), "token-2");
    });
}

#[test]
fn the_margin_is_at_most_half_the_lifetime() {
    run(async {
        let script = Script::new(|n| token(n, 20));
        let (now, clock) = clock();
        let tokens = builder().clock(clock).build_with(script.clone()).unwrap();
        tokens.access_token().await.unwrap();
        now.fetch_add(9, Ordering::SeqCst);
        assert_eq!(tokens.access_token().await.unwrap().expose(), "token-0");
        now.fetch_add(1, Ordering::SeqCst);
        assert_eq!(tokens.access_token().await.unwrap().expose(), "token-1");
    });
    // A token that lives 0 s is already due: refused with a clear error (handed out, it
    // would be useless to its caller and fetched again on every call), and the pause after
    // a failure keeps the next calls from asking again at once.
    run(async {
        let script = Script::new(|n| token(n, 0));
        let (_, clock) = clock();
        let tokens = builder().clock(clock).build_with(script.clone()).unwrap();
        for _ in 0..10 {
            assert_eq!(
                tokens.access_token().await.unwrap_err().code(),
                "tokens_expire_too_soon"
            );
        }
        assert_eq!(script.calls(), 1);
    });
}

#[test]
fn without_expires_in_the_jwt_exp_counts() {
    use base64::Engine as _;
    let (now, clock) = clock();
    let start = now.load(Ordering::SeqCst);
    let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(format!(r#"{{"exp":{}}}"#, start + 1000));
    let jwt = format!("eyJhbGciOiJSUzI1NiJ9.{payload}.c2ln");
    let body = format!(r#"{{"access_token":"{jwt}","token_type":"Bearer"}}"#);
    run(async {
        let script = Script::new(move |_| Ok(HttpResponse::new(200, body.clone())));
        let tokens = builder().clock(clock).build_with(script.clone()).unwrap();
        tokens.access_token().await.unwrap();
        now.fetch_add(1000 - 61, Ordering::SeqCst);
        tokens.access_token().await.unwrap();
        assert_eq!(script.calls(), 1);
        now.fetch_add(1, Ordering::SeqCst);
        tokens.access_token().await.unwrap();
        assert_eq!(script.calls(), 2);
    });
    // Neither: an invalid response, not a token cached forever.
    run(async {
        let script = Script::new(|_| {
            Ok(HttpResponse::new(
                200,
                r#"{"access_token":"opaque","token_type":"Bearer"}"#,
            ))
        });
        let tokens = builder().max_attempts(1).build_with(script).unwrap();
        let err = tokens.access_token().await.unwrap_err();
        assert_eq!(err.code(), "invalid_response");
    });
}

#[test]
fn concurrent_callers_share_one_request() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut script = Script::new(|n| token(n, 3600));
        script.delay = Duration::from_millis(100);
        let tokens = builder().build_with(script.clone()).unwrap();
        let tasks: Vec<_> = (0..20)
            .map(|_| {
                let tokens = tokens.clone();
                tokio::spawn(async move { tokens.access_token().await })
            })
            .collect();
        for task in tasks {
            assert_eq!(task.await.unwrap().unwrap().expose(), "token-0");
        }
        assert_eq!(script.calls(), 1);
    });
}

#[test]
fn concurrent_callers_share_one_failure() {
    run(async {
        let mut script = Script::new(|_| {
            Ok(HttpResponse::new(
                400,
                r#"{"error":"invalid_client","error_description":"bad secret"}"#,
            ))
        });
        script.delay = Duration::from_millis(50);
        let (now, clock) = clock();
        let tokens = builder().clock(clock).build_with(script.clone()).unwrap();
        let results = futures::future::join_all((0..10).map(|_| tokens.access_token())).await;
        for result in results {
            let err = result.unwrap_err();
            assert_eq!((err.code(), err.status()), ("invalid_client", 400));
        }
        assert_eq!(
            script.calls(),
            1,
            "a refusal is neither retried nor repeated"
        );
        // A later call asks again, once the pause after the failure (1 s) is over.
        assert_eq!(
            tokens.access_token().await.unwrap_err().code(),
            "invalid_client"
        );
        assert_eq!(script.calls(), 1, "not during the pause");
        now.fetch_add(1, Ordering::SeqCst);
        assert!(tokens.access_token().await.is_err());
        assert_eq!(script.calls(), 2);
    });
}

#[test]
fn failures_pause_the_requests_longer_and_longer_up_to_30_seconds() {
    run(async {
        // Down for the first 8 fetches (one request each), then a token.
        let script = Script::new(|n| {
            if n < 8 {
                Err(TransportError::network("connection refused"))
            } else {
                token(n, 3600)
            }
        });
        let (now, clock) = clock();
        let tokens = builder()
            .clock(clock)
            .max_attempts(1)
            .build_with(script.clone())
            .unwrap();
        assert!(tokens.access_token().await.is_err());
        // Asked every second: how many seconds until each next fetch.
        let mut pauses = Vec::new();
        while script.calls() < 8 {
            let calls = script.calls();
            let mut pause = 0;
            while script.calls() == calls {
                now.fetch_add(1, Ordering::SeqCst);
                pause += 1;
                assert!(pause <= 60, "a fetch within a minute");
                let err = tokens.access_token().await.unwrap_err();
                assert_eq!(err.code(), "network_error");
            }
            pauses.push(pause);
        }
        assert_eq!(pauses, [1, 2, 4, 8, 16, 30, 30]);
        now.fetch_add(29, Ordering::SeqCst);
        assert!(tokens.access_token().await.is_err(), "still paused");
        assert_eq!(script.calls(), 8);
        now.fetch_add(1, Ordering::SeqCst);
        assert_eq!(tokens.access_token().await.unwrap().expose(), "token-8");
        assert_eq!(script.calls(), 9);
    });
}

#[test]
fn refusals_are_typed_and_not_retried() {
    for code in ["invalid_scope", "unauthorized_client", "invalid_client"] {
        run(async {
            let body = format!(r#"{{"error":"{code}"}}"#);
            let script = Script::new(move |_| Ok(HttpResponse::new(400, body.clone())));
            let tokens = builder().build_with(script.clone()).unwrap();
            let err = tokens.access_token().await.unwrap_err();
            assert_eq!(err.code(), code);
            assert_eq!(script.calls(), 1, "{code}");
        });
    }
}

#[test]
fn transient_failures_are_retried_a_bounded_number_of_times() {
    run(async {
        // Down, then a 500, then a token.
        let script = Script::new(|n| match n {
            0 => Err(TransportError::network("connection refused")),
            1 => Ok(HttpResponse::new(500, "oops")),
            n => token(n, 3600),
        });
        let tokens = builder().build_with(script.clone()).unwrap();
        assert_eq!(tokens.access_token().await.unwrap().expose(), "token-2");
        assert_eq!(script.calls(), 3);
    });
    run(async {
        let script = Script::new(|_| Err(TransportError::timeout("no answer")));
        let tokens = builder()
            .max_attempts(2)
            .build_with(script.clone())
            .unwrap();
        let err = tokens.access_token().await.unwrap_err();
        assert_eq!((err.code(), err.status()), ("timeout", 504));
        assert_eq!(script.calls(), 2);
    });
}

#[test]
fn settings_are_checked() {
    let field = |b: ClientCredentialsBuilder| match b.build() {
        Err(AuthError::Config(e)) => e.field(),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        field(ClientCredentials::builder(" ", "s").token_endpoint("https://a.example/t")),
        "client_id"
    );
    assert_eq!(
        field(ClientCredentials::builder("a b", "s").token_endpoint("https://a.example/t")),
        "client_id"
    );
    assert_eq!(
        field(ClientCredentials::builder("c", "").token_endpoint("https://a.example/t")),
        "client_secret"
    );
    assert_eq!(
        field(ClientCredentials::builder("c", "s")),
        "token_endpoint"
    );
    for bad in [
        "http://auth.example.com/oauth2/token",
        "https://auth.example.com/oauth2/token?x=1",
        "auth.example.com",
    ] {
        assert_eq!(
            field(builder().token_endpoint(bad)),
            "token_endpoint",
            "{bad}"
        );
    }
    assert_eq!(field(builder().scope("a b")), "scopes");
    assert_eq!(field(builder().scope("")), "scopes");
    assert_eq!(
        field(builder().timeout(Duration::from_millis(10))),
        "timeout"
    );
    assert_eq!(field(builder().max_attempts(0)), "max_attempts");
    assert_eq!(
        field(builder().max_attempts(MAX_M2M_ATTEMPTS + 1)),
        "max_attempts"
    );

    let config = CognitoConfig::builder()
        .client_id("spa")
        .app_web_domain("myapp.auth.eu-west-1.amazoncognito.com")
        .redirect_uri_sign_in("https://app.example.com/cb")
        .redirect_uri_sign_out("https://app.example.com/")
        .http_timeout_ms(2000)
        .build()
        .unwrap();
    let tokens = ClientCredentials::builder("m2m", "s3cr3t-value")
        .domain_of(&config)
        .scopes(["api/read", "api/write", "api/read"])
        .build()
        .unwrap();
    assert_eq!(
        tokens.token_endpoint(),
        "https://myapp.auth.eu-west-1.amazoncognito.com/oauth2/token"
    );
    assert_eq!(tokens.client_id(), "m2m");
    assert_eq!(tokens.scopes(), ["api/read", "api/write"]);
    assert!(!format!("{tokens:?}").contains("s3cr3t"));
    let builder = ClientCredentials::builder("m2m", "s3cr3t-value");
    assert!(!format!("{builder:?}").contains("s3cr3t"));
}

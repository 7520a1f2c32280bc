//! Multi-Region user pools (`additional_regions`): the pool's issuer in each added Region, in
//! both formats, each with its own JWKS; and a JWKS that fails for one issuer (403, a
//! timeout) never failing the others. Over HTTP: two `cognito-local` emulators act as two
//! Regions of one pool (the primary `us-east-1` and a replica `eu-west-1`, original issuer
//! format), started once for this file on 127.0.0.1, beside a server answering 403 as AWS
//! does for an issuer a pool does not use, and listeners that never answer.
#![cfg(all(feature = "ssr", not(target_arch = "wasm32")))]

#[path = "verifier_support.rs"]
mod support;

use std::sync::OnceLock;
use std::time::Duration;

use axum::http::StatusCode;
use cognito_local::{EmulatorConfig, IssuerFormat};
use leptos_cognito_auth::ssr::{
    CognitoJwtVerifier, CognitoJwtVerifierBuilder, HttpJwksFetcher, VerifierConfigError,
    VerifyError,
};
use serde_json::json;
use support::*;
use tokio::net::TcpListener;

// ---- Which issuers, which keys (crafted tokens, keys served from memory) ----

const REPLICA: &str = "https://cognito-idp.us-east-1.amazonaws.com/eu-west-1_TestPool1";
const REPLICA_UPDATED: &str =
    "https://issuer-cognito-idp.us-east-1.amazonaws.com/eu-west-1_TestPool1";

fn access_from(iss: &str) -> serde_json::Value {
    with(access_claims(), json!({ "iss": iss }))
}

#[test]
fn additional_regions_add_the_pools_issuers_there_in_both_formats() {
    let v = builder()
        .additional_regions(["us-east-1", "eu-west-1", "us-east-1"])
        .additional_regions(["ap-southeast-2"])
        .build()
        .unwrap();
    assert_eq!(
        v.issuers(),
        [
            ISSUER,
            UPDATED_ISSUER,
            REPLICA,
            REPLICA_UPDATED,
            "https://cognito-idp.ap-southeast-2.amazonaws.com/eu-west-1_TestPool1",
            "https://issuer-cognito-idp.ap-southeast-2.amazonaws.com/eu-west-1_TestPool1",
        ],
        "the primary first, the pool's own Region and repeats once"
    );
    assert_eq!(v.issuer(), ISSUER);
    assert_eq!(
        v.jwks_url_for(REPLICA),
        Some(format!("{REPLICA}/.well-known/jwks.json").as_str())
    );
    // A replica's issuer can get its own JWKS location; a Region not added cannot.
    let mirror = "http://127.0.0.1:9230/eu-west-1_TestPool1/.well-known/jwks.json";
    let v = builder()
        .additional_regions(["us-east-1"])
        .jwks_url_for(REPLICA, mirror)
        .build()
        .unwrap();
    assert_eq!(v.jwks_url_for(REPLICA), Some(mirror));
    assert_eq!(
        builder().jwks_url_for(REPLICA, mirror).build().unwrap_err(),
        VerifierConfigError::UnknownIssuer(REPLICA.into())
    );
}

#[test]
fn regions_are_checked() {
    for bad in [
        "",
        "us-east",
        "US-EAST-1",
        "us-east-1.evil.example",
        "evil.example/x",
        "us_east_1",
        "us-east-1 ",
    ] {
        assert_eq!(
            builder().additional_regions([bad]).build().unwrap_err(),
            VerifierConfigError::InvalidRegion(bad.into()),
            "{bad:?}"
        );
    }
    // Regions belong to a user pool, not to an explicit issuer.
    assert_eq!(
        CognitoJwtVerifier::for_issuer(ISSUER)
            .client_id(CLIENT)
            .additional_regions(["us-east-1"])
            .build()
            .unwrap_err(),
        VerifierConfigError::RegionsWithoutUserPool
    );
    assert!(CognitoJwtVerifier::for_issuer(ISSUER)
        .client_id(CLIENT)
        .additional_regions(Vec::<String>::new())
        .build()
        .is_ok());
}

#[tokio::test]
async fn each_region_verifies_with_its_own_jwks() {
    let (a, b) = keys();
    // Key A is the primary Region's, key B the replica's.
    let primary = jwks_of(&[a]);
    let replica = jwks_of(&[b]);
    let v = builder()
        .additional_regions(["us-east-1"])
        .jwks_fetcher(move |url: String| {
            let body = if url.starts_with(ISSUER) || url.starts_with(UPDATED_ISSUER) {
                Ok(primary.clone())
            } else if url.starts_with(REPLICA) || url.starts_with(REPLICA_UPDATED) {
                Ok(replica.clone())
            } else {
                Err(leptos_cognito_auth::ssr::JwksFetchError(format!(
                    "GET {url} answered HTTP 404"
                )))
            };
            async move { body }
        })
        .build()
        .unwrap();
    for iss in [REPLICA, REPLICA_UPDATED] {
        let user = v.verify(&b.sign(&access_from(iss))).await.expect(iss);
        assert_eq!(user.claims()["iss"], iss);
    }
    assert!(v.verify(&a.sign(&access_claims())).await.is_ok());
    // Keys do not cross Regions: key A signs for the primary only, key B for the replica.
    let err = v.verify(&a.sign(&access_from(REPLICA))).await.unwrap_err();
    assert_eq!(err.code(), "unknown_kid");
    let err = v.verify(&b.sign(&access_claims())).await.unwrap_err();
    assert_eq!(err.code(), "unknown_kid");
    // A Region not added is refused as before.
    let elsewhere = "https://cognito-idp.eu-central-1.amazonaws.com/eu-west-1_TestPool1";
    let err = v
        .verify(&a.sign(&access_from(elsewhere)))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "wrong_issuer");
}

// ---- Two emulators as two Regions of one pool, over HTTP ----

const POOL_ID: &str = "us-east-1_LocalPool";
const PRIMARY_ISSUER: &str = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_LocalPool";
const PRIMARY_UPDATED: &str =
    "https://issuer-cognito-idp.us-east-1.amazonaws.com/us-east-1_LocalPool";
const REPLICA_ISSUER: &str = "https://cognito-idp.eu-west-1.amazonaws.com/us-east-1_LocalPool";
const REPLICA_UPDATED_ISSUER: &str =
    "https://issuer-cognito-idp.eu-west-1.amazonaws.com/us-east-1_LocalPool";
const M2M: &str = "local-m2m-client";
const M2M_SECRET: &str = "local-m2m-secret";

/// The servers this file shares, running on their own runtime for the whole test run.
struct Regions {
    /// `http://127.0.0.1:<port>` of the primary Region's emulator.
    primary: String,
    primary_jwks: String,
    /// The same for the replica Region's emulator.
    replica: String,
    replica_jwks: String,
    /// Answers 403 to everything, as AWS does for an issuer the pool does not use.
    forbidden_jwks: String,
}

fn regions() -> &'static Regions {
    static REGIONS: OnceLock<Regions> = OnceLock::new();
    REGIONS.get_or_init(|| {
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .expect("a runtime for the servers");
            runtime.block_on(async move {
                let emulator = |region: Option<&str>| {
                    let region = region.map(str::to_owned);
                    async move {
                        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
                        let base =
                            format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
                        let config = EmulatorConfig {
                            domain_base: Some(base.clone()),
                            issuer_format: IssuerFormat::Original,
                            region,
                            ..EmulatorConfig::default()
                        };
                        let running = cognito_local::serve_on(listener, config)
                            .await
                            .expect("the emulator starts");
                        (base, running)
                    }
                };
                let (primary, primary_running) = emulator(None).await;
                let (replica, replica_running) = emulator(Some("eu-west-1")).await;
                assert_eq!(primary_running.issuer(), PRIMARY_ISSUER);
                assert_eq!(replica_running.issuer(), REPLICA_ISSUER);

                let forbidden = TcpListener::bind("127.0.0.1:0").await.expect("bind");
                let forbidden_jwks = format!(
                    "http://{}/{POOL_ID}/.well-known/jwks.json",
                    forbidden.local_addr().unwrap()
                );
                let app = axum::Router::new()
                    .fallback(|| async { (StatusCode::FORBIDDEN, "<AccessDeniedException/>") });
                tokio::spawn(async move { axum::serve(forbidden, app).await });

                sender
                    .send(Regions {
                        primary_jwks: primary_running.jwks_uri().to_owned(),
                        replica_jwks: replica_running.jwks_uri().to_owned(),
                        primary,
                        replica,
                        forbidden_jwks,
                    })
                    .expect("the tests wait for the servers");
                // Serve until the test process ends.
                let _keep = (primary_running, replica_running);
                std::future::pending::<()>().await;
            });
        });
        receiver.recv().expect("the servers start")
    })
}

/// A listener that accepts connections and never answers: a JWKS endpoint that hangs.
async fn silent() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!(
        "http://{}/{POOL_ID}/.well-known/jwks.json",
        listener.local_addr().unwrap()
    );
    (listener, url)
}

/// A machine-to-machine access token from the emulator at `base` (its Region's issuer).
async fn token_from(base: &str) -> String {
    let response = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .post(format!("{base}/oauth2/token"))
        .basic_auth(M2M, Some(M2M_SECRET))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("the token endpoint answers");
    assert_eq!(response.status(), StatusCode::OK);
    let body: serde_json::Value = response.json().await.unwrap();
    body["access_token"].as_str().expect("a token").to_owned()
}

/// A token naming `iss` (its JWKS decides its fate before its signature is looked at).
fn token_naming(iss: &str) -> String {
    let (a, _) = keys();
    a.sign(&with(access_claims(), json!({ "iss": iss })))
}

const HANGING_ISSUER: &str = "https://cognito-idp.ap-southeast-2.amazonaws.com/us-east-1_LocalPool";
const HANGING_UPDATED: &str =
    "https://issuer-cognito-idp.ap-southeast-2.amazonaws.com/us-east-1_LocalPool";

/// The pool's verifier with the replica Region added: `primary_jwks` for the primary
/// Region's original-format issuer, the replica's emulator for the replica's, both
/// updated-format issuers answering 403 (the pool does not use that format), and, with
/// `hanging`, the Region `ap-southeast-2` too, its original-format issuer's JWKS never
/// answering (its updated one 403). Every JWKS is on 127.0.0.1.
fn verifier_with(
    primary_jwks: &str,
    hanging: Option<&str>,
    timeout: Duration,
) -> CognitoJwtVerifier {
    let r = regions();
    let mut builder: CognitoJwtVerifierBuilder = CognitoJwtVerifier::for_user_pool(POOL_ID)
        .client_id(M2M)
        .additional_regions(["eu-west-1"])
        .jwks_url_for(PRIMARY_ISSUER, primary_jwks)
        .jwks_url_for(REPLICA_ISSUER, &r.replica_jwks)
        .jwks_url_for(PRIMARY_UPDATED, &r.forbidden_jwks)
        .jwks_url_for(REPLICA_UPDATED_ISSUER, &r.forbidden_jwks)
        .jwks_fetcher(HttpJwksFetcher::with_timeout(timeout));
    if let Some(url) = hanging {
        builder = builder
            .additional_regions(["ap-southeast-2"])
            .jwks_url_for(HANGING_ISSUER, url)
            .jwks_url_for(HANGING_UPDATED, &r.forbidden_jwks);
    }
    builder.build().expect("verifier")
}

fn verifier(hanging: Option<&str>, timeout: Duration) -> CognitoJwtVerifier {
    verifier_with(&regions().primary_jwks, hanging, timeout)
}

async fn assert_both_regions_verify(v: &CognitoJwtVerifier) {
    let r = regions();
    for (base, issuer) in [(&r.primary, PRIMARY_ISSUER), (&r.replica, REPLICA_ISSUER)] {
        let caller = v
            .verify(&token_from(base).await)
            .await
            .unwrap_or_else(|e| panic!("a token from {issuer}: {e:?}"));
        assert!(caller.is_machine());
        assert_eq!(caller.claims()["iss"], issuer);
    }
}

#[tokio::test]
async fn two_regions_of_one_pool_each_with_its_emulators_keys() {
    let v = verifier(None, Duration::from_secs(5));
    assert_both_regions_verify(&v).await;
    assert_both_regions_verify(&v).await;
    for issuer in [PRIMARY_ISSUER, REPLICA_ISSUER] {
        let stats = v.jwks_stats_for(issuer).unwrap();
        assert_eq!((stats.fetches, stats.failures), (1, 0), "{issuer}");
    }
    // The primary's token is not the replica's: its issuer's keys are asked, not another's.
    assert_eq!(v.jwks_stats().fetches, 2);
}

fn assert_unavailable(
    result: Result<leptos_cognito_auth::ssr::VerifiedUser, VerifyError>,
    why: &str,
) {
    let err = result.expect_err("refused");
    assert_eq!(
        (err.code(), err.status()),
        ("jwks_unavailable", 503),
        "{err:?}"
    );
    assert!(err.detail().unwrap_or("").contains(why), "{err:?}");
}

#[tokio::test]
async fn a_403_jwks_fails_only_its_own_issuer() {
    let v = verifier(None, Duration::from_secs(5));
    // The updated format's JWKS answers 403: its tokens get 503, before and after the
    // other Regions' tokens verify. No keys are kept from the failure, and it is not
    // fetched again during the pause after it (its 403 answers the tokens meanwhile): the
    // two updated-format issuers share that JWKS, so three tokens make one fetch.
    assert_unavailable(v.verify(&token_naming(PRIMARY_UPDATED)).await, "403");
    assert_both_regions_verify(&v).await;
    assert_unavailable(v.verify(&token_naming(REPLICA_UPDATED_ISSUER)).await, "403");
    assert_unavailable(v.verify(&token_naming(PRIMARY_UPDATED)).await, "403");
    assert_both_regions_verify(&v).await;
    let stats = v.jwks_stats_for(PRIMARY_UPDATED).unwrap();
    assert_eq!((stats.fetches, stats.failures, stats.keys), (1, 1, 0));
    let stats = v.jwks_stats_for(PRIMARY_ISSUER).unwrap();
    assert_eq!((stats.fetches, stats.failures), (1, 0));

    // The primary Region down (its JWKS answers 403): the replica's tokens still verify.
    let r = regions();
    let v = verifier_with(&r.forbidden_jwks, None, Duration::from_secs(5));
    assert_unavailable(v.verify(&token_from(&r.primary).await).await, "403");
    let caller = v.verify(&token_from(&r.replica).await).await.unwrap();
    assert_eq!(caller.claims()["iss"], REPLICA_ISSUER);
    assert_unavailable(v.verify(&token_from(&r.primary).await).await, "403");
}

#[tokio::test]
async fn a_hanging_jwks_holds_up_only_its_own_issuer() {
    let (listener, hanging) = silent().await;
    let v = verifier(Some(&hanging), Duration::from_secs(30));
    let stuck = tokio::spawn({
        let v = v.clone();
        async move { v.verify(&token_naming(HANGING_ISSUER)).await }
    });
    // Once its JWKS request is in flight (accepted, never answered), the other Regions'
    // tokens verify, cold caches included, while it waits.
    let (_connection, _) = listener.accept().await.expect("the JWKS request arrives");
    assert_both_regions_verify(&v).await;
    assert_unavailable(v.verify(&token_naming(PRIMARY_UPDATED)).await, "403");
    assert!(!stuck.is_finished(), "still waiting for its JWKS");
    stuck.abort();
}

#[tokio::test]
async fn a_jwks_timeout_fails_only_its_own_issuer() {
    let (listener, hanging) = silent().await;
    let v = verifier(Some(&hanging), Duration::from_millis(500));
    let accept = tokio::spawn(async move {
        // Hold the connection open, unanswered, until the test ends.
        let connection = listener.accept().await;
        std::future::pending::<()>().await;
        drop(connection);
    });
    assert_unavailable(v.verify(&token_naming(HANGING_ISSUER)).await, "timed out");
    assert_both_regions_verify(&v).await;
    accept.abort();
}

#[tokio::test]
async fn prefetching_every_jwks_reports_each_issuer_and_readies_the_rest() {
    // aws-jwt-verify's hydrate() rejected as a whole when one issuer's JWKS answered 403
    // (its issue #279); here each issuer gets its own outcome.
    let (listener, hanging) = silent().await;
    let v = verifier(Some(&hanging), Duration::from_millis(500));
    let accept = tokio::spawn(async move {
        let connection = listener.accept().await;
        std::future::pending::<()>().await;
        drop(connection);
    });
    let outcomes = v.prefetch_all_jwks().await;
    let codes: Vec<(&str, &str)> = outcomes
        .iter()
        .map(|(issuer, outcome)| {
            (
                *issuer,
                outcome.as_ref().map_or_else(|e| e.code(), |()| "ok"),
            )
        })
        .collect();
    assert_eq!(
        codes,
        [
            (PRIMARY_ISSUER, "ok"),
            (PRIMARY_UPDATED, "jwks_unavailable"),
            (REPLICA_ISSUER, "ok"),
            (REPLICA_UPDATED_ISSUER, "jwks_unavailable"),
            (HANGING_ISSUER, "jwks_unavailable"),
            (HANGING_UPDATED, "jwks_unavailable"),
        ]
    );
    // The ready issuers need no fetch any more: verification without awaiting works.
    let r = regions();
    for base in [&r.primary, &r.replica] {
        assert!(v.verify_cached(&token_from(base).await).is_ok());
    }
    accept.abort();
}

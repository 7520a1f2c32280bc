//! Which issuers a verifier accepts, and where each one's keys come from: a user pool id
//! stands for both Cognito issuer formats, each with its own JWKS; an explicit issuer for
//! exactly itself; wrong regions, other pools and look-alike hosts are refused without
//! their JWKS ever being fetched; JWKS locations can be set per issuer.
#![cfg(all(feature = "ssr", not(target_arch = "wasm32")))]

#[path = "verifier_support.rs"]
mod support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use leptos_cognito_auth::ssr::{
    CognitoJwtVerifier, CognitoJwtVerifierBuilder, JwksFetchError, VerifierConfigError,
};
use serde_json::json;
use support::*;

const ORIGINAL_JWKS: &str =
    "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TestPool1/.well-known/jwks.json";
const UPDATED_JWKS: &str =
    "https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TestPool1/.well-known/jwks.json";

/// Issuers the pool's tokens must never name: wrong region, other pool, look-alike hosts,
/// near misses of the two formats.
const REFUSED: &[&str] = &[
    "https://cognito-idp.us-east-1.amazonaws.com/eu-west-1_TestPool1",
    "https://issuer-cognito-idp.us-east-1.amazonaws.com/eu-west-1_TestPool1",
    "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other",
    "https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other",
    "https://issuer-cognito-idp.evil.example/eu-west-1_TestPool1",
    "https://cognito-idp.evil.example/eu-west-1_TestPool1",
    "https://cognito-idp.eu-west-1.amazonaws.com.evil.example/eu-west-1_TestPool1",
    "https://issuer-cognito-idp.eu-west-1.amazonaws.com.evil.example/eu-west-1_TestPool1",
    "https://evil.example/issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TestPool1",
    "https://xissuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TestPool1",
    "http://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TestPool1",
    "https://ISSUER-COGNITO-IDP.eu-west-1.amazonaws.com/eu-west-1_TestPool1",
    "https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TestPool1/",
    "https://issuer-cognito-idp.eu-west-1.amazonaws.com:443/eu-west-1_TestPool1",
    "https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_testpool1",
    "https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_TestPool1/.well-known/jwks.json",
];

/// A fetcher serving a different JWKS per URL (404 for any other URL), recording the URLs.
#[derive(Clone, Default)]
struct PerUrl {
    bodies: Arc<Mutex<HashMap<String, Vec<u8>>>>,
    urls: Arc<Mutex<Vec<String>>>,
}

impl PerUrl {
    fn serve(&self, url: &str, body: Vec<u8>) -> &Self {
        self.bodies.lock().unwrap().insert(url.to_owned(), body);
        self
    }

    fn urls(&self) -> Vec<String> {
        self.urls.lock().unwrap().clone()
    }

    fn install(&self, builder: CognitoJwtVerifierBuilder) -> CognitoJwtVerifierBuilder {
        let this = self.clone();
        builder.jwks_fetcher(move |url: String| {
            let this = this.clone();
            async move {
                this.urls.lock().unwrap().push(url.clone());
                this.bodies
                    .lock()
                    .unwrap()
                    .get(&url)
                    .cloned()
                    .ok_or_else(|| JwksFetchError(format!("GET {url} answered HTTP 404")))
            }
        })
    }
}

fn access_from(iss: &str) -> serde_json::Value {
    with(access_claims(), json!({ "iss": iss }))
}

#[tokio::test]
async fn a_pool_accepts_both_formats_each_with_its_own_jwks() {
    let (a, b) = keys();
    let fetcher = PerUrl::default();
    fetcher
        .serve(ORIGINAL_JWKS, jwks_of(&[a]))
        .serve(UPDATED_JWKS, jwks_of(&[b]));
    let v = fetcher.install(builder()).build().unwrap();
    assert_eq!(v.issuers(), [ISSUER, UPDATED_ISSUER]);
    assert_eq!(v.issuer(), ISSUER);
    assert_eq!(v.jwks_url_for(UPDATED_ISSUER), Some(UPDATED_JWKS));
    assert_eq!(v.jwks_url_for("https://evil.example/x"), None);

    let original = v.verify(&a.sign(&access_claims())).await.expect("original");
    assert_eq!(original.claims()["iss"], ISSUER);
    let updated = v
        .verify(&b.sign(&access_from(UPDATED_ISSUER)))
        .await
        .expect("updated");
    assert_eq!(updated.claims()["iss"], UPDATED_ISSUER);
    assert_eq!(fetcher.urls(), [ORIGINAL_JWKS, UPDATED_JWKS]);

    // The keys come from the JWKS of the issuer the token names: key B is only in the
    // updated issuer's JWKS, key A only in the original one's.
    let err = v.verify(&b.sign(&access_claims())).await.unwrap_err();
    assert_eq!(err.code(), "unknown_kid");
    let err = v
        .verify(&a.sign(&access_from(UPDATED_ISSUER)))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "unknown_kid");
    // Both refetched once (a kid each JWKS lacks), both from their own location.
    assert_eq!(
        fetcher.urls(),
        [ORIGINAL_JWKS, UPDATED_JWKS, ORIGINAL_JWKS, UPDATED_JWKS]
    );
    let stats = v.jwks_stats();
    assert_eq!((stats.fetches, stats.failures, stats.keys), (4, 0, 2));
}

#[tokio::test]
async fn wrong_region_other_pool_and_look_alike_issuers_are_refused() {
    let (a, b) = keys();
    let fetcher = PerUrl::default();
    fetcher
        .serve(ORIGINAL_JWKS, jwks_of(&[a, b]))
        .serve(UPDATED_JWKS, jwks_of(&[a, b]));
    let v = fetcher.install(builder()).build().unwrap();
    for iss in REFUSED {
        let token = a.sign(&access_from(iss));
        let err = v.verify(&token).await.unwrap_err();
        assert_eq!(err.code(), "wrong_issuer", "{iss}");
        assert_eq!(v.verify_cached(&token).unwrap_err().code(), "wrong_issuer");
        // ID tokens too.
        let id = a.sign(&with(id_claims(), json!({ "iss": iss })));
        let either = fetcher
            .install(builder().token_use(leptos_cognito_auth::ssr::ExpectedTokenUse::Id))
            .build()
            .unwrap();
        assert_eq!(either.verify(&id).await.unwrap_err().code(), "wrong_issuer");
    }
    // A token's `iss` never chooses where keys are fetched from: only the pool's own JWKS
    // locations were asked.
    let urls = fetcher.urls();
    assert!(!urls.is_empty());
    assert!(urls.iter().all(|u| u == ORIGINAL_JWKS), "{urls:?}");
    assert_eq!(v.verified_tokens_cached(), 0);
}

#[tokio::test]
async fn an_explicit_issuer_means_exactly_that_issuer() {
    let (a, _) = keys();
    for issuer in [ISSUER, UPDATED_ISSUER] {
        let fetcher = Fetcher::new(jwks_of(&[a]));
        let v = fetcher
            .install(
                CognitoJwtVerifier::for_issuer(issuer)
                    .client_id(CLIENT)
                    .clock(|| NOW),
            )
            .build()
            .unwrap();
        assert_eq!(v.issuers(), [issuer]);
        assert!(v.verify(&a.sign(&access_from(issuer))).await.is_ok());
        for other in [ISSUER, UPDATED_ISSUER]
            .into_iter()
            .chain(REFUSED.iter().copied())
            .filter(|other| *other != issuer)
        {
            let err = v.verify(&a.sign(&access_from(other))).await.unwrap_err();
            assert_eq!(err.code(), "wrong_issuer", "{issuer} / {other}");
        }
        assert_eq!(fetcher.urls(), [format!("{issuer}/.well-known/jwks.json")]);
    }
}

#[tokio::test]
async fn jwks_locations_per_issuer_or_shared() {
    let (a, b) = keys();
    // The updated issuer's keys from a local mirror; the original one's from AWS.
    let mirror = "http://127.0.0.1:9229/eu-west-1_TestPool1/.well-known/jwks.json";
    let fetcher = PerUrl::default();
    fetcher
        .serve(ORIGINAL_JWKS, jwks_of(&[a]))
        .serve(mirror, jwks_of(&[b]));
    let v = fetcher
        .install(builder().jwks_url_for(UPDATED_ISSUER, mirror))
        .build()
        .unwrap();
    assert_eq!(v.jwks_url(), ORIGINAL_JWKS);
    assert_eq!(v.jwks_url_for(UPDATED_ISSUER), Some(mirror));
    assert!(v
        .verify(&b.sign(&access_from(UPDATED_ISSUER)))
        .await
        .is_ok());
    assert!(v.verify(&a.sign(&access_claims())).await.is_ok());
    assert_eq!(fetcher.urls(), [mirror, ORIGINAL_JWKS]);

    // One shared location: both issuers' keys from one cache, one fetch.
    let shared = Fetcher::new(jwks_of(&[a, b]));
    let v = shared
        .install(builder().jwks_url("https://keys.example.com/jwks.json"))
        .build()
        .unwrap();
    assert!(v.verify(&a.sign(&access_claims())).await.is_ok());
    assert!(v
        .verify(&b.sign(&access_from(UPDATED_ISSUER)))
        .await
        .is_ok());
    assert_eq!(shared.urls(), ["https://keys.example.com/jwks.json"]);
    assert_eq!(v.jwks_stats().keys, 2, "one cache, counted once");

    // A location per issuer beats the shared one.
    let v = builder()
        .jwks_url("https://keys.example.com/jwks.json")
        .jwks_url_for(UPDATED_ISSUER, mirror)
        .build()
        .unwrap();
    assert_eq!(v.jwks_url(), "https://keys.example.com/jwks.json");
    assert_eq!(v.jwks_url_for(UPDATED_ISSUER), Some(mirror));
}

#[test]
fn jwks_locations_are_checked() {
    assert_eq!(
        builder()
            .jwks_url_for(
                "https://issuer-cognito-idp.evil.example/eu-west-1_TestPool1",
                "https://k.example.com/j"
            )
            .build()
            .unwrap_err(),
        VerifierConfigError::UnknownIssuer(
            "https://issuer-cognito-idp.evil.example/eu-west-1_TestPool1".into()
        )
    );
    assert!(matches!(
        builder()
            .jwks_url_for(UPDATED_ISSUER, "http://keys.example.com/jwks.json")
            .build()
            .unwrap_err(),
        VerifierConfigError::InsecureUrl(_)
    ));
    // An explicit issuer does not accept the pool's other format.
    assert!(matches!(
        CognitoJwtVerifier::for_issuer(ISSUER)
            .client_id(CLIENT)
            .jwks_url_for(UPDATED_ISSUER, "https://k.example.com/j")
            .build()
            .unwrap_err(),
        VerifierConfigError::UnknownIssuer(_)
    ));
}

#[tokio::test]
async fn prefetch_hydrate_and_the_verified_cache_per_issuer() {
    let (a, b) = keys();
    let fetcher = PerUrl::default();
    fetcher.serve(UPDATED_JWKS, jwks_of(&[b]));
    let v = fetcher.install(builder()).build().unwrap();
    let by_b = b.sign(&access_from(UPDATED_ISSUER));
    assert_eq!(v.verify_cached(&by_b).unwrap_err().code(), "unknown_kid");
    v.prefetch_jwks_for(UPDATED_ISSUER).await.unwrap();
    assert!(v.verify_cached(&by_b).is_ok());
    assert_eq!(fetcher.urls(), [UPDATED_JWKS]);
    assert_eq!(
        v.prefetch_jwks_for("https://evil.example/x")
            .await
            .unwrap_err()
            .code(),
        "wrong_issuer"
    );
    // The primary issuer's JWKS is not served here: prefetching it fails, uncached.
    assert_eq!(
        v.prefetch_jwks().await.unwrap_err().code(),
        "jwks_unavailable"
    );

    let v = fetcher.install(builder()).build().unwrap();
    v.hydrate_jwks_for(UPDATED_ISSUER, &jwks_of(&[b])).unwrap();
    v.hydrate_jwks(&jwks_of(&[a])).unwrap();
    assert_eq!(
        v.hydrate_jwks_for("https://evil.example/x", &jwks_of(&[a]))
            .unwrap_err()
            .code(),
        "wrong_issuer"
    );
    let by_a = a.sign(&access_claims());
    assert!(v.verify_cached(&by_a).is_ok());
    assert!(v.verify_cached(&by_b).is_ok());
    assert_eq!(v.verified_tokens_cached(), 2);
    // Remembered results are tied to their issuer's keys: a token remembered from the
    // updated issuer is not served once that issuer's JWKS no longer has its key.
    v.hydrate_jwks_for(UPDATED_ISSUER, &jwks_of(&[a])).unwrap();
    assert_eq!(v.verify_cached(&by_b).unwrap_err().code(), "unknown_kid");
    assert!(
        v.verify_cached(&by_a).is_ok(),
        "the original issuer's keys stay"
    );
}

//! The verifier's checks: a negative matrix of crafted tokens, each refused with its exact
//! code; accepted ID and access tokens with their typed claims; property tests that no
//! input panics and that no one-character change of a valid token is accepted.
#![cfg(all(feature = "ssr", not(target_arch = "wasm32")))]

#[path = "verifier_support.rs"]
mod support;

use leptos_cognito_auth::ssr::{
    CognitoJwtVerifier, ExpectedTokenUse, TokenUse, VerifyError, MAX_TOKEN_BYTES,
};
use proptest::prelude::*;
use serde_json::{json, Value};
use support::*;

fn run<T>(fut: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(fut)
}

/// Builds the matrix: (name, token, verifier settings, expected code).
fn matrix() -> Vec<(&'static str, String, ExpectedTokenUse, &'static str)> {
    let (a, b) = keys();
    let access = a.sign(&access_claims());
    let (hp, sig) = access.rsplit_once('.').unwrap();
    let (h, p) = hp.split_once('.').unwrap();
    let header = |alg: &str| format!(r#"{{"kid":"key-a","alg":"{alg}"}}"#);
    let signed = |payload: &str| a.sign_raw(&header("RS256"), payload);
    let claims = |changes: Value| a.sign(&with(access_claims(), changes));
    let id = |changes: Value| a.sign(&with(id_claims(), changes));
    let hs256 = {
        let input = format!("{}.{}", b64(header("HS256")), p);
        let mac = hmac_sha256(a.public_pem().as_bytes(), input.as_bytes());
        format!("{input}.{}", b64(mac))
    };
    let mut tampered = p.as_bytes().to_vec();
    tampered[10] = if tampered[10] == b'A' { b'B' } else { b'A' };
    let tampered = format!("{h}.{}.{sig}", String::from_utf8(tampered).unwrap());
    let huge =
        signed(&with(access_claims(), json!({"pad": "x".repeat(MAX_TOKEN_BYTES)})).to_string());
    let zero_sig = format!("{hp}.{}", b64([0u8; 256]));
    let sig_bytes = {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(sig)
            .unwrap()
    };
    let other_key = {
        let input = format!("{h}.{p}");
        format!("{input}.{}", b.signature(&input))
    };

    use ExpectedTokenUse::{Access, Id};
    vec![
        ("empty", String::new(), Access, "malformed"),
        ("one segment", h.to_owned(), Access, "malformed"),
        (
            "truncated to two segments",
            hp.to_owned(),
            Access,
            "malformed",
        ),
        (
            "empty signature segment",
            format!("{hp}."),
            Access,
            "malformed",
        ),
        (
            "four segments",
            format!("{access}.{sig}"),
            Access,
            "malformed",
        ),
        (
            "empty header segment",
            format!(".{p}.{sig}"),
            Access,
            "malformed",
        ),
        (
            "signature cut mid-character",
            access[..access.len() - 4].to_owned(),
            Access,
            "malformed",
        ),
        (
            "signature three bytes short",
            format!("{hp}.{}", b64(&sig_bytes[..sig_bytes.len() - 3])),
            Access,
            "bad_signature",
        ),
        (
            "non-JSON header",
            format!("{}.{p}.{sig}", b64("not json")),
            Access,
            "malformed",
        ),
        (
            "header is a JSON array",
            format!("{}.{p}.{sig}", b64("[1]")),
            Access,
            "malformed",
        ),
        (
            "padding on the header",
            format!("{h}=.{p}.{sig}"),
            Access,
            "malformed",
        ),
        (
            "padding on the signature",
            format!("{access}=="),
            Access,
            "malformed",
        ),
        (
            "standard-alphabet character",
            format!("{hp}.{}+", &sig[1..]),
            Access,
            "malformed",
        ),
        (
            "non-canonical base64 tail",
            format!("{h}.{p}.{}", &sig[..sig.len() - 1]),
            Access,
            "malformed",
        ),
        (
            "whitespace inside",
            format!("{h}. {p}.{sig}"),
            Access,
            "malformed",
        ),
        ("huge token", huge, Access, "malformed"),
        (
            "payload not JSON",
            signed("definitely not json"),
            Access,
            "malformed",
        ),
        (
            "payload is a JSON array",
            signed("[\"sub\"]"),
            Access,
            "malformed",
        ),
        (
            "exp is a string",
            claims(json!({"exp": "tomorrow"})),
            Access,
            "malformed",
        ),
        (
            "exp is negative",
            claims(json!({"exp": -1})),
            Access,
            "malformed",
        ),
        (
            "exp missing",
            claims(json!({"exp": null})),
            Access,
            "malformed",
        ),
        (
            "groups is a string",
            claims(json!({"cognito:groups": "admin"})),
            Access,
            "malformed",
        ),
        (
            "groups hold a number",
            claims(json!({"cognito:groups": ["admin", 7]})),
            Access,
            "malformed",
        ),
        (
            "iss is a number",
            claims(json!({"iss": 7})),
            Access,
            "malformed",
        ),
        (
            "sub missing",
            claims(json!({"sub": null})),
            Access,
            "malformed",
        ),
        (
            "aud is an object",
            id(json!({"aud": {"a": 1}})),
            Id,
            "malformed",
        ),
        (
            "alg missing",
            a.sign_raw(r#"{"kid":"key-a"}"#, &access_claims().to_string()),
            Access,
            "malformed",
        ),
        (
            "kid missing",
            a.sign_raw(r#"{"alg":"RS256"}"#, &access_claims().to_string()),
            Access,
            "malformed",
        ),
        (
            "kid not a string",
            a.sign_raw(r#"{"alg":"RS256","kid":1}"#, &access_claims().to_string()),
            Access,
            "malformed",
        ),
        (
            "crit header",
            a.sign_raw(
                r#"{"alg":"RS256","kid":"key-a","crit":["exp"]}"#,
                &access_claims().to_string(),
            ),
            Access,
            "malformed",
        ),
        (
            "alg none, empty signature",
            format!("{}.{p}.", b64(header("none"))),
            Access,
            "malformed",
        ),
        (
            "alg none",
            format!("{}.{p}.{sig}", b64(header("none"))),
            Access,
            "unsupported_alg",
        ),
        (
            "alg None",
            format!("{}.{p}.{sig}", b64(header("None"))),
            Access,
            "unsupported_alg",
        ),
        (
            "HS256 with the RSA public key as secret",
            hs256,
            Access,
            "unsupported_alg",
        ),
        (
            "RS512",
            a.sign_raw(&header("RS512"), &access_claims().to_string()),
            Access,
            "unsupported_alg",
        ),
        (
            "PS256",
            a.sign_raw(&header("PS256"), &access_claims().to_string()),
            Access,
            "unsupported_alg",
        ),
        (
            "ES256",
            a.sign_raw(&header("ES256"), &access_claims().to_string()),
            Access,
            "unsupported_alg",
        ),
        (
            "unknown kid",
            a.sign_raw(
                r#"{"alg":"RS256","kid":"key-z"}"#,
                &access_claims().to_string(),
            ),
            Access,
            "unknown_kid",
        ),
        (
            "signature from the other key",
            other_key,
            Access,
            "bad_signature",
        ),
        (
            "one payload byte changed",
            tampered,
            Access,
            "bad_signature",
        ),
        ("signature of zeros", zero_sig, Access, "bad_signature"),
        (
            "expired beyond the leeway",
            claims(json!({"exp": NOW - 11})),
            Access,
            "expired",
        ),
        (
            "expired exactly at the leeway",
            claims(json!({"exp": NOW - 10})),
            Access,
            "expired",
        ),
        (
            "nbf in the future",
            claims(json!({"nbf": NOW + 11})),
            Access,
            "not_yet_valid",
        ),
        (
            "iat in the future",
            claims(json!({"iat": NOW + 3600})),
            Access,
            "not_yet_valid",
        ),
        (
            "wrong iss",
            claims(json!({"iss": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other"})),
            Access,
            "wrong_issuer",
        ),
        (
            "iss with a trailing slash",
            claims(json!({"iss": format!("{ISSUER}/")})),
            Access,
            "wrong_issuer",
        ),
        (
            "iss missing",
            claims(json!({"iss": null})),
            Access,
            "wrong_issuer",
        ),
        (
            "ID token used as access token",
            id(json!({})),
            Access,
            "wrong_token_use",
        ),
        (
            "access token used as ID token",
            claims(json!({})),
            Id,
            "wrong_token_use",
        ),
        (
            "token_use missing",
            claims(json!({"token_use": null})),
            Access,
            "wrong_token_use",
        ),
        (
            "token_use unknown",
            claims(json!({"token_use": "refresh"})),
            Access,
            "wrong_token_use",
        ),
        (
            "ID token for another client",
            id(json!({"aud": "other-client"})),
            Id,
            "wrong_client",
        ),
        (
            "ID token without aud",
            id(json!({"aud": null})),
            Id,
            "wrong_client",
        ),
        (
            "access token for another client",
            claims(json!({"client_id": "other-client"})),
            Access,
            "wrong_client",
        ),
        (
            "access token without client_id",
            claims(json!({"client_id": null})),
            Access,
            "wrong_client",
        ),
    ]
}

#[test]
fn negative_matrix() {
    let cases = matrix();
    assert!(cases.len() >= 25);
    run(async {
        for (name, token, token_use, code) in &cases {
            let (verifier, _) = verifier(*token_use);
            let err = verifier
                .verify(token)
                .await
                .expect_err(&format!("{name} must be refused"));
            assert_eq!(err.code(), *code, "{name}: {err}");
            let expected_status = if *code == "jwks_unavailable" {
                503
            } else {
                401
            };
            assert_eq!(err.status(), expected_status, "{name}");
        }
    });
}

#[test]
fn missing_group_and_scope_are_403() {
    let (a, _) = keys();
    run(async {
        let fetcher = Fetcher::new(jwks_of(&[a]));
        let v = fetcher
            .install(builder().require_group("admin").require_group("billing"))
            .build()
            .unwrap();
        let err = v.verify(&a.sign(&access_claims())).await.unwrap_err();
        assert_eq!(err, VerifyError::MissingGroup("billing".into()));
        assert_eq!((err.code(), err.status()), ("missing_group", 403));

        let v = fetcher
            .install(builder().require_any_group(["billing", "ops"]))
            .build()
            .unwrap();
        let err = v.verify(&a.sign(&access_claims())).await.unwrap_err();
        assert_eq!(err.code(), "missing_group");
        let ok = v
            .verify(&a.sign(&with(access_claims(), json!({"cognito:groups": ["ops"]}))))
            .await;
        assert!(ok.is_ok());

        let v = fetcher
            .install(
                builder()
                    .require_scope("api/read")
                    .require_scope("api/write"),
            )
            .build()
            .unwrap();
        let err = v.verify(&a.sign(&access_claims())).await.unwrap_err();
        assert_eq!(err, VerifyError::MissingScope("api/write".into()));
        assert_eq!((err.code(), err.status()), ("missing_scope", 403));

        // With Either, an ID token (no scopes) cannot satisfy a scope requirement.
        let v = fetcher
            .install(
                builder()
                    .token_use(ExpectedTokenUse::Either)
                    .require_scope("api/read"),
            )
            .build()
            .unwrap();
        let err = v.verify(&a.sign(&id_claims())).await.unwrap_err();
        assert_eq!(err.code(), "missing_scope");
        assert!(v.verify(&a.sign(&access_claims())).await.is_ok());
    });
}

#[test]
fn jwks_unavailable_is_a_503() {
    let (a, _) = keys();
    run(async {
        let fetcher = Fetcher::new(Vec::new());
        fetcher.answer(Err("connection refused".into()));
        let v = fetcher.install(builder()).build().unwrap();
        let err = v.verify(&a.sign(&access_claims())).await.unwrap_err();
        assert_eq!((err.code(), err.status()), ("jwks_unavailable", 503));
        assert_eq!(err.detail(), Some("connection refused"));
        assert!(
            !err.to_string().contains("refused"),
            "no internals in Display"
        );
    });
}

#[test]
fn accepts_an_access_token_with_typed_claims() {
    let (a, b) = keys();
    run(async {
        let (v, fetcher) = verifier(ExpectedTokenUse::Access);
        let token = b.sign(&access_claims());
        let user = v.verify(&token).await.expect("valid access token");
        assert_eq!(user.sub(), "0f5e-alice");
        assert_eq!(user.username(), Some("alice"));
        assert_eq!(user.groups(), ["admin", "staff"]);
        assert_eq!(user.scopes(), ["openid", "email", "api/read"]);
        assert_eq!(user.client_id(), CLIENT);
        assert_eq!(user.token_use(), TokenUse::Access);
        assert_eq!(user.expires_at(), NOW + 3600);
        assert_eq!(user.issued_at(), Some(NOW - 100));
        assert_eq!(user.claims()["jti"], "j-1");
        assert_eq!(user.token().expose(), token);
        assert!(user.in_group("admin") && !user.in_group("billing"));
        assert!(user.has_scope("api/read"));
        assert_eq!(
            user.require_group("billing").unwrap_err().code(),
            "missing_group"
        );
        assert_eq!(
            user.require_scope("api/write").unwrap_err().code(),
            "missing_scope"
        );
        assert!(
            !format!("{user:?}").contains(&token),
            "the token is redacted in Debug"
        );
        // Both keys of the JWKS work; one fetch served both.
        assert!(v.verify(&a.sign(&access_claims())).await.is_ok());
        assert_eq!(fetcher.calls(), 1);
    });
}

#[test]
fn accepts_an_id_token_with_typed_claims() {
    let (a, _) = keys();
    run(async {
        let (v, _) = verifier(ExpectedTokenUse::Id);
        let user = v
            .verify(&a.sign(&id_claims()))
            .await
            .expect("valid ID token");
        assert_eq!(user.username(), Some("alice"));
        assert_eq!(user.email(), Some("alice@example.com"));
        assert_eq!(user.client_id(), CLIENT);
        assert_eq!(user.token_use(), TokenUse::Id);
        assert_eq!(user.groups(), ["admin"]);
        assert!(user.scopes().is_empty());
        // `aud` as a list containing the client is accepted too (RFC 7519).
        let listed = a.sign(&with(id_claims(), json!({"aud": ["x", CLIENT]})));
        assert_eq!(v.verify(&listed).await.unwrap().client_id(), CLIENT);
    });
}

#[test]
fn either_accepts_both_kinds_and_leeway_applies() {
    let (a, _) = keys();
    run(async {
        let (v, _) = verifier(ExpectedTokenUse::Either);
        assert!(v.verify(&a.sign(&id_claims())).await.is_ok());
        assert!(v.verify(&a.sign(&access_claims())).await.is_ok());
        // Inside the 10 s default leeway: exp 9 s ago, nbf/iat 10 s ahead, fractional dates.
        for changes in [
            json!({"exp": NOW - 9}),
            json!({"nbf": NOW + 10, "iat": NOW + 10}),
            json!({"exp": (NOW + 5) as f64 + 0.5, "iat": NOW as f64 - 0.25}),
        ] {
            let token = a.sign(&with(access_claims(), changes.clone()));
            assert!(v.verify(&token).await.is_ok(), "{changes}");
        }
        // Leeway zero: exp in the past by one second is expired.
        let fetcher = Fetcher::new(jwks_of(&[a]));
        let strict = fetcher
            .install(builder().leeway(std::time::Duration::ZERO))
            .build()
            .unwrap();
        let token = a.sign(&with(access_claims(), json!({"exp": NOW})));
        assert_eq!(strict.verify(&token).await.unwrap_err().code(), "expired");
        let token = a.sign(&with(access_claims(), json!({"exp": NOW + 1})));
        assert!(strict.verify(&token).await.is_ok());
    });
}

#[test]
fn several_clients_and_the_cached_path() {
    let (a, _) = keys();
    run(async {
        let fetcher = Fetcher::new(jwks_of(&[a]));
        let v = fetcher
            .install(builder().client_id("second-client"))
            .build()
            .unwrap();
        let token = a.sign(&with(
            access_claims(),
            json!({"client_id": "second-client"}),
        ));
        // verify_cached does not fetch: cold cache means unknown_kid.
        assert_eq!(v.verify_cached(&token).unwrap_err().code(), "unknown_kid");
        v.prefetch_jwks().await.unwrap();
        assert_eq!(
            v.verify_cached(&token).unwrap().client_id(),
            "second-client"
        );
        assert_eq!(fetcher.calls(), 1);
    });
}

#[test]
fn claims_are_read_as_the_claim_map_reads_them() {
    // The checks read only the claims they need, without building the whole claim map:
    // escaped names, repeated claims (the last counts) and the JSON of every other claim
    // count exactly as they do in `claims()`.
    let (a, _) = keys();
    let header = r#"{"kid":"key-a","alg":"RS256"}"#;
    let (v, _) = verifier(ExpectedTokenUse::Access);
    let claims_text = |extra: &str| {
        let base = access_claims().to_string();
        format!("{}{extra}}}", &base[..base.len() - 1])
    };
    run(async {
        // `\u0065xp` is `exp`: an expired date under an escaped name is still `exp`.
        let escaped = a.sign_raw(
            header,
            &claims_text(&format!(r#","\u0065xp":{}"#, NOW - 60)),
        );
        assert_eq!(v.verify(&escaped).await.unwrap_err().code(), "expired");
        // A repeated claim: the last one counts.
        let last_wrong = a.sign_raw(header, &claims_text(r#","iss":"https://evil.example/p""#));
        assert_eq!(
            v.verify(&last_wrong).await.unwrap_err().code(),
            "wrong_issuer"
        );
        let repeated = a.sign_raw(header, &claims_text(&format!(r#","iss":"{ISSUER}""#)));
        let user = v.verify(&repeated).await.expect("the last iss is right");
        assert_eq!(user.claims()["iss"], ISSUER);
        // A claim nobody checks must still be JSON the claim map accepts.
        for junk in [r#","x":1e400"#, r#","x":"\ud800""#, r#","x":[1,]"#] {
            let token = a.sign_raw(header, &claims_text(junk));
            assert_eq!(
                v.verify(&token).await.unwrap_err().code(),
                "malformed",
                "{junk}"
            );
        }
        // Every claim is there, as sent, typed accessors agreeing.
        let token = a.sign(&with(
            access_claims(),
            json!({"custom:tier": "gold", "nested": {"a": [1, 2.5, null, true]}}),
        ));
        let user = v.verify(&token).await.unwrap();
        let mut expected = with(
            access_claims(),
            json!({"custom:tier": "gold", "nested": {"a": [1, 2.5, null, true]}}),
        );
        assert_eq!(Value::Object(user.claims().clone()), expected.take());
        assert_eq!(user.claims()["sub"], user.sub());
        assert_eq!(
            user.clone(),
            user,
            "equality does not depend on the claim map"
        );
    });
}

#[test]
fn builder_defaults_are_the_documented_ones() {
    let v = CognitoJwtVerifier::for_user_pool("ap-southeast-2_Zz9")
        .client_id("c")
        .build()
        .unwrap();
    assert_eq!(
        v.issuer(),
        "https://cognito-idp.ap-southeast-2.amazonaws.com/ap-southeast-2_Zz9"
    );
    assert_eq!(v.validation().token_use, ExpectedTokenUse::Access);
    assert_eq!(v.validation().leeway, std::time::Duration::from_secs(10));
    assert_eq!(
        v.jwks_refetch_interval(),
        std::time::Duration::from_secs(30)
    );
    assert_eq!(v.token_cookie(), None);
    assert!(v.validation().required_groups.is_empty());
    assert!(v.validation().required_scopes.is_empty());
}

fn cached_verifier() -> CognitoJwtVerifier {
    let (a, b) = keys();
    let v = builder()
        .token_use(ExpectedTokenUse::Either)
        .build()
        .unwrap();
    v.hydrate_jwks(&jwks_of(&[a, b])).unwrap();
    v
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_strings_never_panic(input in ".{0,400}") {
        let v = cached_verifier();
        prop_assert!(v.verify_cached(&input).is_err());
    }

    #[test]
    fn random_segments_never_panic(
        h in "[A-Za-z0-9_=+/-]{0,80}",
        p in "[A-Za-z0-9_=+/-]{0,200}",
        s in "[A-Za-z0-9_=+/-]{0,400}",
    ) {
        let v = cached_verifier();
        let token = [h, p, s].join(".");
        prop_assert!(v.verify_cached(&token).is_err());
    }

}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn random_json_payloads_never_panic(payload in any::<Vec<(String, u8)>>()) {
        // Signed payloads of random shapes reach the claim checks.
        let (a, _) = keys();
        let map: serde_json::Map<String, Value> = payload
            .into_iter()
            .map(|(k, n)| (k, match n % 4 { 0 => json!(n), 1 => json!("s"), 2 => json!([n]), _ => Value::Null }))
            .collect();
        let token = a.sign(&Value::Object(map));
        let v = cached_verifier();
        prop_assert!(v.verify_cached(&token).is_err());
    }

    #[test]
    fn no_single_character_change_is_accepted(index in any::<prop::sample::Index>(), replacement in "[A-Za-z0-9_.=-]") {
        let (a, _) = keys();
        static TOKEN: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        let token = TOKEN.get_or_init(|| a.sign(&access_claims()));
        let i = index.index(token.len());
        let mut bytes = token.clone().into_bytes();
        prop_assume!(bytes[i] != replacement.as_bytes()[0]);
        bytes[i] = replacement.as_bytes()[0];
        let changed = String::from_utf8(bytes).unwrap();
        let v = cached_verifier();
        prop_assert!(v.verify_cached(token).is_ok());
        let refused = v.verify_cached(&changed).is_err();
        prop_assert!(refused, "accepted {}", changed);
    }
}

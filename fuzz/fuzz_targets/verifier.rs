//! The server verifier's token parsing (`CognitoJwtVerifier::verify_cached`) against a
//! fixed in-memory JWKS, with a fixed clock and the verified-token cache off.
//!
//! The first byte picks the mode: even, the rest is a compact token as is (parsing and
//! header checks; the signature only verifies for seeds signed with the key below); odd,
//! the rest is `header JSON` `\n` `payload JSON` (or just the payload, under a fixed
//! header), which is signed with the key here, so the fuzzer reaches the claim checks.
#![no_main]

use std::sync::OnceLock;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use leptos_cognito_auth::ssr::{
    CognitoJwtVerifier, ExpectedTokenUse, JwksFetchError, TokenUse, VerifyError,
};
use libfuzzer_sys::fuzz_target;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::PublicKeyComponents;
use aws_lc_rs::signature::{KeyPair as _, RsaKeyPair, RSA_PKCS1_SHA256};

const ISSUER: &str = "http://127.0.0.1:9229/us-east-1_LocalPool";
const CLIENT: &str = "local-spa-client";
const KID: &str = "fuzz-kid-1";
/// 2023-11-14T22:13:20Z.
const NOW: u64 = 1_700_000_000;
/// The local emulator's development signing key (public in the repository).
const KEY_PEM: &str = include_str!("../../cognito-local/keys/dev-access-token-key.pem");
const DEFAULT_HEADER: &str = r#"{"kid":"fuzz-kid-1","alg":"RS256"}"#;

struct Fixture {
    key: RsaKeyPair,
    /// Any token use, one app client.
    plain: CognitoJwtVerifier,
    /// Access tokens only, group `admin` and scope `openid` required.
    strict: CognitoJwtVerifier,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let pem_body: String = KEY_PEM
            .lines()
            .filter(|line| !line.starts_with("-----"))
            .collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(pem_body)
            .expect("the dev key is base64");
        let key = RsaKeyPair::from_der(&der).expect("the dev key parses");
        let public = PublicKeyComponents::<Vec<u8>>::from(key.public_key());
        let jwks = serde_json::json!({ "keys": [{
            "kty": "RSA", "kid": KID, "use": "sig", "alg": "RS256",
            "n": URL_SAFE_NO_PAD.encode(&public.n),
            "e": URL_SAFE_NO_PAD.encode(&public.e),
        }]})
        .to_string();
        let build = |strict: bool| {
            let mut builder = CognitoJwtVerifier::for_issuer(ISSUER)
                .client_id(CLIENT)
                .clock(|| NOW)
                .verified_token_cache(0)
                .jwks_fetcher(|_url: String| async {
                    Err::<Vec<u8>, _>(JwksFetchError("no network while fuzzing".into()))
                });
            if strict {
                builder = builder
                    .token_use(ExpectedTokenUse::Access)
                    .require_group("admin")
                    .require_scope("openid");
            }
            let verifier = builder.build().expect("a valid verifier");
            verifier
                .hydrate_jwks(jwks.as_bytes())
                .expect("the JWKS loads");
            verifier
        };
        Fixture {
            plain: build(false),
            strict: build(true),
            key,
        }
    })
}

fn sign(key: &RsaKeyPair, header: &[u8], payload: &[u8]) -> String {
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(payload)
    );
    let mut signature = vec![0; key.public_modulus_len()];
    key.sign(
        &RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        input.as_bytes(),
        &mut signature,
    )
    .expect("signing works");
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
}

fn check(result: Result<leptos_cognito_auth::ssr::VerifiedUser, VerifyError>, strict: bool) {
    match result {
        Ok(user) => {
            assert_eq!(user.client_id(), CLIENT);
            assert!(
                user.expires_at() + 60 >= NOW,
                "an expired token was accepted"
            );
            assert!(user.issued_at().is_none_or(|iat| iat <= NOW + 60));
            // The claim map is read from the token on demand, after checks that read only
            // some claims: both readings agree.
            assert_eq!(
                user.claims().get("iss").and_then(|v| v.as_str()),
                Some(ISSUER)
            );
            assert_eq!(
                user.claims().get("sub").and_then(|v| v.as_str()),
                Some(user.sub())
            );
            if strict {
                assert_eq!(user.token_use(), TokenUse::Access);
                assert!(user.in_group("admin") && user.has_scope("openid"));
            }
        }
        Err(error) => {
            assert!(!error.code().is_empty());
            assert!(matches!(error.status(), 401 | 403 | 503), "{error:?}");
            let _ = error.to_string();
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((mode, rest)) = data.split_first() else {
        return;
    };
    let fixture = fixture();
    let token = if mode % 2 == 0 {
        String::from_utf8_lossy(rest).into_owned()
    } else {
        let (header, payload) = match rest.iter().position(|&b| b == b'\n') {
            Some(at) => (&rest[..at], &rest[at + 1..]),
            None => (DEFAULT_HEADER.as_bytes(), rest),
        };
        // An RSA-2048 signature costs milliseconds under the sanitizer: sign only what can
        // get past the signature to the claim checks (a JSON object header and payload);
        // anything else gets a junk signature, which is refused before the claims are read.
        let object =
            |b: &[u8]| matches!(serde_json::from_slice(b), Ok(serde_json::Value::Object(_)));
        if object(header) && object(payload) {
            sign(&fixture.key, header, payload)
        } else {
            format!(
                "{}.{}.{}",
                URL_SAFE_NO_PAD.encode(header),
                URL_SAFE_NO_PAD.encode(payload),
                URL_SAFE_NO_PAD.encode([0u8; 256])
            )
        }
    };
    check(fixture.plain.verify_cached(&token), false);
    check(fixture.strict.verify_cached(&token), true);
});

//! Which JWKS entries become keys: a JWK whose `alg` is not the token's, a JWK for
//! encryption, an RSA key under 2048 bits, public exponents other than 65537, and a `kid`
//! listed twice. Each crafted token fails with its exact code.
//!
//! The odd keys (1024 bits; e = 3) were made with `tests/fixtures/make-odd-keys.sh`.
#![cfg(all(feature = "ssr", not(target_arch = "wasm32")))]

#[path = "verifier_support.rs"]
mod support;

use aws_lc_rs::digest::{digest, SHA256};
use leptos_cognito_auth::ssr::CognitoJwtVerifier;
use serde_json::{json, Value};
use support::*;

/// A fixture key: its public JWK and an access token it signed (valid at [`NOW`]).
struct OddKey {
    jwk: Value,
    token: String,
}

fn odd_key(json: &str) -> OddKey {
    let fixture: Value = serde_json::from_str(json).expect("fixture");
    OddKey {
        jwk: fixture["jwk"].clone(),
        token: fixture["token"].as_str().expect("token").to_owned(),
    }
}

fn short_1024() -> OddKey {
    odd_key(include_str!("fixtures/short-1024.json"))
}

fn e3_2048() -> OddKey {
    odd_key(include_str!("fixtures/e3-2048.json"))
}

/// A verifier (pool, client, clock of the support module) whose JWKS is `keys`.
fn verifier_of(keys: &[Value]) -> (CognitoJwtVerifier, Fetcher) {
    let body = json!({ "keys": keys }).to_string().into_bytes();
    let fetcher = Fetcher::new(body);
    let verifier = fetcher.install(builder()).build().expect("verifier");
    (verifier, fetcher)
}

/// The code `token` is refused with by a verifier whose JWKS is `keys`.
async fn refusal(keys: &[Value], token: &str) -> &'static str {
    let (verifier, _) = verifier_of(keys);
    verifier.verify(token).await.expect_err("refused").code()
}

#[tokio::test]
async fn header_alg_disagreeing_with_the_jwks_alg() {
    let (a, b) = keys();
    let by_a = a.sign(&access_claims());
    // Key A published for another algorithm: a token naming it with `alg: RS256` is
    // refused, though its RS256 signature by that very key is valid.
    for alg in ["RS512", "RS384", "PS256", "ES256", "HS256", "none", "rs256"] {
        let jwks = [with(a.jwk(), json!({ "alg": alg })), b.jwk()];
        assert_eq!(refusal(&jwks, &by_a).await, "unknown_kid", "JWK alg {alg}");
        // Alone, it leaves no usable key at all.
        assert_eq!(
            refusal(&jwks[..1], &by_a).await,
            "jwks_unavailable",
            "JWK alg {alg}"
        );
    }
    let jwks = [with(a.jwk(), json!({ "alg": 256 })), b.jwk()];
    assert_eq!(
        refusal(&jwks, &by_a).await,
        "unknown_kid",
        "alg not a string"
    );
    // The JWK says RS256, the token another algorithm (signed with the same key, RS256).
    for alg in ["RS512", "PS256", "RS384"] {
        let token = a.sign_raw(
            &format!(r#"{{"kid":"key-a","alg":"{alg}"}}"#),
            &access_claims().to_string(),
        );
        assert_eq!(
            refusal(&[a.jwk(), b.jwk()], &token).await,
            "unsupported_alg",
            "{alg}"
        );
    }
    // A JWK without `alg` (optional in RFC 7517) is an RS256 key for an RS256 token.
    let (v, _) = verifier_of(&[with(a.jwk(), json!({ "alg": null }))]);
    assert!(v.verify(&by_a).await.is_ok());
}

#[tokio::test]
async fn a_jwk_for_encryption_is_not_a_signing_key() {
    let (a, b) = keys();
    let by_a = a.sign(&access_claims());
    for use_ in [json!("enc"), json!("SIG"), json!(""), json!(1)] {
        let jwks = [with(a.jwk(), json!({ "use": use_ })), b.jwk()];
        assert_eq!(refusal(&jwks, &by_a).await, "unknown_kid", "use {use_}");
        let (v, _) = verifier_of(&jwks);
        assert!(v.verify(&b.sign(&access_claims())).await.is_ok(), "B stays");
    }
    // Without `use` the key is a signing key.
    let (v, _) = verifier_of(&[with(a.jwk(), json!({ "use": null }))]);
    assert!(v.verify(&by_a).await.is_ok());
}

#[tokio::test]
async fn an_rsa_key_under_2048_bits_is_refused() {
    let (a, _) = keys();
    let short = short_1024();
    // Its token carries a valid RS256 signature by the 1024-bit key.
    assert_eq!(
        refusal(&[short.jwk.clone(), a.jwk()], &short.token).await,
        "unknown_kid"
    );
    assert_eq!(
        refusal(std::slice::from_ref(&short.jwk), &short.token).await,
        "jwks_unavailable"
    );
    // A modulus over 8192 bits is refused too.
    let huge = json!({"kty": "RSA", "kid": "key-huge", "alg": "RS256", "use": "sig",
        "n": b64([0xc5u8; 1032]), "e": "AQAB"});
    let token = a.sign_raw(
        r#"{"kid":"key-huge","alg":"RS256"}"#,
        &access_claims().to_string(),
    );
    assert_eq!(refusal(&[huge, a.jwk()], &token).await, "unknown_kid");
}

/// The PKCS#1 v1.5 encoding of SHA-256(`message`) for a 2048-bit key: what an RS256
/// signature decrypts to. With `e = 1` it is its own valid signature.
fn pkcs1_sha256_encoding(message: &[u8]) -> Vec<u8> {
    const DIGEST_INFO: [u8; 19] = [
        0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
        0x05, 0x00, 0x04, 0x20,
    ];
    let hash = digest(&SHA256, message);
    let mut em = vec![0x00, 0x01];
    em.resize(256 - DIGEST_INFO.len() - 32 - 1, 0xff);
    em.push(0x00);
    em.extend_from_slice(&DIGEST_INFO);
    em.extend_from_slice(hash.as_ref());
    em
}

#[tokio::test]
async fn public_exponents_other_than_65537() {
    let (a, b) = keys();
    // e = 3: aws-lc accepts it (any odd e from 3 to 2^33 - 1), and the check is exact: the
    // key's own signature verifies, a changed token does not.
    let e3 = e3_2048();
    assert_eq!(e3.jwk["e"], "Aw");
    let (v, _) = verifier_of(std::slice::from_ref(&e3.jwk));
    let user = v.verify(&e3.token).await.expect("an e = 3 key's signature");
    assert_eq!(user.username(), Some("alice"));
    let (head, signature) = e3.token.rsplit_once('.').unwrap();
    let mut changed = signature.as_bytes().to_vec();
    changed[5] = if changed[5] == b'A' { b'B' } else { b'A' };
    let changed = format!("{head}.{}", String::from_utf8(changed).unwrap());
    assert_eq!(
        v.verify(&changed).await.unwrap_err().code(),
        "bad_signature"
    );

    // e = 1 would make every padded hash its own signature: such a key is refused, and the
    // forgery with it fails.
    let header = r#"{"kid":"key-e1","alg":"RS256"}"#;
    let input = format!("{}.{}", b64(header), b64(access_claims().to_string()));
    let forged = format!("{input}.{}", b64(pkcs1_sha256_encoding(input.as_bytes())));
    let e1 = with(a.jwk(), json!({ "kid": "key-e1", "e": "AQ" }));
    assert_eq!(
        refusal(&[e1.clone(), b.jwk()], &forged).await,
        "unknown_kid"
    );
    assert_eq!(refusal(&[e1], &forged).await, "jwks_unavailable");

    // Which exponents aws-lc takes: with key A's modulus, an accepted exponent gives a key
    // (A's signature then does not verify: bad_signature), a refused one none (unknown_kid).
    let by_a = a.sign(&access_claims());
    for e in [
        b64([3u8]),
        b64([17u8]),
        b64([1u8, 0, 0, 0, 1]),
        b64([1u8, 0xff, 0xff, 0xff, 0xff]),
    ] {
        let jwks = [with(a.jwk(), json!({ "e": e })), b.jwk()];
        assert_eq!(refusal(&jwks, &by_a).await, "bad_signature", "e {e}");
    }
    // Even exponents, zero, and exponents over 33 bits are refused.
    for e in [
        b64([2u8]),
        b64([1u8, 0, 0]),
        b64([0u8]),
        b64([1u8, 0, 0, 0, 0, 0, 0, 0, 1]),
        b64([2u8, 0, 0, 0, 1]),
        b64([3u8, 0, 0, 0, 1]),
        String::new(),
    ] {
        let jwks = [with(a.jwk(), json!({ "e": e })), b.jwk()];
        assert_eq!(refusal(&jwks, &by_a).await, "unknown_kid", "e {e}");
    }
    // 65537 with leading zero bytes is still 65537.
    let (v, _) = verifier_of(&[with(a.jwk(), json!({ "e": b64([0u8, 0, 1, 0, 1]) }))]);
    assert!(v.verify(&by_a).await.is_ok());
}

#[tokio::test]
async fn a_kid_listed_twice_for_different_keys_names_neither() {
    let (a, b) = keys();
    let b_as_a = with(b.jwk(), json!({ "kid": "key-a" }));
    let by_a = a.sign(&access_claims());
    let by_b_as_a = b.sign_raw(
        r#"{"kid":"key-a","alg":"RS256"}"#,
        &access_claims().to_string(),
    );
    for jwks in [
        vec![a.jwk(), b_as_a.clone(), b.jwk()],
        vec![b_as_a.clone(), a.jwk(), b.jwk()],
    ] {
        assert_eq!(refusal(&jwks, &by_a).await, "unknown_kid");
        assert_eq!(refusal(&jwks, &by_b_as_a).await, "unknown_kid");
        let (v, _) = verifier_of(&jwks);
        assert!(
            v.verify(&b.sign(&access_claims())).await.is_ok(),
            "other kids stay usable"
        );
    }
    // Only ambiguous kids: no usable key.
    assert_eq!(
        refusal(&[a.jwk(), b_as_a.clone()], &by_a).await,
        "jwks_unavailable"
    );
    // A kid shared with a key aws-lc refuses (1024 bits) is ambiguous as well.
    let short_as_a = with(short_1024().jwk, json!({ "kid": "key-a" }));
    assert_eq!(
        refusal(&[short_as_a, a.jwk(), b.jwk()], &by_a).await,
        "unknown_kid"
    );
    // The same key listed twice (even with leading zeros) is one key.
    let a_padded = with(a.jwk(), json!({ "e": b64([0u8, 1, 0, 1]) }));
    let (v, _) = verifier_of(&[a.jwk(), a_padded, b.jwk()]);
    assert!(v.verify(&by_a).await.is_ok());
    // An encryption key sharing the kid is not a signing key, so it makes nothing
    // ambiguous.
    let enc = with(b.jwk(), json!({ "kid": "key-a", "use": "enc" }));
    let (v, _) = verifier_of(&[enc, a.jwk()]);
    assert!(v.verify(&by_a).await.is_ok());
}

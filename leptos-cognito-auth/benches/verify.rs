//! What server-side verification costs: one Cognito access token verified again and again,
//! and a realistic mix (many users, each user's token reused across requests), through
//! `CognitoJwtVerifier::verify` with a warm JWKS cache (what a busy API sees).
//!
//! `cargo bench -p leptos-cognito-auth --features ssr --bench verify` runs criterion.
//! With `VERIFY_BENCH_EXPORT=<dir>` it instead writes the tokens, the JWKS and the settings
//! to `<dir>` (for `scripts/bench-verify.sh`, which runs AWS's `aws-jwt-verify` on the same
//! files), measures the same two workloads in a plain timed loop, and writes
//! `<dir>/rust-results.json`, with the floor of the full check beside them: the RS256
//! signature check alone (aws-lc-rs, key parsed once), on the same token.

use std::hint::black_box;
use std::time::{Duration, Instant};

use aws_lc_rs::encoding::AsDer as _;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::PublicKeyComponents;
use aws_lc_rs::signature::{
    KeyPair as _, ParsedPublicKey, RsaKeyPair, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256,
};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use criterion::{criterion_group, Criterion};
use leptos_cognito_auth::ssr::{CognitoJwtVerifier, ExpectedTokenUse};
use serde_json::{json, Value};

const POOL: &str = "eu-west-1_BenchPool";
const CLIENT: &str = "bench-client-id";
/// Users in the realistic mix; each has one access token, used for many requests.
const USERS: usize = 1000;

fn issuer() -> String {
    format!("https://cognito-idp.eu-west-1.amazonaws.com/{POOL}")
}

fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

struct Key {
    kid: &'static str,
    private: RsaKeyPair,
}

/// The DER inside a PKCS#1 PEM key.
fn pem_to_der(pem: &str) -> Vec<u8> {
    use base64::engine::general_purpose::STANDARD;
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    STANDARD.decode(body).expect("PEM body")
}

fn keys() -> [Key; 2] {
    let load = |kid, pem: &str| Key {
        kid,
        private: RsaKeyPair::from_der(&pem_to_der(pem)).expect("bench key"),
    };
    [
        load(
            "bench-id-key",
            include_str!("../../cognito-local/keys/dev-id-token-key.pem"),
        ),
        load(
            "bench-access-key",
            include_str!("../../cognito-local/keys/dev-access-token-key.pem"),
        ),
    ]
}

fn jwks(keys: &[Key]) -> Value {
    json!({ "keys": keys.iter().map(|k| {
        let public = PublicKeyComponents::<Vec<u8>>::from(k.private.public_key());
        json!({ "kty": "RSA", "alg": "RS256", "use": "sig", "kid": k.kid,
                "n": b64(&public.n), "e": b64(&public.e) })
    }).collect::<Vec<_>>() })
}

/// A Cognito-shaped access token for user `i`, valid for a day from now.
fn access_token(key: &Key, i: usize, now: u64) -> String {
    let header = json!({ "kid": key.kid, "alg": "RS256" });
    let claims = json!({
        "sub": format!("{i:08x}-5e1d-4c1b-9a7e-0123456789ab"),
        "cognito:groups": if i.is_multiple_of(10) { json!(["admin", "users"]) } else { json!(["users"]) },
        "iss": issuer(), "version": 2, "client_id": CLIENT,
        "origin_jti": format!("{i:08x}-origin"), "token_use": "access",
        "scope": "openid email profile aws.cognito.signin.user.admin",
        "auth_time": now - 60, "exp": now + 86_400, "iat": now - 60,
        "jti": format!("{i:08x}-jti"), "username": format!("user{i}"),
    });
    let input = format!("{}.{}", b64(header.to_string()), b64(claims.to_string()));
    let mut signature = vec![0; key.private.public_modulus_len()];
    key.private
        .sign(
            &RSA_PKCS1_SHA256,
            &SystemRandom::new(),
            input.as_bytes(),
            &mut signature,
        )
        .expect("sign");
    format!("{input}.{}", b64(signature))
}

struct Fixture {
    /// The public key that signed `single`, parsed once (for the bare signature check).
    single_key: ParsedPublicKey,
    jwks: Value,
    single: String,
    mix: Vec<String>,
    /// Request order of the mix: user indexes, each user appearing many times.
    requests: Vec<usize>,
}

fn fixture() -> Fixture {
    let keys = keys();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let mix: Vec<String> = (0..USERS)
        .map(|i| access_token(&keys[i % 2], i, now))
        .collect();
    // A skewed but deterministic request stream: a few busy users, a long tail.
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let requests = (0..100_000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let r = (state % 1_000_000) as f64 / 1_000_000.0;
            ((r * r * r) * USERS as f64) as usize % USERS
        })
        .collect();
    let der = keys[1]
        .private
        .public_key()
        .as_der()
        .expect("public key DER");
    Fixture {
        single_key: ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, der.as_ref())
            .expect("public key"),
        jwks: jwks(&keys),
        single: mix[1].clone(),
        mix,
        requests,
    }
}

/// A verifier with the JWKS loaded; `remember` keeps the default verified-token cache,
/// otherwise every request pays for the full check (RSA included), as aws-jwt-verify does.
fn verifier(jwks: &Value, remember: bool) -> CognitoJwtVerifier {
    let mut builder = CognitoJwtVerifier::for_user_pool(POOL)
        .client_id(CLIENT)
        .token_use(ExpectedTokenUse::Access);
    if !remember {
        builder = builder.verified_token_cache(0);
    }
    let verifier = builder.build().expect("verifier");
    verifier
        .hydrate_jwks(jwks.to_string().as_bytes())
        .expect("jwks");
    verifier
}

fn benches(c: &mut Criterion) {
    let fx = fixture();
    let mut group = c.benchmark_group("verify");
    for (remember, label) in [(false, "full check"), (true, "verified-token cache")] {
        let verifier = verifier(&fx.jwks, remember);
        group.bench_function(format!("one token, repeatedly ({label})"), |b| {
            b.iter(|| {
                futures::executor::block_on(verifier.verify(black_box(&fx.single))).expect("valid")
            })
        });
        let mut next = 0usize;
        group.bench_function(format!("1000 users, skewed reuse ({label})"), |b| {
            b.iter(|| {
                let token = &fx.mix[fx.requests[next % fx.requests.len()]];
                next += 1;
                futures::executor::block_on(verifier.verify(black_box(token))).expect("valid")
            })
        });
    }
    group.finish();
}

/// Verifications per second over `duration`, going through `tokens` in order (and again).
fn throughput(verifier: &CognitoJwtVerifier, tokens: &[&str], duration: Duration) -> f64 {
    for token in tokens.iter().take(200) {
        futures::executor::block_on(verifier.verify(token)).expect("valid");
    }
    let start = Instant::now();
    let mut done = 0usize;
    while start.elapsed() < duration {
        for _ in 0..500 {
            let token = tokens[done % tokens.len()];
            futures::executor::block_on(verifier.verify(black_box(token))).expect("valid");
            done += 1;
        }
    }
    done as f64 / start.elapsed().as_secs_f64()
}

/// RS256 signature checks per second of `token` with `key` alone: no decoding, no claims.
fn bare_throughput(key: &ParsedPublicKey, token: &str, duration: Duration) -> f64 {
    let (input, signature) = token.rsplit_once('.').expect("a JWS");
    let signature = URL_SAFE_NO_PAD.decode(signature).expect("base64url");
    let start = Instant::now();
    let mut done = 0usize;
    while start.elapsed() < duration {
        for _ in 0..500 {
            key.verify_sig(black_box(input.as_bytes()), black_box(&signature))
                .expect("valid");
            done += 1;
        }
    }
    done as f64 / start.elapsed().as_secs_f64()
}

fn export(dir: &str) {
    let fx = fixture();
    std::fs::create_dir_all(dir).expect("export dir");
    let write = |name: &str, value: &Value| {
        std::fs::write(format!("{dir}/{name}"), value.to_string()).expect("write fixture")
    };
    write("jwks.json", &fx.jwks);
    write(
        "tokens.json",
        &json!({
            "userPoolId": POOL, "clientId": CLIENT, "issuer": issuer(),
            "single": fx.single, "mix": fx.mix, "requests": fx.requests,
        }),
    );
    let seconds: u64 = std::env::var("VERIFY_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let duration = Duration::from_secs(seconds);
    let stream: Vec<&str> = fx.requests.iter().map(|&i| fx.mix[i].as_str()).collect();
    let mut results = serde_json::Map::new();
    for (remember, suffix) in [(false, ""), (true, "_cached")] {
        let single = throughput(&verifier(&fx.jwks, remember), &[&fx.single], duration);
        let mix = throughput(&verifier(&fx.jwks, remember), &stream, duration);
        println!(
            "rust leptos-cognito-auth{}: single {single:.0}/s, mix {mix:.0}/s",
            if remember {
                " (verified-token cache)"
            } else {
                " (full check)"
            }
        );
        results.insert(format!("single{suffix}_per_sec"), json!(single));
        results.insert(format!("mix{suffix}_per_sec"), json!(mix));
    }
    let bare = bare_throughput(&fx.single_key, &fx.single, duration);
    println!("rust RS256 signature check alone (aws-lc-rs): {bare:.0}/s");
    results.insert("bare_signature_per_sec".to_owned(), json!(bare));
    write("rust-results.json", &Value::Object(results));
}

criterion_group!(verify, benches);

fn main() {
    if let Ok(dir) = std::env::var("VERIFY_BENCH_EXPORT") {
        export(&dir);
        return;
    }
    verify();
    Criterion::default().configure_from_args().final_summary();
}

//! `IdToken::parse` and `AccessToken::parse` (the browser's JWT claim decoder).
//!
//! The first byte picks the mode: even, the rest is a compact token as is; odd, the rest is
//! a payload (normally JSON) that is base64url-encoded behind a fixed RS256 header, so the
//! fuzzer reaches the claim reading without having to discover base64url first.
#![no_main]

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use leptos_cognito_auth::{AccessToken, CognitoSession, IdToken};
use libfuzzer_sys::fuzz_target;

const HEADER: &str = r#"{"kid":"fuzz-kid","alg":"RS256"}"#;

fn token(data: &[u8]) -> String {
    match data.split_first() {
        Some((mode, rest)) if mode % 2 == 1 => format!(
            "{}.{}.c2lnbmF0dXJl",
            URL_SAFE_NO_PAD.encode(HEADER),
            URL_SAFE_NO_PAD.encode(rest)
        ),
        Some((_, rest)) => String::from_utf8_lossy(rest).into_owned(),
        None => String::new(),
    }
}

fuzz_target!(|data: &[u8]| {
    let jwt = token(data);
    if let Ok(id) = IdToken::parse(&jwt) {
        assert_eq!(id.jwt_token(), jwt);
        let _ = (
            id.expiration(),
            id.issued_at(),
            id.auth_time(),
            id.sub(),
            id.issuer(),
        );
        let _ = (id.token_use(), id.groups(), id.username(), id.email());
        let _ = (id.email_verified(), id.audience(), id.nonce());
        let _ = format!("{id:?}");
    }
    if let Ok(access) = AccessToken::parse(&jwt) {
        assert_eq!(access.jwt_token(), jwt);
        let _ = (access.expiration(), access.groups(), access.username());
        let _ = (
            access.scopes(),
            access.client_id(),
            access.claims().as_map().len(),
        );
        let _ = format!("{access:?}");
        // A session over it: validity arithmetic must not overflow at any time.
        if let Ok(session) = CognitoSession::from_tokens(Some(&jwt), &jwt, None, "openid") {
            for now in [0, 1_700_000_000, u64::MAX] {
                let _ = session.validity(now, 60);
                let _ = session.validity(now, u64::MAX);
            }
            let _ = (session.username(), session.expires_at());
        }
    }
});

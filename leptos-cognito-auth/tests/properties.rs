#![cfg(not(target_arch = "wasm32"))]
//! Property tests: random and adversarial input to every parser never panics, and what
//! the core builds, it can read back.

use leptos_cognito_auth::protocol::{CallbackResponse, CognitoStorage, TokenSet};
use leptos_cognito_auth::{AccessToken, HttpResponse, IdToken, MemoryStorage, Storage};
use proptest::prelude::*;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 2_000,
        ..ProptestConfig::default()
    }
}

/// Strings built from the characters that matter to URL and form parsing.
fn url_like() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("?".to_owned()),
            Just("#".to_owned()),
            Just("&".to_owned()),
            Just("=".to_owned()),
            Just("%".to_owned()),
            Just("%FF".to_owned()),
            Just("%2".to_owned()),
            Just("+".to_owned()),
            Just("/".to_owned()),
            Just("code".to_owned()),
            Just("state".to_owned()),
            Just("error".to_owned()),
            Just("access_token".to_owned()),
            Just("id_token".to_owned()),
            Just("expires_in".to_owned()),
            Just("token_type".to_owned()),
            Just("http://localhost:3000/callback".to_owned()),
            "[a-zA-Z0-9._~-]{0,8}",
            any::<String>(),
        ],
        0..24,
    )
    .prop_map(|parts| parts.concat())
}

fn b64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn callback_parser_never_panics(url in url_like()) {
        if let Ok(response) = CallbackResponse::parse(&url) {
            // Whatever it accepted has a consistent shape.
            let _ = response.state();
        }
    }

    #[test]
    fn callback_parser_reads_back_any_code_and_state(code in "\\PC{1,40}", state in "\\PC{0,40}", route in "(#/[a-z]{0,8})?") {
        let url = format!(
            "http://localhost:3000/callback?code={}&state={}{route}",
            percent_encoding::utf8_percent_encode(&code, percent_encoding::NON_ALPHANUMERIC),
            percent_encoding::utf8_percent_encode(&state, percent_encoding::NON_ALPHANUMERIC),
        );
        match CallbackResponse::parse(&url).unwrap() {
            CallbackResponse::Code { code: c, state: s } => {
                prop_assert_eq!(c.expose(), code.as_str());
                prop_assert_eq!(s.as_deref(), Some(state.as_str()));
            }
            other => prop_assert!(false, "{:?}", other),
        }
    }

    #[test]
    fn jwt_decoder_never_panics(token in url_like()) {
        let _ = IdToken::parse(&token);
        let _ = AccessToken::parse(&token);
    }

    #[test]
    fn jwt_decoder_never_panics_on_structured_junk(
        header in proptest::collection::vec(any::<u8>(), 0..64),
        payload in proptest::collection::vec(any::<u8>(), 0..256),
        sig in "[A-Za-z0-9_=-]{0,16}",
    ) {
        let token = format!("{}.{}.{sig}", b64(&header), b64(&payload));
        let _ = IdToken::parse(&token);
        let _ = AccessToken::parse(&token);
    }

    #[test]
    fn jwt_decoder_reads_any_utf8_username(name in "\\PC{1,30}", exp in 0u64..4_000_000_000) {
        let payload = serde_json::json!({"cognito:username": name, "username": name, "exp": exp});
        let token = format!("{}.{}.sig", b64(br#"{"alg":"RS256"}"#), b64(payload.to_string().as_bytes()));
        let id = IdToken::parse(&token).unwrap();
        prop_assert_eq!(id.username(), Some(name.as_str()));
        prop_assert_eq!(id.expiration(), exp);
        let access = AccessToken::parse(&token).unwrap();
        prop_assert_eq!(access.username(), Some(name.as_str()));
    }

    #[test]
    fn token_response_parser_never_panics(status in prop_oneof![Just(200u16), Just(400), Just(401), Just(500), 100u16..600], body in prop_oneof![
        any::<String>(),
        Just(r#"{"access_token":"a","token_type":"Bearer"}"#.to_owned()),
        "\\{\"(access_token|id_token|refresh_token|error|expires_in|token_type)\":(\"[a-z]{0,5}\"|[0-9]{1,3}|null|\\[\\]|\\{\\})\\}",
    ]) {
        let _ = TokenSet::from_response(&HttpResponse::new(status, body));
    }

    #[test]
    fn storage_reader_never_panics_and_cleans_up(
        user in prop_oneof![Just("alice".to_owned()), any::<String>()],
        id in url_like(), access in url_like(), refresh in any::<String>(), scopes in any::<String>(),
    ) {
        let storage = MemoryStorage::new();
        let p = "CognitoIdentityServiceProvider.client";
        storage.set(&format!("{p}.LastAuthUser"), &user).unwrap();
        storage.set(&format!("{p}.{user}.idToken"), &id).unwrap();
        storage.set(&format!("{p}.{user}.accessToken"), &access).unwrap();
        storage.set(&format!("{p}.{user}.refreshToken"), &refresh).unwrap();
        storage.set(&format!("{p}.{user}.tokenScopesString"), &scopes).unwrap();
        let state = "c3RhdGUtc3RhdGUtc3RhdGU";
        let pending_key = format!("{p}.pendingSignIn.{state}");
        storage.set(&pending_key, &id).unwrap();
        // The single key of earlier versions.
        let legacy_key = format!("{p}.pendingSignIn");
        storage.set(&legacy_key, &access).unwrap();
        let store = CognitoStorage::new(&storage, "client");
        let last_user_key = format!("{p}.LastAuthUser");
        // Reading never writes; the clean-up (page start, sign-in start) removes what
        // cannot be read.
        let keys = storage.keys();
        let loaded = store.load();
        let peeked = store.peek_pending(state);
        prop_assert_eq!(storage.keys(), keys, "a read never writes");
        store.clean_up(None);
        prop_assert_eq!(store.load(), loaded.clone());
        prop_assert_eq!(store.peek_pending(state), peeked);
        if store.load().is_none() {
            prop_assert!(storage.get(&last_user_key).is_none(), "a broken session is removed");
        }
        prop_assert!(storage.get(&legacy_key).is_none(), "the old pending key is removed");
        if store.peek_pending(state).is_none() {
            prop_assert!(storage.get(&pending_key).is_none(), "a broken pending record is removed");
        }
    }
}

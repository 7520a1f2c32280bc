//! The storage reader: `CognitoStorage::load` and `peek_pending` (for every pending key) over a `MemoryStorage` filled
//! from the input, which is lines of `key<TAB>value`.
//!
//! - A key starting with `.` is relative to the app client's prefix
//!   (`.LastAuthUser` is `CognitoIdentityServiceProvider.local-spa-client.LastAuthUser`).
//! - A value starting with `~` is a JWT payload: the rest is base64url-encoded behind a
//!   fixed header, so the fuzzer mutates claims rather than base64.
//!
//! Checked: nothing panics; whatever is read back can be saved and read again unchanged;
//! an unreadable session or pending record is removed, every key of the client with it.
#![no_main]

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use leptos_cognito_auth::protocol::CognitoStorage;
use leptos_cognito_auth::{MemoryStorage, Storage};
use libfuzzer_sys::fuzz_target;

const CLIENT: &str = "local-spa-client";
const PREFIX: &str = "CognitoIdentityServiceProvider.local-spa-client";

fn fill(storage: &MemoryStorage, text: &str) {
    for line in text.split('\n') {
        let (key, value) = line.split_once('\t').unwrap_or((line, ""));
        let key = match key.strip_prefix('.') {
            Some(rest) => format!("{PREFIX}.{rest}"),
            None => key.to_owned(),
        };
        let value = match value.strip_prefix('~') {
            Some(payload) => format!(
                "{}.{}.c2ln",
                URL_SAFE_NO_PAD.encode(r#"{"kid":"k","alg":"RS256"}"#),
                URL_SAFE_NO_PAD.encode(payload)
            ),
            None => value.to_owned(),
        };
        storage
            .set(&key, &value)
            .expect("memory storage accepts everything");
    }
}

fn client_keys(storage: &MemoryStorage) -> usize {
    let dotted = format!("{PREFIX}.");
    storage
        .keys()
        .iter()
        .filter(|k| k.starts_with(&dotted))
        .count()
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let storage = MemoryStorage::new();
    fill(&storage, &text);
    let store = CognitoStorage::new(storage.clone(), CLIENT);
    let last_user_key = store.keys().last_auth_user();

    // Reading never writes: every read below leaves the storage as it was.
    let snapshot = |s: &MemoryStorage| -> Vec<(String, Option<String>)> {
        s.keys().into_iter().map(|k| { let v = s.get(&k); (k, v) }).collect()
    };
    let untouched = snapshot(&storage);
    let prefix = store.keys().pending_sign_in_prefix();
    let pending_keys: Vec<String> = storage
        .keys()
        .into_iter()
        .filter(|k| k.strip_prefix(&prefix).is_some_and(|r| r.starts_with('.')))
        .collect();
    let _ = store.load();
    for key in &pending_keys {
        if let Some(state) = key.strip_prefix(&prefix).and_then(|r| r.strip_prefix('.')) {
            let _ = store.peek_pending(state);
        }
    }
    assert_eq!(snapshot(&storage), untouched, "a read never writes");
    let had_user = storage.get(&last_user_key).is_some();
    let readable = store.load();
    store.clean_up(None);

    // Every pending record: one readable under its own state's key, or removed by the
    // clean-up (keys that merely share the prefix, like a user named `pendingSignIn`'s,
    // stay).
    for key in storage.keys() {
        let Some(state) = key.strip_prefix(&prefix).and_then(|r| r.strip_prefix('.')) else {
            continue;
        };
        let token_like = (22..=128).contains(&state.len())
            && state
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        match store.peek_pending(state) {
            Some(pending) => {
                assert!(token_like);
                assert_eq!(pending.state, state);
                let again = CognitoStorage::new(MemoryStorage::new(), CLIENT);
                again.save_pending(&pending).expect("saved");
                assert_eq!(again.peek_pending(state), Some(pending));
                // Peeking does not consume.
                assert!(storage.get(&key).is_some());
            }
            None if token_like => assert!(storage.get(&key).is_none(), "a bad record is removed"),
            None => assert!(storage.get(&key).is_some(), "not ours to remove"),
        }
    }
    // The clean-up keeps a readable session as it was.
    assert_eq!(store.load(), readable);

    match store.load() {
        Some(session) => {
            assert!(session.username().is_some());
            let again = CognitoStorage::new(MemoryStorage::new(), CLIENT);
            again.save(&session).expect("saved");
            assert_eq!(again.load(), Some(session));
        }
        None if had_user => assert_eq!(client_keys(&storage), 0, "a bad session is cleaned"),
        None => {}
    }
    // Reading twice gives the same answer (nothing half-removed).
    let first = store.load();
    assert_eq!(store.load(), first);
    store.clear();
    assert_eq!(client_keys(&storage), 0);
});

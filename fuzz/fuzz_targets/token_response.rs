//! `TokenSet::from_response` on an arbitrary status and body. The first byte picks the
//! status (mostly 200, then the statuses Cognito and proxies send), the rest is the body.
#![no_main]

use leptos_cognito_auth::protocol::TokenSet;
use leptos_cognito_auth::{AuthError, HttpResponse};
use libfuzzer_sys::fuzz_target;

const STATUSES: [u16; 16] = [
    200, 200, 200, 200, 200, 200, 400, 401, 403, 404, 429, 500, 502, 503, 204, 302,
];

fuzz_target!(|data: &[u8]| {
    let Some((first, rest)) = data.split_first() else {
        return;
    };
    let status = STATUSES[usize::from(first % 16)];
    let mut response = HttpResponse::new(status, String::from_utf8_lossy(rest));
    if first & 0x10 != 0 {
        response
            .headers
            .push(("Content-Type".to_owned(), "application/json".to_owned()));
    }
    match TokenSet::from_response(&response) {
        Ok(tokens) => {
            assert_eq!(status, 200);
            assert!(!tokens.access_token.is_empty());
            assert!(tokens.id_token.as_ref().is_none_or(|t| !t.is_empty()));
            assert!(tokens.refresh_token.as_ref().is_none_or(|t| !t.is_empty()));
        }
        Err(error) => {
            // Every error has a stable code and reads as text.
            assert!(!error.code().is_empty());
            let _ = (error.status(), error.is_transient(), error.to_string());
            if let AuthError::OAuth {
                description: Some(d),
                ..
            } = &error
            {
                assert!(d.chars().count() <= 500);
            }
        }
    }
});

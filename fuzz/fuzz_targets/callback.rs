//! `CallbackResponse::parse` on arbitrary callback URLs, then `check` against a pending
//! sign-in of each flow. Nothing may panic; an accepted response must keep its invariants.
#![no_main]

use leptos_cognito_auth::protocol::{CallbackResponse, PendingResponseType, PendingSignIn};
use libfuzzer_sys::fuzz_target;

/// A pending sign-in with `state` for `flow`.
fn pending(state: &str, flow: PendingResponseType) -> PendingSignIn {
    PendingSignIn {
        state: state.to_owned(),
        nonce: "n".to_owned(),
        code_verifier: None,
        response_type: flow,
        redirect_uri: "http://localhost:3000/callback".to_owned(),
        scopes: "openid email".to_owned(),
        return_to: "/".to_owned(),
        app_state: None,
        created_at: 0,
    }
}

fuzz_target!(|data: &[u8]| {
    let url = String::from_utf8_lossy(data);
    let Ok(response) = CallbackResponse::parse(&url) else {
        return;
    };
    match &response {
        CallbackResponse::Code { code, .. } => assert!(!code.is_empty()),
        CallbackResponse::Implicit { tokens, .. } => assert!(!tokens.access_token.is_empty()),
        CallbackResponse::Error { description, .. } => {
            if let Some(d) = description {
                assert!(d.chars().count() <= 500);
                assert!(!d.chars().any(char::is_control));
            }
        }
    }
    let state = response.state().unwrap_or("").to_owned();
    for flow in [PendingResponseType::Code, PendingResponseType::Token] {
        // Our own state: accepted when the flow matches (error responses always).
        let ours = response.check(&pending(&state, flow)).is_ok();
        let expected = response.state().is_some()
            && matches!(
                (&response, flow),
                (CallbackResponse::Error { .. }, _)
                    | (CallbackResponse::Code { .. }, PendingResponseType::Code)
                    | (
                        CallbackResponse::Implicit { .. },
                        PendingResponseType::Token
                    )
            );
        assert_eq!(ours, expected);
        // Someone else's state: always refused.
        let theirs = response.check(&pending(&format!("{state}x"), flow));
        assert!(theirs.is_err());
    }
});

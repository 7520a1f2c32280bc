//! Errors in plain words.

use crate::protocol::AuthError;

/// A sentence for people about an error, in words a user understands, followed by the
/// technical message.
///
/// ```
/// use leptos_cognito_auth::components::explain_error;
/// use leptos_cognito_auth::AuthError;
/// assert!(explain_error(&AuthError::StateMismatch).starts_with("This sign-in response was not started from this browser"));
/// ```
pub fn explain_error(error: &AuthError) -> String {
    let plain = match error.code() {
        "state_mismatch" => {
            "This sign-in response was not started from this browser, so it was ignored."
        }
        "no_pending_sign_in" => {
            "This sign-in link was already used or has expired, or the sign-in was started at \
             another address of this app (such as 127.0.0.1 instead of localhost)."
        }
        "wrong_origin" => "This page's address is not the one the sign-in returns to.",
        "tokens_expire_too_soon" => {
            "The sign-in service's tokens expire too soon for this app's settings."
        }
        "access_denied" => "Sign-in was cancelled or refused.",
        "login_required" => "There is no sign-in to continue: please sign in.",
        "invalid_grant" => {
            "The sign-in could not be completed: the code or session is no longer valid."
        }
        "network_error" => {
            "Could not reach the sign-in service. Check your connection and try again."
        }
        "timeout" => "The sign-in service did not answer in time. Try again.",
        "endpoint_error" | "invalid_response" | "server_error" | "temporarily_unavailable" => {
            "The sign-in service had a problem. Try again in a moment."
        }
        "nonce_mismatch" | "token_rejected" | "malformed_token" => {
            "The tokens received were not issued for this app, so they were refused."
        }
        "invalid_callback" => "This page was opened without a sign-in response.",
        "storage_error" => "The browser refused to store the session.",
        _ => "",
    };
    if plain.is_empty() {
        error.to_string()
    } else {
        format!("{plain} ({error})")
    }
}

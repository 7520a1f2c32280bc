//! The demo's server functions: they need a valid access token (sent by
//! [`CognitoServerFnClient`]), and `admin_report` the Cognito group `admin`.

use leptos::prelude::*;

use leptos_cognito_auth::components::CognitoServerFnClient;

/// Who the server says the caller is (the verified access token's username).
#[server(prefix = "/api", endpoint = "whoami", client = CognitoServerFnClient)]
pub async fn whoami() -> Result<String, ServerFnError> {
    let user = leptos_cognito_auth::ssr::require_user().await?;
    Ok(user.username().unwrap_or(user.sub()).to_owned())
}

/// The admin page's data: only for members of `admin` (403 `missing_group` otherwise).
#[server(prefix = "/api", endpoint = "admin_report", client = CognitoServerFnClient)]
pub async fn admin_report() -> Result<Vec<String>, ServerFnError> {
    let user = leptos_cognito_auth::ssr::require_group("admin").await?;
    Ok(vec![
        format!(
            "Verified on the server for {}",
            user.username().unwrap_or(user.sub())
        ),
        format!("Groups: {}", user.groups().join(", ")),
        format!("Token expires at {}", user.expires_at()),
    ])
}

/// The `<code>` of a server function error: the part of its message before `:`
/// (`missing_token`, `expired`, `missing_group`, ...), or the whole text.
pub fn error_code(error: &ServerFnError) -> String {
    let text = match error {
        ServerFnError::ServerError(message) => message.clone(),
        other => other.to_string(),
    };
    match text.split_once(':') {
        Some((code, _)) if !code.contains(' ') => code.to_owned(),
        _ => text,
    }
}

/// A server function's error, with its code, in `data-testid="server-error"`.
#[component]
pub fn ServerError(error: ServerFnError) -> impl IntoView {
    let code = error_code(&error);
    let text = match &error {
        ServerFnError::ServerError(message) => message.clone(),
        other => other.to_string(),
    };
    view! {
        <p class="banner error" role="alert" data-testid="server-error">
            "The server refused: " <code>{code}</code> " (" {text} ")"
        </p>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_come_from_the_message() {
        let e = ServerFnError::new("missing_group: the user is not in group admin");
        assert_eq!(error_code(&e), "missing_group");
        let e = ServerFnError::new("a message without code");
        assert_eq!(error_code(&e), "a message without code");
    }
}

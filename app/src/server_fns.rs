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

/// One of the signed-in user's sessions, as the account page lists it.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SessionRow {
    /// The handle the revoke route takes.
    pub id: String,
    /// Whether it is this browser's.
    pub current: bool,
    /// When it was made and last used (seconds since the Unix epoch).
    pub created_at: u64,
    /// When it was last used.
    pub last_seen_at: u64,
    /// The browser it was made in.
    pub user_agent: String,
}

/// The signed-in user's server sessions (server-session mode; empty otherwise), read on the
/// server from the session layer, so the account page lists them without JavaScript.
#[server(prefix = "/api", endpoint = "my_sessions")]
pub async fn my_sessions() -> Result<Vec<SessionRow>, ServerFnError> {
    let Some(sessions) = use_context::<Option<leptos_cognito_auth::ssr::ServerSession>>().flatten()
    else {
        return Ok(Vec::new());
    };
    let parts: axum::http::request::Parts = leptos_axum::extract().await?;
    let listed = sessions
        .sessions_of(&parts)
        .await
        .map_err(|e| ServerFnError::new(format!("{}: {e}", e.code())))?
        .ok_or_else(|| ServerFnError::new("no_session: no user is signed in"))?;
    Ok(listed
        .into_iter()
        .map(|s| SessionRow {
            id: s.id,
            current: s.current,
            created_at: s.created_at,
            last_seen_at: s.last_seen_at,
            user_agent: s.user_agent,
        })
        .collect())
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

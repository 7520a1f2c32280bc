//! Cognito's `/logout` endpoint (not OIDC RP-initiated logout: it takes `client_id` and
//! `logout_uri`, and ignores `id_token_hint` and `post_logout_redirect_uri`).

use super::config::CognitoConfig;
use super::encoding::form;

/// Builds `/logout` URLs in Cognito's two forms.
#[derive(Clone, Copy, Debug)]
pub struct LogoutRequest;

impl LogoutRequest {
    /// `GET /logout?client_id=...&logout_uri=<RedirectUriSignOut>`: ends the Hosted UI
    /// session and returns to the sign-out URL.
    ///
    /// ```
    /// use leptos_cognito_auth::CognitoConfig;
    /// use leptos_cognito_auth::protocol::LogoutRequest;
    /// let config = CognitoConfig::builder()
    ///     .client_id("abc")
    ///     .app_web_domain("auth.example.com")
    ///     .redirect_uri_sign_in("https://app.example.com/cb")
    ///     .redirect_uri_sign_out("https://app.example.com/")
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(
    ///     LogoutRequest::sign_out_url(&config),
    ///     "https://auth.example.com/logout?client_id=abc&logout_uri=https%3A%2F%2Fapp.example.com%2F"
    /// );
    /// ```
    pub fn sign_out_url(config: &CognitoConfig) -> String {
        format!(
            "{}/logout?{}",
            config.domain_base(),
            form(&[
                ("client_id", config.client_id()),
                ("logout_uri", config.redirect_uri_sign_out()),
            ])
        )
    }

    /// `GET /logout?client_id=...&redirect_uri=...&response_type=...&state=...&scope=...`:
    /// ends the Hosted UI session and shows the sign-in page again, to sign in as someone
    /// else. The `state` must be a pending sign-in's, as for an authorize request. This
    /// form carries no PKCE challenge, so it suits the implicit flow and confidential
    /// clients; public code-flow clients should sign out and then start a new sign-in.
    pub fn sign_in_again_url(config: &CognitoConfig, state: &str) -> String {
        let scopes = config.scopes_string();
        let mut pairs = vec![
            ("client_id", config.client_id()),
            ("redirect_uri", config.redirect_uri_sign_in()),
            ("response_type", config.response_type().as_str()),
            ("state", state),
        ];
        if !scopes.is_empty() {
            pairs.push(("scope", &scopes));
        }
        format!("{}/logout?{}", config.domain_base(), form(&pairs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::session::tests::config;

    #[test]
    fn both_forms() {
        let c = config();
        assert_eq!(
            LogoutRequest::sign_out_url(&c),
            "http://localhost:9229/logout?client_id=local-spa-client&logout_uri=http%3A%2F%2Flocalhost%3A3000%2F"
        );
        assert_eq!(
            LogoutRequest::sign_in_again_url(&c, "s1"),
            "http://localhost:9229/logout?client_id=local-spa-client&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fcallback&response_type=code&state=s1&scope=openid%20email"
        );
    }
}

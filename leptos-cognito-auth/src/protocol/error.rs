//! The kit's error type: every failure has a stable `code()` and an HTTP `status()`.

use std::fmt;

use super::config::ConfigError;
use super::http::{TransportError, TransportErrorKind};
use super::jwt::JwtError;
use super::storage::kv::StorageError;

/// An OAuth 2.0 error code, as Cognito sends it in `?error=` or in a token endpoint's
/// JSON body.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum OAuthErrorKind {
    /// `invalid_request`: a parameter is missing, repeated or malformed.
    InvalidRequest,
    /// `invalid_client`: client authentication failed.
    InvalidClient,
    /// `invalid_grant`: the code or refresh token is invalid, expired, reused or revoked,
    /// or the PKCE verifier does not match.
    InvalidGrant,
    /// `unauthorized_client`: the client may not use this flow.
    UnauthorizedClient,
    /// `unsupported_grant_type`.
    UnsupportedGrantType,
    /// `unsupported_response_type`.
    UnsupportedResponseType,
    /// `invalid_scope`.
    InvalidScope,
    /// `access_denied`: the user or the identity provider refused.
    AccessDenied,
    /// `server_error`.
    ServerError,
    /// `temporarily_unavailable`.
    TemporarilyUnavailable,
    /// `invalid_token` (RFC 6750): the bearer token is expired, revoked or malformed.
    InvalidToken,
    /// `login_required` (OpenID Connect): a sign-in with `prompt=none` found no Hosted UI
    /// session. For a silent sign-in this is a normal outcome: the user is signed out
    /// ([`AuthError::is_login_required`]).
    LoginRequired,
    /// Any other code, kept verbatim (at most 64 characters of `[a-z_]`).
    Other(String),
}

impl OAuthErrorKind {
    /// Maps Cognito's error string to a kind.
    pub fn parse(code: &str) -> Self {
        match code {
            "invalid_request" => Self::InvalidRequest,
            "invalid_client" => Self::InvalidClient,
            "invalid_grant" => Self::InvalidGrant,
            "unauthorized_client" => Self::UnauthorizedClient,
            "unsupported_grant_type" => Self::UnsupportedGrantType,
            "unsupported_response_type" => Self::UnsupportedResponseType,
            "invalid_scope" => Self::InvalidScope,
            "access_denied" => Self::AccessDenied,
            "server_error" => Self::ServerError,
            "temporarily_unavailable" => Self::TemporarilyUnavailable,
            "invalid_token" => Self::InvalidToken,
            "login_required" => Self::LoginRequired,
            other => Self::Other(
                other
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .take(64)
                    .collect(),
            ),
        }
    }

    /// The stable code: the OAuth string for known kinds, `oauth_error` otherwise.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::UnsupportedResponseType => "unsupported_response_type",
            Self::InvalidScope => "invalid_scope",
            Self::AccessDenied => "access_denied",
            Self::ServerError => "server_error",
            Self::TemporarilyUnavailable => "temporarily_unavailable",
            Self::InvalidToken => "invalid_token",
            Self::LoginRequired => "login_required",
            Self::Other(_) => "oauth_error",
        }
    }

    /// The code as Cognito sent it.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Other(s) => s,
            known => known.code(),
        }
    }
}

/// Everything that can go wrong in the Cognito client.
///
/// Match on [`AuthError::code`] for a stable, `snake_case` identifier (it is what the
/// components show and what server functions carry), and use [`AuthError::status`] when
/// answering an HTTP request.
///
/// ```
/// use leptos_cognito_auth::AuthError;
/// let err = AuthError::StateMismatch;
/// assert_eq!(err.code(), "state_mismatch");
/// assert_eq!(err.status(), 400);
/// ```
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The configuration is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The callback URL is not a Hosted UI response (no `code`, no tokens, a hash-router
    /// path, duplicate parameters, ...).
    #[error("the callback URL is not a Cognito response: {reason}")]
    InvalidCallback {
        /// What was wrong with it.
        reason: String,
    },
    /// The callback's `state` is not the one this browser sent: a forged or foreign
    /// response. Nothing was stored.
    #[error("the sign-in response does not belong to this browser (state mismatch)")]
    StateMismatch,
    /// A callback arrived but no sign-in is pending: it was already used (a replayed or
    /// reloaded callback URL) or storage was cleared meanwhile.
    #[error(
        "no sign-in is in progress here: this sign-in response was already used or has \
         expired, or the sign-in was started at another address (origin) than this callback's, \
         such as http://127.0.0.1:3000 instead of http://localhost:3000"
    )]
    NoPendingSignIn,
    /// The ID token's `nonce` is not the one sent with the sign-in request.
    #[error("the ID token's nonce does not match the sign-in request")]
    NonceMismatch,
    /// A token's claims do not belong to this app (wrong audience, issuer or token use).
    #[error("the {token} token was not issued for this app: {reason}")]
    TokenRejected {
        /// `id` or `access`.
        token: &'static str,
        /// Which check failed.
        reason: String,
    },
    /// Cognito answered with an OAuth error (in the callback or from an endpoint).
    #[error("Cognito refused the request: {}{}", kind.as_str(), description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    OAuth {
        /// The OAuth error code.
        kind: OAuthErrorKind,
        /// Cognito's `error_description`, if any.
        description: Option<String>,
        /// The HTTP status it came with (400 for errors delivered in a redirect).
        status: u16,
    },
    /// A token could not be decoded.
    #[error("the {token} token is malformed: {error}")]
    MalformedToken {
        /// `id`, `access` or `refresh`.
        token: &'static str,
        /// What was wrong.
        error: JwtError,
    },
    /// An endpoint answered with an unexpected status and no OAuth error body.
    #[error("the {endpoint} endpoint answered HTTP {status}")]
    Endpoint {
        /// Which endpoint (`token`, `revoke`, `userInfo`).
        endpoint: &'static str,
        /// The status it answered with.
        status: u16,
    },
    /// An endpoint answered 200 with a body that is not what the protocol promises.
    #[error("the {endpoint} endpoint sent an invalid response: {reason}")]
    InvalidResponse {
        /// Which endpoint.
        endpoint: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// No HTTP response at all (network down, timeout).
    #[error("could not reach Cognito: {0}")]
    Transport(TransportError),
    /// Reading or writing the token storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// There is no session (nobody signed in, or the session could not be renewed).
    #[error("no user is signed in")]
    NoSession,
    /// The browser is being sent to the Hosted UI to sign in; the page is about to unload.
    #[error("redirecting to the sign-in page")]
    Redirecting,
    /// Leaving the page (to the Hosted UI or to `/logout`) failed.
    #[error("could not navigate: {0}")]
    Navigation(String),
    /// The user-pool API (`GlobalSignOut`) refused the call, with Cognito's error type.
    #[error("Cognito's user-pool API refused the call: {kind}: {message}")]
    UserPoolApi {
        /// Cognito's `__type`, such as `NotAuthorizedException`.
        kind: String,
        /// Cognito's message.
        message: String,
    },
    /// A sign-in was started at another origin than the one its callback
    /// (`redirect_uri_sign_in`) returns to, where the pending sign-in would not be found.
    #[error(
        "this page is at {here}, but the sign-in would return to {callback} (the configured \
         `redirect_uri_sign_in`), where this browser's pending sign-in does not exist: open \
         the app at {callback}, or register a callback URL at {here} with the app client and \
         configure it as `redirect_uri_sign_in`"
    )]
    WrongOrigin {
        /// Where the sign-in was started.
        here: String,
        /// The callback's origin.
        callback: String,
    },
    /// A refresh brought tokens that are already due for refresh: they live too short a
    /// time for the configured clock-skew allowance and refresh margin, or this machine's
    /// clock is off. The kit does not refresh them again (that could only bring more of
    /// the same); it backs off and reports this once.
    #[error(
        "the identity provider's new tokens are due for refresh as soon as they arrive{}: \
         give the app client longer token lifetimes, or lower the configuration's \
         `clock_skew_secs` or `refresh_margin_secs`, and check that this machine's clock is \
         right",
        lived(*lifetime_secs)
    )]
    TokensExpireTooSoon {
        /// How long the new tokens live, from `iat` to `exp` (0: not known, as when the
        /// error was rebuilt from its code).
        lifetime_secs: u64,
    },
}

/// " (they live N s)", when known.
fn lived(lifetime_secs: u64) -> String {
    if lifetime_secs == 0 {
        String::new()
    } else {
        format!(" (they live {lifetime_secs} s)")
    }
}

impl AuthError {
    /// A stable `snake_case` identifier for this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Config(_) => "invalid_config",
            Self::InvalidCallback { .. } => "invalid_callback",
            Self::StateMismatch => "state_mismatch",
            Self::NoPendingSignIn => "no_pending_sign_in",
            Self::NonceMismatch => "nonce_mismatch",
            Self::TokenRejected { .. } => "token_rejected",
            Self::OAuth { kind, .. } => kind.code(),
            Self::MalformedToken { .. } => "malformed_token",
            Self::Endpoint { .. } => "endpoint_error",
            Self::InvalidResponse { .. } => "invalid_response",
            Self::Transport(e) if e.kind == TransportErrorKind::Timeout => "timeout",
            Self::Transport(_) => "network_error",
            Self::Storage(_) => "storage_error",
            Self::NoSession => "no_session",
            Self::Redirecting => "redirecting",
            Self::Navigation(_) => "navigation_failed",
            Self::TokensExpireTooSoon { .. } => "tokens_expire_too_soon",
            Self::WrongOrigin { .. } => "wrong_origin",
            Self::UserPoolApi { kind, .. } if kind == "NotAuthorizedException" => "not_authorized",
            Self::UserPoolApi { .. } => "user_pool_api_error",
        }
    }

    /// The HTTP status that best describes this error.
    pub fn status(&self) -> u16 {
        match self {
            Self::Config(_)
            | Self::Storage(_)
            | Self::Navigation(_)
            | Self::TokensExpireTooSoon { .. } => 500,
            Self::InvalidCallback { .. }
            | Self::StateMismatch
            | Self::NoPendingSignIn
            | Self::NonceMismatch
            | Self::WrongOrigin { .. }
            | Self::UserPoolApi { .. } => 400,
            Self::TokenRejected { .. } | Self::NoSession | Self::Redirecting => 401,
            Self::OAuth { status, .. } => *status,
            Self::MalformedToken { .. } | Self::Endpoint { .. } | Self::InvalidResponse { .. } => {
                502
            }
            Self::Transport(e) if e.kind == TransportErrorKind::Timeout => 504,
            Self::Transport(_) => 503,
        }
    }

    /// Whether this is Cognito's `login_required`: a silent sign-in (`prompt=none`) found
    /// no Hosted UI session. Not a failure: the user is signed out and may sign in.
    ///
    /// ```
    /// use leptos_cognito_auth::{AuthError, OAuthErrorKind};
    /// let answer = AuthError::from_code("login_required");
    /// assert!(answer.is_login_required());
    /// assert!(matches!(answer, AuthError::OAuth { kind: OAuthErrorKind::LoginRequired, .. }));
    /// assert!(!AuthError::from_code("access_denied").is_login_required());
    /// ```
    pub fn is_login_required(&self) -> bool {
        matches!(
            self,
            Self::OAuth {
                kind: OAuthErrorKind::LoginRequired,
                ..
            }
        )
    }

    /// Whether trying the same thing again later may succeed (network trouble, a server
    /// error), as opposed to a definite answer (a revoked refresh token, a forged callback).
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Transport(_) | Self::Endpoint { .. } | Self::InvalidResponse { .. } => true,
            Self::OAuth { kind, .. } => matches!(
                kind,
                OAuthErrorKind::ServerError | OAuthErrorKind::TemporarilyUnavailable
            ),
            _ => false,
        }
    }
}

impl AuthError {
    /// The error a [`code`](Self::code) stands for, as a server reports it to the browser
    /// (server sessions keep the error on the server and send its code). Codes that need
    /// more than their name to rebuild come back as the same code with a generic message.
    pub fn from_code(code: &str) -> Self {
        match code {
            "state_mismatch" => Self::StateMismatch,
            "no_pending_sign_in" => Self::NoPendingSignIn,
            "nonce_mismatch" => Self::NonceMismatch,
            "no_session" => Self::NoSession,
            "timeout" => Self::Transport(TransportError::timeout("Cognito did not answer in time")),
            "network_error" => {
                Self::Transport(TransportError::network("Cognito could not be reached"))
            }
            "token_rejected" => Self::TokenRejected {
                token: "id",
                reason: "the server refused the tokens".into(),
            },
            "endpoint_error" => Self::Endpoint {
                endpoint: "token",
                status: 502,
            },
            "invalid_callback" => Self::InvalidCallback {
                reason: "the sign-in answer was not Cognito's".into(),
            },
            "tokens_expire_too_soon" => Self::TokensExpireTooSoon { lifetime_secs: 0 },
            "invalid_response" | "malformed_token" => Self::InvalidResponse {
                endpoint: "token",
                reason: "the token endpoint's answer was unusable".into(),
            },
            other => Self::OAuth {
                kind: OAuthErrorKind::parse(other),
                description: None,
                status: 400,
            },
        }
    }
}

impl From<TransportError> for AuthError {
    fn from(e: TransportError) -> Self {
        Self::Transport(e)
    }
}

impl fmt::Display for OAuthErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oauth_kinds_round_trip_and_sanitise() {
        for code in [
            "invalid_request",
            "invalid_client",
            "invalid_grant",
            "unauthorized_client",
            "unsupported_grant_type",
            "unsupported_response_type",
            "invalid_scope",
            "access_denied",
            "server_error",
            "temporarily_unavailable",
            "invalid_token",
            "login_required",
        ] {
            let kind = OAuthErrorKind::parse(code);
            assert_eq!(kind.code(), code);
            assert_eq!(kind.as_str(), code);
        }
        assert_eq!(
            OAuthErrorKind::parse("login_required"),
            OAuthErrorKind::LoginRequired
        );
        let other = OAuthErrorKind::parse("weird<script>");
        assert_eq!(other.code(), "oauth_error");
        assert_eq!(other.as_str(), "weirdscript");
    }

    #[test]
    fn codes_and_statuses() {
        let cases: Vec<(AuthError, &str, u16)> = vec![
            (AuthError::StateMismatch, "state_mismatch", 400),
            (AuthError::NoPendingSignIn, "no_pending_sign_in", 400),
            (AuthError::NonceMismatch, "nonce_mismatch", 400),
            (AuthError::NoSession, "no_session", 401),
            (
                AuthError::OAuth {
                    kind: OAuthErrorKind::InvalidClient,
                    description: None,
                    status: 401,
                },
                "invalid_client",
                401,
            ),
            (
                AuthError::Transport(TransportError::timeout("slow")),
                "timeout",
                504,
            ),
            (
                AuthError::Transport(TransportError::network("down")),
                "network_error",
                503,
            ),
            (
                AuthError::Endpoint {
                    endpoint: "token",
                    status: 500,
                },
                "endpoint_error",
                502,
            ),
        ];
        for (err, code, status) in cases {
            assert_eq!(err.code(), code, "{err}");
            assert_eq!(err.status(), status, "{err}");
        }
    }

    #[test]
    fn codes_a_server_reports_come_back_as_the_same_code() {
        for code in [
            "state_mismatch",
            "no_pending_sign_in",
            "nonce_mismatch",
            "no_session",
            "timeout",
            "network_error",
            "token_rejected",
            "endpoint_error",
            "invalid_callback",
            "invalid_response",
            "invalid_grant",
            "access_denied",
            "server_error",
            "invalid_client",
            "tokens_expire_too_soon",
            "login_required",
        ] {
            assert_eq!(AuthError::from_code(code).code(), code);
        }
        assert_eq!(AuthError::from_code("<script>").code(), "oauth_error");
    }

    #[test]
    fn oauth_message_includes_description() {
        let err = AuthError::OAuth {
            kind: OAuthErrorKind::InvalidGrant,
            description: Some("Refresh Token has been revoked".into()),
            status: 400,
        };
        assert_eq!(
            err.to_string(),
            "Cognito refused the request: invalid_grant (Refresh Token has been revoked)"
        );
        assert!(!err.is_transient());
        assert!(!err.is_login_required());
        assert!(AuthError::Transport(TransportError::network("x")).is_transient());
        let login_required = AuthError::OAuth {
            kind: OAuthErrorKind::parse("login_required"),
            description: None,
            status: 400,
        };
        assert!(login_required.is_login_required() && !login_required.is_transient());
        assert_eq!(login_required.code(), "login_required");
    }
}

//! The configuration's plain values: where tokens are stored, which flow, and why a
//! configuration was refused.

use std::str::FromStr;

use serde::Deserialize;

/// Where the session's tokens are kept in the browser.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StorageKind {
    /// `window.localStorage`: survives restarts, shared by the origin's tabs (the default,
    /// as in the original SDK).
    #[default]
    Local,
    /// `window.sessionStorage`: one tab, gone when it closes.
    Session,
    /// Cookies, readable by the server for signed-in server-side rendering.
    Cookie,
    /// Memory only: gone on reload.
    Memory,
    /// Server sessions: the server exchanges the code, keeps the tokens and refreshes
    /// them; the browser holds only an `HttpOnly` session cookie and never a token
    /// (RFC 10017's backend-for-frontend). See `ssr::ServerSession`.
    Server,
}

impl FromStr for StorageKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "local" | "localstorage" => Ok(Self::Local),
            "session" | "sessionstorage" => Ok(Self::Session),
            "cookie" | "cookies" => Ok(Self::Cookie),
            "memory" => Ok(Self::Memory),
            "server" => Ok(Self::Server),
            other => Err(format!(
                "unknown storage `{other}` (expected local, session, cookie, memory or server)"
            )),
        }
    }
}

/// Which OAuth flow the Hosted UI is asked for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ResponseType {
    /// Authorization code grant with PKCE (S256): the default and the secure choice.
    #[default]
    Code,
    /// The implicit grant (`response_type=token`): tokens in the URL fragment, no refresh
    /// token. Supported for migration from the original SDK, whose default it was.
    Token,
}

impl ResponseType {
    /// The `response_type` value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Code => "code",
            Self::Token => "token",
        }
    }
}

impl FromStr for ResponseType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "code" => Ok(Self::Code),
            "token" => Ok(Self::Token),
            other => Err(format!(
                "unknown response type `{other}` (expected code or token)"
            )),
        }
    }
}

/// A configuration value that is missing or invalid. Names the field, using the
/// original SDK's name where it has one.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A required field is missing or empty.
    #[error("configuration field `{field}` is required")]
    Missing {
        /// The field.
        field: &'static str,
    },
    /// A field has a value that cannot work.
    #[error("configuration field `{field}` is invalid: {reason}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// Why.
        reason: String,
    },
}

impl ConfigError {
    /// The field at fault.
    pub fn field(&self) -> &'static str {
        match self {
            Self::Missing { field } | Self::Invalid { field, .. } => field,
        }
    }

    pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            reason: reason.into(),
        }
    }
}

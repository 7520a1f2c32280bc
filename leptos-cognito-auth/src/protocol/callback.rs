//! The second half of sign-in: reading the Hosted UI's response from the callback URL.

use super::authorize::{PendingResponseType, PendingSignIn};
use super::encoding::{parse_form, FormError};
use super::error::{AuthError, OAuthErrorKind};
use super::secret::{constant_time_eq, Secret};

/// Tokens delivered in the URL fragment by the implicit flow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImplicitTokens {
    /// `access_token`.
    pub access_token: Secret,
    /// `id_token` (only with the `openid` scope).
    pub id_token: Option<Secret>,
    /// `expires_in`, in seconds, if sent.
    pub expires_in: Option<u64>,
}

/// What a successful sign-in response grants ([`CallbackResponse::into_grant`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallbackGrant {
    /// Code flow: the single-use authorization code.
    Code(Secret),
    /// Implicit flow: the tokens.
    Implicit(ImplicitTokens),
}

/// A Hosted UI response, as found in a callback URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallbackResponse {
    /// Code flow: `?code=...&state=...`.
    Code {
        /// The single-use authorization code.
        code: Secret,
        /// The echoed `state`.
        state: Option<String>,
    },
    /// Implicit flow: `#access_token=...&id_token=...&state=...`.
    Implicit {
        /// The tokens.
        tokens: ImplicitTokens,
        /// The echoed `state`.
        state: Option<String>,
    },
    /// An error: `?error=access_denied&error_description=...&state=...` (or in the
    /// fragment for the implicit flow).
    Error {
        /// The error code.
        kind: OAuthErrorKind,
        /// The percent-decoded description.
        description: Option<String>,
        /// The echoed `state`.
        state: Option<String>,
    },
}

fn invalid(reason: impl Into<String>) -> AuthError {
    AuthError::InvalidCallback {
        reason: reason.into(),
    }
}

impl CallbackResponse {
    /// Reads the response from a callback URL (absolute, or just `?query#fragment`).
    /// A fragment that is a hash-router path (`#/route`) is not mistaken for a response.
    ///
    /// ```
    /// use leptos_cognito_auth::protocol::CallbackResponse;
    /// let r = CallbackResponse::parse("https://app.example.com/callback?code=abc&state=xyz#/home").unwrap();
    /// assert!(matches!(r, CallbackResponse::Code { .. }));
    /// assert_eq!(r.state(), Some("xyz"));
    /// let e = CallbackResponse::parse("/cb?error=access_denied&error_description=User+said+no&state=s").unwrap();
    /// assert!(matches!(e, CallbackResponse::Error { description: Some(ref d), .. } if d == "User said no"));
    /// ```
    pub fn parse(url: &str) -> Result<Self, AuthError> {
        if url.len() > 64 * 1024 {
            return Err(invalid("the URL is too long"));
        }
        let (before_fragment, fragment) = match url.split_once('#') {
            Some((b, f)) => (b, Some(f)),
            None => (url, None),
        };
        let query = before_fragment.split_once('?').map(|(_, q)| q);
        let form = |s: &str| {
            parse_form(s).map_err(|e| match e {
                FormError::NotUtf8 => invalid("a parameter is not valid UTF-8"),
                FormError::Duplicate(name) => invalid(format!("parameter `{name}` appears twice")),
            })
        };
        // Implicit responses and their errors come in the fragment; a fragment that starts
        // with `/` or `!` belongs to a hash router and is left alone.
        if let Some(fragment) =
            fragment.filter(|f| !f.is_empty() && !f.starts_with('/') && !f.starts_with('!'))
        {
            let params = form(fragment)?;
            if has(&params, "access_token") || has(&params, "id_token") || has(&params, "error") {
                return Self::from_params(&params, true);
            }
        }
        if let Some(query) = query {
            let params = form(query)?;
            if has(&params, "code") || has(&params, "error") {
                return Self::from_params(&params, false);
            }
        }
        Err(invalid("it carries no authorization code, tokens or error"))
    }

    fn from_params(params: &[(String, String)], fragment: bool) -> Result<Self, AuthError> {
        let get = |name: &str| {
            params
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        };
        let state = get("state").map(str::to_owned);
        if let Some(error) = get("error") {
            return Ok(Self::Error {
                kind: OAuthErrorKind::parse(error),
                description: get("error_description")
                    .map(|d| d.chars().filter(|c| !c.is_control()).take(500).collect()),
                state,
            });
        }
        if !fragment {
            let code = get("code")
                .filter(|c| !c.is_empty())
                .ok_or_else(|| invalid("`code` is empty"))?;
            return Ok(Self::Code {
                code: Secret::new(code),
                state,
            });
        }
        let access_token = get("access_token")
            .filter(|t| !t.is_empty())
            .ok_or_else(|| invalid("the fragment has no `access_token`"))?;
        if let Some(token_type) = get("token_type") {
            if !token_type.eq_ignore_ascii_case("bearer") {
                return Err(invalid(format!(
                    "unsupported token_type `{token_type:.20}`"
                )));
            }
        }
        let expires_in = match get("expires_in") {
            None => None,
            Some(v) => Some(
                v.parse::<u64>()
                    .map_err(|_| invalid("`expires_in` is not a number"))?,
            ),
        };
        Ok(Self::Implicit {
            tokens: ImplicitTokens {
                access_token: Secret::new(access_token),
                id_token: get("id_token").filter(|t| !t.is_empty()).map(Secret::new),
                expires_in,
            },
            state,
        })
    }

    /// What the sign-in granted: the code or the tokens; an error response
    /// (`?error=access_denied`...) becomes the [`AuthError::OAuth`] it reports.
    pub fn into_grant(self) -> Result<CallbackGrant, AuthError> {
        match self {
            Self::Code { code, .. } => Ok(CallbackGrant::Code(code)),
            Self::Implicit { tokens, .. } => Ok(CallbackGrant::Implicit(tokens)),
            Self::Error {
                kind, description, ..
            } => Err(AuthError::OAuth {
                kind,
                description,
                status: 400,
            }),
        }
    }

    /// The echoed `state`, if any.
    pub fn state(&self) -> Option<&str> {
        match self {
            Self::Code { state, .. } | Self::Implicit { state, .. } | Self::Error { state, .. } => {
                state.as_deref()
            }
        }
    }

    /// Checks the response against the pending sign-in: same `state` (compared in constant
    /// time) and the flow that was asked for. A response without our state is rejected,
    /// error responses included, so a forged `?error=` cannot disturb a sign-in either.
    pub fn check(&self, pending: &PendingSignIn) -> Result<(), AuthError> {
        let ours = self
            .state()
            .is_some_and(|s| constant_time_eq(s.as_bytes(), pending.state.as_bytes()));
        if !ours {
            return Err(AuthError::StateMismatch);
        }
        match (self, pending.response_type) {
            (Self::Code { .. }, PendingResponseType::Code)
            | (Self::Implicit { .. }, PendingResponseType::Token)
            | (Self::Error { .. }, _) => Ok(()),
            _ => Err(invalid("the response is not of the flow that was started")),
        }
    }
}

fn has(params: &[(String, String)], name: &str) -> bool {
    params.iter().any(|(n, _)| n == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending(state: &str, response_type: PendingResponseType) -> PendingSignIn {
        PendingSignIn {
            state: state.into(),
            nonce: "n".into(),
            code_verifier: None,
            response_type,
            redirect_uri: "http://localhost:3000/callback".into(),
            scopes: String::new(),
            return_to: "/".into(),
            app_state: None,
            created_at: 0,
        }
    }

    #[test]
    fn code_response() {
        let r = CallbackResponse::parse("http://localhost:3000/callback?code=a%2Bb&state=s%20t")
            .unwrap();
        assert_eq!(
            r,
            CallbackResponse::Code {
                code: Secret::new("a+b"),
                state: Some("s t".into())
            }
        );
        assert_eq!(r.check(&pending("s t", PendingResponseType::Code)), Ok(()));
        assert_eq!(
            r.check(&pending("s u", PendingResponseType::Code)),
            Err(AuthError::StateMismatch)
        );
        assert!(matches!(
            r.check(&pending("s t", PendingResponseType::Token)),
            Err(AuthError::InvalidCallback { .. })
        ));
    }

    #[test]
    fn implicit_response_in_the_fragment() {
        let url = "http://localhost:3000/callback#id_token=i.d.t&access_token=a.c.c&token_type=Bearer&expires_in=3600&state=xyz";
        let r = CallbackResponse::parse(url).unwrap();
        let CallbackResponse::Implicit { tokens, state } = &r else {
            panic!("{r:?}")
        };
        assert_eq!(tokens.access_token.expose(), "a.c.c");
        assert_eq!(tokens.id_token.as_ref().unwrap().expose(), "i.d.t");
        assert_eq!(tokens.expires_in, Some(3600));
        assert_eq!(state.as_deref(), Some("xyz"));
        assert_eq!(r.check(&pending("xyz", PendingResponseType::Token)), Ok(()));
    }

    #[test]
    fn error_responses_are_decoded() {
        let r = CallbackResponse::parse(
            "http://x/cb?error=access_denied&error_description=L%27utilisateur+a+refus%C3%A9&state=s",
        )
        .unwrap();
        assert_eq!(
            r,
            CallbackResponse::Error {
                kind: OAuthErrorKind::AccessDenied,
                description: Some("L'utilisateur a refusé".into()),
                state: Some("s".into())
            }
        );
        let r = CallbackResponse::parse("http://x/cb#error=invalid_scope&state=s").unwrap();
        assert!(matches!(
            r,
            CallbackResponse::Error {
                kind: OAuthErrorKind::InvalidScope,
                ..
            }
        ));
        let forged = CallbackResponse::parse("http://x/cb?error=access_denied").unwrap();
        assert_eq!(
            forged.check(&pending("s", PendingResponseType::Code)),
            Err(AuthError::StateMismatch)
        );
    }

    #[test]
    fn a_silent_sign_ins_login_required() {
        let r = CallbackResponse::parse(
            "http://x/cb?error=login_required&error_description=no+session&state=s",
        )
        .unwrap();
        assert_eq!(r.check(&pending("s", PendingResponseType::Code)), Ok(()));
        let err = r.into_grant().unwrap_err();
        assert!(err.is_login_required(), "{err:?}");
        assert_eq!(err.code(), "login_required");
        assert!(matches!(
            err,
            AuthError::OAuth {
                kind: OAuthErrorKind::LoginRequired,
                status: 400,
                ..
            }
        ));
    }

    #[test]
    fn hash_router_fragments_do_not_crash() {
        let r = CallbackResponse::parse("http://x/?code=c&state=s#/dashboard?tab=1").unwrap();
        assert!(matches!(r, CallbackResponse::Code { .. }));
        let err = CallbackResponse::parse("http://x/#/callback").unwrap_err();
        assert_eq!(err.code(), "invalid_callback");
    }

    #[test]
    fn junk_is_a_typed_error() {
        for bad in [
            "",
            "http://x/cb",
            "http://x/cb?",
            "http://x/cb?foo=bar",
            "http://x/cb?code=&state=s",
            "http://x/cb?code=a&code=b&state=s",
            "http://x/cb?code=a&state=s&state=t",
            "http://x/cb?code=%FF&state=s",
            "http://x/cb#access_token=&state=s",
            "http://x/cb#id_token=x&state=s",
            "http://x/cb#access_token=a&token_type=mac&state=s",
            "http://x/cb#access_token=a&expires_in=soon&state=s",
        ] {
            let err = CallbackResponse::parse(bad).unwrap_err();
            assert_eq!(err.code(), "invalid_callback", "{bad}: {err}");
        }
        let missing_state = CallbackResponse::parse("http://x/cb?code=abc").unwrap();
        assert_eq!(missing_state.state(), None);
        assert_eq!(
            missing_state.check(&pending("s", PendingResponseType::Code)),
            Err(AuthError::StateMismatch)
        );
    }
}

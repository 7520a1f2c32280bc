//! What a token must satisfy besides its signature: [`Validation`], with secure defaults,
//! and the token kinds ([`ExpectedTokenUse`], [`TokenUse`]).

use std::time::Duration;

/// The largest accepted clock-skew allowance.
pub const MAX_LEEWAY: Duration = Duration::from_secs(60);

/// The default clock-skew allowance: 10 seconds.
///
/// Cognito stamps `iat` with its own clock; a server whose clock is a little behind would
/// otherwise reject fresh tokens as `not_yet_valid`. Ten seconds extends an expired token's
/// life by as much, which is negligible next to its hour.
pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(10);

/// The kind of token a verifier accepts (the `token_use` claim).
///
/// ```
/// use leptos_cognito_auth::ssr::{ExpectedTokenUse, TokenUse};
/// assert!(ExpectedTokenUse::Either.accepts(TokenUse::Id));
/// assert!(!ExpectedTokenUse::Access.accepts(TokenUse::Id));
/// assert_eq!(ExpectedTokenUse::default(), ExpectedTokenUse::Access);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ExpectedTokenUse {
    /// ID tokens only (`token_use: "id"`, client checked against `aud`).
    Id,
    /// Access tokens only (`token_use: "access"`, client checked against `client_id`).
    /// The default: an API should be called with access tokens, which carry scopes.
    #[default]
    Access,
    /// Either kind, each checked by its own rules.
    Either,
}

impl ExpectedTokenUse {
    /// Whether a token of this kind is accepted.
    pub fn accepts(self, token_use: TokenUse) -> bool {
        matches!(
            (self, token_use),
            (Self::Either, _) | (Self::Id, TokenUse::Id) | (Self::Access, TokenUse::Access)
        )
    }
}

/// The kind of a verified token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenUse {
    /// An ID token (`token_use: "id"`).
    Id,
    /// An access token (`token_use: "access"`).
    Access,
}

impl TokenUse {
    /// `id` or `access`, as in the claim.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Id => "id",
            Self::Access => "access",
        }
    }

    pub(crate) fn parse(value: &str) -> Option<Self> {
        match value {
            "id" => Some(Self::Id),
            "access" => Some(Self::Access),
            _ => None,
        }
    }
}

/// The claim checks a verifier applies after the signature, in the style of
/// `jsonwebtoken::Validation`. Set through
/// [`CognitoJwtVerifierBuilder`](super::CognitoJwtVerifierBuilder); read back with
/// [`CognitoJwtVerifier::validation`](super::CognitoJwtVerifier::validation).
///
/// Fixed, not configurable: the algorithm is RS256 and nothing else, the header must carry
/// a `kid`, `exp` is required, and `iss` must equal the configured issuer.
///
/// ```
/// use std::time::Duration;
/// use leptos_cognito_auth::ssr::{ExpectedTokenUse, Validation};
/// let v = Validation::default();
/// assert_eq!(v.token_use, ExpectedTokenUse::Access);
/// assert!(v.client_ids.is_empty()); // the builder insists on at least one
/// assert_eq!(v.leeway, Duration::from_secs(10));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Validation {
    /// Which `token_use` is accepted. Default: [`ExpectedTokenUse::Access`].
    pub token_use: ExpectedTokenUse,
    /// The app clients tokens may be issued to: the ID token's `aud` or the access token's
    /// `client_id` must be one of them. Default: empty, which the builder refuses.
    pub client_ids: Vec<String>,
    /// Groups (`cognito:groups`) the user must be in, all of them. Default: none.
    pub required_groups: Vec<String>,
    /// Groups of which the user must be in at least one (when not empty). Default: none.
    pub any_of_groups: Vec<String>,
    /// Scopes (`scope`) the access token must carry, all of them. Default: none.
    pub required_scopes: Vec<String>,
    /// Clock-skew allowance for `exp`, `nbf` and `iat`. Default: [`DEFAULT_LEEWAY`] (10 s);
    /// at most [`MAX_LEEWAY`] (60 s).
    pub leeway: Duration,
}

impl Default for Validation {
    fn default() -> Self {
        Self {
            token_use: ExpectedTokenUse::Access,
            client_ids: Vec::new(),
            required_groups: Vec::new(),
            any_of_groups: Vec::new(),
            required_scopes: Vec::new(),
            leeway: DEFAULT_LEEWAY,
        }
    }
}

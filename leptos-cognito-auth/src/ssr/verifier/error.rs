//! Why a token was rejected ([`VerifyError`]) and why a verifier could not be built
//! ([`VerifierConfigError`]).

/// Why a token was not accepted.
///
/// Match on [`VerifyError::code`] for a stable `snake_case` identifier and answer HTTP
/// requests with [`VerifyError::status`]: 401 for a token that is not acceptable, 403 for a
/// valid token that lacks a required group or scope, 503 when the signing keys cannot be
/// fetched (the token may well be fine: try again later).
///
/// Messages never repeat attacker-controlled content from the token.
///
/// ```
/// use leptos_cognito_auth::ssr::VerifyError;
/// let err = VerifyError::Expired;
/// assert_eq!(err.code(), "expired");
/// assert_eq!(err.status(), 401);
/// assert_eq!(VerifyError::MissingGroup("admin".into()).status(), 403);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// Not a compact JWS with three base64url segments, a header or payload that is not a
    /// JSON object, a missing `kid`, or a claim of the wrong type. The reason is fixed text.
    #[error("the token is malformed: {0}")]
    Malformed(&'static str),
    /// The header's `alg` is not `RS256` (`none`, `HS256`, `RS512`, `ES256`, ...).
    #[error("the token's signing algorithm is not accepted (only RS256 is)")]
    UnsupportedAlg,
    /// No key with the token's `kid` is in the JWKS, even after a refetch.
    #[error("the token was signed with a key this issuer does not publish")]
    UnknownKid,
    /// The RS256 signature does not verify with the key named by `kid`.
    #[error("the token's signature is invalid")]
    BadSignature,
    /// `exp` is in the past (beyond the leeway).
    #[error("the token has expired")]
    Expired,
    /// `nbf` or `iat` is in the future (beyond the leeway).
    #[error("the token is not valid yet")]
    NotYetValid,
    /// `iss` is missing or is not the configured issuer.
    #[error("the token was not issued by the expected user pool")]
    WrongIssuer,
    /// `token_use` is missing or is not the expected one (an ID token sent as an access
    /// token, or the reverse).
    #[error("the token is not of the expected kind (token_use)")]
    WrongTokenUse,
    /// The ID token's `aud` or the access token's `client_id` is missing or not one of the
    /// allowed app clients.
    #[error("the token was issued to another app client")]
    WrongClient,
    /// The user is not in a required Cognito group (the group's name).
    #[error("the user is not in the required group `{0}`")]
    MissingGroup(String),
    /// The access token lacks a required scope (the scope).
    #[error("the token lacks the required scope `{0}`")]
    MissingScope(String),
    /// The JWKS could not be fetched or is not a usable key set. The reason is kept out of
    /// `Display` (it may name internal URLs); read it with [`VerifyError::detail`].
    #[error("the token signing keys are unavailable, try again later")]
    JwksUnavailable(String),
}

impl VerifyError {
    /// A stable `snake_case` identifier: one of `malformed`, `unsupported_alg`,
    /// `unknown_kid`, `bad_signature`, `expired`, `not_yet_valid`, `wrong_issuer`,
    /// `wrong_token_use`, `wrong_client`, `missing_group`, `missing_scope`,
    /// `jwks_unavailable`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Malformed(_) => "malformed",
            Self::UnsupportedAlg => "unsupported_alg",
            Self::UnknownKid => "unknown_kid",
            Self::BadSignature => "bad_signature",
            Self::Expired => "expired",
            Self::NotYetValid => "not_yet_valid",
            Self::WrongIssuer => "wrong_issuer",
            Self::WrongTokenUse => "wrong_token_use",
            Self::WrongClient => "wrong_client",
            Self::MissingGroup(_) => "missing_group",
            Self::MissingScope(_) => "missing_scope",
            Self::JwksUnavailable(_) => "jwks_unavailable",
        }
    }

    /// The HTTP status to answer with: 401, 403 for `missing_group` / `missing_scope`, 503
    /// for `jwks_unavailable`.
    pub fn status(&self) -> u16 {
        match self {
            Self::MissingGroup(_) | Self::MissingScope(_) => 403,
            Self::JwksUnavailable(_) => 503,
            _ => 401,
        }
    }

    /// Extra detail for server logs: the malformation, the missing group or scope, or why
    /// the JWKS is unavailable.
    pub fn detail(&self) -> Option<&str> {
        match self {
            Self::Malformed(reason) => Some(reason),
            Self::MissingGroup(s) | Self::MissingScope(s) | Self::JwksUnavailable(s) => Some(s),
            _ => None,
        }
    }

    /// Whether the token itself is fine but the caller lacks a permission (403 rather than
    /// 401: signing in again will not help).
    pub fn is_forbidden(&self) -> bool {
        self.status() == 403
    }
}

/// Why [`CognitoJwtVerifierBuilder::build`](super::CognitoJwtVerifierBuilder::build)
/// refused a configuration.
///
/// ```
/// use leptos_cognito_auth::ssr::{CognitoJwtVerifier, VerifierConfigError};
/// let err = CognitoJwtVerifier::for_user_pool("not-a-pool").client_id("c").build().unwrap_err();
/// assert!(matches!(err, VerifierConfigError::InvalidUserPoolId(_)));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifierConfigError {
    /// The user pool id is not `<region>_<id>` (e.g. `eu-west-1_AbCdEf123`).
    #[error("`{0}` is not a Cognito user pool id (expected <region>_<id>)")]
    InvalidUserPoolId(String),
    /// The issuer or JWKS URL is not an absolute `https://` URL (`http://` is allowed for
    /// loopback hosts only).
    #[error("`{0}` is not an https URL (http is allowed for loopback hosts only)")]
    InsecureUrl(String),
    /// No allowed client id was given: every Cognito app client in the pool would be
    /// accepted.
    #[error("at least one allowed client id is required")]
    NoClientId,
    /// The leeway is above [`MAX_LEEWAY`](super::MAX_LEEWAY).
    #[error("the leeway may be at most 60 seconds")]
    LeewayTooLarge,
    /// Scopes were required of ID tokens, which carry none.
    #[error("required scopes need access tokens: ID tokens carry no scope claim")]
    ScopesWithIdTokens,
    /// A JWKS location was given for an issuer the verifier does not accept.
    #[error("`{0}` is not an issuer this verifier accepts")]
    UnknownIssuer(String),
    /// An additional Region is not an AWS Region name (e.g. `eu-west-1`).
    #[error("`{0}` is not an AWS Region name (expected e.g. eu-west-1)")]
    InvalidRegion(String),
    /// Additional Regions were given to a verifier for an explicit issuer: they are Regions
    /// of a user pool (see `CognitoJwtVerifier::for_user_pool`).
    #[error("additional Regions need a verifier for a user pool, not for one issuer")]
    RegionsWithoutUserPool,
}

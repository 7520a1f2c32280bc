//! Server side (feature `ssr`): verification of Cognito ID and access tokens against the
//! user pool's JWKS, the way AWS prescribes, an axum extractor, and helpers for Leptos
//! server functions.
//!
//! - [`CognitoJwtVerifier`], built with [`CognitoJwtVerifierBuilder`]: RS256 only, `kid`
//!   required, key from the cached JWKS of the issuer the token names, signature (through
//!   aws-lc-rs, each key parsed once), `exp` / `nbf` / `iat` with a leeway of at most 60 s,
//!   `iss` (a user pool's issuer in either of Cognito's
//!   [formats](crate::protocol::IssuerFormat), or one explicit issuer), `token_use`, app
//!   client, groups and scopes.
//! - [`VerifiedUser`]: the typed claims of an accepted token; also an axum extractor
//!   (`Authorization: Bearer`, or a token cookie) answering 401 / 403 with RFC 6750
//!   `WWW-Authenticate` headers ([`AuthRejection`]).
//! - [`require_user`] / [`require_group`] / [`require_scope`] for `#[server]` functions.
//! - [`ClientCredentials`]: access tokens for the server's own calls to an API (machine to
//!   machine, Cognito's `client_credentials` grant), cached and fetched once for all
//!   concurrent callers; the verifier accepts such tokens (no `username`, `sub` is the
//!   app client id, custom scopes).
//! - [`VerifyError`]: every rejection, with a stable [`code`](VerifyError::code) and
//!   [`status`](VerifyError::status).

mod cache;
mod client_credentials;
mod cookie_session;
mod extractor;
#[cfg(fuzzing)]
#[doc(hidden)]
pub mod fuzzing;
mod http;
mod server_fn;
mod server_session;
mod session;
mod verifier;

pub use client_credentials::{
    ClientCredentials, ClientCredentialsBuilder, DEFAULT_M2M_EXPIRY_MARGIN, MAX_M2M_ATTEMPTS,
};
pub use cookie_session::{
    initial_auth, server_sign_in, session_from_cookies, CookieSession, CookieSessionBuilder,
    CookieSettings,
};
pub use extractor::{token_from_headers, AuthRejection, VerifierSource};
pub use http::{ServerHttp, MAX_RESPONSE_BYTES};
pub use server_fn::{rejection_to_server_fn_error, require_group, require_scope, require_user};
#[cfg(feature = "redis")]
pub use server_session::RedisSessionStore;
pub use server_session::{
    CookieSessionStore, IndexFields, IntoStore, Lifetimes, MemorySessionStore, ServerSession,
    ServerSessionBuilder, ServerSettings, SessionInfo, SessionStore, StoreError,
};
pub use session::{
    is_same_origin_request, InitialAuth, SessionBuilder, SessionLayer, SessionService,
    SessionSetupError,
};
pub use verifier::{
    CognitoJwtVerifier, CognitoJwtVerifierBuilder, ExpectedTokenUse, HttpJwksFetcher,
    JwksFetchError, JwksFetcher, JwksStats, TokenUse, Validation, VerifiedUser,
    VerifierConfigError, VerifyError, DEFAULT_JWKS_REFETCH_INTERVAL, DEFAULT_JWKS_TIMEOUT,
    DEFAULT_LEEWAY, DEFAULT_VERIFIED_CACHE_CAPACITY, MAX_JWKS_BYTES, MAX_LEEWAY, MAX_TOKEN_BYTES,
};

//! The pure protocol core: everything about Cognito's Hosted UI that can be computed
//! without I/O. No Leptos, no `web-sys`, no clock and no randomness of its own: time and
//! random bytes are passed in, so every function here is deterministic and unit tested
//! natively.

pub(crate) mod authorize;
mod callback;
pub(crate) mod config;
pub(crate) mod encoding;
mod error;
mod http;
pub(crate) mod jwt;
mod lifecycle;
mod logout;
mod pkce;
pub(crate) mod secret;
mod session;
pub(crate) mod sign_in;
pub(crate) mod storage;
pub(crate) mod token;
mod user;
mod user_pool;

pub use authorize::{
    check_sign_in_origin, sanitize_return_path, AuthorizeRequest, PendingResponseType,
    PendingSignIn, PENDING_SIGN_IN_TTL,
};
pub use callback::{CallbackGrant, CallbackResponse, ImplicitTokens};
pub use config::{
    CognitoConfig, CognitoConfigBuilder, ConfigError, IssuerFormat, Prompt, Prompts, ResponseType,
    StorageKind,
};
pub use error::{AuthError, OAuthErrorKind};
pub use http::{HttpRequest, HttpResponse, Method, TransportError, TransportErrorKind};
pub use jwt::{AccessToken, Claims, IdToken, JwtError};
pub(crate) use lifecycle::{check_refreshed, fresh_beyond};
#[cfg(feature = "ssr")]
pub(crate) use lifecycle::{doubling_backoff, is_fresh};
pub use lifecycle::{first_render_status, AuthStatus};
// The provider's lifecycle decisions: internal (tested in `lifecycle`).
#[cfg(feature = "hydrate")]
pub(crate) use lifecycle::{
    next_check_in, on_tick, refresh_failure_ends_session, stored_change, StoredChange, TickAction,
};
pub use logout::LogoutRequest;
pub use pkce::{code_challenge_s256, RandomSource};
pub use secret::Secret;
pub use session::{accept_refresh, accept_sign_in, CognitoSession, Standing, Validity};
pub use sign_in::{SignInOptions, SignInParameter};
#[cfg(feature = "ssr")]
pub(crate) use storage::cognito_storage::is_state_token;
pub use storage::{
    CognitoStorage, MemoryStorage, Storage, StorageError, StorageKeys, MAX_PENDING_SIGN_INS,
};
pub use token::{revoke_request, token_request, userinfo_request, TokenGrant, TokenSet};
pub use user::{AuthUser, ServerSessionView, CSRF_FIELD, CSRF_HEADER};
pub use user_pool::{
    global_sign_out_request, global_sign_out_result, user_pool_endpoint, ADMIN_SCOPE,
};

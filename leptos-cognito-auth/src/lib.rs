#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(feature = "hydrate")]
pub mod browser;
pub mod client;
pub mod components;
pub mod protocol;
#[cfg(feature = "ssr")]
pub mod ssr;

pub use client::{CognitoAuth, SignInOutcome};
pub use protocol::{
    AccessToken, AuthError, Claims, CognitoConfig, CognitoConfigBuilder, CognitoSession,
    ConfigError, HttpRequest, HttpResponse, IdToken, JwtError, MemoryStorage, Method,
    OAuthErrorKind, Prompt, Prompts, ResponseType, Secret, SignInOptions, Storage, StorageError,
    StorageKind, TransportError, TransportErrorKind,
};

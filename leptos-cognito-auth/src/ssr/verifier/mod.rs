//! Cognito JWT verification: [`CognitoJwtVerifier`] (built with
//! [`CognitoJwtVerifierBuilder`]) checks ID and access tokens against the user pool's JWKS
//! the way AWS prescribes, and gives a [`VerifiedUser`].

mod builder;
mod claims;
mod error;
mod fetch;
mod json;
mod jwks;
mod keys;
mod token;
mod validation;
mod verified_cache;
mod verify;

pub use builder::CognitoJwtVerifierBuilder;
pub use claims::VerifiedUser;
pub use error::{VerifierConfigError, VerifyError};
pub use fetch::{
    HttpJwksFetcher, JwksFetchError, JwksFetcher, DEFAULT_JWKS_TIMEOUT, MAX_JWKS_BYTES,
};
pub use jwks::{JwksStats, DEFAULT_JWKS_REFETCH_INTERVAL};
pub use token::MAX_TOKEN_BYTES;
pub use validation::{ExpectedTokenUse, TokenUse, Validation, DEFAULT_LEEWAY, MAX_LEEWAY};
pub use verified_cache::DEFAULT_VERIFIED_CACHE_CAPACITY;
pub use verify::CognitoJwtVerifier;

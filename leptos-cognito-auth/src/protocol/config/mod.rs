//! The client configuration ([`CognitoConfig`], built and checked by
//! [`CognitoConfigBuilder`]) and the rules it shares with the server verifier
//! ([`IssuerFormat`] and the user pool id, issuer and URL rules in `rules`).

mod builder;
pub(crate) mod rules;
mod validated;
mod values;

pub use builder::CognitoConfigBuilder;
pub use rules::IssuerFormat;
pub use validated::CognitoConfig;
pub use values::{ConfigError, Prompt, ResponseType, StorageKind};

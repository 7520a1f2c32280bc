//! The client configuration ([`CognitoConfig`], built and checked by
//! [`CognitoConfigBuilder`]), the `prompt` parameter ([`Prompt`], [`Prompts`]), and the
//! rules it shares with the server verifier ([`IssuerFormat`] and the user pool id, issuer
//! and URL rules in `rules`).

mod builder;
mod prompt;
pub(crate) mod rules;
mod validated;
mod values;

pub use builder::CognitoConfigBuilder;
pub use prompt::{Prompt, Prompts};
pub use rules::IssuerFormat;
pub use validated::CognitoConfig;
pub use values::{ConfigError, ResponseType, StorageKind};

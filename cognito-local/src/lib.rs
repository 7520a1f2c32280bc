//! `cognito-local`: a local emulator of the Amazon Cognito Hosted UI, a development server
//! that speaks Cognito's OAuth 2.0 / OpenID Connect protocol with in-memory state, so that
//! an app (this project's demo and tests, or any app using Cognito's Hosted UI, including
//! the original JavaScript SDK) runs without an AWS account or network.
//!
//! Run it as a binary (`cargo install cognito-local`, then `cognito-local --config my.toml`;
//! in this repository `cargo run -p cognito-local -- --config my.toml`; the configuration
//! file is documented in the crate's README), or in-process:
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let running = cognito_local::start(cognito_local::EmulatorConfig::default()).await?;
//! println!("{}", cognito_local::startup_banner(&running));
//! running.shutdown().await?;
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod authorize;
mod cli;
mod client_auth;
mod client_credentials;
mod config;
mod cors;
mod fault;
mod favicon;
mod index;
mod keys;
mod login;
mod logout;
mod pages;
mod params;
mod responses;
mod revoke;
mod router;
mod session;
mod state;
mod test_control;
mod token_endpoint;
mod tokens;
mod user_pool_api;
mod userinfo;
mod wellknown;

// The public API is these names and nothing else: the modules are private, so a handler or
// a helper can change without breaking anyone. Add a name here only when a user needs it.
pub use cli::run_cli;
pub use config::{
    ClientConfig, ConfigError, EmulatorConfig, IssuerFormat, KeysConfig, OAuthFlow,
    ResourceServerConfig, UserConfig,
};
pub use router::{router, router_for, serve_on, start, startup_banner, RunningEmulator};
pub use state::{Emulator, SharedEmulator, StateCounts};

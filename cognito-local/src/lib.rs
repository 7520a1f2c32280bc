//! `cognito-local`: a local emulator of the Amazon Cognito Hosted UI, a development server
//! that speaks Cognito's OAuth 2.0 / OpenID Connect protocol with in-memory state, so that
//! an app (this project's demo and tests, or any app using Cognito's Hosted UI, including
//! the original JavaScript SDK) runs without an AWS account or network.
//!
//! Run it as a binary (`cargo run -p cognito-local -- --config my.toml`), or in-process:
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

pub mod authorize;
pub mod cli;
pub mod client_auth;
pub mod config;
pub mod cors;
pub mod faults;
pub mod index;
pub mod keys;
pub mod login;
pub mod logout;
pub mod pages;
pub mod params;
pub mod responses;
pub mod revoke;
pub mod router;
pub mod session;
pub mod state;
pub mod token_endpoint;
pub mod tokens;
pub mod userinfo;
pub mod wellknown;

pub use config::{ClientConfig, EmulatorConfig, IssuerFormat, UserConfig};
pub use router::{router, router_for, serve_on, start, startup_banner, RunningEmulator};
pub use state::Emulator;

//! A local emulator of the Amazon Cognito Hosted UI (`cognito-local`): a development server
//! that speaks the protocol in `shared/PROTOCOL.md` with in-memory state.

pub mod authorize;
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

pub use config::{ClientConfig, EmulatorConfig, UserConfig};
pub use router::{router, router_for, serve_on, start, startup_banner, RunningEmulator};
pub use state::Emulator;

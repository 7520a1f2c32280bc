//! The demo server's library: the embedded local Cognito Hosted UI emulator and its command line.
#![warn(missing_docs)]

pub mod cli;
pub mod emulator;
#[cfg(feature = "demo")]
pub mod site;

pub use emulator::{router, start, EmulatorConfig, RunningEmulator};

//! `cognito-local`: the local Amazon Cognito Hosted UI emulator, standalone.
//!
//! ```text
//! cognito-local [--config <file.toml>] [--addr 127.0.0.1:9229] [--enable-test-control]
//! ```

#[tokio::main]
async fn main() -> std::process::ExitCode {
    cognito_local::run_cli().await
}

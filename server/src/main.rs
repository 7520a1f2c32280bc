//! The project's server binary. Until the demo site is served from here, it runs the local
//! Cognito Hosted UI emulator exactly like `cognito-local` (same flags).

#[tokio::main]
async fn main() -> std::process::ExitCode {
    server::cli::run().await
}

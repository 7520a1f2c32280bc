//! The project's server binary. Built with the `demo` feature (as cargo-leptos builds it),
//! it serves the demo site and, unless `COGNITO_DOMAIN` is set, the local Hosted UI
//! in-process; without it, it runs the local Hosted UI alone, like `cognito-local`.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    #[cfg(feature = "demo")]
    {
        server::site::run().await
    }
    #[cfg(not(feature = "demo"))]
    {
        server::cli::run().await
    }
}

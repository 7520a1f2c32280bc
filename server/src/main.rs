//! The demo site's server: server-side renders the demo app, serves its wasm and CSS, and
//! runs the local Hosted UI (`cognito-local`) in-process unless `COGNITO_DOMAIN` is set.

mod site;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    site::run().await
}

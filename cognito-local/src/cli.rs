//! The `cognito-local` command line: runs the emulator on its own.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;

use crate::{EmulatorConfig, IssuerFormat};

/// cognito-local: a local Amazon Cognito Hosted UI emulator (development server, state in memory).
#[derive(Debug, Parser)]
#[command(name = "cognito-local", version, about)]
pub struct Args {
    /// TOML configuration file (users, clients, URLs, lifetimes, keys). Defaults apply without it.
    #[arg(long, env = "COGNITO_LOCAL_CONFIG")]
    pub config: Option<PathBuf>,
    /// Address to listen on (default 127.0.0.1:9229, or the config file's `addr`).
    #[arg(long, env = "COGNITO_LOCAL_ADDR")]
    pub addr: Option<SocketAddr>,
    /// Mounts the test-only control surface under /_test (fault injection, revocation, reset).
    #[arg(long)]
    pub enable_test_control: bool,
    /// The issuer the tokens name: the emulator's own URL (`local`), or Amazon Cognito's
    /// `original` or `updated` issuer URL for the user pool id (the keys stay served here).
    #[arg(long, value_enum, env = "COGNITO_LOCAL_ISSUER_FORMAT")]
    pub issuer_format: Option<IssuerFormat>,
    /// The AWS Region to act as (default: the user pool id's, the primary Region): another
    /// one makes this a replica Region of a multi-Region pool (needs an AWS issuer format).
    #[arg(long, env = "COGNITO_LOCAL_REGION")]
    pub region: Option<String>,
}

impl Args {
    /// The configuration these arguments describe.
    pub fn config(&self) -> Result<EmulatorConfig, crate::config::ConfigError> {
        let mut config = match &self.config {
            Some(path) => EmulatorConfig::from_file(path)?,
            None => EmulatorConfig::default(),
        };
        if let Some(addr) = self.addr {
            config.addr = addr;
        }
        if self.enable_test_control {
            config.enable_test_control = true;
        }
        if let Some(format) = self.issuer_format {
            config.issuer_format = format;
        }
        if let Some(region) = &self.region {
            config.region = Some(region.clone());
        }
        config.validate()?;
        Ok(config)
    }
}

/// The `cognito-local` binary: parses the command line (`--config`, `--addr`,
/// `--enable-test-control`, `--issuer-format`, `--region`), starts the emulator, prints the
/// startup banner and serves until Ctrl-C. Returns the process exit code. Environment
/// variables `COGNITO_LOCAL_CONFIG`, `COGNITO_LOCAL_ADDR`, `COGNITO_LOCAL_ISSUER_FORMAT` and
/// `COGNITO_LOCAL_REGION` stand in for the flags.
pub async fn run_cli() -> std::process::ExitCode {
    let args = Args::parse();
    let running = match args.config() {
        Ok(config) => crate::start(config).await,
        Err(e) => Err(e),
    };
    let running = match running {
        Ok(running) => running,
        Err(e) => {
            eprintln!("cognito-local: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    println!("{}", crate::startup_banner(&running));
    tokio::select! {
        result = tokio::signal::ctrl_c() => {
            if let Err(e) = result {
                eprintln!("cognito-local: cannot listen for Ctrl-C: {e}");
            }
        }
        result = running.wait() => {
            if let Err(e) = result {
                eprintln!("cognito-local: server error: {e}");
                return std::process::ExitCode::FAILURE;
            }
        }
    }
    std::process::ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use clap::Parser as _;

    use super::Args;
    use crate::IssuerFormat;

    #[test]
    fn issuer_format_flag() {
        let args = Args::try_parse_from(["cognito-local", "--issuer-format", "updated"]).unwrap();
        let config = args.config().unwrap();
        assert_eq!(config.issuer_format, IssuerFormat::Updated);
        assert_eq!(
            config.effective_issuer(),
            "https://issuer-cognito-idp.us-east-1.amazonaws.com/us-east-1_LocalPool"
        );
        assert!(Args::try_parse_from(["cognito-local", "--issuer-format", "aws"]).is_err());
        let args = Args::try_parse_from(["cognito-local"]).unwrap();
        assert_eq!(args.config().unwrap().issuer_format, IssuerFormat::Local);
    }

    #[test]
    fn region_flag() {
        let args = Args::try_parse_from([
            "cognito-local",
            "--issuer-format",
            "original",
            "--region",
            "eu-west-1",
        ])
        .unwrap();
        assert_eq!(
            args.config().unwrap().effective_issuer(),
            "https://cognito-idp.eu-west-1.amazonaws.com/us-east-1_LocalPool"
        );
        // A region needs an AWS issuer format.
        let args = Args::try_parse_from(["cognito-local", "--region", "eu-west-1"]).unwrap();
        assert!(args.config().is_err());
    }
}

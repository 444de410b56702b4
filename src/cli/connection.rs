//! How scimspec reaches and authenticates to a target: the options shared by
//! every command that talks to one (`run`, `cleanup`), and the client they
//! build.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use crate::http::auth::Credentials;
use crate::http::client::{ClientOptions, HttpClient};

#[derive(Debug, Clone, Args)]
pub struct ConnectionArgs {
    /// Read the bearer token from this file. Without it, the SCIM_TOKEN
    /// environment variable is used. Tokens are never taken on the command line.
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// Per-request timeout in seconds.
    #[arg(long, default_value_t = 30, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,
}

/// The credentials the options and the environment give. Errors are usage
/// errors (exit 2).
pub fn credentials(args: &ConnectionArgs) -> Result<Credentials, String> {
    Credentials::from_sources(args.token_file.as_deref(), std::env::var("SCIM_TOKEN").ok())
        .map_err(|e| e.to_string())
}

pub fn client_options(args: &ConnectionArgs) -> ClientOptions {
    ClientOptions {
        timeout: Duration::from_secs(args.timeout),
        ..ClientOptions::default()
    }
}

/// The client for `target` with the transport settings of the options.
pub fn build_client(
    target: &str,
    credentials: Credentials,
    args: &ConnectionArgs,
) -> Result<HttpClient, String> {
    HttpClient::new(target, credentials, client_options(args)).map_err(|e| e.to_string())
}

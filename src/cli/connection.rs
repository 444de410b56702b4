//! How scimspec reaches and authenticates to a target: the options shared by
//! every command that talks to one (`run`, `cleanup`), and the client they
//! build. docs/connecting.md describes them for users.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, ValueEnum};

use crate::http::auth::{CredentialSources, Credentials, OAuthSources};
use crate::http::client::{ClientOptions, HttpClient, TlsOptions};
use crate::http::headers::ExtraHeader;
use crate::http::retry::RetryPolicy;

const DEFAULT_TIMEOUT: u64 = 30;
const DEFAULT_CONNECT_TIMEOUT: u64 = 10;
const DEFAULT_RETRIES: u32 = 2;
const DEFAULT_RETRY_MAX_WAIT: u64 = 30;
/// The standard proxy variables (reqwest reads them; scimspec only reports
/// them and hides any password they carry).
const PROXY_VARIABLES: [&str; 6] = [
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
];

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq, Default)]
pub enum OAuthClientAuth {
    /// HTTP Basic with the client id and secret (client_secret_basic).
    #[default]
    Basic,
    /// The client id and secret in the form body (client_secret_post).
    Post,
}

#[derive(Debug, Clone, Args)]
pub struct ConnectionArgs {
    /// Read the bearer token from this file. Without it, the SCIM_TOKEN
    /// environment variable is used. Tokens are never taken on the command line.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["basic_auth_file", "oauth_token_url"])]
    pub token_file: Option<PathBuf>,
    /// HTTP Basic credentials from this file: `user:password` on one line, or
    /// the user name and the password on two lines. Without any credential
    /// option, SCIM_USERNAME and SCIM_PASSWORD are used when set.
    #[arg(long, value_name = "FILE", conflicts_with = "oauth_token_url")]
    pub basic_auth_file: Option<PathBuf>,
    /// OAuth 2.0 client credentials: fetch a bearer token from this token
    /// endpoint (https; http only to localhost) before the first request, and
    /// renew it when it expires or the target answers 401. The client id and
    /// secret come from SCIM_CLIENT_ID and SCIM_CLIENT_SECRET.
    #[arg(long, value_name = "URL")]
    pub oauth_token_url: Option<String>,
    /// The OAuth client id (not a secret), instead of SCIM_CLIENT_ID.
    #[arg(long, value_name = "ID", requires = "oauth_token_url")]
    pub oauth_client_id: Option<String>,
    /// Read the OAuth client secret from this file instead of SCIM_CLIENT_SECRET.
    #[arg(long, value_name = "FILE", requires = "oauth_token_url")]
    pub oauth_client_secret_file: Option<PathBuf>,
    /// The `scope` to ask the token endpoint for.
    #[arg(long, value_name = "SCOPE", requires = "oauth_token_url")]
    pub oauth_scope: Option<String>,
    /// The `audience` to ask the token endpoint for (Auth0, Okta and others).
    #[arg(long, value_name = "AUDIENCE", requires = "oauth_token_url")]
    pub oauth_audience: Option<String>,
    /// How the client authenticates to the token endpoint.
    #[arg(long, value_enum, value_name = "METHOD", default_value_t = OAuthClientAuth::Basic, requires = "oauth_token_url")]
    pub oauth_client_auth: OAuthClientAuth,
    /// An extra header for every request, 'Name: value' (repeatable). `${VAR}`
    /// in the value is replaced by that environment variable, and the header
    /// is then treated as a credential: redacted, and left off anonymous
    /// requests. Credential headers (Authorization, X-Api-Key, ...) must
    /// take their value from the environment.
    #[arg(long = "header", value_name = "'NAME: VALUE'")]
    pub headers: Vec<String>,
    /// Trust the CA certificates in this PEM file, in addition to the
    /// system's.
    #[arg(long, value_name = "FILE")]
    pub cacert: Option<PathBuf>,
    /// Client certificate (PEM, may include the chain) for mutual TLS.
    #[arg(long, value_name = "FILE", requires = "client_key")]
    pub client_cert: Option<PathBuf>,
    /// The client certificate's private key (PEM).
    #[arg(long, value_name = "FILE", requires = "client_cert")]
    pub client_key: Option<PathBuf>,
    /// Do not verify the server's TLS certificate. Every report says so.
    #[arg(long)]
    pub insecure: bool,
    /// Send every request through this proxy (http:// or https://). Without it, HTTPS_PROXY, HTTP_PROXY, ALL_PROXY and
    /// NO_PROXY apply. Proxy passwords belong in those variables.
    #[arg(long, value_name = "URL")]
    pub proxy: Option<String>,
    /// Seconds allowed to open a connection (TCP and TLS handshake).
    #[arg(long, default_value_t = DEFAULT_CONNECT_TIMEOUT, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=600))]
    pub connect_timeout: u64,
    /// Per-request timeout in seconds.
    #[arg(long, default_value_t = DEFAULT_TIMEOUT, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,
    /// Retries for a request that is safe to repeat (GET, HEAD, PUT, DELETE,
    /// POST /.search) after a connection error, 429 or 503, with exponential
    /// backoff and jitter, honouring Retry-After. Other requests are retried
    /// only when their connection could not be opened.
    #[arg(long, default_value_t = DEFAULT_RETRIES, value_name = "N", value_parser = clap::value_parser!(u32).range(0..=10))]
    pub retries: u32,
    /// The longest wait before a retry, in seconds (a longer Retry-After is
    /// cut to this).
    #[arg(long, default_value_t = DEFAULT_RETRY_MAX_WAIT, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub retry_max_wait: u64,
    /// At most this many requests per second, across the whole run
    /// (fractions allowed: 0.5 is one request every two seconds).
    #[arg(long, value_name = "N", value_parser = parse_rate)]
    pub rate: Option<f64>,
    /// Largest response body read, in bytes (default 16 MiB). A longer body
    /// is abandoned at the limit and the request reported as an error, so a
    /// hostile server cannot exhaust memory.
    #[arg(long, default_value_t = 16 * 1024 * 1024, value_name = "BYTES", value_parser = clap::value_parser!(u64).range(1024..=4 * 1024 * 1024 * 1024))]
    pub max_response_bytes: u64,
}

fn parse_rate(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(rate) if rate.is_finite() && (0.01..=10_000.0).contains(&rate) => Ok(rate),
        _ => Err("a number of requests per second between 0.01 and 10000".into()),
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// The credentials the options and the environment give. Errors are usage
/// errors (exit 2).
pub fn credentials(args: &ConnectionArgs) -> Result<Credentials, String> {
    let sources = CredentialSources {
        token_file: args.token_file.as_deref(),
        basic_auth_file: args.basic_auth_file.as_deref(),
        oauth: args
            .oauth_token_url
            .as_deref()
            .map(|token_url| OAuthSources {
                token_url,
                client_id: args.oauth_client_id.as_deref(),
                client_secret_file: args.oauth_client_secret_file.as_deref(),
                scope: args.oauth_scope.as_deref(),
                audience: args.oauth_audience.as_deref(),
                client_secret_post: args.oauth_client_auth == OAuthClientAuth::Post,
            }),
    };
    Credentials::resolve(&sources, &env).map_err(|e| e.to_string())
}

fn read_file(option: &str, path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{option} {}: {e}", path.display()))
}

/// The transport settings of the options; reads the certificate files and
/// the environment for `--header`. Errors are usage errors (exit 2).
pub fn client_options(args: &ConnectionArgs) -> Result<ClientOptions, String> {
    let headers = args
        .headers
        .iter()
        .map(|spec| ExtraHeader::parse(spec, &env).map_err(|e| e.to_string()))
        .collect::<Result<Vec<_>, _>>()?;
    let ca_bundle_pem = match &args.cacert {
        Some(path) => Some(read_file("--cacert", path)?),
        None => None,
    };
    let client_identity_pem = match (&args.client_cert, &args.client_key) {
        (Some(cert), Some(key)) => {
            // reqwest wants the chain and the key in one PEM buffer.
            let mut pem = read_file("--client-cert", cert)?;
            pem.push(b'\n');
            pem.extend(read_file("--client-key", key)?);
            Some(pem)
        }
        _ => None,
    };
    if let Some(proxy) = &args.proxy {
        let url = url::Url::parse(proxy).map_err(|e| format!("--proxy {proxy:?}: {e}"))?;
        if url.password().is_some() {
            return Err(
                "--proxy: a proxy password is a secret and is not taken on the \
                 command line; set HTTPS_PROXY (or HTTP_PROXY) instead"
                    .into(),
            );
        }
    }
    Ok(ClientOptions {
        timeout: Duration::from_secs(args.timeout),
        max_body_bytes: usize::try_from(args.max_response_bytes).unwrap_or(usize::MAX),
        connect_timeout: Duration::from_secs(args.connect_timeout),
        retry: RetryPolicy {
            max_retries: args.retries,
            max_delay: Duration::from_secs(args.retry_max_wait),
            ..RetryPolicy::default()
        },
        rate: args.rate,
        tls: TlsOptions {
            ca_bundle_pem,
            client_identity_pem,
            insecure: args.insecure,
        },
        proxy: args.proxy.clone(),
        headers,
    })
}

/// The client for `target` with the transport settings of the options.
pub fn build_client(
    target: &str,
    credentials: Credentials,
    args: &ConnectionArgs,
) -> Result<HttpClient, String> {
    let client =
        HttpClient::new(target, credentials, client_options(args)?).map_err(|e| e.to_string())?;
    // A proxy password from the environment must not show up either (it
    // would in a proxy's error message).
    for name in PROXY_VARIABLES {
        if let Some(password) = env(name)
            .and_then(|value| url::Url::parse(&value).ok())
            .and_then(|url| url.password().map(str::to_string))
        {
            client.redactor().add(&password);
        }
    }
    Ok(client)
}

/// The connection settings to state in reports: the authentication method
/// (never a secret), and every transport setting that differs from the
/// defaults. `tls` is only present when verification is off: reports show
/// that key as a warning.
pub fn report_options(
    target: &str,
    args: &ConnectionArgs,
    credentials: &Credentials,
) -> Vec<(String, String)> {
    let mut options = vec![("authentication".to_string(), credentials.describe())];
    let mut add = |name: &str, value: String| options.push((name.to_string(), value));
    if !args.headers.is_empty() {
        let names: Vec<String> = args
            .headers
            .iter()
            .map(|spec| {
                let (name, value) = spec.split_once(':').unwrap_or((spec, ""));
                if value.contains("${") {
                    format!("{} (from the environment)", name.trim())
                } else {
                    name.trim().to_string()
                }
            })
            .collect();
        add("headers", names.join(", "));
    }
    if args.insecure {
        add(
            "tls",
            "certificate verification DISABLED (--insecure)".to_string(),
        );
    }
    if let Some(path) = &args.cacert {
        add(
            "ca certificates",
            format!("{} and the system's", path.display()),
        );
    }
    if let Some(path) = &args.client_cert {
        add("client certificate", path.display().to_string());
    }
    match &args.proxy {
        Some(proxy) => add("proxy", proxy.clone()),
        None => {
            // The variables reqwest consults for this target, in its order.
            let https = target.to_ascii_lowercase().starts_with("https:");
            let candidates: &[&str] = if https {
                &["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]
            } else {
                &["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"]
            };
            if let Some(name) = candidates
                .iter()
                .find(|name| env(name).is_some_and(|v| !v.is_empty()))
            {
                let exempt = if env("NO_PROXY").or_else(|| env("no_proxy")).is_some() {
                    " (unless NO_PROXY exempts the target)"
                } else {
                    ""
                };
                add("proxy", format!("from {name}{exempt}"));
            }
        }
    }
    if args.timeout != DEFAULT_TIMEOUT || args.connect_timeout != DEFAULT_CONNECT_TIMEOUT {
        add(
            "timeouts",
            format!(
                "connect {} s, request {} s",
                args.connect_timeout, args.timeout
            ),
        );
    }
    if args.retries != DEFAULT_RETRIES || args.retry_max_wait != DEFAULT_RETRY_MAX_WAIT {
        add(
            "retries",
            format!(
                "up to {} per request, waiting at most {} s",
                args.retries, args.retry_max_wait
            ),
        );
    }
    if let Some(rate) = args.rate {
        add("rate limit", format!("{rate} requests per second"));
    }
    options
}

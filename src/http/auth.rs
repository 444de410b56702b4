//! Credentials and the redaction of secrets from everything scimspec prints
//! or writes.
//!
//! Secrets only ever come from the environment or from files, never from the
//! command line (where they would end up in shell history and process lists).

use std::path::Path;
use std::sync::{Arc, RwLock};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use super::oauth::OAuthConfig;

const REDACTED: &str = "[REDACTED]";
/// Headers whose values are always hidden, whatever they hold.
pub(crate) const SENSITIVE_HEADERS: [&str; 5] = [
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
];

/// How scimspec authenticates to the target.
#[derive(Clone, Default)]
pub enum Credentials {
    #[default]
    None,
    Bearer(String),
    /// HTTP Basic (RFC 7617).
    Basic {
        username: String,
        password: String,
    },
    /// OAuth 2.0 client credentials (RFC 6749 §4.4): a bearer token fetched
    /// from a token endpoint, cached and refreshed by the client.
    OAuth(Box<OAuthConfig>),
}

// Never print a secret, not even in debug output.
impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::None => f.write_str("Credentials::None"),
            Credentials::Bearer(_) => f.write_str("Credentials::Bearer([REDACTED])"),
            Credentials::Basic { .. } => f.write_str("Credentials::Basic([REDACTED])"),
            Credentials::OAuth(config) => write!(f, "Credentials::OAuth({})", config.describe()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    #[error("cannot read token file {path}: {reason}")]
    TokenFile { path: String, reason: String },
    #[error("token file {0} is empty")]
    EmptyTokenFile(String),
    #[error("cannot read {what} {path}: {reason}")]
    File {
        what: &'static str,
        path: String,
        reason: String,
    },
    #[error("{0}")]
    Invalid(String),
}

/// Where credentials may come from: the command-line options that name files
/// or endpoints, and the environment (a function, so tests can supply one).
pub struct CredentialSources<'a> {
    pub token_file: Option<&'a Path>,
    pub basic_auth_file: Option<&'a Path>,
    pub oauth: Option<OAuthSources<'a>>,
}

/// The OAuth options given on the command line.
pub struct OAuthSources<'a> {
    pub token_url: &'a str,
    /// `--oauth-client-id` (not a secret); else `SCIM_CLIENT_ID`.
    pub client_id: Option<&'a str>,
    /// `--oauth-client-secret-file`; else `SCIM_CLIENT_SECRET`.
    pub client_secret_file: Option<&'a Path>,
    pub scope: Option<&'a str>,
    pub audience: Option<&'a str>,
    /// Send the client credentials in the form body instead of HTTP Basic.
    pub client_secret_post: bool,
}

/// An environment variable, `None` when unset or blank.
fn env_value(env: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    env(name).filter(|value| !value.trim().is_empty())
}

fn read_secret_file(what: &'static str, path: &Path) -> Result<String, CredentialsError> {
    std::fs::read_to_string(path).map_err(|e| CredentialsError::File {
        what,
        path: path.display().to_string(),
        reason: e.to_string(),
    })
}

impl Credentials {
    /// The bearer token from `--token-file`, else from `SCIM_TOKEN`, else none.
    pub fn from_sources(
        token_file: Option<&Path>,
        env_token: Option<String>,
    ) -> Result<Credentials, CredentialsError> {
        let sources = CredentialSources {
            token_file,
            basic_auth_file: None,
            oauth: None,
        };
        Credentials::resolve(&sources, &|name| {
            (name == "SCIM_TOKEN").then(|| env_token.clone()).flatten()
        })
    }

    /// Decides the authentication method. An option naming a method wins
    /// (`--token-file`, `--basic-auth-file`, `--oauth-token-url`; clap keeps
    /// them exclusive); without one, the environment: `SCIM_TOKEN` (bearer)
    /// or `SCIM_USERNAME` + `SCIM_PASSWORD` (Basic), and both at once is an
    /// error rather than a guess.
    pub fn resolve(
        sources: &CredentialSources<'_>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Credentials, CredentialsError> {
        if let Some(path) = sources.token_file {
            let text = std::fs::read_to_string(path).map_err(|e| CredentialsError::TokenFile {
                path: path.display().to_string(),
                reason: e.to_string(),
            })?;
            let token = text.trim();
            if token.is_empty() {
                return Err(CredentialsError::EmptyTokenFile(path.display().to_string()));
            }
            return Ok(Credentials::Bearer(token.to_string()));
        }
        if let Some(path) = sources.basic_auth_file {
            let text = read_secret_file("Basic credentials file", path)?;
            let (username, password) = parse_basic_file(&text).ok_or_else(|| {
                CredentialsError::Invalid(format!(
                    "Basic credentials file {} must hold `user:password` on one line, \
                     or the user name and the password on two lines",
                    path.display()
                ))
            })?;
            return Credentials::basic(username, password);
        }
        if let Some(oauth) = &sources.oauth {
            let client_id = oauth
                .client_id
                .map(str::to_string)
                .or_else(|| env_value(env, "SCIM_CLIENT_ID"))
                .ok_or_else(|| {
                    CredentialsError::Invalid(
                        "--oauth-token-url needs a client id: --oauth-client-id or SCIM_CLIENT_ID"
                            .into(),
                    )
                })?;
            let client_secret = match oauth.client_secret_file {
                Some(path) => {
                    let text = read_secret_file("client secret file", path)?;
                    let secret = text.trim_end_matches(['\r', '\n']).to_string();
                    if secret.is_empty() {
                        return Err(CredentialsError::Invalid(format!(
                            "client secret file {} is empty",
                            path.display()
                        )));
                    }
                    secret
                }
                None => env_value(env, "SCIM_CLIENT_SECRET").ok_or_else(|| {
                    CredentialsError::Invalid(
                        "--oauth-token-url needs a client secret: SCIM_CLIENT_SECRET or \
                         --oauth-client-secret-file"
                            .into(),
                    )
                })?,
            };
            let config = OAuthConfig::new(
                oauth.token_url,
                client_id,
                client_secret,
                oauth.scope.map(str::to_string),
                oauth.audience.map(str::to_string),
                oauth.client_secret_post,
            )
            .map_err(CredentialsError::Invalid)?;
            return Ok(Credentials::OAuth(Box::new(config)));
        }
        let token = env_value(env, "SCIM_TOKEN");
        let username = env_value(env, "SCIM_USERNAME");
        let password = env("SCIM_PASSWORD").filter(|p| !p.is_empty());
        match (token, username, password) {
            (Some(_), Some(_), _) => Err(CredentialsError::Invalid(
                "both SCIM_TOKEN and SCIM_USERNAME are set: unset the one you do not mean".into(),
            )),
            (Some(token), None, _) => Ok(Credentials::Bearer(token.trim().to_string())),
            (None, Some(username), Some(password)) => Credentials::basic(username, password),
            (None, Some(_), None) => Err(CredentialsError::Invalid(
                "SCIM_USERNAME is set but SCIM_PASSWORD is not".into(),
            )),
            (None, None, Some(_)) => Err(CredentialsError::Invalid(
                "SCIM_PASSWORD is set but SCIM_USERNAME is not".into(),
            )),
            (None, None, None) => Ok(Credentials::None),
        }
    }

    fn basic(username: String, password: String) -> Result<Credentials, CredentialsError> {
        // RFC 7617 §2: the user-id cannot contain a colon.
        if username.contains(':') {
            return Err(CredentialsError::Invalid(
                "a Basic user name cannot contain ':' (RFC 7617)".into(),
            ));
        }
        if username.is_empty() || password.is_empty() {
            return Err(CredentialsError::Invalid(
                "Basic credentials need a user name and a password".into(),
            ));
        }
        Ok(Credentials::Basic { username, password })
    }

    /// The headers these credentials add to every request that is not
    /// anonymous. OAuth adds its header in the client (the token changes).
    pub fn headers(&self) -> Vec<(String, String)> {
        match self {
            Credentials::None | Credentials::OAuth(_) => Vec::new(),
            Credentials::Bearer(token) => {
                vec![("authorization".into(), format!("Bearer {token}"))]
            }
            Credentials::Basic { username, password } => vec![(
                "authorization".into(),
                format!("Basic {}", basic_blob(username, password)),
            )],
        }
    }

    /// A redactor that knows every secret of these credentials (OAuth access
    /// tokens are added to it as they are fetched).
    pub fn redactor(&self) -> Redactor {
        Redactor::new(self.secrets())
    }

    fn secrets(&self) -> Vec<String> {
        match self {
            Credentials::None => Vec::new(),
            Credentials::Bearer(token) => vec![token.clone()],
            // The user name too: it is half of the credential, and a server
            // that echoes it back must not put it in a shared report.
            Credentials::Basic { username, password } => vec![
                username.clone(),
                password.clone(),
                basic_blob(username, password),
            ],
            Credentials::OAuth(config) => config.secrets(),
        }
    }

    /// The method, without any secret, for the report's options.
    pub fn describe(&self) -> String {
        match self {
            Credentials::None => "none".into(),
            Credentials::Bearer(_) => "bearer token".into(),
            Credentials::Basic { .. } => "HTTP Basic".into(),
            Credentials::OAuth(config) => config.describe(),
        }
    }
}

/// `base64(user ":" password)`, the Basic credential (RFC 7617 §2).
pub(crate) fn basic_blob(username: &str, password: &str) -> String {
    BASE64.encode(format!("{username}:{password}"))
}

/// `user:password` on the first line, or the user name and the password on
/// the first two lines. Line endings are not part of either.
fn parse_basic_file(text: &str) -> Option<(String, String)> {
    let lines: Vec<&str> = text
        .lines()
        .map(|line| line.trim_end_matches('\r'))
        .filter(|line| !line.trim().is_empty())
        .collect();
    match lines.as_slice() {
        [single] => {
            let (user, password) = single.split_once(':')?;
            Some((user.trim().to_string(), password.to_string()))
        }
        [user, password] => Some((user.trim().to_string(), password.to_string())),
        _ => None,
    }
}

/// Replaces every known secret with `[REDACTED]`. Clones share one list, so a
/// secret learnt later (a fresh OAuth access token) is hidden everywhere.
#[derive(Clone, Default)]
pub struct Redactor {
    secrets: Arc<RwLock<Vec<String>>>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Redactor({} secrets)", self.snapshot().len())
    }
}

/// The forms a secret can take in text scimspec shows: as it is, escaped in
/// JSON (a server echoing a request body), and percent-encoded (a URL or a
/// form body).
fn variants(secret: &str) -> Vec<String> {
    let mut out = vec![secret.to_string()];
    if let Ok(json) = serde_json::to_string(secret) {
        let escaped = json.trim_matches('"').to_string();
        out.push(escaped);
    }
    out.push(url::form_urlencoded::byte_serialize(secret.as_bytes()).collect());
    out.push(
        percent_encoding::utf8_percent_encode(secret, percent_encoding::NON_ALPHANUMERIC)
            .to_string(),
    );
    out.sort();
    out.dedup();
    out
}

impl Redactor {
    pub fn new(secrets: Vec<String>) -> Redactor {
        let redactor = Redactor::default();
        for secret in secrets {
            redactor.add(&secret);
        }
        redactor
    }

    /// Learns another secret.
    pub fn add(&self, secret: &str) {
        // Very short "secrets" would redact ordinary text; they are still
        // hidden in credential headers.
        if secret.len() < 4 {
            return;
        }
        // A poisoned lock still holds a usable list: keep redacting.
        let mut secrets = self.secrets.write().unwrap_or_else(|e| e.into_inner());
        for variant in variants(secret) {
            if !secrets.contains(&variant) {
                secrets.push(variant);
            }
        }
        // Longest first, so a secret containing another is hidden whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }

    fn snapshot(&self) -> Vec<String> {
        self.secrets
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn redact(&self, text: &str) -> String {
        let secrets = self.secrets.read().unwrap_or_else(|e| e.into_inner());
        let mut out = text.to_string();
        for secret in secrets.iter() {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), REDACTED);
            }
        }
        out
    }

    pub fn redact_header(&self, name: &str, value: &str) -> String {
        if SENSITIVE_HEADERS
            .iter()
            .any(|sensitive| name.eq_ignore_ascii_case(sensitive))
        {
            // Keep the scheme ("Bearer", "Basic"): it helps diagnose auth problems.
            return match value.split_once(' ') {
                Some((scheme, _)) if !scheme.is_empty() && !scheme.contains('=') => {
                    format!("{} {REDACTED}", self.redact(scheme))
                }
                _ => REDACTED.to_string(),
            };
        }
        self.redact(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    fn no_options() -> CredentialSources<'static> {
        CredentialSources {
            token_file: None,
            basic_auth_file: None,
            oauth: None,
        }
    }

    #[test]
    fn token_file_wins_over_env_and_is_trimmed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        std::fs::write(&path, "file-token\n").unwrap();
        let creds = Credentials::from_sources(Some(&path), Some("env-token".into())).unwrap();
        assert_eq!(creds.headers()[0].1, "Bearer file-token");
        let creds = Credentials::from_sources(None, Some("env-token".into())).unwrap();
        assert_eq!(creds.headers()[0].1, "Bearer env-token");
        assert!(
            Credentials::from_sources(None, None)
                .unwrap()
                .headers()
                .is_empty()
        );
        std::fs::write(&path, "  \n").unwrap();
        assert!(Credentials::from_sources(Some(&path), None).is_err());
        assert!(Credentials::from_sources(Some(&dir.path().join("nope")), None).is_err());
    }

    #[test]
    fn basic_credentials_from_env_and_from_either_file_layout() {
        let env = env_of(&[("SCIM_USERNAME", "alice"), ("SCIM_PASSWORD", "pa:ss word")]);
        let creds = Credentials::resolve(&no_options(), &env).unwrap();
        // base64("alice:pa:ss word")
        assert_eq!(creds.headers()[0].1, "Basic YWxpY2U6cGE6c3Mgd29yZA==");
        assert_eq!(creds.describe(), "HTTP Basic");

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("basic");
        for text in ["alice:pa:ss word\n", "alice\r\npa:ss word\r\n"] {
            std::fs::write(&path, text).unwrap();
            let sources = CredentialSources {
                basic_auth_file: Some(&path),
                ..no_options()
            };
            let creds = Credentials::resolve(&sources, &env_of(&[])).unwrap();
            assert_eq!(
                creds.headers()[0].1,
                "Basic YWxpY2U6cGE6c3Mgd29yZA==",
                "{text:?}"
            );
        }
        for bad in ["no-colon\n", "a\nb\nc\n", "", ":password\n"] {
            std::fs::write(&path, bad).unwrap();
            let sources = CredentialSources {
                basic_auth_file: Some(&path),
                ..no_options()
            };
            assert!(
                Credentials::resolve(&sources, &env_of(&[])).is_err(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn ambiguous_or_half_given_environment_credentials_are_errors() {
        for env in [
            env_of(&[("SCIM_TOKEN", "t0k3n"), ("SCIM_USERNAME", "alice")]),
            env_of(&[("SCIM_USERNAME", "alice")]),
            env_of(&[("SCIM_PASSWORD", "secret")]),
        ] {
            assert!(Credentials::resolve(&no_options(), &env).is_err());
        }
        // Blank variables count as unset.
        let env = env_of(&[("SCIM_TOKEN", "  "), ("SCIM_USERNAME", "")]);
        assert!(matches!(
            Credentials::resolve(&no_options(), &env).unwrap(),
            Credentials::None
        ));
    }

    #[test]
    fn oauth_needs_a_client_id_and_secret_and_a_safe_token_url() {
        let oauth = |url: &'static str| CredentialSources {
            oauth: Some(OAuthSources {
                token_url: url,
                client_id: None,
                client_secret_file: None,
                scope: Some("scim"),
                audience: None,
                client_secret_post: false,
            }),
            ..no_options()
        };
        let env = env_of(&[
            ("SCIM_CLIENT_ID", "client-1"),
            ("SCIM_CLIENT_SECRET", "very-secret"),
        ]);
        let creds = Credentials::resolve(&oauth("https://idp.example/token"), &env).unwrap();
        assert!(creds.describe().contains("https://idp.example/token"));
        assert!(!format!("{creds:?}").contains("very-secret"));
        let redactor = creds.redactor();
        assert_eq!(redactor.redact("x very-secret y"), "x [REDACTED] y");
        // The HTTP Basic form of the client credentials is hidden too.
        assert_eq!(
            redactor.redact(&basic_blob("client-1", "very-secret")),
            "[REDACTED]"
        );
        assert!(Credentials::resolve(&oauth("http://127.0.0.1:9/token"), &env).is_ok());
        assert!(Credentials::resolve(&oauth("http://localhost:9/token"), &env).is_ok());
        assert!(Credentials::resolve(&oauth("http://[::1]:9/token"), &env).is_ok());
        for unsafe_url in ["http://idp.example/token", "ftp://127.0.0.1/x", "not a url"] {
            assert!(
                Credentials::resolve(&oauth(unsafe_url), &env).is_err(),
                "{unsafe_url}"
            );
        }
        let env = env_of(&[("SCIM_CLIENT_ID", "client-1")]);
        assert!(Credentials::resolve(&oauth("https://idp.example/token"), &env).is_err());
    }

    #[test]
    fn redacts_secrets_everywhere() {
        let creds = Credentials::Bearer("s3cr3t-token".into());
        let redactor = creds.redactor();
        assert_eq!(redactor.redact("echo s3cr3t-token!"), "echo [REDACTED]!");
        assert_eq!(
            redactor.redact_header("Authorization", "Bearer s3cr3t-token"),
            "Bearer [REDACTED]"
        );
        assert_eq!(
            redactor.redact_header("X-Other", "s3cr3t-token"),
            "[REDACTED]"
        );
        assert!(!format!("{creds:?}").contains("s3cr3t"));
    }

    #[test]
    fn redacts_encoded_forms_and_secrets_learnt_later() {
        let redactor = Redactor::new(vec!["p\"w/d+&x".into()]);
        let clone = redactor.clone();
        assert_eq!(
            redactor.redact(r#"{"password":"p\"w/d+&x"}"#),
            r#"{"password":"[REDACTED]"}"#
        );
        assert_eq!(
            redactor.redact("password=p%22w%2Fd%2B%26x"),
            "password=[REDACTED]"
        );
        clone.add("fresh-access-token");
        assert_eq!(redactor.redact("fresh-access-token"), "[REDACTED]");
    }
}

//! Credentials and the redaction of secrets from everything scimspec prints
//! or writes.

use std::path::Path;

const REDACTED: &str = "[REDACTED]";
/// Headers whose values are always hidden, whatever they hold.
const SENSITIVE_HEADERS: [&str; 5] = [
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
];

#[derive(Clone, Default)]
pub enum Credentials {
    #[default]
    None,
    Bearer(String),
}

// Never print a secret, not even in debug output.
impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::None => f.write_str("Credentials::None"),
            Credentials::Bearer(_) => f.write_str("Credentials::Bearer([REDACTED])"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    #[error("cannot read token file {path}: {reason}")]
    TokenFile { path: String, reason: String },
    #[error("token file {0} is empty")]
    EmptyTokenFile(String),
}

impl Credentials {
    /// The bearer token from `--token-file`, else from `SCIM_TOKEN`, else none.
    pub fn from_sources(
        token_file: Option<&Path>,
        env_token: Option<String>,
    ) -> Result<Credentials, CredentialsError> {
        if let Some(path) = token_file {
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
        Ok(match env_token {
            Some(token) if !token.trim().is_empty() => {
                Credentials::Bearer(token.trim().to_string())
            }
            _ => Credentials::None,
        })
    }

    pub fn headers(&self) -> Vec<(String, String)> {
        match self {
            Credentials::None => Vec::new(),
            Credentials::Bearer(token) => {
                vec![("authorization".into(), format!("Bearer {token}"))]
            }
        }
    }

    pub fn redactor(&self) -> Redactor {
        match self {
            Credentials::None => Redactor::default(),
            Credentials::Bearer(token) => Redactor::new(vec![token.clone()]),
        }
    }

    pub fn describe(&self) -> &'static str {
        match self {
            Credentials::None => "none",
            Credentials::Bearer(_) => "bearer token",
        }
    }
}

/// Replaces every known secret with `[REDACTED]`.
#[derive(Clone, Default)]
pub struct Redactor {
    secrets: Vec<String>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Redactor({} secrets)", self.secrets.len())
    }
}

impl Redactor {
    pub fn new(secrets: Vec<String>) -> Redactor {
        // Very short "secrets" would redact ordinary text; they are still
        // hidden in credential headers.
        let mut secrets: Vec<String> = secrets.into_iter().filter(|s| s.len() >= 4).collect();
        // Longest first, so a secret containing another is hidden whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        Redactor { secrets }
    }

    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        for secret in &self.secrets {
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
                Some((scheme, _)) if !scheme.is_empty() => format!("{scheme} {REDACTED}"),
                _ => REDACTED.to_string(),
            };
        }
        self.redact(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}

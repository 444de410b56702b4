//! Extra headers given with `--header 'Name: value'`. A value may take parts
//! from the environment with `${VAR}` (`$${` is a literal `${`); such a
//! header is a credential: its environment parts are secrets, and it is not
//! sent with the requests a check sends anonymously.

use reqwest::header::{HeaderName, HeaderValue};

use super::auth::SENSITIVE_HEADERS;

#[derive(Clone)]
pub struct ExtraHeader {
    pub name: String,
    pub value: String,
    /// The value came (in part) from the environment.
    pub secret: bool,
    /// The parts that came from the environment, for the redactor.
    pub secret_parts: Vec<String>,
}

// Never print a secret value, not even in debug output.
impl std::fmt::Debug for ExtraHeader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.secret {
            write!(f, "ExtraHeader({}: [REDACTED])", self.name)
        } else {
            write!(f, "ExtraHeader({}: {})", self.name, self.value)
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HeaderSpecError {
    #[error("--header {0:?}: expected 'Name: value'")]
    Syntax(String),
    #[error("--header {0:?}: invalid header name")]
    Name(String),
    #[error("--header {name}: environment variable {var} is not set (or empty)")]
    MissingEnv { name: String, var: String },
    #[error("--header {0}: unterminated ${{...}}")]
    Unterminated(String),
    #[error("--header {0}: the value contains characters a header cannot carry")]
    Value(String),
    #[error(
        "--header {0}: this header carries a credential, and secrets are not taken on the \
         command line; put the value in an environment variable and write e.g. \
         '{0}: ${{MY_SECRET}}' (single quotes, so the shell leaves it alone)"
    )]
    LiteralSecret(String),
}

impl ExtraHeader {
    /// Parses `Name: value`, substituting `${VAR}` from `env`.
    pub fn parse(
        spec: &str,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<ExtraHeader, HeaderSpecError> {
        let (name, template) = spec
            .split_once(':')
            .ok_or_else(|| HeaderSpecError::Syntax(spec.to_string()))?;
        let name = name.trim();
        if name.is_empty() || HeaderName::from_bytes(name.as_bytes()).is_err() {
            return Err(HeaderSpecError::Name(name.to_string()));
        }
        let (value, secret_parts) = substitute(name, template.trim(), env)?;
        let secret = !secret_parts.is_empty();
        if !secret
            && SENSITIVE_HEADERS
                .iter()
                .any(|sensitive| name.eq_ignore_ascii_case(sensitive))
        {
            return Err(HeaderSpecError::LiteralSecret(name.to_string()));
        }
        if HeaderValue::from_str(&value).is_err() {
            return Err(HeaderSpecError::Value(name.to_string()));
        }
        Ok(ExtraHeader {
            name: name.to_string(),
            value,
            secret,
            secret_parts,
        })
    }
}

/// Replaces each `${VAR}`; returns the value and the substituted parts.
fn substitute(
    name: &str,
    template: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(String, Vec<String>), HeaderSpecError> {
    let mut out = String::new();
    let mut parts = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('$') {
        let (before, after) = rest.split_at(start);
        out.push_str(before);
        if let Some(escaped) = after.strip_prefix("$${") {
            out.push_str("${");
            rest = escaped;
        } else if let Some(open) = after.strip_prefix("${") {
            let end = open
                .find('}')
                .ok_or_else(|| HeaderSpecError::Unterminated(name.to_string()))?;
            let (var, tail) = open.split_at(end);
            let value =
                env(var)
                    .filter(|v| !v.is_empty())
                    .ok_or_else(|| HeaderSpecError::MissingEnv {
                        name: name.to_string(),
                        var: var.to_string(),
                    })?;
            out.push_str(&value);
            parts.push(value);
            rest = tail.strip_prefix('}').unwrap_or(tail);
        } else {
            out.push('$');
            rest = after.strip_prefix('$').unwrap_or(after);
        }
    }
    out.push_str(rest);
    Ok((out, parts))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "API_KEY" => Some("k3y-from-env".into()),
            "OKTA" => Some("00abc".into()),
            _ => None,
        }
    }

    #[test]
    fn literal_and_environment_values() {
        let header = ExtraHeader::parse("X-Tenant: acme", &env).unwrap();
        assert_eq!(
            (header.name.as_str(), header.value.as_str()),
            ("X-Tenant", "acme")
        );
        assert!(!header.secret);

        let header = ExtraHeader::parse("Authorization: SSWS ${OKTA}", &env).unwrap();
        assert_eq!(header.value, "SSWS 00abc");
        assert!(header.secret);
        assert_eq!(header.secret_parts, vec!["00abc".to_string()]);
        assert!(!format!("{header:?}").contains("00abc"));

        let header = ExtraHeader::parse("X-Price: $5 and $${literal}", &env).unwrap();
        assert_eq!(header.value, "$5 and ${literal}");
        assert!(!header.secret);
    }

    #[test]
    fn bad_specs_are_rejected() {
        assert!(matches!(
            ExtraHeader::parse("no colon", &env),
            Err(HeaderSpecError::Syntax(_))
        ));
        assert!(matches!(
            ExtraHeader::parse("Bad Name: x", &env),
            Err(HeaderSpecError::Name(_))
        ));
        assert!(matches!(
            ExtraHeader::parse("X-Key: ${NOPE}", &env),
            Err(HeaderSpecError::MissingEnv { .. })
        ));
        assert!(matches!(
            ExtraHeader::parse("X-Key: ${API_KEY", &env),
            Err(HeaderSpecError::Unterminated(_))
        ));
        // A credential header with a literal value would put a secret on the
        // command line.
        for spec in ["Authorization: Bearer abc", "x-api-key: abc"] {
            assert!(matches!(
                ExtraHeader::parse(spec, &env),
                Err(HeaderSpecError::LiteralSecret(_))
            ));
        }
        assert!(ExtraHeader::parse("X-Api-Key: ${API_KEY}", &env).is_ok());
    }
}

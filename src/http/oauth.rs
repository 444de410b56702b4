//! OAuth 2.0 client credentials (RFC 6749 §4.4): scimspec fetches an access
//! token from the token endpoint before its first request to the target,
//! keeps it, fetches a new one shortly before it expires, and once more when
//! the target answers 401 to a request that carried it.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::time::Instant;
use url::Url;

use super::auth::{Redactor, basic_blob};

/// Most of a token endpoint's answer that is read: a token response is small.
const MAX_TOKEN_RESPONSE_BYTES: usize = 1024 * 1024;
/// The most a token is refreshed ahead of its expiry.
const MAX_EXPIRY_MARGIN: Duration = Duration::from_secs(60);

#[derive(Clone)]
pub struct OAuthConfig {
    token_url: Url,
    client_id: String,
    client_secret: String,
    scope: Option<String>,
    audience: Option<String>,
    /// `client_secret_post` (RFC 6749 §2.3.1) instead of HTTP Basic.
    client_secret_post: bool,
}

impl OAuthConfig {
    /// Checks the token endpoint: https, or http only to a loopback address
    /// (the client secret must not cross a network in the clear).
    pub fn new(
        token_url: &str,
        client_id: String,
        client_secret: String,
        scope: Option<String>,
        audience: Option<String>,
        client_secret_post: bool,
    ) -> Result<OAuthConfig, String> {
        let url = Url::parse(token_url)
            .map_err(|e| format!("invalid --oauth-token-url {token_url:?}: {e}"))?;
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&url) => {}
            "http" => {
                return Err(format!(
                    "--oauth-token-url {url} must use https (plain http is allowed only to \
                     localhost or a loopback address)"
                ));
            }
            other => return Err(format!("--oauth-token-url: unsupported scheme {other:?}")),
        }
        if url.password().is_some() {
            return Err("--oauth-token-url must not carry credentials".into());
        }
        Ok(OAuthConfig {
            token_url: url,
            client_id,
            client_secret,
            scope: scope.filter(|s| !s.trim().is_empty()),
            audience: audience.filter(|s| !s.trim().is_empty()),
            client_secret_post,
        })
    }

    /// The method for the report: endpoint, scope and audience, no secret.
    pub fn describe(&self) -> String {
        let mut text = format!(
            "OAuth 2.0 client credentials (token endpoint {}",
            self.token_url
        );
        if let Some(scope) = &self.scope {
            text.push_str(&format!(", scope {scope}"));
        }
        if let Some(audience) = &self.audience {
            text.push_str(&format!(", audience {audience}"));
        }
        text.push(')');
        text
    }

    pub(crate) fn secrets(&self) -> Vec<String> {
        vec![
            self.client_secret.clone(),
            basic_blob(
                &form_encode(&self.client_id),
                &form_encode(&self.client_secret),
            ),
            basic_blob(&self.client_id, &self.client_secret),
        ]
    }
}

fn form_encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

struct Cached {
    token: Arc<str>,
    /// When to fetch a new one; `None`: the endpoint gave no lifetime.
    refresh_at: Option<Instant>,
}

/// The current access token, shared by every clone of the client.
pub struct TokenSource {
    config: OAuthConfig,
    cache: tokio::sync::Mutex<Option<Cached>>,
}

impl std::fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TokenSource({})", self.config.describe())
    }
}

impl TokenSource {
    pub fn new(config: OAuthConfig) -> TokenSource {
        TokenSource {
            config,
            cache: tokio::sync::Mutex::new(None),
        }
    }

    /// A valid token: the cached one, or a new one when there is none or it
    /// is about to expire. Concurrent callers wait for one fetch.
    pub async fn token(
        &self,
        http: &reqwest::Client,
        redactor: &Redactor,
    ) -> Result<Arc<str>, String> {
        let mut cache = self.cache.lock().await;
        if let Some(cached) = cache.as_ref()
            && cached.refresh_at.is_none_or(|at| Instant::now() < at)
        {
            return Ok(cached.token.clone());
        }
        let fresh = self.fetch(http, redactor).await?;
        let token = fresh.token.clone();
        *cache = Some(fresh);
        Ok(token)
    }

    /// Forgets `used` after the target rejected it, unless another request
    /// already replaced it (then that newer token is used).
    pub async fn invalidate(&self, used: &str) {
        let mut cache = self.cache.lock().await;
        if cache.as_ref().is_some_and(|c| &*c.token == used) {
            *cache = None;
        }
    }

    async fn fetch(&self, http: &reqwest::Client, redactor: &Redactor) -> Result<Cached, String> {
        let config = &self.config;
        let url = &config.token_url;
        let fail = |what: String| redactor.redact(&format!("OAuth token endpoint {url}: {what}"));
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        form.append_pair("grant_type", "client_credentials");
        if let Some(scope) = &config.scope {
            form.append_pair("scope", scope);
        }
        if let Some(audience) = &config.audience {
            form.append_pair("audience", audience);
        }
        let mut request = http
            .post(url.clone())
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .header(reqwest::header::ACCEPT, "application/json");
        if config.client_secret_post {
            form.append_pair("client_id", &config.client_id);
            form.append_pair("client_secret", &config.client_secret);
        } else {
            // RFC 6749 §2.3.1: both parts form-encoded, then HTTP Basic.
            request = request.header(
                reqwest::header::AUTHORIZATION,
                format!(
                    "Basic {}",
                    basic_blob(
                        &form_encode(&config.client_id),
                        &form_encode(&config.client_secret)
                    )
                ),
            );
        }
        let started = Instant::now();
        let mut response = request
            .body(form.finish())
            .send()
            .await
            .map_err(|e| fail(error_chain(&e)))?;
        let status = response.status();
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| fail(error_chain(&e)))? {
            if bytes.len() + chunk.len() > MAX_TOKEN_RESPONSE_BYTES {
                return Err(fail(format!(
                    "the answer exceeds {MAX_TOKEN_RESPONSE_BYTES} bytes"
                )));
            }
            bytes.extend_from_slice(&chunk);
        }
        let json: Option<Value> = serde_json::from_slice(&bytes).ok();
        if !status.is_success() {
            // RFC 6749 §5.2: {"error": ..., "error_description": ...}.
            let detail = json
                .as_ref()
                .and_then(|j| j.get("error"))
                .and_then(Value::as_str)
                .map(|error| {
                    let description = json
                        .as_ref()
                        .and_then(|j| j.get("error_description"))
                        .and_then(Value::as_str)
                        .map(|d| format!(": {}", truncate(d, 200)))
                        .unwrap_or_default();
                    format!(" ({}{description})", truncate(error, 100))
                })
                .unwrap_or_default();
            return Err(fail(format!("answered {}{detail}", status.as_u16())));
        }
        let Some(json) = json else {
            return Err(fail("the answer is not JSON".into()));
        };
        let Some(token) = json
            .get("access_token")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
        else {
            return Err(fail("the answer has no access_token".into()));
        };
        // Hide it at once, before anything can print it.
        redactor.add(token);
        if let Some(refresh) = json.get("refresh_token").and_then(Value::as_str) {
            redactor.add(refresh);
        }
        if let Some(kind) = json.get("token_type").and_then(Value::as_str)
            && !kind.eq_ignore_ascii_case("bearer")
        {
            return Err(fail(format!(
                "token_type {:?} is not supported (only Bearer)",
                truncate(kind, 40)
            )));
        }
        let lifetime = expires_in(&json);
        Ok(Cached {
            token: Arc::from(token),
            refresh_at: lifetime.map(|lifetime| started + lifetime - margin(lifetime)),
        })
    }
}

/// `expires_in`, a number of seconds (some servers send it as a string).
fn expires_in(json: &Value) -> Option<Duration> {
    let value = json.get("expires_in")?;
    let seconds = value
        .as_f64()
        .or_else(|| value.as_str().and_then(|s| s.trim().parse::<f64>().ok()))?;
    // Bounded so that no server value can overflow an Instant.
    (seconds.is_finite() && seconds > 0.0)
        .then(|| Duration::from_secs_f64(seconds.min(365.0 * 86_400.0)))
}

/// How long before expiry a token is replaced: a fifth of its lifetime, at
/// most a minute, so a request never leaves with a token about to lapse.
fn margin(lifetime: Duration) -> Duration {
    (lifetime / 5).min(MAX_EXPIRY_MARGIN)
}

fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((index, _)) => format!("{}…", text.get(..index).unwrap_or(text)),
        None => text.to_string(),
    }
}

fn error_chain(err: &reqwest::Error) -> String {
    let mut message = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_and_margins() {
        assert_eq!(
            expires_in(&serde_json::json!({"expires_in": 3600})),
            Some(Duration::from_secs(3600))
        );
        assert_eq!(
            expires_in(&serde_json::json!({"expires_in": "2"})),
            Some(Duration::from_secs(2))
        );
        assert_eq!(expires_in(&serde_json::json!({"expires_in": -1})), None);
        assert_eq!(expires_in(&serde_json::json!({"expires_in": "soon"})), None);
        assert_eq!(expires_in(&serde_json::json!({})), None);
        assert!(expires_in(&serde_json::json!({"expires_in": 1e300})).is_some());
        assert_eq!(margin(Duration::from_secs(3600)), MAX_EXPIRY_MARGIN);
        assert_eq!(margin(Duration::from_secs(2)), Duration::from_millis(400));
    }

    #[test]
    fn describe_names_the_endpoint_but_no_secret() {
        let config = OAuthConfig::new(
            "https://idp.example/oauth/token",
            "cid".into(),
            "csecret-123".into(),
            Some("scim.read scim.write".into()),
            Some("https://api.example".into()),
            false,
        )
        .unwrap();
        let text = config.describe();
        assert!(text.contains("https://idp.example/oauth/token"));
        assert!(text.contains("scope scim.read scim.write"));
        assert!(text.contains("audience https://api.example"));
        assert!(!text.contains("csecret"));
    }
}

//! The HTTP client scimspec talks to a target with. Every request is recorded
//! as an [`Exchange`] (with secrets redacted) so that reports can show it.

use std::time::{Duration, Instant};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::Serialize;
use serde_json::Value;
use url::Url;

use super::auth::{Credentials, Redactor};

pub const SCIM_MEDIA_TYPE: &str = "application/scim+json";

/// Characters left as-is in a query component: RFC 3986 unreserved.
const QUERY_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("invalid target URL {0:?}: {1}")]
    BadUrl(String, String),
    #[error("could not build the HTTP client: {0}")]
    Client(String),
    #[error("request failed: {0}")]
    Transport(String),
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    #[error("response body exceeds the {0}-byte limit")]
    BodyTooLarge(usize),
    #[error("invalid header {0:?}")]
    BadHeader(String),
    #[error("refusing to send a request to {0}: not on the target's origin {1}")]
    ForeignOrigin(String, String),
}

#[derive(Debug, Clone)]
pub struct ClientOptions {
    pub timeout: Duration,
    pub max_body_bytes: usize,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            timeout: Duration::from_secs(30),
            max_body_bytes: 16 * 1024 * 1024,
        }
    }
}

/// A request as the engine sends it (already templated).
#[derive(Debug, Clone, Default)]
pub struct OutgoingRequest {
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
    pub anonymous: bool,
}

/// A response as the engine sees it.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    /// Header names lower-cased, in arrival order.
    pub headers: Vec<(String, String)>,
    pub body_text: String,
    /// The body parsed as JSON, when it is JSON.
    pub json: Option<Value>,
    /// Why the body is not JSON (when non-empty and unparsable).
    pub json_error: Option<String>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// One request/response pair, recorded for reports (secrets redacted).
#[derive(Debug, Clone, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct Exchange {
    pub method: String,
    pub url: String,
    pub request_headers: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_body: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    pub response_headers: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_body: Option<String>,
    pub duration_ms: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone)]
pub struct HttpClient {
    inner: reqwest::Client,
    base: String,
    credentials: Credentials,
    redactor: Redactor,
    options: ClientOptions,
}

impl HttpClient {
    pub fn new(
        base: &str,
        credentials: Credentials,
        options: ClientOptions,
    ) -> Result<HttpClient, HttpError> {
        let parsed = Url::parse(base).map_err(|e| HttpError::BadUrl(base.into(), e.to_string()))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(HttpError::BadUrl(
                base.into(),
                "scheme must be http or https".into(),
            ));
        }
        let inner = reqwest::Client::builder()
            .user_agent(concat!("scimspec/", env!("CARGO_PKG_VERSION")))
            // Redirects are not followed: a SCIM endpoint answering 3xx is a
            // finding in itself, and following them could leak credentials.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(options.timeout)
            .build()
            .map_err(|e| HttpError::Client(e.to_string()))?;
        let redactor = credentials.redactor();
        Ok(HttpClient {
            inner,
            base: base.trim_end_matches('/').to_string(),
            credentials,
            redactor,
            options,
        })
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// Builds the full URL for a path relative to the base URL. An absolute
    /// http(s) URL (a `$ref` or `meta.location` the server returned) is used
    /// as it is, but only on the target's own origin: credentials go with
    /// every request and must never reach another host.
    pub fn url_for(&self, path: &str, query: &[(String, String)]) -> Result<Url, HttpError> {
        let mut text = if is_absolute_http(path) {
            let url =
                Url::parse(path).map_err(|e| HttpError::BadUrl(path.into(), e.to_string()))?;
            let base = Url::parse(&self.base)
                .map_err(|e| HttpError::BadUrl(self.base.clone(), e.to_string()))?;
            if url.origin() != base.origin() {
                return Err(HttpError::ForeignOrigin(
                    url.origin().ascii_serialization(),
                    base.origin().ascii_serialization(),
                ));
            }
            url.to_string()
        } else if path.starts_with('/') || path.is_empty() {
            format!("{}{}", self.base, path)
        } else {
            format!("{}/{path}", self.base)
        };
        if !query.is_empty() {
            let encoded: Vec<String> = query
                .iter()
                .map(|(key, value)| {
                    format!(
                        "{}={}",
                        utf8_percent_encode(key, QUERY_COMPONENT),
                        utf8_percent_encode(value, QUERY_COMPONENT)
                    )
                })
                .collect();
            text.push(if text.contains('?') { '&' } else { '?' });
            text.push_str(&encoded.join("&"));
        }
        Url::parse(&text).map_err(|e| HttpError::BadUrl(text.clone(), e.to_string()))
    }

    /// Sends a request. Always returns the exchange, also when the request failed.
    pub async fn send(&self, request: &OutgoingRequest) -> (Exchange, Result<Response, HttpError>) {
        let started = Instant::now();
        let mut exchange = Exchange {
            method: request.method.clone(),
            url: String::new(),
            request_headers: Vec::new(),
            request_body: request
                .body
                .as_ref()
                .map(|body| self.redactor.redact(&String::from_utf8_lossy(body))),
            status: None,
            response_headers: Vec::new(),
            response_body: None,
            duration_ms: 0,
            error: None,
        };
        let result = self.send_inner(request, &mut exchange).await;
        exchange.duration_ms = started.elapsed().as_millis() as u64;
        if let Err(err) = &result {
            exchange.error = Some(self.redactor.redact(&err.to_string()));
        }
        (exchange, result)
    }

    async fn send_inner(
        &self,
        request: &OutgoingRequest,
        exchange: &mut Exchange,
    ) -> Result<Response, HttpError> {
        let url = match self.url_for(&request.path, &request.query) {
            Ok(url) => url,
            Err(err) => {
                // Still say what was asked for: the report shows the refused URL.
                exchange.url = self.redactor.redact(&request.path);
                return Err(err);
            }
        };
        exchange.url = self.redactor.redact(url.as_str());
        let method = reqwest::Method::from_bytes(request.method.as_bytes())
            .map_err(|_| HttpError::BadHeader(request.method.clone()))?;

        let mut headers = HeaderMap::new();
        headers.insert(
            reqwest::header::ACCEPT,
            HeaderValue::from_static(SCIM_MEDIA_TYPE),
        );
        if request.body.is_some() {
            headers.insert(
                reqwest::header::CONTENT_TYPE,
                HeaderValue::from_static(SCIM_MEDIA_TYPE),
            );
        }
        if !request.anonymous {
            for (name, value) in self.credentials.headers() {
                insert_header(&mut headers, &name, &value)?;
            }
        }
        for (name, value) in &request.headers {
            insert_header(&mut headers, name, value)?;
        }
        exchange.request_headers = headers
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_string(),
                    self.redactor
                        .redact_header(name.as_str(), &String::from_utf8_lossy(value.as_bytes())),
                )
            })
            .collect();

        let mut builder = self.inner.request(method, url).headers(headers);
        if let Some(body) = &request.body {
            builder = builder.body(body.clone());
        }
        let mut response = builder.send().await.map_err(|e| self.map_error(e))?;
        let status = response.status().as_u16();
        exchange.status = Some(status);
        let response_headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_ascii_lowercase(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect();
        exchange.response_headers = response_headers
            .iter()
            .map(|(name, value)| (name.clone(), self.redactor.redact_header(name, value)))
            .collect();

        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| self.map_error(e))? {
            if bytes.len() + chunk.len() > self.options.max_body_bytes {
                return Err(HttpError::BodyTooLarge(self.options.max_body_bytes));
            }
            bytes.extend_from_slice(&chunk);
        }
        let body_text = String::from_utf8_lossy(&bytes).into_owned();
        exchange.response_body = (!body_text.is_empty()).then(|| self.redactor.redact(&body_text));
        let (json, json_error) = if body_text.trim().is_empty() {
            (None, None)
        } else {
            match serde_json::from_slice::<Value>(&bytes) {
                Ok(value) => (Some(value), None),
                Err(err) => (None, Some(err.to_string())),
            }
        };
        Ok(Response {
            status,
            headers: response_headers,
            body_text,
            json,
            json_error,
        })
    }

    fn map_error(&self, err: reqwest::Error) -> HttpError {
        if err.is_timeout() {
            return HttpError::Timeout(self.options.timeout);
        }
        // The error chain carries the useful part ("connection refused").
        let mut message = err.to_string();
        let mut source = std::error::Error::source(&err);
        while let Some(cause) = source {
            message.push_str(": ");
            message.push_str(&cause.to_string());
            source = cause.source();
        }
        HttpError::Transport(self.redactor.redact(&message))
    }
}

/// `http://...` or `https://...`, in any case (RFC 3986 §3.1: schemes are
/// case-insensitive). Anything else is a path under the base URL.
fn is_absolute_http(path: &str) -> bool {
    let lower = path.get(..8).unwrap_or(path).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

fn insert_header(headers: &mut HeaderMap, name: &str, value: &str) -> Result<(), HttpError> {
    let name = HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| HttpError::BadHeader(name.to_string()))?;
    let value = HeaderValue::from_str(value).map_err(|_| HttpError::BadHeader(name.to_string()))?;
    headers.insert(name, value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_join_base_and_encode_query_with_percent_twenty() {
        let client = HttpClient::new(
            "http://127.0.0.1:1/v2/",
            Credentials::None,
            ClientOptions::default(),
        )
        .unwrap();
        let url = client
            .url_for("/Users", &[("filter".into(), "userName eq \"a b\"".into())])
            .unwrap();
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:1/v2/Users?filter=userName%20eq%20%22a%20b%22"
        );
        assert_eq!(
            client.url_for("Schemas", &[]).unwrap().as_str(),
            "http://127.0.0.1:1/v2/Schemas"
        );
    }

    #[test]
    fn absolute_urls_are_allowed_on_the_targets_origin_only() {
        let client = HttpClient::new(
            "http://127.0.0.1:8080/v2",
            Credentials::None,
            ClientOptions::default(),
        )
        .unwrap();
        // A $ref the server returned, used as it is (even outside /v2).
        assert_eq!(
            client
                .url_for("http://127.0.0.1:8080/v2/Users/a%20b", &[])
                .unwrap()
                .as_str(),
            "http://127.0.0.1:8080/v2/Users/a%20b"
        );
        assert_eq!(
            client
                .url_for(
                    "HTTP://127.0.0.1:8080/Groups/1",
                    &[("attributes".into(), "id".into())]
                )
                .unwrap()
                .as_str(),
            "http://127.0.0.1:8080/Groups/1?attributes=id"
        );
        // Another host, port or scheme would receive the credentials: refused.
        for foreign in [
            "http://127.0.0.2:8080/v2/Users/1",
            "http://127.0.0.1:8081/v2/Users/1",
            "https://127.0.0.1:8080/v2/Users/1",
            "http://localhost:8080/v2/Users/1",
            "http://127.0.0.1:8080@evil.example/v2/Users/1",
        ] {
            assert!(
                matches!(
                    client.url_for(foreign, &[]),
                    Err(HttpError::ForeignOrigin(..))
                ),
                "{foreign}"
            );
        }
        // Relative references stay under the base URL, as before.
        assert_eq!(
            client.url_for("Users/1", &[]).unwrap().as_str(),
            "http://127.0.0.1:8080/v2/Users/1"
        );
        assert_eq!(
            client.url_for("/Users/http://x", &[]).unwrap().as_str(),
            "http://127.0.0.1:8080/v2/Users/http://x"
        );
    }

    #[test]
    fn rejects_non_http_targets() {
        assert!(HttpClient::new("ftp://x", Credentials::None, ClientOptions::default()).is_err());
        assert!(HttpClient::new("not a url", Credentials::None, ClientOptions::default()).is_err());
    }
}

//! The HTTP client scimspec talks to a target with. Every request is recorded
//! as an [`Exchange`] (with secrets redacted) so that reports can show it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::Serialize;
use serde_json::Value;
use url::Url;

use super::auth::{Credentials, Redactor};
use super::headers::ExtraHeader;
use super::oauth::TokenSource;
use super::retry::{RateLimiter, RetryPolicy, is_idempotent};

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
    /// The connection could not be opened (refused, DNS, TLS handshake, or
    /// the connect timeout): nothing reached the server.
    #[error("connection failed: {0}")]
    Connect(String),
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    #[error("response body exceeds the {0}-byte limit")]
    BodyTooLarge(usize),
    #[error("invalid header {0:?}")]
    BadHeader(String),
    #[error("refusing to send a request to {0}: not on the target's origin {1}")]
    ForeignOrigin(String, String),
    /// No access token could be had (OAuth token endpoint failed or refused).
    #[error("could not get an access token: {0}")]
    Auth(String),
}

#[derive(Debug, Clone)]
pub struct ClientOptions {
    pub timeout: Duration,
    pub max_body_bytes: usize,
    /// Time allowed to open a connection (TCP and TLS handshake).
    pub connect_timeout: Duration,
    pub retry: RetryPolicy,
    /// Requests per second across every clone of the client.
    pub rate: Option<f64>,
    pub tls: TlsOptions,
    /// A proxy for every request (`--proxy`); without it, the standard
    /// environment variables (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`,
    /// `NO_PROXY`) apply.
    pub proxy: Option<String>,
    /// Extra headers (`--header`), sent with every request.
    pub headers: Vec<ExtraHeader>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            timeout: Duration::from_secs(30),
            max_body_bytes: 16 * 1024 * 1024,
            connect_timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
            rate: None,
            tls: TlsOptions::default(),
            proxy: None,
            headers: Vec::new(),
        }
    }
}

/// TLS settings beyond the system's trust store (rustls).
#[derive(Debug, Clone, Default)]
pub struct TlsOptions {
    /// PEM certificates trusted in addition to the system roots (`--cacert`).
    pub ca_bundle_pem: Option<Vec<u8>>,
    /// PEM client certificate chain followed by its private key, for mTLS.
    pub client_identity_pem: Option<Vec<u8>>,
    /// Accept any server certificate (`--insecure`).
    pub insecure: bool,
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
    /// Earlier attempts of this request that were answered or failed in a
    /// way that made scimspec send it again (the exchange shows the last).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub retries: Vec<Retry>,
    /// Where the answer finally came from, when the server redirected the
    /// request (same-origin redirects are followed; see `same_origin_redirects`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirected_to: Option<String>,
}

/// Why a request was sent again, and how long scimspec waited first.
#[derive(Debug, Clone, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct Retry {
    /// What the attempt got, e.g. `429 Too Many Requests (Retry-After: 2)`,
    /// `connection failed: ...`, `401 Unauthorized: OAuth access token renewed`.
    pub reason: String,
    /// The attempt's status, when it was answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Milliseconds waited before the next attempt.
    pub wait_ms: u64,
}

#[derive(Debug, Clone)]
pub struct HttpClient {
    inner: reqwest::Client,
    base: String,
    credentials: Credentials,
    redactor: Redactor,
    options: ClientOptions,
    /// The OAuth access token, shared by the clones of this client.
    oauth: Option<Arc<TokenSource>>,
    /// The run-wide request rate limit, shared by the clones.
    limiter: Option<Arc<RateLimiter>>,
    /// Where this clone also records its exchanges (see [`HttpClient::recording`]).
    journal: Option<Journal>,
}

/// The exchanges a recording client sent, for a caller that cannot get them
/// back otherwise (a discovery that ended the run).
#[derive(Debug, Clone, Default)]
pub struct Journal(Arc<std::sync::Mutex<Vec<Exchange>>>);

impl Journal {
    pub fn take(&self) -> Vec<Exchange> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }

    fn push(&self, exchange: &Exchange) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(exchange.clone());
    }
}

impl Exchange {
    /// Cuts request and response bodies longer than `max_bytes` (at a
    /// character boundary), saying how much was dropped. Reports keep every
    /// exchange of a run until they are written: without a bound, a server
    /// answering each request with a body just under `--max-response-bytes`
    /// would make memory grow with the number of requests times that limit.
    pub fn cap_bodies(&mut self, max_bytes: usize) {
        for body in [&mut self.request_body, &mut self.response_body]
            .into_iter()
            .flatten()
        {
            if body.len() > max_bytes {
                let mut cut = max_bytes;
                while !body.is_char_boundary(cut) {
                    cut -= 1;
                }
                let dropped = body.len() - cut;
                // A fresh allocation: shrinking the large one in place would
                // keep a small live block inside a large freed region
                // (fragmentation that grows the process with every large body).
                *body = format!(
                    "{}… [{dropped} more bytes not kept in the report]",
                    &body[..cut]
                );
            }
        }
    }
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
        // Credentials in the URL would be a secret on the command line, and
        // would end up in reports and the state file; the URL is not echoed.
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(HttpError::BadUrl(
                format!(
                    "{}://…@{}",
                    parsed.scheme(),
                    parsed.host_str().unwrap_or_default()
                ),
                "credentials are not taken in the URL; use SCIM_USERNAME and SCIM_PASSWORD (or --basic-auth-file)".into(),
            ));
        }
        // RFC 7644 §1.3: resource URIs are the base URI plus a path; a query
        // or fragment in it would be lost or misplaced on every request.
        if parsed.query().is_some() || parsed.fragment().is_some() {
            return Err(HttpError::BadUrl(
                base.into(),
                "the base URL must not have a query string or fragment (RFC 7644 §1.3)".into(),
            ));
        }
        let builder = reqwest::Client::builder()
            .user_agent(concat!("scimspec/", env!("CARGO_PKG_VERSION")))
            .redirect(same_origin_redirects(&parsed))
            .timeout(options.timeout);
        let inner = transport(builder, &options)?
            .build()
            .map_err(|e| HttpError::Client(error_chain(&e)))?;
        let redactor = credentials.redactor();
        for header in &options.headers {
            for part in &header.secret_parts {
                redactor.add(part);
            }
            if header.secret {
                redactor.add(&header.value);
            }
        }
        let oauth = match &credentials {
            Credentials::OAuth(config) => Some(Arc::new(TokenSource::new((**config).clone()))),
            _ => None,
        };
        let limiter = options.rate.map(|rate| Arc::new(RateLimiter::new(rate)));
        Ok(HttpClient {
            inner,
            base: base.trim_end_matches('/').to_string(),
            credentials,
            redactor,
            options,
            oauth,
            limiter,
            journal: None,
        })
    }

    /// A clone that also records every exchange in the returned journal.
    pub fn recording(&self) -> (HttpClient, Journal) {
        let journal = Journal::default();
        let mut client = self.clone();
        client.journal = Some(journal.clone());
        (client, journal)
    }

    /// A clone that sends every request once: no retry after 429, 503 or a
    /// broken connection (a load burst counts those as answers). The OAuth
    /// renewal after a 401 still applies.
    pub fn without_retries(&self) -> HttpClient {
        let mut client = self.clone();
        client.options.retry.max_retries = 0;
        client
    }

    /// The run-wide request rate limit (`--rate`), if any.
    pub fn rate_limit(&self) -> Option<f64> {
        self.options.rate
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

    /// Sends a request. Always returns the exchange, also when the request
    /// failed. A request that is safe to repeat is sent again after a
    /// connection failure, 429 or 503 (see [`Retry`]); any request is sent
    /// again when its connection could not even be opened, and once when the
    /// target rejects an OAuth token with 401 (with a fresh token).
    pub async fn send(&self, request: &OutgoingRequest) -> (Exchange, Result<Response, HttpError>) {
        let started = Instant::now();
        let idempotent = is_idempotent(&request.method, &request.path);
        let mut retries: Vec<Retry> = Vec::new();
        let mut retried: u32 = 0;
        let mut renewed = false;
        loop {
            if let Some(limiter) = &self.limiter {
                limiter.acquire().await;
            }
            let mut token_used = None;
            let (mut exchange, result) = self.send_once(request, &mut token_used).await;
            // A rejected OAuth token is renewed and the request resent once.
            if let (Ok(response), Some(token), Some(oauth)) = (&result, &token_used, &self.oauth)
                && response.status == 401
                && !renewed
            {
                renewed = true;
                oauth.invalidate(token).await;
                retries.push(Retry {
                    reason: "401 Unauthorized: OAuth access token renewed".into(),
                    status: Some(401),
                    wait_ms: 0,
                });
                continue;
            }
            if let Some((reason, status, wait)) = self.retry_wait(idempotent, &result, retried) {
                retried += 1;
                retries.push(Retry {
                    reason: self.redactor.redact(&reason),
                    status,
                    wait_ms: wait.as_millis() as u64,
                });
                tokio::time::sleep(wait).await;
                continue;
            }
            exchange.duration_ms = started.elapsed().as_millis() as u64;
            exchange.retries = retries;
            if let Some(journal) = &self.journal {
                journal.push(&exchange);
            }
            return (exchange, result);
        }
    }

    /// Whether (and after how long) to send the request again: the reason,
    /// the status that caused it, the wait.
    fn retry_wait(
        &self,
        idempotent: bool,
        result: &Result<Response, HttpError>,
        retried: u32,
    ) -> Option<(String, Option<u16>, Duration)> {
        let policy = &self.options.retry;
        if retried >= policy.max_retries {
            return None;
        }
        match result {
            Ok(response) if idempotent && matches!(response.status, 429 | 503) => {
                let retry_after = response.header("retry-after");
                let wait = retry_after
                    .and_then(|value| policy.retry_after(value))
                    .unwrap_or_else(|| policy.backoff(retried));
                let mut reason = status_line(response.status);
                if let Some(value) = retry_after {
                    reason.push_str(&format!(
                        " (Retry-After: {})",
                        crate::engine::predicate::truncate(value, 60)
                    ));
                }
                Some((reason, Some(response.status), wait))
            }
            // Nothing was sent: safe for every method. A certificate that
            // fails verification will fail again, so it is not retried.
            Err(err @ HttpError::Connect(message)) if !is_certificate_failure(message) => {
                Some((err.to_string(), None, policy.backoff(retried)))
            }
            // The request may have reached the server.
            Err(err @ HttpError::Transport(message))
                if idempotent && !is_certificate_failure(message) =>
            {
                Some((err.to_string(), None, policy.backoff(retried)))
            }
            _ => None,
        }
    }

    /// One attempt; notes the OAuth token it carried, if any.
    async fn send_once(
        &self,
        request: &OutgoingRequest,
        token_used: &mut Option<Arc<str>>,
    ) -> (Exchange, Result<Response, HttpError>) {
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
            redirected_to: None,
            retries: Vec::new(),
        };
        let result = self.send_inner(request, &mut exchange, token_used).await;
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
        token_used: &mut Option<Arc<str>>,
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
            if let Some(oauth) = &self.oauth {
                let token = oauth
                    .token(&self.inner, &self.redactor)
                    .await
                    .map_err(HttpError::Auth)?;
                insert_header(&mut headers, "authorization", &format!("Bearer {token}"))?;
                // A check that sends its own Authorization is not using the
                // token: its 401 says nothing about the token.
                if !request
                    .headers
                    .iter()
                    .any(|(name, _)| name.eq_ignore_ascii_case("authorization"))
                {
                    *token_used = Some(token);
                }
            }
        }
        // Headers whose value comes from the environment are credentials:
        // an anonymous request goes without them.
        for header in &self.options.headers {
            if !(request.anonymous && header.secret) {
                insert_header(&mut headers, &header.name, &header.value)?;
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

        let mut builder = self.inner.request(method, url.clone()).headers(headers);
        if let Some(body) = &request.body {
            builder = builder.body(body.clone());
        }
        let mut response = builder.send().await.map_err(|e| self.map_error(e))?;
        let status = response.status().as_u16();
        exchange.status = Some(status);
        if response.url() != &url {
            exchange.redirected_to = Some(self.redactor.redact(response.url().as_str()));
        }
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
        // The error chain carries the useful part ("connection refused").
        let mut message = self.redactor.redact(&error_chain(&err));
        message.push_str(tls_hint(&message));
        if err.is_connect() {
            if err.is_timeout() {
                return HttpError::Connect(format!(
                    "no connection within {:?} (--connect-timeout)",
                    self.options.connect_timeout
                ));
            }
            return HttpError::Connect(message);
        }
        if err.is_timeout() {
            return HttpError::Timeout(self.options.timeout);
        }
        HttpError::Transport(message)
    }
}

/// `429 Too Many Requests`.
fn status_line(status: u16) -> String {
    let reason = reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("");
    format!("{status} {reason}").trim_end().to_string()
}

/// A TLS handshake that failed on a certificate (the server's failed
/// verification, or the server refused ours): retrying cannot help.
fn is_certificate_failure(message: &str) -> bool {
    let lower = message.to_ascii_lowercase();
    lower.contains("certificate") || lower.contains("alert")
}

/// What to do about a TLS failure whose cause scimspec can name.
fn tls_hint(message: &str) -> &'static str {
    if message.contains("UnknownIssuer") {
        " (the server's certificate is not from a trusted CA: add it with --cacert FILE)"
    } else if message.contains("CertificateRequired") {
        " (the server wants a client certificate: --client-cert FILE --client-key FILE)"
    } else {
        ""
    }
}

/// Connect timeout, TLS and proxy settings.
fn transport(
    mut builder: reqwest::ClientBuilder,
    options: &ClientOptions,
) -> Result<reqwest::ClientBuilder, HttpError> {
    builder = builder.connect_timeout(options.connect_timeout);
    let tls = &options.tls;
    if let Some(pem) = &tls.ca_bundle_pem {
        let certificates = reqwest::Certificate::from_pem_bundle(pem)
            .map_err(|e| HttpError::Client(format!("--cacert: {}", error_chain(&e))))?;
        if certificates.is_empty() {
            return Err(HttpError::Client(
                "--cacert: no PEM certificate in the file".into(),
            ));
        }
        builder = builder.tls_certs_merge(certificates);
    }
    if let Some(pem) = &tls.client_identity_pem {
        let identity = reqwest::Identity::from_pem(pem).map_err(|e| {
            HttpError::Client(format!("--client-cert/--client-key: {}", error_chain(&e)))
        })?;
        builder = builder.identity(identity);
    }
    if tls.insecure {
        builder = builder.tls_danger_accept_invalid_certs(true);
    }
    if let Some(proxy) = &options.proxy {
        let proxy = reqwest::Proxy::all(proxy)
            .map_err(|e| HttpError::Client(format!("--proxy: {}", error_chain(&e))))?
            // NO_PROXY still names the hosts reached directly.
            .no_proxy(reqwest::NoProxy::from_env());
        builder = builder.proxy(proxy);
    }
    Ok(builder)
}

/// An error with its causes ("error sending request: connection refused").
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut message = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        // Some layers repeat their cause in their own message.
        if !message.ends_with(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    message
}

/// Most redirect hops followed for one request; a longer chain is a loop.
const MAX_REDIRECTS: usize = 10;

/// Redirects are followed only within the target's origin (scheme, host and
/// port): credentials, including custom headers reqwest cannot know are
/// secret, go with every request and must never reach another origin. A
/// redirect elsewhere is not followed; the 3xx answer itself is the response
/// (its Location header is in the exchange).
fn same_origin_redirects(base: &Url) -> reqwest::redirect::Policy {
    let origin = base.origin();
    reqwest::redirect::Policy::custom(move |attempt| {
        if attempt.url().origin() != origin {
            attempt.stop()
        } else if attempt.previous().len() > MAX_REDIRECTS {
            attempt.error(format!("more than {MAX_REDIRECTS} redirects"))
        } else {
            attempt.follow()
        }
    })
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
mod base_url_tests {
    use super::*;

    #[test]
    fn base_urls_with_credentials_or_queries_are_refused_without_echoing_secrets() {
        let err = HttpClient::new(
            "https://admin:hunter2@scim.example/v2",
            Credentials::None,
            ClientOptions::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("SCIM_USERNAME"), "{err}");
        assert!(!err.contains("hunter2") && !err.contains("admin"), "{err}");
        assert!(
            HttpClient::new(
                "https://scim.example/v2?tenant=1",
                Credentials::None,
                ClientOptions::default()
            )
            .is_err()
        );
        assert!(
            HttpClient::new(
                "https://scim.example/v2",
                Credentials::None,
                ClientOptions::default()
            )
            .is_ok()
        );
    }
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

#[cfg(test)]
mod cap_tests {
    use super::*;

    #[test]
    fn long_bodies_are_cut_at_a_character_boundary() {
        let max = 1000;
        let mut exchange: Exchange = serde_json::from_value(serde_json::json!({
            "method": "GET", "url": "u", "request_headers": [], "response_headers": [],
            "duration_ms": 1,
            "request_body": "short",
            "response_body": "é".repeat(max),
        }))
        .unwrap();
        exchange.cap_bodies(max);
        assert_eq!(exchange.request_body.as_deref(), Some("short"));
        let body = exchange.response_body.unwrap_or_default();
        assert!(body.len() < max + 100);
        assert!(body.ends_with(&format!("… [{max} more bytes not kept in the report]")));
    }
}

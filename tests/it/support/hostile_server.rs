//! A hostile SCIM server: a raw-TCP front for the reference server that
//! misbehaves in one chosen way (broken JSON, endless or stalled bodies,
//! resets, redirects, ...), so tests can prove scimspec reports each
//! behaviour clearly and never panics, hangs or runs out of memory.
//!
//! Requests the behaviour spares are forwarded to an in-process reference
//! server, with its base URL rewritten to the front's, so the run around the
//! hostile answers is realistic. Raw TCP (not axum) because several
//! behaviours are not expressible in a well-behaved HTTP framework.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::reference::{self, Reference};

pub use reference::TOKEN;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    /// The body is cut in half: truncated JSON.
    InvalidJson,
    /// A JSON object body is sent wrapped in an array.
    ArrayForObject,
    /// Every JSON number becomes a string (`"totalResults": "3"`).
    StringsForNumbers,
    /// `Resources` is an object keyed by position instead of an array.
    ResourcesAsObject,
    /// The body is 100,000 levels of nested arrays.
    DeepNesting,
    /// Bytes that are not UTF-8 inside the first JSON string.
    NonUtf8,
    /// 200 with a body that never ends, sent as fast as the client reads.
    HugeBody,
    /// The real answer with a 512 KiB `padding` member: large, under the cap.
    LargeBody,
    /// Headers and the start of the body, then silence (connection open).
    StallMidBody,
    /// A chunked body that never ends: one byte every 100 ms.
    Trickle,
    /// The request is read, then the connection is reset (RST).
    ConnectionReset,
    /// The request is read, then the connection is closed without a word.
    CloseBeforeAnswer,
    /// 200 with an HTML error page.
    HtmlErrorPage,
    /// The real answer, labelled `text/plain`.
    WrongContentType,
    /// 500 with a plain-text body, for every request.
    ServerError,
    /// 307 to the same path under `/hop` on the same origin, which serves it.
    RedirectSameOrigin,
    /// 307 to the same path on another origin (the witness listener).
    RedirectCrossOrigin,
    /// 307 to the very same URL, forever.
    RedirectLoop,
}

/// Which requests misbehave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every request, discovery included.
    Everywhere,
    /// Requests to resource endpoints, except the first one (the credential
    /// probe that ends discovery); the discovery documents are served intact.
    Resources,
}

/// The front's counters.
#[derive(Default)]
pub struct Stats {
    /// Requests that got the hostile answer.
    pub sabotaged: AtomicUsize,
    /// Body bytes written by the endless behaviours, in all.
    pub body_bytes_sent: AtomicU64,
    /// The largest body written to one request by an endless behaviour.
    pub max_body_bytes_one_request: AtomicU64,
}

pub struct HostileServer {
    pub base_url: String,
    pub stats: Arc<Stats>,
    /// The other origin cross-origin redirects point at.
    pub witness: Witness,
    shutdown: Option<tokio::sync::watch::Sender<bool>>,
    thread: Option<std::thread::JoinHandle<()>>,
    _upstream: Reference,
}

impl Drop for HostileServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(true);
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A request as the witness saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
}

/// A second listener, on another port (so another origin), that records
/// every request it receives.
#[derive(Clone)]
pub struct Witness {
    received: Arc<Mutex<Vec<Recorded>>>,
}

impl Witness {
    pub fn received(&self) -> Vec<Recorded> {
        self.received.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

struct Front {
    behaviour: Behaviour,
    scope: Scope,
    front_origin: String,
    upstream_origin: String,
    witness_origin: String,
    probe_spared: AtomicBool,
    stats: Arc<Stats>,
    client: reqwest::Client,
    shutdown: tokio::sync::watch::Receiver<bool>,
}

/// Starts the front (and its upstream reference server and witness) on
/// ephemeral 127.0.0.1 ports, on its own thread.
pub fn start(behaviour: Behaviour, scope: Scope) -> HostileServer {
    let upstream = reference::spawn(&[]);
    let upstream_origin = origin_of(&upstream.base_url);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    listener.set_nonblocking(true).expect("nonblocking");
    let witness_listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    witness_listener.set_nonblocking(true).expect("nonblocking");
    let front_origin = format!(
        "http://127.0.0.1:{}",
        listener.local_addr().expect("addr").port()
    );
    let witness_origin = format!(
        "http://127.0.0.1:{}",
        witness_listener.local_addr().expect("addr").port()
    );
    let witness = Witness {
        received: Arc::new(Mutex::new(Vec::new())),
    };
    let stats = Arc::new(Stats::default());
    let (shutdown, signal) = tokio::sync::watch::channel(false);
    let front = Front {
        behaviour,
        scope,
        front_origin: front_origin.clone(),
        upstream_origin,
        witness_origin,
        probe_spared: AtomicBool::new(false),
        stats: stats.clone(),
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(20))
            .build()
            .expect("client"),
        shutdown: signal.clone(),
    };
    let recorder = witness.received.clone();
    let thread = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async move {
            let front = Arc::new(front);
            let listener = TcpListener::from_std(listener).expect("listener");
            let witness_listener = TcpListener::from_std(witness_listener).expect("listener");
            let mut stop = signal.clone();
            loop {
                tokio::select! {
                    _ = stop.changed() => break,
                    accepted = listener.accept() => {
                        if let Ok((stream, _)) = accepted {
                            tokio::spawn(front.clone().serve(stream));
                        }
                    }
                    accepted = witness_listener.accept() => {
                        if let Ok((stream, _)) = accepted {
                            tokio::spawn(record(stream, recorder.clone()));
                        }
                    }
                }
            }
        });
        // Endless answers end with the runtime: no grace period.
        runtime.shutdown_background();
    });
    HostileServer {
        base_url: format!("{front_origin}/v2"),
        stats,
        witness,
        shutdown: Some(shutdown),
        thread: Some(thread),
        _upstream: upstream,
    }
}

fn origin_of(base_url: &str) -> String {
    base_url.strip_suffix("/v2").unwrap_or(base_url).to_string()
}

struct Request {
    method: String,
    /// Path and query, as sent.
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// Reads one HTTP/1.1 request (Content-Length bodies only: all scimspec sends).
async fn read_request(stream: &mut TcpStream) -> Option<Request> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        if buffer.len() > 1 << 20 {
            return None;
        }
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_string();
    let target = request_line.next()?.to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_string()))
        .collect();
    let length = headers
        .iter()
        .find(|(name, _)| name == "content-length")
        .and_then(|(_, value)| value.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = buffer[head_end..].to_vec();
    while body.len() < length {
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..read]);
    }
    body.truncate(length);
    Some(Request {
        method,
        target,
        headers,
        body,
    })
}

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Answer {
        Answer {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body: body.into(),
        }
    }

    fn redirect(location: String) -> Answer {
        Answer {
            status: 307,
            headers: vec![("location".into(), location)],
            body: Vec::new(),
        }
    }

    fn content_type(&self) -> Option<&str> {
        self.headers
            .iter()
            .find(|(name, _)| name == "content-type")
            .map(|(_, value)| value.as_str())
    }
}

fn status_line(status: u16) -> String {
    let reason = reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Unknown");
    format!("HTTP/1.1 {status} {reason}\r\n")
}

async fn write_answer(stream: &mut TcpStream, answer: &Answer) {
    let mut head = status_line(answer.status);
    for (name, value) in &answer.headers {
        if !matches!(
            name.as_str(),
            "content-length" | "transfer-encoding" | "connection"
        ) {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    head.push_str(&format!(
        "content-length: {}\r\nconnection: close\r\n\r\n",
        answer.body.len()
    ));
    let _ = stream.write_all(head.as_bytes()).await;
    let _ = stream.write_all(&answer.body).await;
    let _ = stream.shutdown().await;
}

fn is_discovery(path: &str) -> bool {
    [
        "/v2/ServiceProviderConfig",
        "/v2/ResourceTypes",
        "/v2/Schemas",
    ]
    .iter()
    .any(|prefix| path.starts_with(prefix))
}

impl Front {
    fn hostile_for(&self, request: &Request) -> bool {
        match self.scope {
            Scope::Everywhere => true,
            Scope::Resources => {
                !is_discovery(&request.target) && self.probe_spared.swap(true, Ordering::SeqCst)
            }
        }
    }

    async fn serve(self: Arc<Self>, mut stream: TcpStream) {
        let Some(request) = read_request(&mut stream).await else {
            return;
        };
        // The same-origin redirect target: always served faithfully.
        if let Some(rest) = request.target.strip_prefix("/hop") {
            let answer = self.forward(&request, rest).await;
            write_answer(&mut stream, &answer).await;
            return;
        }
        if !self.hostile_for(&request) {
            let answer = self.forward(&request, &request.target).await;
            write_answer(&mut stream, &answer).await;
            return;
        }
        self.stats.sabotaged.fetch_add(1, Ordering::SeqCst);
        match self.behaviour {
            Behaviour::HugeBody => self.endless(stream).await,
            Behaviour::StallMidBody => self.stall(stream).await,
            Behaviour::Trickle => self.trickle(stream).await,
            Behaviour::ConnectionReset => {
                let _ = stream.set_zero_linger();
                drop(stream);
            }
            Behaviour::CloseBeforeAnswer => drop(stream),
            Behaviour::HtmlErrorPage => {
                let page = "<!DOCTYPE html>\n<html><head><title>Oops</title></head>\
                            <body><h1>Something went wrong</h1><p>Please try again later.</p></body></html>\n";
                write_answer(
                    &mut stream,
                    &Answer::new(200, "text/html; charset=utf-8", page),
                )
                .await;
            }
            Behaviour::ServerError => {
                write_answer(
                    &mut stream,
                    &Answer::new(500, "text/plain", "Internal Server Error\n"),
                )
                .await;
            }
            Behaviour::RedirectSameOrigin => {
                let location = format!("{}/hop{}", self.front_origin, request.target);
                write_answer(&mut stream, &Answer::redirect(location)).await;
            }
            Behaviour::RedirectCrossOrigin => {
                let location = format!("{}{}", self.witness_origin, request.target);
                write_answer(&mut stream, &Answer::redirect(location)).await;
            }
            Behaviour::RedirectLoop => {
                let location = format!("{}{}", self.front_origin, request.target);
                write_answer(&mut stream, &Answer::redirect(location)).await;
            }
            Behaviour::InvalidJson
            | Behaviour::ArrayForObject
            | Behaviour::StringsForNumbers
            | Behaviour::ResourcesAsObject
            | Behaviour::DeepNesting
            | Behaviour::NonUtf8
            | Behaviour::LargeBody
            | Behaviour::WrongContentType => {
                let answer = self.forward(&request, &request.target).await;
                write_answer(&mut stream, &self.corrupt(answer)).await;
            }
        }
    }

    /// The real answer, spoilt in the behaviour's way.
    fn corrupt(&self, mut answer: Answer) -> Answer {
        let json = serde_json::from_slice::<Value>(&answer.body).ok();
        match self.behaviour {
            Behaviour::InvalidJson if !answer.body.is_empty() => {
                answer.body.truncate(answer.body.len() / 2);
                answer.body.extend_from_slice(b",");
            }
            Behaviour::ArrayForObject => {
                if let Some(value @ Value::Object(_)) = json {
                    answer.body = Value::Array(vec![value]).to_string().into_bytes();
                }
            }
            Behaviour::StringsForNumbers => {
                if let Some(mut value) = json {
                    numbers_to_strings(&mut value);
                    answer.body = value.to_string().into_bytes();
                }
            }
            Behaviour::ResourcesAsObject => {
                if let Some(Value::Object(mut object)) = json {
                    if let Some(Value::Array(items)) = object.remove("Resources") {
                        let keyed = items
                            .into_iter()
                            .enumerate()
                            .map(|(index, item)| (index.to_string(), item))
                            .collect();
                        object.insert("Resources".into(), Value::Object(keyed));
                    }
                    answer.body = Value::Object(object).to_string().into_bytes();
                }
            }
            Behaviour::DeepNesting => {
                let depth = 100_000;
                let mut body = Vec::with_capacity(depth * 2 + 64);
                body.extend_from_slice(br#"{"schemas":["urn:x"],"id":"#);
                body.extend(std::iter::repeat_n(b'[', depth));
                body.extend(std::iter::repeat_n(b']', depth));
                body.push(b'}');
                answer.body = body;
                if answer.content_type().is_none() {
                    answer
                        .headers
                        .push(("content-type".into(), "application/scim+json".into()));
                }
            }
            Behaviour::NonUtf8 => {
                let at = answer
                    .body
                    .iter()
                    .position(|&b| b == b'"')
                    .map_or(0, |at| at + 1);
                answer.body.splice(at..at, [0xFF, 0xFE, 0xC3, 0x28, 0x80]);
            }
            Behaviour::LargeBody => {
                if let Some(Value::Object(mut object)) = json {
                    object.insert("padding".into(), Value::String("x".repeat(512 * 1024)));
                    answer.body = Value::Object(object).to_string().into_bytes();
                }
            }
            Behaviour::WrongContentType => {
                answer.headers.retain(|(name, _)| name != "content-type");
                answer
                    .headers
                    .push(("content-type".into(), "text/plain; charset=utf-8".into()));
            }
            _ => {}
        }
        answer
    }

    /// Forwards to the reference server, translating its base URL to ours.
    async fn forward(&self, request: &Request, target: &str) -> Answer {
        let url = format!("{}{target}", self.upstream_origin);
        let method =
            reqwest::Method::from_bytes(request.method.as_bytes()).unwrap_or(reqwest::Method::GET);
        let mut builder = self.client.request(method, url);
        for (name, value) in &request.headers {
            if !matches!(
                name.as_str(),
                "host" | "content-length" | "connection" | "transfer-encoding"
            ) {
                builder = builder.header(name, value);
            }
        }
        if !request.body.is_empty() {
            builder = builder.body(replace_bytes(
                &request.body,
                &self.front_origin,
                &self.upstream_origin,
            ));
        }
        let Ok(response) = builder.send().await else {
            return Answer::new(502, "text/plain", "upstream unreachable");
        };
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(name, value)| {
                let value = String::from_utf8_lossy(value.as_bytes())
                    .replace(&self.upstream_origin, &self.front_origin);
                (name.as_str().to_string(), value)
            })
            .collect();
        let body = response
            .bytes()
            .await
            .map(|b| b.to_vec())
            .unwrap_or_default();
        Answer {
            status,
            headers,
            body: replace_bytes(&body, &self.upstream_origin, &self.front_origin),
        }
    }

    /// 200, then an endless JSON-looking body, as fast as the client takes it.
    async fn endless(&self, mut stream: TcpStream) {
        let head =
            "HTTP/1.1 200 OK\r\ncontent-type: application/scim+json\r\nconnection: close\r\n\r\n";
        if stream.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        let mut block = Vec::with_capacity(64 * 1024);
        while block.len() < 64 * 1024 {
            block.extend_from_slice(br#"{"id":"0123456789abcdef","userName":"x"},"#);
        }
        let mut sent: u64 = 0;
        let opening =
            br#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"Resources":["#;
        let mut pieces = std::iter::once(&opening[..]).chain(std::iter::repeat(&block[..]));
        // Bounded only by the client going away (or 8 GiB, a safety net for
        // a broken client under test that would otherwise read forever).
        while sent < 8 << 30 && !*self.shutdown.borrow() {
            let Some(piece) = pieces.next() else { break };
            if stream.write_all(piece).await.is_err() {
                break;
            }
            sent += piece.len() as u64;
            self.stats
                .body_bytes_sent
                .fetch_add(piece.len() as u64, Ordering::SeqCst);
            self.stats
                .max_body_bytes_one_request
                .fetch_max(sent, Ordering::SeqCst);
        }
    }

    /// Headers and the start of the body, then nothing until the client
    /// gives up (or the server stops).
    async fn stall(&self, mut stream: TcpStream) {
        let head = "HTTP/1.1 200 OK\r\ncontent-type: application/scim+json\r\ncontent-length: 100000\r\n\r\n{\"schemas\":[";
        if stream.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        let mut shutdown = self.shutdown.clone();
        let mut scratch = [0u8; 1024];
        tokio::select! {
            _ = shutdown.changed() => {}
            // Returns when the client closes the connection.
            _ = stream.read(&mut scratch) => {}
        }
    }

    /// A chunked body of one space every 100 ms, forever.
    async fn trickle(&self, mut stream: TcpStream) {
        let head = "HTTP/1.1 200 OK\r\ncontent-type: application/scim+json\r\ntransfer-encoding: chunked\r\n\r\n1\r\n{\r\n";
        if stream.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        while !*self.shutdown.borrow() {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if stream.write_all(b"1\r\n \r\n").await.is_err() {
                break;
            }
        }
    }
}

fn numbers_to_strings(value: &mut Value) {
    match value {
        Value::Number(number) => *value = Value::String(number.to_string()),
        Value::Array(items) => items.iter_mut().for_each(numbers_to_strings),
        Value::Object(members) => members.values_mut().for_each(numbers_to_strings),
        _ => {}
    }
}

fn replace_bytes(body: &[u8], from: &str, to: &str) -> Vec<u8> {
    match std::str::from_utf8(body) {
        Ok(text) => text.replace(from, to).into_bytes(),
        Err(_) => body.to_vec(),
    }
}

/// The witness: records the request and answers 404.
async fn record(mut stream: TcpStream, received: Arc<Mutex<Vec<Recorded>>>) {
    let Some(request) = read_request(&mut stream).await else {
        return;
    };
    if let Ok(mut received) = received.lock() {
        received.push(Recorded {
            method: request.method.clone(),
            target: request.target.clone(),
            headers: request.headers.clone(),
        });
    }
    write_answer(&mut stream, &Answer::new(404, "text/plain", "not here\n")).await;
}

//! Shared test helpers: the scimspec binary, report parsing, local servers.

pub mod fault_server;
pub mod findings;
pub mod hostile_server;
pub mod reference;
pub mod scim2_server;
pub mod scimmy;
pub mod server_thread;
pub mod transport_server;

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

/// Every shipped profile: the interop runs judge third-party servers on all.
pub const ALL_PROFILES: [&str; 8] = [
    "--profile",
    "rfc",
    "--profile",
    "entra",
    "--profile",
    "okta",
    "--profile",
    "interop",
];

pub fn scimspec() -> Command {
    let mut command = Command::cargo_bin("scimspec").expect("scimspec binary");
    command.env_remove("SCIM_TOKEN").env("NO_COLOR", "1");
    // Credentials and proxies of the machine running the tests must not
    // change what the tests see.
    for name in [
        "SCIM_USERNAME",
        "SCIM_PASSWORD",
        "SCIM_CLIENT_ID",
        "SCIM_CLIENT_SECRET",
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
        "NO_PROXY",
        "no_proxy",
    ] {
        command.env_remove(name);
    }
    command
}

pub fn read_report(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).expect("report written");
    serde_json::from_str(&text).expect("report is JSON")
}

/// The result object of one check in a JSON report.
pub fn result<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["results"]
        .as_array()
        .expect("results array")
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no result for {id}"))
}

/// ids of the checks with this verdict.
pub fn ids_with(report: &Value, verdict: &str) -> Vec<String> {
    report["results"]
        .as_array()
        .expect("results array")
        .iter()
        .filter(|r| r["verdict"] == verdict)
        .map(|r| r["id"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// One-line summaries of the non-passing results, for assertion messages.
pub fn describe_problems(report: &Value) -> String {
    report["results"]
        .as_array()
        .expect("results array")
        .iter()
        .filter(|r| r["verdict"] == "fail" || r["verdict"] == "error")
        .map(|r| format!("{} [{}]: {}", r["id"], r["verdict"], r["message"]))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The status of a plain GET (HTTP/1.0 over loopback), None if it fails.
pub fn http_status(url: &str) -> Option<u16> {
    http_get(url, None).map(|(status, _)| status)
}

/// A minimal blocking GET for test set-up and assertions (HTTP/1.0, no TLS).
pub fn http_get(url: &str, token: Option<&str>) -> Option<(u16, String)> {
    http_send("GET", url, token, None)
}

/// A minimal blocking request with an optional SCIM JSON body (HTTP/1.0, no TLS).
pub fn http_send(
    method: &str,
    url: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> Option<(u16, String)> {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://")?;
    let (authority, path) = rest
        .split_once('/')
        .map_or((rest, "/".to_string()), |(a, p)| (a, format!("/{p}")));
    let mut stream = std::net::TcpStream::connect(authority).ok()?;
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .ok()?;
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let body = body.map(Value::to_string).unwrap_or_default();
    let content = if body.is_empty() {
        String::new()
    } else {
        format!(
            "Content-Type: application/scim+json\r\nContent-Length: {}\r\n",
            body.len()
        )
    };
    write!(
        stream,
        "{method} {path} HTTP/1.0\r\nHost: {authority}\r\n{auth}{content}Accept: application/scim+json\r\n\r\n{body}"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let status = response.split_whitespace().nth(1)?.parse().ok()?;
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Some((status, body))
}

/// A port on 127.0.0.1 that only counts the connections made to it: proof
/// that a run sent nothing.
pub struct ConnectionCounter {
    pub port: u16,
    connections: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    watcher: Option<std::thread::JoinHandle<()>>,
}

impl ConnectionCounter {
    pub fn start() -> ConnectionCounter {
        use std::sync::atomic::Ordering;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        listener.set_nonblocking(true).unwrap();
        let connections = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let watcher = {
            let connections = connections.clone();
            let stop = stop.clone();
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    if listener.accept().is_ok() {
                        connections.fetch_add(1, Ordering::SeqCst);
                    }
                    std::thread::sleep(std::time::Duration::from_millis(5));
                }
            })
        };
        ConnectionCounter {
            port,
            connections,
            stop,
            watcher: Some(watcher),
        }
    }

    /// Stops listening and says how many connections came.
    pub fn finish(mut self) -> usize {
        use std::sync::atomic::Ordering;
        self.stop.store(true, Ordering::SeqCst);
        if let Some(watcher) = self.watcher.take() {
            let _ = watcher.join();
        }
        self.connections.load(Ordering::SeqCst)
    }
}

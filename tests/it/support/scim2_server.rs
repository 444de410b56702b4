//! The third-party scim2-server (PyPI `scim2-server==0.8.3`), installed by
//! `scripts/install-interop.sh` into `target/interop-venv` and started on
//! 127.0.0.1 for each test that needs it.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const TOKEN: &str = "scim2-server-test-token-7c1f";

pub struct Scim2Server {
    child: Child,
    pub base_url: String,
}

impl Drop for Scim2Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn project_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn binary() -> PathBuf {
    std::env::var_os("SCIM2_SERVER_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| project_root().join("target/interop-venv/bin/scim2-server"))
}

/// Installs the server once per test process (the script is idempotent).
fn ensure_installed() -> Result<PathBuf, String> {
    static INSTALL: Mutex<Option<Result<PathBuf, String>>> = Mutex::new(None);
    let mut guard = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(result) = guard.as_ref() {
        return result.clone();
    }
    let result = (|| {
        let bin = binary();
        if !bin.exists() || !bin.with_file_name("scim2").exists() {
            let status = Command::new("bash")
                .arg(project_root().join("scripts/install-interop.sh"))
                .status()
                .map_err(|e| format!("cannot run scripts/install-interop.sh: {e}"))?;
            if !status.success() {
                return Err(format!("scripts/install-interop.sh failed: {status}"));
            }
        }
        if bin.exists() {
            Ok(bin)
        } else {
            Err(format!("{} not found after install", bin.display()))
        }
    })();
    *guard = Some(result.clone());
    result
}

/// Another tool from the interop virtualenv (installed with the server).
/// None (after saying why) only outside CI.
pub fn tool(name: &str) -> Option<PathBuf> {
    let server = match ensure_installed() {
        Ok(server) => server,
        Err(reason) => {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("{name} is required in CI: {reason}");
            }
            eprintln!("SKIPPED: {name} unavailable ({reason}); CI=true makes this a failure");
            return None;
        }
    };
    let path = server.with_file_name(name);
    if path.exists() {
        return Some(path);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "{} is missing: run scripts/install-interop.sh",
            path.display()
        );
    }
    eprintln!(
        "SKIPPED: {} is missing; run scripts/install-interop.sh",
        path.display()
    );
    None
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// Starts a fresh, empty scim2-server. Returns None (after saying why) only
/// outside CI; with CI=true a missing server fails the test.
pub fn start() -> Option<Scim2Server> {
    let bin = match ensure_installed() {
        Ok(bin) => bin,
        Err(reason) => {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("scim2-server is required in CI: {reason}");
            }
            eprintln!("SKIPPED: scim2-server unavailable ({reason}); CI=true makes this a failure");
            return None;
        }
    };
    for _attempt in 0..3 {
        let port = free_port();
        let child = Command::new(&bin)
            .args(["--hostname", "127.0.0.1", "--port", &port.to_string()])
            .args(["--bearer-token", TOKEN])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        let server = Scim2Server {
            child,
            base_url: format!("http://127.0.0.1:{port}/v2"),
        };
        if wait_ready(&server.base_url, Duration::from_secs(30)) {
            return Some(server);
        }
    }
    panic!("scim2-server did not become ready on 127.0.0.1");
}

fn wait_ready(base_url: &str, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if super::http_status(&format!("{base_url}/ServiceProviderConfig")).is_some() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(150));
    }
    false
}

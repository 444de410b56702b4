//! SCIMMY (npm `scimmy@1.3.5` + `scimmy-routers@1.3.2` on `express@4.21.2`),
//! wired up by `interop/scimmy/server.js`, its packages installed by
//! `scripts/install-interop.sh` (`npm ci` into `interop/scimmy/node_modules`),
//! started with `node` on 127.0.0.1 for each test that needs it.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const TOKEN: &str = "scimmy-test-token-52d9";

pub struct ScimmyServer {
    child: Child,
    pub base_url: String,
}

impl Drop for ScimmyServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("interop/scimmy")
}

fn node() -> PathBuf {
    std::env::var_os("SCIMMY_NODE").map_or_else(|| PathBuf::from("node"), PathBuf::from)
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Node must run, and the packages must be installed (the install script is
/// run once per test process if they are not).
fn ensure_installed() -> Result<(), String> {
    static INSTALL: Mutex<Option<Result<(), String>>> = Mutex::new(None);
    let mut guard = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(result) = guard.as_ref() {
        return result.clone();
    }
    let result = (|| {
        let version = Command::new(node())
            .arg("--version")
            .output()
            .map_err(|e| format!("cannot run {}: {e}", node().display()))?;
        if !version.status.success() {
            return Err(format!("{} --version failed", node().display()));
        }
        let installed = || {
            dir()
                .join("node_modules/scimmy-routers/package.json")
                .exists()
        };
        if !installed() {
            let script =
                PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/install-interop.sh");
            let status = Command::new("bash")
                .arg(script)
                .status()
                .map_err(|e| format!("cannot run scripts/install-interop.sh: {e}"))?;
            if !status.success() {
                return Err(format!("scripts/install-interop.sh failed: {status}"));
            }
        }
        if installed() {
            Ok(())
        } else {
            Err("interop/scimmy/node_modules missing after install (is npm installed?)".into())
        }
    })();
    *guard = Some(result.clone());
    result
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// Starts a fresh, empty SCIMMY server. Returns None (after saying why) only
/// outside CI; with CI=true a missing Node or package fails the test.
pub fn start() -> Option<ScimmyServer> {
    if let Err(reason) = ensure_installed() {
        if in_ci() {
            panic!("SCIMMY is required in CI: {reason}");
        }
        eprintln!("SKIPPED: SCIMMY unavailable ({reason}); CI=true makes this a failure");
        return None;
    }
    for _attempt in 0..3 {
        let port = free_port();
        let child = Command::new(node())
            .arg(dir().join("server.js"))
            .current_dir(dir())
            .env("PORT", port.to_string())
            .env("TOKEN", TOKEN)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start node interop/scimmy/server.js: {e}"));
        let mut server = ScimmyServer {
            child,
            base_url: format!("http://127.0.0.1:{port}/v2"),
        };
        if wait_ready(&mut server, Duration::from_secs(30)) {
            return Some(server);
        }
    }
    panic!("SCIMMY did not become ready on 127.0.0.1");
}

/// Waits until the server answers, or gives up when it exits (port taken).
fn wait_ready(server: &mut ScimmyServer, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    let url = format!("{}/ServiceProviderConfig", server.base_url);
    while Instant::now() < deadline {
        if server.child.try_wait().ok().flatten().is_some() {
            return false;
        }
        if super::http_get(&url, Some(TOKEN)).is_some_and(|(status, _)| status == 200) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(150));
    }
    false
}

//! Robustness against broken and hostile servers: for each behaviour of
//! `support::hostile_server`, the scimspec binary runs against it and must
//! end on its own (no panic, no hang past its timeouts, bounded memory) with
//! a clear `error` or `fail` for the affected checks.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::hostile_server::{self, Behaviour, HostileServer, Scope, TOKEN};

/// A handful of checks across create, read, filter, PATCH and discovery, for
/// behaviours that make every request wait for the timeout.
const FOCUSED: &[&str] = &[
    "users.create.status",
    "users.get.by-id",
    "users.filter.eq",
    "users.patch.replace-simple",
    "discovery.spc.get",
];

struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
    elapsed: Duration,
    /// Peak resident memory of the scimspec process, as last sampled.
    max_rss_kib: u64,
    report: Option<Value>,
}

impl Outcome {
    fn results(&self) -> Vec<&Value> {
        self.report
            .as_ref()
            .and_then(|r| r["results"].as_array())
            .map(|items| items.iter().collect())
            .unwrap_or_default()
    }

    /// Results with this verdict whose message contains `needle`.
    fn with(&self, verdicts: &[&str], needle: &str) -> Vec<String> {
        self.results()
            .into_iter()
            .filter(|r| verdicts.iter().any(|v| r["verdict"] == *v))
            .filter(|r| r["message"].as_str().unwrap_or_default().contains(needle))
            .map(|r| r["id"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    fn verdict(&self, id: &str) -> (String, String) {
        let result = self
            .results()
            .into_iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("no result for {id}\n{}", self.stdout));
        (
            result["verdict"].as_str().unwrap_or_default().to_string(),
            result["message"].as_str().unwrap_or_default().to_string(),
        )
    }

    fn fatal(&self) -> String {
        self.report
            .as_ref()
            .and_then(|r| r["fatal"].as_str())
            .unwrap_or_default()
            .to_string()
    }

    fn discovery_problems(&self) -> String {
        self.report
            .as_ref()
            .map(|r| r["discovery"]["problems"].to_string())
            .unwrap_or_default()
    }

    fn summary(&self) -> String {
        format!(
            "exit {} after {:?}\nstdout:\n{}\nstderr:\n{}",
            self.code,
            self.elapsed,
            tail(&self.stdout),
            tail(&self.stderr)
        )
    }
}

fn tail(text: &str) -> &str {
    let start = text.len().saturating_sub(6000);
    let start = (start..=text.len())
        .find(|i| text.is_char_boundary(*i))
        .unwrap_or(text.len());
    &text[start..]
}

/// Runs `scimspec run` against the server with a JSON report; kills it (and
/// fails the test) if it outlives `bound`. Measures its peak memory.
fn run(
    server: &HostileServer,
    timeout_secs: u64,
    only: &[&str],
    extra: &[&str],
    bound: Duration,
) -> Outcome {
    let dir = tempfile::tempdir().expect("temp dir");
    let report = dir.path().join("report.json");
    let stdout_path = dir.path().join("stdout");
    let stderr_path = dir.path().join("stderr");
    let mut command = Command::new(env!("CARGO_BIN_EXE_scimspec"));
    command
        .args(["run", "--target", &server.base_url, "--report-json"])
        .arg(&report)
        .args(["--timeout", &timeout_secs.to_string(), "-vv"])
        // Resources a hostile answer hid from cleanup must not make later
        // checks skip: every check should meet the hostile server.
        .args(["--max-resources", "100000", "--state"])
        .arg(dir.path().join("state.jsonl"))
        .env("SCIM_TOKEN", TOKEN)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&stdout_path).expect("stdout file"))
        .stderr(std::fs::File::create(&stderr_path).expect("stderr file"));
    for selector in only {
        command.args(["--only", selector]);
    }
    command.args(extra);
    let started = Instant::now();
    let child = command.spawn().expect("scimspec starts");
    let pid = i32::try_from(child.id()).expect("pid");
    let (done, finished) = std::sync::mpsc::channel::<()>();
    // Polls the child's peak resident memory (VmHWM, reset at exec, so it
    // is scimspec's own; rusage would include the test process's, inherited
    // through vfork) and kills it when it outlives the bound.
    let watchdog = std::thread::spawn(move || {
        let mut peak_kib = 0;
        loop {
            match finished.recv_timeout(Duration::from_millis(10)) {
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                _ => return (false, peak_kib),
            }
            peak_kib = peak_kib.max(vm_hwm_kib(pid).unwrap_or(0));
            if started.elapsed() > bound {
                // SAFETY: pid is our own child, not yet reaped (the main
                // thread is still in wait4), so it names no other process.
                unsafe { libc::kill(pid, libc::SIGKILL) };
                return (true, peak_kib);
            }
        }
    });
    let mut status = 0;
    // SAFETY: waits for our own child; wait4 only writes into status.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, std::ptr::null_mut()) };
    let elapsed = started.elapsed();
    let _ = done.send(());
    let (killed, max_rss_kib) = watchdog.join().unwrap_or((false, 0));
    assert_eq!(waited, pid, "wait4 failed");
    // The child is reaped: std's Child must not wait for it again.
    std::mem::forget(child);
    let stdout = std::fs::read_to_string(&stdout_path).unwrap_or_default();
    let stderr = std::fs::read_to_string(&stderr_path).unwrap_or_default();
    assert!(
        !killed,
        "scimspec hung: killed after {bound:?}\nstdout:\n{}\nstderr:\n{}",
        tail(&stdout),
        tail(&stderr)
    );
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -libc::WTERMSIG(status)
    };
    let report = read_report(&report);
    Outcome {
        code,
        stdout,
        stderr,
        elapsed,
        max_rss_kib,
        report,
    }
}

/// `VmHWM` (peak resident set) of a running process, in KiB.
fn vm_hwm_kib(pid: i32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn read_report(path: &Path) -> Option<Value> {
    let text = std::fs::read_to_string(path).ok()?;
    serde_json::from_str(&text).ok()
}

/// No panic, a documented exit code, a report that parses, in time.
fn assert_survived(outcome: &Outcome, bound: Duration) {
    assert!(
        (0..=3).contains(&outcome.code),
        "exit code must be 0-3 (101 is a panic, negative a signal)\n{}",
        outcome.summary()
    );
    assert!(
        !outcome.stderr.contains("panicked") && !outcome.stdout.contains("panicked"),
        "scimspec panicked\n{}",
        outcome.summary()
    );
    assert!(outcome.elapsed < bound, "too slow\n{}", outcome.summary());
    assert!(
        outcome.report.is_some(),
        "the JSON report is missing or not JSON\n{}",
        outcome.summary()
    );
}

/// Runs one behaviour and checks that scimspec survived it.
fn survive(
    behaviour: Behaviour,
    scope: Scope,
    timeout_secs: u64,
    only: &[&str],
    extra: &[&str],
) -> (HostileServer, Outcome) {
    let server = hostile_server::start(behaviour, scope);
    // A whole run takes seconds (the behaviours run with it fail fast); a
    // focused run may wait for the timeout at discovery (4 requests) and on
    // a few requests per check. Generous for debug builds on small machines,
    // far below "hangs".
    let bound = if only.is_empty() {
        Duration::from_secs(180)
    } else {
        Duration::from_secs(60 + timeout_secs * (4 + 3 * only.len() as u64))
    };
    let outcome = run(&server, timeout_secs, only, extra, bound);
    assert_survived(&outcome, bound);
    if std::env::var_os("HOSTILE_DEBUG").is_some() {
        // A digest of each run, for looking at the messages by hand.
        let mut messages = std::collections::BTreeMap::<String, usize>::new();
        for result in outcome.results() {
            let message: String = result["message"]
                .as_str()
                .unwrap_or_default()
                .chars()
                .take(200)
                .collect();
            *messages
                .entry(format!("{} {message}", result["verdict"]))
                .or_default() += 1;
        }
        eprintln!(
            "=== {behaviour:?} {scope:?}: exit {}, {:?}, peak {} KiB, fatal {:?}, discovery {}",
            outcome.code,
            outcome.elapsed,
            outcome.max_rss_kib,
            outcome.fatal(),
            outcome.discovery_problems()
        );
        for (message, count) in messages {
            eprintln!("  {count:4} {message}");
        }
    }
    (server, outcome)
}

#[test]
fn invalid_json_is_reported_as_invalid_json() {
    let (server, outcome) = survive(Behaviour::InvalidJson, Scope::Resources, 5, &[], &[]);
    assert!(
        server
            .stats
            .sabotaged
            .load(std::sync::atomic::Ordering::SeqCst)
            > 0
    );
    assert_eq!(outcome.code, 1, "{}", outcome.summary());
    let (verdict, message) = outcome.verdict("users.get.by-id");
    assert!(
        matches!(verdict.as_str(), "fail" | "error") && message.contains("invalid JSON"),
        "{verdict}: {message}"
    );
    assert!(
        outcome.with(&["fail", "error"], "invalid JSON").len() > 20,
        "{}",
        outcome.summary()
    );

    // Broken discovery documents: the run goes on, saying why they are unusable.
    let (_server, outcome) = survive(Behaviour::InvalidJson, Scope::Everywhere, 5, &[], &[]);
    assert!(
        outcome.discovery_problems().contains("did not return JSON"),
        "{}",
        outcome.discovery_problems()
    );
    let (verdict, message) = outcome.verdict("discovery.spc.get");
    assert!(
        verdict == "fail" && message.contains("invalid JSON"),
        "{verdict}: {message}"
    );
}

#[test]
fn json_of_the_wrong_shape_is_a_finding() {
    let (_server, outcome) = survive(Behaviour::ArrayForObject, Scope::Resources, 5, &[], &[]);
    let (verdict, message) = outcome.verdict("users.get.by-id");
    assert!(
        verdict == "error" && message.contains("its body is a JSON array, not an object"),
        "{verdict}: {message}"
    );
    let (verdict, message) = outcome.verdict("users.create.resource");
    assert!(
        verdict == "fail" && message.contains("array"),
        "{verdict}: {message}"
    );

    let (_server, outcome) = survive(Behaviour::StringsForNumbers, Scope::Everywhere, 5, &[], &[]);
    let (verdict, message) = outcome.verdict("users.pagination.first-page");
    assert!(
        matches!(verdict.as_str(), "fail" | "error"),
        "{verdict}: {message}"
    );

    let (_server, outcome) = survive(Behaviour::ResourcesAsObject, Scope::Everywhere, 5, &[], &[]);
    assert!(
        outcome
            .discovery_problems()
            .contains("not a ListResponse with a Resources array"),
        "{}",
        outcome.discovery_problems()
    );
    let (verdict, message) = outcome.verdict("users.filter.eq");
    assert!(
        matches!(verdict.as_str(), "fail" | "error") && message.contains("Resources"),
        "{verdict}: {message}"
    );
}

#[test]
fn deeply_nested_json_is_rejected_not_recursed_into() {
    let (_server, outcome) = survive(Behaviour::DeepNesting, Scope::Resources, 5, &[], &[]);
    let (verdict, message) = outcome.verdict("users.get.by-id");
    assert!(
        matches!(verdict.as_str(), "fail" | "error") && message.contains("recursion limit"),
        "{verdict}: {message}"
    );
}

#[test]
fn non_utf8_bodies_are_reported_not_trusted() {
    let (_server, outcome) = survive(Behaviour::NonUtf8, Scope::Resources, 5, &[], &[]);
    let (verdict, message) = outcome.verdict("users.get.by-id");
    assert!(
        matches!(verdict.as_str(), "fail" | "error") && message.contains("invalid JSON"),
        "{verdict}: {message}"
    );
}

#[test]
fn endless_bodies_stop_at_the_size_cap_with_bounded_memory() {
    let cap = 1024 * 1024;
    let (server, outcome) = survive(
        Behaviour::HugeBody,
        Scope::Resources,
        20,
        FOCUSED,
        &["--max-response-bytes", &cap.to_string()],
    );
    let message = outcome.verdict("users.get.by-id").1;
    assert!(
        message.contains("exceeds the 1048576-byte limit"),
        "{message}\n{}",
        outcome.summary()
    );
    // Read incrementally and abandoned at the cap: the server never got to
    // send much more than the cap (plus socket buffers) to one request.
    let most = server
        .stats
        .max_body_bytes_one_request
        .load(std::sync::atomic::Ordering::SeqCst);
    assert!(
        most < 64 * 1024 * 1024,
        "{most} bytes were read for one request"
    );
    // Memory stays bounded: no whole body is ever held.
    assert!(outcome.max_rss_kib > 0, "memory was not measured");
    assert!(
        outcome.max_rss_kib < 256 * 1024,
        "peak memory {} KiB",
        outcome.max_rss_kib
    );

    // Discovery documents over the cap are reported, and the run goes on.
    let (_server, outcome) = survive(
        Behaviour::HugeBody,
        Scope::Everywhere,
        20,
        FOCUSED,
        &["--max-response-bytes", &cap.to_string()],
    );
    assert!(
        outcome
            .discovery_problems()
            .contains("GET /ServiceProviderConfig answered 200, but the response body exceeds the 1048576-byte limit (see --max-response-bytes)"),
        "{}",
        outcome.summary()
    );
    let (verdict, message) = outcome.verdict("users.get.by-id");
    assert!(
        verdict == "error" && message.contains("exceeds the 1048576-byte limit"),
        "{verdict}: {message}"
    );

    // The default cap (16 MiB) holds too.
    let (_server, outcome) = survive(
        Behaviour::HugeBody,
        Scope::Resources,
        20,
        &["users.get.by-id"],
        &[],
    );
    let message = outcome.verdict("users.get.by-id").1;
    assert!(
        message.contains("exceeds the 16777216-byte limit"),
        "{message}"
    );
    assert!(
        outcome.max_rss_kib < 256 * 1024,
        "peak memory {} KiB",
        outcome.max_rss_kib
    );
}

#[test]
fn many_large_bodies_under_the_cap_keep_memory_bounded() {
    // Every answer carries 512 KiB: the run reads hundreds of them, keeps
    // only the start of each for its reports, and returns the rest.
    let (server, outcome) = survive(Behaviour::LargeBody, Scope::Resources, 10, &[], &[]);
    assert!(
        server
            .stats
            .sabotaged
            .load(std::sync::atomic::Ordering::SeqCst)
            > 300
    );
    assert!(outcome.max_rss_kib > 0, "memory was not measured");
    assert!(
        outcome.max_rss_kib < 400 * 1024,
        "peak memory {} KiB\n{}",
        outcome.max_rss_kib,
        outcome.summary()
    );
    let report = outcome
        .report
        .as_ref()
        .map(Value::to_string)
        .unwrap_or_default();
    assert!(report.contains("more bytes not kept in the report"));
    assert!(report.len() < 200 * 1024 * 1024, "{} bytes", report.len());
}

#[test]
fn stalled_and_endless_responses_end_at_the_timeout() {
    for behaviour in [Behaviour::StallMidBody, Behaviour::Trickle] {
        let (_server, outcome) = survive(behaviour, Scope::Resources, 1, FOCUSED, &[]);
        let (verdict, message) = outcome.verdict("users.get.by-id");
        assert!(
            verdict == "error" && message.contains("timed out after 1s"),
            "{behaviour:?}: {verdict}: {message}"
        );
    }
    // Stalling discovery: exit 3 with the reason, after one timeout.
    let (_server, outcome) = survive(Behaviour::StallMidBody, Scope::Everywhere, 1, FOCUSED, &[]);
    assert_eq!(outcome.code, 3, "{}", outcome.summary());
    assert!(outcome.fatal().contains("timed out"), "{}", outcome.fatal());
    assert!(
        outcome.stdout.contains("timed out"),
        "{}",
        outcome.summary()
    );
}

#[test]
fn connection_resets_and_early_closes_are_errors() {
    for behaviour in [Behaviour::ConnectionReset, Behaviour::CloseBeforeAnswer] {
        let (_server, outcome) = survive(behaviour, Scope::Resources, 5, &[], &[]);
        let (verdict, message) = outcome.verdict("users.get.by-id");
        assert!(
            verdict == "error" && message.contains("request failed"),
            "{behaviour:?}: {verdict}: {message}"
        );
        // Every check on /Users could not test: none passed or failed.
        let judged: Vec<String> = outcome
            .results()
            .into_iter()
            .filter(|r| r["id"].as_str().is_some_and(|id| id.starts_with("users.")))
            .filter(|r| r["verdict"] == "pass" || r["verdict"] == "fail")
            .map(|r| format!("{} {}", r["id"], r["verdict"]))
            .collect();
        assert!(judged.is_empty(), "{behaviour:?}: {judged:?}");

        let (_server, outcome) = survive(behaviour, Scope::Everywhere, 5, FOCUSED, &[]);
        assert_eq!(outcome.code, 3, "{behaviour:?}\n{}", outcome.summary());
        assert!(
            outcome.fatal().contains("request failed"),
            "{behaviour:?}: {}",
            outcome.fatal()
        );
    }
}

#[test]
fn an_html_error_page_with_200_is_not_json() {
    let (_server, outcome) = survive(Behaviour::HtmlErrorPage, Scope::Resources, 5, &[], &[]);
    let (verdict, message) = outcome.verdict("users.get.by-id");
    assert!(
        matches!(verdict.as_str(), "fail" | "error") && message.contains("text/html"),
        "{verdict}: {message}"
    );
    let (_server, outcome) = survive(Behaviour::HtmlErrorPage, Scope::Everywhere, 5, &[], &[]);
    assert!(
        outcome.discovery_problems().contains("text/html"),
        "{}",
        outcome.discovery_problems()
    );
}

#[test]
fn a_wrong_content_type_fails_only_the_media_type_checks() {
    let (_server, outcome) = survive(Behaviour::WrongContentType, Scope::Everywhere, 5, &[], &[]);
    let (verdict, message) = outcome.verdict("users.create.media-type");
    assert!(
        matches!(verdict.as_str(), "fail" | "warn") && message.contains("Content-Type"),
        "{verdict}: {message}"
    );
    // Everything else is judged on its merits.
    let (verdict, message) = outcome.verdict("users.get.by-id");
    assert_eq!(verdict, "pass", "{message}");
}

#[test]
fn five_hundred_on_every_request() {
    let (_server, outcome) = survive(Behaviour::ServerError, Scope::Everywhere, 5, &[], &[]);
    assert_eq!(outcome.code, 1, "{}", outcome.summary());
    assert!(
        outcome.discovery_problems().contains("answered 500"),
        "{}",
        outcome.discovery_problems()
    );
    let (verdict, message) = outcome.verdict("users.get.by-id");
    assert!(
        matches!(verdict.as_str(), "fail" | "error") && message.contains("500"),
        "{verdict}: {message}"
    );
    assert!(
        outcome.with(&["pass"], "").len() < 20,
        "{}",
        outcome.summary()
    );
}

#[test]
fn redirects_are_followed_on_the_same_origin_only() {
    // Same origin: followed, with the credentials, and recorded.
    let (_server, outcome) = survive(
        Behaviour::RedirectSameOrigin,
        Scope::Everywhere,
        5,
        &[],
        &[],
    );
    assert_eq!(
        outcome.verdict("users.get.by-id").0,
        "pass",
        "{}",
        outcome.summary()
    );
    assert_eq!(outcome.verdict("users.create.status").0, "pass");
    let result = outcome
        .results()
        .into_iter()
        .find(|r| r["id"] == "users.get.by-id")
        .cloned()
        .unwrap_or_default();
    let redirected = result["exchanges"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["redirected_to"].as_str())
        .collect::<Vec<_>>();
    assert!(
        redirected.iter().any(|to| to.contains("/hop/v2/")),
        "{result:#}"
    );

    // Another origin: not followed; the witness there never hears of us.
    let (server, outcome) = survive(
        Behaviour::RedirectCrossOrigin,
        Scope::Everywhere,
        5,
        &[],
        &[],
    );
    let received = server.witness.received();
    let seen: Vec<String> = received
        .iter()
        .map(|r| format!("{} {}", r.method, r.target))
        .collect();
    assert!(
        seen.is_empty(),
        "requests reached the other origin: {seen:?}"
    );
    assert!(
        received
            .iter()
            .all(|r| r.headers.iter().all(|(name, _)| name != "authorization")),
        "credentials reached the other origin"
    );
    assert!(
        outcome.discovery_problems().contains("redirect"),
        "{}",
        outcome.discovery_problems()
    );
    let (verdict, message) = outcome.verdict("users.get.by-id");
    assert!(
        matches!(verdict.as_str(), "fail" | "error") && message.contains("307"),
        "{verdict}: {message}"
    );

    // A redirect loop ends after a bounded number of hops.
    let (_server, outcome) = survive(Behaviour::RedirectLoop, Scope::Resources, 5, FOCUSED, &[]);
    let (verdict, message) = outcome.verdict("users.get.by-id");
    assert!(
        verdict == "error" && message.contains("redirects"),
        "{verdict}: {message}"
    );
}

/// The Entra load burst meets a hostile server: 75 concurrent requests that
/// stall, are reset or get truncated JSON end within the burst plus one
/// timeout, each counted as an answer not as expected (a warning: the rule
/// is a SHOULD); 75 large answers keep memory bounded.
#[test]
fn the_entra_burst_survives_stalls_resets_and_large_bodies() {
    const BURST: &[&str] = &["entra.throughput.matching-burst"];
    const ENTRA: &[&str] = &["--profile", "entra"];
    for behaviour in [
        Behaviour::StallMidBody,
        Behaviour::ConnectionReset,
        Behaviour::InvalidJson,
    ] {
        let (_server, outcome) = survive(behaviour, Scope::Resources, 1, BURST, ENTRA);
        let (verdict, message) = outcome.verdict("entra.throughput.matching-burst");
        assert_eq!(verdict, "warn", "{behaviour:?}: {message}");
        assert!(message.contains("75 did not"), "{behaviour:?}: {message}");
        // Three seconds of schedule, then at most one timeout.
        assert!(
            outcome.elapsed < Duration::from_secs(30),
            "{behaviour:?}\n{}",
            outcome.summary()
        );
    }
    let (_server, outcome) = survive(Behaviour::LargeBody, Scope::Resources, 10, BURST, ENTRA);
    assert!(
        outcome.max_rss_kib > 0 && outcome.max_rss_kib < 400 * 1024,
        "peak memory {} KiB\n{}",
        outcome.max_rss_kib,
        outcome.summary()
    );
    // The real answers, only large: judged on their content, and they pass.
    let (verdict, message) = outcome.verdict("entra.throughput.matching-burst");
    assert_eq!(verdict, "pass", "{message}");
}

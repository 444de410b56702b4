//! Safety of the tenant: scimspec only touches what it created, and cleans
//! up after a complete run, after Ctrl-C, and (through its state file) after
//! being killed.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use scimspec::runner::ledger::read_state;

use crate::support::{ConnectionCounter, http_get, http_send, reference, scimspec};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// Creates users and groups the way a real tenant has them, and returns
/// their URLs (relative to the base).
fn populate(base: &str) -> Vec<String> {
    let token = Some(reference::TOKEN);
    let mut created = Vec::new();
    let mut user_ids = Vec::new();
    for (index, name) in ["alice", "bob", "carol"].iter().enumerate() {
        let body = json!({
            "schemas": [USER, ENTERPRISE],
            "userName": format!("{name}@tenant.example"),
            "externalId": format!("hr-{index}"),
            "displayName": name.to_uppercase(),
            "name": {"givenName": name, "familyName": "Tenant"},
            "emails": [{"value": format!("{name}@tenant.example"), "type": "work", "primary": true}],
            "active": true,
            ENTERPRISE: {"employeeNumber": format!("{index}"), "department": "Sales"}
        });
        let (status, text) =
            http_send("POST", &format!("{base}/Users"), token, Some(&body)).unwrap();
        assert_eq!(status, 201, "{text}");
        let id = serde_json::from_str::<Value>(&text).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        created.push(format!("/Users/{id}"));
        user_ids.push(id);
    }
    for (name, members) in [("Sales", &user_ids[..2]), ("Everyone", &user_ids[..])] {
        let members: Vec<Value> = members.iter().map(|id| json!({"value": id})).collect();
        let body = json!({"schemas": [GROUP], "displayName": name, "members": members});
        let (status, text) =
            http_send("POST", &format!("{base}/Groups"), token, Some(&body)).unwrap();
        assert_eq!(status, 201, "{text}");
        let id = serde_json::from_str::<Value>(&text).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        created.push(format!("/Groups/{id}"));
    }
    created
}

/// Every resource on the server, each as the exact bytes GET returns.
fn snapshot(base: &str, urls: &[String]) -> (Vec<String>, Vec<String>) {
    let token = Some(reference::TOKEN);
    let mut ids = Vec::new();
    for endpoint in ["Users", "Groups"] {
        let (status, text) = http_get(
            &format!("{base}/{endpoint}?count=1000&attributes=id"),
            token,
        )
        .unwrap();
        assert_eq!(status, 200);
        let list: Value = serde_json::from_str(&text).unwrap();
        for resource in list["Resources"].as_array().unwrap() {
            ids.push(format!("/{endpoint}/{}", resource["id"].as_str().unwrap()));
        }
    }
    ids.sort();
    let bodies = urls
        .iter()
        .map(|url| http_get(&format!("{base}{url}"), token).unwrap().1)
        .collect();
    (ids, bodies)
}

#[test]
fn a_full_run_touches_nothing_it_did_not_create_and_leaves_nothing_behind() {
    let server = reference::spawn(&[]);
    let base = &server.base_url;
    let existing = populate(base);
    let before = snapshot(base, &existing);

    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("run.state.jsonl");
    let output = scimspec()
        .args(["run", "--target", base, "-q", "--state"])
        .arg(&state)
        .env("SCIM_TOKEN", reference::TOKEN)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");

    let after = snapshot(base, &existing);
    assert_eq!(
        before.0, after.0,
        "the server holds exactly what it held before"
    );
    for (url, (old, new)) in existing.iter().zip(before.1.iter().zip(&after.1)) {
        assert_eq!(old, new, "{url} changed byte for byte");
    }
    let saved = read_state(&state).unwrap();
    assert!(
        saved.live.is_empty(),
        "state file lists leftovers: {:?}",
        saved.live
    );
    let lines = std::fs::read_to_string(&state).unwrap();
    assert!(
        lines.matches("\"event\":\"created\"").count() > 100,
        "the state file recorded every create"
    );
}

/// A suite whose check creates a user and then waits, so the run can be
/// interrupted while the user exists.
const SLOW_SUITE: &str = r#"
id: test.slow
title: A check that waits after creating
checks:
  - id: slow.create-then-wait
    title: creates a user, then waits
    requirements: [{id: P-3.3-02}]
    steps:
      - request:
          method: POST
          path: /Users
          body: {schemas: [urn:ietf:params:scim:schemas:core:2.0:User], userName: "{{ unique.user }}"}
        capture: {user_id: body.id}
        expect: {status: 201}
      - delay_ms: 30000
        request: {method: GET, path: "/Users/{{ user_id }}"}
        expect: {status: 200}
    cleanup:
      - request: {method: DELETE, path: "/Users/{{ user_id }}"}
"#;

struct SlowRun {
    child: Child,
    state: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

fn start_slow_run(base: &str) -> SlowRun {
    let dir = tempfile::tempdir().unwrap();
    let suite = dir.path().join("slow.yaml");
    std::fs::write(&suite, SLOW_SUITE).unwrap();
    let state = dir.path().join("slow.state.jsonl");
    let child = Command::new(assert_cmd::cargo::cargo_bin("scimspec"))
        .args(["run", "--no-builtin", "--color", "never", "--target", base])
        .arg("--suite")
        .arg(&suite)
        .arg("--state")
        .arg(&state)
        .arg("--report-json")
        .arg(dir.path().join("report.json"))
        .env("SCIM_TOKEN", reference::TOKEN)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the user exists and the state file says so.
    let deadline = Instant::now() + Duration::from_secs(20);
    while !std::fs::read_to_string(&state).is_ok_and(|s| s.contains("\"event\":\"created\"")) {
        assert!(Instant::now() < deadline, "the run never created its user");
        std::thread::sleep(Duration::from_millis(20));
    }
    SlowRun {
        child,
        state,
        _dir: dir,
    }
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Waits for the process, failing the test if it takes longer than `limit`.
fn finish(mut run: SlowRun, limit: Duration) -> (Option<i32>, String, SlowRun) {
    let started = Instant::now();
    loop {
        if let Some(status) = run.child.try_wait().unwrap() {
            let mut stderr = String::new();
            if let Some(mut pipe) = run.child.stderr.take() {
                use std::io::Read;
                let _ = pipe.read_to_string(&mut stderr);
            }
            return (status.code(), stderr, run);
        }
        if started.elapsed() > limit {
            let _ = run.child.kill();
            panic!("the run did not stop within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn user_count(base: &str) -> u64 {
    let (_, text) = http_get(&format!("{base}/Users?count=0"), Some(reference::TOKEN)).unwrap();
    serde_json::from_str::<Value>(&text).unwrap()["totalResults"]
        .as_u64()
        .unwrap()
}

fn cleanup(state: &Path) -> (Option<i32>, String) {
    let output = scimspec()
        .args(["cleanup", "--state"])
        .arg(state)
        .env("SCIM_TOKEN", reference::TOKEN)
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).to_string(),
    )
}

#[test]
fn ctrl_c_stops_the_run_and_deletes_what_it_created() {
    let server = reference::spawn(&[]);
    let base = &server.base_url;
    let run = start_slow_run(base);
    assert_eq!(user_count(base), 1);
    signal(&run.child, "INT");
    let (code, stderr, run) = finish(run, Duration::from_secs(10));
    assert_eq!(code, Some(130), "{stderr}");
    assert!(
        stderr.contains("deleting what this run created"),
        "{stderr}"
    );
    assert_eq!(user_count(base), 0, "the sweep deleted the user");
    assert!(read_state(&run.state).unwrap().live.is_empty());
    let report: Value = serde_json::from_str(
        &std::fs::read_to_string(run.state.with_file_name("report.json")).unwrap(),
    )
    .unwrap();
    assert!(report["interrupted"].is_string(), "{report}");
    assert_eq!(report["cleanup"]["swept"].as_array().unwrap().len(), 1);
}

#[test]
fn a_second_signal_exits_at_once_and_cleanup_finishes_later() {
    let server = reference::spawn(&[]);
    let base = &server.base_url;
    let run = start_slow_run(base);
    signal(&run.child, "INT");
    signal(&run.child, "TERM");
    let (code, stderr, run) = finish(run, Duration::from_secs(10));
    assert_eq!(code, Some(130), "{stderr}");
    // Either the second signal came first (and names the way out), or the
    // sweep had already finished.
    let left = read_state(&run.state).unwrap().live.len();
    assert!(
        stderr.contains(&format!("scimspec cleanup --state {}", run.state.display())) || left == 0,
        "{stderr}"
    );
    let (code, out) = cleanup(&run.state);
    assert_eq!(code, Some(0), "{out}");
    assert_eq!(user_count(base), 0);
}

#[test]
fn a_killed_run_is_cleaned_up_from_its_state_file() {
    let server = reference::spawn(&[]);
    let base = &server.base_url;
    let run = start_slow_run(base);
    signal(&run.child, "KILL");
    let (_, _, run) = finish(run, Duration::from_secs(10));
    assert_eq!(
        user_count(base),
        1,
        "killed mid-check: the user is still there"
    );
    assert_eq!(read_state(&run.state).unwrap().live.len(), 1);

    let (code, out) = cleanup(&run.state);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("deleted"), "{out}");
    assert_eq!(user_count(base), 0);
    assert!(read_state(&run.state).unwrap().live.is_empty());
    let (code, out) = cleanup(&run.state);
    assert_eq!(code, Some(0));
    assert!(out.contains("Nothing to clean up"), "{out}");

    // Not a state file: a usage error, nothing sent.
    let junk = run.state.with_extension("junk");
    std::fs::write(&junk, "{}\n").unwrap();
    assert_eq!(cleanup(&junk).0, Some(2));
}

#[test]
fn max_resources_skips_checks_that_could_exceed_it() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let output = scimspec()
        .args([
            "run",
            "--only",
            "users.create.*",
            "--max-resources",
            "1",
            "--jobs",
            "1",
        ])
        .arg("--report-json")
        .arg(&report)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let results = report["results"].as_array().unwrap();
    let skipped: Vec<&Value> = results.iter().filter(|r| r["verdict"] == "skip").collect();
    assert!(!skipped.is_empty());
    assert!(
        skipped
            .iter()
            .all(|r| r["message"].as_str().unwrap().contains("--max-resources 1")),
        "{skipped:?}"
    );
    assert!(
        results
            .iter()
            .any(|r| r["id"] == "users.create.status" && r["verdict"] == "pass"),
        "a check creating one resource still runs"
    );
}

#[test]
fn dry_run_sends_nothing() {
    let counter = ConnectionCounter::start();
    let port = counter.port;
    let output = scimspec()
        .args([
            "run",
            "--dry-run",
            "--target",
            &format!("http://127.0.0.1:{port}/v2"),
        ])
        .env("SCIM_TOKEN", "t")
        .output()
        .unwrap();
    let connections = counter.finish();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0));
    assert!(stdout.contains("users.create.status") && stdout.contains("POST /Users"));
    assert!(stdout.contains("that may change data"));
    assert_eq!(connections, 0, "no request was sent");
}

/// A create whose representation does not carry the run id is never swept:
/// the sweep cannot tell it from someone else's resource (a hostile or
/// buggy server could answer a create with the location of any resource).
const UNMARKED_SUITE: &str = r#"
id: test.unmarked
title: A check that creates a user without the run id and leaves it
checks:
  - id: unmarked.create
    title: creates a user named without the run id
    requirements: [{id: P-3.3-02}]
    steps:
      - request:
          method: POST
          path: /Users
          body: {schemas: [urn:ietf:params:scim:schemas:core:2.0:User], userName: "someone-else@tenant.example"}
        expect: {status: 201}
"#;

#[test]
fn the_sweep_leaves_alone_what_does_not_carry_the_run_id() {
    let server = reference::spawn(&[]);
    let base = &server.base_url;
    let dir = tempfile::tempdir().unwrap();
    let suite = dir.path().join("unmarked.yaml");
    std::fs::write(&suite, UNMARKED_SUITE).unwrap();
    let report = dir.path().join("r.json");
    let output = scimspec()
        .args(["run", "--no-builtin", "--target", base, "--suite"])
        .arg(&suite)
        .arg("--report-json")
        .arg(&report)
        .env("SCIM_TOKEN", reference::TOKEN)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("could not be deleted"), "{stdout}");
    assert_eq!(user_count(base), 1, "left alone");
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let failed = &report["cleanup"]["failed"][0];
    assert!(
        failed[1]
            .as_str()
            .unwrap()
            .contains("does not carry this run's id"),
        "{report}"
    );
}

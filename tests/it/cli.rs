//! The command line: listing, explaining, exit codes, suite-file errors,
//! gating, selection and deterministic output.

use predicates::prelude::*;

use crate::support::fault_server;
use crate::support::{read_report, result, scimspec};

const USER_SUITE: &str = r#"
id: custom.gating
title: Gating demo
checks:
  - id: custom.sorting
    title: Needs sort support
    requirements: [{id: P-3.4.2.3-01}]
    requires: [sort.supported]
    steps:
      - request: {method: GET, path: /Users, query: {sortBy: userName}}
        expect: {status: 200}
  - id: custom.groups
    title: Needs the Group resource type
    requirements: [{id: P-3.4.1-03}]
    requires: [resourceType: Group]
    steps:
      - request: {method: GET, path: /Groups}
        expect: {status: 200}
  - id: custom.setup-fails
    title: A failing setup step makes the check an error, not a failure
    requirements: [{id: P-3.4.1-01}]
    steps:
      - name: impossible setup
        setup: true
        request: {method: GET, path: /Nowhere}
        expect: {status: 200}
      - request: {method: GET, path: /Users}
        expect: {status: 200}
"#;

#[test]
fn list_shows_every_check_with_section_and_level() {
    scimspec()
        .arg("list")
        .assert()
        .success()
        .stdout(predicate::str::contains("users.create.status"))
        .stdout(predicate::str::contains("7644 §3.3"))
        .stdout(predicate::str::contains("MUST"));
    scimspec()
        .args(["list", "--only", "tag:discovery"])
        .assert()
        .success()
        .stdout(predicate::str::contains("discovery.spc.get"))
        .stdout(predicate::str::contains("users.create.status").not());
}

#[test]
fn explain_prints_requirement_and_fix() {
    scimspec()
        .args(["explain", "users.create.status"])
        .assert()
        .success()
        .stdout(predicate::str::contains("RFC 7644 §3.3 MUST (P-3.3-02)"))
        .stdout(predicate::str::contains(
            "The server answers a successful create with status 201",
        ))
        .stdout(predicate::str::contains("How to fix"));
    scimspec()
        .args(["explain", "no.such.check"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no check with id"));
}

#[test]
fn a_broken_suite_file_fails_to_load_with_its_location_and_nothing_runs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.yaml");
    std::fs::write(&path, "id: x\ntitle: X\nchecks:\n  - id: a\n    title: A\n    requirements: [{id: P-3.3-02}]\n    stepz: []\n").unwrap();
    scimspec()
        .args(["run", "--target", "http://127.0.0.1:9/v2", "--suite"])
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("broken.yaml:7:"))
        .stderr(predicate::str::contains("stepz"));
}

#[test]
fn an_unreachable_target_exits_3() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    scimspec()
        .args(["run", "--target", &format!("http://127.0.0.1:{port}/v2")])
        .assert()
        .code(3)
        .stdout(predicate::str::contains("target unreachable"));
}

#[test]
fn usage_errors_exit_2_before_any_request() {
    scimspec()
        .args(["run", "--target", "ftp://x"])
        .assert()
        .code(2);
    scimspec()
        .args([
            "run",
            "--target",
            "http://127.0.0.1:9/v2",
            "--report-json",
            "/nonexistent-dir/r.json",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot write report"));
    scimspec()
        .args([
            "run",
            "--target",
            "http://127.0.0.1:9/v2",
            "--token-file",
            "/nonexistent-token",
        ])
        .assert()
        .code(2);
    scimspec()
        .args([
            "run",
            "--target",
            "http://127.0.0.1:9/v2",
            "--only",
            "section:x/1",
        ])
        .assert()
        .code(2);
    scimspec()
        .args(["--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Exit codes"));
}

#[test]
fn unadvertised_features_are_skipped_with_a_reason_and_failed_setup_is_an_error() {
    let server = fault_server::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let suite = dir.path().join("gating.yaml");
    std::fs::write(&suite, USER_SUITE).unwrap();
    let report_path = dir.path().join("r.json");
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, format!("{}\n", fault_server::TOKEN)).unwrap();
    let output = scimspec()
        .args([
            "run",
            "--target",
            &server.base_url,
            "--no-builtin",
            "--suite",
        ])
        .arg(&suite)
        .arg("--token-file")
        .arg(&token_file)
        .arg("--report-json")
        .arg(&report_path)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "errors and skips do not fail a run"
    );
    let report = read_report(&report_path);
    let sorting = result(&report, "custom.sorting");
    assert_eq!(sorting["verdict"], "skip");
    assert_eq!(sorting["message"], "sort.supported is false");
    let groups = result(&report, "custom.groups");
    assert_eq!(groups["verdict"], "skip");
    assert_eq!(groups["message"], "resource type Group is not advertised");
    let setup = result(&report, "custom.setup-fails");
    assert_eq!(setup["verdict"], "error");
    assert!(
        setup["message"]
            .as_str()
            .unwrap()
            .contains("setup step 'impossible setup' failed")
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("SKIP"), "{stdout}");
    assert!(!stdout.contains(fault_server::TOKEN));
}

#[test]
fn report_order_does_not_depend_on_jobs() {
    let server = crate::support::reference::spawn(&[]);
    let dir = tempfile::tempdir().unwrap();
    let mut orders = Vec::new();
    let mut stdouts = Vec::new();
    for jobs in ["1", "8"] {
        let path = dir.path().join(format!("r{jobs}.json"));
        let output = scimspec()
            .args([
                "run",
                "--target",
                &server.base_url,
                "--jobs",
                jobs,
                "--report-json",
            ])
            .arg(&path)
            .env("SCIM_TOKEN", fault_server::TOKEN)
            .output()
            .unwrap();
        let report = read_report(&path);
        let ids: Vec<String> = report["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect();
        orders.push(ids);
        let text = String::from_utf8_lossy(&output.stdout).to_string();
        // Drop the lines that legitimately differ (run id, jobs, duration).
        stdouts.push(
            text.lines()
                .filter(|l| {
                    !l.contains("(run ") && !l.contains("jobs:") && !l.starts_with("Summary")
                })
                .map(str::to_string)
                .collect::<Vec<_>>(),
        );
    }
    assert_eq!(orders[0], orders[1]);
    assert_eq!(stdouts[0], stdouts[1]);
}

#[test]
fn selection_runs_only_the_chosen_checks() {
    let server = fault_server::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.json");
    scimspec()
        .args([
            "run",
            "--target",
            &server.base_url,
            "--only",
            "section:7644/3.6",
            "--skip",
            "users.delete.twice",
        ])
        .arg("--report-json")
        .arg(&path)
        .env("SCIM_TOKEN", fault_server::TOKEN)
        .assert()
        .success();
    let report = read_report(&path);
    let results = report["results"].as_array().unwrap();
    let ids: Vec<&str> = results.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&"users.delete.status"), "{ids:?}");
    assert!(ids.contains(&"users.delete.gone"), "{ids:?}");
    assert!(!ids.contains(&"users.delete.twice"), "{ids:?}");
    for result in results {
        let cites_section = result["requirements"]
            .as_array()
            .unwrap()
            .iter()
            .any(|q| q["rfc"] == 7644 && q["section"] == "3.6");
        assert!(
            cites_section,
            "{} does not cite RFC 7644 §3.6",
            result["id"]
        );
    }
}

#[test]
fn colour_follows_the_flag() {
    let server = fault_server::start(&[fault_server::Fault::CreateReturns200]);
    let coloured = scimspec()
        .args([
            "run",
            "--target",
            &server.base_url,
            "--color",
            "always",
            "--only",
            "users.create.status",
        ])
        .env("SCIM_TOKEN", fault_server::TOKEN)
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    assert_eq!(coloured.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&coloured.stdout).contains("\u{1b}["));
    let plain = scimspec()
        .args([
            "run",
            "--target",
            &server.base_url,
            "--color",
            "never",
            "--only",
            "users.create.status",
        ])
        .env("SCIM_TOKEN", fault_server::TOKEN)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&plain.stdout);
    assert!(!text.contains("\u{1b}["));
    assert!(text.contains("FAIL"));
    assert!(text.contains("expected: 201"), "{text}");
    assert!(
        text.contains("requirement: RFC 7644 §3.3 MUST (P-3.3-02)"),
        "{text}"
    );
}

#[test]
fn listing_into_a_closed_pipe_ends_quietly() {
    use std::io::{BufRead, BufReader};
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("scimspec"))
        .arg("list")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    // The reader is gone now (`scimspec list | head -1`).
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_ne!(output.status.code(), Some(101));
}

const ERRORING_SUITE: &str = r#"
id: test.errors
title: Checks that cannot be tested
checks:
  - id: e.setup-breaks
    title: a check whose setup breaks
    requirements: [{id: P-4-01}]
    steps:
      - setup: true
        request: {method: GET, path: /ServiceProviderConfig}
        expect: {status: 299}
"#;

const PASSING_SUITE: &str = r#"
id: test.passes
title: A check that passes
checks:
  - id: p.spc
    title: ServiceProviderConfig answers 200
    requirements: [{id: P-4-01}]
    steps:
      - request: {method: GET, path: /ServiceProviderConfig}
        expect: {status: 200}
"#;

#[test]
fn errors_alone_are_not_a_pass() {
    let dir = tempfile::tempdir().unwrap();
    let errors = dir.path().join("errors.yaml");
    let passes = dir.path().join("passes.yaml");
    std::fs::write(&errors, ERRORING_SUITE).unwrap();
    std::fs::write(&passes, PASSING_SUITE).unwrap();
    // Nothing could be judged: exit 3, not 0.
    scimspec()
        .args(["run", "--no-builtin", "--suite"])
        .arg(&errors)
        .assert()
        .code(3);
    // Something judged, one error: 0 by default, 1 with --fail-on-error.
    let both = |extra: &[&str]| {
        scimspec()
            .args(["run", "--no-builtin", "--suite"])
            .arg(&errors)
            .arg("--suite")
            .arg(&passes)
            .args(extra)
            .output()
            .unwrap()
            .status
            .code()
    };
    assert_eq!(both(&[]), Some(0));
    assert_eq!(both(&["--fail-on-error"]), Some(1));
}

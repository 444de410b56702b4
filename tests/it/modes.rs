//! Run modes for live tenants and CI gates: --read-only, --fail-on, --min-score.

use scimspec::server::faults::Fault;

use crate::support::reference::{self, TOKEN};
use crate::support::{read_report, scimspec};

fn run(faults: &[Fault], extra: &[&str]) -> (Option<i32>, serde_json::Value) {
    let server = reference::spawn(faults);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.json");
    let output = scimspec()
        .args(["run", "--target", &server.base_url])
        .args(extra)
        .arg("--report-json")
        .arg(&path)
        .env("SCIM_TOKEN", TOKEN)
        .output()
        .unwrap();
    (output.status.code(), read_report(&path))
}

#[test]
fn read_only_runs_send_no_mutating_request() {
    let (code, report) = run(&[], &["--read-only"]);
    assert_eq!(code, Some(0));
    let results = report["results"].as_array().unwrap();
    assert!(
        results.len() >= 15,
        "too few read-only checks: {}",
        results.len()
    );
    let exchanges = report["discovery"]["exchanges"]
        .as_array()
        .unwrap()
        .iter()
        .chain(
            results
                .iter()
                .flat_map(|r| r["exchanges"].as_array().unwrap().iter()),
        );
    let mut count = 0;
    for exchange in exchanges {
        count += 1;
        let method = exchange["method"].as_str().unwrap();
        let url = exchange["url"].as_str().unwrap();
        let reading = method == "GET" || (method == "POST" && url.ends_with("/.search"));
        assert!(reading, "--read-only sent {method} {url}");
    }
    assert!(count > 20);
    assert_eq!(
        report["options"]["mode"],
        "read-only (only GET and POST /.search are sent)"
    );
}

#[test]
fn fail_on_should_turns_warnings_into_a_failed_run() {
    // Responses typed application/json break a SHOULD (RFC 7644 §8.1).
    let (code, report) = run(&[Fault::JsonContentType], &[]);
    assert_eq!(report["summary"]["failed"], 0);
    assert!(report["summary"]["warned"].as_u64().unwrap() > 0);
    assert_eq!(code, Some(0));
    let (code, _) = run(&[Fault::JsonContentType], &["--fail-on", "should"]);
    assert_eq!(code, Some(1));
}

#[test]
fn min_score_gates_on_the_must_level_score() {
    let (code, report) = run(&[Fault::CreateReturns200], &["--min-score", "80"]);
    let score = report["summary"]["must_compliance_percent"]
        .as_f64()
        .unwrap();
    assert!(report["summary"]["failed"].as_u64().unwrap() > 0);
    assert!(score > 80.0 && score < 100.0, "{score}");
    assert_eq!(
        code,
        Some(0),
        "failures above the minimum score pass the gate"
    );
    let (code, _) = run(&[Fault::CreateReturns200], &["--min-score", "100"]);
    assert_eq!(code, Some(1));
}

#[test]
fn coverage_reports_sections_levels_and_untestable_rows() {
    let output = scimspec()
        .args(["coverage", "--uncovered"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success());
    assert!(stdout.contains("RFC 7644 §3.3"), "{stdout}");
    assert!(stdout.contains("testable rows covered"), "{stdout}");
    assert!(stdout.contains("Not testable black-box"), "{stdout}");
    assert!(stdout.contains("P-3.12-12"), "{stdout}");
    assert!(
        stdout.contains("Uncovered testable requirements"),
        "{stdout}"
    );
}

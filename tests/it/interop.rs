//! The shipped suites against a real third-party server: scim2-server 0.8.3,
//! conformant on nearly every point probed; each finding is recorded with the
//! RFC sentence (or profile source) it breaks in
//! interop/scim2-server/expected-findings.json. Expected: exactly those
//! findings, no errors.

use crate::support::{
    ALL_PROFILES, describe_problems, findings, http_get, read_report, scim2_server, scimspec,
};

/// Every finding against scim2-server 0.8.3 (fail, error, warn), checked by
/// hand and recorded with the RFC sentence or the profile source behind it.
const EXPECTED: &str = "interop/scim2-server/expected-findings.json";

#[test]
fn shipped_suites_pass_against_scim2_server_and_clean_up() {
    findings::check_recorded_file(EXPECTED);
    let Some(server) = scim2_server::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let report_path = dir.path().join("report.json");
    let output = scimspec()
        .args(["run", "--target", &server.base_url, "--color", "never"])
        .args(ALL_PROFILES)
        .arg("--report-json")
        .arg(&report_path)
        .env("SCIM_TOKEN", scim2_server::TOKEN)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let report = read_report(&report_path);
    let recorded = findings::assert_recorded(EXPECTED, "scim2-server", &report);
    assert_eq!(
        report["summary"]["errored"],
        0,
        "{}",
        describe_problems(&report)
    );
    assert!(
        report["summary"]["passed"].as_u64().unwrap() >= 40,
        "{stdout}"
    );
    // Every identity-provider profile finds scim2-server compatible (its
    // profile findings are SHOULD-level warnings).
    for profile in report["profiles"].as_array().unwrap() {
        assert_eq!(profile["compatible"], true, "{profile}");
    }
    assert_eq!(report["profiles"].as_array().unwrap().len(), 3);
    let fails = recorded.keys().any(|(_, verdict)| verdict == "fail");
    assert_eq!(output.status.code(), Some(i32::from(fails)), "{stdout}");

    // Everything the run created was deleted again.
    let (status, body) = http_get(
        &format!("{}/Users", server.base_url),
        Some(scim2_server::TOKEN),
    )
    .unwrap();
    assert_eq!(status, 200);
    let users: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(users["totalResults"], 0, "left behind: {body}");

    // The token never appears in the report.
    let text = std::fs::read_to_string(&report_path).unwrap();
    assert!(!text.contains(scim2_server::TOKEN));
    assert!(text.contains("Bearer [REDACTED]"));
}

#[test]
fn a_wrong_token_is_reported_as_rejected_credentials() {
    let Some(server) = scim2_server::start() else {
        return;
    };
    // scim2-server serves discovery without a token; the credential probe
    // on /Users must still notice the rejection.
    let output = scimspec()
        .args(["run", "--target", &server.base_url])
        .env("SCIM_TOKEN", "not-the-token")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(3), "{stdout}");
    assert!(stdout.contains("credentials rejected"), "{stdout}");
}

/// An independent tester (scim2-tester 0.5.2 through scim2-cli 0.6.0) must
/// find no error in the reference server.
#[test]
fn scim2_tester_finds_no_error_in_the_reference_server() {
    let Some(scim2) = scim2_server::tool("scim2") else {
        return;
    };
    let server = crate::support::reference::spawn(&[]);
    let output = std::process::Command::new(scim2)
        .args(["--url", &server.base_url])
        .args([
            "-h",
            &format!("Authorization: Bearer {}", crate::support::reference::TOKEN),
        ])
        .arg("test")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let errors: Vec<&str> = stdout
        .lines()
        .filter(|line| line.starts_with("ERROR") || line.starts_with("CRITICAL"))
        .collect();
    let successes = stdout
        .lines()
        .filter(|line| line.starts_with("SUCCESS"))
        .count();
    assert!(errors.is_empty(), "scim2-tester errors:\n{stdout}");
    assert!(
        successes >= 100,
        "scim2-tester ran too little ({successes} successes):\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{stdout}");
}

//! The shipped suites against a real third-party server: scim2-server 0.8.3,
//! a conformant implementation. Expected: zero failures, zero errors.

use crate::support::{describe_problems, http_get, read_report, scim2_server, scimspec};

#[test]
fn shipped_suites_pass_against_scim2_server_and_clean_up() {
    let Some(server) = scim2_server::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let report_path = dir.path().join("report.json");
    let output = scimspec()
        .args(["run", "--target", &server.base_url, "--color", "never"])
        .arg("--report-json")
        .arg(&report_path)
        .env("SCIM_TOKEN", scim2_server::TOKEN)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let report = read_report(&report_path);
    assert_eq!(
        report["summary"]["failed"],
        0,
        "failures against scim2-server:\n{}\n{stdout}",
        describe_problems(&report)
    );
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
    assert_eq!(output.status.code(), Some(0), "{stdout}");

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

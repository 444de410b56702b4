//! The shipped suites against a second real server: SCIMMY 1.3.5 with
//! scimmy-routers 1.3.2 (interop/scimmy/server.js). SCIMMY is not fully
//! conformant; every finding scimspec reports against it was checked by hand
//! against the RFC and recorded, with the reason, in
//! interop/scimmy/expected-findings.json. This test asserts that the findings
//! (check id and verdict, for every fail, error and warn) stay exactly those.
//!
//! When the suites change, `scripts/interop-findings.sh` rewrites the file
//! with the current findings, recorded reasons kept and new ones marked TODO;
//! check every new one against the RFC by hand before recording it.

use crate::support::{ALL_PROFILES, findings, read_report, scimmy, scimspec};

const EXPECTED: &str = "interop/scimmy/expected-findings.json";

#[test]
fn scimmy_findings_are_exactly_the_recorded_ones() {
    // The recorded file is checked before anything starts.
    findings::check_recorded_file(EXPECTED);
    let Some(server) = scimmy::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let report_path = dir.path().join("report.json");
    // One suite at a time: SCIMMY's filter matching throws on resources that
    // lack the filtered complex attribute, so with concurrent suites the
    // verdicts of the filter checks would depend on what other suites happen
    // to have in the store at that moment.
    let output = scimspec()
        .args(["run", "--target", &server.base_url, "--color", "never"])
        .args(["--jobs", "1"])
        .args(ALL_PROFILES)
        .arg("--report-json")
        .arg(&report_path)
        .env("SCIM_TOKEN", scimmy::TOKEN)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let report = read_report(&report_path);
    assert!(
        report["fatal"].is_null(),
        "run stopped: {}\n{stdout}",
        report["fatal"]
    );
    assert!(
        report["summary"]["passed"].as_u64().unwrap() >= 50,
        "too few checks passed against SCIMMY:\n{stdout}"
    );

    findings::assert_recorded(EXPECTED, "SCIMMY", &report);

    // The token never appears in the report.
    let text = std::fs::read_to_string(&report_path).unwrap();
    assert!(!text.contains(scimmy::TOKEN));
}

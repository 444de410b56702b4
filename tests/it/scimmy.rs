//! The shipped suites against a second real server: SCIMMY 1.3.5 with
//! scimmy-routers 1.3.2 (interop/scimmy/server.js). SCIMMY is not fully
//! conformant; every finding scimspec reports against it was checked by hand
//! against the RFC and recorded, with the reason, in
//! interop/scimmy/expected-findings.json. This test asserts that the findings
//! (check id and verdict, for every fail, error and warn) stay exactly those.
//!
//! When the suites change, `scripts/scimmy-findings.sh` prints the current
//! findings merged with the recorded reasons (new ones marked TODO); check
//! every new one against the RFC by hand before recording it.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::support::{ALL_PROFILES, read_report, scimmy, scimspec};

const EXPECTED: &str = "interop/scimmy/expected-findings.json";
const FINDING_VERDICTS: [&str; 3] = ["fail", "error", "warn"];

/// (check id, verdict) -> the recorded reason or the report's message.
type Findings = BTreeMap<(String, String), String>;

fn expected_findings() -> Findings {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(EXPECTED);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{EXPECTED}: {e}"));
    let entries: Vec<Value> = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{EXPECTED} is not a JSON list: {e}"));
    let mut findings = Findings::new();
    for entry in &entries {
        let field = |name: &str| {
            entry[name]
                .as_str()
                .filter(|v| !v.trim().is_empty())
                .unwrap_or_else(|| panic!("{EXPECTED}: entry without \"{name}\": {entry}"))
                .to_string()
        };
        let (check, verdict, reason) = (field("check"), field("verdict"), field("reason"));
        let requirement = field("requirement");
        assert!(
            FINDING_VERDICTS.contains(&verdict.as_str()),
            "{EXPECTED}: {check}: verdict must be fail, error or warn, not {verdict}"
        );
        assert!(
            !reason.starts_with("TODO"),
            "{EXPECTED}: {check}: the reason is still a TODO; check it against the RFC"
        );
        let previous =
            findings.insert((check.clone(), verdict), format!("{requirement}: {reason}"));
        assert!(previous.is_none(), "{EXPECTED}: {check} is listed twice");
    }
    findings
}

fn actual_findings(report: &Value) -> Findings {
    report["results"]
        .as_array()
        .expect("results array")
        .iter()
        .filter(|r| FINDING_VERDICTS.iter().any(|v| r["verdict"] == *v))
        .map(|r| {
            (
                (
                    r["id"].as_str().unwrap_or_default().to_string(),
                    r["verdict"].as_str().unwrap_or_default().to_string(),
                ),
                r["message"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// Readable difference: findings that are new, and recorded ones that went away.
fn difference(expected: &Findings, actual: &Findings) -> String {
    let mut out = String::new();
    let new: Vec<_> = actual
        .iter()
        .filter(|(k, _)| !expected.contains_key(*k))
        .collect();
    let gone: Vec<_> = expected
        .iter()
        .filter(|(k, _)| !actual.contains_key(*k))
        .collect();
    if !new.is_empty() {
        out.push_str(&format!(
            "new findings ({}), not in {EXPECTED}:\n",
            new.len()
        ));
        for ((check, verdict), message) in new {
            out.push_str(&format!("  + {check} [{verdict}]: {message}\n"));
        }
    }
    if !gone.is_empty() {
        out.push_str(&format!(
            "recorded findings that went away ({}):\n",
            gone.len()
        ));
        for ((check, verdict), reason) in gone {
            out.push_str(&format!("  - {check} [{verdict}] (recorded: {reason})\n"));
        }
    }
    out
}

#[test]
fn scimmy_findings_are_exactly_the_recorded_ones() {
    let expected = expected_findings();
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

    let actual = actual_findings(&report);
    let diff = difference(&expected, &actual);
    assert!(
        diff.is_empty(),
        "the findings against SCIMMY changed.\n{diff}\nCheck each new finding by hand against \
         the RFC, then record it with its reason in {EXPECTED} \
         (scripts/scimmy-findings.sh prints the current findings merged with the recorded \
         reasons); if a check is wrong, fix the check instead."
    );

    // The token never appears in the report.
    let text = std::fs::read_to_string(&report_path).unwrap();
    assert!(!text.contains(scimmy::TOKEN));
}

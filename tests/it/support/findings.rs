//! Recorded findings against a third-party server: every fail, error and
//! warn scimspec reports against it, checked by hand against the RFC (or the
//! profile's source) and kept with the reason in
//! `interop/NAME/expected-findings.json`. The interop tests assert that a run
//! finds exactly those.
//!
//! After the suites change, `scripts/interop-findings.sh` runs the interop
//! tests with `SCIMSPEC_UPDATE_FINDINGS=1`: the files are rewritten with the
//! current findings, recorded reasons kept, new ones given a reason starting
//! with "TODO" — which the tests refuse until someone has checked the finding
//! by hand and written the reason.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::{Value, json};

const FINDING_VERDICTS: [&str; 3] = ["fail", "error", "warn"];
const UPDATE_VARIABLE: &str = "SCIMSPEC_UPDATE_FINDINGS";

/// (check id, verdict) -> "requirement: reason" (recorded) or the message (found).
pub type Findings = BTreeMap<(String, String), String>;

fn file(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(relative)
}

fn recorded_entries(relative: &str) -> Vec<Value> {
    let path = file(relative);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(_) if updating() => return Vec::new(),
        Err(e) => panic!("{relative}: {e}"),
    };
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{relative} is not a JSON list: {e}"))
}

fn updating() -> bool {
    std::env::var(UPDATE_VARIABLE).is_ok_and(|v| v == "1")
}

/// The recorded findings, validated: every entry has a check, a verdict
/// among fail/error/warn, a requirement and a reason that is not a TODO.
pub fn recorded(relative: &str) -> Findings {
    let mut findings = Findings::new();
    for entry in recorded_entries(relative) {
        let field = |name: &str| {
            entry[name]
                .as_str()
                .filter(|v| !v.trim().is_empty())
                .unwrap_or_else(|| panic!("{relative}: entry without \"{name}\": {entry}"))
                .to_string()
        };
        let (check, verdict, reason) = (field("check"), field("verdict"), field("reason"));
        let requirement = field("requirement");
        assert!(
            FINDING_VERDICTS.contains(&verdict.as_str()),
            "{relative}: {check}: verdict must be fail, error or warn, not {verdict}"
        );
        assert!(
            !reason.starts_with("TODO"),
            "{relative}: {check}: the reason is still a TODO; check the finding by hand and write why"
        );
        let previous =
            findings.insert((check.clone(), verdict), format!("{requirement}: {reason}"));
        assert!(previous.is_none(), "{relative}: {check} is listed twice");
    }
    findings
}

fn findings_in(report: &Value) -> Vec<&Value> {
    report["results"]
        .as_array()
        .expect("results array")
        .iter()
        .filter(|r| FINDING_VERDICTS.iter().any(|v| r["verdict"] == *v))
        .collect()
}

fn key(check: &Value, verdict: &Value) -> (String, String) {
    (
        check.as_str().unwrap_or_default().to_string(),
        verdict.as_str().unwrap_or_default().to_string(),
    )
}

/// With `SCIMSPEC_UPDATE_FINDINGS=1`: rewrites the file with the report's
/// findings in report order, keeping recorded entries and marking new ones
/// TODO; says on stderr which recorded findings went away.
fn update(relative: &str, report: &Value) {
    let entries = recorded_entries(relative);
    let by_key: BTreeMap<(String, String), &Value> = entries
        .iter()
        .map(|e| (key(&e["check"], &e["verdict"]), e))
        .collect();
    let current: Vec<Value> = findings_in(report)
        .into_iter()
        .map(|r| {
            by_key
                .get(&key(&r["id"], &r["verdict"]))
                .map(|e| (*e).clone())
                .unwrap_or_else(|| {
                    json!({
                        "check": r["id"],
                        "verdict": r["verdict"],
                        "requirement": r["requirements"][0]["id"].as_str().unwrap_or_default(),
                        "reason": format!(
                            "TODO: check by hand. scimspec: {}",
                            r["message"].as_str().unwrap_or_default()
                        ),
                    })
                })
        })
        .collect();
    let now: Vec<(String, String)> = current
        .iter()
        .map(|e| key(&e["check"], &e["verdict"]))
        .collect();
    for gone in by_key.keys().filter(|k| !now.contains(k)) {
        eprintln!("{relative}: went away: {} [{}]", gone.0, gone.1);
    }
    let mut text = serde_json::to_string_pretty(&current).expect("findings serialise");
    text.push('\n');
    let path = file(relative);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).expect("findings directory");
    }
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{relative}: {e}"));
    eprintln!("{relative}: rewritten; review every TODO");
}

/// Validates the recorded file before a server is started (not while the
/// file is being rewritten, when it may hold TODOs from an earlier update).
pub fn check_recorded_file(relative: &str) {
    if !updating() {
        recorded(relative);
    }
}

/// Asserts that the report's findings are exactly the recorded ones (after
/// rewriting the file first when `SCIMSPEC_UPDATE_FINDINGS=1`). Returns them.
pub fn assert_recorded(relative: &str, server: &str, report: &Value) -> Findings {
    if updating() {
        update(relative, report);
    }
    let expected = recorded(relative);
    let actual: Findings = findings_in(report)
        .into_iter()
        .map(|r| {
            (
                key(&r["id"], &r["verdict"]),
                r["message"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let diff = difference(relative, &expected, &actual);
    assert!(
        diff.is_empty(),
        "the findings against {server} changed.\n{diff}\nCheck each new finding by hand \
         against the RFC (or the profile's source), then record it with its reason in \
         {relative} (scripts/interop-findings.sh rewrites the file with the current findings, \
         new ones marked TODO); if a check is wrong, fix the check instead."
    );
    expected
}

/// Readable difference: findings that are new, and recorded ones that went away.
fn difference(relative: &str, expected: &Findings, actual: &Findings) -> String {
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
            "new findings ({}), not in {relative}:\n",
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

//! `--report-tap`: TAP version 14. One test point per check; failures carry
//! a YAML diagnostic block; skips use `# SKIP reason`. A SHOULD-level
//! warning is a passing point with a `# warning` comment and diagnostics.

use serde_json::{Value, json};

use super::grouping::{by_section, requirement_lines, severity_label};
use super::record::RunRecord;
use crate::verdict::{CheckResult, Verdict};

pub fn render(record: &RunRecord) -> String {
    let mut out = String::from("TAP version 14\n");
    if let Some(fatal) = &record.fatal {
        // Nothing could be tested: say so instead of claiming an empty plan.
        out.push_str(&format!("Bail out! {}\n", one_line(fatal)));
        return out;
    }
    let results = record.results();
    out.push_str(&format!("1..{}\n", results.len()));
    out.push_str(&format!(
        "# scimspec {} against {} (run {})\n",
        env!("CARGO_PKG_VERSION"),
        one_line(&record.target),
        record.run_id
    ));
    let mut number = 0;
    for group in by_section(&results) {
        out.push_str(&format!("# {}\n", one_line(&group.heading())));
        for result in &group.results {
            number += 1;
            out.push_str(&test_point(number, result));
        }
    }
    for series in super::latency::latency_series(&results) {
        out.push_str(&format!("# latency {}\n", one_line(&series.line())));
    }
    out
}

fn test_point(number: usize, result: &CheckResult) -> String {
    // '#' starts a directive in a description; escape it.
    let description = format!("{} - {}", result.id, result.title).replace('#', "\\#");
    let description = one_line(&description);
    match result.verdict {
        Verdict::Pass => format!("ok {number} - {description}\n"),
        Verdict::Skip => format!(
            "ok {number} - {description} # SKIP {}\n",
            one_line(&result.message)
        ),
        Verdict::Warn => format!(
            "ok {number} - {description}\n# warning: SHOULD not met: {}\n{}",
            one_line(&result.message),
            diagnostics(result)
        ),
        Verdict::Fail | Verdict::Error => {
            format!("not ok {number} - {description}\n{}", diagnostics(result))
        }
    }
}

/// The YAML diagnostic block, indented four spaces under its test point.
fn diagnostics(result: &CheckResult) -> String {
    let mut block = serde_json::Map::new();
    block.insert("verdict".into(), json!(result.verdict.as_str()));
    block.insert("level".into(), json!(severity_label(result.severity())));
    block.insert("message".into(), json!(result.message));
    block.insert("requirements".into(), json!(requirement_lines(result)));
    if let Some(failure) = &result.failure {
        block.insert("request".into(), json!(failure.request));
        if let Some(status) = failure.status {
            block.insert("status".into(), json!(status));
        }
        let mismatches: Vec<Value> = failure
            .mismatches
            .iter()
            .map(|m| json!({"at": m.path, "expected": m.expected, "actual": m.actual}))
            .collect();
        block.insert("mismatches".into(), Value::Array(mismatches));
        if let Some(excerpt) = &failure.response_excerpt {
            block.insert("response".into(), json!(excerpt));
        }
    }
    if let Some(fix) = &result.fix {
        block.insert("fix".into(), json!(fix));
    }
    let yaml = serde_saphyr::to_string(&Value::Object(block))
        .unwrap_or_else(|e| format!("message: cannot render diagnostics: {e}\n"));
    let mut out = String::from("  ---\n");
    for line in yaml.lines() {
        out.push_str("  ");
        out.push_str(line);
        out.push('\n');
    }
    out.push_str("  ...\n");
    out
}

/// TAP lines end at a newline; keep server-controlled text on one line.
fn one_line(text: &str) -> String {
    text.replace(['\r', '\n'], " ")
}

//! Property tests of the reporters with hostile content: whatever a server
//! answered (bodies, headers, error messages) and whatever a suite file says,
//! every format renders without panicking and stays well-formed: the JSON
//! report parses back, JUnit is XML, TAP keeps one test point per check and
//! YAML diagnostics that parse, and HTML never carries markup from the input.

use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Value, json};

use super::record::RunRecord;
use super::terminal::Verbosity;
use super::{html, json, junit, markdown, tap, terminal};
use crate::fuzzing::{config, response_document, text};
use crate::runner::Event;
use crate::verdict::CheckResult;

const INJECTED: &str = "<script>alert(1)</script>";

fn body() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        1 => Just(None),
        2 => text().prop_map(Some),
        2 => response_document().prop_map(|d| Some(d.to_string())),
    ]
}

fn headers() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec((text(), text()), 0..3)
}

fn exchange() -> impl Strategy<Value = Value> {
    (
        (text(), text(), headers(), body()),
        (
            prop::option::of(100u16..600),
            headers(),
            body(),
            prop::option::of(text()),
            prop::option::of(text()),
        ),
    )
        .prop_map(
            |(
                (method, url, request_headers, request_body),
                (status, response_headers, response_body, error, redirected_to),
            )| {
                json!({
                    "method": method, "url": url, "request_headers": request_headers,
                    "request_body": request_body, "status": status,
                    "response_headers": response_headers, "response_body": response_body,
                    "duration_ms": 3, "error": error, "redirected_to": redirected_to,
                })
            },
        )
}

fn requirement() -> impl Strategy<Value = Value> {
    (
        prop::option::of(text()),
        select(vec![7643u16, 7644]),
        prop_oneof!["[0-9]{1,2}(\\.[0-9]{1,2}){0,3}", text()],
        select(vec!["MUST", "MUST NOT", "SHOULD", "SHOULD NOT", "MAY", "REQUIRED"]),
        prop::option::of(text()),
    )
        .prop_map(|(id, rfc, section, level, text)| {
            json!({"id": id, "rfc": rfc, "section": section, "level": level, "text": text})
        })
}

fn failure() -> impl Strategy<Value = Value> {
    (
        text(),
        text(),
        prop::option::of(100u16..600),
        prop::option::of(text()),
        prop::collection::vec((text(), text(), text()), 0..3),
    )
        .prop_map(|(step, request, status, excerpt, mismatches)| {
            let mismatches: Vec<Value> = mismatches
                .into_iter()
                .map(|(path, expected, actual)| {
                    json!({"path": path, "expected": expected, "actual": actual})
                })
                .collect();
            json!({"step": step, "request": request, "status": status,
                   "response_excerpt": excerpt, "mismatches": mismatches})
        })
}

fn result() -> impl Strategy<Value = Value> {
    (
        (
            "[a-z][a-z0-9_.-]{0,10}",
            text(),
            text(),
            prop::collection::vec(text(), 0..3),
            select(vec!["pass", "fail", "warn", "skip", "error"]),
        ),
        (
            prop::collection::vec(requirement(), 0..3),
            text(),
            prop::option::of(failure()),
            prop::option::of(text()),
            prop::collection::vec(text(), 0..2),
            prop::collection::vec(exchange(), 0..3),
        ),
    )
        .prop_map(
            |(
                (id, title, suite, tags, verdict),
                (requirements, message, failure, fix, cleanup_notes, exchanges),
            )| {
                json!({
                    "id": id, "title": title, "suite": suite, "tags": tags, "verdict": verdict,
                    "requirements": requirements, "message": message, "failure": failure,
                    "fix": fix, "cleanup_notes": cleanup_notes, "duration_ms": 1,
                    "exchanges": exchanges,
                })
            },
        )
}

fn record(
    target: String,
    problems: Vec<String>,
    discovery: Vec<Value>,
    results: Vec<Value>,
    fatal: Option<String>,
) -> Result<(RunRecord, usize), TestCaseError> {
    let mut record = RunRecord::default();
    record.apply(&Event::RunStarted {
        target,
        run_id: "r1".into(),
        started: chrono::Utc::now(),
        planned: results.len(),
        options: vec![("authentication".into(), "bearer token".into())],
    });
    let exchanges = discovery
        .into_iter()
        .map(serde_json::from_value)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TestCaseError::fail(format!("exchange: {e}")))?;
    record.apply(&Event::DiscoveryFinished {
        exchanges,
        problems,
    });
    let mut count = 0;
    if fatal.is_none() {
        for (index, value) in results.into_iter().enumerate() {
            let mut result: CheckResult = serde_json::from_value(value)
                .map_err(|e| TestCaseError::fail(format!("result: {e}")))?;
            // Ids are unique in a run (the loader sees to it).
            result.id = format!("{}.{index}", result.id);
            result.order = (0, index);
            record.apply(&Event::CheckFinished(std::sync::Arc::new(result)));
            count += 1;
        }
    }
    record.apply(&Event::RunFinished {
        duration_ms: 5,
        fatal,
    });
    Ok((record, count))
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn every_format_renders_hostile_content_well_formed(
        target in text(),
        problems in prop::collection::vec(text(), 0..2),
        discovery in prop::collection::vec(exchange(), 0..2),
        results in prop::collection::vec(result(), 0..6),
        fatal in prop::option::weighted(0.1, text()),
    ) {
        let (record, count) = record(target, problems, discovery, results, fatal.clone())?;

        let json_text = json::render_text(&record);
        let document = super::document::ReportDocument::parse(&json_text);
        prop_assert!(document.is_ok(), "{:?}\n{}", document.err(), json_text);
        let parsed: Value = serde_json::from_str(&json_text).unwrap_or_default();
        prop_assert_eq!(parsed["results"].as_array().map(Vec::len), Some(count));

        let xml = junit::render(&record);
        let tree = roxmltree::Document::parse(&xml);
        prop_assert!(tree.is_ok(), "{:?}\n{}", tree.err(), xml);
        if let Ok(tree) = tree {
            let cases = tree.descendants().filter(|n| n.has_tag_name("testcase")).count();
            prop_assert_eq!(cases, count + usize::from(fatal.is_some()));
        }

        let tap = tap::render(&record);
        check_tap(&tap, count, fatal.is_some())?;

        let page = html::render(&record);
        prop_assert!(!page.contains(INJECTED), "markup from the input reached the HTML");

        let _ = markdown::render(&record);
        for verbosity in [Verbosity::Quiet, Verbosity::Normal, Verbosity::Verbose, Verbosity::Debug] {
            let shown = terminal::terminal_safe(&terminal::render(&record, verbosity));
            // Nothing the server sent can drive the terminal: no OSC (window
            // title), no bell, no cursor movement; colours are the report's.
            prop_assert!(
                !shown.contains("\u{1b}]") && !shown.contains('\u{7}') && !shown.contains("\u{1b}[2J"),
                "{:?}",
                shown
            );
        }
    }
}

/// One test point per check, numbered in order, and YAML blocks that parse.
fn check_tap(tap: &str, count: usize, fatal: bool) -> Result<(), TestCaseError> {
    if fatal {
        prop_assert!(
            tap.lines()
                .nth(1)
                .is_some_and(|l| l.starts_with("Bail out!")),
            "{}",
            tap
        );
        prop_assert_eq!(tap.lines().count(), 2, "{}", tap);
        return Ok(());
    }
    let mut points = 0;
    let mut block: Option<String> = None;
    for line in tap.lines() {
        if let Some(yaml) = block.as_mut() {
            if line == "  ..." {
                let parsed = serde_saphyr::from_str::<Value>(yaml);
                prop_assert!(parsed.is_ok(), "{:?}\n{}", parsed.err(), yaml);
                block = None;
            } else {
                yaml.push_str(line.strip_prefix("  ").unwrap_or(line));
                yaml.push('\n');
            }
            continue;
        }
        if line == "  ---" {
            block = Some(String::new());
        } else if let Some(rest) = line
            .strip_prefix("ok ")
            .or_else(|| line.strip_prefix("not ok "))
        {
            points += 1;
            let number = rest.split(' ').next().unwrap_or_default();
            prop_assert_eq!(number, points.to_string(), "{}", tap);
        } else {
            prop_assert!(
                line.starts_with('#') || line.starts_with("TAP version") || line.starts_with("1.."),
                "stray TAP line {:?}\n{}",
                line,
                tap
            );
        }
    }
    prop_assert!(block.is_none(), "unterminated YAML block\n{}", tap);
    prop_assert_eq!(points, count, "{}", tap);
    Ok(())
}

#[test]
fn terminal_output_keeps_colours_and_defuses_everything_else() {
    let red = "\u{1b}[1;31mFAIL\u{1b}[0m";
    assert_eq!(terminal::terminal_safe(red), red);
    assert_eq!(
        terminal::terminal_safe("a\u{1b}]0;pwned\u{7}b\u{1b}[2Jc\r\n\td\u{202e}e\u{9b}"),
        "a\\u{1b}]0;pwned\\u{7}b\\u{1b}[2Jc\\u{d}\n\td\\u{202e}e\\u{9b}"
    );
}

//! Every report format is a rendering of the same run, read back here by an
//! independent consumer: an XML parser and quick-junit's reader for JUnit,
//! node-tap's parser for TAP, headless Chromium for HTML.

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use scimspec::report::document::ReportDocument;
use scimspec::server::faults::Fault;

use crate::support::{ConnectionCounter, reference, scimspec};

/// A user suite with one check per verdict, and a server-stored value full
/// of markup that ends up in the failing check's transcript.
const VERDICT_SUITE: &str = r#"
id: test.reports
title: One check per verdict
checks:
  - id: t.pass
    title: ServiceProviderConfig answers 200
    requirements: [{id: P-4-01}]
    steps:
      - request: {method: GET, path: /ServiceProviderConfig}
        expect: {status: 200}
  - id: t.fail
    title: "A failing MUST check whose data holds <b>markup</b>"
    requirements: [{id: P-3.3-02}]
    fix: Answer 299, which no server does.
    steps:
      - request:
          method: POST
          path: /Users
          body:
            schemas: [urn:ietf:params:scim:schemas:core:2.0:User]
            userName: "{{ unique.user }}"
            displayName: "<img id=\"xss-probe\" src=\"x\" onerror=\"document.title='pwned'\"><script>document.title='pwned'</script>"
        capture: {user_id: body.id}
        expect: {status: 299}
    cleanup:
      - request: {method: DELETE, path: "/Users/{{ user_id }}"}
  - id: t.warn
    title: A SHOULD-level check that is not met
    requirements: [{id: P-3.14-02}]
    steps:
      - request: {method: GET, path: /ServiceProviderConfig}
        expect: {status: 299}
  - id: t.skip
    title: Needs a resource type nobody has
    requires: [{resourceType: Printer}]
    requirements: [{id: P-4-01}]
    steps:
      - request: {method: GET, path: /Printers}
        expect: {status: 200}
  - id: t.error
    title: A check whose setup breaks
    requirements: [{id: P-4-01}]
    steps:
      - setup: true
        request: {method: GET, path: /ServiceProviderConfig}
        expect: {status: 299}
      - request: {method: GET, path: /ServiceProviderConfig}
        expect: {status: 200}
"#;

struct Reports {
    _dir: tempfile::TempDir,
    json: PathBuf,
    junit: PathBuf,
    tap: PathBuf,
    md: PathBuf,
    html: PathBuf,
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Runs the verdict suite once against the embedded reference server, with
/// every report format written by the same run.
fn run_verdict_suite() -> Reports {
    let dir = tempfile::tempdir().unwrap();
    let suite = dir.path().join("verdicts.yaml");
    std::fs::write(&suite, VERDICT_SUITE).unwrap();
    let path = |name: &str| dir.path().join(name);
    let reports = Reports {
        json: path("report.json"),
        junit: path("report.xml"),
        tap: path("report.tap"),
        md: path("report.md"),
        html: path("report.html"),
        _dir: dir,
    };
    let output = scimspec()
        .args(["run", "--no-builtin", "--suite"])
        .arg(&suite)
        .arg("--report-json")
        .arg(&reports.json)
        .arg("--report-junit")
        .arg(&reports.junit)
        .arg("--report-tap")
        .arg(&reports.tap)
        .arg("--report-md")
        .arg(&reports.md)
        .arg("--report-html")
        .arg(&reports.html)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "one MUST failure: exit 1\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    reports
}

fn verdicts(json: &Path) -> Vec<(String, String)> {
    let document = ReportDocument::parse(&std::fs::read_to_string(json).unwrap()).unwrap();
    document
        .results
        .iter()
        .map(|r| (r.id.clone(), r.verdict.as_str().to_string()))
        .collect()
}

#[test]
fn every_format_renders_the_same_run() {
    let reports = run_verdict_suite();
    assert_eq!(
        verdicts(&reports.json),
        [
            ("t.pass", "pass"),
            ("t.fail", "fail"),
            ("t.warn", "warn"),
            ("t.skip", "skip"),
            ("t.error", "error")
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    check_junit(&reports.junit);
    check_tap(&reports.tap);
    check_markdown(&reports.md);
    check_html(&reports.html);
}

fn check_junit(path: &Path) {
    let text = std::fs::read_to_string(path).unwrap();
    let document = roxmltree::Document::parse(&text).expect("JUnit report is well-formed XML");
    let root = document.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    assert_eq!(root.attribute("tests"), Some("5"));
    assert_eq!(root.attribute("failures"), Some("1"));
    assert_eq!(root.attribute("errors"), Some("1"));
    let suites: Vec<_> = root
        .children()
        .filter(|n| n.has_tag_name("testsuite"))
        .collect();
    assert!(
        suites
            .iter()
            .all(|s| s.attribute("name").unwrap_or("").starts_with("RFC 764")),
        "one testsuite per RFC section"
    );
    let cases: Vec<_> = document
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases.len(), 5);
    let case = |id: &str| {
        *cases
            .iter()
            .find(|c| {
                c.attribute("name")
                    .unwrap_or("")
                    .starts_with(&format!("{id}:"))
            })
            .unwrap_or_else(|| panic!("testcase {id}"))
    };
    for case in &cases {
        let classname = case.attribute("classname").unwrap_or("");
        assert!(
            classname.starts_with("RFC7643.") || classname.starts_with("RFC7644."),
            "classname carries the RFC section: {classname}"
        );
    }
    let child = |node: roxmltree::Node<'_, '_>, tag: &str| {
        node.children().find(|n| n.has_tag_name(tag)).map(|n| {
            (
                n.attribute("message").unwrap_or("").to_string(),
                n.text().unwrap_or("").to_string(),
            )
        })
    };
    let (message, explanation) = child(case("t.fail"), "failure").expect("t.fail has <failure>");
    assert!(message.contains("expected 299"), "{message}");
    assert!(
        explanation.contains("RFC 7644 §3.3 MUST") && explanation.contains("fix: Answer 299"),
        "the failure carries the terminal's explanation: {explanation}"
    );
    assert!(
        child(case("t.error"), "error").is_some(),
        "t.error has <error>"
    );
    let (skip_reason, _) = child(case("t.skip"), "skipped").expect("t.skip has <skipped>");
    assert!(skip_reason.contains("Printer"), "{skip_reason}");
    let warn = case("t.warn");
    assert!(child(warn, "failure").is_none() && child(warn, "error").is_none());
    let (_, out) = child(warn, "system-out").expect("the warning is visible");
    assert!(out.contains("WARNING"), "{out}");
    assert_eq!(
        case("t.pass").children().filter(|n| n.is_element()).count(),
        0
    );

    // And a JUnit reader reads it back.
    let report = quick_junit::Report::deserialize_from_str(&text).expect("quick-junit reads it");
    assert_eq!(report.tests, 5);
}

/// node-tap's parser, installed from tests/tools (scripts/install-interop.sh).
fn tap_parser() -> Option<PathBuf> {
    let tools = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/tools");
    let installed = tools.join("node_modules/tap-parser").is_dir();
    let node = Command::new("node").arg("--version").output().is_ok();
    if installed && node {
        return Some(tools.join("parse-tap.mjs"));
    }
    assert!(
        !in_ci(),
        "tap-parser is not installed: run scripts/install-interop.sh"
    );
    eprintln!("skipping the TAP parser check: run scripts/install-interop.sh");
    None
}

fn check_tap(path: &Path) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.starts_with("TAP version 14\n1..5\n"), "{text}");
    let Some(parser) = tap_parser() else {
        return;
    };
    let mut child = Command::new("node")
        .arg(parser)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let parsed: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("parser output: {e}: {:?}", output));
    let last = &parsed["final"];
    assert_eq!(last["count"], 5, "{parsed}");
    assert_eq!(
        last["pass"], 3,
        "pass, warn and skip are ok points: {parsed}"
    );
    assert_eq!(last["fail"], 2, "fail and error are not ok: {parsed}");
    assert_eq!(last["skip"], 1, "{parsed}");
    assert_eq!(last["bailout"], false);
    let point = |id: &str| {
        parsed["points"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"].as_str().unwrap_or("").starts_with(id))
            .cloned()
            .unwrap_or_else(|| panic!("test point {id}: {parsed}"))
    };
    let fail = point("t.fail");
    assert_eq!(fail["ok"], false);
    assert_eq!(fail["diag"]["verdict"], "fail", "YAML diagnostics: {fail}");
    assert_eq!(fail["diag"]["status"], 201);
    assert!(
        fail["diag"]["mismatches"][0]["expected"]
            .as_str()
            .unwrap_or("")
            .contains("299"),
        "{fail}"
    );
    assert!(
        point("t.skip")["skip"]
            .as_str()
            .unwrap_or("")
            .contains("Printer")
    );
    assert_eq!(point("t.warn")["ok"], true);
}

fn check_markdown(path: &Path) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.starts_with("## scimspec: failures\n"), "{text}");
    assert!(text.contains("**RFC score by level:**"), "{text}");
    assert!(text.contains("| Level | Score | Pass | Fail | Warn | Skip | Error |"));
    assert!(
        text.contains("| MUST | 50.0% | 1 | 1 | 0 | 1 | 1 |"),
        "{text}"
    );
    assert!(text.contains("| RFC 7644 §3.3 Creating Resources | 0.0% | 0 | 1 |"));
    assert!(text.contains("### Failures (MUST)") && text.contains("### Warnings (SHOULD)"));
    assert!(text.contains("RFC 7644 §3.3 MUST (P-3.3-02)"));
    // Outside code fences (where Markdown shows text verbatim), markup from
    // the suite and the server is escaped.
    for (index, part) in text.split("```").enumerate() {
        if index % 2 == 0 {
            assert!(!part.contains("<img") && !part.contains("<b>"), "{part}");
        }
    }
    assert!(text.contains("&lt;b&gt;markup"));
}

fn chromium() -> Option<PathBuf> {
    for candidate in ["/usr/bin/chromium", "/usr/bin/chromium-browser"] {
        if Path::new(candidate).exists() {
            return Some(PathBuf::from(candidate));
        }
    }
    assert!(
        !in_ci(),
        "chromium is not installed (.ci/run installs Debian's chromium)"
    );
    eprintln!("skipping the browser check: chromium is not installed");
    None
}

fn headless(chromium: &Path, profile: &Path) -> Command {
    let mut command = Command::new(chromium);
    command
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()));
    command
}

fn check_html(path: &Path) {
    let text = std::fs::read_to_string(path).unwrap();
    // Self-contained: nothing is fetched from anywhere.
    for fetch in ["<link", "src=\"http", "href=\"http", "@import", "url("] {
        assert!(
            !text.contains(fetch),
            "external fetch {fetch:?} in the report"
        );
    }
    assert!(
        !text.contains("<img id=") && !text.contains("<b>markup"),
        "text from the target and the suite is escaped"
    );
    assert!(text.contains("&lt;img id=") && text.contains("&lt;script&gt;document.title"));
    assert!(text.contains("@media print"), "a print stylesheet");

    let Some(chromium) = chromium() else {
        return;
    };
    let profile = tempfile::tempdir().unwrap();
    let url = format!("file://{}", path.display());
    let output = headless(&chromium, profile.path())
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&output.stdout);
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "chromium: {log}");
    for element in [
        "id=\"overall-verdict\"",
        "id=\"scores-by-level\"",
        "id=\"scores-by-section\"",
        "id=\"findings\"",
        "id=\"show-failures\"",
        "id=\"check-t.fail\"",
    ] {
        assert!(dom.contains(element), "{element} renders");
    }
    assert!(dom.contains("Not conformant"), "the overall verdict");
    assert_eq!(dom.matches("class=\"check ").count(), 5, "every check");
    assert!(
        dom.contains("class=\"transcript\""),
        "the failure's transcript"
    );
    assert!(
        !dom.contains("<img id=\"xss-probe\"") && !dom.contains("pwned</title>"),
        "the server's markup stayed text"
    );
    let console: Vec<&str> = log.lines().filter(|l| l.contains("CONSOLE")).collect();
    assert!(console.is_empty(), "console messages: {console:?}");

    let shot = profile.path().join("report.png");
    let output = headless(&chromium, &profile.path().join("profile"))
        .arg(format!("--screenshot={}", shot.display()))
        .arg("--window-size=1280,2000")
        .arg(&url)
        .output()
        .unwrap();
    assert!(output.status.success());
    let size = std::fs::metadata(&shot).map(|m| m.len()).unwrap_or(0);
    assert!(
        size > 20_000,
        "a real rendering, not a blank page: {size} bytes"
    );
}

fn run_with_faults(faults: &[Fault], extra: &[&str], report: &Path) -> (Option<i32>, String) {
    let server = reference::spawn(faults);
    let output = scimspec()
        .args([
            "run",
            "--target",
            &server.base_url,
            "--only",
            "users.create.*",
        ])
        .arg("--report-json")
        .arg(report)
        .args(extra)
        .env("SCIM_TOKEN", reference::TOKEN)
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).to_string(),
    )
}

#[test]
fn a_baseline_separates_new_fixed_and_unchanged_failures() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.json");
    let (code, _) = run_with_faults(&[Fault::NoLocationHeader], &[], &old);
    assert_eq!(code, Some(1));
    let old_arg = old.to_str().unwrap();

    // The same failure again: not a regression.
    let same = dir.path().join("same.json");
    let gate = ["--baseline", old_arg, "--fail-on-regression"];
    let (code, out) = run_with_faults(&[Fault::NoLocationHeader], &gate, &same);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("new failures: 0"), "{out}");
    assert!(out.contains("still failing: 1"), "{out}");
    assert!(out.contains("users.create.location fail -> fail"), "{out}");
    // Without --fail-on-regression, a failure still fails the run.
    let (code, _) = run_with_faults(&[Fault::NoLocationHeader], &gate[..2], &same);
    assert_eq!(code, Some(1));

    // Fixed, and a new failure elsewhere.
    let new = dir.path().join("new.json");
    let (code, out) = run_with_faults(&[Fault::UniquenessNotEnforced], &gate, &new);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("fixed: 1"), "{out}");
    assert!(out.contains("users.create.location fail -> pass"), "{out}");
    assert!(out.contains("users.create.duplicate pass -> fail"), "{out}");

    // `scimspec diff` says the same about the saved reports.
    let output = scimspec()
        .args(["diff", old_arg, new.to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(
        text.contains("users.create.duplicate pass -> fail"),
        "{text}"
    );
    assert!(text.contains("fixed: 1"), "{text}");
    let output = scimspec()
        .args(["diff", old_arg, same.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));

    // Something that is not a report is a usage error.
    let junk = dir.path().join("junk.json");
    std::fs::write(&junk, "{\"hello\": 1}").unwrap();
    let output = scimspec()
        .args(["diff", old_arg, junk.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let output = scimspec()
        .args(["run", "--baseline", junk.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(2),
        "a broken baseline stops the run"
    );
}

#[test]
fn an_unwritable_report_path_stops_the_run_before_any_request() {
    let counter = ConnectionCounter::start();
    let port = counter.port;
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("missing-dir/report");
    for flag in [
        "--report-json",
        "--report-junit",
        "--report-tap",
        "--report-md",
        "--report-html",
    ] {
        let output = scimspec()
            .args(["run", "--target", &format!("http://127.0.0.1:{port}/v2")])
            .arg(flag)
            .arg(&bad)
            .env("SCIM_TOKEN", "t")
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{flag}");
        assert!(
            String::from_utf8_lossy(&output.stderr).contains("cannot write report"),
            "{flag}"
        );
    }
    assert_eq!(counter.finish(), 0, "no request was sent");
}

#[test]
fn an_unreachable_target_is_reported_as_could_not_test_in_every_format() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name);
    let output = scimspec()
        .args(["run", "--target", &format!("http://127.0.0.1:{port}/v2")])
        .arg("--report-junit")
        .arg(path("r.xml"))
        .arg("--report-tap")
        .arg(path("r.tap"))
        .arg("--report-md")
        .arg(path("r.md"))
        .arg("--report-html")
        .arg(path("r.html"))
        .env("SCIM_TOKEN", "t")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    let read = |name: &str| std::fs::read_to_string(path(name)).unwrap();
    let junit = read("r.xml");
    let report = quick_junit::Report::deserialize_from_str(&junit).unwrap();
    assert_eq!(report.errors, 1, "{junit}");
    assert!(read("r.tap").starts_with("TAP version 14\nBail out! "));
    assert!(read("r.md").starts_with("## scimspec: could not test"));
    assert!(read("r.html").contains("Could not test"));
}

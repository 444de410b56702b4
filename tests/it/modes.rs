//! Run modes for live tenants and CI gates (--read-only, --fail-on,
//! --min-score), and a user-defined profile.

use scimspec::server::faults::Fault;

use crate::support::reference::{self, TOKEN};
use crate::support::{describe_problems, read_report, scimspec};

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

/// A user's own identity-provider profile, without touching Rust: the
/// profile.yaml of docs/suite-format.md plus a suite naming it, loaded with
/// --suite. Judged under its own rules, apart from the RFC score; a broken
/// MUST rule makes it "NOT compatible" and fails the run; a suite citing a
/// rule the profile does not define is refused before any request.
#[test]
fn a_user_defined_profile_loads_runs_and_is_judged_apart() {
    let dir = tempfile::tempdir().unwrap();
    let profile_dir = dir.path().join("acme");
    std::fs::create_dir(&profile_dir).unwrap();
    std::fs::write(
        profile_dir.join("profile.yaml"),
        r#"profile: acme-idp
title: ACME IdP provisioning
sources: [https://docs.acme.example/scim]
settings: {page_size: 2}
rules:
  - id: ACME-01
    level: MUST
    text: A user query by userName answers 200 with a ListResponse.
    source: "docs.acme.example/scim#matching"
  - id: ACME-02
    level: SHOULD
    text: Queries honour the page size ACME asks for.
    source: "docs.acme.example/scim#paging"
"#,
    )
    .unwrap();
    let suite = |expected_status: u16| {
        format!(
            r#"id: acme.matching
title: "ACME: matching"
profile: acme-idp
checks:
  - id: acme.match.user-name
    title: "Matching by userName"
    requirements: [{{id: ACME-01}}]
    steps:
      - request:
          method: GET
          path: /Users
          query: {{filter: 'userName eq "{{{{ unique.nobody }}}}"', count: "{{{{ profile.page_size }}}}"}}
        expect:
          status: {expected_status}
          matchers: [list_response: {{total_results: 0}}]
"#
        )
    };
    std::fs::write(profile_dir.join("matching.yaml"), suite(200)).unwrap();

    let listed = scimspec()
        .args(["list", "--profiles", "--suite"])
        .arg(&profile_dir)
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&listed.stdout);
    assert!(
        listed.contains("acme-idp") && listed.contains("ACME IdP provisioning (2 rules"),
        "{listed}"
    );

    let run = |extra: &[&str]| {
        let report = dir.path().join("report.json");
        let output = scimspec()
            .args(["run", "--suite"])
            .arg(&profile_dir)
            .args(["--profile", "acme-idp", "--report-json"])
            .arg(&report)
            .args(extra)
            .output()
            .unwrap();
        (output.status.code(), read_report(&report))
    };
    let (code, report) = run(&[]);
    assert_eq!(code, Some(0), "{}", describe_problems(&report));
    let results = report["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "only the profile's check runs");
    assert_eq!(results[0]["verdict"], "pass");
    assert_eq!(results[0]["requirements"][0]["profile"], "acme-idp");
    let profile = &report["profiles"][0];
    assert_eq!(profile["profile"], "acme-idp");
    assert_eq!(profile["compatible"], true, "{profile}");

    // The same check expecting what the server does not answer: blocking.
    std::fs::write(profile_dir.join("matching.yaml"), suite(299)).unwrap();
    let (code, report) = run(&[]);
    assert_eq!(code, Some(1));
    assert_eq!(report["results"][0]["verdict"], "fail");
    assert_eq!(report["profiles"][0]["compatible"], false);
    assert_eq!(report["profiles"][0]["blocking"], 1);

    // A rule the profile does not define: refused at load time, exit 2.
    std::fs::write(
        profile_dir.join("matching.yaml"),
        suite(200).replace("ACME-01", "ACME-99"),
    )
    .unwrap();
    let output = scimspec()
        .args(["run", "--suite"])
        .arg(&profile_dir)
        .args(["--profile", "acme-idp"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("matching.yaml") && stderr.contains("ACME-99"),
        "{stderr}"
    );
}

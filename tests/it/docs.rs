//! Generated documentation stays in step with the code.

use crate::support::scimspec;

#[test]
fn the_committed_suite_schema_matches_the_code() {
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/suite.schema.json"
    ))
    .expect("docs/suite.schema.json exists");
    let generated = scimspec::suite::schema::suite_schema_json();
    assert!(
        committed == generated,
        "docs/suite.schema.json is stale: run `cargo run -- schema > docs/suite.schema.json`"
    );
}

#[test]
fn the_schema_command_prints_the_schema() {
    let output = scimspec().arg("schema").output().unwrap();
    let schema: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(schema["title"], "Suite");
}

#[test]
fn the_reference_server_doc_lists_every_fault() {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/reference-server.md"
    ))
    .expect("docs/reference-server.md exists");
    for fault in scimspec::server::faults::Fault::ALL {
        let row = format!("| `{}` | {} |", fault.name(), fault.breaks());
        assert!(doc.contains(&row), "docs/reference-server.md lacks {row}");
    }
}

#[test]
fn the_committed_report_schema_matches_the_code() {
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/report.schema.json"
    ))
    .expect("docs/report.schema.json exists");
    let generated = scimspec::report::document::report_schema_json();
    assert!(
        committed == generated,
        "docs/report.schema.json is stale: run `cargo run -- schema --report > docs/report.schema.json`"
    );
    let output = scimspec().args(["schema", "--report"]).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stdout), generated);
}

#[test]
fn the_committed_profile_schema_matches_the_code() {
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/profile.schema.json"
    ))
    .expect("docs/profile.schema.json exists");
    let generated = scimspec::suite::schema::profile_schema_json();
    assert!(
        committed == generated,
        "docs/profile.schema.json is stale: run `cargo run -- schema --profile > docs/profile.schema.json`"
    );
    let output = scimspec().args(["schema", "--profile"]).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stdout), generated);
    let schema: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(schema["title"], "ProfileDef");
}

#[test]
fn the_schema_command_rejects_report_and_profile_together() {
    let output = scimspec()
        .args(["schema", "--report", "--profile"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
}

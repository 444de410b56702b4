//! Generated documentation stays in step with the code.

use crate::support::scimspec;

/// A committed schema equals what the code generates and what `scimspec
/// schema FLAGS` prints; its title names the Rust type behind it.
fn assert_schema_current(file: &str, flags: &[&str], generated: String, title: &str) {
    let committed = std::fs::read_to_string(format!("{}/{file}", env!("CARGO_MANIFEST_DIR")))
        .unwrap_or_else(|e| panic!("{file}: {e}"));
    let command = format!("cargo run -- schema {}", flags.join(" "));
    assert!(
        committed == generated,
        "{file} is stale: run `{} > {file}`",
        command.trim_end()
    );
    let output = scimspec().arg("schema").args(flags).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stdout), generated);
    let schema: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(schema["title"], title);
}

#[test]
fn the_committed_schemas_match_the_code() {
    assert_schema_current(
        "docs/suite.schema.json",
        &[],
        scimspec::suite::schema::suite_schema_json(),
        "Suite",
    );
    assert_schema_current(
        "docs/report.schema.json",
        &["--report"],
        scimspec::report::document::report_schema_json(),
        "ReportDocument",
    );
    assert_schema_current(
        "docs/profile.schema.json",
        &["--profile"],
        scimspec::suite::schema::profile_schema_json(),
        "ProfileDef",
    );
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
fn the_schema_command_rejects_report_and_profile_together() {
    let output = scimspec()
        .args(["schema", "--report", "--profile"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
}

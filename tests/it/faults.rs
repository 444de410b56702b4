//! Checks fail when they should: a server that breaks one rule makes the
//! matching checks fail, with a message that says what broke.

use scimspec::server::faults::Fault;

use crate::support::reference::{self, TOKEN};
use crate::support::{describe_problems, ids_with, read_report, result, scimspec};

fn run_against(faults: &[Fault]) -> serde_json::Value {
    run_with(faults, &["--jobs", "2"]).1
}

/// A run against a reference server with these faults: exit code and report.
fn run_with(faults: &[Fault], extra: &[&str]) -> (Option<i32>, serde_json::Value) {
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
fn the_reference_server_without_faults_passes_through_the_binary() {
    let report = run_against(&[]);
    assert!(
        ids_with(&report, "fail").is_empty(),
        "{}",
        describe_problems(&report)
    );
    assert!(
        ids_with(&report, "error").is_empty(),
        "{}",
        describe_problems(&report)
    );
    assert_eq!(result(&report, "users.get.by-id")["verdict"], "pass");
    assert_eq!(report["summary"]["failed"], 0);
}

#[test]
fn create_answering_200_fails_the_status_check() {
    let report = run_against(&[Fault::CreateReturns200]);
    let check = result(&report, "users.create.status");
    assert_eq!(check["verdict"], "fail");
    let message = check["message"].as_str().unwrap();
    assert!(
        message.contains("status: expected 201, got 200"),
        "{message}"
    );
    assert_eq!(check["requirements"][0]["section"], "3.3");
    assert_eq!(check["failure"]["status"], 200);
    assert!(
        check["failure"]["request"]
            .as_str()
            .unwrap()
            .starts_with("POST ")
    );
    // Other checks only needed a successful create: they still pass.
    assert_eq!(result(&report, "users.get.by-id")["verdict"], "pass");
}

#[test]
fn a_missing_location_header_fails_the_location_check() {
    let report = run_against(&[Fault::NoLocationHeader]);
    let check = result(&report, "users.create.location");
    assert_eq!(check["verdict"], "fail");
    let message = check["message"].as_str().unwrap();
    assert!(
        message.contains("header Location: expected present, got absent"),
        "{message}"
    );
}

#[test]
fn an_integer_error_status_fails_error_shape_checks() {
    let report = run_against(&[Fault::ErrorStatusNumber]);
    let check = result(&report, "users.delete.gone");
    assert_eq!(check["verdict"], "fail");
    let message = check["message"].as_str().unwrap();
    assert!(message.contains("body.status"), "{message}");
    assert!(message.contains("integer 404"), "{message}");
    // The same fault on a SHOULD-level check is a warning, not a failure.
    assert_eq!(result(&report, "users.get.unknown-id")["verdict"], "warn");
    assert_eq!(result(&report, "users.create.duplicate")["verdict"], "fail");
}

#[test]
fn an_ignored_filter_fails_the_filter_checks() {
    let report = run_against(&[Fault::FilterIgnored]);
    for id in [
        "users.filter.eq",
        "users.filter.no-match",
        "users.pagination.first-page",
    ] {
        let check = result(&report, id);
        assert_eq!(check["verdict"], "fail", "{id}: {check}");
        assert!(
            check["message"].as_str().unwrap().contains("totalResults"),
            "{id}: {check}"
        );
    }
}

#[test]
fn missing_uniqueness_fails_and_the_wrong_duplicate_is_cleaned_up() {
    let report = run_against(&[Fault::UniquenessNotEnforced]);
    let check = result(&report, "users.create.duplicate");
    assert_eq!(check["verdict"], "fail");
    let deletes = check["exchanges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["method"] == "DELETE" && e["status"] == 204)
        .count();
    assert_eq!(
        deletes, 2,
        "both the user and the wrongly created duplicate are deleted"
    );
}

#[test]
fn ignored_sorting_fails_the_sort_checks() {
    let report = run_against(&[Fault::SortIgnored]);
    for id in ["users.sort.ascending", "users.sort.descending"] {
        let check = result(&report, id);
        assert_eq!(check["verdict"], "fail", "{id}: {check}");
        assert!(
            check["message"]
                .as_str()
                .unwrap()
                .contains("Resources[0].id"),
            "{id}: {check}"
        );
    }
}

/// A profile fault is judged under its profile: with soft-deleted users
/// hidden, `--profile entra` is "not compatible" (a blocking MUST), the
/// legacy shapes still pass, and the RFC score is not involved.
#[test]
fn hidden_soft_deleted_users_make_the_entra_profile_not_compatible() {
    let (code, report) = run_with(&[Fault::SoftDeletedHidden], &["--profile", "entra"]);
    let check = result(&report, "entra.patch.soft-delete");
    assert_eq!(check["verdict"], "fail", "{}", describe_problems(&report));
    assert_eq!(check["requirements"][0]["profile"], "entra");
    assert_eq!(check["requirements"][0]["id"], "ENTRA-SOFTDELETE-01");
    assert_eq!(
        result(&report, "entra.legacy.member-remove-value")["verdict"],
        "pass"
    );
    let entra = &report["profiles"][0];
    assert_eq!(entra["profile"], "entra");
    assert_eq!(entra["compatible"], false);
    assert!(
        entra["blocking"].as_u64().unwrap_or_default() >= 1,
        "{entra}"
    );
    // Only entra checks ran.
    assert!(
        ids_with(&report, "pass")
            .iter()
            .all(|id| id.starts_with("entra."))
    );
    assert_eq!(code, Some(1));
}

/// The 25-per-second burst: a server that keeps up passes with its
/// throughput; one that throttles below it, or queues, warns (Microsoft's
/// gallery requirement is a SHOULD of the profile) with what went wrong.
#[test]
fn the_entra_burst_catches_throttling_and_queueing() {
    let burst = |faults: &[Fault]| {
        let only = [
            "--profile",
            "entra",
            "--only",
            "entra.throughput.matching-burst",
        ];
        let (_, report) = run_with(faults, &only);
        result(&report, "entra.throughput.matching-burst").clone()
    };
    let clean = burst(&[]);
    assert_eq!(clean["verdict"], "pass", "{clean}");
    let message = clean["message"].as_str().unwrap();
    assert!(
        message.starts_with("75 requests at 25/s all answered"),
        "{message}"
    );
    let samples = clean["measurements"].as_array().unwrap();
    assert_eq!(samples.len(), 75);
    assert!(samples.iter().all(|m| m["series"] == "entra.burst"));
    // The first exchange only, not 75.
    assert_eq!(clean["exchanges"].as_array().unwrap().len(), 1);

    let throttled = burst(&[Fault::QueriesRateLimited]);
    assert_eq!(throttled["verdict"], "warn", "{throttled}");
    let message = throttled["message"].as_str().unwrap();
    assert!(message.contains("× 429"), "{message}");
    assert_eq!(throttled["failure"]["status"], 429);
    // Answers are not retried inside a burst: each 429 counts once.
    assert!(
        throttled["exchanges"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["retries"].as_array().is_none_or(Vec::is_empty)),
        "{throttled}"
    );

    let queued = burst(&[Fault::QueriesSerialized]);
    assert_eq!(queued["verdict"], "warn", "{queued}");
    let mismatch = &queued["failure"]["mismatches"][0];
    assert_eq!(mismatch["path"], "burst pace", "{queued}");
    assert!(
        mismatch["actual"]
            .as_str()
            .unwrap()
            .contains("requests per second"),
        "{mismatch}"
    );
}

#[test]
fn stale_reads_fail_read_after_write_and_show_as_revocation_latency() {
    let report = run_against(&[Fault::StaleReads]);
    // Reads right after a write see the previous version: judged.
    assert_eq!(
        result(&report, "lifecycle.mover.promote")["verdict"],
        "fail"
    );
    // The leaver check polls until every read reflects the deactivation and
    // measures how long that took: about the replica's one-second lag.
    let leaver = result(&report, "lifecycle.leaver.deactivate");
    assert_eq!(leaver["verdict"], "pass", "{leaver}");
    let samples = leaver["measurements"].as_array().unwrap();
    let polled = samples
        .iter()
        .find(|m| m["series"] == "revocation.get")
        .unwrap();
    assert!(polled["attempts"].as_u64().unwrap() > 1, "{polled}");
    assert!(polled["micros"].as_u64().unwrap() >= 900_000, "{polled}");
    assert_eq!(polled["converged"], true);
    let series = report["latency"].as_array().unwrap();
    let revocation = series
        .iter()
        .find(|s| s["series"] == "revocation.all-reads")
        .unwrap();
    assert!(
        revocation["p95_ms"].as_f64().unwrap() >= 900.0,
        "{revocation}"
    );
    assert!(series.iter().any(|s| s["series"] == "create-user"));
}

//! The reference server: green on every shipped check, and every fault
//! switch trips at least one check that cites the section the fault breaks
//! (or, for a fault of an identity-provider profile, a check of that profile).

use std::time::Instant;

use scimspec::http::auth::Credentials;
use scimspec::http::client::{ClientOptions, HttpClient};
use scimspec::runner::{Event, RunConfig, RunOutcome, run};
use scimspec::server::faults::{Fault, FaultSet};
use scimspec::server::{ServerConfig, start};
use scimspec::suite::load_builtin;
use scimspec::verdict::{CheckResult, Verdict};

use crate::support::scimspec;

const TOKEN: &str = "reference-server-test-token";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// Runs every shipped suite against a reference server with these faults.
async fn run_all(faults: FaultSet) -> Vec<CheckResult> {
    let mut config = ServerConfig::local(TOKEN.to_string());
    config.faults = faults.clone();
    let server = start(config).await.expect("server starts");
    let client = HttpClient::new(
        &server.base_url,
        Credentials::Bearer(TOKEN.to_string()),
        ClientOptions::default(),
    )
    .expect("client");
    let config = RunConfig::new(client, load_builtin().expect("suites"), 4);
    let mut results = Vec::new();
    let outcome = run(config, |event| {
        if let Event::CheckFinished(result) = event {
            results.push((**result).clone());
        }
    })
    .await;
    assert!(matches!(outcome, RunOutcome::Completed(_)), "{outcome:?}");
    // Deletes that do nothing, or PUTs that move a resource to a new id,
    // leave resources a check cannot know about.
    if !faults.has(Fault::DeletedStillListed) && !faults.has(Fault::PutRecreates) {
        let left = (server.count("User"), server.count("Group"));
        assert_eq!(
            left,
            (0, 0),
            "{faults:?}: the run left (users, groups) behind"
        );
    }
    server.stop().await;
    results
}

fn describe(results: &[CheckResult], verdicts: &[Verdict]) -> String {
    results
        .iter()
        .filter(|r| verdicts.contains(&r.verdict))
        .map(|r| format!("{} [{}]: {}", r.id, r.verdict.as_str(), r.message))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_reference_server_passes_every_shipped_check() {
    let results = runtime().block_on(run_all(FaultSet::default()));
    assert!(results.len() >= 70);
    let problems = describe(
        &results,
        &[Verdict::Fail, Verdict::Error, Verdict::Warn, Verdict::Skip],
    );
    // Interop-profile rules that contradict RFC 7644 (rejecting path-less
    // PATCH) run only against a server that declares
    // interopProfileConformant: true; the RFC-faithful reference server does
    // not, so they skip (the `interop-claim-unconformant` fault runs them).
    let problems: Vec<&str> = problems
        .lines()
        .filter(|line| {
            !(line.starts_with("interop.")
                && line.contains("interopProfileConformant is not advertised"))
        })
        .collect();
    let problems = problems.join("\n");
    assert!(problems.is_empty(), "not all green:\n{problems}");
}

#[test]
fn every_fault_trips_a_check_that_cites_its_section() {
    let runtime = runtime();
    let mut gaps = Vec::new();
    let mut tripped_ids = std::collections::BTreeSet::new();
    let mut all_ids = std::collections::BTreeSet::new();
    // Several faults at a time: each run has its own server, and the runs
    // spend most of their time waiting on loopback I/O.
    let runs: Vec<(Fault, Vec<CheckResult>)> = runtime.block_on(async {
        use futures::StreamExt;
        futures::stream::iter(Fault::ALL.iter().copied())
            .map(|fault| async move { (fault, run_all(FaultSet::new([fault])).await) })
            .buffered(4)
            .collect()
            .await
    });
    for (fault, results) in &runs {
        let fault = *fault;
        all_ids.extend(results.iter().map(|r| r.id.clone()));
        tripped_ids.extend(
            results
                .iter()
                .filter(|r| matches!(r.verdict, Verdict::Fail | Verdict::Warn))
                .map(|r| r.id.clone()),
        );
        // A fault that breaks a SHOULD is caught by a warning, not a failure.
        let tripped: Vec<&CheckResult> = results
            .iter()
            .filter(|r| matches!(r.verdict, Verdict::Fail | Verdict::Warn))
            .collect();
        // A fault of an identity-provider profile (rfc 0, section = the
        // profile's name) must trip a check of that profile instead.
        let cites = tripped.iter().any(|r| {
            r.requirements.iter().any(|q| match fault.profile() {
                Some(profile) => q.profile.as_deref() == Some(profile),
                None => q.rfc == fault.rfc() && q.section == fault.section(),
            })
        });
        if !cites {
            gaps.push(format!(
                "{} ({}): tripped {:?}",
                fault.name(),
                fault.breaks(),
                tripped.iter().map(|r| r.id.as_str()).collect::<Vec<_>>()
            ));
        }
    }
    assert!(
        gaps.is_empty(),
        "faults no check catches:\n{}",
        gaps.join("\n")
    );
    let untripped: Vec<&String> = all_ids.difference(&tripped_ids).collect();
    assert!(
        untripped.is_empty(),
        "checks that no fault makes fail ({}): {untripped:#?}",
        untripped.len()
    );
}

#[test]
fn run_without_a_target_tests_the_built_in_server() {
    let output = scimspec()
        .args(["run", "--color", "never"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("built-in reference server"), "{stdout}");
    assert!(stdout.contains("0 failed"), "{stdout}");
}

#[test]
fn serve_lists_its_faults() {
    let output = scimspec()
        .args(["serve", "--list-faults"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success());
    for fault in Fault::ALL {
        assert!(stdout.contains(fault.name()), "{stdout}");
    }
    assert!(stdout.contains("RFC 7644 §3.5.2.2"), "{stdout}");
    scimspec()
        .args(["serve", "--fault", "no-such-fault"])
        .assert()
        .code(2);
}

#[test]
fn serve_prints_its_address_and_token_and_answers() {
    use std::io::{BufRead, BufReader};
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("scimspec"))
        .args(["serve", "--port", "0"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().unwrap().unwrap();
    let second = lines.next().unwrap().unwrap();
    let base = first.rsplit(' ').next().unwrap().to_string();
    let token = second.strip_prefix("bearer token: ").unwrap().to_string();
    let users = crate::support::http_get(&format!("{base}/Users"), Some(&token));
    let anonymous = crate::support::http_get(&format!("{base}/Users"), None);
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(users.map(|(s, _)| s), Some(200), "{first} / {second}");
    assert_eq!(anonymous.map(|(s, _)| s), Some(401));
}

#[test]
fn a_hundred_thousand_users_still_answer_indexed_queries_quickly() {
    let runtime = runtime();
    runtime.block_on(async {
        let started = Instant::now();
        let mut config = ServerConfig::local(TOKEN.to_string());
        config.seed_users = 100_000;
        let server = start(config).await.expect("server starts");
        eprintln!("seeded 100000 users in {:?}", started.elapsed());
        let client = HttpClient::new(
            &server.base_url,
            Credentials::Bearer(TOKEN.to_string()),
            ClientOptions::default(),
        )
        .unwrap();
        let request = scimspec::http::client::OutgoingRequest {
            method: "GET".into(),
            path: "/Users".into(),
            query: vec![
                ("filter".into(), "userName eq \"SEED-050000\"".into()),
                ("startIndex".into(), "1".into()),
                ("count".into(), "10".into()),
            ],
            ..Default::default()
        };
        // Warm up once, then measure.
        let _ = client.send(&request).await;
        let started = Instant::now();
        let (_, response) = client.send(&request).await;
        let elapsed = started.elapsed();
        let response = response.unwrap();
        let body = response.json.unwrap();
        assert_eq!(body["totalResults"], 1);
        assert_eq!(body["Resources"][0]["userName"], "seed-050000");
        eprintln!("userName eq over 100000 users: {elapsed:?}");
        assert!(elapsed.as_millis() < 200, "indexed query took {elapsed:?}");
        assert_eq!(server.count("User"), 100_000);
        server.stop().await;
    });
}

/// A `$ref` on another origin is never followed: the reference server writes
/// its URIs with 127.0.0.1, so a run against `localhost` sees every $ref as
/// foreign, and the checks that follow them end as errors without sending.
#[test]
fn references_on_another_origin_are_not_followed() {
    let runtime = runtime();
    runtime.block_on(async {
        let server = start(ServerConfig::local(TOKEN.to_string()))
            .await
            .expect("server starts");
        let base = server.base_url.replace("127.0.0.1", "localhost");
        let client = HttpClient::new(
            &base,
            Credentials::Bearer(TOKEN.to_string()),
            ClientOptions::default(),
        )
        .expect("client");
        let mut suites = load_builtin().expect("suites");
        for suite in &mut suites {
            suite
                .checks
                .retain(|loaded| loaded.check.id.starts_with("references."));
        }
        suites.retain(|suite| !suite.checks.is_empty());
        let config = RunConfig::new(client, suites, 1);
        let mut results = Vec::new();
        run(config, |event| {
            if let Event::CheckFinished(result) = event {
                results.push((**result).clone());
            }
        })
        .await;
        server.stop().await;
        assert_eq!(results.len(), 2, "{}", describe(&results, &[]));
        for result in &results {
            assert_eq!(result.verdict, Verdict::Error, "{}", result.message);
            assert!(result.message.contains("refusing"), "{}", result.message);
            // The refused request never got a status: nothing was sent.
            let refused = result
                .exchanges
                .iter()
                .find(|exchange| exchange.url.contains("127.0.0.1"))
                .expect("the refused $ref is recorded");
            assert_eq!(refused.status, None);
            assert!(refused.request_headers.is_empty());
        }
    });
}

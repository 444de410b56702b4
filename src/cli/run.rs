//! `scimspec run`.

use super::connection::{build_client, credentials, report_options};
use super::{ColorMode, FailOn, RunArgs, exit, usage_error};
use crate::http::auth::Credentials;
use std::path::PathBuf;

use tokio_util::sync::CancellationToken;

use super::diff::read_report;
use super::plan;
use crate::report::Reporter;
use crate::report::baseline::BaselineReporter;
use crate::report::file::{FileReporter, Render};
use crate::report::terminal::{TerminalReporter, Verbosity};
use crate::report::{html, json, junit, markdown, tap};
use crate::runner::ledger::Ledger;
use crate::runner::{Event, RunConfig, RunOutcome, new_run_id, run};
use crate::server::{ServerConfig, generate_token, start};

pub fn execute(args: RunArgs) -> u8 {
    anstream::ColorChoice::write_global(match args.color {
        ColorMode::Auto => anstream::ColorChoice::Auto,
        ColorMode::Always => anstream::ColorChoice::Always,
        ColorMode::Never => anstream::ColorChoice::Never,
    });
    let (mut suites, _) = match args.suites.load() {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    if args.read_only {
        for suite in &mut suites {
            suite.checks.retain(|check| check.is_read_only());
        }
        suites.retain(|suite| !suite.checks.is_empty());
    }
    if args.dry_run {
        print!("{}", plan::render(&suites));
        return exit::OK;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => return usage_error(format!("cannot start the async runtime: {err}")),
    };
    // Without --target, the built-in reference server is the target.
    let (target, credentials, embedded) = match &args.target {
        Some(target) => match credentials(&args.connection) {
            Ok(credentials) => (target.clone(), credentials, None),
            Err(err) => return usage_error(err),
        },
        None => {
            let token = generate_token();
            match runtime.block_on(start(ServerConfig::local(token.clone()))) {
                Ok(server) => (
                    server.base_url.clone(),
                    Credentials::Bearer(token),
                    Some(server),
                ),
                Err(err) => return usage_error(err),
            }
        }
    };
    let connection_options = report_options(&target, &args.connection, &credentials);
    let client = match build_client(&target, credentials, &args.connection) {
        Ok(client) => client,
        Err(err) => return usage_error(err),
    };

    let verbosity = match (args.quiet, args.verbose) {
        (true, _) => Verbosity::Quiet,
        (false, 0) => Verbosity::Normal,
        (false, 1) => Verbosity::Verbose,
        (false, _) => Verbosity::Debug,
    };
    let mut reporters: Vec<Box<dyn Reporter>> = vec![Box::new(TerminalReporter::new(verbosity))];
    // Every report file is created now: a path that cannot be written stops
    // the run before any request is sent.
    let files: [(&Option<PathBuf>, Render); 5] = [
        (&args.report_json, json::render_text),
        (&args.report_junit, junit::render),
        (&args.report_tap, tap::render),
        (&args.report_md, markdown::render),
        (&args.report_html, html::render),
    ];
    for (path, render) in files {
        if let Some(path) = path {
            match FileReporter::create(path, render) {
                Ok(reporter) => reporters.push(Box::new(reporter)),
                Err(err) => return usage_error(err),
            }
        }
    }
    let mut baseline = match &args.baseline {
        Some(path) => match read_report(path) {
            Ok(document) => Some(BaselineReporter::new(
                document,
                args.fail_on == FailOn::Should,
            )),
            Err(err) => return usage_error(err),
        },
        None => None,
    };

    let mut options = connection_options;
    options.push(("jobs".to_string(), args.jobs.to_string()));
    if args.read_only {
        options.push((
            "mode".to_string(),
            "read-only (only GET and POST /.search are sent)".to_string(),
        ));
    }
    if embedded.is_some() {
        options.insert(
            0,
            (
                "server".to_string(),
                "built-in reference server (scimspec serve)".to_string(),
            ),
        );
    }
    // The state file is written before the first request, so a run killed
    // at any point leaves a record of what it created. The embedded server
    // forgets everything when the run ends: no state file for it.
    let run_id = new_run_id();
    let state_path = match (&args.state, &embedded) {
        (Some(path), _) => Some(path.clone()),
        (None, None) => Some(std::env::temp_dir().join(format!("scimspec-{run_id}.state.jsonl"))),
        (None, Some(_)) => None,
    };
    let ledger = match Ledger::new(
        client.base_url(),
        &run_id,
        state_path.as_deref(),
        args.max_resources,
    ) {
        Ok(ledger) => ledger,
        Err(err) => return usage_error(err),
    };
    if let Some(path) = &state_path {
        eprintln!("scimspec: state file: {}", path.display());
    }
    let cancel = CancellationToken::new();
    runtime.spawn(watch_signals(
        cancel.clone(),
        state_path.as_ref().map(|p| p.display().to_string()),
    ));
    let config = RunConfig {
        client,
        suites,
        jobs: usize::from(args.jobs),
        run_id,
        options,
        ledger,
        cancel,
    };
    let mut cleanup_complete = true;
    let outcome = runtime.block_on(run(config, |event| {
        if let Event::CleanupFinished(report) = event {
            cleanup_complete = report.failed.is_empty() && report.state_error.is_none();
        }
        for reporter in reporters.iter_mut() {
            reporter.on_event(event);
        }
        if let Some(baseline) = baseline.as_mut() {
            baseline.on_event(event);
        }
    }));
    if let Some(server) = embedded {
        runtime.block_on(server.stop());
    }
    let mut report_failed = false;
    for reporter in reporters.iter_mut() {
        if let Err(err) = reporter.finish() {
            eprintln!("scimspec: error: {err}");
            report_failed = true;
        }
    }
    let new_failures = baseline.as_mut().and_then(|baseline| {
        // The comparison only means something when the run completed.
        if matches!(outcome, RunOutcome::Fatal(_)) {
            return None;
        }
        let _ = baseline.finish();
        baseline.comparison().map(|c| c.new_failures.len())
    });
    // A default state file has done its job once nothing the run created is left.
    if args.state.is_none()
        && let Some(path) = &state_path
        && cleanup_complete
    {
        let _ = std::fs::remove_file(path);
    }
    match outcome {
        RunOutcome::Fatal(_) => exit::UNREACHABLE,
        RunOutcome::Interrupted(_) => exit::INTERRUPTED,
        RunOutcome::Completed(_) if report_failed => exit::USAGE,
        RunOutcome::Completed(summary)
            if summary.errored > 0 && summary.errored == summary.total =>
        {
            // Not one check could be tested: not a pass, whatever the counts say.
            eprintln!(
                "scimspec: none of the {} checks could be tested ({} errors); see the report",
                summary.total, summary.errored
            );
            exit::UNREACHABLE
        }
        RunOutcome::Completed(summary) if args.fail_on_error && summary.errored > 0 => {
            eprintln!(
                "scimspec: {} check(s) could not be tested (--fail-on-error)",
                summary.errored
            );
            exit::FAILURES
        }
        RunOutcome::Completed(summary) => {
            // With --min-score, MUST-level failures are tolerated down to the score.
            let must_gate = match args.min_score {
                Some(minimum) => {
                    let score = summary.must_percent().unwrap_or(100.0);
                    let below = score < f64::from(minimum);
                    if below {
                        eprintln!(
                            "scimspec: MUST compliance {score:.1}% is below --min-score {minimum}"
                        );
                    }
                    below
                }
                None => summary.failed > 0,
            };
            let should_gate = args.fail_on == FailOn::Should && summary.warned > 0;
            if args.fail_on_regression {
                // Only what the baseline did not already have fails the run.
                if new_failures.unwrap_or(0) > 0 {
                    exit::FAILURES
                } else {
                    exit::OK
                }
            } else if must_gate || should_gate {
                exit::FAILURES
            } else {
                exit::OK
            }
        }
    }
}

/// First Ctrl-C or SIGTERM: stop starting checks and clean up. Second: exit
/// at once, saying where the record of what is left lives.
async fn watch_signals(cancel: CancellationToken, state_path: Option<String>) {
    let mut first = true;
    loop {
        let signal = next_signal().await;
        if first {
            first = false;
            eprintln!(
                "\nscimspec: {signal}: no new checks start; deleting what this run created \
                 (send it again to exit at once)"
            );
            cancel.cancel();
            continue;
        }
        match &state_path {
            Some(path) => eprintln!(
                "\nscimspec: {signal} again: exiting now; what this run created and did not \
                 delete yet is listed in {path}; finish with: scimspec cleanup --state {path}"
            ),
            None => eprintln!("\nscimspec: {signal} again: exiting now"),
        }
        std::process::exit(i32::from(exit::INTERRUPTED));
    }
}

#[cfg(unix)]
async fn next_signal() -> &'static str {
    use tokio::signal::unix::{SignalKind, signal};
    let Ok(mut terminate) = signal(SignalKind::terminate()) else {
        let _ = tokio::signal::ctrl_c().await;
        return "interrupted";
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => "interrupted",
        _ = terminate.recv() => "terminated",
    }
}

#[cfg(not(unix))]
async fn next_signal() -> &'static str {
    let _ = tokio::signal::ctrl_c().await;
    "interrupted"
}

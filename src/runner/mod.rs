//! The runner: discovery first, then the selected suites (concurrently up to
//! `jobs`, each suite's checks in order), emitting [`Event`]s as it goes.

pub mod events;
pub mod ledger;
pub mod selection;
pub mod summary;

use std::sync::Arc;
use std::time::Instant;

use futures::StreamExt;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

pub use events::{CleanupReport, Event, MAX_REPORTED_BODY_BYTES};
pub use summary::Summary;

use crate::engine::{CheckEnv, run_check};
use crate::http::client::HttpClient;
use crate::runner::ledger::Ledger;
use crate::scim::discovery::{Discovery, DiscoveryFatal, Document};
use crate::suite::LoadedSuite;

pub struct RunConfig {
    pub client: HttpClient,
    pub suites: Vec<LoadedSuite>,
    pub jobs: usize,
    pub run_id: String,
    /// Settings to state in reports.
    pub options: Vec<(String, String)>,
    /// Records what the run creates; swept at the end.
    pub ledger: Ledger,
    /// Cancelled on the first Ctrl-C/SIGTERM: no new checks start, checks in
    /// flight are abandoned, and the sweep cleans up what they created.
    pub cancel: CancellationToken,
}

impl RunConfig {
    /// A run with a fresh id, no state file, no cap on live resources and
    /// no signal handling: what library users and tests need.
    pub fn new(client: HttpClient, suites: Vec<LoadedSuite>, jobs: usize) -> RunConfig {
        let run_id = new_run_id();
        let ledger = Ledger::in_memory(client.base_url(), usize::MAX);
        RunConfig {
            client,
            suites,
            jobs,
            run_id,
            options: Vec::new(),
            ledger,
            cancel: CancellationToken::new(),
        }
    }
}

/// How the run ended.
#[derive(Debug)]
pub enum RunOutcome {
    Completed(Summary),
    /// Stopped by a signal; what ran is in the summary.
    Interrupted(Summary),
    Fatal(DiscoveryFatal),
}

/// Runs everything, passing each event to `on_event` in the order emitted.
pub async fn run(config: RunConfig, mut on_event: impl FnMut(&Event)) -> RunOutcome {
    let started = Instant::now();
    let planned = config.suites.iter().map(|s| s.checks.len()).sum();
    on_event(&Event::RunStarted {
        target: config.client.base_url().to_string(),
        run_id: config.run_id.clone(),
        started: chrono::Utc::now(),
        planned,
        options: config.options.clone(),
    });

    let (recording, journal) = config.client.recording();
    let discovery = match Discovery::fetch(&recording).await {
        Ok(discovery) => discovery,
        Err(fatal) => {
            // What discovery sent, retries included, belongs in the report.
            on_event(&Event::DiscoveryFinished {
                exchanges: journal.take(),
                problems: Vec::new(),
            });
            on_event(&Event::RunFinished {
                duration_ms: started.elapsed().as_millis() as u64,
                fatal: Some(fatal.to_string()),
            });
            return RunOutcome::Fatal(fatal);
        }
    };
    let problems = [
        ("ServiceProviderConfig", &discovery.service_provider_config),
        ("ResourceTypes", &discovery.resource_types),
        ("Schemas", &discovery.schemas),
    ]
    .into_iter()
    .filter_map(|(name, doc)| match doc {
        Document::Failed(reason) => Some(format!("{name}: {reason}")),
        Document::Loaded(_) => None,
    })
    .collect();
    on_event(&Event::DiscoveryFinished {
        exchanges: discovery.exchanges.clone(),
        problems,
    });

    let (sender, mut receiver) = mpsc::unbounded_channel::<Event>();
    let env = CheckEnv {
        client: &config.client,
        discovery: &discovery,
        run_id: &config.run_id,
        ledger: &config.ledger,
    };
    let cancel = &config.cancel;
    let suites = &config.suites;
    let jobs = config.jobs.max(1);
    let produce = async move {
        futures::stream::iter(suites.iter().enumerate())
            .for_each_concurrent(jobs, |(suite_index, suite)| {
                let sender = sender.clone();
                let env = &env;
                async move {
                    for (check_index, check) in suite.checks.iter().enumerate() {
                        if cancel.is_cancelled() {
                            break;
                        }
                        // A closed channel only means nobody listens any more.
                        let _ = sender.send(Event::CheckStarted {
                            id: check.check.id.clone(),
                        });
                        let order = (suite_index, check_index);
                        tokio::select! {
                            mut result = run_check(env, suite, check, order) => {
                                for exchange in &mut result.exchanges {
                                    exchange.cap_bodies(MAX_REPORTED_BODY_BYTES);
                                }
                                let _ = sender.send(Event::CheckFinished(Arc::new(result)));
                            }
                            // Abandoned mid-flight: the ledger knows what it created.
                            () = cancel.cancelled() => break,
                        }
                    }
                }
            })
            .await;
        drop(sender);
    };
    let mut summary = Summary::default();
    let consume = async {
        while let Some(event) = receiver.recv().await {
            if let Event::CheckFinished(result) = &event {
                summary.add(result);
            }
            on_event(&event);
        }
    };
    tokio::join!(produce, consume);

    let cancelled = config.cancel.is_cancelled();
    if cancelled {
        on_event(&Event::Interrupted {
            signal: "stopped by Ctrl-C or SIGTERM".to_string(),
        });
    }
    let sweep = config.ledger.sweep(&config.client, &config.run_id).await;
    on_event(&Event::CleanupFinished(CleanupReport {
        created: config.ledger.created_total(),
        swept: sweep.deleted,
        failed: sweep.failed,
        state_file: config.ledger.state_path().map(|p| p.display().to_string()),
        state_error: config.ledger.write_error(),
    }));
    if cancelled {
        on_event(&Event::RunFinished {
            duration_ms: started.elapsed().as_millis() as u64,
            fatal: None,
        });
        return RunOutcome::Interrupted(summary);
    }
    on_event(&Event::RunFinished {
        duration_ms: started.elapsed().as_millis() as u64,
        fatal: None,
    });
    RunOutcome::Completed(summary)
}

/// A short random run id (hex), so concurrent runs never collide.
pub fn new_run_id() -> String {
    let value: u32 = rand::random();
    format!("{value:08x}")
}

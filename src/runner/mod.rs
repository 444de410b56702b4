//! The runner: discovery first, then the selected suites (concurrently up to
//! `jobs`, each suite's checks in order), emitting [`Event`]s as it goes.

pub mod events;
pub mod selection;
pub mod summary;

use std::time::Instant;

use futures::StreamExt;
use tokio::sync::mpsc;

pub use events::Event;
pub use summary::Summary;

use crate::engine::{CheckEnv, run_check};
use crate::http::client::HttpClient;
use crate::scim::discovery::{Discovery, DiscoveryFatal, Document};
use crate::suite::LoadedSuite;

pub struct RunConfig {
    pub client: HttpClient,
    pub suites: Vec<LoadedSuite>,
    pub jobs: usize,
    pub run_id: String,
    /// Settings to state in reports.
    pub options: Vec<(String, String)>,
}

/// How the run ended.
#[derive(Debug)]
pub enum RunOutcome {
    Completed(Summary),
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

    let discovery = match Discovery::fetch(&config.client).await {
        Ok(discovery) => discovery,
        Err(fatal) => {
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
    };
    let suites = &config.suites;
    let jobs = config.jobs.max(1);
    let produce = async move {
        futures::stream::iter(suites.iter().enumerate())
            .for_each_concurrent(jobs, |(suite_index, suite)| {
                let sender = sender.clone();
                let env = &env;
                async move {
                    for (check_index, check) in suite.checks.iter().enumerate() {
                        // A closed channel only means nobody listens any more.
                        let _ = sender.send(Event::CheckStarted {
                            id: check.check.id.clone(),
                        });
                        let result = run_check(env, suite, check, (suite_index, check_index)).await;
                        let _ = sender.send(Event::CheckFinished(Box::new(result)));
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

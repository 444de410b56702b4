//! Everything a report needs, accumulated from events.

use chrono::{DateTime, Utc};

use std::sync::Arc;

use crate::http::client::Exchange;
use crate::runner::{CleanupReport, Event, MAX_REPORTED_BODY_BYTES, Summary};
use crate::verdict::CheckResult;

#[derive(Debug, Clone, Default)]
pub struct RunRecord {
    pub target: String,
    pub run_id: String,
    pub started: Option<DateTime<Utc>>,
    pub planned: usize,
    pub options: Vec<(String, String)>,
    pub discovery_exchanges: Vec<Exchange>,
    pub discovery_problems: Vec<String>,
    /// Shared with the runner and every other reporter (bodies already cut
    /// to [`MAX_REPORTED_BODY_BYTES`] by the runner): one copy per run.
    results: Vec<Arc<CheckResult>>,
    pub duration_ms: u64,
    pub fatal: Option<String>,
    /// The signal that stopped the run early, if one did.
    pub interrupted: Option<String>,
    pub cleanup: Option<CleanupReport>,
}

impl RunRecord {
    pub fn apply(&mut self, event: &Event) {
        match event {
            Event::RunStarted {
                target,
                run_id,
                started,
                planned,
                options,
            } => {
                self.target = target.clone();
                self.run_id = run_id.clone();
                self.started = Some(*started);
                self.planned = *planned;
                self.options = options.clone();
            }
            Event::DiscoveryFinished {
                exchanges,
                problems,
            } => {
                self.discovery_exchanges = exchanges.clone();
                for exchange in &mut self.discovery_exchanges {
                    exchange.cap_bodies(MAX_REPORTED_BODY_BYTES);
                }
                self.discovery_problems = problems.clone();
            }
            Event::CheckStarted { .. } => {}
            Event::Interrupted { signal } => self.interrupted = Some(signal.clone()),
            Event::CleanupFinished(report) => self.cleanup = Some(report.clone()),
            Event::CheckFinished(result) => self.results.push(Arc::clone(result)),
            Event::RunFinished { duration_ms, fatal } => {
                self.duration_ms = *duration_ms;
                self.fatal = fatal.clone();
            }
        }
    }

    /// Results in suite order, whatever order they finished in.
    pub fn results(&self) -> Vec<&CheckResult> {
        let mut results: Vec<&CheckResult> = self.results.iter().map(|r| &**r).collect();
        results.sort_by_key(|r| r.order);
        results
    }

    pub fn summary(&self) -> Summary {
        Summary::from_results(self.results.iter().map(|r| &**r))
    }

    /// A record of these results in this order (for reporter tests).
    #[cfg(test)]
    pub fn of_results(results: Vec<CheckResult>) -> RunRecord {
        let mut record = RunRecord::default();
        for (index, mut result) in results.into_iter().enumerate() {
            result.order = (0, index);
            record.apply(&Event::CheckFinished(Arc::new(result)));
        }
        record
    }
}

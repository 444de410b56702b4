//! Everything a report needs, accumulated from events.

use chrono::{DateTime, Utc};

use crate::http::client::Exchange;
use crate::runner::{Event, Summary};
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
    results: Vec<CheckResult>,
    pub duration_ms: u64,
    pub fatal: Option<String>,
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
                self.discovery_problems = problems.clone();
            }
            Event::CheckStarted { .. } => {}
            Event::CheckFinished(result) => self.results.push((**result).clone()),
            Event::RunFinished { duration_ms, fatal } => {
                self.duration_ms = *duration_ms;
                self.fatal = fatal.clone();
            }
        }
    }

    /// Results in suite order, whatever order they finished in.
    pub fn results(&self) -> Vec<&CheckResult> {
        let mut results: Vec<&CheckResult> = self.results.iter().collect();
        results.sort_by_key(|r| r.order);
        results
    }

    pub fn summary(&self) -> Summary {
        Summary::from_results(&self.results)
    }
}

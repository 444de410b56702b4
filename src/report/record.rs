//! Everything a report needs, accumulated from events.

use chrono::{DateTime, Utc};

use crate::http::client::Exchange;
use crate::runner::{CleanupReport, Event, Summary};
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
                self.discovery_exchanges.iter_mut().for_each(trim_bodies);
                self.discovery_problems = problems.clone();
            }
            Event::CheckStarted { .. } => {}
            Event::Interrupted { signal } => self.interrupted = Some(signal.clone()),
            Event::CleanupFinished(report) => self.cleanup = Some(report.clone()),
            Event::CheckFinished(result) => {
                let mut result = (**result).clone();
                result.exchanges.iter_mut().for_each(trim_bodies);
                self.results.push(result);
            }
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

/// Longest request or response body a report keeps, in bytes. Every
/// exchange of a run is kept until the reports are written, once per
/// reporter: without a bound, a server answering each request with a body
/// just under `--max-response-bytes` would make memory grow with the number
/// of requests times that limit.
pub const MAX_REPORTED_BODY_BYTES: usize = 64 * 1024;

fn trim_bodies(exchange: &mut Exchange) {
    for body in [&mut exchange.request_body, &mut exchange.response_body]
        .into_iter()
        .flatten()
    {
        if body.len() > MAX_REPORTED_BODY_BYTES {
            let mut cut = MAX_REPORTED_BODY_BYTES;
            while !body.is_char_boundary(cut) {
                cut -= 1;
            }
            let dropped = body.len() - cut;
            // A fresh allocation: shrinking the large one in place would keep
            // a small live block inside a large freed region (fragmentation
            // that grows the process with every large body).
            *body = format!(
                "{}… [{dropped} more bytes not kept in the report]",
                &body[..cut]
            );
        }
    }
}

#[cfg(test)]
mod trim_tests {
    use super::*;

    #[test]
    fn long_bodies_are_cut_at_a_character_boundary() {
        let mut exchange: Exchange = serde_json::from_value(serde_json::json!({
            "method": "GET", "url": "u", "request_headers": [], "response_headers": [],
            "duration_ms": 1,
            "request_body": "short",
            "response_body": "é".repeat(MAX_REPORTED_BODY_BYTES),
        }))
        .unwrap();
        trim_bodies(&mut exchange);
        assert_eq!(exchange.request_body.as_deref(), Some("short"));
        let body = exchange.response_body.unwrap_or_default();
        assert!(body.len() < MAX_REPORTED_BODY_BYTES + 100);
        assert!(body.ends_with(&format!(
            "… [{} more bytes not kept in the report]",
            MAX_REPORTED_BODY_BYTES
        )));
    }
}

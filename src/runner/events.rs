//! Events the runner emits; reporters only consume these.

use chrono::{DateTime, Utc};

use crate::http::client::Exchange;
use crate::verdict::CheckResult;

#[derive(Debug, Clone)]
pub enum Event {
    RunStarted {
        target: String,
        run_id: String,
        started: DateTime<Utc>,
        /// Checks selected to run.
        planned: usize,
        /// Settings worth stating in every report.
        options: Vec<(String, String)>,
    },
    DiscoveryFinished {
        exchanges: Vec<Exchange>,
        /// Problems with the discovery documents (the run goes on).
        problems: Vec<String>,
    },
    CheckStarted {
        id: String,
    },
    CheckFinished(Box<CheckResult>),
    RunFinished {
        duration_ms: u64,
        /// Why the run stopped early (unreachable target, rejected credentials).
        fatal: Option<String>,
    },
}

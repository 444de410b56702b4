//! Events the runner emits; reporters only consume these.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::http::client::Exchange;
use crate::verdict::CheckResult;

/// Longest request or response body kept in a finished check's exchanges,
/// in bytes (reports keep every exchange of a run until they are written).
pub const MAX_REPORTED_BODY_BYTES: usize = 64 * 1024;

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
    /// A finished check, shared by every reporter; its exchanges' bodies are
    /// cut to [`MAX_REPORTED_BODY_BYTES`].
    CheckFinished(Arc<CheckResult>),
    /// A signal asked the run to stop: no new checks start; cleanup follows.
    Interrupted {
        signal: String,
    },
    /// The end-of-run sweep of what the run created and did not delete itself.
    CleanupFinished(CleanupReport),
    RunFinished {
        duration_ms: u64,
        /// Why the run stopped early (unreachable target, rejected credentials).
        fatal: Option<String>,
    },
}

/// What the run left on the target after every check's own cleanup, and
/// what the sweep did about it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CleanupReport {
    /// Resources the run created in all.
    pub created: usize,
    /// Leftovers the sweep deleted.
    pub swept: Vec<String>,
    /// Leftovers the sweep could not delete, with why.
    pub failed: Vec<(String, String)>,
    /// The state file, when one is kept.
    pub state_file: Option<String>,
    /// Why the state file could not be written, if it could not.
    pub state_error: Option<String>,
}

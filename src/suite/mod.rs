//! Suites: the declarative model, the loader (built-in and user files) and
//! the JSON Schema of the format.

pub mod loader;
pub mod model;
pub mod profile;
#[cfg(test)]
mod proptests;
pub mod schema;

use model::{Check, Condition, Severity};

use crate::verdict::ResolvedRequirement;

pub use loader::{SuiteError, load_all, load_builtin};

/// A suite as loaded and validated, ready to run.
#[derive(Debug, Clone)]
pub struct LoadedSuite {
    pub id: String,
    pub title: String,
    pub tags: Vec<String>,
    pub requires: Vec<Condition>,
    /// Where the suite came from: `builtin:PATH` or a file path.
    pub origin: String,
    /// The profile the suite belongs to (`None`: `rfc`).
    pub profile: Option<String>,
    /// The profile's settings, exposed to templates as `profile`.
    pub profile_settings: serde_json::Value,
    pub checks: Vec<LoadedCheck>,
}

impl LoadedSuite {
    /// `rfc` or the suite's profile.
    pub fn profile_name(&self) -> &str {
        self.profile.as_deref().unwrap_or(profile::RFC_PROFILE)
    }
}

#[derive(Debug, Clone)]
pub struct LoadedCheck {
    pub check: Check,
    /// The check's requirement references, completed from the catalogue.
    pub requirements: Vec<ResolvedRequirement>,
}

impl LoadedCheck {
    /// True when every request the check can send (steps and cleanup) only
    /// reads: GET, HEAD, or POST to a `/.search` endpoint. `--read-only` runs
    /// only these.
    pub fn is_read_only(&self) -> bool {
        self.check
            .steps
            .iter()
            .chain(&self.check.cleanup)
            .all(|step| step.request.is_read())
    }

    /// The strongest level among the check's requirements decides what a
    /// broken expectation means.
    pub fn severity(&self) -> Severity {
        crate::verdict::strongest_severity(&self.requirements)
    }
}

//! Verdicts and per-check results: what the runner emits and reporters read.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::engine::Mismatch;
use crate::http::client::Exchange;
use crate::suite::model::{Level, Severity};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema, PartialOrd, Ord,
)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The requirement holds.
    Pass,
    /// A MUST-level requirement is broken.
    Fail,
    /// A SHOULD-level requirement is broken.
    Warn,
    /// Not applicable to this target (with the reason).
    Skip,
    /// Could not test: network failure, failed setup, broken discovery.
    Error,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Warn => "warn",
            Verdict::Skip => "skip",
            Verdict::Error => "error",
        }
    }
}

/// A requirement reference with every field resolved from the catalogue.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct ResolvedRequirement {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub rfc: u16,
    pub section: String,
    pub level: Level,
    /// The provisioning profile whose rule this is (`rfc`, `section` then
    /// say nothing: the rule id is in `id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// The requirement's paraphrase from the catalogue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

impl ResolvedRequirement {
    /// `RFC 7644 §3.3 MUST (P-3.3-02)`
    pub fn label(&self) -> String {
        if let Some(profile) = &self.profile {
            return format!(
                "profile {profile} {} {}",
                self.id.as_deref().unwrap_or_default(),
                self.level.as_str()
            );
        }
        let mut label = format!("RFC {} §{} {}", self.rfc, self.section, self.level.as_str());
        if let Some(id) = &self.id {
            label.push_str(&format!(" ({id})"));
        }
        label
    }
}

/// Why a step failed: the request, what came back and what was expected.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct StepFailure {
    pub step: String,
    /// `POST http://host/v2/Users`
    pub request: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The start of the response body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_excerpt: Option<String>,
    pub mismatches: Vec<Mismatch>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct CheckResult {
    pub id: String,
    pub title: String,
    pub suite: String,
    pub tags: Vec<String>,
    pub verdict: Verdict,
    pub requirements: Vec<ResolvedRequirement>,
    /// One line: why the verdict (skip reason, error cause, first mismatch).
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<StepFailure>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// Problems during cleanup (they do not change the verdict).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cleanup_notes: Vec<String>,
    pub duration_ms: u64,
    pub exchanges: Vec<Exchange>,
    /// Latencies the check's `measure` steps recorded.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub measurements: Vec<Measurement>,
    /// (suite position, check position): the deterministic report order.
    #[serde(skip)]
    #[schemars(skip)]
    pub order: (usize, usize),
}

/// One latency sample of a named series (a step with `measure`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Measurement {
    /// The series name the suite gave (`measure: NAME`).
    pub series: String,
    /// The step that took the sample.
    pub step: String,
    /// Microseconds: the round trip, or for a polling step the time until
    /// its expectations held (from `measure_from`'s response when given).
    pub micros: u64,
    /// Requests sent (more than 1 when the step polled).
    pub attempts: u32,
    /// False when a polling step timed out: `ms` is then a lower bound.
    pub converged: bool,
}

impl CheckResult {
    /// The requirement the check is grouped under in reports.
    pub fn primary_requirement(&self) -> Option<&ResolvedRequirement> {
        self.requirements.first()
    }

    /// Whether the check belongs to an identity-provider profile (`entra`,
    /// …) rather than to the RFCs: such checks are judged per profile and
    /// stay out of the RFC score (the summary's MUST/SHOULD percentages and
    /// the reports' by-level tables).
    pub fn is_profile_check(&self) -> bool {
        self.requirements.iter().any(|r| r.profile.is_some())
    }

    /// The level the check is judged at: its strongest requirement's.
    pub fn severity(&self) -> Severity {
        strongest_severity(&self.requirements)
    }
}

/// The strongest level among requirements decides what a broken
/// expectation means (MUST when none is given).
pub fn strongest_severity(requirements: &[ResolvedRequirement]) -> Severity {
    requirements
        .iter()
        .map(|r| r.level.severity())
        .max()
        .unwrap_or(Severity::Must)
}

#[cfg(test)]
impl CheckResult {
    /// A result with nothing but an id and a verdict, for reporter tests.
    pub fn stub(id: &str, verdict: Verdict) -> CheckResult {
        CheckResult {
            id: id.to_string(),
            title: format!("title of {id}"),
            suite: "s".to_string(),
            tags: Vec::new(),
            verdict,
            requirements: Vec::new(),
            message: String::new(),
            failure: None,
            fix: None,
            cleanup_notes: Vec::new(),
            duration_ms: 0,
            exchanges: Vec::new(),
            measurements: Vec::new(),
            order: (0, 0),
        }
    }
    /// The result citing one more requirement at `level`: RFC 7644 §3.3, or
    /// with `profile`, a rule of that identity-provider profile (as the
    /// loader resolves it).
    pub fn citing(mut self, level: Level, profile: Option<&str>) -> CheckResult {
        let requirement = match profile {
            Some(profile) => ResolvedRequirement {
                id: Some(format!("{}-01", profile.to_uppercase())),
                rfc: 0,
                section: String::new(),
                level,
                profile: Some(profile.to_string()),
                text: None,
            },
            None => ResolvedRequirement {
                id: None,
                rfc: 7644,
                section: "3.3".to_string(),
                level,
                profile: None,
                text: None,
            },
        };
        self.requirements.push(requirement);
        self
    }
}

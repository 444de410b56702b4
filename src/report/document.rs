//! The JSON report as typed data: written by `--report-json`, read back by
//! `--baseline` and `scimspec diff`, and the source of the published JSON
//! Schema (`docs/report.schema.json`).

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::record::RunRecord;
use crate::http::client::Exchange;
use crate::verdict::CheckResult;

/// Bumped on any incompatible change of the report's shape.
pub const REPORT_VERSION: u32 = 1;

/// One run of scimspec against one target.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ReportDocument {
    /// Report format version; the shape only grows compatibly within a version.
    pub version: u32,
    pub tool: Tool,
    /// The base URL tested.
    pub target: String,
    /// Every resource the run created carries it in its name (`scimspec-<run_id>-…`).
    pub run_id: String,
    /// RFC 3339 start time.
    pub started: Option<String>,
    /// Wall time of the run.
    pub duration_ms: u64,
    /// Settings that matter when reading the report (authentication, mode, …).
    #[serde(default)]
    pub options: IndexMap<String, String>,
    /// Why the run stopped before any check, else null.
    pub fatal: Option<String>,
    /// The signal that stopped the run early, else null.
    #[serde(default)]
    pub interrupted: Option<String>,
    pub summary: ReportSummary,
    #[serde(default)]
    pub discovery: DiscoveryRecord,
    /// One verdict per identity-provider profile run (apart from the RFC score).
    #[serde(default)]
    pub profiles: Vec<ProfileRecord>,
    /// Latency per series of `measure` steps (p50/p95), in first-seen order.
    #[serde(default)]
    pub latency: Vec<super::latency::LatencySeries>,
    /// What the run left on the target after every check's own cleanup.
    #[serde(default)]
    pub cleanup: Option<CleanupRecord>,
    /// One result per check, in suite order.
    pub results: Vec<CheckResult>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

/// Verdict counts and compliance percentages (passed / judged).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ReportSummary {
    pub total: usize,
    pub passed: usize,
    pub failed: usize,
    pub warned: usize,
    pub skipped: usize,
    pub errored: usize,
    /// MUST-level checks passed / MUST-level checks judged, in percent; null when none was judged.
    pub must_compliance_percent: Option<f64>,
    /// SHOULD-level checks passed / SHOULD-level checks judged, in percent; null when none was judged.
    pub should_compliance_percent: Option<f64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct DiscoveryRecord {
    /// Problems with the discovery documents (the run went on).
    #[serde(default)]
    pub problems: Vec<String>,
    /// The discovery requests and responses.
    #[serde(default)]
    pub exchanges: Vec<Exchange>,
}

/// How one identity-provider profile fared.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ProfileRecord {
    pub profile: String,
    /// No MUST-level rule of the profile failed, and something was judged.
    pub compatible: bool,
    /// Failed MUST-level rules: what would stop the identity provider.
    pub blocking: usize,
    pub warnings: usize,
    pub passed: usize,
    pub skipped: usize,
    pub errored: usize,
}

/// The end-of-run sweep: normally nothing is left to delete.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct CleanupRecord {
    /// Resources the run created in all (each check deletes its own).
    pub created: usize,
    /// Leftovers the sweep deleted.
    #[serde(default)]
    pub swept: Vec<String>,
    /// Leftovers that could not be deleted: URL and reason.
    #[serde(default)]
    pub failed: Vec<(String, String)>,
    /// The state file listing what the run created, when one was kept.
    #[serde(default)]
    pub state_file: Option<String>,
}

impl ReportDocument {
    pub fn from_record(record: &RunRecord) -> ReportDocument {
        let summary = record.summary();
        ReportDocument {
            version: REPORT_VERSION,
            tool: Tool {
                name: "scimspec".to_string(),
                version: env!("CARGO_PKG_VERSION").to_string(),
            },
            target: record.target.clone(),
            run_id: record.run_id.clone(),
            started: record.started.map(|s| s.to_rfc3339()),
            duration_ms: record.duration_ms,
            options: record.options.iter().cloned().collect(),
            fatal: record.fatal.clone(),
            interrupted: record.interrupted.clone(),
            summary: ReportSummary {
                total: summary.total,
                passed: summary.passed,
                failed: summary.failed,
                warned: summary.warned,
                skipped: summary.skipped,
                errored: summary.errored,
                must_compliance_percent: summary.must_percent(),
                should_compliance_percent: summary.should_percent(),
            },
            discovery: DiscoveryRecord {
                problems: record.discovery_problems.clone(),
                exchanges: record.discovery_exchanges.clone(),
            },
            profiles: super::grouping::profile_outcomes(&record.results())
                .into_iter()
                .map(|o| ProfileRecord {
                    compatible: o.compatible(),
                    blocking: o.counts.fail,
                    warnings: o.counts.warn,
                    passed: o.counts.pass,
                    skipped: o.counts.skip,
                    errored: o.counts.error,
                    profile: o.profile,
                })
                .collect(),
            latency: super::latency::latency_series(&record.results()),
            cleanup: record.cleanup.as_ref().map(|c| CleanupRecord {
                created: c.created,
                swept: c.swept.clone(),
                failed: c.failed.clone(),
                state_file: c.state_file.clone(),
            }),
            results: record.results().into_iter().cloned().collect(),
        }
    }

    /// Reads a saved report; a report of another major version is refused.
    pub fn parse(text: &str) -> Result<ReportDocument, String> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        match value.get("version").and_then(serde_json::Value::as_u64) {
            Some(version) if version == u64::from(REPORT_VERSION) => {}
            Some(version) => {
                return Err(format!(
                    "report format version {version}; this scimspec reads version {REPORT_VERSION}"
                ));
            }
            None => return Err("not a scimspec JSON report (no \"version\")".to_string()),
        }
        serde_json::from_value(value).map_err(|e| format!("not a scimspec JSON report: {e}"))
    }
}

/// The JSON Schema of the report, as published in `docs/report.schema.json`.
pub fn report_schema_json() -> String {
    let schema = schemars::schema_for!(ReportDocument);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_of_another_version_are_refused() {
        let err = ReportDocument::parse(r#"{"version": 2}"#).unwrap_err();
        assert!(err.contains("version 2"), "{err}");
        let err = ReportDocument::parse(r#"{"results": []}"#).unwrap_err();
        assert!(err.contains("no \"version\""), "{err}");
        assert!(ReportDocument::parse("<html>").is_err());
    }

    #[test]
    fn an_empty_run_round_trips() {
        let document = ReportDocument::from_record(&RunRecord::default());
        let text = serde_json::to_string(&document).unwrap();
        let back = ReportDocument::parse(&text).unwrap();
        assert_eq!(back.version, REPORT_VERSION);
        assert!(back.results.is_empty());
    }
}

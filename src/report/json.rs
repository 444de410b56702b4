//! `--report-json`: the versioned machine-readable report (docs/report-format.md).

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::json;

use super::record::RunRecord;
use super::{ReportError, Reporter};
use crate::runner::Event;

/// Bumped on any incompatible change of the report's shape.
pub const REPORT_VERSION: u32 = 1;

pub struct JsonReporter {
    path: PathBuf,
    file: Option<File>,
    record: RunRecord,
}

impl JsonReporter {
    /// Opens the file at once, so an unwritable path fails before any request.
    pub fn create(path: &Path) -> Result<JsonReporter, ReportError> {
        let file = File::create(path).map_err(|e| ReportError::Write {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        Ok(JsonReporter {
            path: path.to_path_buf(),
            file: Some(file),
            record: RunRecord::default(),
        })
    }
}

pub fn render(record: &RunRecord) -> serde_json::Value {
    let summary = record.summary();
    let options: serde_json::Map<String, serde_json::Value> = record
        .options
        .iter()
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    json!({
        "version": REPORT_VERSION,
        "tool": {"name": "scimspec", "version": env!("CARGO_PKG_VERSION")},
        "target": record.target,
        "run_id": record.run_id,
        "started": record.started.map(|s| s.to_rfc3339()),
        "duration_ms": record.duration_ms,
        "options": options,
        "fatal": record.fatal,
        "summary": {
            "total": summary.total,
            "passed": summary.passed,
            "failed": summary.failed,
            "warned": summary.warned,
            "skipped": summary.skipped,
            "errored": summary.errored,
            "must_compliance_percent": summary.must_percent(),
            "should_compliance_percent": summary.should_percent(),
        },
        "discovery": {
            "problems": record.discovery_problems,
            "exchanges": to_value(&record.discovery_exchanges),
        },
        "results": record.results().iter().map(to_value).collect::<Vec<_>>(),
    })
}

fn to_value<T: Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

impl Reporter for JsonReporter {
    fn on_event(&mut self, event: &Event) {
        self.record.apply(event);
    }

    fn finish(&mut self) -> Result<(), ReportError> {
        let err = |e: std::io::Error| ReportError::Write {
            path: self.path.display().to_string(),
            reason: e.to_string(),
        };
        let Some(mut file) = self.file.take() else {
            return Ok(());
        };
        let mut text = serde_json::to_string_pretty(&render(&self.record))
            .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
        text.push('\n');
        file.write_all(text.as_bytes()).map_err(err)?;
        file.flush().map_err(err)
    }
}

//! `--report-json`: the versioned machine-readable report (docs/report-format.md).

use super::document::ReportDocument;
use super::record::RunRecord;

pub use super::document::REPORT_VERSION;

pub fn render(record: &RunRecord) -> serde_json::Value {
    serde_json::to_value(ReportDocument::from_record(record)).unwrap_or(serde_json::Value::Null)
}

/// The report as pretty-printed JSON text.
pub fn render_text(record: &RunRecord) -> String {
    let mut text = serde_json::to_string_pretty(&ReportDocument::from_record(record))
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}

//! What every rendering shares: results grouped by RFC section, verdict
//! counts per section and per level, and the plain-text explanation of a
//! verdict.

use std::collections::BTreeMap;

use crate::scim::catalogue::section_key;
use crate::scim::sections;
use crate::suite::model::Severity;
use crate::verdict::{CheckResult, Verdict};

/// The checks grouped under one RFC section (their first requirement's).
pub struct SectionGroup<'a> {
    pub rfc: u16,
    pub section: String,
    pub results: Vec<&'a CheckResult>,
}

impl SectionGroup<'_> {
    /// `RFC 7644 §3.3 Creating Resources`
    pub fn heading(&self) -> String {
        let title = sections::title(self.rfc, &self.section).unwrap_or("");
        format!("RFC {} §{} {title}", self.rfc, self.section)
            .trim_end()
            .to_string()
    }

    /// `RFC7644.3.3`: a dotted name CI tools group by.
    pub fn class_name(&self) -> String {
        format!("RFC{}.{}", self.rfc, self.section)
    }

    pub fn counts(&self) -> VerdictCounts {
        VerdictCounts::of(self.results.iter().copied())
    }
}

/// Groups results by RFC section, in RFC and section order; results keep their order.
pub fn by_section<'a>(results: &[&'a CheckResult]) -> Vec<SectionGroup<'a>> {
    let mut groups: BTreeMap<(u16, Vec<u32>, String), Vec<&CheckResult>> = BTreeMap::new();
    for result in results {
        let (rfc, section) = result
            .primary_requirement()
            .map_or((0, String::new()), |r| (r.rfc, r.section.clone()));
        groups
            .entry((rfc, section_key(&section), section))
            .or_default()
            .push(result);
    }
    groups
        .into_iter()
        .map(|((rfc, _, section), results)| SectionGroup {
            rfc,
            section,
            results,
        })
        .collect()
}

/// How many checks got each verdict.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VerdictCounts {
    pub pass: usize,
    pub fail: usize,
    pub warn: usize,
    pub skip: usize,
    pub error: usize,
}

impl VerdictCounts {
    pub fn of<'a>(results: impl IntoIterator<Item = &'a CheckResult>) -> VerdictCounts {
        let mut counts = VerdictCounts::default();
        for result in results {
            match result.verdict {
                Verdict::Pass => counts.pass += 1,
                Verdict::Fail => counts.fail += 1,
                Verdict::Warn => counts.warn += 1,
                Verdict::Skip => counts.skip += 1,
                Verdict::Error => counts.error += 1,
            }
        }
        counts
    }

    pub fn total(&self) -> usize {
        self.pass + self.fail + self.warn + self.skip + self.error
    }

    /// Passed / judged (pass, fail, warn) in percent; None when nothing was judged.
    pub fn score(&self) -> Option<f64> {
        let judged = self.pass + self.fail + self.warn;
        (judged > 0).then(|| self.pass as f64 * 100.0 / judged as f64)
    }
}

/// The level a check is judged at: its strongest requirement's.
pub fn severity(result: &CheckResult) -> Severity {
    result
        .requirements
        .iter()
        .map(|r| r.level.severity())
        .max()
        .unwrap_or(Severity::Must)
}

pub fn severity_label(severity: Severity) -> &'static str {
    match severity {
        Severity::Must => "MUST",
        Severity::Should => "SHOULD",
        Severity::May => "MAY",
    }
}

/// Verdict counts per level, strongest first.
pub fn by_level(results: &[&CheckResult]) -> Vec<(Severity, VerdictCounts)> {
    [Severity::Must, Severity::Should, Severity::May]
        .into_iter()
        .map(|level| {
            let counts =
                VerdictCounts::of(results.iter().copied().filter(|r| severity(r) == level));
            (level, counts)
        })
        .collect()
}

/// `RFC 7644 §3.3 MUST (P-3.3-02): paraphrase`, one line per requirement.
pub fn requirement_lines(result: &CheckResult) -> Vec<String> {
    result
        .requirements
        .iter()
        .map(|r| match &r.text {
            Some(text) => format!("{}: {text}", r.label()),
            None => r.label(),
        })
        .collect()
}

/// The explanation of a verdict in plain text, as the terminal shows it:
/// the request, what was expected and found, the RFC requirement, the
/// response excerpt and how to fix it.
pub fn explanation(result: &CheckResult) -> String {
    let mut out = String::new();
    if !result.message.is_empty() {
        out.push_str(&result.message);
        out.push('\n');
    }
    if let Some(failure) = &result.failure {
        let status = failure
            .status
            .map_or_else(|| "no response".to_string(), |s| format!("answered {s}"));
        out.push_str(&format!("request: {} {status}\n", failure.request));
        for mismatch in &failure.mismatches {
            out.push_str(&format!(
                "✗ {}\n  expected: {}\n  actual:   {}\n",
                mismatch.path, mismatch.expected, mismatch.actual
            ));
        }
    }
    for line in requirement_lines(result) {
        out.push_str(&format!("requirement: {line}\n"));
    }
    if let Some(excerpt) = result
        .failure
        .as_ref()
        .and_then(|f| f.response_excerpt.as_ref())
    {
        out.push_str(&format!("response: {excerpt}\n"));
    }
    if let Some(fix) = &result.fix
        && matches!(result.verdict, Verdict::Fail | Verdict::Warn)
    {
        out.push_str(&format!("fix: {fix}\n"));
    }
    for note in &result.cleanup_notes {
        out.push_str(&format!("cleanup: {note}\n"));
    }
    out
}

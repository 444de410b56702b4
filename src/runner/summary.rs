//! Verdict counts and compliance percentages.

use serde::Serialize;

use crate::suite::model::Severity;
use crate::verdict::{CheckResult, Verdict};

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Summary {
    pub total: usize,
    pub passed: usize,
    pub failed: usize,
    pub warned: usize,
    pub skipped: usize,
    pub errored: usize,
    /// MUST-level checks judged (passed or failed).
    pub must_judged: usize,
    pub must_passed: usize,
    /// SHOULD-level checks judged (passed or warned).
    pub should_judged: usize,
    pub should_passed: usize,
}

impl Summary {
    pub fn add(&mut self, result: &CheckResult) {
        self.total += 1;
        match result.verdict {
            Verdict::Pass => self.passed += 1,
            Verdict::Fail => self.failed += 1,
            Verdict::Warn => self.warned += 1,
            Verdict::Skip => self.skipped += 1,
            Verdict::Error => self.errored += 1,
        }
        let severity = result.severity();
        // Profile findings are reported per profile, not in the RFC score.
        if result.is_profile_check() {
            return;
        }
        let passed = result.verdict == Verdict::Pass;
        let judged = matches!(
            result.verdict,
            Verdict::Pass | Verdict::Fail | Verdict::Warn
        );
        match severity {
            Severity::Must if judged => {
                self.must_judged += 1;
                self.must_passed += usize::from(passed);
            }
            Severity::Should if judged => {
                self.should_judged += 1;
                self.should_passed += usize::from(passed);
            }
            _ => {}
        }
    }

    pub fn from_results<'a>(results: impl IntoIterator<Item = &'a CheckResult>) -> Summary {
        let mut summary = Summary::default();
        for result in results {
            summary.add(result);
        }
        summary
    }

    /// Percentage of MUST-level checks passed, when any were judged.
    pub fn must_percent(&self) -> Option<f64> {
        percent(self.must_passed, self.must_judged)
    }

    pub fn should_percent(&self) -> Option<f64> {
        percent(self.should_passed, self.should_judged)
    }
}

fn percent(passed: usize, judged: usize) -> Option<f64> {
    (judged > 0).then(|| (passed as f64) * 100.0 / (judged as f64))
}

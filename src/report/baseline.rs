//! Comparing a run with a saved report (`--baseline`, `scimspec diff`):
//! which checks newly fail, which were fixed, which still fail.

use std::collections::BTreeMap;
use std::io::Write;

use anstyle::{AnsiColor, Style};

use super::document::ReportDocument;
use super::record::RunRecord;
use super::{ReportError, Reporter};
use crate::runner::Event;
use crate::verdict::{CheckResult, Verdict};

/// One check whose standing differs between, or stays bad in, two runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub id: String,
    pub title: String,
    /// Verdict in the baseline (`None`: the check was not in it).
    pub before: Option<Verdict>,
    /// Verdict now (`None`: the check is no longer run).
    pub after: Option<Verdict>,
}

/// The comparison of two runs, check by check.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Comparison {
    /// Failing now, not failing in the baseline (or not in it at all).
    pub new_failures: Vec<Change>,
    /// Failing in the baseline, passing now.
    pub fixed: Vec<Change>,
    /// Failing in both.
    pub still_failing: Vec<Change>,
    /// Failing in the baseline, now skipped, errored or no longer run: not
    /// fixed, but no longer judged either.
    pub no_longer_judged: Vec<Change>,
}

impl Comparison {
    /// `failing` decides what counts as a failure: `fail`, plus `warn` with
    /// `--fail-on should`.
    pub fn between(
        before: &[CheckResult],
        after: &[CheckResult],
        failing: impl Fn(Verdict) -> bool,
    ) -> Comparison {
        let old: BTreeMap<&str, &CheckResult> = before.iter().map(|r| (r.id.as_str(), r)).collect();
        let new: BTreeMap<&str, &CheckResult> = after.iter().map(|r| (r.id.as_str(), r)).collect();
        let mut comparison = Comparison::default();
        for (id, result) in &new {
            let was = old.get(id).map(|r| r.verdict);
            let change = Change {
                id: id.to_string(),
                title: result.title.clone(),
                before: was,
                after: Some(result.verdict),
            };
            let failed_before = was.is_some_and(&failing);
            match (failed_before, failing(result.verdict)) {
                (false, true) => comparison.new_failures.push(change),
                (true, true) => comparison.still_failing.push(change),
                (true, false) if result.verdict == Verdict::Pass => comparison.fixed.push(change),
                (true, false) => comparison.no_longer_judged.push(change),
                (false, false) => {}
            }
        }
        for (id, result) in &old {
            if !new.contains_key(id) && failing(result.verdict) {
                comparison.no_longer_judged.push(Change {
                    id: id.to_string(),
                    title: result.title.clone(),
                    before: Some(result.verdict),
                    after: None,
                });
            }
        }
        comparison
    }

    /// The comparison as text for the terminal.
    pub fn render(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let heading = Style::new().bold();
        writeln!(out, "{heading}Compared with the baseline{heading:#}")?;
        let groups: [(&str, &[Change], Style); 4] = [
            (
                "new failures",
                &self.new_failures,
                AnsiColor::Red.on_default().bold(),
            ),
            ("fixed", &self.fixed, AnsiColor::Green.on_default()),
            (
                "still failing",
                &self.still_failing,
                AnsiColor::Yellow.on_default(),
            ),
            (
                "failing before, not judged now",
                &self.no_longer_judged,
                Style::new().dimmed(),
            ),
        ];
        for (label, changes, style) in groups {
            writeln!(out, "  {style}{label}: {}{style:#}", changes.len())?;
            for change in changes {
                writeln!(
                    out,
                    "    {} {} -> {}  {}",
                    change.id,
                    verdict_label(change.before),
                    verdict_label(change.after),
                    change.title
                )?;
            }
        }
        Ok(())
    }
}

fn verdict_label(verdict: Option<Verdict>) -> &'static str {
    verdict.map_or("(absent)", Verdict::as_str)
}

/// Prints the comparison with a baseline report at the end of a run.
pub struct BaselineReporter {
    baseline: ReportDocument,
    record: RunRecord,
    fail_on_warnings: bool,
    comparison: Option<Comparison>,
}

impl BaselineReporter {
    pub fn new(baseline: ReportDocument, fail_on_warnings: bool) -> BaselineReporter {
        BaselineReporter {
            baseline,
            record: RunRecord::default(),
            fail_on_warnings,
            comparison: None,
        }
    }

    /// Available after `finish`.
    pub fn comparison(&self) -> Option<&Comparison> {
        self.comparison.as_ref()
    }
}

pub fn failing_verdict(fail_on_warnings: bool) -> impl Fn(Verdict) -> bool {
    move |verdict| verdict == Verdict::Fail || (fail_on_warnings && verdict == Verdict::Warn)
}

impl Reporter for BaselineReporter {
    fn on_event(&mut self, event: &Event) {
        self.record.apply(event);
    }

    fn finish(&mut self) -> Result<(), ReportError> {
        let now: Vec<CheckResult> = self.record.results().into_iter().cloned().collect();
        let comparison = Comparison::between(
            &self.baseline.results,
            &now,
            failing_verdict(self.fail_on_warnings),
        );
        let mut out = anstream::stdout();
        let _ = writeln!(out);
        let _ = comparison.render(&mut out);
        self.comparison = Some(comparison);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(id: &str, verdict: Verdict) -> CheckResult {
        CheckResult::stub(id, verdict)
    }

    fn ids(changes: &[Change]) -> Vec<&str> {
        changes.iter().map(|c| c.id.as_str()).collect()
    }

    #[test]
    fn classifies_each_check_once() {
        let before = vec![
            result("a", Verdict::Fail),
            result("b", Verdict::Fail),
            result("c", Verdict::Pass),
            result("d", Verdict::Fail),
            result("e", Verdict::Fail),
            result("w", Verdict::Warn),
        ];
        let after = vec![
            result("a", Verdict::Pass),
            result("b", Verdict::Fail),
            result("c", Verdict::Fail),
            result("d", Verdict::Skip),
            result("n", Verdict::Fail),
            result("w", Verdict::Warn),
        ];
        let musts = Comparison::between(&before, &after, failing_verdict(false));
        assert_eq!(ids(&musts.new_failures), ["c", "n"]);
        assert_eq!(ids(&musts.fixed), ["a"]);
        assert_eq!(ids(&musts.still_failing), ["b"]);
        assert_eq!(ids(&musts.no_longer_judged), ["d", "e"]);
        assert_eq!(musts.no_longer_judged[1].after, None);

        let shoulds = Comparison::between(&before, &after, failing_verdict(true));
        assert_eq!(ids(&shoulds.still_failing), ["b", "w"]);
    }

    #[test]
    fn renders_every_group() {
        let before = vec![result("a", Verdict::Fail)];
        let after = vec![result("a", Verdict::Pass), result("n", Verdict::Fail)];
        let comparison = Comparison::between(&before, &after, failing_verdict(false));
        let mut out = Vec::new();
        comparison.render(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("new failures: 1"), "{text}");
        assert!(text.contains("n (absent) -> fail"), "{text}");
        assert!(text.contains("a fail -> pass"), "{text}");
    }
}

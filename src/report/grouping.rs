//! What every rendering shares: results grouped by RFC section, verdict
//! counts per section and per level, and the plain-text explanation of a
//! verdict.

use std::collections::BTreeMap;

use crate::scim::catalogue::section_key;
use crate::scim::sections;
use crate::suite::model::Severity;
use crate::verdict::{CheckResult, Verdict};

/// The checks grouped under one RFC section (their first requirement's),
/// or under one provisioning profile.
pub struct SectionGroup<'a> {
    pub rfc: u16,
    pub section: String,
    /// Set for the checks of a provisioning profile (`entra`, …).
    pub profile: Option<String>,
    pub results: Vec<&'a CheckResult>,
}

impl SectionGroup<'_> {
    /// `RFC 7644 §3.3 Creating Resources`, or `Profile entra`.
    pub fn heading(&self) -> String {
        if let Some(profile) = &self.profile {
            return format!("Profile {profile}");
        }
        let title = sections::title(self.rfc, &self.section).unwrap_or("");
        format!("RFC {} §{} {title}", self.rfc, self.section)
            .trim_end()
            .to_string()
    }

    /// `RFC7644.3.3` or `profile.entra`: a dotted name CI tools group by.
    pub fn class_name(&self) -> String {
        if let Some(profile) = &self.profile {
            return format!("profile.{profile}");
        }
        format!("RFC{}.{}", self.rfc, self.section)
    }

    pub fn counts(&self) -> VerdictCounts {
        VerdictCounts::of(self.results.iter().copied())
    }
}

/// Groups results by RFC section, in RFC and section order; results keep their order.
/// Profiles come after the RFC sections.
pub fn by_section<'a>(results: &[&'a CheckResult]) -> Vec<SectionGroup<'a>> {
    type Key = (Option<String>, u16, Vec<u32>, String);
    let mut groups: BTreeMap<Key, Vec<&CheckResult>> = BTreeMap::new();
    for result in results {
        let (profile, rfc, section) = result
            .primary_requirement()
            .map_or((None, 0, String::new()), |r| {
                (r.profile.clone(), r.rfc, r.section.clone())
            });
        groups
            .entry((profile, rfc, section_key(&section), section))
            .or_default()
            .push(result);
    }
    groups
        .into_iter()
        .map(|((profile, rfc, _, section), results)| SectionGroup {
            rfc,
            section,
            profile,
            results,
        })
        .collect()
}

/// How one provisioning profile fared: compatible when no MUST-level rule
/// of it failed and something was judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileOutcome {
    pub profile: String,
    pub counts: VerdictCounts,
}

impl ProfileOutcome {
    pub fn compatible(&self) -> bool {
        self.counts.fail == 0 && self.counts.pass + self.counts.warn > 0
    }

    /// `entra: compatible (12 checks, 1 warning)` or `entra: NOT compatible (2 blocking findings)`.
    pub fn line(&self) -> String {
        let c = &self.counts;
        let verdict = if self.compatible() {
            "compatible"
        } else if c.fail > 0 {
            "NOT compatible"
        } else {
            "not judged"
        };
        format!(
            "{}: {verdict} ({} blocking finding(s), {} warning(s), {} passed, {} skipped, {} could not be tested)",
            self.profile, c.fail, c.warn, c.pass, c.skip, c.error
        )
    }
}

/// One outcome per profile that had checks in the run, by name.
pub fn profile_outcomes(results: &[&CheckResult]) -> Vec<ProfileOutcome> {
    let mut by_profile: BTreeMap<String, Vec<&CheckResult>> = BTreeMap::new();
    for result in results {
        if let Some(profile) = result.primary_requirement().and_then(|r| r.profile.clone()) {
            by_profile.entry(profile).or_default().push(result);
        }
    }
    by_profile
        .into_iter()
        .map(|(profile, results)| ProfileOutcome {
            profile,
            counts: VerdictCounts::of(results),
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

pub fn severity_label(severity: Severity) -> &'static str {
    match severity {
        Severity::Must => "MUST",
        Severity::Should => "SHOULD",
        Severity::May => "MAY",
    }
}

/// The RFC score per level, strongest first: verdict counts of the RFC
/// checks only, the ones the summary's MUST/SHOULD percentages count
/// (profile checks are judged apart, see [`profile_outcomes`]). None when
/// the run has no RFC check, e.g. `--profile entra` alone.
pub fn rfc_by_level(results: &[&CheckResult]) -> Option<Vec<(Severity, VerdictCounts)>> {
    let rfc: Vec<&CheckResult> = results
        .iter()
        .copied()
        .filter(|r| !r.is_profile_check())
        .collect();
    if rfc.is_empty() {
        return None;
    }
    let levels = [Severity::Must, Severity::Should, Severity::May]
        .into_iter()
        .map(|level| {
            let counts = VerdictCounts::of(rfc.iter().copied().filter(|r| r.severity() == level));
            (level, counts)
        })
        .collect();
    Some(levels)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::Summary;
    use crate::suite::model::Level;

    #[test]
    fn the_by_level_table_counts_rfc_checks_only() {
        let results = [
            CheckResult::stub("rfc.pass", Verdict::Pass).citing(Level::Must, None),
            CheckResult::stub("rfc.fail", Verdict::Fail).citing(Level::Must, None),
            CheckResult::stub("rfc.warn", Verdict::Warn).citing(Level::Should, None),
            CheckResult::stub("entra.fail", Verdict::Fail).citing(Level::Must, Some("entra")),
            CheckResult::stub("entra.warn", Verdict::Warn).citing(Level::Should, Some("entra")),
            CheckResult::stub("entra.may", Verdict::Pass).citing(Level::May, Some("entra")),
        ];
        let refs: Vec<&CheckResult> = results.iter().collect();
        let levels = rfc_by_level(&refs).expect("the run has RFC checks");
        let must = VerdictCounts {
            pass: 1,
            fail: 1,
            ..VerdictCounts::default()
        };
        let should = VerdictCounts {
            warn: 1,
            ..VerdictCounts::default()
        };
        assert_eq!(
            levels,
            vec![
                (Severity::Must, must),
                (Severity::Should, should),
                (Severity::May, VerdictCounts::default()),
            ]
        );
        // The same checks the summary's percentages count.
        let summary = Summary::from_results(results.iter());
        assert_eq!(summary.must_judged, must.pass + must.fail);
        assert_eq!(summary.must_passed, must.pass);
        assert_eq!(summary.should_judged, should.pass + should.warn);
        // The profile's own outcome still sees its checks.
        let outcomes = profile_outcomes(&refs);
        assert_eq!(outcomes.len(), 1);
        assert_eq!(outcomes[0].counts.fail, 1);
        assert_eq!(outcomes[0].counts.total(), 3);
    }

    #[test]
    fn a_run_of_profile_checks_only_has_no_by_level_table() {
        let results = [
            CheckResult::stub("entra.pass", Verdict::Pass).citing(Level::Must, Some("entra")),
            CheckResult::stub("okta.fail", Verdict::Fail).citing(Level::Must, Some("okta")),
        ];
        let refs: Vec<&CheckResult> = results.iter().collect();
        assert_eq!(rfc_by_level(&refs), None);
        assert_eq!(rfc_by_level(&[]), None);
    }
}

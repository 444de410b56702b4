//! `--report-md`: Markdown for pull-request comments and
//! `$GITHUB_STEP_SUMMARY`: the overall result, a score table per RFC section
//! and level, then the failures with their RFC references.

use super::grouping::{
    VerdictCounts, by_section, explanation, profile_outcomes, requirement_lines, rfc_by_level,
    severity_label,
};
use super::record::RunRecord;
use crate::verdict::Verdict;

pub fn render(record: &RunRecord) -> String {
    let mut out = String::new();
    let summary = record.summary();
    out.push_str(&format!(
        "## scimspec: {}\n\n",
        if record.fatal.is_some() {
            "could not test"
        } else if record.interrupted.is_some() {
            "interrupted (incomplete)"
        } else if summary.failed > 0 {
            "failures"
        } else if summary.warned > 0 {
            "passed with warnings"
        } else {
            "passed"
        }
    ));
    out.push_str(&format!(
        "Target `{}` · run `{}` · scimspec {}",
        code(&record.target),
        code(&record.run_id),
        env!("CARGO_PKG_VERSION")
    ));
    for (name, value) in &record.options {
        out.push_str(&format!(" · {}: {}", text(name), text(value)));
    }
    out.push_str("\n\n");
    // Certificate verification off weakens every verdict: say so up front.
    for (name, value) in record.options.iter().filter(|(name, _)| name == "tls") {
        out.push_str(&format!(
            "> **⚠ Warning:** {}: {}\n\n",
            text(name),
            text(value)
        ));
    }
    if let Some(fatal) = &record.fatal {
        out.push_str(&format!("**Error:** {}\n", text(fatal)));
        return out;
    }
    let results = record.results();
    out.push_str(&format!(
        "**{}** checks: {} passed, {} failed, {} warned, {} skipped, {} errors.\n\n",
        summary.total,
        summary.passed,
        summary.failed,
        summary.warned,
        summary.skipped,
        summary.errored
    ));

    // Profile checks are judged apart (the profile lines below).
    if let Some(levels) = rfc_by_level(&results) {
        out.push_str("**RFC score by level:**\n\n");
        out.push_str("| Level | Score | Pass | Fail | Warn | Skip | Error |\n");
        out.push_str("|---|---:|---:|---:|---:|---:|---:|\n");
        for (level, counts) in levels {
            if counts.total() > 0 {
                out.push_str(&row(severity_label(level), &counts));
            }
        }
        out.push('\n');
    }

    let outcomes = profile_outcomes(&results);
    if !outcomes.is_empty() {
        out.push_str("**Identity-provider profiles** (judged apart from the RFC score):\n\n");
        for outcome in outcomes {
            out.push_str(&format!("- {}\n", text(&outcome.line())));
        }
        out.push('\n');
    }
    let latency = super::latency::latency_series(&results);
    if !latency.is_empty() {
        out.push_str("**Latency** (ms, nearest-rank percentiles):\n\n");
        out.push_str("| Series | Samples | p50 | p95 | Max | Not converged |\n");
        out.push_str("|---|---:|---:|---:|---:|---:|\n");
        for series in &latency {
            out.push_str(&format!(
                "| {} | {} | {:.1} | {:.1} | {:.1} | {} |\n",
                text(&series.series),
                series.samples,
                series.p50_ms,
                series.p95_ms,
                series.max_ms,
                series.not_converged
            ));
        }
        out.push('\n');
    }
    out.push_str("| RFC section | Score | Pass | Fail | Warn | Skip | Error |\n");
    out.push_str("|---|---:|---:|---:|---:|---:|---:|\n");
    for group in by_section(&results) {
        out.push_str(&row(&text(&group.heading()), &group.counts()));
    }
    out.push('\n');

    for (heading, verdict) in [
        ("Failures (MUST)", Verdict::Fail),
        ("Warnings (SHOULD)", Verdict::Warn),
        ("Could not test", Verdict::Error),
    ] {
        let listed: Vec<_> = results.iter().filter(|r| r.verdict == verdict).collect();
        if listed.is_empty() {
            continue;
        }
        out.push_str(&format!("### {heading}\n\n"));
        for result in listed {
            out.push_str(&format!(
                "<details><summary><code>{}</code> {}</summary>\n\n",
                html(&result.id),
                html(&result.title)
            ));
            for line in requirement_lines(result) {
                out.push_str(&format!("- {}\n", text(&line)));
            }
            out.push_str("\n```text\n");
            out.push_str(&explanation(result).replace("```", "'''"));
            out.push_str("```\n\n</details>\n\n");
        }
    }
    out
}

fn row(label: &str, counts: &VerdictCounts) -> String {
    let score = counts
        .score()
        .map_or_else(|| "–".to_string(), |s| format!("{s:.1}%"));
    format!(
        "| {label} | {score} | {} | {} | {} | {} | {} |\n",
        counts.pass, counts.fail, counts.warn, counts.skip, counts.error
    )
}

/// Text from the target or the user, made inert in Markdown (and the HTML
/// GitHub allows inside it).
fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\r' | '\n' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// Inside `code` spans only backticks and newlines matter.
fn code(value: &str) -> String {
    value.replace('`', "'").replace(['\r', '\n'], " ")
}

fn html(value: &str) -> String {
    value
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suite::model::Level;
    use crate::verdict::CheckResult;

    fn record(results: Vec<CheckResult>) -> RunRecord {
        RunRecord::of_results(results)
    }

    #[test]
    fn the_by_level_table_is_the_rfc_score() {
        let text = render(&record(vec![
            CheckResult::stub("rfc.pass", Verdict::Pass).citing(Level::Must, None),
            CheckResult::stub("entra.fail", Verdict::Fail).citing(Level::Must, Some("entra")),
            CheckResult::stub("entra.warn", Verdict::Warn).citing(Level::Should, Some("entra")),
        ]));
        assert!(text.contains("**RFC score by level:**"), "{text}");
        // The profile's failure and warning are not in the RFC rows ...
        assert!(
            text.contains("| MUST | 100.0% | 1 | 0 | 0 | 0 | 0 |\n"),
            "{text}"
        );
        assert!(!text.contains("| SHOULD |"), "{text}");
        // ... but in the profile's own line.
        assert!(
            text.contains("entra: NOT compatible (1 blocking finding(s), 1 warning(s)"),
            "{text}"
        );
    }

    #[test]
    fn a_run_of_profile_checks_only_has_no_by_level_table() {
        let text = render(&record(vec![
            CheckResult::stub("entra.pass", Verdict::Pass).citing(Level::Must, Some("entra")),
        ]));
        assert!(!text.contains("RFC score by level"), "{text}");
        assert!(!text.contains("| Level |"), "{text}");
        assert!(text.contains("entra: compatible"), "{text}");
    }
}

//! `--report-html`: one self-contained HTML file (inline CSS and a few lines
//! of inline JS, no external fetches) for buyers: the overall verdict, scores
//! per level and RFC section, and every check with its RFC reference and,
//! for failures, the full redacted transcript. Built with maud, which
//! escapes every interpolated string, so text from the target cannot inject
//! markup.

use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::grouping::{
    SectionGroup, VerdictCounts, by_section, profile_outcomes, rfc_by_level, severity_label,
};
use super::record::RunRecord;
use crate::http::client::Exchange;
use crate::verdict::{CheckResult, Verdict};

/// Option keys whose presence weakens what the report proves; shown as a
/// warning banner. (`tls`: certificate verification was switched off.)
const WEAKENING_OPTIONS: &[&str] = &["tls"];

const STYLE: &str = r#"
:root { --pass:#1a7f37; --fail:#cf222e; --warn:#9a6700; --skip:#0969da; --error:#8250df; --muted:#57606a; --line:#d0d7de; }
* { box-sizing: border-box; }
body { font: 14px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; max-width: 1100px; padding: 24px; color: #1f2328; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 20px 0 6px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.meta td:first-child { color: var(--muted); width: 180px; }
.verdict-banner { font-size: 18px; font-weight: 600; padding: 10px 14px; border-radius: 6px; margin: 12px 0; color: #fff; }
.banner-pass { background: var(--pass); } .banner-fail { background: var(--fail); } .banner-warn { background: var(--warn); } .banner-error { background: var(--error); }
.weakened { border: 2px solid var(--fail); color: var(--fail); padding: 8px 12px; border-radius: 6px; font-weight: 600; margin: 8px 0; }
.badge { display: inline-block; min-width: 48px; text-align: center; font-weight: 600; font-size: 12px; padding: 1px 6px; border-radius: 10px; color: #fff; text-transform: uppercase; }
.badge.pass { background: var(--pass); } .badge.fail { background: var(--fail); } .badge.warn { background: var(--warn); } .badge.skip { background: var(--skip); } .badge.error { background: var(--error); }
.check { border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; margin: 6px 0; }
.check.fail { border-left: 4px solid var(--fail); } .check.warn { border-left: 4px solid var(--warn); } .check.error { border-left: 4px solid var(--error); }
.check-head { display: flex; gap: 10px; align-items: baseline; flex-wrap: wrap; }
.check-id { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 13px; }
.req { color: var(--muted); font-size: 13px; margin: 2px 0; }
.message { margin: 4px 0; }
.request { margin: 4px 0; font-size: 13px; }
table.mismatches { width: auto; min-width: 60%; font-size: 13px; } table.mismatches td { word-break: break-word; }
.fix { background: #f6f8fa; border-left: 3px solid var(--pass); padding: 4px 8px; margin: 6px 0; }
pre { background: #f6f8fa; padding: 8px; overflow-x: auto; white-space: pre-wrap; word-break: break-all; font-size: 12px; margin: 4px 0; }
.exchange { margin: 8px 0; } .exchange .line { font-family: ui-monospace, monospace; font-weight: 600; }
.filters { position: sticky; top: 0; background: #fff; padding: 8px 0; border-bottom: 1px solid var(--line); z-index: 1; }
.filters label { margin-right: 14px; cursor: pointer; }
body:has(#show-problems:checked) .check.pass, body:has(#show-problems:checked) .check.skip { display: none; }
body:has(#show-failures:checked) .check:not(.fail) { display: none; }
body:has(#show-problems:checked) .section:not(.has-problems), body:has(#show-failures:checked) .section:not(.has-failures) { display: none; }
footer { color: var(--muted); font-size: 12px; margin-top: 32px; }
@media print {
  .filters { display: none; }
  body { max-width: none; padding: 0; font-size: 11px; }
  .check { break-inside: avoid; }
  pre { white-space: pre-wrap; }
  .verdict-banner, .badge { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"#;

/// Opens every transcript before printing, so paper shows them too.
const SCRIPT: &str = r#"window.addEventListener("beforeprint", function () {
  document.querySelectorAll("details").forEach(function (d) { d.open = true; });
});"#;

pub fn render(record: &RunRecord) -> String {
    let results = record.results();
    let summary = record.summary();
    let (banner_class, banner_text) = if let Some(fatal) = &record.fatal {
        ("banner-error", format!("Could not test: {fatal}"))
    } else if let Some(signal) = &record.interrupted {
        (
            "banner-error",
            format!(
                "Incomplete: the run was {signal} after {} check(s); {} failed",
                summary.total, summary.failed
            ),
        )
    } else if summary.failed > 0 {
        (
            "banner-fail",
            format!(
                "Not conformant: {} MUST-level check(s) failed",
                summary.failed
            ),
        )
    } else if summary.warned > 0 {
        (
            "banner-warn",
            format!(
                "Conformant on every MUST-level check judged; {} SHOULD-level warning(s)",
                summary.warned
            ),
        )
    } else {
        (
            "banner-pass",
            "Conformant on every check judged".to_string(),
        )
    };
    let started = record
        .started
        .map(|s| s.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_default();
    let groups = by_section(&results);
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "scimspec report: " (record.target) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                header {
                    h1 { "SCIM conformance report" }
                    div class={ "verdict-banner " (banner_class) } id="overall-verdict" { (banner_text) }
                    @for (name, value) in &record.options {
                        @if WEAKENING_OPTIONS.contains(&name.as_str()) {
                            div class="weakened" { "⚠ " (name) ": " (value) }
                        }
                    }
                    @for outcome in profile_outcomes(&results) {
                        div class={ "verdict-banner " (if outcome.compatible() { "banner-pass" } else { "banner-fail" }) } {
                            "Profile " (outcome.line())
                        }
                    }
                    table class="meta" {
                        tr { td { "Target" } td { code { (record.target) } } }
                        tr { td { "Date" } td { (started) } }
                        tr { td { "scimspec version" } td { (env!("CARGO_PKG_VERSION")) } }
                        tr { td { "Run id" } td { code { (record.run_id) } } }
                        tr { td { "Duration" } td { (format!("{:.1} s", record.duration_ms as f64 / 1000.0)) } }
                        @for (name, value) in &record.options {
                            tr { td { (name) } td { (value) } }
                        }
                    }
                    @for problem in &record.discovery_problems {
                        p class="weakened" { "Discovery problem: " (problem) }
                    }
                }
                @if record.fatal.is_none() {
                    // Profile checks are judged apart (the profile banners above).
                    @if let Some(levels) = rfc_by_level(&results) {
                        h2 { "RFC score by level" }
                        table id="scores-by-level" {
                            (score_header("Level"))
                            @for (level, counts) in levels {
                                @if counts.total() > 0 {
                                    (score_row(severity_label(level), &counts))
                                }
                            }
                        }
                    }
                    @let findings: Vec<&&CheckResult> = results
                        .iter()
                        .filter(|r| matches!(r.verdict, Verdict::Fail | Verdict::Warn | Verdict::Error))
                        .collect();
                    @if !findings.is_empty() {
                        h2 { "Findings" }
                        ul id="findings" {
                            @for result in findings {
                                li {
                                    span class={ "badge " (result.verdict.as_str()) } { (result.verdict.as_str()) }
                                    " "
                                    a href={ "#check-" (result.id) } { code { (result.id) } }
                                    " " (result.title)
                                    @if let Some(requirement) = result.primary_requirement() {
                                        span class="req" { " — " (requirement.label()) }
                                    }
                                }
                            }
                        }
                    }
                    @let latency = super::latency::latency_series(&results);
                    @if !latency.is_empty() {
                        h2 { "Latency" }
                        table id="latency" {
                            tr { th { "Series" } th { "Samples" } th { "p50 (ms)" } th { "p95 (ms)" } th { "Max (ms)" } th { "Not converged" } }
                            @for series in &latency {
                                tr {
                                    td { code { (series.series) } }
                                    td { (series.samples) }
                                    td { (format!("{:.1}", series.p50_ms)) }
                                    td { (format!("{:.1}", series.p95_ms)) }
                                    td { (format!("{:.1}", series.max_ms)) }
                                    td { (series.not_converged) }
                                }
                            }
                        }
                    }
                    h2 { "Compliance by RFC section" }
                    table id="scores-by-section" {
                        (score_header("RFC section"))
                        @for group in &groups {
                            (score_row(&group.heading(), &group.counts()))
                        }
                    }
                    h2 { "Checks" }
                    div class="filters" {
                        "Show: "
                        label { input type="radio" name="filter" id="show-all" checked; " all" }
                        label { input type="radio" name="filter" id="show-problems"; " failures, warnings and errors" }
                        label { input type="radio" name="filter" id="show-failures"; " failures only" }
                    }
                    @for group in &groups {
                        (section(group))
                    }
                }
                footer {
                    "Generated by scimspec " (env!("CARGO_PKG_VERSION"))
                    ". Verdicts: fail = a MUST-level requirement is broken; warn = a SHOULD-level one; "
                    "skip = not applicable to this server (with the reason); error = could not be tested. "
                    "Credentials are redacted from every transcript."
                }
                script { (PreEscaped(SCRIPT)) }
            }
        }
    };
    page.into_string()
}

fn score_header(first: &str) -> Markup {
    html! {
        tr {
            th { (first) } th class="num" { "Score" } th class="num" { "Pass" } th class="num" { "Fail" }
            th class="num" { "Warn" } th class="num" { "Skip" } th class="num" { "Error" }
        }
    }
}

fn score_row(label: &str, counts: &VerdictCounts) -> Markup {
    let score = counts
        .score()
        .map_or_else(|| "–".to_string(), |s| format!("{s:.1}%"));
    html! {
        tr {
            td { (label) } td class="num" { (score) } td class="num" { (counts.pass) }
            td class="num" { (counts.fail) } td class="num" { (counts.warn) }
            td class="num" { (counts.skip) } td class="num" { (counts.error) }
        }
    }
}

fn section(group: &SectionGroup<'_>) -> Markup {
    let counts = group.counts();
    let mut class = String::from("section");
    if counts.fail + counts.warn + counts.error > 0 {
        class.push_str(" has-problems");
    }
    if counts.fail > 0 {
        class.push_str(" has-failures");
    }
    html! {
        section class=(class) {
            h3 { (group.heading()) }
            @for result in &group.results {
                (check(result))
            }
        }
    }
}

fn check(result: &CheckResult) -> Markup {
    let verdict = result.verdict.as_str();
    let judged = matches!(
        result.verdict,
        Verdict::Fail | Verdict::Warn | Verdict::Error
    );
    html! {
        div class={ "check " (verdict) } id={ "check-" (result.id) } {
            div class="check-head" {
                span class={ "badge " (verdict) } { (verdict) }
                span class="check-id" { (result.id) }
                span { (result.title) }
                span class="req" { "(" (severity_label(result.severity())) ")" }
            }
            @for requirement in &result.requirements {
                div class="req" {
                    (requirement.label())
                    @if let Some(text) = &requirement.text { ": " (text) }
                }
            }
            @if !result.message.is_empty() {
                div class="message" { (result.message) }
            }
            @if judged {
                @if let Some(failure) = &result.failure {
                    div class="request" {
                        strong { (failure.step) } ": " code { (failure.request) }
                        @if let Some(status) = failure.status { " answered " (status) }
                    }
                    table class="mismatches" {
                        tr { th { "what" } th { "expected" } th { "actual" } }
                        @for mismatch in &failure.mismatches {
                            tr { td { code { (mismatch.path) } } td { (mismatch.expected) } td { (mismatch.actual) } }
                        }
                    }
                }
                @for note in &result.cleanup_notes {
                    div class="req" { "cleanup: " (note) }
                }
                @if let Some(fix) = &result.fix {
                    @if result.verdict != Verdict::Error {
                        div class="fix" { strong { "How to fix: " } (fix) }
                    }
                }
                @if !result.exchanges.is_empty() {
                    details class="transcript" {
                        summary { "Transcript (" (result.exchanges.len()) " request(s))" }
                        @for exchange in &result.exchanges {
                            (transcript(exchange))
                        }
                    }
                }
            }
        }
    }
}

fn transcript(exchange: &Exchange) -> Markup {
    let status = match (exchange.status, &exchange.error) {
        // A response can fail after its status arrived (body too large, stalled).
        (Some(status), Some(error)) => format!("{status}, response abandoned: {error}"),
        (Some(status), None) => format!("{status}"),
        (None, Some(error)) => format!("no response: {error}"),
        (None, None) => "no response".to_string(),
    };
    html! {
        div class="exchange" {
            div class="line" {
                (exchange.method) " " (exchange.url) " → " (status)
                @if let Some(target) = &exchange.redirected_to { " (redirected to " (target) ")" }
            }
            @for retry in &exchange.retries {
                div class="retry" { "Sent again after " (retry.wait_ms) " ms: an earlier attempt got " (retry.reason) }
            }
            pre {
                @for (name, value) in &exchange.request_headers { (name) ": " (value) "\n" }
                @if let Some(body) = &exchange.request_body { "\n" (pretty(body)) }
            }
            @if exchange.status.is_some() {
                pre {
                    @for (name, value) in &exchange.response_headers { (name) ": " (value) "\n" }
                    @if let Some(body) = &exchange.response_body { "\n" (pretty(body)) }
                }
            }
        }
    }
}

/// JSON bodies pretty-printed; anything else as it came.
fn pretty(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|value| serde_json::to_string_pretty(&value).ok())
        .unwrap_or_else(|| body.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suite::model::Level;

    fn record(results: Vec<CheckResult>) -> RunRecord {
        RunRecord::of_results(results)
    }

    /// The by-level table's rows, as `label score pass fail warn skip error`.
    fn level_rows(page: &str) -> Vec<String> {
        let Some(start) = page.find("id=\"scores-by-level\"") else {
            return Vec::new();
        };
        let table = &page[start..start + page[start..].find("</table>").unwrap_or(0)];
        table
            .split("<tr>")
            .skip(2)
            .map(|row| {
                row.split("<td")
                    .skip(1)
                    .map(|cell| {
                        let text = &cell[cell.find('>').map_or(0, |i| i + 1)..];
                        text[..text.find("</td>").unwrap_or(text.len())].to_string()
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    #[test]
    fn the_by_level_table_is_the_rfc_score() {
        let page = render(&record(vec![
            CheckResult::stub("rfc.pass", Verdict::Pass).citing(Level::Must, None),
            CheckResult::stub("entra.fail", Verdict::Fail).citing(Level::Must, Some("entra")),
            CheckResult::stub("entra.warn", Verdict::Warn).citing(Level::Should, Some("entra")),
        ]));
        assert!(page.contains("<h2>RFC score by level</h2>"), "{page}");
        // The profile's failure and warning are not in the RFC rows.
        assert_eq!(level_rows(&page), vec!["MUST 100.0% 1 0 0 0 0"]);
        assert!(page.contains("Profile entra: NOT compatible"), "{page}");
    }

    #[test]
    fn a_run_of_profile_checks_only_has_no_by_level_table() {
        let page = render(&record(vec![
            CheckResult::stub("entra.pass", Verdict::Pass).citing(Level::Must, Some("entra")),
        ]));
        assert!(!page.contains("scores-by-level"), "{page}");
        assert!(!page.contains("RFC score by level"), "{page}");
        assert!(page.contains("Profile entra: compatible"), "{page}");
    }
}

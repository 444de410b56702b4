//! The terminal report: verdicts grouped by RFC section, failure details and
//! a summary. Colours go through anstream, which honours `--color` and NO_COLOR.

use std::io::{IsTerminal, Write};

use anstyle::{AnsiColor, Style};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::grouping::by_section;
use super::record::RunRecord;
use super::{ReportError, Reporter};
use crate::http::client::Exchange;
use crate::runner::Event;
use crate::verdict::{CheckResult, Verdict};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    /// Only non-passing checks and the summary.
    Quiet,
    Normal,
    /// Also the failing exchange's request and response.
    Verbose,
    /// Also every exchange of every check.
    Debug,
}

pub struct TerminalReporter {
    verbosity: Verbosity,
    record: RunRecord,
    progress: Option<ProgressBar>,
}

impl TerminalReporter {
    pub fn new(verbosity: Verbosity) -> TerminalReporter {
        TerminalReporter {
            verbosity,
            record: RunRecord::default(),
            progress: None,
        }
    }
}

impl Reporter for TerminalReporter {
    fn on_event(&mut self, event: &Event) {
        match event {
            Event::RunStarted { planned, .. } => {
                if std::io::stderr().is_terminal() && self.verbosity != Verbosity::Quiet {
                    let bar = ProgressBar::with_draw_target(
                        Some(*planned as u64),
                        ProgressDrawTarget::stderr(),
                    );
                    if let Ok(style) =
                        ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} {msg}")
                    {
                        bar.set_style(style.progress_chars("=> "));
                    }
                    self.progress = Some(bar);
                }
            }
            Event::CheckStarted { id } => {
                if let Some(bar) = &self.progress {
                    bar.set_message(id.clone());
                }
            }
            Event::CheckFinished(_) => {
                if let Some(bar) = &self.progress {
                    bar.inc(1);
                }
            }
            Event::RunFinished { .. } => {
                if let Some(bar) = self.progress.take() {
                    bar.finish_and_clear();
                }
            }
            Event::DiscoveryFinished { .. } => {}
        }
        self.record.apply(event);
    }

    fn finish(&mut self) -> Result<(), ReportError> {
        let text = render(&self.record, self.verbosity);
        let mut out = anstream::stdout();
        out.write_all(text.as_bytes())
            .and_then(|_| out.flush())
            .map_err(|e| ReportError::Write {
                path: "stdout".into(),
                reason: e.to_string(),
            })
    }
}

fn style(verdict: Verdict) -> Style {
    match verdict {
        Verdict::Pass => AnsiColor::Green.on_default(),
        Verdict::Fail => AnsiColor::Red.on_default().bold(),
        Verdict::Warn => AnsiColor::Yellow.on_default().bold(),
        Verdict::Skip => AnsiColor::Cyan.on_default(),
        Verdict::Error => AnsiColor::Magenta.on_default().bold(),
    }
}

fn paint(style: Style, text: &str) -> String {
    format!("{style}{text}{style:#}")
}

/// Renders the whole report (with ANSI styles; the stream strips them when
/// colour is off).
pub fn render(record: &RunRecord, verbosity: Verbosity) -> String {
    let bold = Style::new().bold();
    let dim = Style::new().dimmed();
    let mut out = String::new();
    out.push_str(&format!(
        "{} {} against {} (run {})\n",
        paint(bold, "scimspec"),
        env!("CARGO_PKG_VERSION"),
        record.target,
        record.run_id
    ));
    for (name, value) in &record.options {
        out.push_str(&format!("  {name}: {value}\n"));
    }
    if let Some(fatal) = &record.fatal {
        out.push_str(&format!(
            "\n{} {fatal}\n",
            paint(style(Verdict::Error), "error:")
        ));
        if verbosity >= Verbosity::Verbose {
            for exchange in &record.discovery_exchanges {
                out.push_str(&render_exchange(exchange, "  "));
            }
        }
        return out;
    }
    for problem in &record.discovery_problems {
        out.push_str(&format!(
            "{} discovery: {problem}\n",
            paint(style(Verdict::Warn), "warning:")
        ));
    }

    let results = record.results();
    let groups = by_section(&results);
    let id_width = record
        .results()
        .iter()
        .map(|r| r.id.chars().count())
        .max()
        .unwrap_or(0)
        .min(48);
    for group in &groups {
        let visible: Vec<&&CheckResult> = group
            .results
            .iter()
            .filter(|r| verbosity > Verbosity::Quiet || r.verdict != Verdict::Pass)
            .collect();
        if visible.is_empty() {
            continue;
        }
        out.push_str(&format!("\n{}\n", paint(bold, &group.heading())));
        for result in visible {
            let label = format!("{:<5}", result.verdict.as_str().to_uppercase());
            out.push_str(&format!(
                "  {}  {:<id_width$}  {}\n",
                paint(style(result.verdict), &label),
                result.id,
                result.title
            ));
            if result.verdict != Verdict::Pass || !result.message.is_empty() {
                out.push_str(&render_details(result, verbosity));
            }
            if verbosity >= Verbosity::Debug {
                for exchange in &result.exchanges {
                    out.push_str(&render_exchange(exchange, "         "));
                }
            }
        }
    }

    let summary = record.summary();
    let percent = |value: Option<f64>, passed: usize, judged: usize| match value {
        Some(p) => format!("{p:.1}% ({passed}/{judged})"),
        None => "n/a".to_string(),
    };
    out.push_str(&format!(
        "\n{} {} checks: {} passed, {} failed, {} warned, {} skipped, {} errors; MUST {}, SHOULD {}; {:.1}s\n",
        paint(bold, "Summary:"),
        summary.total,
        paint(style(Verdict::Pass), &summary.passed.to_string()),
        paint(style(Verdict::Fail), &summary.failed.to_string()),
        paint(style(Verdict::Warn), &summary.warned.to_string()),
        paint(style(Verdict::Skip), &summary.skipped.to_string()),
        paint(style(Verdict::Error), &summary.errored.to_string()),
        percent(summary.must_percent(), summary.must_passed, summary.must_judged),
        percent(summary.should_percent(), summary.should_passed, summary.should_judged),
        record.duration_ms as f64 / 1000.0,
    ));
    if summary.total == 0 {
        out.push_str(&format!("{}\n", paint(dim, "No checks were selected.")));
    }
    out
}

fn render_details(result: &CheckResult, verbosity: Verbosity) -> String {
    let indent = "         ";
    let dim = Style::new().dimmed();
    let mut out = String::new();
    let Some(failure) = &result.failure else {
        if !result.message.is_empty() {
            out.push_str(&format!("{indent}{}\n", paint(dim, &result.message)));
        }
        for note in &result.cleanup_notes {
            out.push_str(&format!("{indent}cleanup: {note}\n"));
        }
        return out;
    };
    if result.verdict == Verdict::Pass {
        // A MAY-level observation: one line is enough.
        out.push_str(&format!("{indent}{}\n", paint(dim, &result.message)));
        return out;
    }
    let status = failure
        .status
        .map_or_else(|| "no response".to_string(), |s| format!("answered {s}"));
    out.push_str(&format!(
        "{indent}{} {} {status}\n",
        paint(dim, "request:"),
        failure.request
    ));
    for mismatch in &failure.mismatches {
        out.push_str(&format!(
            "{indent}{} {}\n{indent}  expected: {}\n{indent}  actual:   {}\n",
            paint(style(result.verdict), "✗"),
            mismatch.path,
            mismatch.expected,
            mismatch.actual
        ));
    }
    for requirement in &result.requirements {
        out.push_str(&format!(
            "{indent}{} {}{}\n",
            paint(dim, "requirement:"),
            requirement.label(),
            requirement
                .text
                .as_deref()
                .map(|t| format!(": {t}"))
                .unwrap_or_default()
        ));
    }
    if let Some(excerpt) = &failure.response_excerpt {
        out.push_str(&format!("{indent}{} {excerpt}\n", paint(dim, "response:")));
    }
    if let Some(fix) = &result.fix {
        out.push_str(&format!("{indent}{} {fix}\n", paint(dim, "fix:")));
    }
    for note in &result.cleanup_notes {
        out.push_str(&format!("{indent}cleanup: {note}\n"));
    }
    if verbosity >= Verbosity::Verbose
        && verbosity < Verbosity::Debug
        && let Some(exchange) = result
            .exchanges
            .iter()
            .rev()
            .find(|e| format!("{} {}", e.method, e.url) == failure.request)
    {
        out.push_str(&render_exchange(exchange, indent));
    }
    out
}

fn render_exchange(exchange: &Exchange, indent: &str) -> String {
    let mut out = format!("{indent}> {} {}\n", exchange.method, exchange.url);
    for (name, value) in &exchange.request_headers {
        out.push_str(&format!("{indent}> {name}: {value}\n"));
    }
    if let Some(body) = &exchange.request_body {
        out.push_str(&format!("{indent}> {body}\n"));
    }
    match exchange.status {
        Some(status) => out.push_str(&format!("{indent}< {status}\n")),
        None => out.push_str(&format!(
            "{indent}< (no response: {})\n",
            exchange.error.as_deref().unwrap_or("unknown")
        )),
    }
    for (name, value) in &exchange.response_headers {
        out.push_str(&format!("{indent}< {name}: {value}\n"));
    }
    if let Some(body) = &exchange.response_body {
        out.push_str(&format!(
            "{indent}< {}\n",
            crate::engine::predicate::truncate(body, 2000)
        ));
    }
    out
}

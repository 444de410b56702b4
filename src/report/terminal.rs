//! The terminal report: verdicts grouped by RFC section, failure details and
//! a summary. Colours go through anstream, which honours `--color` and NO_COLOR.

use std::io::{IsTerminal, Write};

use anstyle::{AnsiColor, Style};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::grouping::{by_section, profile_outcomes};
use super::record::RunRecord;
use super::{ReportError, Reporter};
use crate::http::client::Exchange;
use crate::runner::{CleanupReport, Event};
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
            Event::DiscoveryFinished { .. }
            | Event::Interrupted { .. }
            | Event::CleanupFinished(_) => {}
        }
        self.record.apply(event);
    }

    fn finish(&mut self) -> Result<(), ReportError> {
        let text = terminal_safe(&render(&self.record, self.verbosity));
        let mut out = anstream::stdout();
        out.write_all(text.as_bytes())
            .and_then(|_| out.flush())
            .map_err(|e| ReportError::Write {
                path: "stdout".into(),
                reason: e.to_string(),
            })
    }
}

/// The text with every control character that a terminal would act on made
/// visible (`\u{1b}`), except the colour sequences (SGR, `ESC [ … m`) the
/// report itself adds. Response bodies, headers and messages come from the
/// server: printed raw, they could retitle the window, move the cursor, hide
/// or rewrite earlier output. Bidirectional overrides are made visible too,
/// so that text cannot be shown in an order other than the one it has.
pub fn terminal_safe(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if c == '\u{1b}'
            && let Some(length) = sgr_length(&text[at..])
        {
            out.push_str(&text[at..at + length]);
            while chars.peek().is_some_and(|(next, _)| *next < at + length) {
                chars.next();
            }
            continue;
        }
        let bidi = matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        if (c.is_control() && c != '\n' && c != '\t') || bidi {
            out.push_str(&c.escape_unicode().to_string());
        } else {
            out.push(c);
        }
    }
    out
}

/// The length of an SGR sequence (`ESC [ digits and ; m`) at the start.
fn sgr_length(text: &str) -> Option<usize> {
    let rest = text.strip_prefix("\u{1b}[")?;
    let params = rest
        .find(|c: char| !(c.is_ascii_digit() || c == ';'))
        .filter(|end| rest[*end..].starts_with('m'))?;
    Some(2 + params + 1)
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
        if name == "tls" {
            // An option that weakens every verdict: hard to miss.
            out.push_str(&format!(
                "  {} {name}: {value}\n",
                paint(style(Verdict::Fail), "WARNING:")
            ));
        } else {
            out.push_str(&format!("  {name}: {value}\n"));
        }
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
    if verbosity >= Verbosity::Verbose {
        for exchange in &record.discovery_exchanges {
            out.push_str(&render_retries(exchange, "  "));
        }
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
            if verbosity == Verbosity::Verbose {
                // -vv shows them within each exchange.
                for exchange in &result.exchanges {
                    out.push_str(&render_retries(exchange, "         "));
                }
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
    for outcome in profile_outcomes(&results) {
        let verdict = if outcome.compatible() {
            Verdict::Pass
        } else {
            Verdict::Fail
        };
        out.push_str(&format!(
            "{} {}\n",
            paint(bold, "Profile"),
            paint(style(verdict), &outcome.line())
        ));
    }
    let latency = super::latency::latency_series(&results);
    if !latency.is_empty() {
        out.push_str(&format!(
            "{}\n",
            paint(bold, "Latency (nearest-rank percentiles):")
        ));
        for series in &latency {
            out.push_str(&format!("  {}\n", series.line()));
        }
    }
    if let Some(signal) = &record.interrupted {
        out.push_str(&format!(
            "{} the run was stopped ({signal}); checks not run are not in the summary\n",
            paint(style(Verdict::Error), "interrupted:")
        ));
    }
    if let Some(cleanup) = &record.cleanup {
        out.push_str(&render_cleanup(cleanup));
    }
    if summary.total == 0 {
        out.push_str(&format!("{}\n", paint(dim, "No checks were selected.")));
    }
    out
}

/// What the run left behind: normally nothing, as every check cleans up.
fn render_cleanup(cleanup: &CleanupReport) -> String {
    let mut out = String::new();
    if !cleanup.swept.is_empty() {
        out.push_str(&format!(
            "Cleanup: {} resource(s) left by checks were deleted at the end of the run\n",
            cleanup.swept.len()
        ));
    }
    if !cleanup.failed.is_empty() {
        out.push_str(&format!(
            "{} {} resource(s) this run created could not be deleted:\n",
            paint(style(Verdict::Fail), "Cleanup failed:"),
            cleanup.failed.len()
        ));
        for (url, reason) in &cleanup.failed {
            out.push_str(&format!("  {url}: {reason}\n"));
        }
        if let Some(path) = &cleanup.state_file {
            out.push_str(&format!(
                "  They are listed in {path}; retry with: scimspec cleanup --state {path}\n"
            ));
        }
    }
    if let Some(error) = &cleanup.state_error {
        out.push_str(&format!(
            "{} the state file could not be kept up to date: {error}\n",
            paint(style(Verdict::Warn), "warning:")
        ));
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

/// One line per retry of an exchange: what the earlier attempt got.
fn render_retries(exchange: &Exchange, indent: &str) -> String {
    exchange
        .retries
        .iter()
        .map(|retry| {
            format!(
                "{indent}{} {} {}: {}, sent again after {} ms\n",
                paint(style(Verdict::Warn), "retry:"),
                exchange.method,
                exchange.url,
                retry.reason,
                retry.wait_ms
            )
        })
        .collect()
}

fn render_exchange(exchange: &Exchange, indent: &str) -> String {
    let mut out = render_retries(exchange, indent);
    out.push_str(&format!("{indent}> {} {}\n", exchange.method, exchange.url));
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
    if let Some(target) = &exchange.redirected_to {
        out.push_str(&format!("{indent}< (redirected to {target})\n"));
    }
    // A response can fail after its status arrived (body too large, stalled).
    if exchange.status.is_some()
        && let Some(error) = &exchange.error
    {
        out.push_str(&format!("{indent}< (response abandoned: {error})\n"));
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

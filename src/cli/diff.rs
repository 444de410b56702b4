//! `scimspec diff OLD.json NEW.json`.

use std::io::Write;
use std::path::Path;

use super::{ColorMode, DiffArgs, FailOn, exit, usage_error};
use crate::report::baseline::{Comparison, failing_verdict};
use crate::report::document::ReportDocument;

pub fn execute(args: &DiffArgs) -> u8 {
    anstream::ColorChoice::write_global(match args.color {
        ColorMode::Auto => anstream::ColorChoice::Auto,
        ColorMode::Always => anstream::ColorChoice::Always,
        ColorMode::Never => anstream::ColorChoice::Never,
    });
    let (old, new) = match (read_report(&args.old), read_report(&args.new)) {
        (Ok(old), Ok(new)) => (old, new),
        (Err(err), _) | (_, Err(err)) => return usage_error(err),
    };
    let comparison = Comparison::between(
        &old.results,
        &new.results,
        failing_verdict(args.fail_on == FailOn::Should),
    );
    let mut out = anstream::stdout();
    let _ = writeln!(
        out,
        "{} (run {}) -> {} (run {})",
        args.old.display(),
        old.run_id,
        args.new.display(),
        new.run_id
    );
    let _ = comparison.render(&mut out);
    if comparison.new_failures.is_empty() {
        exit::OK
    } else {
        exit::FAILURES
    }
}

pub fn read_report(path: &Path) -> Result<ReportDocument, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read report {}: {e}", path.display()))?;
    ReportDocument::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

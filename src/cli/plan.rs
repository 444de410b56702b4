//! `scimspec run --dry-run`: the requests each selected check would send,
//! with templates unrendered (their values come from responses that a dry
//! run never gets). Nothing is sent, not even discovery.

use crate::suite::LoadedSuite;
use crate::suite::model::Step;

pub fn render(suites: &[LoadedSuite]) -> String {
    let mut out = String::from(
        "Dry run: nothing is sent. Each selected check, then the requests it would send \
         ({{ … }} is filled in from discovery and earlier responses).\n",
    );
    let mut checks = 0;
    let mut requests = 0;
    let mut writes = 0;
    for suite in suites {
        for loaded in &suite.checks {
            checks += 1;
            let check = &loaded.check;
            let level = loaded
                .requirements
                .first()
                .map(|r| format!("  [{}]", r.label()))
                .unwrap_or_default();
            out.push_str(&format!("\n{}{level}\n", check.id));
            for (prefix, step) in check
                .steps
                .iter()
                .map(|s| ("  ", s))
                .chain(check.cleanup.iter().map(|s| ("  cleanup: ", s)))
            {
                let copies = step.burst.map_or(1, |burst| burst.requests as usize);
                requests += copies;
                if is_write(step) {
                    writes += copies;
                }
                out.push_str(&format!("{prefix}{}\n", request_line(step)));
            }
        }
    }
    out.push_str(&format!(
        "\n{checks} checks, {requests} requests ({writes} that may change data).\n"
    ));
    out
}

fn request_line(step: &Step) -> String {
    let request = &step.request;
    let mut line = format!("{} {}", request.method.to_ascii_uppercase(), request.path);
    if !request.query.is_empty() {
        let query: Vec<String> = request
            .query
            .iter()
            .map(|(key, value)| format!("{key}={value}"))
            .collect();
        line.push('?');
        line.push_str(&query.join("&"));
    }
    if request.body.is_some() || request.raw_body.is_some() {
        line.push_str("  (with a body)");
    }
    if let Some(burst) = step.burst {
        line.push_str(&format!(
            "  (×{} at {}/s, a load burst)",
            burst.requests, burst.rate
        ));
    }
    line
}

fn is_write(step: &Step) -> bool {
    !step.request.is_read()
}

//! `scimspec list` and `scimspec explain`.

use super::{ExplainArgs, ListArgs, exit, suite_error, usage_error};
use crate::suite::load_all;

pub fn list(args: &ListArgs) -> u8 {
    let (suites, profiles) = match args.suites.load() {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    if args.profiles {
        return list_profiles(&profiles);
    }
    let rows: Vec<[String; 5]> = suites
        .iter()
        .flat_map(|suite| {
            suite.checks.iter().map(move |check| {
                let sections = check
                    .requirements
                    .iter()
                    .map(|r| match (&r.profile, &r.id) {
                        (Some(profile), Some(id)) => format!("{profile}: {id}"),
                        _ => format!("{} §{}", r.rfc, r.section),
                    })
                    .collect::<Vec<_>>()
                    .join(", ");
                let levels = check
                    .requirements
                    .iter()
                    .map(|r| r.level.as_str())
                    .collect::<Vec<_>>()
                    .join(", ");
                let mut tags = suite.tags.clone();
                tags.extend(check.check.tags.iter().cloned());
                let mode = if check.is_read_only() {
                    "read"
                } else {
                    "write"
                };
                [
                    check.check.id.clone(),
                    sections,
                    levels,
                    mode.to_string(),
                    tags.join(","),
                ]
            })
        })
        .collect();
    let width = |column: usize| {
        rows.iter()
            .map(|r| r[column].chars().count())
            .max()
            .unwrap_or(0)
    };
    let (w0, w1, w2) = (width(0).max(5), width(1).max(7), width(2).max(5));
    println!(
        "{:<w0$}  {:<w1$}  {:<w2$}  {:<5}  TAGS",
        "CHECK", "SECTION", "LEVEL", "MODE"
    );
    for [id, sections, levels, mode, tags] in &rows {
        println!("{id:<w0$}  {sections:<w1$}  {levels:<w2$}  {mode:<5}  {tags}");
    }
    println!("\n{} checks in {} suites", rows.len(), suites.len());
    exit::OK
}

pub fn explain(args: &ExplainArgs) -> u8 {
    let suites = match load_all(&args.suites, true) {
        Ok(suites) => suites,
        Err(err) => return suite_error(err),
    };
    let found = suites.iter().find_map(|suite| {
        suite
            .checks
            .iter()
            .find(|c| c.check.id == args.check_id)
            .map(|c| (suite, c))
    });
    let Some((suite, loaded)) = found else {
        return usage_error(format!(
            "no check with id {:?} (see `scimspec list`)",
            args.check_id
        ));
    };
    let check = &loaded.check;
    println!("{}: {}", check.id, check.title);
    println!("suite: {} ({})", suite.id, suite.origin);
    if let Some(description) = &check.description {
        println!("\n{}", description.trim());
    }
    println!("\nRequirements:");
    for requirement in &loaded.requirements {
        println!("  {}", requirement.label());
        if let Some(text) = &requirement.text {
            println!("    {text}");
        }
    }
    let conditions: Vec<String> = suite
        .requires
        .iter()
        .chain(&check.requires)
        .map(|c| serde_json::to_string(c).unwrap_or_default())
        .collect();
    if !conditions.is_empty() {
        println!("\nApplies when: {}", conditions.join(", "));
    }
    println!("\nSteps:");
    for (index, step) in check.steps.iter().enumerate() {
        let role = if step.setup { " (setup)" } else { "" };
        let name = step.name.as_deref().unwrap_or("");
        println!(
            "  {}. {} {}{role}  {name}",
            index + 1,
            step.request.method,
            step.request.path
        );
        if let Some(burst) = step.burst {
            println!(
                "     a load burst: ×{} at {}/s, each answer judged; the last answer within {} ms of the last request",
                burst.requests, burst.rate, burst.max_lag_ms
            );
        }
        if let Some(retry) = step.retry_until {
            println!(
                "     polls every {} ms for at most {} ms until its expectations hold",
                retry.interval_ms, retry.timeout_ms
            );
        }
        if let Some(status) = &step.expect.status {
            let codes: Vec<String> = status.codes().iter().map(u16::to_string).collect();
            println!("     expects status {}", codes.join(" or "));
        }
    }
    match &check.fix {
        Some(fix) => println!("\nHow to fix a failure:\n  {}", fix.trim()),
        None => println!("\nHow to fix a failure:\n  Follow the requirement text above."),
    }
    exit::OK
}

fn list_profiles(profiles: &crate::suite::profile::Profiles) -> u8 {
    println!(
        "{:<10} RFC 7643 and RFC 7644 as written (the default): requirement catalogue suites/requirements.tsv",
        crate::suite::profile::RFC_PROFILE
    );
    for def in profiles.all() {
        println!(
            "{:<10} {} ({} rules{})",
            def.profile,
            def.title,
            def.rules.len(),
            def.sources
                .first()
                .map(|s| format!("; source: {s}"))
                .unwrap_or_default()
        );
    }
    super::exit::OK
}

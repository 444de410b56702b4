//! `scimspec coverage`: how much of the requirement catalogue the loaded
//! checks cover, per RFC section and level.

use std::collections::{BTreeMap, BTreeSet};

use super::{CoverageArgs, exit, suite_error};
use crate::scim::catalogue::{Catalogue, Requirement, section_key};
use crate::suite::load_all;
use crate::suite::model::Severity;

#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    total: usize,
    covered: usize,
    untestable: usize,
}

impl Tally {
    fn add(&mut self, covered: bool, untestable: bool) {
        self.total += 1;
        if untestable {
            self.untestable += 1;
        } else if covered {
            self.covered += 1;
        }
    }

    fn testable(&self) -> usize {
        self.total - self.untestable
    }

    fn percent(&self) -> f64 {
        if self.testable() == 0 {
            100.0
        } else {
            self.covered as f64 * 100.0 / self.testable() as f64
        }
    }
}

fn level_class(requirement: &Requirement) -> &'static str {
    match requirement.level.severity() {
        Severity::Must => "MUST",
        Severity::Should => "SHOULD",
        Severity::May => "MAY",
    }
}

pub fn coverage(args: &CoverageArgs) -> u8 {
    let suites = match load_all(&args.suites, !args.no_builtin) {
        Ok(suites) => suites,
        Err(err) => return suite_error(err),
    };
    let covered: BTreeSet<String> = suites
        .iter()
        .flat_map(|suite| suite.checks.iter())
        .flat_map(|check| check.requirements.iter())
        .filter_map(|requirement| requirement.id.clone())
        .collect();
    let catalogue = Catalogue::builtin();

    let mut by_section: BTreeMap<(u16, Vec<u32>, String), BTreeMap<&str, Tally>> = BTreeMap::new();
    let mut by_level: BTreeMap<&str, Tally> = BTreeMap::new();
    for row in catalogue.rows() {
        let is_covered = covered.contains(&row.id);
        let untestable = row.untestable.is_some();
        let level = level_class(row);
        by_section
            .entry((row.rfc, section_key(&row.section), row.section.clone()))
            .or_default()
            .entry(level)
            .or_default()
            .add(is_covered, untestable);
        by_level
            .entry(level)
            .or_default()
            .add(is_covered, untestable);
    }

    println!(
        "Requirement coverage ({} catalogue rows, {} checks)\n",
        catalogue.rows().len(),
        suites.iter().map(|s| s.checks.len()).sum::<usize>()
    );
    println!(
        "{:<16} {:>14} {:>14} {:>14}",
        "SECTION", "MUST", "SHOULD", "MAY"
    );
    for ((rfc, _, section), levels) in &by_section {
        let cell = |level: &str| match levels.get(level) {
            Some(tally) if tally.testable() > 0 || tally.untestable > 0 => {
                let mut text = format!("{}/{}", tally.covered, tally.testable());
                if tally.untestable > 0 {
                    text.push_str(&format!(" +{}u", tally.untestable));
                }
                text
            }
            _ => "-".to_string(),
        };
        println!(
            "{:<16} {:>14} {:>14} {:>14}",
            format!("RFC {rfc} §{section}"),
            cell("MUST"),
            cell("SHOULD"),
            cell("MAY")
        );
    }
    println!();
    for level in ["MUST", "SHOULD", "MAY"] {
        if let Some(tally) = by_level.get(level) {
            println!(
                "{level:<6} {:>3}/{:<3} testable rows covered ({:.1}%), {} not testable black-box",
                tally.covered,
                tally.testable(),
                tally.percent(),
                tally.untestable
            );
        }
    }
    println!(
        "\n(`MUST` counts MUST, MUST NOT, REQUIRED, SHALL; `SHOULD` counts SHOULD, SHOULD NOT, RECOMMENDED; +Nu: not testable black-box)"
    );

    let untestable: Vec<&Requirement> = catalogue
        .rows()
        .iter()
        .filter(|r| r.untestable.is_some())
        .collect();
    if !untestable.is_empty() {
        println!("\nNot testable black-box over HTTP:");
        for row in untestable {
            println!(
                "  {:<14} RFC {} §{} {}: {}",
                row.id,
                row.rfc,
                row.section,
                row.level.as_str(),
                row.untestable.as_deref().unwrap_or_default()
            );
        }
    }
    if args.uncovered {
        println!("\nUncovered testable requirements:");
        for row in catalogue.rows() {
            if row.untestable.is_none() && !covered.contains(&row.id) {
                println!(
                    "  {:<14} RFC {} §{:<8} {:<11} {}",
                    row.id,
                    row.rfc,
                    row.section,
                    row.level.as_str(),
                    row.text
                );
            }
        }
    }
    exit::OK
}

//! `--only` / `--skip`: choosing checks by id glob, tag, suite or RFC section.

use globset::{Glob, GlobMatcher};

use crate::suite::{LoadedCheck, LoadedSuite};

#[derive(Debug, thiserror::Error)]
#[error("invalid selector {selector:?}: {reason}")]
pub struct SelectorError {
    pub selector: String,
    pub reason: String,
}

#[derive(Debug, Clone)]
enum Selector {
    Id(GlobMatcher),
    Tag(String),
    Suite(GlobMatcher),
    Section { rfc: Option<u16>, section: String },
}

impl Selector {
    /// `tag:NAME`, `suite:GLOB`, `section:[RFC/]SECTION` (e.g. `section:7644/3.4`),
    /// anything else a glob on the check id (`users.*`).
    fn parse(text: &str) -> Result<Selector, SelectorError> {
        let err = |reason: String| SelectorError {
            selector: text.to_string(),
            reason,
        };
        let glob = |pattern: &str| {
            Glob::new(pattern)
                .map(|g| g.compile_matcher())
                .map_err(|e| err(e.to_string()))
        };
        if let Some(tag) = text.strip_prefix("tag:") {
            return Ok(Selector::Tag(tag.to_string()));
        }
        if let Some(pattern) = text.strip_prefix("suite:") {
            return Ok(Selector::Suite(glob(pattern)?));
        }
        if let Some(spec) = text.strip_prefix("section:") {
            let (rfc, section) = match spec.split_once('/') {
                Some((rfc, section)) => {
                    let digits = rfc.trim_start_matches("rfc").trim_start_matches("RFC");
                    let rfc = digits
                        .parse()
                        .map_err(|_| err(format!("{rfc:?} is not an RFC number")))?;
                    (Some(rfc), section)
                }
                None => (None, spec),
            };
            let section = section.trim_start_matches('§').to_string();
            if section.is_empty() {
                return Err(err("empty section".into()));
            }
            return Ok(Selector::Section { rfc, section });
        }
        Ok(Selector::Id(glob(text)?))
    }

    fn matches(&self, suite: &LoadedSuite, check: &LoadedCheck) -> bool {
        match self {
            Selector::Id(glob) => glob.is_match(&check.check.id),
            Selector::Tag(tag) => suite.tags.contains(tag) || check.check.tags.contains(tag),
            Selector::Suite(glob) => glob.is_match(&suite.id),
            Selector::Section { rfc, section } => check.requirements.iter().any(|r| {
                rfc.is_none_or(|rfc| rfc == r.rfc)
                    && (r.section == *section || r.section.starts_with(&format!("{section}.")))
            }),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Selection {
    only: Vec<Selector>,
    skip: Vec<Selector>,
}

impl Selection {
    pub fn new(only: &[String], skip: &[String]) -> Result<Selection, SelectorError> {
        Ok(Selection {
            only: only
                .iter()
                .map(|s| Selector::parse(s))
                .collect::<Result<_, _>>()?,
            skip: skip
                .iter()
                .map(|s| Selector::parse(s))
                .collect::<Result<_, _>>()?,
        })
    }

    pub fn includes(&self, suite: &LoadedSuite, check: &LoadedCheck) -> bool {
        (self.only.is_empty() || self.only.iter().any(|s| s.matches(suite, check)))
            && !self.skip.iter().any(|s| s.matches(suite, check))
    }

    /// Keeps the selected checks; suites left empty are dropped.
    pub fn apply(&self, suites: Vec<LoadedSuite>) -> Vec<LoadedSuite> {
        suites
            .into_iter()
            .filter_map(|mut suite| {
                let checks = std::mem::take(&mut suite.checks);
                suite.checks = checks
                    .into_iter()
                    .filter(|check| self.includes(&suite, check))
                    .collect();
                (!suite.checks.is_empty()).then_some(suite)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suite::loader::parse_suite;

    fn suites() -> Vec<LoadedSuite> {
        let text = r#"
id: demo
title: Demo
tags: [crud]
checks:
  - id: users.create.status
    title: a
    tags: [create]
    requirements: [{id: P-3.3-02}]
    steps: [{request: {method: GET, path: /}}]
  - id: users.filter.eq
    title: b
    requirements: [{id: P-3.4.2.2-01}]
    steps: [{request: {method: GET, path: /}}]
"#;
        vec![parse_suite("demo.yaml", text).unwrap()]
    }

    fn selected(only: &[&str], skip: &[&str]) -> Vec<String> {
        let only: Vec<String> = only.iter().map(|s| s.to_string()).collect();
        let skip: Vec<String> = skip.iter().map(|s| s.to_string()).collect();
        Selection::new(&only, &skip)
            .unwrap()
            .apply(suites())
            .into_iter()
            .flat_map(|s| s.checks.into_iter().map(|c| c.check.id))
            .collect()
    }

    #[test]
    fn selects_by_glob_tag_suite_and_section() {
        assert_eq!(selected(&[], &[]).len(), 2);
        assert_eq!(
            selected(&["users.create.*"], &[]),
            vec!["users.create.status"]
        );
        assert_eq!(selected(&["tag:create"], &[]), vec!["users.create.status"]);
        assert_eq!(selected(&["tag:crud"], &[]).len(), 2);
        assert_eq!(selected(&["suite:de*"], &[]).len(), 2);
        assert_eq!(selected(&["section:3.4"], &[]), vec!["users.filter.eq"]);
        assert_eq!(
            selected(&["section:7644/3.4.2.2"], &[]),
            vec!["users.filter.eq"]
        );
        assert!(selected(&["section:7643/3.4"], &[]).is_empty());
        assert!(selected(&["section:3.4.2.22"], &[]).is_empty());
        assert_eq!(selected(&[], &["tag:create"]), vec!["users.filter.eq"]);
        assert!(Selection::new(&["section:x/3".into()], &[]).is_err());
        assert!(Selection::new(&["a[".into()], &[]).is_err());
    }
}

//! Loads suite files (YAML or JSON), validates them, and reports errors with
//! `file:line:col`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};
use miette::{NamedSource, SourceSpan};
use regex::Regex;

use super::model::{
    Check, Expect, HeaderExpect, LengthBound, PathPredicate, RequirementRef, Step, Suite,
};
use super::profile::{ProfileDef, Profiles, is_profile_file};
use super::{LoadedCheck, LoadedSuite};
use crate::engine::{path, template};
use crate::scim::catalogue::Catalogue;
use crate::scim::discovery::validate_condition;
use crate::verdict::ResolvedRequirement;

static BUILTIN_SUITES: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/suites");

/// A suite file that cannot be used, with its location.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{file}:{line}:{column}: {message}")]
pub struct SuiteError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
    #[source_code]
    source_code: std::sync::Arc<NamedSource<String>>,
    #[label("here")]
    span: SourceSpan,
}

impl SuiteError {
    fn new(file: &str, text: &str, line: usize, column: usize, message: String) -> SuiteError {
        let offset = offset_of(text, line, column);
        SuiteError {
            file: file.to_string(),
            line,
            column,
            message,
            source_code: std::sync::Arc::new(NamedSource::new(file, text.to_string())),
            span: SourceSpan::from((offset, 1.min(text.len().saturating_sub(offset)))),
        }
    }

    fn without_source(file: &str, message: String) -> SuiteError {
        SuiteError::new(file, "", 1, 1, message)
    }
}

fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let mut offset = 0;
    for (index, content) in text.split_inclusive('\n').enumerate() {
        if index + 1 == line {
            let within: usize = content
                .chars()
                .take(column.saturating_sub(1))
                .map(char::len_utf8)
                .sum();
            return (offset + within).min(text.len());
        }
        offset += content.len();
    }
    text.len()
}

/// Line and column (1-based) of the first occurrence of `needle` at or after
/// the occurrence of `anchor`, used to point semantic errors at the right place.
fn locate(text: &str, anchor: Option<&str>, needle: &str) -> (usize, usize) {
    let start = anchor.and_then(|a| text.find(a)).unwrap_or(0);
    let offset = text[start..]
        .find(needle)
        .map(|found| start + found)
        .or_else(|| anchor.and_then(|a| text.find(a)))
        .unwrap_or(0);
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map_or(0, |tail| tail.chars().count())
        + 1;
    (line, column)
}

/// The suites compiled into the binary, in path order.
pub fn load_builtin() -> Result<Vec<LoadedSuite>, SuiteError> {
    let profiles = builtin_profiles()?;
    builtin_files(false)
        .into_iter()
        .map(|(path, text)| parse_suite_with(&format!("suites/{path}"), &text, &profiles))
        .collect()
}

/// The embedded files, profile definitions (`true`) or suites, in path order.
fn builtin_files(profiles: bool) -> Vec<(String, String)> {
    let mut files = Vec::new();
    collect_embedded(&BUILTIN_SUITES, &mut files);
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files.retain(|(path, _)| is_profile_path(Path::new(path)) == profiles);
    files
}

/// The profiles shipped in `suites/profiles/*/profile.yaml`.
pub fn builtin_profiles() -> Result<Profiles, SuiteError> {
    let mut profiles = Profiles::default();
    for (path, text) in builtin_files(true) {
        let shown = format!("suites/{path}");
        let def = parse_profile(&shown, &text)?;
        profiles
            .add(def)
            .map_err(|m| SuiteError::without_source(&shown, m))?;
    }
    Ok(profiles)
}

fn is_profile_path(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(is_profile_file)
}

/// Reads a YAML or JSON file (by its extension) into `T`, with
/// file:line:col on errors.
fn deserialize<T: serde::de::DeserializeOwned>(file: &str, text: &str) -> Result<T, SuiteError> {
    if file.ends_with(".json") {
        // serde_json counts columns from 0 at the very end of the input
        // (an empty file); locations here are 1-based.
        serde_json::from_str(text).map_err(|e| {
            SuiteError::new(
                file,
                text,
                e.line().max(1),
                e.column().max(1),
                e.to_string(),
            )
        })
    } else {
        serde_saphyr::from_str(text).map_err(|e| {
            let (line, column) = e
                .location()
                .map_or((1, 1), |l| (l.line() as usize, l.column() as usize));
            // The rendered message repeats the snippet; keep its first line.
            let message = e.to_string();
            let message = tidy_yaml_message(message.lines().next().unwrap_or_default());
            SuiteError::new(file, text, line, column, message)
        })
    }
}

/// Parses a profile definition, with file:line:col on errors.
pub fn parse_profile(file: &str, text: &str) -> Result<ProfileDef, SuiteError> {
    let def: ProfileDef = deserialize(file, text)?;
    def.validate().map_err(|m| {
        let (line, column) = locate(text, None, "profile");
        SuiteError::new(file, text, line, column, m)
    })?;
    Ok(def)
}

fn collect_embedded(dir: &Dir<'_>, out: &mut Vec<(String, String)>) {
    for file in dir.files() {
        let path = file.path().to_string_lossy().to_string();
        if is_suite_file(file.path())
            && let Some(text) = file.contents_utf8()
        {
            out.push((path, text.to_string()));
        }
    }
    for sub in dir.dirs() {
        collect_embedded(sub, out);
    }
}

fn is_suite_file(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "json")
    )
}

/// Built-in suites (unless `include_builtin` is false) plus user suites
/// from files or directories, with check ids unique across all of them.
pub fn load_all(
    user_paths: &[PathBuf],
    include_builtin: bool,
) -> Result<Vec<LoadedSuite>, SuiteError> {
    let (suites, _) = load_all_with_profiles(user_paths, include_builtin)?;
    Ok(suites)
}

/// Like [`load_all`], also returning every profile defined (built-in ones
/// always, so `--no-builtin` suites can still name them).
pub fn load_all_with_profiles(
    user_paths: &[PathBuf],
    include_builtin: bool,
) -> Result<(Vec<LoadedSuite>, Profiles), SuiteError> {
    let mut profiles = builtin_profiles()?;
    let mut user_files = Vec::new();
    for path in user_paths {
        let mut files = Vec::new();
        collect_files(path, &mut files)?;
        files.sort();
        for file in files {
            let shown = file.display().to_string();
            let text = std::fs::read_to_string(&file).map_err(|e| {
                SuiteError::without_source(&shown, format!("cannot read suite file: {e}"))
            })?;
            if is_profile_path(&file) {
                let def = parse_profile(&shown, &text)?;
                profiles
                    .add(def)
                    .map_err(|m| SuiteError::without_source(&shown, m))?;
            } else {
                user_files.push((shown, text));
            }
        }
    }
    let mut suites = Vec::new();
    if include_builtin {
        for (path, text) in builtin_files(false) {
            suites.push(parse_suite_with(
                &format!("suites/{path}"),
                &text,
                &profiles,
            )?);
        }
    }
    for (shown, text) in user_files {
        suites.push(parse_suite_with(&shown, &text, &profiles)?);
    }
    check_unique_ids(&suites)?;
    Ok((suites, profiles))
}

fn collect_files(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), SuiteError> {
    let shown = path.display().to_string();
    let metadata = std::fs::metadata(path)
        .map_err(|e| SuiteError::without_source(&shown, format!("cannot read: {e}")))?;
    if metadata.is_file() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    let entries = std::fs::read_dir(path)
        .map_err(|e| SuiteError::without_source(&shown, format!("cannot list: {e}")))?;
    for entry in entries {
        let entry =
            entry.map_err(|e| SuiteError::without_source(&shown, format!("cannot list: {e}")))?;
        let child = entry.path();
        if child.is_dir() {
            collect_files(&child, out)?;
        } else if is_suite_file(&child) {
            out.push(child);
        }
    }
    Ok(())
}

fn check_unique_ids(suites: &[LoadedSuite]) -> Result<(), SuiteError> {
    let mut suite_ids: HashMap<&str, &str> = HashMap::new();
    let mut check_ids: HashMap<&str, &str> = HashMap::new();
    for suite in suites {
        if let Some(first) = suite_ids.insert(&suite.id, &suite.origin) {
            return Err(SuiteError::without_source(
                &suite.origin,
                format!("suite id {:?} is already used by {first}", suite.id),
            ));
        }
        for check in &suite.checks {
            if let Some(first) = check_ids.insert(&check.check.id, &suite.origin) {
                return Err(SuiteError::without_source(
                    &suite.origin,
                    format!("check id {:?} is already used in {first}", check.check.id),
                ));
            }
        }
    }
    Ok(())
}

/// serde-saphyr prefixes "error: line N column M: "; the location is ours to print.
fn tidy_yaml_message(message: &str) -> String {
    let message = message.strip_prefix("error: ").unwrap_or(message);
    let prefix =
        Regex::new(r"^line \d+ column \d+: ").unwrap_or_else(|e| panic!("static regex: {e}"));
    prefix.replace(message, "").into_owned()
}

/// Parses and validates one suite file.
pub fn parse_suite(file: &str, text: &str) -> Result<LoadedSuite, SuiteError> {
    parse_suite_with(file, text, &builtin_profiles()?)
}

/// Parses a suite whose `profile:` (if any) is one of `profiles`.
pub fn parse_suite_with(
    file: &str,
    text: &str,
    profiles: &Profiles,
) -> Result<LoadedSuite, SuiteError> {
    let suite: Suite = deserialize(file, text)?;
    validate_suite(file, text, suite, profiles)
}

fn validate_suite(
    file: &str,
    text: &str,
    suite: Suite,
    profiles: &Profiles,
) -> Result<LoadedSuite, SuiteError> {
    let fail_at = |anchor: Option<&str>, needle: &str, message: String| {
        let (line, column) = locate(text, anchor, needle);
        SuiteError::new(file, text, line, column, message)
    };
    if suite.id.trim().is_empty() {
        return Err(fail_at(None, "id", "suite id is empty".into()));
    }
    for condition in &suite.requires {
        validate_condition(condition).map_err(|m| fail_at(None, "requires", m))?;
    }
    let profile = match &suite.profile {
        None => None,
        Some(name) => Some(profiles.get(name).ok_or_else(|| {
            fail_at(
                None,
                "profile",
                format!(
                    "unknown profile {name:?} (known: {}); a profile is defined by a profile.yaml",
                    profiles.names().join(", ")
                ),
            )
        })?),
    };
    if suite.checks.is_empty() {
        return Err(fail_at(
            None,
            "checks",
            format!("suite {:?} has no checks", suite.id),
        ));
    }
    let id_pattern =
        Regex::new(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$").unwrap_or_else(|e| panic!("static regex: {e}"));
    let mut seen = HashMap::new();
    let mut checks = Vec::new();
    for check in suite.checks {
        let anchor = check.id.clone();
        let at = |needle: &str, message: String| {
            fail_at(
                Some(&anchor),
                needle,
                format!("check {:?}: {message}", anchor),
            )
        };
        if !id_pattern.is_match(&check.id) {
            return Err(at(
                "id",
                "ids are dotted words: letters, digits, '.', '_', '-'".into(),
            ));
        }
        if seen.insert(check.id.clone(), ()).is_some() {
            return Err(at("id", "duplicate check id".into()));
        }
        let requirements = match profile {
            None => resolve_requirements(&check.requirements),
            Some(profile) => resolve_profile_rules(&check.requirements, profile),
        }
        .map_err(|m| at("requirements", m))?;
        for condition in &check.requires {
            validate_condition(condition).map_err(|m| at("requires", m))?;
        }
        validate_check(&check).map_err(|(needle, m)| at(&needle, m))?;
        checks.push(LoadedCheck {
            check,
            requirements,
        });
    }
    Ok(LoadedSuite {
        id: suite.id,
        title: suite.title,
        tags: suite.tags,
        requires: suite.requires,
        origin: file.to_string(),
        profile: suite.profile,
        profile_settings: profile.map_or(serde_json::Value::Null, |p| {
            serde_json::Value::Object(p.settings.clone().into_iter().collect())
        }),
        checks,
    })
}

/// A profile suite's checks cite that profile's rules, and only those: what
/// an identity provider does is judged under its profile, never under `rfc`.
fn resolve_profile_rules(
    refs: &[RequirementRef],
    profile: &ProfileDef,
) -> Result<Vec<ResolvedRequirement>, String> {
    if refs.is_empty() {
        return Err("at least one requirement is needed".into());
    }
    refs.iter()
        .map(|reference| {
            let id = reference.id.as_deref().ok_or_else(|| {
                format!(
                    "checks of profile {:?} cite its rules by id",
                    profile.profile
                )
            })?;
            if reference.rfc.is_some() || reference.section.is_some() {
                return Err(format!(
                    "checks of profile {:?} cite its rules, not RFC sections",
                    profile.profile
                ));
            }
            let rule = profile
                .rule(id)
                .ok_or_else(|| format!("unknown rule {id:?} of profile {:?}", profile.profile))?;
            if let Some(level) = reference.level
                && level != rule.level
            {
                return Err(format!(
                    "{id} is {} in the profile, not {}",
                    rule.level.as_str(),
                    level.as_str()
                ));
            }
            Ok(ResolvedRequirement {
                id: Some(rule.id.clone()),
                rfc: 0,
                section: String::new(),
                level: rule.level,
                profile: Some(profile.profile.clone()),
                text: Some(rule.text.clone()),
            })
        })
        .collect()
}

/// Completes requirement references from the catalogue; an unknown id or a
/// level that contradicts the catalogue is an error.
pub fn resolve_requirements(refs: &[RequirementRef]) -> Result<Vec<ResolvedRequirement>, String> {
    if refs.is_empty() {
        return Err("at least one requirement is needed".into());
    }
    let catalogue = Catalogue::builtin();
    refs.iter()
        .map(|reference| {
            let row = match &reference.id {
                Some(id) => Some(
                    catalogue
                        .get(id)
                        .ok_or_else(|| format!("unknown requirement id {id:?}"))?,
                ),
                None => None,
            };
            let rfc = reference.rfc.or(row.map(|r| r.rfc));
            let section = reference.section.clone().or(row.map(|r| r.section.clone()));
            let level = reference.level.or(row.map(|r| r.level));
            let (Some(rfc), Some(section), Some(level)) = (rfc, section, level) else {
                return Err("a requirement needs a catalogue id, or rfc, section and level".into());
            };
            if !matches!(rfc, 7643 | 7644) {
                return Err(format!("rfc {rfc}: scimspec checks RFC 7643 and RFC 7644"));
            }
            if let Some(row) = row
                && (row.rfc != rfc || row.section != section)
            {
                return Err(format!(
                    "{} is RFC {} §{} in the catalogue, not RFC {rfc} §{section}",
                    row.id, row.rfc, row.section
                ));
            }
            Ok(ResolvedRequirement {
                id: reference.id.clone(),
                rfc,
                section,
                level,
                profile: None,
                text: row.map(|r| r.text.clone()),
            })
        })
        .collect()
}

/// Returns (text to point at, message) for the first problem found.
fn validate_check(check: &Check) -> Result<(), (String, String)> {
    if check.steps.is_empty() {
        return Err(("steps".into(), "a check needs at least one step".into()));
    }
    for (name, value) in &check.vars {
        template::validate_value(value).map_err(|e| (name.clone(), format!("vars.{name}: {e}")))?;
    }
    for step in check.steps.iter().chain(&check.cleanup) {
        validate_step(step)?;
    }
    let mut earlier: Vec<&str> = Vec::new();
    for step in &check.steps {
        if let Some(from) = &step.measure_from
            && !earlier.contains(&from.as_str())
        {
            return Err((
                from.clone(),
                format!("measure_from: no earlier step is named {from:?}"),
            ));
        }
        earlier.extend(step.name.as_deref());
    }
    Ok(())
}

fn validate_step(step: &Step) -> Result<(), (String, String)> {
    let request = &step.request;
    let here = |needle: &str, message: String| (needle.to_string(), message);
    let method_ok = !request.method.is_empty()
        && (request.method.contains("{{")
            || request.method.chars().all(|c| c.is_ascii_alphabetic()));
    if !method_ok {
        return Err(here(
            &request.method,
            format!("invalid method {:?}", request.method),
        ));
    }
    template::validate(&request.path).map_err(|e| here(&request.path, format!("path: {e}")))?;
    for (key, value) in request.query.iter().chain(&request.headers) {
        template::validate(key).map_err(|e| here(key, e.to_string()))?;
        template::validate(value).map_err(|e| here(key, e.to_string()))?;
    }
    if request.body.is_some() && request.raw_body.is_some() {
        return Err(here(
            "raw_body",
            "a request has body or raw_body, not both".into(),
        ));
    }
    if let Some(body) = &request.body {
        template::validate_value(body).map_err(|e| here("body", format!("body: {e}")))?;
    }
    if let Some(raw) = &request.raw_body {
        template::validate(raw).map_err(|e| here("raw_body", format!("raw_body: {e}")))?;
    }
    for (name, source) in &step.capture {
        let valid = source == "status"
            || source.starts_with("header.")
            || source.starts_with("headers.")
            || source == "body"
            || source
                .strip_prefix("body.")
                .is_some_and(|rest| path::parse(rest).is_ok());
        if !valid {
            return Err(here(
                source,
                format!("capture {name}: use status, header.NAME or body.PATH, not {source:?}"),
            ));
        }
    }
    // Polls and bursts re-send their request: only queries may be.
    let query = request.method.eq_ignore_ascii_case("GET") || request.is_search();
    if let Some(retry) = &step.retry_until {
        if !query {
            return Err(here(
                "retry_until",
                "retry_until polls: only GET and POST /.search requests may be re-sent".into(),
            ));
        }
        if retry.timeout_ms == 0 || retry.timeout_ms > 60_000 {
            return Err(here(
                "retry_until",
                "retry_until.timeout_ms must be between 1 and 60000".into(),
            ));
        }
    }
    if let Some(burst) = &step.burst {
        if !query {
            return Err(here(
                "burst",
                "burst: only GET and POST /.search requests may be sent in a burst".into(),
            ));
        }
        if !(1..=1000).contains(&burst.requests) {
            return Err(here(
                "burst",
                "burst.requests must be between 1 and 1000".into(),
            ));
        }
        if !(burst.rate > 0.0 && burst.rate <= 200.0) {
            return Err(here(
                "burst",
                "burst.rate must be more than 0 and at most 200 per second".into(),
            ));
        }
        if step.retry_until.is_some() || !step.capture.is_empty() || step.measure_from.is_some() {
            return Err(here(
                "burst",
                "a burst step cannot also poll (retry_until), capture or measure_from".into(),
            ));
        }
    }
    if step.measure_from.is_some() && step.measure.is_none() {
        return Err(here(
            "measure_from",
            "measure_from needs measure (the series to record)".into(),
        ));
    }
    if let Some(series) = &step.measure
        && (series.is_empty()
            || !series
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        return Err(here(
            series,
            format!("measure: {series:?} is not a series name (letters, digits, . _ -)"),
        ));
    }
    validate_expect(&step.expect).map_err(|m| here("expect", m))
}

fn validate_expect(expect: &Expect) -> Result<(), String> {
    for HeaderExpect {
        name,
        equals,
        matches,
        ..
    } in &expect.headers
    {
        if let Some(equals) = equals {
            template::validate(equals).map_err(|e| format!("header {name}: {e}"))?;
        }
        if let Some(pattern) = matches {
            Regex::new(pattern).map_err(|e| format!("header {name}: invalid regex: {e}"))?;
        }
    }
    if let Some(includes) = &expect.includes {
        template::validate_value(includes).map_err(|e| format!("includes: {e}"))?;
    }
    expect.body.iter().try_for_each(validate_predicate)?;
    expect.any_of.iter().try_for_each(validate_expect)
}

fn validate_predicate(predicate: &PathPredicate) -> Result<(), String> {
    path::parse(&predicate.path).map_err(|e| e.to_string())?;
    for pattern in [&predicate.matches, &predicate.not_matches]
        .into_iter()
        .flatten()
    {
        Regex::new(pattern).map_err(|e| format!("{}: invalid regex: {e}", predicate.path))?;
    }
    for value in [
        &predicate.equals,
        &predicate.not_equals,
        &predicate.contains,
    ]
    .into_iter()
    .flatten()
    {
        template::validate_value(value).map_err(|e| format!("{}: {e}", predicate.path))?;
    }
    for bound in [
        &predicate.length,
        &predicate.min_length,
        &predicate.max_length,
    ]
    .into_iter()
    .flatten()
    {
        if let LengthBound::Template(text) = bound {
            template::validate(text).map_err(|e| format!("{}: {e}", predicate.path))?;
        }
    }
    if let Some(inner) = &predicate.every {
        inner.iter().try_for_each(validate_predicate)?;
    }
    if let Some(count) = &predicate.count {
        if count.min.is_none() && count.max.is_none() {
            return Err(format!("{}: count needs min or max", predicate.path));
        }
        count.matching.iter().try_for_each(validate_predicate)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
id: demo
title: Demo
checks:
  - id: demo.one
    title: One
    requirements: [{id: P-3.3-02}]
    steps:
      - request: {method: GET, path: /Users}
        expect: {status: 200}
"#;

    #[test]
    fn builtin_suites_load() {
        let suites = load_builtin().expect("shipped suites are valid");
        assert!(!suites.is_empty());
        check_unique_ids(&suites).expect("unique ids");
    }

    #[test]
    fn every_shipped_check_cites_a_catalogue_requirement() {
        for suite in load_builtin().expect("shipped suites are valid") {
            for check in &suite.checks {
                assert!(
                    check.requirements.iter().any(|r| r.id.is_some()),
                    "{} cites no catalogue id",
                    check.check.id
                );
            }
        }
    }

    #[test]
    fn requirements_are_completed_from_the_catalogue() {
        let suite = parse_suite("demo.yaml", GOOD).unwrap();
        let requirement = &suite.checks[0].requirements[0];
        assert_eq!(requirement.rfc, 7644);
        assert_eq!(requirement.section, "3.3");
        assert!(requirement.text.is_some());
    }

    #[test]
    fn json_suites_use_the_same_model() {
        let json = r#"{"id": "j", "title": "J", "checks": [{"id": "j.one", "title": "One",
            "requirements": [{"id": "P-3.3-02"}],
            "steps": [{"request": {"method": "GET", "path": "/Users"}, "expect": {"status": [200]}}]}]}"#;
        let suite = parse_suite("j.json", json).unwrap();
        assert_eq!(suite.checks[0].check.id, "j.one");
        assert_eq!(suite.checks[0].requirements[0].section, "3.3");
    }

    #[test]
    fn syntax_errors_carry_file_line_and_column() {
        let broken = GOOD.replace("    title: One\n", "    title: One\n    bogus: 1\n");
        let err = parse_suite("demo.yaml", &broken).unwrap_err();
        assert_eq!(err.file, "demo.yaml");
        assert_eq!(err.line, 7, "{err}");
        assert!(err.to_string().starts_with("demo.yaml:7:"), "{err}");
        assert!(err.message.contains("bogus"), "{err}");

        let err = parse_suite("demo.json", "{\n  \"id\": 5\n}").unwrap_err();
        assert_eq!((err.line, err.file.as_str()), (2, "demo.json"), "{err}");
    }

    #[test]
    fn semantic_errors_point_at_the_check() {
        let unknown = GOOD.replace("P-3.3-02", "P-9.9-99");
        let err = parse_suite("demo.yaml", &unknown).unwrap_err();
        assert!(err.message.contains("unknown requirement id"), "{err}");
        assert_eq!(err.line, 7, "{err}");

        let bad_template = GOOD.replace("path: /Users}", "path: \"/Users/{{ id | shout }}\"}");
        let err = parse_suite("demo.yaml", &bad_template).unwrap_err();
        assert!(err.message.contains("unknown filter"), "{err}");
        assert_eq!(err.line, 9, "{err}");

        let contradiction = GOOD.replace("{id: P-3.3-02}", "{id: P-3.3-02, section: \"3.4\"}");
        assert!(parse_suite("demo.yaml", &contradiction).is_err());

        let no_requirements = GOOD.replace("[{id: P-3.3-02}]", "[]");
        assert!(parse_suite("demo.yaml", &no_requirements).is_err());

        let bad_capture = GOOD.replace(
            "expect: {status: 200}",
            "capture: {x: somewhere}\n        expect: {status: 200}",
        );
        assert!(parse_suite("demo.yaml", &bad_capture).is_err());
    }

    #[test]
    fn polling_and_measuring_steps_are_validated() {
        let step = |extra: &str| {
            GOOD.replace(
                "      - request: {method: GET, path: /Users}\n",
                &format!(
                    "      - name: first\n        request: {{method: POST, path: /Users}}\n      - request: {{method: GET, path: /Users}}\n{extra}"
                ),
            )
        };
        let good = step(
            "        retry_until: {timeout_ms: 2000, interval_ms: 20}\n        measure: poll.users\n        measure_from: first\n",
        );
        let suite = parse_suite("demo.yaml", &good).unwrap();
        let polled = &suite.checks[0].check.steps[1];
        assert_eq!(
            polled.retry_until,
            Some(crate::suite::model::RetryUntil {
                timeout_ms: 2000,
                interval_ms: 20
            })
        );
        assert_eq!(polled.measure.as_deref(), Some("poll.users"));
        // interval_ms defaults to 100.
        let default = step("        retry_until: {timeout_ms: 500}\n");
        let suite = parse_suite("demo.yaml", &default).unwrap();
        assert_eq!(
            suite.checks[0].check.steps[1]
                .retry_until
                .map(|r| r.interval_ms),
            Some(100)
        );

        for (extra, why) in [
            ("        measure_from: first\n", "needs measure"),
            (
                "        measure: x\n        measure_from: later\n",
                "no earlier step",
            ),
            ("        measure: 'bad name'\n", "not a series name"),
            (
                "        retry_until: {timeout_ms: 0}\n",
                "between 1 and 60000",
            ),
            (
                "        retry_until: {timeout_ms: 60001}\n",
                "between 1 and 60000",
            ),
        ] {
            let err = parse_suite("demo.yaml", &step(extra)).unwrap_err();
            assert!(err.message.contains(why), "{extra}: {err}");
        }
        // Only reads are re-sent.
        let write = good.replace(
            "{method: GET, path: /Users}",
            "{method: DELETE, path: /Users/x}",
        );
        let err = parse_suite("demo.yaml", &write).unwrap_err();
        assert!(err.message.contains("only GET"), "{err}");
        let search = good.replace(
            "{method: GET, path: /Users}",
            "{method: POST, path: /Users/.search}",
        );
        assert!(parse_suite("demo.yaml", &search).is_ok());
    }

    #[test]
    fn burst_steps_are_bounded_and_read_only() {
        let with = |extra: &str| {
            GOOD.replace(
                "      - request: {method: GET, path: /Users}\n",
                &format!("      - request: {{method: GET, path: /Users}}\n{extra}"),
            )
        };
        let suite = parse_suite(
            "demo.yaml",
            &with("        burst: {requests: 75, rate: 25}\n"),
        )
        .unwrap();
        let burst = suite.checks[0].check.steps[0].burst.unwrap();
        assert_eq!(
            (burst.requests, burst.rate, burst.max_lag_ms),
            (75, 25.0, 1000)
        );
        for (extra, why) in [
            (
                "        burst: {requests: 0, rate: 25}\n",
                "between 1 and 1000",
            ),
            (
                "        burst: {requests: 1001, rate: 25}\n",
                "between 1 and 1000",
            ),
            ("        burst: {requests: 10, rate: 0}\n", "at most 200"),
            ("        burst: {requests: 10, rate: 201}\n", "at most 200"),
            (
                "        burst: {requests: 10, rate: 5}\n        retry_until: {timeout_ms: 100}\n",
                "cannot also poll",
            ),
            (
                "        burst: {requests: 10, rate: 5}\n        capture: {x: status}\n",
                "cannot also poll",
            ),
        ] {
            let err = parse_suite("demo.yaml", &with(extra)).unwrap_err();
            assert!(err.message.contains(why), "{extra}: {err}");
        }
        let write = with("        burst: {requests: 10, rate: 5}\n").replace(
            "{method: GET, path: /Users}",
            "{method: POST, path: /Users}",
        );
        let err = parse_suite("demo.yaml", &write).unwrap_err();
        assert!(err.message.contains("only GET"), "{err}");
    }

    #[test]
    fn user_suites_load_from_directories_and_duplicates_are_rejected() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.yaml"), GOOD).unwrap();
        std::fs::write(dir.path().join("notes.txt"), "ignored").unwrap();
        let suites = load_all(&[dir.path().to_path_buf()], false).unwrap();
        assert_eq!(suites.len(), 1);
        std::fs::write(
            dir.path().join("b.yaml"),
            GOOD.replace("id: demo\n", "id: demo2\n"),
        )
        .unwrap();
        let err = load_all(&[dir.path().to_path_buf()], false).unwrap_err();
        assert!(err.message.contains("already used"), "{err}");
        assert!(load_all(&[dir.path().join("missing.yaml")], false).is_err());
    }

    #[test]
    fn locate_finds_lines() {
        assert_eq!(locate("a\nbb\nccc", None, "cc"), (3, 1));
        assert_eq!(locate("id: x\nid: y\n  z", Some("id: y"), "z"), (3, 3));
        assert_eq!(offset_of("ab\ncd", 2, 2), 4);
    }
}

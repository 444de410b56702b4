//! Provisioning profiles: what a particular identity provider (Entra, Okta,
//! …) sends and relies on, as opposed to what the RFCs require. A profile is
//! a `profile.yaml` (its rules, sources and settings) plus the suites that
//! name it in their `profile:` key; all in the same declarative format, so
//! users can add their own. `rfc` is the implicit default profile: the
//! shipped RFC suites, judged against the requirement catalogue.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::model::Level;

/// The profile every suite without a `profile:` key belongs to.
pub const RFC_PROFILE: &str = "rfc";

/// A profile definition (`profile.yaml`).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileDef {
    /// The name used with `--profile`, e.g. `entra`.
    pub profile: String,
    /// Human-readable name, e.g. `Microsoft Entra ID provisioning`.
    pub title: String,
    /// What the profile checks and why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Where the profile's rules come from (documentation URLs).
    #[serde(default)]
    pub sources: Vec<String>,
    /// Values the profile's checks read as `{{ profile.NAME }}`.
    #[serde(default)]
    pub settings: IndexMap<String, Value>,
    /// The rules the profile's checks cite (instead of RFC catalogue ids).
    pub rules: Vec<ProfileRule>,
}

/// One thing an identity provider does or relies on.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ProfileRule {
    /// Unique within the profile, e.g. `ENTRA-TC-01`.
    pub id: String,
    /// How much it matters: a broken MUST is blocking (the IdP cannot
    /// provision), a SHOULD a warning, a MAY only reported.
    pub level: Level,
    /// What must hold, in a sentence.
    pub text: String,
    /// The documentation it comes from (URL, with the section if useful).
    pub source: String,
}

impl ProfileDef {
    pub fn rule(&self, id: &str) -> Option<&ProfileRule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// Structural checks the type system cannot express.
    pub fn validate(&self) -> Result<(), String> {
        let name =
            regex::Regex::new(r"^[a-z][a-z0-9-]*$").unwrap_or_else(|e| panic!("static regex: {e}"));
        if !name.is_match(&self.profile) || self.profile == RFC_PROFILE {
            return Err(format!(
                "profile name {:?}: lower-case letters, digits and '-', and not {RFC_PROFILE:?}",
                self.profile
            ));
        }
        if self.rules.is_empty() {
            return Err(format!("profile {:?} has no rules", self.profile));
        }
        let mut seen = std::collections::HashSet::new();
        for rule in &self.rules {
            if !seen.insert(rule.id.as_str()) {
                return Err(format!("rule id {:?} appears twice", rule.id));
            }
        }
        Ok(())
    }
}

/// The profiles known to a run: the built-in ones plus the user's.
#[derive(Debug, Clone, Default)]
pub struct Profiles {
    defs: Vec<ProfileDef>,
}

impl Profiles {
    pub fn new(defs: Vec<ProfileDef>) -> Result<Profiles, String> {
        let mut profiles = Profiles::default();
        for def in defs {
            profiles.add(def)?;
        }
        Ok(profiles)
    }

    pub fn add(&mut self, def: ProfileDef) -> Result<(), String> {
        def.validate()?;
        if self.get(&def.profile).is_some() {
            return Err(format!("profile {:?} is defined twice", def.profile));
        }
        self.defs.push(def);
        Ok(())
    }

    pub fn get(&self, name: &str) -> Option<&ProfileDef> {
        self.defs.iter().find(|d| d.profile == name)
    }

    pub fn all(&self) -> &[ProfileDef] {
        &self.defs
    }

    /// `rfc` and every defined profile name.
    pub fn names(&self) -> Vec<String> {
        std::iter::once(RFC_PROFILE.to_string())
            .chain(self.defs.iter().map(|d| d.profile.clone()))
            .collect()
    }
}

/// True for the file names that hold a profile definition, not a suite.
pub fn is_profile_file(name: &str) -> bool {
    matches!(name, "profile.yaml" | "profile.yml" | "profile.json")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(name: &str, rules: &[&str]) -> ProfileDef {
        ProfileDef {
            profile: name.to_string(),
            title: name.to_string(),
            description: None,
            sources: vec![],
            settings: IndexMap::new(),
            rules: rules
                .iter()
                .map(|id| ProfileRule {
                    id: id.to_string(),
                    level: Level::Must,
                    text: "t".into(),
                    source: "s".into(),
                })
                .collect(),
        }
    }

    #[test]
    fn names_rules_and_duplicates_are_checked() {
        assert!(def("entra", &["A"]).validate().is_ok());
        assert!(def("rfc", &["A"]).validate().is_err());
        assert!(def("Entra", &["A"]).validate().is_err());
        assert!(def("entra", &[]).validate().is_err());
        assert!(def("entra", &["A", "A"]).validate().is_err());
        let profiles = Profiles::new(vec![def("entra", &["A"])]).unwrap();
        assert_eq!(profiles.names(), ["rfc", "entra"]);
        assert!(Profiles::new(vec![def("x", &["A"]), def("x", &["B"])]).is_err());
    }
}

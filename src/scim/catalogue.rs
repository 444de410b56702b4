//! The requirement catalogue: one row per testable requirement of RFC 7643 and
//! RFC 7644, shipped as `suites/requirements.tsv` and compiled into the binary.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::suite::model::Level;

const CATALOGUE_TSV: &str = include_str!("../../suites/requirements.tsv");

#[derive(Debug, Clone, PartialEq)]
pub struct Requirement {
    pub id: String,
    pub rfc: u16,
    pub section: String,
    pub level: Level,
    /// What the requirement says, in short.
    pub text: String,
    /// How a black-box tester can observe it.
    pub how_to_test: String,
    /// What the server must offer for the requirement to apply.
    pub needs: String,
    /// `safe` (read-only) or `mutating`.
    pub mode: String,
    /// Why the requirement cannot be tested black-box over HTTP, if it cannot.
    pub untestable: Option<String>,
}

#[derive(Debug, Default)]
pub struct Catalogue {
    rows: Vec<Requirement>,
    by_id: HashMap<String, usize>,
}

#[derive(Debug, thiserror::Error)]
#[error("requirements.tsv line {line}: {message}")]
pub struct CatalogueError {
    pub line: usize,
    pub message: String,
}

impl Catalogue {
    /// The catalogue compiled into the binary.
    pub fn builtin() -> &'static Catalogue {
        static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
        CATALOGUE.get_or_init(|| {
            // The shipped file is checked by a unit test, so a parse error here
            // is a build defect, not user input.
            Catalogue::parse(CATALOGUE_TSV).unwrap_or_else(|err| panic!("{err}"))
        })
    }

    pub fn parse(text: &str) -> Result<Catalogue, CatalogueError> {
        let mut catalogue = Catalogue::default();
        for (index, line) in text.lines().enumerate().skip(1) {
            if line.trim().is_empty() {
                continue;
            }
            let fields: Vec<&str> = line.split('\t').collect();
            let err = |message: String| CatalogueError {
                line: index + 1,
                message,
            };
            if fields.len() < 8 {
                return Err(err(format!("expected 8 columns, found {}", fields.len())));
            }
            let rfc = fields[1]
                .parse()
                .map_err(|_| err(format!("bad RFC number {:?}", fields[1])))?;
            let level =
                Level::parse(fields[3]).ok_or_else(|| err(format!("bad level {:?}", fields[3])))?;
            let row = Requirement {
                id: fields[0].to_string(),
                rfc,
                section: fields[2].to_string(),
                level,
                text: fields[4].to_string(),
                how_to_test: fields[5].to_string(),
                needs: fields[6].to_string(),
                mode: fields[7].to_string(),
                untestable: fields
                    .get(8)
                    .map(|reason| reason.trim())
                    .filter(|reason| !reason.is_empty())
                    .map(str::to_string),
            };
            if catalogue.by_id.contains_key(&row.id) {
                return Err(err(format!("duplicate id {}", row.id)));
            }
            catalogue.by_id.insert(row.id.clone(), catalogue.rows.len());
            catalogue.rows.push(row);
        }
        Ok(catalogue)
    }

    pub fn get(&self, id: &str) -> Option<&Requirement> {
        self.by_id.get(id).map(|&index| &self.rows[index])
    }

    pub fn rows(&self) -> &[Requirement] {
        &self.rows
    }
}

/// Orders dotted section numbers numerically ("3.4.10" after "3.4.2").
pub fn section_key(section: &str) -> Vec<u32> {
    section
        .split('.')
        .map(|part| part.parse().unwrap_or(u32::MAX))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalogue_parses_and_has_known_rows() {
        let catalogue = Catalogue::parse(CATALOGUE_TSV).expect("shipped catalogue parses");
        assert!(catalogue.rows().len() > 300);
        let row = catalogue.get("P-3.3-02").expect("P-3.3-02 present");
        assert_eq!(row.rfc, 7644);
        assert_eq!(row.section, "3.3");
        assert_eq!(row.level, Level::Must);
        assert!(row.untestable.is_none());
        assert!(catalogue.get("P-3.12-12").unwrap().untestable.is_some());
    }

    #[test]
    fn malformed_rows_are_reported_with_line_numbers() {
        let err = Catalogue::parse("header\nX-1\t7644\t3\tMUST\n").unwrap_err();
        assert_eq!(err.line, 2);
        let err = Catalogue::parse("header\nX-1\t7644\t3\tPERHAPS\ta\tb\tc\td\n").unwrap_err();
        assert!(err.message.contains("bad level"));
    }

    #[test]
    fn sections_sort_numerically() {
        let mut sections = vec!["3.4.10", "3.4.2", "3", "10"];
        sections.sort_by_key(|s| section_key(s));
        assert_eq!(sections, vec!["3", "3.4.2", "3.4.10", "10"]);
    }
}

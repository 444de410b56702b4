//! The check engine: runs one check's steps against a target and decides its verdict.

mod burst;
mod check;
pub mod includes;
pub mod matchers;
pub mod path;
pub mod predicate;
#[cfg(test)]
mod proptests;
pub mod template;

pub use check::{CheckEnv, run_check};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One broken expectation: where, what was expected, what was found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Mismatch {
    /// What was examined: `status`, `header Location`, `body.meta.location`.
    pub path: String,
    pub expected: String,
    pub actual: String,
}

impl Mismatch {
    pub fn new(
        path: impl Into<String>,
        expected: impl Into<String>,
        actual: impl Into<String>,
    ) -> Mismatch {
        Mismatch {
            path: path.into(),
            expected: expected.into(),
            actual: actual.into(),
        }
    }
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: expected {}, got {}",
            self.path, self.expected, self.actual
        )
    }
}

//! SCIM filter grammar (RFC 7644 §3.4.2.2) and PATCH paths (§3.5.2): parser and evaluator.
//!
//! One parser ([`parse_filter`], [`parse_patch_path`]) and one evaluator
//! ([`matches()`]) shared by the tester, which uses them to prove a server's
//! filtered results right, and the reference server, which uses them to
//! answer queries. Both must agree, so there is deliberately no second
//! implementation anywhere.
//!
//! The input is untrusted: parsing never panics, bounds nesting
//! ([`MAX_DEPTH`]) and the number of logical operators
//! ([`MAX_LOGICAL_OPERATORS`]), and reports errors with the character
//! position where the text went wrong.
//!
//! ```
//! use scimspec::scim::filter::{matches, parse_filter, NoSchema};
//!
//! let filter = parse_filter(r#"emails[type eq "work" and value co "@example.com"]"#)?;
//! let user = serde_json::json!({
//!     "userName": "bjensen",
//!     "emails": [{"type": "work", "value": "bjensen@example.com"}],
//! });
//! assert!(matches(&filter, &user, &NoSchema)?);
//! # Ok::<(), scimspec::scim::filter::FilterError>(())
//! ```

mod ast;
mod eval;
mod parser;
#[cfg(test)]
mod proptests;

pub use ast::{AttrPath, CompValue, CompareOp, Filter, PatchPath};
pub use eval::{AttrInfo, AttrType, NoSchema, SchemaFn, SchemaInfo, matches};
pub use parser::{MAX_DEPTH, MAX_LOGICAL_OPERATORS};

/// A filter or path that cannot be parsed, or a filter that cannot be
/// evaluated; either way a SCIM "invalidFilter" (or, for PATCH paths,
/// "invalidPath") condition.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid filter at character {position}: {message}")]
pub struct FilterError {
    /// 0-based position, in characters (not bytes), of the offending text;
    /// 0 for evaluation errors, which are not tied to a place in the text.
    pub position: usize,
    pub message: String,
}

/// Parses a filter expression (the `filter` query parameter, already
/// URL-decoded). Leading and trailing whitespace is allowed.
pub fn parse_filter(input: &str) -> Result<Filter, FilterError> {
    parser::parse_filter(input)
}

/// Parses the `path` of a PATCH operation (RFC 7644 §3.5.2), e.g.
/// `emails[type eq "work"].value`. No surrounding whitespace is allowed.
///
/// A bare extension URN (`urn:…:enterprise:2.0:User`) is, per the grammar,
/// read as the attribute `User` of schema `urn:…:enterprise:2.0`; a server
/// that supports such paths has to recognise that shape itself.
pub fn parse_patch_path(input: &str) -> Result<PatchPath, FilterError> {
    parser::parse_patch_path(input)
}

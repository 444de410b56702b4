//! The syntax tree shared by filters (RFC 7644 §3.4.2.2) and PATCH paths
//! (§3.5.2), and its canonical text form.
//!
//! `Display` writes the canonical form: lower-case operators, single spaces,
//! JSON literals, `not (…)` and only the parentheses the tree needs. Parsing
//! that text gives back an equal tree, so a filter can be logged, sent to a
//! server or compared without losing meaning.

use std::fmt::{self, Display, Formatter, Write as _};

/// `[URI ":"] ATTRNAME *1subAttr`: an attribute, optionally qualified by the
/// schema URN it belongs to, optionally narrowed to one sub-attribute.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AttrPath {
    /// Schema URN, e.g. `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`.
    pub urn: Option<String>,
    /// Attribute name as written (names are matched case-insensitively).
    pub name: String,
    /// Sub-attribute name as written, e.g. `familyName` in `name.familyName`.
    pub sub_attr: Option<String>,
}

impl AttrPath {
    /// An unqualified attribute without sub-attribute, e.g. `userName`.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            urn: None,
            name: name.into(),
            sub_attr: None,
        }
    }

    /// The same path narrowed to `sub_attr`, e.g. `name` → `name.familyName`.
    pub fn with_sub_attr(mut self, sub_attr: impl Into<String>) -> Self {
        self.sub_attr = Some(sub_attr.into());
        self
    }

    /// The same path qualified by a schema URN.
    pub fn with_urn(mut self, urn: impl Into<String>) -> Self {
        self.urn = Some(urn.into());
        self
    }
}

impl Display for AttrPath {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if let Some(urn) = &self.urn {
            write!(f, "{urn}:")?;
        }
        f.write_str(&self.name)?;
        if let Some(sub) = &self.sub_attr {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

/// The attribute operators of Table 3 that take a value (`pr` is
/// [`Filter::Present`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompareOp {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

impl CompareOp {
    /// All operators, in the order of Table 3.
    pub const ALL: [CompareOp; 9] = [
        CompareOp::Eq,
        CompareOp::Ne,
        CompareOp::Co,
        CompareOp::Sw,
        CompareOp::Ew,
        CompareOp::Gt,
        CompareOp::Ge,
        CompareOp::Lt,
        CompareOp::Le,
    ];

    /// The canonical (lower-case) keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "eq",
            CompareOp::Ne => "ne",
            CompareOp::Co => "co",
            CompareOp::Sw => "sw",
            CompareOp::Ew => "ew",
            CompareOp::Gt => "gt",
            CompareOp::Ge => "ge",
            CompareOp::Lt => "lt",
            CompareOp::Le => "le",
        }
    }

    /// The operator for a keyword; operators are case-insensitive (§3.4.2.2).
    pub fn from_keyword(word: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|op| op.as_str().eq_ignore_ascii_case(word))
    }

    /// `gt`, `ge`, `lt` and `le`: the operators that need an order, and so
    /// fail on Boolean and Binary attributes.
    pub fn is_ordering(self) -> bool {
        matches!(
            self,
            CompareOp::Gt | CompareOp::Ge | CompareOp::Lt | CompareOp::Le
        )
    }
}

impl Display for CompareOp {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `compValue = false / null / true / number / string` (JSON rules).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CompValue {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(String),
}

impl Display for CompValue {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            CompValue::Null => f.write_str("null"),
            CompValue::Bool(value) => write!(f, "{value}"),
            CompValue::Number(value) => write!(f, "{value}"),
            CompValue::String(value) => write_json_string(f, value),
        }
    }
}

/// Writes `text` as a JSON string literal. Hand-written rather than through
/// serde_json so that `Display` cannot fail.
fn write_json_string(f: &mut Formatter<'_>, text: &str) -> fmt::Result {
    f.write_char('"')?;
    for c in text.chars() {
        match c {
            '"' => f.write_str("\\\"")?,
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            '\r' => f.write_str("\\r")?,
            '\t' => f.write_str("\\t")?,
            '\u{08}' => f.write_str("\\b")?,
            '\u{0C}' => f.write_str("\\f")?,
            c if u32::from(c) < 0x20 => write!(f, "\\u{:04x}", u32::from(c))?,
            c => f.write_char(c)?,
        }
    }
    f.write_char('"')
}

/// A parsed filter. Grouping parentheses leave no node: they only shape the
/// tree. `and` and `or` chains are left-associative (`a or b or c` is
/// `Or(Or(a, b), c)`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Filter {
    /// `attrPath SP compareOp SP compValue`
    Compare {
        path: AttrPath,
        op: CompareOp,
        value: CompValue,
    },
    /// `attrPath SP "pr"`
    Present(AttrPath),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    /// attrPath "[" valFilter "]" — inner filter applies to each element of the multi-valued attribute
    ValuePath {
        path: AttrPath,
        filter: Box<Filter>,
    },
}

impl Filter {
    /// `left and right`
    pub fn and(left: Filter, right: Filter) -> Filter {
        Filter::And(Box::new(left), Box::new(right))
    }

    /// `left or right`
    pub fn or(left: Filter, right: Filter) -> Filter {
        Filter::Or(Box::new(left), Box::new(right))
    }

    /// `not (inner)`; named `negate` so it does not shadow `std::ops::Not`.
    pub fn negate(inner: Filter) -> Filter {
        Filter::Not(Box::new(inner))
    }

    /// `path op value`
    pub fn compare(path: AttrPath, op: CompareOp, value: CompValue) -> Filter {
        Filter::Compare { path, op, value }
    }

    /// For `and` and `or`: the operands of the left-leaning chain this node
    /// heads, left to right (`a and b and c` gives `[a, b, c]`; a
    /// parenthesised right operand stays one operand). For other nodes: the
    /// node itself.
    ///
    /// Chains can be [`MAX_LOGICAL_OPERATORS`](super::MAX_LOGICAL_OPERATORS)
    /// long, while nesting is bounded far lower; code that walks a chain in
    /// a loop instead of recursing down it keeps its stack use small.
    pub fn chain(&self) -> Vec<&Filter> {
        let mut rights = Vec::new();
        let mut node = self;
        while let Some((left, right)) = split_same_operator(self, node) {
            rights.push(right);
            node = left;
        }
        rights.push(node);
        rights.reverse();
        rights
    }
}

/// `node`'s operands if it is the same logical operator as `head`.
fn split_same_operator<'f>(head: &Filter, node: &'f Filter) -> Option<(&'f Filter, &'f Filter)> {
    match (head, node) {
        (Filter::And(..), Filter::And(left, right)) | (Filter::Or(..), Filter::Or(left, right)) => {
            Some((left, right))
        }
        _ => None,
    }
}

impl std::str::FromStr for Filter {
    type Err = super::FilterError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        super::parse_filter(text)
    }
}

impl Display for Filter {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Filter::Compare { path, op, value } => write!(f, "{path} {op} {value}"),
            Filter::Present(path) => write!(f, "{path} pr"),
            // `and` binds tighter than `or`, and chains associate to the
            // left: after the first operand, an operand of the same
            // operator (or, under `and`, an `or`) needs parentheses.
            Filter::And(..) => write_chain(f, self, " and ", |operand, first| {
                matches!(operand, Filter::Or(..)) || (!first && matches!(operand, Filter::And(..)))
            }),
            Filter::Or(..) => write_chain(f, self, " or ", |operand, first| {
                !first && matches!(operand, Filter::Or(..))
            }),
            Filter::Not(inner) => write!(f, "not ({inner})"),
            Filter::ValuePath { path, filter } => write!(f, "{path}[{filter}]"),
        }
    }
}

/// Writes the operands of a chain in a loop rather than recursing down its
/// left spine (see [`Filter::chain`]).
fn write_chain(
    f: &mut Formatter<'_>,
    chain: &Filter,
    separator: &str,
    parenthesise: impl Fn(&Filter, bool) -> bool,
) -> fmt::Result {
    for (index, operand) in chain.chain().into_iter().enumerate() {
        if index > 0 {
            f.write_str(separator)?;
        }
        if parenthesise(operand, index == 0) {
            write!(f, "({operand})")?;
        } else {
            write!(f, "{operand}")?;
        }
    }
    Ok(())
}

/// `PATH = attrPath / valuePath [subAttr]` (RFC 7644 §3.5.2).
///
/// `name.givenName` is `attr = name.givenName` with no filter;
/// `emails[type eq "work"].value` is `attr = emails`, the filter, and
/// `sub_attr = value`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PatchPath {
    pub attr: AttrPath,
    pub value_filter: Option<Filter>,
    /// The sub-attribute after the closing `]`.
    pub sub_attr: Option<String>,
}

impl std::str::FromStr for PatchPath {
    type Err = super::FilterError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        super::parse_patch_path(text)
    }
}

impl Display for PatchPath {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.attr)?;
        if let Some(filter) = &self.value_filter {
            write!(f, "[{filter}]")?;
        }
        if let Some(sub) = &self.sub_attr {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn present(name: &str) -> Filter {
        Filter::Present(AttrPath::new(name))
    }

    #[test]
    fn attr_path_display_includes_urn_and_sub_attribute() {
        let path = AttrPath::new("manager")
            .with_urn("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")
            .with_sub_attr("value");
        assert_eq!(
            path.to_string(),
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value"
        );
    }

    #[test]
    fn comp_values_display_as_json() {
        assert_eq!(CompValue::Null.to_string(), "null");
        assert_eq!(CompValue::Bool(true).to_string(), "true");
        assert_eq!(CompValue::Number(42.into()).to_string(), "42");
        assert_eq!(
            CompValue::String("a\"b\\c\n\u{1}é".into()).to_string(),
            r#""a\"b\\c\n\u0001é""#
        );
    }

    #[test]
    fn display_adds_only_the_parentheses_the_tree_needs() {
        let (a, b, c) = (present("a"), present("b"), present("c"));
        let cases = [
            (
                Filter::or(a.clone(), Filter::and(b.clone(), c.clone())),
                "a pr or b pr and c pr",
            ),
            (
                Filter::and(Filter::or(a.clone(), b.clone()), c.clone()),
                "(a pr or b pr) and c pr",
            ),
            (
                Filter::or(Filter::or(a.clone(), b.clone()), c.clone()),
                "a pr or b pr or c pr",
            ),
            (
                Filter::or(a.clone(), Filter::or(b.clone(), c.clone())),
                "a pr or (b pr or c pr)",
            ),
            (
                Filter::and(a.clone(), Filter::and(b.clone(), c.clone())),
                "a pr and (b pr and c pr)",
            ),
            (Filter::negate(a.clone()), "not (a pr)"),
        ];
        for (filter, text) in cases {
            assert_eq!(filter.to_string(), text);
        }
    }

    #[test]
    fn chain_lists_operands_left_to_right() {
        let (a, b, c) = (present("a"), present("b"), present("c"));
        let left = Filter::and(Filter::and(a.clone(), b.clone()), c.clone());
        assert_eq!(left.chain(), vec![&a, &b, &c]);
        let grouped = Filter::and(a.clone(), Filter::and(b.clone(), c.clone()));
        assert_eq!(grouped.chain().len(), 2);
        let mixed = Filter::or(Filter::and(a.clone(), b.clone()), c.clone());
        assert_eq!(mixed.chain().len(), 2);
        assert_eq!(a.chain(), vec![&a]);
    }

    #[test]
    fn operator_keywords_are_case_insensitive() {
        for op in CompareOp::ALL {
            assert_eq!(
                CompareOp::from_keyword(&op.as_str().to_uppercase()),
                Some(op)
            );
        }
        assert_eq!(CompareOp::from_keyword("pr"), None);
        assert_eq!(CompareOp::from_keyword("regex"), None);
    }
}

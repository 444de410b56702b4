//! The one parser for SCIM filters (RFC 7644 §3.4.2.2, Figure 1) and PATCH
//! paths (§3.5.2), built on `winnow`.
//!
//! Grammar as implemented (`ws` is one or more of space, tab, CR, LF; the RFC
//! has a single SP, and accepting more costs nothing):
//!
//! ```text
//! filter    = [ws] or-expr [ws]
//! or-expr   = and-expr *(ws "or" ws and-expr)           ; left-associative
//! and-expr  = term *(ws "and" ws term)                   ; left-associative
//! term      = "not" [ws] "(" group | "(" group | attrPath "[" valFilter "]" | attrExp
//! group     = [ws] or-expr [ws] ")"
//! valFilter = [ws] or-expr [ws]                          ; may nest value paths
//! attrExp   = attrPath ws "pr" | attrPath ws compareOp ws compValue
//! attrPath  = [URI ":"] ATTRNAME ["." ATTRNAME]          ; URI split at the last ':'
//! ATTRNAME  = ALPHA *("-" / "_" / DIGIT / ALPHA) | "$ref"
//! patchPath = attrPath [ "[" valFilter "]" ["." ATTRNAME] ]   ; no surrounding ws
//! ```
//!
//! Keywords and operators are case-insensitive; JSON literals are not. Input
//! is untrusted: nesting of `(`, `not (` and `[` is bounded by [`MAX_DEPTH`]
//! and the number of `and`/`or` operators by [`MAX_LOGICAL_OPERATORS`], so
//! that neither the parser nor the recursive code that later walks the tree
//! (evaluation, `Display`, `Drop`) can exhaust the stack.

use super::FilterError;
use super::ast::{AttrPath, CompValue, CompareOp, Filter, PatchPath};
use std::borrow::Cow;
use std::cell::Cell;
use winnow::ascii::{Caseless, digit0, digit1};
use winnow::combinator::{alt, opt};
use winnow::error::{ErrMode, ParserError};
use winnow::prelude::*;
use winnow::token::{any, literal, one_of, take, take_till, take_while};

/// Deepest nesting of `(`, `not (` and `[` accepted.
pub const MAX_DEPTH: usize = 64;

/// Most `and`/`or` operators accepted in one filter. Chains are
/// left-associative, so this also bounds the depth of the tree.
pub const MAX_LOGICAL_OPERATORS: usize = 1000;

/// Longest excerpt of the input quoted back in an error message.
const EXCERPT_CHARS: usize = 32;

type Input<'i> = &'i str;
type PResult<T> = Result<T, ErrMode<SyntaxError>>;

/// The parser's error: where (as the length of the input left, which
/// survives backtracking unchanged) and what was wrong.
#[derive(Debug, Clone)]
pub(crate) struct SyntaxError {
    remaining: usize,
    message: Option<Cow<'static, str>>,
}

impl<'i> ParserError<Input<'i>> for SyntaxError {
    type Inner = Self;

    fn from_input(input: &Input<'i>) -> Self {
        Self {
            remaining: input.len(),
            message: None,
        }
    }

    /// winnow's default panics in debug builds when a combinator is misused;
    /// this parser must never panic, so report it as an error instead.
    fn assert(input: &Input<'i>, message: &'static str) -> Self
    where
        Input<'i>: std::fmt::Debug,
    {
        Self {
            remaining: input.len(),
            message: Some(Cow::Owned(format!("internal parser error: {message}"))),
        }
    }

    /// Of two failed alternatives, report the one that got further.
    fn or(self, other: Self) -> Self {
        let other_is_better = other.remaining < self.remaining
            || (other.remaining == self.remaining && self.message.is_none());
        if other_is_better { other } else { self }
    }

    fn into_inner(self) -> Result<Self::Inner, Self> {
        Ok(self)
    }
}

/// A committed failure at the point where `remaining` bytes of input were
/// left.
fn fail<T>(remaining: usize, message: impl Into<Cow<'static, str>>) -> PResult<T> {
    Err(ErrMode::Cut(SyntaxError {
        remaining,
        message: Some(message.into()),
    }))
}

/// Parses a complete filter expression.
pub(crate) fn parse_filter(source: &str) -> Result<Filter, FilterError> {
    let parser = FilterParser::new(source);
    let mut input = source;
    parser
        .filter(&mut input)
        .map_err(|err| parser.to_filter_error(err))
}

/// Parses a complete PATCH operation path.
pub(crate) fn parse_patch_path(source: &str) -> Result<PatchPath, FilterError> {
    let parser = FilterParser::new(source);
    let mut input = source;
    parser
        .patch_path(&mut input)
        .map_err(|err| parser.to_filter_error(err))
}

/// Per-parse state: the whole input (to turn offsets into character
/// positions for messages) and the logical-operator budget.
struct FilterParser<'s> {
    source: &'s str,
    operators: Cell<usize>,
}

impl<'s> FilterParser<'s> {
    fn new(source: &'s str) -> Self {
        Self {
            source,
            operators: Cell::new(0),
        }
    }

    /// 0-based character (not byte) position of the point where `remaining`
    /// bytes were left.
    fn char_position(&self, remaining: usize) -> usize {
        let byte = self.source.len().saturating_sub(remaining);
        self.source
            .char_indices()
            .take_while(|(index, _)| *index < byte)
            .count()
    }

    fn to_filter_error(&self, err: ErrMode<SyntaxError>) -> FilterError {
        let err = match err {
            ErrMode::Backtrack(err) | ErrMode::Cut(err) => err,
            ErrMode::Incomplete(_) => SyntaxError {
                remaining: 0,
                message: Some(Cow::Borrowed("incomplete input")),
            },
        };
        FilterError {
            position: self.char_position(err.remaining),
            message: err
                .message
                .map_or_else(|| "syntax error".to_owned(), Cow::into_owned),
        }
    }

    // ---- filters -------------------------------------------------------

    fn filter(&self, i: &mut Input<'s>) -> PResult<Filter> {
        ws0(i)?;
        let filter = self.or_expr(i, 0)?;
        ws0(i)?;
        end_of_input(i, "expected 'and', 'or' or the end of the filter")?;
        Ok(filter)
    }

    fn or_expr(&self, i: &mut Input<'s>, depth: usize) -> PResult<Filter> {
        let mut left = self.and_expr(i, depth)?;
        while self.logical_keyword(i, "or")? {
            let right = self.and_expr(i, depth)?;
            left = Filter::or(left, right);
        }
        Ok(left)
    }

    fn and_expr(&self, i: &mut Input<'s>, depth: usize) -> PResult<Filter> {
        let mut left = self.term(i, depth)?;
        while self.logical_keyword(i, "and")? {
            let right = self.term(i, depth)?;
            left = Filter::and(left, right);
        }
        Ok(left)
    }

    /// Consumes `ws keyword ws` and answers true, or consumes nothing and
    /// answers false. Once the keyword is seen the filter is committed to it.
    fn logical_keyword(&self, i: &mut Input<'s>, keyword: &'static str) -> PResult<bool> {
        let seen = opt((
            ws1,
            literal(Caseless(keyword)),
            winnow::combinator::not(one_of(is_name_char)),
        ))
        .parse_next(i)?;
        if seen.is_none() {
            return Ok(false);
        }
        let used = self.operators.get() + 1;
        if used > MAX_LOGICAL_OPERATORS {
            return fail(
                i.len() + keyword.len(),
                format!("more than {MAX_LOGICAL_OPERATORS} 'and'/'or' operators"),
            );
        }
        self.operators.set(used);
        if opt(ws1).parse_next(i)?.is_none() {
            return fail(i.len(), format!("expected a space after '{keyword}'"));
        }
        Ok(true)
    }

    fn term(&self, i: &mut Input<'s>, depth: usize) -> PResult<Filter> {
        let start = i.len();
        // Errata 7319: both `not (` and `not(`.
        if opt((literal(Caseless("not")), ws0, '('))
            .parse_next(i)?
            .is_some()
        {
            let open = i.len() + 1;
            let inner = self.group(i, depth, open, ')')?;
            return Ok(Filter::negate(inner));
        }
        if opt('(').parse_next(i)?.is_some() {
            return self.group(i, depth, start, ')');
        }
        self.attr_expr(i, depth)
    }

    /// The inside of `( … )` or `[ … ]`, after the opening bracket, which
    /// was at `open` (remaining bytes).
    fn group(&self, i: &mut Input<'s>, depth: usize, open: usize, close: char) -> PResult<Filter> {
        if depth >= MAX_DEPTH {
            return fail(open, format!("nesting deeper than {MAX_DEPTH} levels"));
        }
        ws0(i)?;
        let inner = self.or_expr(i, depth + 1)?;
        ws0(i)?;
        if opt(close).parse_next(i)?.is_none() {
            let opener = if close == ')' { '(' } else { '[' };
            return fail(
                i.len(),
                format!(
                    "expected '{close}' to close the '{opener}' at character {}",
                    self.char_position(open)
                ),
            );
        }
        Ok(inner)
    }

    fn attr_expr(&self, i: &mut Input<'s>, depth: usize) -> PResult<Filter> {
        let path = attr_path(i)?;
        if i.starts_with('[') {
            let open = i.len();
            '['.parse_next(i)?;
            let filter = self.group(i, depth, open, ']')?;
            // `emails[type eq "work"].value eq "x"`: not in the RFC 7644
            // ABNF, but the form Microsoft Entra ID documents for matching
            // by work email. It means `emails[type eq "work" and value eq "x"]`.
            if opt('.').parse_next(i)?.is_some() {
                let sub = AttrPath::new(sub_attr_name(i)?);
                let condition = self.operator_expr(i, sub)?;
                return Ok(Filter::ValuePath {
                    path,
                    filter: Box::new(Filter::and(filter, condition)),
                });
            }
            return Ok(Filter::ValuePath {
                path,
                filter: Box::new(filter),
            });
        }
        self.operator_expr(i, path)
    }

    /// `ws "pr"` or `ws compareOp ws compValue`, after the attribute path.
    fn operator_expr(&self, i: &mut Input<'s>, path: AttrPath) -> PResult<Filter> {
        if opt(ws1).parse_next(i)?.is_none() {
            return fail(
                i.len(),
                "expected a space and an operator after the attribute path",
            );
        }
        let op_start = i.len();
        let Some(word) = opt(take_while(1.., is_name_char)).parse_next(i)? else {
            return fail(
                op_start,
                "expected an operator: eq, ne, co, sw, ew, gt, ge, lt, le or pr",
            );
        };
        if word.eq_ignore_ascii_case("pr") {
            return Ok(Filter::Present(path));
        }
        let Some(op) = CompareOp::from_keyword(word) else {
            return fail(
                op_start,
                format!("unsupported operator '{}'", excerpt(word)),
            );
        };
        if opt(ws1).parse_next(i)?.is_none() {
            return fail(
                i.len(),
                format!("expected a space and a value after '{op}'"),
            );
        }
        let value = comp_value(i)?;
        Ok(Filter::Compare { path, op, value })
    }

    // ---- PATCH paths ---------------------------------------------------

    fn patch_path(&self, i: &mut Input<'s>) -> PResult<PatchPath> {
        let attr = attr_path(i)?;
        let mut path = PatchPath {
            attr,
            value_filter: None,
            sub_attr: None,
        };
        if i.starts_with('[') {
            let open = i.len();
            '['.parse_next(i)?;
            if i.starts_with(|c: char| c.is_ascii_digit()) {
                return fail(
                    i.len(),
                    "array indexes are not supported in SCIM paths; use a value filter such as emails[type eq \"work\"]",
                );
            }
            path.value_filter = Some(self.group(i, 0, open, ']')?);
            if opt('.').parse_next(i)?.is_some() {
                path.sub_attr = Some(sub_attr_name(i)?);
            }
        }
        if !i.is_empty() {
            return fail(
                i.len(),
                format!("unexpected '{}' after the path", excerpt(i)),
            );
        }
        Ok(path)
    }
}

// ---- tokens ------------------------------------------------------------

fn is_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

fn ws0<'i>(i: &mut Input<'i>) -> PResult<&'i str> {
    take_while(0.., is_ws).parse_next(i)
}

fn ws1<'i>(i: &mut Input<'i>) -> PResult<&'i str> {
    take_while(1.., is_ws).parse_next(i)
}

/// `nameChar` plus ALPHA: the characters of ATTRNAME and of keywords.
fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// Characters that may belong to an attribute path token. Deliberately
/// broad: the token is cut at the delimiters of the grammar and then
/// checked piece by piece, which gives precise messages.
fn is_path_char(c: char) -> bool {
    !is_ws(c) && !matches!(c, '(' | ')' | '[' | ']' | '"')
}

/// Characters accepted in a schema URI (RFC 3986 unreserved, sub-delims,
/// `:`, `/`, `?`, `#`, `@` and `%`).
fn is_uri_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._~:/?#@!$&'*+,;=%".contains(c)
}

/// Quotes at most [`EXCERPT_CHARS`] characters of untrusted text.
fn excerpt(text: &str) -> Cow<'_, str> {
    match text.char_indices().nth(EXCERPT_CHARS) {
        Some((cut, _)) => Cow::Owned(format!("{}…", &text[..cut])),
        None => Cow::Borrowed(text),
    }
}

fn end_of_input(i: &mut Input<'_>, message: &'static str) -> PResult<()> {
    match i.chars().next() {
        None => Ok(()),
        Some(')') => fail(i.len(), "unbalanced ')'"),
        Some(']') => fail(i.len(), "unbalanced ']'"),
        Some(_) => fail(i.len(), message),
    }
}

// ---- attribute paths ---------------------------------------------------

fn attr_path(i: &mut Input<'_>) -> PResult<AttrPath> {
    let start = i.len();
    let Some(token) = opt(take_while(1.., is_path_char)).parse_next(i)? else {
        let message = if i.is_empty() {
            "expected an attribute path"
        } else {
            "expected an attribute path, '(' or 'not ('"
        };
        return fail(start, message);
    };
    split_attr_path(token).or_else(|(offset, message)| fail(start - offset, message))
}

/// Splits `[URI ":"] ATTRNAME ["." ATTRNAME]`. The URI itself contains `:`
/// and `.` (`…:core:2.0:User`), so it ends at the last `:`. Errors carry the
/// byte offset of the offending character within `token`.
fn split_attr_path(token: &str) -> Result<AttrPath, (usize, String)> {
    let (urn, rest, rest_offset) = match token.rsplit_once(':') {
        Some((urn, rest)) => {
            check_urn(urn)?;
            (Some(urn.to_owned()), rest, urn.len() + 1)
        }
        None => (None, token, 0),
    };
    let (name, sub_attr) = match rest.split_once('.') {
        Some((name, sub)) => (name, Some(sub)),
        None => (rest, None),
    };
    check_name(name).map_err(|(offset, message)| (rest_offset + offset, message))?;
    if let Some(sub) = sub_attr {
        let sub_offset = rest_offset + name.len() + 1;
        check_name(sub).map_err(|(offset, message)| (sub_offset + offset, message))?;
    }
    Ok(AttrPath {
        urn,
        name: name.to_owned(),
        sub_attr: sub_attr.map(str::to_owned),
    })
}

fn check_urn(urn: &str) -> Result<(), (usize, String)> {
    if !urn.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return Err((0, "a schema URN must start with a letter".to_owned()));
    }
    match urn.char_indices().find(|(_, c)| !is_uri_char(*c)) {
        Some((offset, c)) => Err((offset, format!("invalid character '{c}' in schema URN"))),
        None => Ok(()),
    }
}

/// `ATTRNAME = ALPHA *(nameChar)`, or `$ref` (RFC 7643 §2.3.7 reference
/// sub-attribute).
fn check_name(name: &str) -> Result<(), (usize, String)> {
    if name.eq_ignore_ascii_case("$ref") {
        return Ok(());
    }
    let mut chars = name.char_indices();
    match chars.next() {
        None => return Err((0, "expected an attribute name".to_owned())),
        Some((_, c)) if c.is_ascii_alphabetic() => {}
        Some((_, c)) => {
            return Err((
                0,
                format!("an attribute name must start with a letter, not '{c}'"),
            ));
        }
    }
    match chars.find(|(_, c)| !is_name_char(*c)) {
        Some((offset, '.')) => Err((
            offset,
            "an attribute path has at most one sub-attribute".to_owned(),
        )),
        Some((offset, c)) => Err((offset, format!("invalid character '{c}' in attribute name"))),
        None => Ok(()),
    }
}

/// The ATTRNAME after `].` in a PATCH path.
fn sub_attr_name(i: &mut Input<'_>) -> PResult<String> {
    let start = i.len();
    let token = take_while(0.., is_path_char).parse_next(i)?;
    match check_name(token) {
        Ok(()) => Ok(token.to_owned()),
        Err((offset, message)) => fail(start - offset, message),
    }
}

// ---- values ------------------------------------------------------------

/// `compValue`, which must be followed by whitespace, a closing bracket or
/// the end, so that `"a"b` or `12abc` are rejected here with a clear message.
fn comp_value(i: &mut Input<'_>) -> PResult<CompValue> {
    let start = i.len();
    let value = match i.chars().next() {
        Some('"') => CompValue::String(json_string(i)?),
        Some(c) if c == '-' || c.is_ascii_digit() => CompValue::Number(json_number(i)?),
        Some(c) if c.is_ascii_alphabetic() => json_literal(i)?,
        Some('\'') => return fail(start, "string values must be enclosed in double quotes"),
        None => return fail(start, "expected a value"),
        Some(_) => {
            return fail(
                start,
                "expected a value: a double-quoted string, a number, true, false or null",
            );
        }
    };
    match i.chars().next() {
        None => Ok(value),
        Some(c) if is_ws(c) || c == ')' || c == ']' => Ok(value),
        Some(_) => fail(i.len(), "unexpected character after the value"),
    }
}

/// `true`, `false` or `null`, lower case as in JSON.
fn json_literal(i: &mut Input<'_>) -> PResult<CompValue> {
    let start = i.len();
    let word = take_while(1.., is_name_char).parse_next(i)?;
    match word {
        "true" => Ok(CompValue::Bool(true)),
        "false" => Ok(CompValue::Bool(false)),
        "null" => Ok(CompValue::Null),
        _ => fail(
            start,
            format!(
                "expected a value but found '{}': strings need double quotes; true, false and null are lower case",
                excerpt(word)
            ),
        ),
    }
}

/// A JSON number. Parsed with the standard library (correctly rounded), so
/// that `Display` of the result parses back to the same number.
fn json_number(i: &mut Input<'_>) -> PResult<serde_json::Number> {
    let start = i.len();
    let text = (
        opt('-'),
        alt(("0", (one_of('1'..='9'), digit0).take())),
        opt(('.', digit1)),
        opt((one_of(['e', 'E']), opt(one_of(['+', '-'])), digit1)),
    )
        .take()
        .parse_next(i)
        .or_else(|_: ErrMode<SyntaxError>| fail(start, "invalid number"))?;
    number_from_text(text).map_or_else(|| fail(start, "number out of range"), Ok)
}

fn number_from_text(text: &str) -> Option<serde_json::Number> {
    let is_integer = !text.contains(['.', 'e', 'E']);
    if is_integer {
        if let Ok(value) = text.parse::<u64>() {
            return Some(value.into());
        }
        if let Ok(value) = text.parse::<i64>() {
            return Some(value.into());
        }
    }
    let value = text.parse::<f64>().ok()?;
    serde_json::Number::from_f64(value)
}

/// A JSON string: `"` then characters other than `"`, `\` and controls,
/// or escapes, then `"`.
fn json_string(i: &mut Input<'_>) -> PResult<String> {
    let open = i.len();
    '"'.parse_next(i)?;
    let mut text = String::new();
    loop {
        let chunk =
            take_till(0.., |c: char| c == '"' || c == '\\' || u32::from(c) < 0x20).parse_next(i)?;
        text.push_str(chunk);
        let here = i.len();
        match opt(any).parse_next(i)? {
            None => return fail(open, "unterminated string"),
            Some('"') => return Ok(text),
            Some('\\') => text.push(escape(i, here)?),
            Some(_) => {
                return fail(here, "control characters in strings must be escaped");
            }
        }
    }
}

/// The character after a `\` (which was at `start`).
fn escape(i: &mut Input<'_>, start: usize) -> PResult<char> {
    let c = match opt(any).parse_next(i)? {
        Some('"') => '"',
        Some('\\') => '\\',
        Some('/') => '/',
        Some('b') => '\u{08}',
        Some('f') => '\u{0C}',
        Some('n') => '\n',
        Some('r') => '\r',
        Some('t') => '\t',
        Some('u') => return unicode_escape(i, start),
        _ => return fail(start, "invalid escape sequence"),
    };
    Ok(c)
}

/// `\uXXXX`, including a UTF-16 surrogate pair `\uD83D\uDE00`.
fn unicode_escape(i: &mut Input<'_>, start: usize) -> PResult<char> {
    let first = hex4(i, start)?;
    let code = match first {
        0xD800..=0xDBFF => {
            if opt("\\u").parse_next(i)?.is_none() {
                return fail(start, "unpaired UTF-16 surrogate in \\u escape");
            }
            let second = hex4(i, start)?;
            if !(0xDC00..=0xDFFF).contains(&second) {
                return fail(start, "unpaired UTF-16 surrogate in \\u escape");
            }
            0x10000 + ((u32::from(first) - 0xD800) << 10) + (u32::from(second) - 0xDC00)
        }
        0xDC00..=0xDFFF => return fail(start, "unpaired UTF-16 surrogate in \\u escape"),
        other => u32::from(other),
    };
    char::from_u32(code).map_or_else(|| fail(start, "invalid \\u escape"), Ok)
}

fn hex4(i: &mut Input<'_>, start: usize) -> PResult<u16> {
    let digits = opt(take(4usize).verify(|s: &str| s.chars().all(|c| c.is_ascii_hexdigit())))
        .parse_next(i)?;
    digits
        .and_then(|digits| u16::from_str_radix(digits, 16).ok())
        .map_or_else(
            || fail(start, "a \\u escape needs four hexadecimal digits"),
            Ok,
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Filter {
        parse_filter(text).unwrap_or_else(|e| panic!("{text:?} should parse: {e}"))
    }

    fn error(text: &str) -> FilterError {
        match parse_filter(text) {
            Ok(filter) => panic!("{text:?} should not parse, got {filter:?}"),
            Err(err) => err,
        }
    }

    fn path(name: &str) -> AttrPath {
        AttrPath::new(name)
    }

    fn pr(name: &str) -> Filter {
        Filter::Present(path(name))
    }

    fn eq_str(name: &str, value: &str) -> Filter {
        Filter::compare(path(name), CompareOp::Eq, CompValue::String(value.into()))
    }

    const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

    /// Figure 2 of RFC 7644 and the case-insensitivity examples of §3.4.2.2.
    pub(crate) const RFC_EXAMPLES: &[&str] = &[
        r#"userName eq "bjensen""#,
        r#"name.familyName co "O'Malley""#,
        r#"userName sw "J""#,
        r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#,
        "title pr",
        r#"meta.lastModified gt "2011-05-13T04:42:34Z""#,
        r#"meta.lastModified ge "2011-05-13T04:42:34Z""#,
        r#"meta.lastModified lt "2011-05-13T04:42:34Z""#,
        r#"meta.lastModified le "2011-05-13T04:42:34Z""#,
        r#"title pr and userType eq "Employee""#,
        r#"title pr or userType eq "Intern""#,
        r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
        r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
        r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
        r#"userType eq "Employee" and (emails.type eq "work")"#,
        r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#,
        r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
        r#"userName Eq "john""#,
        r#"Username eq "john""#,
    ];

    #[test]
    fn every_rfc_example_parses_and_round_trips() {
        for text in RFC_EXAMPLES {
            let filter = parse(text);
            assert_eq!(parse(&filter.to_string()), filter, "{text}");
        }
    }

    #[test]
    fn a_sub_attribute_after_a_value_filter_joins_the_filter() {
        // Entra's `emails[type eq "work"].value eq "x"` (not in the ABNF).
        assert_eq!(
            parse(r#"emails[type eq "work"].value eq "x""#),
            parse(r#"emails[type eq "work" and value eq "x"]"#)
        );
        assert_eq!(
            parse(r#"emails[type eq "work"].value pr and userName eq "u""#),
            parse(r#"emails[type eq "work" and value pr] and userName eq "u""#)
        );
        assert!(parse_filter(r#"emails[type eq "work"].value"#).is_err());
    }

    #[test]
    fn parses_a_simple_comparison() {
        assert_eq!(
            parse(r#"userName eq "bjensen""#),
            eq_str("userName", "bjensen")
        );
    }

    #[test]
    fn operators_keywords_and_names_are_case_insensitive_but_kept_as_written() {
        assert_eq!(parse(r#"USERNAME EQ "x""#), eq_str("USERNAME", "x"));
        assert_eq!(parse("title PR"), pr("title"));
        assert_eq!(
            parse("a pr AND b pr OR c pr"),
            parse("a pr and b pr or c pr")
        );
        assert_eq!(parse("NOT (a pr)"), Filter::negate(pr("a")));
        for op in CompareOp::ALL {
            let upper = format!("a {} 1", op.as_str().to_uppercase());
            assert!(matches!(parse(&upper), Filter::Compare { op: parsed, .. } if parsed == op));
        }
    }

    #[test]
    fn and_binds_tighter_than_or() {
        assert_eq!(
            parse("a pr or b pr and c pr"),
            Filter::or(pr("a"), Filter::and(pr("b"), pr("c")))
        );
        assert_eq!(
            parse("a pr and b pr or c pr"),
            Filter::or(Filter::and(pr("a"), pr("b")), pr("c"))
        );
    }

    #[test]
    fn chains_are_left_associative() {
        assert_eq!(
            parse("a pr or b pr or c pr"),
            Filter::or(Filter::or(pr("a"), pr("b")), pr("c"))
        );
        assert_eq!(
            parse("a pr and b pr and c pr"),
            Filter::and(Filter::and(pr("a"), pr("b")), pr("c"))
        );
    }

    #[test]
    fn not_binds_tighter_than_and() {
        assert_eq!(
            parse("not (a pr) and b pr"),
            Filter::and(Filter::negate(pr("a")), pr("b"))
        );
        assert_eq!(
            parse("a pr or not (b pr) and c pr"),
            Filter::or(pr("a"), Filter::and(Filter::negate(pr("b")), pr("c")))
        );
    }

    #[test]
    fn parentheses_override_precedence() {
        assert_eq!(
            parse("(a pr or b pr) and c pr"),
            Filter::and(Filter::or(pr("a"), pr("b")), pr("c"))
        );
        assert_eq!(parse("((a pr))"), pr("a"));
        assert_eq!(parse("( a pr )"), pr("a"));
    }

    #[test]
    fn not_accepts_with_and_without_space_errata_7319() {
        let expected = Filter::negate(pr("a"));
        assert_eq!(parse("not (a pr)"), expected);
        assert_eq!(parse("not(a pr)"), expected);
        assert_eq!(parse("not   (a pr)"), expected);
        assert_eq!(parse("not(not(a pr))"), Filter::negate(expected));
    }

    #[test]
    fn keywords_can_be_attribute_names() {
        assert_eq!(parse("not pr"), pr("not"));
        assert_eq!(
            parse(r#"and eq "x" or or pr"#),
            Filter::or(eq_str("and", "x"), pr("or"))
        );
        assert_eq!(parse("nothing pr"), pr("nothing"));
    }

    #[test]
    fn whitespace_around_the_filter_and_repeated_is_accepted() {
        assert_eq!(
            parse("  a   pr  \t and\nb pr "),
            Filter::and(pr("a"), pr("b"))
        );
    }

    #[test]
    fn urn_qualified_paths_split_at_the_last_colon() {
        assert_eq!(
            parse(r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#),
            Filter::compare(
                path("userName").with_urn("urn:ietf:params:scim:schemas:core:2.0:User"),
                CompareOp::Sw,
                CompValue::String("J".into())
            )
        );
        assert_eq!(
            parse(&format!("{ENTERPRISE}:employeeNumber eq \"701984\"")),
            Filter::compare(
                path("employeeNumber").with_urn(ENTERPRISE),
                CompareOp::Eq,
                CompValue::String("701984".into())
            )
        );
        assert_eq!(
            parse(&format!("{ENTERPRISE}:manager.value pr")),
            Filter::Present(path("manager").with_urn(ENTERPRISE).with_sub_attr("value"))
        );
    }

    #[test]
    fn sub_attributes_and_special_names() {
        assert_eq!(
            parse("name.familyName pr"),
            Filter::Present(path("name").with_sub_attr("familyName"))
        );
        assert_eq!(
            parse("members.$ref pr"),
            Filter::Present(path("members").with_sub_attr("$ref"))
        );
        assert_eq!(parse("$ref pr"), pr("$ref"));
        assert_eq!(parse("x-y_z9 pr"), pr("x-y_z9"));
    }

    #[test]
    fn value_paths_parse_and_nest() {
        assert_eq!(
            parse(r#"emails[type eq "work" and value co "@example.com"]"#),
            Filter::ValuePath {
                path: path("emails"),
                filter: Box::new(Filter::and(
                    eq_str("type", "work"),
                    Filter::compare(
                        path("value"),
                        CompareOp::Co,
                        CompValue::String("@example.com".into())
                    )
                )),
            }
        );
        assert_eq!(
            parse("a[b[c pr]]"),
            Filter::ValuePath {
                path: path("a"),
                filter: Box::new(Filter::ValuePath {
                    path: path("b"),
                    filter: Box::new(pr("c")),
                }),
            }
        );
        assert_eq!(
            parse(r#"emails[ type eq "work" ]"#),
            Filter::ValuePath {
                path: path("emails"),
                filter: Box::new(eq_str("type", "work"))
            }
        );
        assert_eq!(
            parse(r#"emails[not (type eq "work") and (value pr or display pr)]"#).to_string(),
            r#"emails[not (type eq "work") and (value pr or display pr)]"#
        );
    }

    #[test]
    fn comp_values_follow_json() {
        let value = |text: &str| match parse(&format!("a eq {text}")) {
            Filter::Compare { value, .. } => value,
            other => panic!("{other:?}"),
        };
        assert_eq!(value("true"), CompValue::Bool(true));
        assert_eq!(value("false"), CompValue::Bool(false));
        assert_eq!(value("null"), CompValue::Null);
        assert_eq!(value("0"), CompValue::Number(0.into()));
        assert_eq!(value("-17"), CompValue::Number((-17).into()));
        assert_eq!(
            value("18446744073709551615"),
            CompValue::Number(u64::MAX.into())
        );
        for float in ["1.5", "-2.5E-3", "1e10", "6.02e+23"] {
            let expected = serde_json::Number::from_f64(float.parse().unwrap_or_default());
            assert_eq!(
                value(float),
                CompValue::Number(expected.unwrap_or(0.into()))
            );
        }
        assert_eq!(
            value(r#""q\"b\\s\/\b\f\n\r\tAé\u00e9\uD83D\uDE00😀""#),
            CompValue::String("q\"b\\s/\u{8}\u{c}\n\r\tAéé😀😀".into())
        );
        assert_eq!(value(r#""O'Malley""#), CompValue::String("O'Malley".into()));
        assert_eq!(value(r#""""#), CompValue::String(String::new()));
    }

    #[test]
    fn invalid_filters_are_rejected_with_a_position() {
        let cases: &[(&str, usize, &str)] = &[
            ("", 0, "expected an attribute path"),
            ("   ", 3, "expected an attribute path"),
            ("userName", 8, "expected a space and an operator"),
            ("userName eq", 11, "expected a space and a value"),
            ("userName eq ", 12, "expected a value"),
            (r#"userName eq "x" and"#, 19, "expected a space after 'and'"),
            (r#"userName eq "x" and "#, 20, "expected an attribute path"),
            (r#"userName eq "x" or"#, 18, "expected a space after 'or'"),
            (
                r#"(userName eq "x""#,
                16,
                "expected ')' to close the '(' at character 0",
            ),
            (r#"userName xx "x""#, 9, "unsupported operator 'xx'"),
            (r#"userName regex "x""#, 9, "unsupported operator 'regex'"),
            (r#"userName eq "x"#, 12, "unterminated string"),
            (
                r#"emails[type eq "work""#,
                21,
                "expected ']' to close the '[' at character 6",
            ),
            ("userName eq 'single'", 12, "double quotes"),
            ("userName eq bjensen", 12, "strings need double quotes"),
            ("userName eq True", 12, "lower case"),
            (r#"userName eq "x")"#, 15, "unbalanced ')'"),
            (r#"userName eq "x"]"#, 15, "unbalanced ']'"),
            (r#"userName eq "x" xor a pr"#, 16, "expected 'and', 'or'"),
            (
                r#"userName eq "x"y"#,
                15,
                "unexpected character after the value",
            ),
            ("a eq 12abc", 7, "unexpected character after the value"),
            ("a eq 01", 6, "unexpected character after the value"),
            ("a eq 1.", 6, "unexpected character after the value"),
            ("a eq -", 5, "invalid number"),
            ("a eq 1e999", 5, "number out of range"),
            ("a..b pr", 2, "must start with a letter"),
            ("a.b.c pr", 3, "at most one sub-attribute"),
            ("1abc pr", 0, "must start with a letter"),
            (":a pr", 0, "schema URN must start with a letter"),
            ("urn:x: pr", 6, "expected an attribute name"),
            ("urn:x:2.0 pr", 6, "must start with a letter"),
            ("user=Name pr", 4, "invalid character '='"),
            ("a[]", 2, "expected an attribute path"),
            ("not a pr", 4, "unsupported operator 'a'"),
            ("not ()", 5, "expected an attribute path"),
            ("()", 1, "expected an attribute path"),
            ("a pr and(b pr)", 8, "expected a space after 'and'"),
            (r#"a eq "\x""#, 6, "invalid escape"),
            (r#"a eq "\u12G4""#, 6, "four hexadecimal digits"),
            (r#"a eq "\ud800""#, 6, "unpaired UTF-16 surrogate"),
            (r#"a eq "\udc00""#, 6, "unpaired UTF-16 surrogate"),
            ("a eq \"tab\there\"", 9, "control characters"),
            ("a eq\"x\"", 4, "expected a space and a value"),
            ("a eq =", 5, "expected a value:"),
        ];
        for (text, position, message) in cases {
            let err = error(text);
            assert_eq!(err.position, *position, "{text:?}: {err}");
            assert!(err.message.contains(message), "{text:?}: {err}");
        }
    }

    #[test]
    fn error_positions_count_characters_not_bytes() {
        let err = error(r#"émail xx "x""#);
        assert_eq!(err.position, 0, "{err}");
        // 14 bytes before the `x`, but 11 characters.
        let err = error(r#"a eq "ééé" xx"#);
        assert_eq!(err.position, 11, "{err}");
    }

    #[test]
    fn error_display_names_the_character() {
        assert_eq!(
            error(r#"userName xx "x""#).to_string(),
            "invalid filter at character 9: unsupported operator 'xx'"
        );
    }

    #[test]
    fn long_garbage_is_quoted_briefly() {
        let text = format!("a {} 1", "x".repeat(10_000));
        let err = error(&text);
        assert!(err.message.len() < 100, "{err}");
    }

    #[test]
    fn nesting_is_bounded() {
        let nested = |depth: usize, open: &str, close: &str| {
            format!("{}a pr{}", open.repeat(depth), close.repeat(depth))
        };
        assert!(parse_filter(&nested(MAX_DEPTH, "(", ")")).is_ok());
        assert!(parse_filter(&nested(MAX_DEPTH, "not(", ")")).is_ok());
        for (open, close) in [("(", ")"), ("not (", ")"), ("x[", "]")] {
            let err = parse_filter(&nested(MAX_DEPTH + 1, open, close))
                .err()
                .unwrap_or_else(|| panic!("{open} nesting should be bounded"));
            assert!(err.message.contains("nesting deeper than 64"), "{err}");
        }
        // Far too deep, unbalanced and hostile: still a plain error.
        assert!(parse_filter(&"(".repeat(1_000_000)).is_err());
        assert!(parse_filter(&"a[".repeat(1_000_000)).is_err());
    }

    #[test]
    fn value_paths_at_the_depth_limit() {
        let depth = MAX_DEPTH;
        let text = format!("{}c pr{}", "a[".repeat(depth), "]".repeat(depth));
        assert!(parse_filter(&text).is_ok());
    }

    #[test]
    fn logical_operators_are_bounded() {
        let chain = |count: usize| {
            std::iter::repeat_n("id eq \"x\"", count + 1)
                .collect::<Vec<_>>()
                .join(" or ")
        };
        let filter = parse(&chain(MAX_LOGICAL_OPERATORS));
        assert_eq!(parse(&filter.to_string()), filter);
        let err = error(&chain(MAX_LOGICAL_OPERATORS + 1));
        assert!(err.message.contains("more than 1000"), "{err}");
    }

    #[test]
    fn huge_strings_are_fine() {
        let long = "é".repeat(200_000);
        let filter = parse(&format!("a eq \"{long}\""));
        assert_eq!(parse(&filter.to_string()), filter);
    }

    #[test]
    fn round_trip_keeps_the_tree() {
        let cases = [
            "a pr or (b pr or c pr)",
            "a pr and (b pr and c pr)",
            "(a pr or b pr) and (c pr or d pr)",
            "not (not (a pr)) or x[y[z eq -0.5e-7]]",
            r#"a eq "\u0001\"\\" and b ne null and c gt 1e300 and d le -0"#,
            "a eq 1.0 or b eq 123456789012345678901234567890",
            r#"urn:a:b:c.d eq "x""#,
        ];
        for text in cases {
            let filter = parse(text);
            let shown = filter.to_string();
            assert_eq!(parse(&shown), filter, "{text} -> {shown}");
        }
    }

    // ---- PATCH paths ---------------------------------------------------

    fn patch(text: &str) -> PatchPath {
        parse_patch_path(text).unwrap_or_else(|e| panic!("{text:?} should parse: {e}"))
    }

    #[test]
    fn patch_paths_parse() {
        assert_eq!(
            patch("name.givenName"),
            PatchPath {
                attr: path("name").with_sub_attr("givenName"),
                value_filter: None,
                sub_attr: None
            }
        );
        assert_eq!(
            patch(r#"members[value eq "2819c223"]"#),
            PatchPath {
                attr: path("members"),
                value_filter: Some(eq_str("value", "2819c223")),
                sub_attr: None
            }
        );
        assert_eq!(
            patch(r#"emails[type eq "work"].value"#),
            PatchPath {
                attr: path("emails"),
                value_filter: Some(eq_str("type", "work")),
                sub_attr: Some("value".into())
            }
        );
        assert_eq!(
            patch(&format!("{ENTERPRISE}:manager")),
            PatchPath {
                attr: path("manager").with_urn(ENTERPRISE),
                value_filter: None,
                sub_attr: None
            }
        );
        assert_eq!(
            patch(&format!("{ENTERPRISE}:manager.value")).attr,
            path("manager").with_urn(ENTERPRISE).with_sub_attr("value")
        );
        assert_eq!(
            patch("members[value pr].$ref").sub_attr.as_deref(),
            Some("$ref")
        );
    }

    #[test]
    fn patch_paths_round_trip() {
        for text in [
            "userName",
            "name.givenName",
            r#"members[value eq "2819c223"]"#,
            r#"emails[type eq "work" and not (primary eq true)].value"#,
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
        ] {
            assert_eq!(patch(text).to_string(), text);
        }
    }

    #[test]
    fn invalid_patch_paths_are_rejected() {
        let cases: &[(&str, usize, &str)] = &[
            ("", 0, "expected an attribute path"),
            ("emails[", 7, "expected an attribute path"),
            ("emails[0]", 7, "array indexes are not supported"),
            ("a..b", 2, "must start with a letter"),
            ("a.b.c", 3, "at most one sub-attribute"),
            (
                r#"emails[type eq "work"]."#,
                23,
                "expected an attribute name",
            ),
            (
                r#"emails[type eq "work"].value.x"#,
                28,
                "at most one sub-attribute",
            ),
            (r#"emails[type eq "work"]x"#, 22, "unexpected 'x'"),
            (r#"emails[type eq "work""#, 21, "expected ']'"),
            ("name givenName", 4, "unexpected ' givenName'"),
            (" name", 0, "expected an attribute path"),
        ];
        for (text, position, message) in cases {
            let err = parse_patch_path(text)
                .err()
                .unwrap_or_else(|| panic!("{text:?} should not parse"));
            assert_eq!(err.position, *position, "{text:?}: {err}");
            assert!(err.message.contains(message), "{text:?}: {err}");
        }
    }

    // ---- hostile input -------------------------------------------------

    /// Deterministic pseudo-random numbers (Knuth's MMIX LCG).
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            self.0 >> 33
        }

        fn below(&mut self, bound: usize) -> usize {
            usize::try_from(self.next()).unwrap_or(0) % bound.max(1)
        }
    }

    /// Pieces that make random input reach deep into the grammar.
    const PIECES: &[&str] = &[
        "a",
        "userName",
        "emails",
        "name.familyName",
        "urn:x:y:",
        ".",
        ":",
        " ",
        " ",
        "(",
        ")",
        "[",
        "]",
        "not",
        "not(",
        " and ",
        " or ",
        " eq ",
        " ne ",
        " co ",
        " gt ",
        " pr",
        "\"",
        "\"x\"",
        "\\",
        "\\u",
        "D83D",
        "12",
        "-",
        "1e5",
        "true",
        "null",
        "'",
        "é",
        "\u{0}",
        "\t",
        "$ref",
        "EQ",
        "]",
        "].value",
    ];

    fn random_input(rng: &mut Lcg) -> String {
        let mut text = String::new();
        if rng.below(4) == 0 {
            let bytes: Vec<u8> = (0..rng.below(40))
                .map(|_| (rng.next() & 0xFF) as u8)
                .collect();
            text.push_str(&String::from_utf8_lossy(&bytes));
        }
        for _ in 0..rng.below(30) {
            text.push_str(PIECES[rng.below(PIECES.len())]);
        }
        text
    }

    fn mutate(rng: &mut Lcg, text: &str) -> String {
        let mut chars: Vec<char> = text.chars().collect();
        for _ in 0..=rng.below(3) {
            let at = rng.below(chars.len() + 1);
            match rng.below(3) {
                0 if at < chars.len() => {
                    chars.remove(at);
                }
                1 => chars.insert(at, ['(', ')', '[', ']', '"', ' ', '\\', '.'][rng.below(8)]),
                _ => chars.truncate(at),
            }
        }
        chars.into_iter().collect()
    }

    #[test]
    fn random_input_never_panics_and_accepted_input_round_trips() {
        let mut rng = Lcg(0x5C1A_F11E);
        let mut accepted = 0;
        for round in 0..6_000 {
            let text = if round % 2 == 0 {
                random_input(&mut rng)
            } else {
                let example = RFC_EXAMPLES[rng.below(RFC_EXAMPLES.len())];
                mutate(&mut rng, example)
            };
            if let Ok(filter) = parse_filter(&text) {
                accepted += 1;
                let shown = filter.to_string();
                assert_eq!(
                    parse_filter(&shown).ok(),
                    Some(filter),
                    "{text:?} -> {shown:?}"
                );
            }
            if let Ok(path) = parse_patch_path(&text) {
                let shown = path.to_string();
                assert_eq!(
                    parse_patch_path(&shown).ok(),
                    Some(path),
                    "{text:?} -> {shown:?}"
                );
            }
            if let Err(err) = parse_filter(&text) {
                assert!(err.position <= text.chars().count(), "{text:?}: {err}");
            }
        }
        assert!(accepted > 50, "only {accepted} random filters parsed");
    }
}

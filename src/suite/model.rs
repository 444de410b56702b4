//! The declarative suite format: the serde model every YAML/JSON suite file
//! deserialises into. The JSON Schema in `docs/suite.schema.json` is generated
//! from these types, so doc comments here are user-facing documentation.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A suite: a group of checks that share a theme and run in order.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Suite {
    /// Stable identifier of the suite, e.g. `rfc7644.users.crud`.
    pub id: String,
    /// Human-readable title.
    pub title: String,
    /// Free-form tags, usable with `--only tag:NAME` / `--skip tag:NAME`.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Conditions applied to every check of the suite (in addition to each check's own).
    #[serde(default)]
    pub requires: Vec<Condition>,
    /// The provisioning profile the suite belongs to (e.g. `entra`, defined
    /// by a `profile.yaml`); its checks cite that profile's rules and run
    /// with `--profile NAME`. Without it, the suite belongs to `rfc` and cites
    /// the RFC requirement catalogue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// Free space for YAML anchors (`&user`) reused by the checks; ignored otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definitions: Option<Value>,
    /// The checks, run in this order.
    pub checks: Vec<Check>,
}

/// One check: a verdict about one or more RFC requirements.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Check {
    /// Stable dotted identifier, unique across all suites, e.g. `users.create.status`.
    pub id: String,
    /// One-line title.
    pub title: String,
    /// Longer explanation of what the check does (shown by `scimspec explain`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// How to fix a server that fails this check (shown by `scimspec explain` and in failures).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// The requirements this check enforces. At least one.
    pub requirements: Vec<RequirementRef>,
    /// Extra tags (the suite's tags apply too).
    #[serde(default)]
    pub tags: Vec<String>,
    /// Conditions from discovery; an unmet condition skips the check with a reason.
    #[serde(default)]
    pub requires: Vec<Condition>,
    /// Variables set before the first step (values are templated).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub vars: IndexMap<String, Value>,
    /// The steps, run in order. A failing step ends the check.
    pub steps: Vec<Step>,
    /// Steps that always run after `steps`, even when a step failed. A cleanup
    /// step whose template variables are undefined (e.g. the resource was never
    /// created) is skipped.
    #[serde(default)]
    pub cleanup: Vec<Step>,
}

/// A reference to an RFC requirement. With `id` alone, the rest is taken from
/// the requirement catalogue (`suites/requirements.tsv`).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RequirementRef {
    /// Catalogue id, e.g. `P-3.3-02`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// RFC number: 7643 or 7644.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rfc: Option<u16>,
    /// Section number, e.g. `3.4.2.2`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
    /// RFC 2119 level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<Level>,
}

/// RFC 2119 requirement level. Decides what a broken expectation means:
/// MUST-like levels fail, SHOULD-like levels warn, MAY-like levels are
/// reported as observations and never judged.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq, Hash)]
pub enum Level {
    #[serde(rename = "MUST")]
    Must,
    #[serde(rename = "MUST NOT")]
    MustNot,
    #[serde(rename = "REQUIRED")]
    Required,
    #[serde(rename = "SHALL")]
    Shall,
    #[serde(rename = "SHALL NOT")]
    ShallNot,
    #[serde(rename = "SHOULD")]
    Should,
    #[serde(rename = "SHOULD NOT")]
    ShouldNot,
    #[serde(rename = "RECOMMENDED")]
    Recommended,
    #[serde(rename = "MAY")]
    May,
    #[serde(rename = "OPTIONAL")]
    Optional,
}

/// The three classes of level that decide a verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Severity {
    May,
    Should,
    Must,
}

impl Level {
    pub fn severity(self) -> Severity {
        match self {
            Level::Must | Level::MustNot | Level::Required | Level::Shall | Level::ShallNot => {
                Severity::Must
            }
            Level::Should | Level::ShouldNot | Level::Recommended => Severity::Should,
            Level::May | Level::Optional => Severity::May,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Must => "MUST",
            Level::MustNot => "MUST NOT",
            Level::Required => "REQUIRED",
            Level::Shall => "SHALL",
            Level::ShallNot => "SHALL NOT",
            Level::Should => "SHOULD",
            Level::ShouldNot => "SHOULD NOT",
            Level::Recommended => "RECOMMENDED",
            Level::May => "MAY",
            Level::Optional => "OPTIONAL",
        }
    }

    pub fn parse(text: &str) -> Option<Level> {
        serde_json::from_value(Value::String(text.trim().to_ascii_uppercase())).ok()
    }
}

/// A discovery condition. Written either as a string or as a one-key map:
/// `patch.supported` (any boolean in /ServiceProviderConfig),
/// `resourceType: Group`, `schema: urn:...`, `extension: urn:...`
/// (a schema extension of any resource type), `attribute: User.emails`,
/// `{mutability: Group.members.value, is: immutable}`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(untagged)]
pub enum Condition {
    /// A ServiceProviderConfig flag such as `patch.supported`, or
    /// `resourceType:Group` / `schema:URN` written as one string.
    Flag(String),
    /// `resourceType: NAME` — the server advertises that resource type.
    ResourceType {
        #[serde(rename = "resourceType")]
        resource_type: String,
    },
    /// `schema: URN` — the server serves that schema.
    Schema { schema: String },
    /// `extension: URN` — a resource type lists that schema extension.
    Extension { extension: String },
    /// `attribute: Type.attr[.sub]` — the resource type's schema defines it.
    Attribute { attribute: String },
    /// `{mutability: Type.attr[.sub], is: immutable}` — the target's own
    /// /Schemas give the attribute that mutability, so a check judges a
    /// characteristic only where the server declares it.
    Mutability {
        mutability: String,
        is: MutabilityValue,
    },
}

/// An attribute's `mutability` (RFC 7643 §7), as a condition names it.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub enum MutabilityValue {
    ReadOnly,
    ReadWrite,
    Immutable,
    WriteOnly,
}

impl MutabilityValue {
    /// The RFC 7643 §7 keyword, e.g. `immutable`.
    pub fn keyword(self) -> &'static str {
        match self {
            MutabilityValue::ReadOnly => "readOnly",
            MutabilityValue::ReadWrite => "readWrite",
            MutabilityValue::Immutable => "immutable",
            MutabilityValue::WriteOnly => "writeOnly",
        }
    }
}

/// One request and what must be true of its response.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Short description shown in failure messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A setup step prepares the check: when it fails, the check's verdict is
    /// `error` (could not test), not `fail`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub setup: bool,
    /// Wait this long before sending the request, e.g. so that a timestamp
    /// with one-second precision can change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
    /// The HTTP request.
    pub request: Request,
    /// Values taken from the response into variables for later steps:
    /// `name: body.id`, `name: header.ETag`, `name: status`.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub capture: IndexMap<String, String>,
    /// When the response shows that an optional feature is not offered (e.g.
    /// 501 for root-level search), end the check as skipped with this reason
    /// instead of judging it. Checked before `expect`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip_when: Option<SkipWhen>,
    /// What the response must satisfy.
    #[serde(default)]
    pub expect: Expect,
    /// Poll: re-send the request (only GET or POST `/.search`) until its
    /// expectations hold or the timeout passes; the last answer is judged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_until: Option<RetryUntil>,
    /// Record the step's latency under this series name (reported as
    /// p50/p95): the request's round trip, or with `retry_until` the time
    /// until the expectations held.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measure: Option<String>,
    /// With `measure`: measure from the response to this earlier step (by
    /// its `name`) instead of from this step's first request, e.g. the time
    /// from a write until a later read reflects it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measure_from: Option<String>,
    /// Send the request many times on a fixed schedule (a load burst) and
    /// judge every answer by `expect`, plus whether the server kept pace.
    /// Only GET and POST `/.search`: a burst never writes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub burst: Option<Burst>,
}

/// A bounded load burst: `requests` copies of a step's request, started at
/// `rate` per second whether or not earlier ones have been answered (open
/// loop, as an identity provider's provisioning engine sends), each without
/// retries. `{{ burst.index }}` (0-based) renders differently per copy.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Burst {
    /// How many requests (1 to 1000).
    pub requests: u32,
    /// Requests started per second (more than 0, at most 200).
    pub rate: f64,
    /// The server keeps pace when the last answer arrives within this long
    /// after the last request was started (default 1000 ms): a server that
    /// falls behind builds a queue, and the lag grows with the burst.
    #[serde(default = "default_burst_lag")]
    pub max_lag_ms: u64,
}

fn default_burst_lag() -> u64 {
    1000
}

/// How a polling step re-sends its request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RetryUntil {
    /// Give up after this long (at most 60 000 ms) and judge the last answer.
    pub timeout_ms: u64,
    /// Wait between attempts (default 100 ms, at least 10 ms).
    #[serde(default = "default_retry_interval")]
    pub interval_ms: u64,
}

fn default_retry_interval() -> u64 {
    100
}

/// The response that means "not applicable": all given conditions hold.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SkipWhen {
    /// The status is one of these.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<StatusSet>,
    /// Predicates on the body that all hold.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub body: Vec<PathPredicate>,
    /// Why the check does not apply, shown as the skip reason.
    pub reason: String,
}

/// An HTTP request. Every string is templated with `{{ ... }}`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// HTTP method, e.g. GET, POST, PUT, PATCH, DELETE.
    pub method: String,
    /// Path relative to the target base URL, e.g. `/Users/{{ user_id }}`,
    /// or an absolute http(s) URL on the target's own origin (a `$ref` the
    /// server returned); other origins are refused.
    pub path: String,
    /// Query parameters (values templated and URL-encoded).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub query: IndexMap<String, String>,
    /// Extra request headers.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub headers: IndexMap<String, String>,
    /// JSON body (templated). Sent as `application/scim+json` unless a
    /// Content-Type header is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// A raw body sent verbatim (templated), e.g. malformed JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_body: Option<String>,
    /// Send the request without credentials.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub anonymous: bool,
}

impl Request {
    /// A query sent by POST to a `/.search` endpoint (RFC 7644 §3.4.3).
    pub fn is_search(&self) -> bool {
        self.method.eq_ignore_ascii_case("POST")
            && self.path.trim_end_matches('/').ends_with("/.search")
    }

    /// Changes nothing on the server: GET, HEAD, or a search.
    pub fn is_read(&self) -> bool {
        self.method.eq_ignore_ascii_case("GET")
            || self.method.eq_ignore_ascii_case("HEAD")
            || self.is_search()
    }
}

/// Expectations on a response. All must hold.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// Expected status: one code or a list of acceptable codes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<StatusSet>,
    /// Header expectations (names are case-insensitive).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<HeaderExpect>,
    /// The body includes this JSON (objects may have more keys, arrays more elements).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub includes: Option<Value>,
    /// Predicates on values inside the body.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub body: Vec<PathPredicate>,
    /// SCIM-aware matchers implemented in Rust.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub matchers: Vec<Matcher>,
    /// Alternatives: at least one of these expectation sets must hold, as
    /// well as everything else here. For answers the RFC leaves open, e.g.
    /// "200 with at most maxResults resources, or 400 tooMany".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub any_of: Vec<Expect>,
}

/// One status code or a set of acceptable ones.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(untagged)]
pub enum StatusSet {
    One(u16),
    Any(Vec<u16>),
}

impl StatusSet {
    pub fn codes(&self) -> Vec<u16> {
        match self {
            StatusSet::One(code) => vec![*code],
            StatusSet::Any(codes) => codes.clone(),
        }
    }
}

/// An expectation on one response header.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HeaderExpect {
    /// Header name (case-insensitive).
    pub name: String,
    /// `true`: the header must be present; `false`: it must be absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub present: Option<bool>,
    /// Exact value (templated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<String>,
    /// Regular expression the value must match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matches: Option<String>,
    /// Compare `equals` as URIs: both sides resolved against the target's
    /// base URL first, so a relative reference equals the absolute one.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub as_uri: bool,
}

/// A predicate on the value found at `path` in the body.
///
/// Paths are dotted (`meta.location`), with `[N]` indexes (`emails[0].value`)
/// and bracketed keys for names containing dots (`["urn:...:2.0:User"].manager`).
/// An empty path (`""`) is the body itself.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PathPredicate {
    pub path: String,
    /// When the value is absent (or null), the other predicates are not
    /// applied: "if present, it must ...".
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub if_present: bool,
    /// Equal to this JSON value (strings templated; a whole-string template
    /// such as `"{{ user_id }}"` keeps the variable's JSON type).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<Value>,
    /// Equal to this string, ignoring case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals_ignore_case: Option<String>,
    /// Not equal to this JSON value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_equals: Option<Value>,
    /// `true`: a non-null value is present; `false`: absent or null.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exists: Option<bool>,
    /// JSON type: string, number, integer, boolean, array, object or null.
    #[serde(default, skip_serializing_if = "Option::is_none", rename = "type")]
    pub json_type: Option<JsonType>,
    /// Regular expression a string value must match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matches: Option<String>,
    /// Regular expression a string value must not match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_matches: Option<String>,
    /// The value equals one of these.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub one_of: Option<Vec<Value>>,
    /// Exact length of an array, string or object (a number, or a
    /// template that renders to one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length: Option<LengthBound>,
    /// Minimum length of an array, string or object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_length: Option<LengthBound>,
    /// Maximum length of an array, string or object, e.g.
    /// `"{{ spc.filter.maxResults }}"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<LengthBound>,
    /// An array contains an element equal to this value (or, for an object
    /// value, an element that includes it); a string contains this substring.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contains: Option<Value>,
    /// An array contains no element equal to (or including) this value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_contains: Option<Value>,
    /// Every element of an array satisfies these predicates (paths relative to the element).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub every: Option<Vec<PathPredicate>>,
    /// How many elements of an array satisfy some predicates, e.g. "at most
    /// one value has primary true" (RFC 7643 §2.4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<CountSpec>,
    /// Numeric lower bound (inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Numeric upper bound (inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
}

/// Counts the elements of an array that satisfy every predicate of `where`
/// (paths relative to the element; all elements when `where` is empty) and
/// bounds the count.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CountSpec {
    /// The predicates an element must satisfy to be counted.
    #[serde(default, rename = "where", skip_serializing_if = "Vec::is_empty")]
    pub matching: Vec<PathPredicate>,
    /// At least this many elements satisfy `where`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<usize>,
    /// At most this many elements satisfy `where`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<usize>,
}

/// A length bound: a number, or a template that renders to a non-negative
/// integer (`"{{ spc.filter.maxResults }}"`), so a bound can come from what
/// the server advertises.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(untagged)]
pub enum LengthBound {
    Literal(usize),
    Template(String),
}

impl From<usize> for LengthBound {
    fn from(bound: usize) -> LengthBound {
        LengthBound::Literal(bound)
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum JsonType {
    String,
    Number,
    Integer,
    Boolean,
    Array,
    Object,
    Null,
}

/// SCIM-aware matchers, written as a one-key map, e.g.
/// `- scim_error: { status: 404 }`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Matcher {
    /// The body is a ListResponse (RFC 7644 §3.4.2) whose paging fields are
    /// consistent with the page returned.
    ListResponse(ListResponseSpec),
    /// The body is a SCIM Error (RFC 7644 §3.12) for the response status.
    ScimError(ScimErrorSpec),
    /// The body is a SCIM resource (RFC 7643 §3): schemas, id, meta.
    ScimResource(ScimResourceSpec),
    /// A successful PATCH answer (RFC 7644 §3.5.2): 200 with the resource,
    /// or 204 with no body. Anything else, such as 200 with an empty body, fails.
    PatchResponse(PatchResponseSpec),
    /// The body is a BulkResponse (RFC 7644 §3.7): each operation has its
    /// method and a status (a string, or an object with `code`), a location
    /// when it succeeded, and the error in `response` when it failed.
    BulkResponse(BulkResponseSpec),
    /// The ListResponse holds exactly the candidates that match `filter`,
    /// as decided by scimspec's own filter evaluator with the target's
    /// schemas (caseExact etc. as the server declares them).
    FilterResults(FilterResultsSpec),
    /// The published schema definitions (a /Schemas ListResponse or one
    /// Schema) obey one well-formedness rule of RFC 7643.
    SchemaDefinitions(SchemaDefinitionsSpec),
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SchemaDefinitionsSpec {
    pub rule: SchemaRule,
}

/// One rule about schema definitions.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum SchemaRule {
    /// Names follow ATTRNAME (RFC 7643 §2.1); `$ref` is allowed.
    #[default]
    AttributeNames,
    /// type, mutability, returned and uniqueness use the defined keywords (§2.2, §7).
    Vocabularies,
    /// Simple attributes have no sub-attributes (§1.2).
    SimpleWithoutSubAttributes,
    /// Sub-attributes are not complex, except in the Schema meta-schema (§2.3.8).
    SubAttributesNotComplex,
    /// Complex attributes list their sub-attributes (§2.2).
    ComplexHasSubAttributes,
    /// The predefined sub-attributes of multi-valued attributes keep their
    /// meaning (§2.4): `primary` is boolean, `$ref` reference, `type` and
    /// `display` string.
    PredefinedSubAttributes,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FilterResultsSpec {
    /// The filter to evaluate locally (templated); normally the one the
    /// request sent, scoped to the check's own resources.
    pub filter: String,
    /// Every resource the query could return (templated, usually captured
    /// representations such as `"{{ user_a }}"`).
    pub candidates: Vec<Value>,
    /// The resource type whose schema decides comparisons (default `User`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        rename = "resourceType"
    )]
    pub resource_type: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkResponseSpec {
    /// The expected status of each operation, in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statuses: Option<Vec<u16>>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchResponseSpec {}

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListResponseSpec {
    /// Exact totalResults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_results: Option<u64>,
    /// Minimum totalResults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_total_results: Option<u64>,
    /// Exact number of elements in Resources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<u64>,
    /// The startIndex that was requested; the response must echo it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_index: Option<u64>,
    /// The count that was requested; the page must not be larger.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    /// Also judge the paging fields (RFC 7644 §3.4.2): startIndex 1 or more,
    /// itemsPerPage equal to the page length, both present on a partial page.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub paging: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScimErrorSpec {
    /// Expected HTTP status (also checked against the body's `status`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<StatusSet>,
    /// Expected `scimType` keyword (RFC 7644 Table 9).
    #[serde(default, skip_serializing_if = "Option::is_none", rename = "scimType")]
    pub scim_type: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScimResourceSpec {
    /// Expected meta.resourceType, e.g. `User`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        rename = "resourceType"
    )]
    pub resource_type: Option<String>,
    /// A schema URN that `schemas` must contain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// Require meta.location (default true).
    #[serde(default = "yes")]
    pub location: bool,
    /// `schemas` holds only the resource type's `schema` and its
    /// `schemaExtensions`, as the target's own /ResourceTypes declares them
    /// (RFC 7643 §3). The resource type is `resourceType`, or else the
    /// body's `meta.resourceType`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub declared_schemas: bool,
}

fn yes() -> bool {
    true
}

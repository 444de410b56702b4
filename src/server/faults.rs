//! Fault switches: named, deliberate deviations from RFC 7643/7644 that
//! reproduce bugs seen in real SCIM implementations. Each one exists to prove
//! that some check catches it.

use std::collections::BTreeSet;

macro_rules! faults {
    ($( $variant:ident => ($name:literal, $rfc:literal, $section:literal, $description:literal), )+) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Fault { $( $variant, )+ }

        impl Fault {
            pub const ALL: &'static [Fault] = &[ $( Fault::$variant, )+ ];

            /// The name used with `--fault`.
            pub fn name(self) -> &'static str {
                match self { $( Fault::$variant => $name, )+ }
            }

            /// The RFC the fault breaks; 0 for a fault that breaks what an
            /// identity-provider profile relies on (see [`Fault::profile`]).
            pub fn rfc(self) -> u16 {
                match self { $( Fault::$variant => $rfc, )+ }
            }

            /// The section of that RFC, or the profile's name when `rfc` is 0.
            pub fn section(self) -> &'static str {
                match self { $( Fault::$variant => $section, )+ }
            }

            pub fn description(self) -> &'static str {
                match self { $( Fault::$variant => $description, )+ }
            }
        }
    };
}

faults! {
    CreateReturns200 => ("create-returns-200", 7644, "3.3", "POST answers 200 instead of 201 Created"),
    NoLocationHeader => ("no-location-header", 7644, "3.3", "create answers without a Location header"),
    ErrorStatusNumber => ("error-status-number", 7644, "3.12", "error bodies carry status as a JSON number"),
    NoScimType => ("no-scim-type", 7644, "3.3", "error bodies leave out scimType (409 needs \"uniqueness\")"),
    ErrorWithoutSchema => ("error-without-schema", 7644, "3.12", "error bodies leave out the Error URN"),
    FilterCaseSensitive => ("filter-case-sensitive", 7644, "3.4.2.2", "filters compare every string case-sensitively, ignoring caseExact"),
    FilterIgnored => ("filter-ignored", 7644, "3.4.2.2", "the filter parameter is ignored"),
    InvalidFilterAccepted => ("invalid-filter-accepted", 7644, "3.4.2.2", "malformed filters answer 200 with an empty list"),
    AttributeNamesCaseSensitive => ("attribute-names-case-sensitive", 7644, "3.4.2.2", "attribute names in filters are matched case-sensitively"),
    NoMatch404 => ("no-match-404", 7644, "3.4.2", "a query that matches nothing answers 404"),
    ResourcesLowercase => ("resources-lowercase", 7644, "3.4.2", "ListResponse spells Resources as \"resources\""),
    StartIndexZeroBased => ("start-index-zero-based", 7644, "3.4.2.4", "startIndex is treated as 0-based"),
    ItemsPerPageIsCount => ("items-per-page-is-count", 7644, "3.4.2.4", "itemsPerPage echoes the requested count, not the page length"),
    CountIgnored => ("count-ignored", 7644, "3.4.2.4", "count is ignored: every match is returned"),
    TotalResultsIsPageSize => ("total-results-is-page-size", 7644, "3.4.2.4", "totalResults counts the page, not all matches"),
    SortIgnored => ("sort-ignored", 7644, "3.4.2.3", "sortBy is advertised but ignored"),
    AttributesIgnored => ("attributes-ignored", 7644, "3.4.2.5", "the attributes parameter is ignored"),
    ExcludedAttributesIgnored => ("excluded-attributes-ignored", 7644, "3.4.2.5", "the excludedAttributes parameter is ignored"),
    PasswordReturned => ("password-returned", 7643, "4.1.1", "password (returned: never) appears in responses"),
    UniquenessNotEnforced => ("uniqueness-not-enforced", 7644, "3.3", "a duplicate userName is created instead of answering 409"),
    UserNameUniquenessCaseSensitive => ("username-uniqueness-case-sensitive", 7643, "4.1.1", "userName uniqueness compares case-sensitively"),
    PutMerges => ("put-merges", 7644, "3.5.1", "PUT merges multi-valued attributes instead of replacing them"),
    PatchRemoveFilterNoop => ("patch-remove-filter-noop", 7644, "3.5.2.2", "PATCH remove with a value filter answers success and changes nothing"),
    PatchRemoveFilterRemovesAll => ("patch-remove-filter-removes-all", 7644, "3.5.2.2", "PATCH remove with a value filter removes every value"),
    PatchPathlessRejected => ("patch-pathless-rejected", 7644, "3.5.2.3", "PATCH replace without a path is rejected"),
    PatchNotAtomic => ("patch-not-atomic", 7644, "3.5.2", "a PATCH whose later operation fails keeps the earlier operations"),
    DeleteLeavesReadable => ("delete-leaves-readable", 7644, "3.6", "a deleted resource can still be read"),
    DeleteReturns200 => ("delete-returns-200", 7644, "3.6", "DELETE answers 200 instead of 204"),
    IfMatchIgnored => ("if-match-ignored", 7644, "3.14", "a stale If-Match is ignored instead of answering 412"),
    VersionNeverChanges => ("version-never-changes", 7644, "3.14", "meta.version and ETag stay the same after a modification"),
    JsonContentType => ("json-content-type", 7644, "8.1", "responses are typed application/json"),
    MetaMissing => ("meta-missing", 7643, "3.1", "resources are returned without meta"),
    StringBooleans => ("string-booleans", 7643, "2.3.2", "boolean attributes are returned as strings (\"true\")"),
    EpochDates => ("epoch-dates", 7643, "2.3.5", "meta.created and meta.lastModified are epoch numbers"),
    ReadOnlyRejected => ("read-only-rejected", 7644, "3.3", "read-only attributes on input are rejected instead of ignored"),
    DiscoveryBareArray => ("discovery-bare-array", 7644, "4", "/Schemas and /ResourceTypes answer a bare JSON array"),
    ExternalIdNotStored => ("external-id-not-stored", 7643, "3.1", "externalId is dropped on create"),
    UnknownIdAnswers500 => ("unknown-id-500", 7644, "3.4.1", "an unknown resource id answers 500"),
    DiscoveryById404 => ("discovery-by-id-404", 7644, "4", "/ResourceTypes/{id} and /Schemas/{id} answer 404"),
    SpcStringBooleans => ("spc-string-booleans", 7643, "5", "ServiceProviderConfig flags are strings (\"true\")"),
    SpcIncomplete => ("spc-incomplete", 7643, "5", "ServiceProviderConfig lacks its schema URN, bulk and filter limits and scheme descriptions"),
    GroupMembersOmitted => ("group-members-omitted", 7644, "3.4.1", "GET on a Group leaves out its members"),
    IdExcludable => ("id-excludable", 7644, "3.4.2.5", "excludedAttributes=id removes id (returned: always)"),
    NoEtagHeader => ("no-etag-header", 7644, "3.14", "responses carry no ETag header although etag is supported"),
    IfMatchWeakCompare => ("if-match-weak-compare", 7644, "3.14", "a current weak ETag in If-Match is refused with 412"),
    IfNoneMatchIgnored => ("if-none-match-ignored", 7644, "3.14", "If-None-Match with the current ETag answers 200, not 304"),
    PatchSilentlyIgnored => ("patch-silently-ignored", 7644, "3.5.2", "PATCH answers 200 and changes nothing"),
    PatchEmptyBody200 => ("patch-empty-body-200", 7644, "3.5.2", "a successful PATCH answers 200 with an empty body"),
    BulkIdUnresolved => ("bulk-id-unresolved", 7644, "3.7.2", "bulkId references in bulk data are not replaced by the new ids"),
    CountZeroIsDefault => ("count-zero-is-default", 7644, "3.4.2.4", "count=0 is treated as \"use the default page size\""),
    StartIndexBelowOneRejected => ("start-index-below-one-rejected", 7644, "3.4.2.4", "startIndex below 1 answers 400 instead of being treated as 1"),
    SearchUnsupported => ("search-unsupported", 7644, "3.4.3", "POST .search answers 404"),
    MeAnswers500 => ("me-500", 7644, "3.11", "/Me answers 500 instead of 501 Not Implemented"),
    JsonRequestsRejected => ("json-requests-rejected", 7644, "3.8", "request bodies typed application/json are refused with 415"),
    AnonymousAllowed => ("anonymous-allowed", 7644, "3.12", "requests without credentials are served"),
    MalformedJson500 => ("malformed-json-500", 7644, "3.12", "a malformed JSON body answers 500"),
    RequiredNotEnforced => ("required-not-enforced", 7643, "4.1.1", "a User without userName is created"),
    // -- filtering (RFC 7644 §3.4.2.2): add new filter faults below --
    FilterNeAsEq => ("filter-ne-as-eq", 7644, "3.4.2.2", "the ne operator is evaluated as eq"),
    FilterCoAsSw => ("filter-co-as-sw", 7644, "3.4.2.2", "the co operator only matches at the start of the value (as sw)"),
    FilterEwAsCo => ("filter-ew-as-co", 7644, "3.4.2.2", "the ew operator matches anywhere in the value (as co)"),
    FilterAffixNotIdentical => ("filter-affix-not-identical", 7644, "3.4.2.2", "sw and ew do not match a value identical to the operand"),
    FilterPresentEmpty => ("filter-present-empty", 7644, "3.4.2.2", "pr is true for empty strings"),
    FilterBoundsExclusive => ("filter-bounds-exclusive", 7644, "3.4.2.2", "ge and le are evaluated as gt and lt"),
    FilterDateOrderingFalse => ("filter-date-ordering-false", 7644, "3.4.2.2", "gt, ge, lt and le on meta dateTimes never match"),
    FilterBooleanAsString => ("filter-boolean-as-string", 7644, "3.4.2.2", "true and false in filters are compared as the strings \"true\" and \"false\""),
    FilterOrderingOnBooleanAccepted => ("filter-ordering-on-boolean-accepted", 7644, "3.4.2.2", "gt, ge, lt and le with a boolean are evaluated as eq instead of failing with invalidFilter"),
    FilterOrAsAnd => ("filter-or-as-and", 7644, "3.4.2.2", "or is evaluated as and"),
    FilterNotIgnored => ("filter-not-ignored", 7644, "3.4.2.2", "not (...) is evaluated as its inner filter"),
    FilterLeftToRight => ("filter-left-to-right", 7644, "3.4.2.2", "and and or are evaluated left to right, ignoring precedence and parentheses"),
    FilterGroupingIgnored => ("filter-grouping-ignored", 7644, "3.4.2.2", "parentheses are ignored: and always binds tighter than or"),
    FilterFirstValueOnly => ("filter-first-value-only", 7644, "3.4.2.2", "filters on multi-valued attributes only look at the first value"),
    FilterValuePathAnyElement => ("filter-value-path-any-element", 7644, "3.4.2.2", "the conditions inside emails[...] may be met by different values"),
    FilterUrnUnrecognised => ("filter-urn-unrecognised", 7644, "3.4.2.2", "URN-qualified attribute names in filters never match"),
    FilterIgnoresCaseExact => ("filter-ignores-case-exact", 7644, "3.4.2.2", "filters compare every string case-insensitively, even caseExact ones"),
    // -- PATCH (RFC 7644 §3.5.2): add new PATCH faults below --
    PatchAddReplacesMultiValued => ("patch-add-replaces-multi-valued", 7644, "3.5.2.1", "PATCH add to a multi-valued attribute replaces its values instead of appending"),
    PatchAddDuplicates => ("patch-add-duplicates", 7644, "3.5.2.1", "PATCH add of a value already present appends a duplicate"),
    PatchNoopBumpsVersion => ("patch-noop-bumps-version", 7644, "3.5.2.1", "a PATCH that changes nothing still bumps meta.version and meta.lastModified"),
    PatchReplaceComplexWipes => ("patch-replace-complex-wipes", 7644, "3.5.2.3", "PATCH replace on a complex attribute drops the sub-attributes it does not name"),
    PatchReplaceFilterReplacesAll => ("patch-replace-filter-replaces-all", 7644, "3.5.2.3", "PATCH replace with a value filter changes every value, not just the matching ones"),
    PatchReplaceAppends => ("patch-replace-appends", 7644, "3.5.2.3", "PATCH replace on a multi-valued attribute without a filter appends instead of replacing"),
    PatchNoTargetIgnored => ("patch-no-target-ignored", 7644, "3.5.2.3", "PATCH replace with a value filter that matches nothing succeeds and changes nothing"),
    PatchRemoveRequiredAllowed => ("patch-remove-required-allowed", 7644, "3.5.2.2", "PATCH remove of a required attribute succeeds"),
    PatchRemoveSubAttributeRemovesRecord => ("patch-remove-sub-attribute-removes-record", 7644, "3.5.2.2", "PATCH remove of a sub-attribute of filtered values removes the whole values"),
    PatchPrimaryNotRebalanced => ("patch-primary-not-rebalanced", 7644, "3.5.2", "PATCH setting primary on one value leaves primary true on the others"),
    PatchExtensionUrnDropped => ("patch-extension-urn-dropped", 7644, "3.5.2", "PATCH paths with an extension URN store the attribute at the top level; the URN never reaches schemas"),
    PatchOpsReversed => ("patch-ops-reversed", 7644, "3.5.2", "PATCH operations are applied last to first"),
    PatchArrayIndexIgnored => ("patch-array-index-ignored", 7644, "3.5.2", "array indexes in PATCH paths are ignored: emails[0].value updates every email"),
    PatchUnknownOpIgnored => ("patch-unknown-op-ignored", 7644, "3.5.2", "PATCH operations with an op other than add, remove or replace are skipped"),
    PatchAttributes204 => ("patch-attributes-204", 7644, "3.5.2", "PATCH answers 204 even when the attributes parameter is given"),
    PatchUnknownAttributeIgnored => ("patch-unknown-attribute-ignored", 7644, "3.5.2", "PATCH paths naming no attribute of the schema are silently ignored"),
    PatchPathCaseSensitive => ("patch-path-case-sensitive", 7644, "3.5.2", "attribute names in PATCH paths and value objects are matched case-sensitively"),
    PatchReadOnlyIgnored => ("patch-read-only-ignored", 7644, "3.5.2", "PATCH of a readOnly attribute answers success and changes nothing"),
    PatchInvalidPath500 => ("patch-invalid-path-500", 7644, "3.5.2", "a malformed PATCH path or value filter answers 500"),
    PatchUrnNotChecked => ("patch-urn-not-checked", 7644, "3.5.2", "PATCH bodies without the PatchOp URN are accepted"),
    // -- other areas: add new faults below --
    BulkForwardReferenceDropped => ("bulk-forward-reference-dropped", 7644, "3.7", "bulk operations run strictly in order and a bulkId reference to a later operation is dropped from the data"),
    BulkCircular500 => ("bulk-circular-500", 7644, "3.7.1", "a bulk request with circular bulkId references answers 500"),
    BulkIdExtensionUnresolved => ("bulk-id-extension-unresolved", 7644, "3.7.2", "bulkId references inside extension attributes are not replaced"),
    BulkDeleteNoLocation => ("bulk-delete-no-location", 7644, "3.7.3", "bulk results of DELETE operations and of failed operations carry no location"),
    BulkMaxOperationsIgnored => ("bulk-max-operations-ignored", 7644, "3.7.4", "a bulk request with more than maxOperations operations is run"),
    BulkMaxPayloadIgnored => ("bulk-max-payload-ignored", 7644, "3.7.4", "a bulk request larger than maxPayloadSize is run"),
    Bulk413NoLimit => ("bulk-413-no-limit", 7644, "3.7.4", "413 answers to bulk requests say only \"Payload Too Large\", not which limit"),
    IntegerFractions => ("integer-fractions", 7643, "2.3.4", "totalResults, startIndex and itemsPerPage are serialised with a fraction (2.0)"),
    BinaryLineWrapped => ("binary-line-wrapped", 7643, "2.3.6", "binary values (x509Certificates) are returned MIME-wrapped with line breaks every 76 characters"),
    RefMissingEndpoint => ("ref-missing-endpoint", 7643, "2.3.7", "members.$ref and groups.$ref leave out the endpoint (base/id)"),
    SchemaPrimaryString => ("schema-primary-string", 7643, "2.4", "/Schemas describes the primary sub-attributes as strings"),
    IdFromName => ("id-from-name", 7643, "3.1", "ids are the userName or displayName (as in LDAP gateways), so a user and a group can share an id"),
    SingleValueUnwrapped => ("single-value-unwrapped", 7644, "3.8", "a multi-valued attribute with one value is returned as that value, not an array"),
    TypeErrorInvalidSyntax => ("type-error-invalid-syntax", 7644, "3.12", "a value of the wrong type answers 400 invalidSyntax instead of invalidValue"),
    NegativeCountRejected => ("negative-count-rejected", 7644, "3.4.2.4", "a negative count answers 400 instead of being treated as 0"),
    PastEnd404 => ("past-end-404", 7644, "3.4.2.4", "a page past the end answers 404"),
    SubAttributeSelectionIgnored => ("sub-attribute-selection-ignored", 7644, "3.4.2.5", "attributes=name.givenName returns the whole name"),
    AttributeSelectionCaseSensitive => ("attribute-selection-case-sensitive", 7644, "3.4.2.5", "attributes/excludedAttributes names are matched case-sensitively"),
    UrnAttributeSelectionIgnored => ("urn-attribute-selection-ignored", 7644, "3.4.2.5", "URN-qualified names in attributes/excludedAttributes select nothing"),
    MetaNotExcludable => ("meta-not-excludable", 7644, "3.4.2.5", "excludedAttributes=meta is ignored"),
    PutRecreates => ("put-recreates", 7643, "3.1", "PUT deletes the resource and creates it again under a new id"),
    ClientMetaStored => ("client-meta-stored", 7643, "3.1", "meta.created sent by the client is stored"),
    LastModifiedDiffers => ("last-modified-differs", 7643, "3.1", "a new resource's lastModified differs from created"),
    MetaLocationCollection => ("meta-location-collection", 7643, "3.1", "meta.location names the collection (/Users), not the resource"),
    ExternalIdGenerated => ("external-id-generated", 7643, "3.1", "the server fills in externalId when the client sent none"),
    NoWwwAuthenticate => ("no-www-authenticate", 7644, "2", "401 answers carry no WWW-Authenticate header"),
    SchemaBadAttributeName => ("schema-bad-attribute-name", 7643, "2.1", "/Schemas publishes an attribute named \"employee number\""),
    SchemaBadVocabulary => ("schema-bad-vocabulary", 7643, "2.2", "/Schemas spells characteristics its own way (\"readonly\", \"text\")"),
    SchemaSimpleWithSubAttributes => ("schema-simple-with-sub-attributes", 7643, "1.2", "/Schemas gives a string attribute sub-attributes"),
    SchemaComplexSubAttribute => ("schema-complex-sub-attribute", 7643, "2.3.8", "/Schemas nests a complex sub-attribute inside a complex attribute"),
    SchemaUserNameCaseExact => ("schema-username-case-exact", 7643, "4.1.1", "/Schemas describes userName as caseExact"),
    SchemaPasswordReturned => ("schema-password-returned", 7643, "4.1.1", "/Schemas describes password as returned by default"),
    SchemaGroupDisplayNameOptional => ("schema-group-display-name-optional", 7643, "8.7.1", "/Schemas describes Group displayName as optional"),
    SchemaListsMessages => ("schema-lists-messages", 7644, "3.1", "/Schemas publishes the ListResponse message schema"),
    UserGroupsDisplayAsValue => ("user-groups-display-as-value", 7643, "4.1.2", "User.groups values hold the group's displayName instead of its id"),
    DiscoveryFilterApplied => ("discovery-filter-applied", 7644, "4", "a filter on /Schemas is applied (200) instead of answering 403"),
    SchemaWithoutMeta => ("schema-without-meta", 7643, "8.7.2", "published Schema resources have no meta"),
    JsonAcceptRejected => ("json-accept-rejected", 7644, "3.8", "Accept: application/json answers 406"),
    SearchUrnNotRequired => ("search-urn-not-required", 7644, "3.4.3", "a .search body without the SearchRequest URN is accepted"),
    Utf8Mangled => ("utf8-mangled", 7644, "3.8", "non-ASCII characters are stored as '?'"),
    NonstandardScimType => ("nonstandard-scim-type", 7644, "3.12", "a taken userName answers scimType \"duplicate\" (not in Table 9)"),
    UnknownEndpointHtml => ("unknown-endpoint-html", 7644, "3.12", "unknown endpoints answer an HTML 404 page"),
    // -- profile entra: add new faults below --
    PatchOpCaseSensitive => ("patch-op-case-sensitive", 0, "entra", "PATCH op values must be lower case: Entra's \"Add\", \"Replace\" and \"Remove\" answer 400"),
    SoftDeletedHidden => ("soft-deleted-hidden", 0, "entra", "users with active false answer 404 on GET and are left out of query results"),
    ExternalIdNotFilterable => ("external-id-not-filterable", 0, "entra", "filters on externalId answer 400 invalidFilter"),
    PatchStringBooleansRejected => ("patch-string-booleans-rejected", 0, "entra", "PATCH values \"True\"/\"False\" for boolean attributes answer 400 (Entra's legacy shape)"),
    MemberRemoveValueIgnored => ("member-remove-value-ignored", 0, "entra", "PATCH remove of members with a value array and no filter removes every member (Entra's legacy shape)"),
    ManagerStringRejected => ("manager-string-rejected", 0, "entra", "a bare manager id string as PATCH value answers 400"),
    QueriesRateLimited => ("queries-rate-limited", 0, "entra", "user queries beyond 10 per second answer 429 with Retry-After: 1 (below the 25 per second Entra asks of gallery apps)"),
    QueriesSerialized => ("queries-serialized", 0, "entra", "user queries are answered one at a time, 100 ms each (10 per second): a burst queues up"),
    // -- profiles okta and interop: add new faults below --
    GroupRenameIgnored => ("group-rename-ignored", 0, "okta", "PATCH on a group applies only operations on members: a displayName replace (Okta's path-less rename) answers 200 and changes nothing"),
    UnknownAttributesIgnored => ("unknown-attributes-ignored", 0, "interop", "attributes and schema URIs a resource type does not define are silently dropped from POST and PUT bodies"),
    FilterUndefinedAttributeAccepted => ("filter-undefined-attribute-accepted", 0, "interop", "a filter on an attribute the resource type does not define answers 200 with an empty list"),
    ResourceTypeIdNotName => ("resource-type-id-not-name", 0, "interop", "/ResourceTypes lists ids in lower case (\"user\"), different from name"),
    InteropClaimUnconformant => ("interop-claim-unconformant", 0, "interop", "ServiceProviderConfig claims interopProfileConformant: true, yet path-less PATCH operations are still accepted"),
    // -- lifecycle: add new faults below --
    StaleReads => ("stale-reads", 7644, "3.5.2.3", "for a second after a PUT or PATCH, GET on that resource answers its previous version (a lagging read replica)"),
    UserGroupsStale => ("user-groups-stale", 7643, "4.1.2", "User.groups is a copy taken when the user itself was last written: membership changes made on Groups do not show"),
    // -- attributes and resources (helper B): add new faults below --
    SchemasUndeclaredUrn => ("schemas-undeclared-urn", 7643, "3", "resources list a vendor schema URN that /ResourceTypes does not declare"),
    IdCaseInsensitive => ("id-case-insensitive", 7643, "3.1", "ids are matched case-insensitively in filters and GET, as with a case-insensitive database collation"),
    DoublePrimaryStored => ("double-primary-stored", 7643, "2.4", "POST and PUT store several primary: true values of one attribute"),
    ManagerDisplayNameStored => ("manager-display-name-stored", 7643, "4.3", "a client-sent enterprise manager.displayName (readOnly) is stored"),
    ManagerValueUserName => ("manager-value-user-name", 7643, "4.3", "enterprise manager.value is stored as the manager's userName instead of its id"),
    LocationQueryString => ("location-query-string", 7644, "1.3", "resource URIs (meta.location, Location) carry a ?tenant= query string"),
    // -- groups, references and representation (helper C): add new faults below --
    MemberValueEditable => ("member-value-editable", 7643, "4.2", "PATCH can rewrite an existing member's value (immutable sub-attributes are not enforced)"),
    PutMembersRejected => ("put-members-rejected", 7644, "3.5.1", "a PUT that carries a group's members is refused with 400 mutability, even when they are unchanged"),
    RefSingularEndpoint => ("ref-singular-endpoint", 7643, "2.3.7", "members.$ref and groups.$ref use singular endpoints (/User/<id>, /Group/<id>) that do not resolve"),
    CountryExpanded => ("country-expanded", 7643, "4.1.2", "addresses.country codes are returned as country names (\"US\" becomes \"United States\")"),
    CertificatePem => ("certificate-pem", 7643, "4.1.2", "x509Certificates values are returned as PEM, with BEGIN/END lines and line breaks"),
    CreateEchoesInput => ("create-echoes-input", 7644, "3.1", "emails are stored lower-cased, but the create response echoes them as sent"),
    // -- root queries, limits and internationalisation (helper D): add new faults below --
    RootSearchUsersOnly => ("root-search-users-only", 7644, "3.4.2.1", "queries at the server root (GET / and POST /.search) return only Users"),
    RootMissingAttribute400 => ("root-missing-attribute-400", 7644, "3.4.2.1", "a root query whose filter names an attribute some resource type lacks (userName for Groups) answers 400 invalidFilter"),
    MaxResultsNotEnforced => ("max-results-not-enforced", 7643, "5", "ServiceProviderConfig advertises filter.maxResults 2, but queries return up to count resources"),
    UserNameNotNormalised => ("username-not-normalised", 7644, "5", "userNames are compared lower-cased only, without PRECIS width mapping and NFC (precomposed U+00E9 and e + U+0301 make different users)"),
    InputNamesCaseSensitive => ("input-names-case-sensitive", 7643, "2.1", "attribute names in request bodies must match the schema's case"),
    SchemasKeyFirst => ("schemas-key-first", 7643, "2.3.8", "a body whose first key is not schemas is refused"),
    UserGroupsWritable => ("user-groups-writable", 7643, "4.1.2", "User.groups sent by the client is stored and returned"),
    DiscoveryWritable => ("discovery-writable", 7643, "5", "PUT and DELETE on discovery resources answer 200"),
    ExternalIdLowercased => ("external-id-lowercased", 7643, "7", "externalId is stored lower-cased although it is caseExact"),
    PatchNotAdvertised => ("patch-not-advertised", 7644, "3.5", "ServiceProviderConfig says patch is not supported"),
    BulkStopsOnError => ("bulk-stops-on-error", 7644, "3.7", "a bulk request stops at the first failed operation even without failOnErrors"),
    BulkFailOnErrorsIgnored => ("bulk-fail-on-errors-ignored", 7644, "3.7", "failOnErrors is ignored: every operation runs"),
    GroupDisplayNameNotRequired => ("group-display-name-not-required", 7643, "4.2", "a Group without displayName is created"),
    SchemasNotChecked => ("schemas-not-checked", 7643, "3", "a create's schemas attribute is not checked against the endpoint"),
    SchemasOrderSensitive => ("schemas-order-sensitive", 7643, "3", "a create is refused unless the core schema comes first in schemas"),
    ExtensionUrnNotListed => ("extension-urn-not-listed", 7643, "3.3", "schemas leaves out the extension URN of extension data"),
    ExclusionDropsExtensions => ("exclusion-drops-extensions", 7644, "3.4.2.5", "any excludedAttributes drops the extension data"),
    UnknownParameterRejected => ("unknown-parameter-rejected", 7644, "3.4.2", "unknown query parameters answer 400"),
    SpcRequiresAuth => ("spc-requires-auth", 7643, "5", "/ServiceProviderConfig needs credentials"),
    SortCaseSensitive => ("sort-case-sensitive", 7644, "3.4.2.3", "sorting ignores caseExact and compares code points"),
    SortMissingFirst => ("sort-missing-first", 7644, "3.4.2.3", "resources without the sortBy value sort first when ascending"),
    SortSubAttributeIgnored => ("sort-sub-attribute-ignored", 7644, "3.4.2.3", "sortBy with a sub-attribute path is ignored"),
    MemberTypeWrong => ("member-type-wrong", 7643, "4.2", "members.type says Group for User members"),
    DeletedStillListed => ("deleted-still-listed", 7644, "3.6", "deleted resources still appear in query results"),
    DeletedNamesReserved => ("deleted-names-reserved", 7644, "3.6", "a deleted user's userName stays taken (409)"),
    PutRequiredNotEnforced => ("put-required-not-enforced", 7644, "3.5.1", "a PUT without userName is accepted"),
    IfNoneMatchAlways304 => ("if-none-match-always-304", 7644, "3.14", "any If-None-Match answers 304"),
    DiscoveryPaginated => ("discovery-paginated", 7644, "4", "discovery endpoints apply count and startIndex"),
    SchemaComplexWithoutSubAttributes => ("schema-complex-without-sub-attributes", 7643, "2.2", "/Schemas lists a complex attribute without its sub-attributes"),
}

impl Fault {
    /// The identity-provider profile (`entra`, `okta`, …) whose rules the
    /// fault breaks, for faults given `rfc` 0 and the profile's name as
    /// section. Such a fault must trip a check of that profile; any other
    /// fault must trip a check citing its RFC section.
    pub fn profile(self) -> Option<&'static str> {
        (self.rfc() == 0).then(|| self.section())
    }

    /// What the fault breaks: `RFC 7644 §3.5.2` or `profile entra`.
    pub fn breaks(self) -> String {
        match self.profile() {
            Some(profile) => format!("profile {profile}"),
            None => format!("RFC {} §{}", self.rfc(), self.section()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unknown fault {0:?}; `scimspec serve --list-faults` lists them")]
pub struct UnknownFault(pub String);

impl std::str::FromStr for Fault {
    type Err = UnknownFault;

    fn from_str(name: &str) -> Result<Fault, UnknownFault> {
        Fault::ALL
            .iter()
            .copied()
            .find(|fault| fault.name() == name)
            .ok_or_else(|| UnknownFault(name.to_string()))
    }
}

/// The faults a server runs with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FaultSet(BTreeSet<Fault>);

impl FaultSet {
    pub fn new(faults: impl IntoIterator<Item = Fault>) -> FaultSet {
        FaultSet(faults.into_iter().collect())
    }

    pub fn has(&self, fault: Fault) -> bool {
        self.0.contains(&fault)
    }

    pub fn iter(&self) -> impl Iterator<Item = Fault> + '_ {
        self.0.iter().copied()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_parse_back() {
        let mut names = std::collections::HashSet::new();
        for fault in Fault::ALL {
            assert!(names.insert(fault.name()), "duplicate {}", fault.name());
            assert_eq!(fault.name().parse::<Fault>().unwrap(), *fault);
            match fault.profile() {
                Some(profile) => assert!(
                    profile
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                        && !profile.is_empty(),
                    "{}: profile {profile:?}",
                    fault.name()
                ),
                None => assert!(matches!(fault.rfc(), 7643 | 7644)),
            }
        }
        assert!(Fault::ALL.len() >= 25);
        assert!("nonsense".parse::<Fault>().is_err());
    }
}

//! Section titles of RFC 7643 and RFC 7644, for grouping reports.

const RFC7643: &[(&str, &str)] = &[
    ("1.2", "Notational Conventions"),
    ("2", "SCIM Schema"),
    ("2.1", "Attributes"),
    ("2.2", "Attribute Characteristics"),
    ("2.3", "Attribute Data Types"),
    ("2.3.1", "String"),
    ("2.3.2", "Boolean"),
    ("2.3.3", "Decimal"),
    ("2.3.4", "Integer"),
    ("2.3.5", "DateTime"),
    ("2.3.6", "Binary"),
    ("2.3.7", "Reference"),
    ("2.3.8", "Complex"),
    ("2.4", "Multi-Valued Attributes"),
    ("2.5", "Unassigned and Null Values"),
    ("3", "SCIM Resources"),
    ("3.1", "Common Attributes"),
    ("3.2", "Defining New Resource Types"),
    ("3.3", "Attribute Extensions to Resources"),
    ("4", "SCIM Core Resources and Extensions"),
    ("4.1", "\"User\" Resource Schema"),
    ("4.1.1", "Singular Attributes"),
    ("4.1.2", "Multi-Valued Attributes"),
    ("4.2", "\"Group\" Resource Schema"),
    ("4.3", "Enterprise User Schema Extension"),
    ("5", "Service Provider Configuration Schema"),
    ("6", "ResourceType Schema"),
    ("7", "Schema Definition"),
    ("8.7.1", "Resource Schema Representation"),
    ("8.7.2", "Service Provider Schema Representation"),
];

const RFC7644: &[(&str, &str)] = &[
    ("1.3", "Definitions"),
    ("2", "Authentication and Authorization"),
    ("3", "SCIM Protocol"),
    ("3.1", "Background"),
    ("3.2", "SCIM Endpoints and HTTP Methods"),
    ("3.3", "Creating Resources"),
    ("3.3.1", "Resource Types"),
    ("3.4", "Retrieving Resources"),
    ("3.4.1", "Retrieving a Known Resource"),
    ("3.4.2", "Query Resources"),
    ("3.4.2.1", "Query Endpoints"),
    ("3.4.2.2", "Filtering"),
    ("3.4.2.3", "Sorting"),
    ("3.4.2.4", "Pagination"),
    ("3.4.2.5", "Attributes"),
    ("3.4.3", "Querying Resources Using HTTP POST"),
    ("3.5", "Modifying Resources"),
    ("3.5.1", "Replacing with PUT"),
    ("3.5.2", "Modifying with PATCH"),
    ("3.5.2.1", "Add Operation"),
    ("3.5.2.2", "Remove Operation"),
    ("3.5.2.3", "Replace Operation"),
    ("3.6", "Deleting Resources"),
    ("3.7", "Bulk Operations"),
    ("3.8", "Data Input/Output Formats"),
    ("3.9", "Additional Operation Response Parameters"),
    ("3.10", "Attribute Notation"),
    ("3.11", "\"/Me\" Authenticated Subject Alias"),
    ("3.12", "HTTP Status and Error Response Handling"),
    ("3.13", "SCIM Protocol Versioning"),
    ("3.14", "Versioning Resources"),
    ("4", "Service Provider Configuration Endpoints"),
    (
        "5",
        "Preparation and Comparison of Internationalized Strings",
    ),
    ("7", "Security Considerations"),
    ("8.1", "Media Type Registration"),
];

/// The title of a section, e.g. (7644, "3.3") -> "Creating Resources".
pub fn title(rfc: u16, section: &str) -> Option<&'static str> {
    let table = match rfc {
        7643 => RFC7643,
        7644 => RFC7644,
        _ => return None,
    };
    table
        .iter()
        .find(|(number, _)| *number == section)
        .map(|(_, title)| *title)
}

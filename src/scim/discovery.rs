//! Discovery: what the target advertises in /ServiceProviderConfig,
//! /ResourceTypes and /Schemas, and the `requires` conditions decided from it.

use serde_json::{Map, Value};

use crate::engine::matchers::describe_non_json;
use crate::engine::path;
use crate::engine::predicate::truncate;
use crate::http::client::{Exchange, HttpClient, HttpError, OutgoingRequest, Response};
use crate::scim::schema::SchemaRegistry;
use crate::suite::model::{Condition, MutabilityValue};

/// One discovery document: loaded, or why it could not be.
#[derive(Debug, Clone)]
pub enum Document {
    Loaded(Value),
    Failed(String),
}

impl Document {
    pub fn value(&self) -> Option<&Value> {
        match self {
            Document::Loaded(value) => Some(value),
            Document::Failed(_) => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Discovery {
    pub service_provider_config: Document,
    pub resource_types: Document,
    pub schemas: Document,
    /// Every request discovery sent, for the report.
    pub exchanges: Vec<Exchange>,
    /// The target's own schemas and resource types, as a typed model (empty
    /// when the documents could not be read).
    pub registry: SchemaRegistry,
}

/// Why the run cannot go on at all.
#[derive(Debug, Clone, thiserror::Error)]
pub enum DiscoveryFatal {
    #[error("target unreachable: {0}")]
    Unreachable(String),
    #[error("credentials rejected: {0}")]
    CredentialsRejected(String),
    /// No credentials to send: the OAuth token endpoint failed or refused.
    #[error("authentication failed: {0}")]
    Authentication(String),
}

/// A request that could not be sent at all ends the run.
fn fatal(err: HttpError) -> DiscoveryFatal {
    match err {
        HttpError::Auth(reason) => DiscoveryFatal::Authentication(reason),
        other => DiscoveryFatal::Unreachable(other.to_string()),
    }
}

/// The outcome of evaluating a condition.
#[derive(Debug, Clone, PartialEq)]
pub enum ConditionOutcome {
    Met,
    /// Not advertised: skip, with the reason.
    Unmet(String),
    /// Cannot tell (the document is broken): the check cannot be tested.
    Unknown(String),
}

impl Discovery {
    /// Fetches the three discovery documents. Malformed documents are kept as
    /// failures; only an unreachable target or rejected credentials are fatal.
    pub async fn fetch(client: &HttpClient) -> Result<Discovery, DiscoveryFatal> {
        let mut exchanges = Vec::new();
        let mut fetch = async |path: &str, list: bool| -> Result<Document, DiscoveryFatal> {
            let request = OutgoingRequest {
                method: "GET".into(),
                path: path.into(),
                ..Default::default()
            };
            let (exchange, result) = client.send(&request).await;
            let answered = exchange.status;
            exchanges.push(exchange);
            let response = match (result, answered) {
                (Ok(response), _) => response,
                // Reachable, but this document is too large to read: the run
                // goes on without it. (A timeout stays fatal: every check
                // would wait for it too.)
                (Err(err @ HttpError::BodyTooLarge(_)), Some(status)) => {
                    return Ok(Document::Failed(format!(
                        "GET {path} answered {status}, but the {err} (see --max-response-bytes)"
                    )));
                }
                (Err(err), _) => return Err(fatal(err)),
            };
            if response.status == 401 || response.status == 403 {
                return Err(DiscoveryFatal::CredentialsRejected(format!(
                    "GET {path} answered {}",
                    response.status
                )));
            }
            if response.status != 200 {
                return Ok(Document::Failed(format!(
                    "GET {path} answered {}{}",
                    response.status,
                    redirect_note(&response)
                )));
            }
            let Some(json) = response.json else {
                return Ok(Document::Failed(format!(
                    "GET {path} did not return JSON ({})",
                    describe_non_json(&response)
                )));
            };
            if list && !json.get("Resources").is_some_and(Value::is_array) {
                return Ok(Document::Failed(format!(
                    "GET {path} is not a ListResponse with a Resources array"
                )));
            }
            if !list && !json.is_object() {
                return Ok(Document::Failed(format!("GET {path} is not a JSON object")));
            }
            Ok(Document::Loaded(json))
        };
        let service_provider_config = fetch("/ServiceProviderConfig", false).await?;
        let resource_types = fetch("/ResourceTypes", true).await?;
        let schemas = fetch("/Schemas", true).await?;
        // Either document alone is still worth having: the resource types
        // decide which schemas a resource may list even when /Schemas fails.
        let registry = SchemaRegistry::from_discovery(
            schemas.value().unwrap_or(&Value::Null),
            resource_types.value().unwrap_or(&Value::Null),
        );
        let discovery = Discovery {
            service_provider_config,
            resource_types,
            schemas,
            exchanges,
            registry,
        };
        discovery.probe_credentials(client).await
    }

    /// Discovery endpoints are often public; one read of the first resource
    /// endpoint tells whether the credentials are accepted.
    async fn probe_credentials(mut self, client: &HttpClient) -> Result<Discovery, DiscoveryFatal> {
        let endpoint = self
            .endpoint("User")
            .or_else(|| {
                self.resource_type_names()
                    .first()
                    .and_then(|n| self.endpoint(n))
            })
            .unwrap_or_else(|| "/Users".to_string());
        let request = OutgoingRequest {
            method: "GET".into(),
            path: endpoint.clone(),
            query: vec![
                ("startIndex".into(), "1".into()),
                ("count".into(), "1".into()),
            ],
            ..Default::default()
        };
        let (exchange, result) = client.send(&request).await;
        self.exchanges.push(exchange);
        let response = match result {
            Ok(response) => response,
            // Reachable and answering, with a body too large to read: the
            // checks will report such answers themselves.
            Err(HttpError::BodyTooLarge(_)) => return Ok(self),
            Err(err) => return Err(fatal(err)),
        };
        if response.status == 401 || response.status == 403 {
            return Err(DiscoveryFatal::CredentialsRejected(format!(
                "GET {endpoint} answered {}",
                response.status
            )));
        }
        Ok(self)
    }

    pub fn resource_type_list(&self) -> Vec<&Map<String, Value>> {
        self.resource_types
            .value()
            .and_then(|doc| doc.get("Resources"))
            .and_then(Value::as_array)
            .map(|items| items.iter().filter_map(Value::as_object).collect())
            .unwrap_or_default()
    }

    pub fn resource_type_names(&self) -> Vec<String> {
        self.resource_type_list()
            .iter()
            .filter_map(|rt| rt.get("name").and_then(Value::as_str).map(str::to_string))
            .collect()
    }

    fn resource_type(&self, name: &str) -> Option<&Map<String, Value>> {
        self.resource_type_list().into_iter().find(|rt| {
            rt.get("name")
                .and_then(Value::as_str)
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })
    }

    /// The endpoint of a resource type, e.g. `/Users`.
    pub fn endpoint(&self, name: &str) -> Option<String> {
        let endpoint = self.resource_type(name)?.get("endpoint")?.as_str()?;
        Some(if endpoint.starts_with('/') {
            endpoint.to_string()
        } else {
            format!("/{endpoint}")
        })
    }

    fn schema_list(&self) -> Vec<&Map<String, Value>> {
        self.schemas
            .value()
            .and_then(|doc| doc.get("Resources"))
            .and_then(Value::as_array)
            .map(|items| items.iter().filter_map(Value::as_object).collect())
            .unwrap_or_default()
    }

    fn schema(&self, urn: &str) -> Option<&Map<String, Value>> {
        self.schema_list().into_iter().find(|schema| {
            schema
                .get("id")
                .and_then(Value::as_str)
                .is_some_and(|id| id.eq_ignore_ascii_case(urn))
        })
    }

    pub fn evaluate(&self, condition: &Condition) -> ConditionOutcome {
        match condition {
            Condition::Flag(flag) => match parse_flag(flag) {
                Some(inner) => self.evaluate(&inner),
                None => self.evaluate_feature(flag),
            },
            Condition::ResourceType { resource_type } => self.evaluate_resource_type(resource_type),
            Condition::Schema { schema } => self.evaluate_schema(schema),
            Condition::Extension { extension } => self.evaluate_extension(extension),
            Condition::Attribute { attribute } => self.evaluate_attribute(attribute),
            Condition::Mutability { mutability, is } => self.evaluate_mutability(mutability, *is),
        }
    }

    fn evaluate_feature(&self, flag: &str) -> ConditionOutcome {
        let spc = match &self.service_provider_config {
            Document::Loaded(spc) => spc,
            Document::Failed(reason) => {
                return ConditionOutcome::Unknown(format!(
                    "cannot tell whether {flag}: ServiceProviderConfig unusable ({reason})"
                ));
            }
        };
        match path::lookup(spc, flag) {
            Ok(Some(Value::Bool(true))) => ConditionOutcome::Met,
            Ok(Some(Value::Bool(false))) => ConditionOutcome::Unmet(format!("{flag} is false")),
            Ok(Some(other)) => ConditionOutcome::Unknown(format!(
                "cannot tell whether {flag}: ServiceProviderConfig has {other} (not a boolean)"
            )),
            _ => ConditionOutcome::Unmet(format!(
                "{flag} is not advertised in ServiceProviderConfig"
            )),
        }
    }

    fn evaluate_resource_type(&self, name: &str) -> ConditionOutcome {
        match &self.resource_types {
            Document::Loaded(_) => {
                if self.resource_type(name).is_some() {
                    ConditionOutcome::Met
                } else {
                    ConditionOutcome::Unmet(format!("resource type {name} is not advertised"))
                }
            }
            // RFC 7644 §3.2 defines /Users and /Groups; test them even when
            // /ResourceTypes is broken (its own checks report that).
            Document::Failed(_) if ["User", "Group"].contains(&name) => ConditionOutcome::Met,
            Document::Failed(reason) => ConditionOutcome::Unknown(format!(
                "cannot tell whether resource type {name} exists: {reason}"
            )),
        }
    }

    fn evaluate_schema(&self, urn: &str) -> ConditionOutcome {
        match &self.schemas {
            Document::Loaded(_) if self.schema(urn).is_some() => ConditionOutcome::Met,
            Document::Loaded(_) => ConditionOutcome::Unmet(format!("schema {urn} is not served")),
            Document::Failed(reason) => ConditionOutcome::Unknown(format!(
                "cannot tell whether schema {urn} is served: {reason}"
            )),
        }
    }

    fn evaluate_extension(&self, urn: &str) -> ConditionOutcome {
        if let Document::Failed(reason) = &self.resource_types {
            return ConditionOutcome::Unknown(format!(
                "cannot tell whether extension {urn} is offered: {reason}"
            ));
        }
        let offered = self.resource_type_list().iter().any(|rt| {
            rt.get("schemaExtensions")
                .and_then(Value::as_array)
                .is_some_and(|extensions| {
                    extensions.iter().any(|ext| {
                        ext.get("schema")
                            .and_then(Value::as_str)
                            .is_some_and(|s| s.eq_ignore_ascii_case(urn))
                    })
                })
        });
        if offered {
            ConditionOutcome::Met
        } else {
            ConditionOutcome::Unmet(format!("no resource type offers extension {urn}"))
        }
    }

    /// `User.emails` or `User.name.givenName`: the attribute is in the
    /// resource type's core schema.
    fn evaluate_attribute(&self, spec: &str) -> ConditionOutcome {
        let mut parts = spec.split('.');
        let type_name = parts.next().unwrap_or_default();
        let names: Vec<&str> = parts.collect();
        if names.is_empty() {
            return ConditionOutcome::Unknown(format!("malformed attribute condition {spec:?}"));
        }
        let Some(rt) = self.resource_type(type_name) else {
            return ConditionOutcome::Unmet(format!("resource type {type_name} is not advertised"));
        };
        let Some(schema_urn) = rt.get("schema").and_then(Value::as_str) else {
            return ConditionOutcome::Unknown(format!("resource type {type_name} names no schema"));
        };
        let Some(schema) = self.schema(schema_urn) else {
            return ConditionOutcome::Unknown(format!("schema {schema_urn} is not served"));
        };
        let mut attributes = schema.get("attributes").and_then(Value::as_array);
        for name in &names {
            let found = attributes.and_then(|list| {
                list.iter().find(|attr| {
                    attr.get("name")
                        .and_then(Value::as_str)
                        .is_some_and(|n| n.eq_ignore_ascii_case(name))
                })
            });
            let Some(found) = found else {
                return ConditionOutcome::Unmet(format!("{spec} is not in schema {schema_urn}"));
            };
            attributes = found.get("subAttributes").and_then(Value::as_array);
        }
        ConditionOutcome::Met
    }

    /// `Group.members.value` has mutability `expected` in the target's own
    /// schemas (the typed registry, so an absent characteristic takes the
    /// RFC 7643 §2.2 default, readWrite).
    fn evaluate_mutability(&self, spec: &str, expected: MutabilityValue) -> ConditionOutcome {
        for document in [&self.resource_types, &self.schemas] {
            if let Document::Failed(reason) = document {
                return ConditionOutcome::Unknown(format!(
                    "cannot tell the mutability of {spec}: {reason}"
                ));
            }
        }
        let mut parts = spec.split('.');
        let type_name = parts.next().unwrap_or_default();
        let names: Vec<&str> = parts.collect();
        if names.is_empty() {
            return ConditionOutcome::Unknown(format!("malformed mutability condition {spec:?}"));
        }
        let Some(resource_type) = self.registry.resource_type(type_name) else {
            return ConditionOutcome::Unmet(format!("resource type {type_name} is not advertised"));
        };
        if self.registry.schema(&resource_type.schema).is_none() {
            return ConditionOutcome::Unknown(format!(
                "schema {} is not served or could not be read",
                resource_type.schema
            ));
        }
        let Some((_, attribute)) = self.registry.resolve(resource_type, None, &names) else {
            return ConditionOutcome::Unmet(format!(
                "{spec} is not in schema {}",
                resource_type.schema
            ));
        };
        let actual = attribute.mutability.keyword();
        if actual == expected.keyword() {
            ConditionOutcome::Met
        } else {
            ConditionOutcome::Unmet(format!(
                "/Schemas gives {spec} mutability {actual}, not {}",
                expected.keyword()
            ))
        }
    }

    /// Template variables describing the target: `spc`, `resourceTypes`
    /// (by name), `schemas` (by id), `endpoints` (by resource type name).
    pub fn variables(&self) -> Vec<(String, Value)> {
        let mut vars = Vec::new();
        if let Some(spc) = self.service_provider_config.value() {
            vars.push(("spc".to_string(), spc.clone()));
        }
        let mut by_name = Map::new();
        let mut endpoints = Map::new();
        for rt in self.resource_type_list() {
            if let Some(name) = rt.get("name").and_then(Value::as_str) {
                by_name.insert(name.to_string(), Value::Object(rt.clone()));
                if let Some(endpoint) = self.endpoint(name) {
                    endpoints.insert(name.to_string(), Value::String(endpoint));
                }
            }
        }
        for (name, default) in [("User", "/Users"), ("Group", "/Groups")] {
            if matches!(self.resource_types, Document::Failed(_)) {
                endpoints.insert(name.to_string(), Value::String(default.to_string()));
            }
        }
        let mut schemas = Map::new();
        for schema in self.schema_list() {
            if let Some(id) = schema.get("id").and_then(Value::as_str) {
                schemas.insert(id.to_string(), Value::Object(schema.clone()));
            }
        }
        vars.push(("resourceTypes".to_string(), Value::Object(by_name)));
        vars.push(("endpoints".to_string(), Value::Object(endpoints)));
        vars.push(("schemas".to_string(), Value::Object(schemas)));
        vars
    }
}

/// For a 3xx answer: where it pointed, and that it was not followed (the
/// client follows redirects on the target's own origin only).
fn redirect_note(response: &Response) -> String {
    if !(300..400).contains(&response.status) {
        return String::new();
    }
    match response.header("location") {
        Some(location) => format!(
            ", a redirect to {} that was not followed (only redirects within the target's origin are)",
            truncate(location, 200)
        ),
        None => ", a redirect without a Location header".to_string(),
    }
}

/// `resourceType:Group`, `schema:URN`, `extension:URN`, `attribute:User.x`
/// written as one string.
fn parse_flag(flag: &str) -> Option<Condition> {
    let (kind, value) = flag.split_once(':')?;
    let value = value.trim().to_string();
    match kind.trim() {
        "resourceType" => Some(Condition::ResourceType {
            resource_type: value,
        }),
        "schema" => Some(Condition::Schema { schema: value }),
        "extension" => Some(Condition::Extension { extension: value }),
        "attribute" => Some(Condition::Attribute { attribute: value }),
        _ => None,
    }
}

/// Checks a condition's syntax when a suite is loaded.
pub fn validate_condition(condition: &Condition) -> Result<(), String> {
    match condition {
        Condition::Flag(flag) if flag.contains(':') => match parse_flag(flag) {
            Some(_) => Ok(()),
            None => Err(format!(
                "unknown condition {flag:?}: use resourceType:, schema:, extension: or attribute:"
            )),
        },
        Condition::Flag(flag) => path::parse(flag)
            .map(|_| ())
            .map_err(|e| format!("condition {flag:?}: {e}")),
        Condition::Attribute { attribute } if !attribute.contains('.') => Err(format!(
            "attribute condition {attribute:?} must be TYPE.attribute"
        )),
        Condition::Mutability { mutability, .. } if !mutability.contains('.') => Err(format!(
            "mutability condition {mutability:?} must be TYPE.attribute"
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn discovery() -> Discovery {
        Discovery {
            service_provider_config: Document::Loaded(json!({
                "patch": {"supported": true},
                "sort": {"supported": false},
                "etag": {"supported": "yes"}
            })),
            resource_types: Document::Loaded(json!({"Resources": [
                {"name": "User", "endpoint": "/Users", "schema": "urn:u",
                 "schemaExtensions": [{"schema": "urn:ext", "required": false}]},
                {"name": "Group", "endpoint": "Groups", "schema": "urn:g"}
            ]})),
            schemas: Document::Loaded(json!({"Resources": [
                {"id": "urn:u", "attributes": [{"name": "emails", "subAttributes": [{"name": "value"}]}]}
            ]})),
            exchanges: vec![],
            registry: SchemaRegistry::default(),
        }
    }

    fn flag(text: &str) -> Condition {
        Condition::Flag(text.to_string())
    }

    #[test]
    fn features_come_from_the_service_provider_config() {
        let d = discovery();
        assert_eq!(d.evaluate(&flag("patch.supported")), ConditionOutcome::Met);
        assert_eq!(
            d.evaluate(&flag("sort.supported")),
            ConditionOutcome::Unmet("sort.supported is false".into())
        );
        assert!(matches!(
            d.evaluate(&flag("bulk.supported")),
            ConditionOutcome::Unmet(_)
        ));
        assert!(matches!(
            d.evaluate(&flag("etag.supported")),
            ConditionOutcome::Unknown(_)
        ));
    }

    #[test]
    fn resource_types_schemas_extensions_attributes() {
        let d = discovery();
        assert_eq!(
            d.evaluate(&flag("resourceType:Group")),
            ConditionOutcome::Met
        );
        assert!(matches!(
            d.evaluate(&Condition::ResourceType {
                resource_type: "Device".into()
            }),
            ConditionOutcome::Unmet(_)
        ));
        assert_eq!(d.evaluate(&flag("schema:urn:u")), ConditionOutcome::Met);
        assert_eq!(
            d.evaluate(&flag("extension:urn:ext")),
            ConditionOutcome::Met
        );
        assert!(matches!(
            d.evaluate(&flag("extension:urn:none")),
            ConditionOutcome::Unmet(_)
        ));
        assert_eq!(
            d.evaluate(&flag("attribute:User.emails.value")),
            ConditionOutcome::Met
        );
        assert!(matches!(
            d.evaluate(&flag("attribute:User.phoneNumbers")),
            ConditionOutcome::Unmet(_)
        ));
        assert_eq!(d.endpoint("Group").as_deref(), Some("/Groups"));
    }

    #[test]
    fn broken_documents_make_conditions_unknown_but_keep_default_endpoints() {
        let mut d = discovery();
        d.service_provider_config = Document::Failed("GET answered 500".into());
        d.resource_types = Document::Failed("GET answered 500".into());
        assert!(matches!(
            d.evaluate(&flag("patch.supported")),
            ConditionOutcome::Unknown(_)
        ));
        assert_eq!(
            d.evaluate(&flag("resourceType:User")),
            ConditionOutcome::Met
        );
        assert!(matches!(
            d.evaluate(&flag("resourceType:Device")),
            ConditionOutcome::Unknown(_)
        ));
        let vars = d.variables();
        let endpoints = vars.iter().find(|(k, _)| k == "endpoints").unwrap();
        assert_eq!(endpoints.1["User"], json!("/Users"));
    }

    #[test]
    fn mutability_comes_from_the_targets_own_schemas() {
        let mut d = discovery();
        d.resource_types = Document::Loaded(json!({"Resources": [
            {"name": "Group", "endpoint": "/Groups", "schema": "urn:g"}
        ]}));
        d.schemas = Document::Loaded(json!({"Resources": [
            {"id": "urn:g", "attributes": [
                {"name": "members", "type": "complex", "multiValued": true, "subAttributes": [
                    {"name": "value", "mutability": "immutable"},
                    {"name": "display"}
                ]}
            ]}
        ]}));
        d.registry = SchemaRegistry::from_discovery(
            d.schemas.value().unwrap(),
            d.resource_types.value().unwrap(),
        );
        let condition = |spec: &str, is: MutabilityValue| Condition::Mutability {
            mutability: spec.to_string(),
            is,
        };
        assert_eq!(
            d.evaluate(&condition(
                "Group.members.value",
                MutabilityValue::Immutable
            )),
            ConditionOutcome::Met
        );
        // Case-insensitive names, as in SCIM.
        assert_eq!(
            d.evaluate(&condition(
                "group.Members.VALUE",
                MutabilityValue::Immutable
            )),
            ConditionOutcome::Met
        );
        // No mutability given: the RFC 7643 §2.2 default, readWrite.
        assert_eq!(
            d.evaluate(&condition(
                "Group.members.display",
                MutabilityValue::Immutable
            )),
            ConditionOutcome::Unmet(
                "/Schemas gives Group.members.display mutability readWrite, not immutable".into()
            )
        );
        assert!(matches!(
            d.evaluate(&condition("Group.members.nope", MutabilityValue::Immutable)),
            ConditionOutcome::Unmet(_)
        ));
        assert!(matches!(
            d.evaluate(&condition("Device.x", MutabilityValue::Immutable)),
            ConditionOutcome::Unmet(_)
        ));
        d.schemas = Document::Failed("GET /Schemas answered 500".into());
        assert!(matches!(
            d.evaluate(&condition(
                "Group.members.value",
                MutabilityValue::Immutable
            )),
            ConditionOutcome::Unknown(_)
        ));
        let parsed: Condition =
            serde_json::from_value(json!({"mutability": "Group.members.value", "is": "immutable"}))
                .unwrap();
        assert_eq!(
            parsed,
            condition("Group.members.value", MutabilityValue::Immutable)
        );
        assert!(validate_condition(&parsed).is_ok());
        assert!(validate_condition(&condition("Group", MutabilityValue::ReadOnly)).is_err());
        assert!(
            serde_json::from_value::<Condition>(json!({"mutability": "Group.x", "is": "frozen"}))
                .is_err()
        );
    }

    #[test]
    fn conditions_are_validated() {
        assert!(validate_condition(&flag("patch.supported")).is_ok());
        assert!(validate_condition(&flag("resourceType:User")).is_ok());
        assert!(validate_condition(&flag("nonsense:User")).is_err());
        assert!(validate_condition(&flag("patch..supported")).is_err());
    }
}

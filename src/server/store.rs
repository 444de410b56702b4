//! The in-memory store of the reference server: resources by type and id,
//! with the indexes that keep `userName eq` and uniqueness checks fast.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::scim::precis;

/// One stored resource. `data` holds the client-writable attributes in
/// canonical spelling (core attributes at the top level, extensions under
/// their URN, `externalId`), including write-only ones such as `password`.
#[derive(Debug, Clone)]
pub struct Stored {
    pub id: String,
    pub resource_type: String,
    pub data: Map<String, Value>,
    pub created: DateTime<Utc>,
    pub modified: DateTime<Utc>,
    pub version: u64,
    /// What filters and sorting look at: `data` plus `id` and `meta`,
    /// built once per write so queries need not render every resource.
    pub view: Value,
}

impl Stored {
    fn build_view(&self) -> Value {
        let mut view = self.data.clone();
        view.insert("id".into(), Value::String(self.id.clone()));
        view.insert(
            "meta".into(),
            serde_json::json!({
                "resourceType": self.resource_type,
                "created": self.created.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                "lastModified": self.modified.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                "version": self.etag(),
            }),
        );
        Value::Object(view)
    }

    pub fn etag(&self) -> String {
        format!("W/\"{}\"", self.version)
    }
}

#[derive(Debug, Default)]
pub struct Store {
    /// Resource type name -> id -> resource. Ordered by id, so paging is stable.
    resources: HashMap<String, BTreeMap<String, Stored>>,
    /// userName comparison key (PRECIS, RFC 7644 §5) -> User id.
    user_names: HashMap<String, String>,
    /// externalId -> ids (several resource types may share one).
    external_ids: HashMap<String, BTreeSet<String>>,
    /// Member id -> ids of the Groups that list it directly.
    memberships: HashMap<String, BTreeSet<String>>,
    /// User id -> the Groups that listed it when the user itself was last
    /// written (what the `user-groups-stale` fault shows as User.groups).
    groups_at_user_write: HashMap<String, BTreeSet<String>>,
    next_version: u64,
    next_sequence: u64,
    /// The `username-not-normalised` fault: userNames compare lower-cased
    /// only, without PRECIS width mapping and NFC.
    plain_user_names: bool,
}

impl Store {
    /// An empty store; `plain_user_names`: the `username-not-normalised` fault.
    pub fn new(plain_user_names: bool) -> Store {
        Store {
            plain_user_names,
            ..Store::default()
        }
    }

    pub fn next_version(&mut self) -> u64 {
        self.next_version += 1;
        self.next_version
    }

    /// A counter for ids: ids sort in creation order, so listings without
    /// sortBy come back in creation order.
    pub fn next_sequence(&mut self) -> u64 {
        self.next_sequence += 1;
        self.next_sequence
    }

    pub fn get(&self, resource_type: &str, id: &str) -> Option<&Stored> {
        self.resources.get(resource_type)?.get(id)
    }

    /// Looks an id up across resource types.
    pub fn find(&self, id: &str) -> Option<&Stored> {
        self.resources.values().find_map(|by_id| by_id.get(id))
    }

    pub fn all(&self, resource_type: &str) -> impl Iterator<Item = &Stored> {
        self.resources
            .get(resource_type)
            .into_iter()
            .flat_map(|by_id| by_id.values())
    }

    pub fn count(&self, resource_type: &str) -> usize {
        self.resources.get(resource_type).map_or(0, BTreeMap::len)
    }

    pub fn user_by_name(&self, user_name: &str) -> Option<&str> {
        self.user_names
            .get(&self.user_name_key(user_name))
            .map(String::as_str)
    }

    /// Two userNames are the same when their keys are: PRECIS
    /// UsernameCaseMapped (RFC 7644 §5), or plain lower-casing for the fault.
    pub fn user_name_key(&self, user_name: &str) -> String {
        if self.plain_user_names {
            user_name.to_lowercase()
        } else {
            precis::user_name_key(user_name)
        }
    }

    /// The userName as filters see it: width-mapped and NFC (case is left
    /// to the filter's caseExact rules), or as stored for the fault.
    pub fn filter_user_name(&self, user_name: &str) -> String {
        if self.plain_user_names {
            user_name.to_string()
        } else {
            precis::prepare_user_name(user_name)
        }
    }

    pub fn ids_by_external_id(&self, external_id: &str) -> impl Iterator<Item = &str> {
        self.external_ids
            .get(external_id)
            .into_iter()
            .flat_map(|ids| ids.iter().map(String::as_str))
    }

    /// Groups that list `member_id` directly.
    pub fn groups_of(&self, member_id: &str) -> impl Iterator<Item = &str> {
        self.memberships
            .get(member_id)
            .into_iter()
            .flat_map(|ids| ids.iter().map(String::as_str))
    }

    /// Groups that listed `user_id` when the user was last written.
    pub fn groups_at_user_write(&self, user_id: &str) -> impl Iterator<Item = &str> {
        self.groups_at_user_write
            .get(user_id)
            .into_iter()
            .flat_map(|ids| ids.iter().map(String::as_str))
    }

    pub fn contains_id(&self, id: &str) -> bool {
        self.find(id).is_some()
    }

    /// Inserts or replaces a resource, keeping the indexes right.
    pub fn put(&mut self, mut resource: Stored) {
        resource.view = resource.build_view();
        if let Some(old) = self.remove_quietly(&resource.resource_type, &resource.id) {
            drop(old);
        }
        if resource.resource_type == "User"
            && let Some(Value::String(name)) = resource.data.get("userName")
        {
            self.user_names
                .insert(self.user_name_key(name), resource.id.clone());
            let prepared = Value::String(self.filter_user_name(name));
            if let Some(view) = resource.view.as_object_mut() {
                view.insert("userName".into(), prepared);
            }
        }
        if let Some(Value::String(external)) = resource.data.get("externalId") {
            self.external_ids
                .entry(external.clone())
                .or_default()
                .insert(resource.id.clone());
        }
        if resource.resource_type == "User" {
            match self.memberships.get(&resource.id) {
                Some(groups) => {
                    self.groups_at_user_write
                        .insert(resource.id.clone(), groups.clone());
                }
                None => {
                    self.groups_at_user_write.remove(&resource.id);
                }
            }
        }
        for member in member_ids(&resource) {
            self.memberships
                .entry(member)
                .or_default()
                .insert(resource.id.clone());
        }
        self.resources
            .entry(resource.resource_type.clone())
            .or_default()
            .insert(resource.id.clone(), resource);
    }

    /// Removes a resource and every membership that points at it.
    pub fn remove(&mut self, resource_type: &str, id: &str) -> Option<Stored> {
        let removed = self.remove_quietly(resource_type, id)?;
        self.groups_at_user_write.remove(id);
        if let Some(groups) = self.memberships.remove(id) {
            for group_id in groups {
                self.drop_member(&group_id, id);
            }
        }
        Some(removed)
    }

    fn drop_member(&mut self, group_id: &str, member_id: &str) {
        let Some(group) = self
            .resources
            .get_mut("Group")
            .and_then(|groups| groups.get_mut(group_id))
        else {
            return;
        };
        if let Some(Value::Array(members)) = group.data.get_mut("members") {
            members.retain(|m| m.get("value").and_then(Value::as_str) != Some(member_id));
            if members.is_empty() {
                group.data.remove("members");
            }
        }
    }

    fn remove_quietly(&mut self, resource_type: &str, id: &str) -> Option<Stored> {
        let removed = self.resources.get_mut(resource_type)?.remove(id)?;
        if removed.resource_type == "User"
            && let Some(Value::String(name)) = removed.data.get("userName")
            && self.user_names.get(&self.user_name_key(name)) == Some(&removed.id)
        {
            self.user_names.remove(&self.user_name_key(name));
        }
        if let Some(Value::String(external)) = removed.data.get("externalId")
            && let Some(ids) = self.external_ids.get_mut(external)
        {
            ids.remove(&removed.id);
            if ids.is_empty() {
                self.external_ids.remove(external);
            }
        }
        for member in member_ids(&removed) {
            if let Some(groups) = self.memberships.get_mut(&member) {
                groups.remove(&removed.id);
                if groups.is_empty() {
                    self.memberships.remove(&member);
                }
            }
        }
        Some(removed)
    }
}

fn member_ids(resource: &Stored) -> Vec<String> {
    match resource.data.get("members") {
        Some(Value::Array(members)) => members
            .iter()
            .filter_map(|m| m.get("value").and_then(Value::as_str).map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn stored(kind: &str, id: &str, data: Value) -> Stored {
        Stored {
            id: id.into(),
            resource_type: kind.into(),
            data: data.as_object().cloned().unwrap_or_default(),
            created: Utc::now(),
            modified: Utc::now(),
            version: 1,
            view: Value::Null,
        }
    }

    #[test]
    fn indexes_follow_puts_and_removes() {
        let mut store = Store::default();
        store.put(stored(
            "User",
            "u1",
            json!({"userName": "Alice", "externalId": "e1"}),
        ));
        store.put(stored(
            "Group",
            "g1",
            json!({"displayName": "G", "members": [{"value": "u1"}]}),
        ));
        assert_eq!(store.user_by_name("ALICE"), Some("u1"));
        assert_eq!(
            store.ids_by_external_id("e1").collect::<Vec<_>>(),
            vec!["u1"]
        );
        assert_eq!(store.groups_of("u1").collect::<Vec<_>>(), vec!["g1"]);

        store.put(stored("User", "u1", json!({"userName": "alice2"})));
        assert_eq!(store.user_by_name("alice"), None);
        assert_eq!(store.ids_by_external_id("e1").count(), 0);

        // userNames compare after PRECIS preparation (RFC 7644 §5).
        store.put(stored("User", "u2", json!({"userName": "Caf\u{e9}"})));
        assert_eq!(store.user_by_name("cafe\u{301}"), Some("u2"));
        assert_eq!(store.user_by_name("\u{FF43}af\u{e9}"), Some("u2"));
        assert_eq!(
            store.get("User", "u2").unwrap().view["userName"],
            json!("Caf\u{e9}")
        );
        store.remove("User", "u2");
        assert_eq!(store.user_by_name("caf\u{e9}"), None);

        store.remove("User", "u1");
        assert!(store.get("User", "u1").is_none());
        assert_eq!(store.groups_of("u1").count(), 0);
        assert!(
            store
                .get("Group", "g1")
                .unwrap()
                .data
                .get("members")
                .is_none()
        );
    }
}

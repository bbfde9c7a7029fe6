//! AWS Config: configuration items, from a snapshot file or
//! `get-resource-config-history`.

use std::collections::BTreeMap;

use infrawise_core::{Alias, EdgeKind, NodeId, NodeKind, NodeRef, Timestamp};
use serde_json::Value as Json;

use super::build::{Inventory, text};
use super::{dynamodb, lambda, list, sqs};
use crate::cloudformation::json;
use crate::cloudformation::kinds::{name_property, node_kind};
use crate::cloudformation::value::{Entry, Kind, Value};
use crate::code;
use crate::runtime::node_id;

/// Statuses saying the resource no longer exists (or is no longer recorded).
const GONE: [&str; 3] = [
    "ResourceDeleted",
    "ResourceDeletedNotRecorded",
    "ResourceNotRecorded",
];

/// One resource's items: the latest, and the time range they span.
struct History<'v> {
    latest: &'v Value,
    latest_time: Option<Timestamp>,
    first: Option<Timestamp>,
    last: Option<Timestamp>,
}

pub(super) fn items(inventory: &mut Inventory<'_>, root: &Value) {
    let mut resources: BTreeMap<(String, String), History<'_>> = BTreeMap::new();
    for item in list(inventory, root, "configurationItems") {
        let (Some(resource_type), Some(resource_id)) =
            (text(item, "resourceType"), text(item, "resourceId"))
        else {
            inventory.warn(
                Some(item.line),
                "configuration item without resourceType or resourceId",
            );
            continue;
        };
        let time = inventory.time(item.get("configurationItemCaptureTime"));
        let key = (resource_type.to_owned(), resource_id.to_owned());
        let history = resources.entry(key).or_insert(History {
            latest: item,
            latest_time: time,
            first: time,
            last: time,
        });
        if time > history.latest_time {
            history.latest = item;
            history.latest_time = time;
        }
        history.first = min_time(history.first, time);
        history.last = history.last.max(time);
    }
    let mut gone = 0usize;
    for ((resource_type, resource_id), history) in resources {
        let item = history.latest;
        if text(item, "configurationItemStatus").is_some_and(|status| GONE.contains(&status)) {
            gone += 1;
            continue;
        }
        resource(inventory, &resource_type, &resource_id, &history);
    }
    if gone > 0 {
        inventory.info(
            None,
            format!("{gone} resource(s) whose latest item says deleted or not recorded: not nodes"),
        );
    }
}

fn min_time(a: Option<Timestamp>, b: Option<Timestamp>) -> Option<Timestamp> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn resource(
    inventory: &mut Inventory<'_>,
    resource_type: &str,
    resource_id: &str,
    history: &History<'_>,
) {
    let item = history.latest;
    let line = item.line;
    let kind = node_kind(resource_type);
    let arn = text(item, "ARN").or_else(|| text(item, "arn"));
    let resource_name = text(item, "resourceName").filter(|name| !name.is_empty());
    let named = name_property(resource_type).is_some();
    let name = match (resource_name, arn) {
        (Some(name), _) if named || kind.is_generic() => name.to_owned(),
        (_, Some(arn)) if !kind.is_generic() => code::arn_resource(arn)
            .and_then(|(_, name)| name)
            .unwrap_or_else(|| resource_id.to_owned()),
        _ => resource_id.to_owned(),
    };
    let id = node_id(kind, &name);
    let status = text(item, "configurationItemStatus").unwrap_or("item");
    // Everything this item gives was seen when Config captured it.
    inventory.seen = Some((history.first, history.last));
    let node = inventory.node(
        kind,
        &name,
        resource_type,
        format!("configuration item ({status})"),
        line,
    );
    if !named && !kind.is_generic() {
        // A resource without a physical name (a VPC, a subnet) is known by its id.
        node.aliases.remove(&Alias::name(kind, name.as_str()));
    }
    if let Some(arn) = arn {
        node.aliases
            .insert(Alias::arn(code::unqualified_function_arn(arn)));
    }
    if resource_id.starts_with("https://") {
        node.aliases.insert(Alias::url(resource_id));
    } else if resource_id.starts_with("arn:") {
        node.aliases.insert(Alias::arn(resource_id));
    } else if resource_id != name || !named {
        node.aliases.insert(Alias::id(kind, resource_id));
    }
    // `accountId` in API output, `awsAccountId` in snapshot files.
    let account = text(item, "accountId").or_else(|| text(item, "awsAccountId"));
    if let (Some(account), Some(region)) = (account, text(item, "awsRegion")) {
        inventory.scope(account, region);
    }
    inventory.attribute(&id, "ConfigurationItemStatus", Json::from(status));
    if let Some(tags) = item.get("tags").filter(|tags| !tags.entries().is_empty()) {
        inventory.attribute(&id, "Tags", tags.to_json());
    }
    if let Some(configuration) = configuration(inventory, item) {
        let configuration = pascal(&configuration, line);
        match kind {
            NodeKind::Function => lambda::settings(inventory, &id, &configuration, line),
            NodeKind::Table => dynamodb::settings(inventory, &id, &name, &configuration),
            NodeKind::Queue => {
                let attributes = configuration.get("Attributes").unwrap_or(&configuration);
                sqs::settings(inventory, &id, attributes, line);
            }
            _ => {}
        }
    }
    for relationship in item
        .get("relationships")
        .map(Value::items)
        .unwrap_or_default()
    {
        self::relationship(inventory, &id, relationship);
    }
    inventory.seen = None;
}

/// The item's `configuration`: an object in snapshot files, JSON in a
/// string in `get-resource-config-history` output.
fn configuration(inventory: &mut Inventory<'_>, item: &Value) -> Option<Value> {
    let configuration = item.get("configuration")?;
    match &configuration.kind {
        Kind::Map(_) => Some(configuration.clone()),
        Kind::String(text) if !text.trim().is_empty() => {
            let loaded = json::load(text);
            if loaded.root.is_none() {
                inventory.warn(
                    Some(configuration.line),
                    "configuration is not json: its settings are not read",
                );
            }
            loaded.root
        }
        _ => None,
    }
}

/// The value with its keys in the API's Pascal case (`memorySize` becomes
/// `MemorySize`) and every line set to `line` (the item's), except the keys
/// of an environment's `variables`, which are names, not fields.
fn pascal(value: &Value, line: u32) -> Value {
    let kind = match &value.kind {
        Kind::Map(entries) => Kind::Map(
            entries
                .iter()
                .map(|entry| {
                    let value = if entry.key.eq_ignore_ascii_case("variables") {
                        Value::new(line, relined(&entry.value, line))
                    } else {
                        pascal(&entry.value, line)
                    };
                    Entry {
                        key: upper_first(&entry.key),
                        line,
                        value,
                    }
                })
                .collect(),
        ),
        Kind::Seq(items) => Kind::Seq(items.iter().map(|item| pascal(item, line)).collect()),
        other => other.clone(),
    };
    Value::new(line, kind)
}

fn relined(value: &Value, line: u32) -> Kind {
    match &value.kind {
        Kind::Map(entries) => Kind::Map(
            entries
                .iter()
                .map(|entry| Entry {
                    key: entry.key.clone(),
                    line,
                    value: Value::new(line, relined(&entry.value, line)),
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

fn upper_first(key: &str) -> String {
    let mut chars = key.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// One relationship of an item, as an edge in the direction its name says.
fn relationship(inventory: &mut Inventory<'_>, id: &str, relationship: &Value) {
    let line = relationship.line;
    let Some(resource_type) = text(relationship, "resourceType") else {
        inventory.warn(Some(line), "relationship without resourceType");
        return;
    };
    let kind = node_kind(resource_type);
    let name = text(relationship, "resourceName").filter(|name| !name.is_empty());
    let resource_id = text(relationship, "resourceId").filter(|id| !id.is_empty());
    let target = match (name, resource_id) {
        (Some(name), _) if name_property(resource_type).is_some() => Alias::name(kind, name),
        (_, Some(resource_id)) if resource_id.starts_with("arn:") => Alias::arn(resource_id),
        (_, Some(resource_id)) => Alias::id(kind, resource_id),
        (Some(name), None) => Alias::name(kind, name),
        (None, None) => {
            inventory.warn(
                Some(line),
                "relationship without resourceId or resourceName",
            );
            return;
        }
    };
    // `relationshipName` in API output, `name` in snapshot files.
    let relation = text(relationship, "relationshipName")
        .or_else(|| text(relationship, "name"))
        .unwrap_or("related to")
        .trim();
    let detail = format!("relationship `{relation}` {resource_type}");
    let lower = relation.to_ascii_lowercase();
    let this: NodeRef = NodeId::new(id).into();
    if lower.starts_with("is contained in") {
        inventory.edge(target, this, EdgeKind::Contains, detail, line);
    } else if lower.starts_with("contains") {
        inventory.edge(this, target, EdgeKind::Contains, detail, line);
    } else {
        inventory.edge(this, target, EdgeKind::References, detail, line);
    }
}

#[cfg(test)]
mod tests {
    use super::{pascal, upper_first};
    use crate::cloudformation::json;

    #[test]
    fn config_keys_become_the_api_names_but_variable_names_stay() {
        let loaded =
            json::load(r#"{"memorySize": 256, "environment": {"variables": {"queueUrl": "x"}}}"#);
        let root = loaded.root.unwrap_or_else(|| panic!("loads"));
        let out = pascal(&root, 7).to_json();
        assert_eq!(
            out,
            serde_json::json!({"MemorySize": 256, "Environment": {"Variables": {"queueUrl": "x"}}})
        );
        assert_eq!(upper_first(""), "");
    }
}

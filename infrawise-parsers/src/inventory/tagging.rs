//! The Resource Groups Tagging API: `get-resources`, any tagged resource.

use infrawise_core::{Alias, NodeKind};
use serde_json::{Map, Value as Json};

use super::build::{Inventory, text};
use super::list;
use crate::cloudformation::value::Value;
use crate::code;
use crate::runtime::{aws_type, node_id};

pub(super) fn get_resources(inventory: &mut Inventory<'_>, root: &Value) {
    for item in list(inventory, root, "ResourceTagMappingList") {
        let line = item.line;
        let Some(arn) = text(item, "ResourceARN") else {
            inventory.warn(Some(line), "tag mapping without ResourceARN");
            continue;
        };
        let Some(id) = arn_node(inventory, arn, None, "tagged resource", line) else {
            inventory.warn(Some(line), format!("not an arn: {arn}"));
            continue;
        };
        let mut tags = Map::new();
        for tag in item.get("Tags").map(Value::items).unwrap_or_default() {
            if let (Some(key), Some(value)) = (text(tag, "Key"), text(tag, "Value")) {
                tags.insert(key.to_owned(), Json::from(value));
            }
        }
        inventory.attribute(&id, "Tags", Json::Object(tags));
    }
}

/// The node of a resource known by ARN (kind and name from the shared ARN
/// table; a resource of another type is a `resource` node named by its
/// ARN), with the ARN as alias. Returns its id.
pub(super) fn arn_node(
    inventory: &mut Inventory<'_>,
    arn: &str,
    raw_type: Option<&str>,
    detail: &str,
    line: u32,
) -> Option<String> {
    let arn = code::unqualified_function_arn(arn);
    let parts = code::arn_parts(arn)?;
    let (kind, name) = code::arn_resource(arn)?;
    let (kind, name) = match name {
        Some(name) if !kind.is_generic() => (kind, name),
        _ => (NodeKind::Resource, arn.to_owned()),
    };
    let raw_type = raw_type
        .or(aws_type(kind))
        .map_or_else(|| format!("aws:{}", parts.service), str::to_owned);
    let node = inventory.node(kind, &name, &raw_type, detail, line);
    node.aliases.insert(Alias::arn(arn));
    inventory.scope(parts.account, parts.region);
    Some(node_id(kind, &name))
}

//! DynamoDB: `describe-table`.

use infrawise_core::{Alias, EdgeKind, NodeId, NodeKind};
use serde_json::Value as Json;

use super::build::{Inventory, json, text};
use crate::cloudformation::value::Value;
use crate::runtime::node_id;

const TABLE_TYPE: &str = "AWS::DynamoDB::Table";

pub(super) fn describe_table(inventory: &mut Inventory<'_>, root: &Value) {
    if let Some(table) = root.get("Table") {
        self::table(inventory, table, table.line);
    }
}

/// One table description (`TableDescription`); `line` is where its
/// evidence points. Returns the node id.
pub(super) fn table(inventory: &mut Inventory<'_>, table: &Value, line: u32) -> Option<String> {
    let Some(name) = text(table, "TableName").filter(|name| !name.is_empty()) else {
        inventory.warn(Some(line), "table without TableName");
        return None;
    };
    let id = node_id(NodeKind::Table, name);
    let node = inventory.node(NodeKind::Table, name, TABLE_TYPE, "table", line);
    if let Some(arn) = text(table, "TableArn") {
        node.aliases.insert(Alias::arn(arn));
        inventory.scope_of_arn(arn);
    }
    settings(inventory, &id, name, table);
    Some(id)
}

/// A table's settings and indexes (also used for AWS Config's
/// configuration of a table).
pub(super) fn settings(inventory: &mut Inventory<'_>, id: &str, name: &str, table: &Value) {
    inventory.time(table.get("CreationDateTime"));
    for field in [
        "TableStatus",
        "ItemCount",
        "TableSizeBytes",
        "DeletionProtectionEnabled",
    ] {
        if let Some(value) = json(table, field) {
            inventory.attribute(id, field, value);
        }
    }
    if let Some(keys) = table.get("KeySchema") {
        inventory.attribute(id, "KeySchema", key_schema(keys));
    }
    if let Some(mode) = table
        .get("BillingModeSummary")
        .and_then(|b| json(b, "BillingMode"))
    {
        inventory.attribute(id, "BillingMode", mode);
    }
    if let Some(stream) = table.get("StreamSpecification") {
        inventory.attribute(id, "StreamSpecification", stream.to_json());
    }
    for (block, raw_type) in [
        (
            "GlobalSecondaryIndexes",
            "AWS::DynamoDB::Table.GlobalSecondaryIndex",
        ),
        (
            "LocalSecondaryIndexes",
            "AWS::DynamoDB::Table.LocalSecondaryIndex",
        ),
    ] {
        for index in table.get(block).map(Value::items).unwrap_or_default() {
            self::index(inventory, id, name, index, block, raw_type);
        }
    }
}

fn index(
    inventory: &mut Inventory<'_>,
    table_id: &str,
    table: &str,
    index: &Value,
    block: &str,
    raw_type: &str,
) {
    let line = index.line;
    let Some(index_name) = text(index, "IndexName") else {
        inventory.warn(Some(line), format!("{block} item without IndexName"));
        return;
    };
    let name = format!("{table}/{index_name}");
    let id = node_id(NodeKind::Index, &name);
    let node = inventory.node(NodeKind::Index, &name, raw_type, block, line);
    if let Some(arn) = text(index, "IndexArn") {
        node.aliases.insert(Alias::arn(arn));
    }
    if let Some(status) = json(index, "IndexStatus") {
        inventory.attribute(&id, "IndexStatus", status);
    }
    if let Some(keys) = index.get("KeySchema") {
        inventory.attribute(&id, "KeySchema", key_schema(keys));
    }
    if let Some(projection) = index.get("Projection") {
        if let Some(kind) = json(projection, "ProjectionType") {
            inventory.attribute(&id, "ProjectionType", kind);
        }
        if let Some(attributes) = json(projection, "NonKeyAttributes") {
            inventory.attribute(&id, "NonKeyAttributes", attributes);
        }
    }
    inventory.edge(
        NodeId::new(table_id),
        NodeId::new(id),
        EdgeKind::Contains,
        format!("{block} {index_name}"),
        line,
    );
}

/// `[{"AttributeName", "KeyType"}]`, keeping only those two fields.
fn key_schema(keys: &Value) -> Json {
    Json::Array(
        keys.items()
            .iter()
            .map(|key| {
                let mut out = serde_json::Map::new();
                for field in ["AttributeName", "KeyType"] {
                    if let Some(value) = json(key, field) {
                        out.insert(field.to_owned(), value);
                    }
                }
                Json::Object(out)
            })
            .collect(),
    )
}

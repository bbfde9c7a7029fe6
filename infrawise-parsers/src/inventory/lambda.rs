//! Lambda: functions (`get-function-configuration`, `get-function`,
//! `list-functions`) and event source mappings.

use infrawise_core::{Alias, EdgeKind, NodeId, NodeKind, secret};
use serde_json::Value as Json;

use super::build::{Inventory, arn_target, json, text};
use super::list;
use crate::cloudformation::value::Value;
use crate::code;
use crate::runtime::node_id;

const FUNCTION_TYPE: &str = "AWS::Lambda::Function";
const MAPPING_TYPE: &str = "AWS::Lambda::EventSourceMapping";

/// The function settings kept as attributes, under the API's names.
const FUNCTION_ATTRIBUTES: [&str; 10] = [
    "FunctionName",
    "Runtime",
    "Handler",
    "MemorySize",
    "Timeout",
    "State",
    "StateReason",
    "StateReasonCode",
    "LastUpdateStatus",
    "PackageType",
];

pub(super) fn get_function(inventory: &mut Inventory<'_>, root: &Value) {
    match root.get("Configuration") {
        Some(configuration) => {
            if let Some(id) = function(inventory, configuration, configuration.line) {
                // `Code` holds a pre-signed URL and is never read.
                if let Some(tags) = root.get("Tags") {
                    inventory.attribute(&id, "Tags", tags.to_json());
                }
            }
        }
        None => {
            function(inventory, root, root.line);
        }
    }
}

pub(super) fn list_functions(inventory: &mut Inventory<'_>, root: &Value) {
    for item in list(inventory, root, "Functions") {
        function(inventory, item, item.line);
    }
}

/// One function object (`FunctionConfiguration`); `line` is where its
/// evidence points. Returns the node id.
pub(super) fn function(inventory: &mut Inventory<'_>, item: &Value, line: u32) -> Option<String> {
    let arn = text(item, "FunctionArn").map(code::unqualified_function_arn);
    let name = text(item, "FunctionName").map(str::to_owned).or_else(|| {
        arn.and_then(|arn| code::resource_alias(NodeKind::Function, arn)?.value.into())
    });
    let Some(name) = name.filter(|name| !name.is_empty()) else {
        inventory.warn(Some(line), "function without FunctionName or FunctionArn");
        return None;
    };
    let id = node_id(NodeKind::Function, &name);
    let node = inventory.node(NodeKind::Function, &name, FUNCTION_TYPE, "function", line);
    if let Some(arn) = arn {
        node.aliases.insert(Alias::arn(arn));
    }
    if let Some(arn) = arn {
        inventory.scope_of_arn(arn);
    }
    settings(inventory, &id, item, line);
    Some(id)
}

/// A function's settings, role and environment (also used for AWS
/// Config's configuration of a function).
pub(super) fn settings(inventory: &mut Inventory<'_>, id: &str, item: &Value, line: u32) {
    inventory.time(item.get("LastModified"));
    for field in FUNCTION_ATTRIBUTES {
        if let Some(value) = json(item, field) {
            inventory.attribute(id, field, value);
        }
    }
    if let Some(role) = text(item, "Role")
        && let Some(target) = arn_target(role)
    {
        let line = item.entry("Role").map_or(line, |entry| entry.line);
        inventory.edge(
            NodeId::new(id),
            target.alias,
            EdgeKind::References,
            "Role",
            line,
        );
    }
    if let Some(variables) = item.get("Environment").and_then(|e| e.get("Variables")) {
        environment(inventory, id, variables);
    }
}

/// Keeps a function's variable names, and turns the values that name a
/// resource into edges; every other value is dropped unread.
pub(super) fn environment(inventory: &mut Inventory<'_>, id: &str, variables: &Value) {
    let mut names: Vec<&str> = variables
        .entries()
        .iter()
        .map(|entry| entry.key.as_str())
        .collect();
    names.sort_unstable();
    names.dedup();
    inventory.attribute(
        id,
        "EnvironmentVariableNames",
        Json::Array(names.iter().map(|name| Json::from(*name)).collect()),
    );
    for entry in variables.entries() {
        let Some(value) = entry.value.as_str() else {
            continue;
        };
        if let Some((kind, target)) = env_target(&entry.key, value) {
            inventory.edge(
                NodeId::new(id),
                target,
                kind,
                format!("env {}", entry.key),
                entry.line,
            );
        }
    }
}

/// What an environment value names, if anything: an ARN, an SQS queue
/// URL, another URL (its endpoint), or a plain name in a variable whose
/// name says what it holds.
fn env_target(variable: &str, value: &str) -> Option<(EdgeKind, Alias)> {
    let value = value.trim();
    if value.is_empty() || secret::credential_named(variable) {
        return None;
    }
    if value.starts_with("arn:") {
        return arn_target(value).map(|target| (EdgeKind::Reads, target.alias));
    }
    if value.starts_with("https://") || value.starts_with("http://") {
        if is_queue_url(value)
            && let Some(name) = code::name_from_queue_url(value)
        {
            return Some((EdgeKind::Reads, Alias::name(NodeKind::Queue, name)));
        }
        let endpoint = code::endpoint_name(value)?;
        return Some((EdgeKind::Calls, Alias::name(NodeKind::Endpoint, endpoint)));
    }
    let kind = kind_named_by(variable)?;
    let plain = value.len() <= 255
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    plain.then(|| (EdgeKind::Reads, Alias::name(kind, value)))
}

/// An SQS queue URL: `https://sqs.<region>.amazonaws.com/<account>/<name>`
/// or the legacy `https://<region>.queue.amazonaws.com/…`.
pub(super) fn is_queue_url(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let host = rest.split('/').next().unwrap_or_default();
    (host.starts_with("sqs.") || host.contains(".queue.amazonaws.com"))
        && host.contains("amazonaws.com")
}

/// The kind of resource a variable's name says its value names
/// (`ORDERS_TABLE`, `TABLE_NAME`, `QUEUE`, `UPLOADS_BUCKET_NAME`).
/// Secrets are never guessed: a secret's name and a secret's value look
/// alike.
fn kind_named_by(variable: &str) -> Option<NodeKind> {
    let upper = variable.to_ascii_uppercase();
    let words: Vec<&str> = upper
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    // `…_TABLE_NAME` names a table as `…_TABLE` does.
    let words = words.strip_suffix(&["NAME"]).unwrap_or(&words);
    let last = *words.last()?;
    Some(match last {
        "TABLE" => NodeKind::Table,
        "QUEUE" => NodeKind::Queue,
        "TOPIC" => NodeKind::Topic,
        "BUCKET" => NodeKind::Bucket,
        "FUNCTION" => NodeKind::Function,
        "STREAM" => NodeKind::Stream,
        _ => return None,
    })
}

pub(super) fn event_source_mappings(inventory: &mut Inventory<'_>, root: &Value) {
    if root.get("UUID").is_some() {
        mapping(inventory, root);
        return;
    }
    for item in list(inventory, root, "EventSourceMappings") {
        mapping(inventory, item);
    }
}

fn mapping(inventory: &mut Inventory<'_>, item: &Value) {
    let line = item.line;
    let Some(uuid) = text(item, "UUID").filter(|uuid| !uuid.is_empty()) else {
        inventory.warn(Some(line), "event source mapping without UUID");
        return;
    };
    let function_arn = text(item, "FunctionArn").map(code::unqualified_function_arn);
    let state = text(item, "State").unwrap_or("unknown state");
    let detail = format!("event source mapping {uuid} ({state})");
    let id = node_id(NodeKind::Resource, uuid);
    let arn = text(item, "EventSourceMappingArn")
        .map(str::to_owned)
        .or_else(|| {
            // The ARN the API gives newer mappings, built from the function's.
            let parts = code::arn_parts(function_arn?)?;
            Some(format!(
                "arn:{}:lambda:{}:{}:event-source-mapping:{uuid}",
                parts.partition, parts.region, parts.account
            ))
        });
    let node = inventory.node(NodeKind::Resource, uuid, MAPPING_TYPE, detail.clone(), line);
    node.aliases.insert(Alias::id(NodeKind::Resource, uuid));
    if let Some(arn) = &arn {
        node.aliases.insert(Alias::arn(arn.clone()));
    }
    if let Some(arn) = function_arn {
        inventory.scope_of_arn(arn);
    }
    inventory.time(item.get("LastModified"));
    for field in [
        "State",
        "StateTransitionReason",
        "BatchSize",
        "MaximumBatchingWindowInSeconds",
        "LastProcessingResult",
    ] {
        if let Some(value) = json(item, field) {
            inventory.attribute(&id, field, value);
        }
    }
    let function = function_arn.and_then(arn_target);
    let source_arn = text(item, "EventSourceArn");
    let source = source_arn.and_then(arn_target);
    if let (Some(arn), None) = (source_arn, &source) {
        inventory.warn(
            Some(
                item.entry("EventSourceArn")
                    .map_or(line, |entry| entry.line),
            ),
            format!("EventSourceArn is not an arn: {arn}"),
        );
    }
    let line_of = |key: &str| item.entry(key).map_or(line, |entry| entry.line);
    if let Some(function) = &function {
        inventory.edge(
            NodeId::new(id.clone()),
            function.alias.clone(),
            EdgeKind::References,
            format!("FunctionArn ({detail})"),
            line_of("FunctionArn"),
        );
    }
    if let Some(source) = &source {
        inventory.edge(
            NodeId::new(id.clone()),
            source.alias.clone(),
            EdgeKind::References,
            format!("EventSourceArn ({detail})"),
            line_of("EventSourceArn"),
        );
        if let Some(function) = &function {
            inventory.edge(
                function.alias.clone(),
                source.alias.clone(),
                EdgeKind::Triggers,
                detail,
                line_of("EventSourceArn"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use infrawise_core::{Alias, EdgeKind, NodeKind};

    use super::{env_target, is_queue_url};

    #[test]
    fn environment_values_are_kept_only_when_they_name_a_resource() {
        assert_eq!(
            env_target(
                "QUEUE_URL",
                "https://sqs.eu-west-1.amazonaws.com/123456789012/orders-queue"
            ),
            Some((
                EdgeKind::Reads,
                Alias::name(NodeKind::Queue, "orders-queue")
            ))
        );
        assert_eq!(
            env_target("ORDERS_TABLE", "orders-table"),
            Some((
                EdgeKind::Reads,
                Alias::name(NodeKind::Table, "orders-table")
            ))
        );
        assert_eq!(
            env_target("PAYMENTS_API", "https://user:pw@api.example.com/v1?key=abc"),
            Some((
                EdgeKind::Calls,
                Alias::name(NodeKind::Endpoint, "https://api.example.com")
            ))
        );
        assert_eq!(env_target("LOG_LEVEL", "info"), None);
        assert_eq!(env_target("STRIPE_API_KEY", "sk_live_abc"), None);
        assert_eq!(env_target("TABLE_TOKEN", "orders"), None);
        assert_eq!(env_target("DB_SECRET", "prod/db"), None);
        assert_eq!(env_target("ORDERS_TABLE", "has spaces in it"), None);
        assert!(is_queue_url(
            "https://eu-west-1.queue.amazonaws.com/123456789012/q"
        ));
        assert!(!is_queue_url("https://api.example.com/123456789012/q"));
    }
}

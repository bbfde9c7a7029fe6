//! SNS: `list-topics` and `list-subscriptions(-by-topic)`.

use infrawise_core::{Alias, EdgeKind, NodeId, NodeKind};

use super::build::{Inventory, arn_target, text};
use super::list;
use crate::cloudformation::value::Value;
use crate::code;
use crate::runtime::node_id;

const TOPIC_TYPE: &str = "AWS::SNS::Topic";
const SUBSCRIPTION_TYPE: &str = "AWS::SNS::Subscription";

pub(super) fn list_topics(inventory: &mut Inventory<'_>, root: &Value) {
    for item in list(inventory, root, "Topics") {
        let arn = text(item, "TopicArn");
        let Some((arn, name)) =
            arn.and_then(|arn| Some((arn, code::resource_alias(NodeKind::Topic, arn)?.value)))
        else {
            inventory.warn(Some(item.line), "topic without an sns TopicArn");
            continue;
        };
        let node = inventory.node(NodeKind::Topic, &name, TOPIC_TYPE, "topic", item.line);
        node.aliases.insert(Alias::arn(arn));
        inventory.scope_of_arn(arn);
    }
}

pub(super) fn subscriptions(inventory: &mut Inventory<'_>, root: &Value) {
    let mut pending = 0usize;
    for item in list(inventory, root, "Subscriptions") {
        let line = item.line;
        let Some(topic) = text(item, "TopicArn").and_then(arn_target) else {
            inventory.warn(Some(line), "subscription without an sns TopicArn");
            continue;
        };
        let Some(arn) = text(item, "SubscriptionArn").filter(|arn| arn.starts_with("arn:")) else {
            // `PendingConfirmation`, `Deleted`: no subscription exists yet.
            pending += 1;
            continue;
        };
        let protocol = text(item, "Protocol").unwrap_or_default();
        let detail = format!("{protocol} subscription");
        // Named `<topic>:<subscription id>`, the resource part of its ARN.
        let name = code::arn_parts(arn).map_or(arn, |parts| parts.resource);
        let id = node_id(NodeKind::Resource, name);
        let node = inventory.node(
            NodeKind::Resource,
            name,
            SUBSCRIPTION_TYPE,
            detail.clone(),
            line,
        );
        node.aliases.insert(Alias::arn(arn));
        inventory.scope_of_arn(arn);
        if !protocol.is_empty() {
            inventory.attribute(&id, "Protocol", protocol.into());
        }
        inventory.edge(
            NodeId::new(id.clone()),
            topic.alias.clone(),
            EdgeKind::References,
            format!("TopicArn ({detail})"),
            line,
        );
        let endpoint = text(item, "Endpoint").unwrap_or_default();
        let line = item.entry("Endpoint").map_or(line, |entry| entry.line);
        match protocol {
            "lambda" | "sqs" | "firehose" => {
                let Some(target) = arn_target(endpoint) else {
                    continue;
                };
                inventory.edge(
                    NodeId::new(id.clone()),
                    target.alias.clone(),
                    EdgeKind::References,
                    format!("Endpoint ({detail})"),
                    line,
                );
                let back = match target.kind {
                    NodeKind::Function => EdgeKind::Triggers,
                    NodeKind::Queue => EdgeKind::Subscribes,
                    _ => continue,
                };
                inventory.edge(target.alias, topic.alias, back, detail, line);
            }
            "http" | "https" => {
                // Scheme and host only: a path or query may carry a token.
                if let Some(endpoint) = code::endpoint_name(endpoint) {
                    inventory.edge(
                        NodeId::new(id.clone()),
                        Alias::name(NodeKind::Endpoint, endpoint),
                        EdgeKind::References,
                        format!("Endpoint ({detail})"),
                        line,
                    );
                }
            }
            // Email addresses and phone numbers are personal data: not kept.
            _ => {}
        }
    }
    if pending > 0 {
        inventory.info(
            None,
            format!("{pending} subscription(s) pending confirmation or deleted: not nodes"),
        );
    }
}

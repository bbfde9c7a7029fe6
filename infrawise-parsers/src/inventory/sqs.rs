//! SQS: `list-queues` and `get-queue-attributes`.

use infrawise_core::{Alias, EdgeKind, NodeId, NodeKind};
use serde_json::Value as Json;

use super::build::{Inventory, arn_target, file_stem_name, text, typed};
use super::lambda::is_queue_url;
use super::list;
use crate::cloudformation::value::Value;
use crate::code;
use crate::runtime::node_id;

const QUEUE_TYPE: &str = "AWS::SQS::Queue";

/// The attributes kept, under the API's names; all are strings in the
/// output and are stored as the numbers and booleans they hold.
const QUEUE_ATTRIBUTES: [&str; 8] = [
    "VisibilityTimeout",
    "MessageRetentionPeriod",
    "DelaySeconds",
    "FifoQueue",
    "ReceiveMessageWaitTimeSeconds",
    "MaximumMessageSize",
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
];

pub(super) fn list_queues(inventory: &mut Inventory<'_>, root: &Value) {
    for item in list(inventory, root, "QueueUrls") {
        let Some(url) = item.as_str() else {
            inventory.warn(Some(item.line), "queue url is not a string");
            continue;
        };
        if queue_by_url(inventory, url, item.line).is_none() {
            inventory.warn(Some(item.line), format!("not a queue url: {url}"));
        }
    }
}

/// The queue node of a queue URL, with its URL alias and, on AWS, the ARN
/// the URL implies.
fn queue_by_url(inventory: &mut Inventory<'_>, url: &str, line: u32) -> Option<String> {
    let name = code::name_from_queue_url(url)?;
    let arn = arn_of_url(url, &name);
    let node = inventory.node(NodeKind::Queue, &name, QUEUE_TYPE, "queue", line);
    node.aliases.insert(Alias::url(url));
    if let Some(arn) = &arn {
        node.aliases.insert(Alias::arn(arn.clone()));
    }
    if let Some(arn) = &arn {
        inventory.scope_of_arn(arn);
    }
    Some(node_id(NodeKind::Queue, &name))
}

/// `arn:aws:sqs:<region>:<account>:<name>` from an AWS queue URL
/// (`https://sqs.<region>.amazonaws.com/<account>/<name>`); `None` for a
/// local emulator's URL.
fn arn_of_url(url: &str, name: &str) -> Option<String> {
    if !is_queue_url(url) {
        return None;
    }
    let rest = url.split_once("://")?.1;
    let mut segments = rest.split('/');
    let host = segments.next()?;
    let account = segments
        .next()
        .filter(|a| a.bytes().all(|b| b.is_ascii_digit()))?;
    let region = host
        .strip_prefix("sqs.")
        .or_else(|| host.split(".queue.").next())?
        .split('.')
        .next()?;
    let partition = if host.ends_with(".com.cn") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    };
    Some(format!("arn:{partition}:sqs:{region}:{account}:{name}"))
}

pub(super) fn queue_attributes(inventory: &mut Inventory<'_>, root: &Value) {
    let Some(attributes) = root.get("Attributes") else {
        return;
    };
    let line = attributes.line;
    let id = if let Some(arn) = text(attributes, "QueueArn") {
        let Some(name) = code::resource_alias(NodeKind::Queue, arn).map(|a| a.value) else {
            inventory.warn(Some(line), format!("QueueArn is not an sqs arn: {arn}"));
            return;
        };
        let node = inventory.node(NodeKind::Queue, &name, QUEUE_TYPE, "queue attributes", line);
        node.aliases.insert(Alias::arn(arn));
        if let Some(url) = text(root, "QueueUrl") {
            node.aliases.insert(Alias::url(url));
        }
        inventory.scope_of_arn(arn);
        node_id(NodeKind::Queue, &name)
    } else if let Some(url) = text(root, "QueueUrl") {
        let Some(id) = queue_by_url(inventory, url, line) else {
            inventory.warn(Some(line), format!("not a queue url: {url}"));
            return;
        };
        id
    } else if let Some(name) = file_stem_name(inventory.display) {
        inventory.info(
            Some(line),
            format!("no QueueArn attribute or QueueUrl key: the queue is taken from the file name, `{name}`"),
        );
        inventory.node(NodeKind::Queue, &name, QUEUE_TYPE, "queue attributes", line);
        node_id(NodeKind::Queue, &name)
    } else {
        inventory.warn(Some(line), "queue attributes name no queue");
        return;
    };
    settings(inventory, &id, attributes, line);
}

/// A queue's settings from its attribute map (also used for AWS Config's
/// configuration of a queue).
pub(super) fn settings(inventory: &mut Inventory<'_>, id: &str, attributes: &Value, line: u32) {
    for field in QUEUE_ATTRIBUTES {
        if let Some(value) = text(attributes, field) {
            inventory.attribute(id, field, typed(value));
        }
    }
    for field in ["CreatedTimestamp", "LastModifiedTimestamp"] {
        inventory.time(attributes.get(field));
    }
    let Some(policy) = attributes.get("RedrivePolicy") else {
        return;
    };
    let line = policy.line.max(line);
    // The API gives the policy as JSON in a string; Config as an object.
    let parsed = match policy.as_str() {
        Some(text) => match serde_json::from_str::<Json>(text) {
            Ok(parsed) => parsed,
            Err(error) => {
                inventory.warn(
                    Some(line),
                    format!(
                        "RedrivePolicy is not json: {}",
                        error.to_string().to_lowercase()
                    ),
                );
                return;
            }
        },
        None => policy.to_json(),
    };
    let dead_letter = parsed
        .get("deadLetterTargetArn")
        .and_then(Json::as_str)
        .map(str::to_owned);
    inventory.attribute(id, "RedrivePolicy", parsed);
    if let Some(target) = dead_letter.as_deref().and_then(arn_target) {
        inventory.edge(
            NodeId::new(id),
            target.alias,
            EdgeKind::References,
            "RedrivePolicy.deadLetterTargetArn",
            line,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::arn_of_url;

    #[test]
    fn queue_urls_imply_their_arn_on_aws_only() {
        assert_eq!(
            arn_of_url("https://sqs.eu-west-1.amazonaws.com/123456789012/q", "q").as_deref(),
            Some("arn:aws:sqs:eu-west-1:123456789012:q")
        );
        assert_eq!(
            arn_of_url("https://us-east-1.queue.amazonaws.com/123456789012/q", "q").as_deref(),
            Some("arn:aws:sqs:us-east-1:123456789012:q")
        );
        assert_eq!(
            arn_of_url("http://localhost:4566/000000000000/q", "q"),
            None
        );
    }
}

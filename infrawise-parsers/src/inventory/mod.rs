//! Cloud inventory: the JSON the AWS CLI prints for describe and list
//! commands, and AWS Config configuration items, read as *observed*
//! evidence of what exists and how it is set up. Nothing here calls a
//! cloud API: a pipeline runs the commands and saves their output (`aws …
//! --output json > file.json`, the CLI's default output), and the files are
//! recognised by content whatever their names.
//!
//! # Commands and the file shapes they write
//!
//! | command | top level of the file | gives |
//! |---|---|---|
//! | `aws dynamodb describe-table --table-name T` | `{"Table": {TableName, TableArn, TableStatus, KeySchema, BillingModeSummary, ItemCount, GlobalSecondaryIndexes, LocalSecondaryIndexes}}` | a table, its indexes |
//! | `aws lambda get-function-configuration --function-name F` | one function object (`FunctionName`, `FunctionArn`, …) | a function |
//! | `aws lambda get-function --function-name F` | `{"Configuration": {…}, "Code": {…}, "Tags": {…}}` (`Code` is never read) | a function, its tags |
//! | `aws lambda list-functions` | `{"Functions": […], "NextMarker"}` | functions |
//! | `aws lambda list-event-source-mappings` | `{"EventSourceMappings": […], "NextMarker"}` (or one mapping, as `get-event-source-mapping` prints it) | mappings, their edges |
//! | `aws sqs list-queues` | `{"QueueUrls": […], "NextToken"}` | queues |
//! | `aws sqs get-queue-attributes --queue-url U --attribute-names All` | `{"Attributes": {QueueArn, VisibilityTimeout, …}}` | a queue, its dead-letter edge |
//! | `aws sns list-topics` | `{"Topics": [{"TopicArn"}], "NextToken"}` | topics |
//! | `aws sns list-subscriptions-by-topic --topic-arn A`, `aws sns list-subscriptions` | `{"Subscriptions": [{SubscriptionArn, Owner, Protocol, Endpoint, TopicArn}], "NextToken"}` | subscriptions, their edges |
//! | `aws events list-rules` | `{"Rules": [{Name, Arn, State, EventPattern, ScheduleExpression, EventBusName}], "NextToken"}` | rules |
//! | `aws events list-targets-by-rule --rule R` | `{"Targets": [{Id, Arn, …}], "NextToken"}` | edges from the rule |
//! | `aws apigatewayv2 get-routes --api-id A` | `{"Items": [{RouteId, RouteKey, Target, AuthorizationType}], "NextToken"}` | routes, route → integration |
//! | `aws apigatewayv2 get-integrations --api-id A` | `{"Items": [{IntegrationId, IntegrationType, IntegrationUri, …}], "NextToken"}` | integrations, integration → backend |
//! | `aws resourcegroupstaggingapi get-resources` | `{"ResourceTagMappingList": [{ResourceARN, Tags: [{Key, Value}]}], "PaginationToken"}` | any tagged resource, its tags |
//! | AWS Config snapshot (the file Config delivers to S3), `aws configservice get-resource-config-history` | `{"configurationItems": [{resourceType, resourceId, resourceName, ARN/arn, configuration, relationships, configurationItemCaptureTime, tags, …}]}` | resources, settings, relationships |
//!
//! Three outputs do not say which resource they are about; the reader
//! takes it from, in order:
//!
//! - `get-queue-attributes`: the `QueueArn` attribute (present with
//!   `--attribute-names All`), else a `QueueUrl` key beside `Attributes`
//!   (`jq --arg u "$URL" '. + {QueueUrl: $u}'`), else the file name up to
//!   its first dot (`orders-queue.attributes.json`; a `.fifo` name keeps
//!   its suffix);
//! - `list-targets-by-rule`: a `Rule` key beside `Targets` (the CLI's own
//!   parameter name, `jq --arg r "$RULE" '. + {Rule: $r}'`), else the file
//!   name up to its first dot (`nightly-report.targets.json`), which is what
//!   a loop over `list-rules` naturally writes;
//! - `get-routes` / `get-integrations`: optionally an `ApiId` key beside
//!   `Items`; routes and integrations have ids of their own, so without it
//!   only the link to their API is missing.
//!
//! # What they give
//!
//! Nodes have the ids every runtime reader uses (`runtime:<kind>:<name>`,
//! see [`crate::runtime::node_id`]) and the aliases the IaC parsers give
//! the same resource (physical name scoped by kind, ARN, queue URL, a
//! DynamoDB index's `name[index]:<table>/<index>`), so a declared queue
//! and its inventory record are one node. Attributes keep the AWS API's own
//! field names (`MemorySize`, `VisibilityTimeout`, `TableStatus`), with
//! SQS's string attributes turned into the numbers and booleans they hold.
//!
//! Edges follow the direction the Terraform and CloudFormation parsers use
//! for the same relation, so declared and observed edges line up (`A -> B`
//! reads "A depends on B"):
//!
//! | relation | edges |
//! |---|---|
//! | event source mapping | mapping `-[references]->` function and source (as `AWS::Lambda::EventSourceMapping` and `aws_lambda_event_source_mapping` do); function `-[triggers]->` source (as a SAM `Events` entry does) |
//! | SNS subscription | subscription `-[references]->` topic and endpoint (as `AWS::SNS::Subscription` does); a Lambda endpoint `-[triggers]->` topic (SAM `SNS` event), a queue endpoint `-[subscribes]->` topic |
//! | EventBridge target | rule `-[references]->` target (as `AWS::Events::Rule` `Targets` do); a Lambda target `-[triggers]->` rule (SAM `Schedule`/`EventBridgeRule` event) |
//! | redrive policy | queue `-[references]->` dead-letter queue |
//! | API Gateway v2 | route `-[references]->` integration `-[references]->` function or endpoint; route `-[references]->` API when the file names it |
//! | DynamoDB index | table `-[contains]->` index |
//! | Lambda execution role | function `-[references]->` role |
//! | Lambda environment | function `-[reads]->` each resource a variable's value names (detail `env NAME`) |
//! | AWS Config relationship | `Contains X`: item `-[contains]->` X; `Is contained in X`: X `-[contains]->` item; any other: item `-[references]->` X |
//!
//! Edge targets are named by alias (physical name where the ARN holds one,
//! else the ARN), so they find the declared node; a resource no other input
//! knows becomes an unresolved placeholder, as every dangling reference does.
//!
//! # What is never stored
//!
//! - Lambda environment values: the names are kept (attribute
//!   `EnvironmentVariableNames`, sorted); a value is used only when it names
//!   a resource — an ARN, an SQS queue URL, another URL (as its endpoint,
//!   scheme and host only), or a plain name in a variable whose name says
//!   what it holds (`ORDERS_TABLE`, `QUEUE_NAME`, `BUCKET`, …) — and then
//!   only as the edge it gives. Every other value is dropped unread.
//! - `get-function`'s `Code` (a pre-signed URL), EventBridge targets'
//!   `Input` and `InputTransformer` (payloads), SNS endpoints of `email`,
//!   `email-json` and `sms` subscriptions (personal data).
//! - Every attribute goes through [`Node::set_attribute`](infrawise_core::Node::set_attribute), so the
//!   core's [`secret`](infrawise_core::secret) rules apply on top.
//!
//! # Time, scope and completeness
//!
//! One [`Source`] per file, [`Format::Inventory`]: `read_at` is the newest
//! timestamp in the file (a function's `LastModified`, a table's
//! `CreationDateTime`, a Config item's capture time), a lower bound of when
//! it was read, or none; the window is left unset (a snapshot, not a
//! period). Every evidence record is seen at that time, except Config
//! items, seen at their own capture times (first and last over a history).
//! The scope is `aws:<account>/<region>` when every ARN (or Config item) in
//! the file agrees, `aws:<account>` when only the account does. A file with
//! a non-empty `NextToken`, `NextMarker`, `Marker` or `PaginationToken`
//! (`get-resources` writes an empty one on its last page) is
//! [`SourceStatus::Partial`]: more pages exist, and absence proves nothing.
//!
//! # Limits
//!
//! - Identity is by name within a kind (see the architecture notes): two
//!   same-named queues of two accounts meet unless an ARN separates them.
//! - An AWS Config item's `configuration` is read for Lambda functions,
//!   DynamoDB tables and SQS queues (their keys in Config's camel case are
//!   matched to the API's names); other types keep tags, status and
//!   relationships only. A history keeps the latest item per resource; a
//!   resource whose latest item says it was deleted gives no node.
//! - Files are read whole (inventories are small beside traces).

mod apigateway;
mod build;
mod config;
mod dynamodb;
mod events;
mod lambda;
mod sns;
mod sqs;
mod tagging;

use std::path::{Path, PathBuf};

use infrawise_core::{Diagnostic, Format, Fragment, Origin, Source, SourceStatus};
use rayon::prelude::*;

use crate::cloudformation::json;
use crate::cloudformation::value::Value;
use build::Inventory;

/// The extractor of evidence read from AWS CLI output.
pub const EXTRACTOR: &str = "aws-inventory";

/// The extractor of evidence read from AWS Config items.
pub const CONFIG_EXTRACTOR: &str = "aws-config";

/// The AWS CLI command (or AWS Config output) an inventory file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Command {
    /// `aws dynamodb describe-table`.
    DescribeTable,
    /// `aws lambda get-function-configuration` or `get-function`.
    GetFunctionConfiguration,
    /// `aws lambda list-functions`.
    ListFunctions,
    /// `aws lambda list-event-source-mappings` or `get-event-source-mapping`.
    ListEventSourceMappings,
    /// `aws sqs list-queues`.
    ListQueues,
    /// `aws sqs get-queue-attributes`.
    GetQueueAttributes,
    /// `aws sns list-topics`.
    ListTopics,
    /// `aws sns list-subscriptions` or `list-subscriptions-by-topic`.
    ListSubscriptions,
    /// `aws events list-rules`.
    ListRules,
    /// `aws events list-targets-by-rule`.
    ListTargetsByRule,
    /// `aws apigatewayv2 get-routes`.
    GetRoutes,
    /// `aws apigatewayv2 get-integrations`.
    GetIntegrations,
    /// `aws resourcegroupstaggingapi get-resources`.
    GetResources,
    /// An AWS Config snapshot or `aws configservice get-resource-config-history`.
    ConfigurationItems,
}

/// Keys the CLI (or the service) writes when more pages exist.
const PAGE_TOKENS: [&str; 5] = [
    "NextToken",
    "NextMarker",
    "Marker",
    "PaginationToken",
    "nextToken",
];

/// The top-level keys of a JSON object whose beginning is `head` (which
/// may be cut short), in order, without reading the values.
fn top_level_keys(head: &str) -> Vec<&str> {
    let bytes = head.as_bytes();
    let mut keys = Vec::new();
    let mut i = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace() && *b != 0xEF && *b != 0xBB && *b != 0xBF)
        .unwrap_or(bytes.len());
    if bytes.get(i) != Some(&b'{') {
        return keys;
    }
    i += 1;
    let mut depth = 1usize;
    while i < bytes.len() && keys.len() < 64 {
        match bytes[i] {
            b'"' => {
                let start = i + 1;
                i += 1;
                while i < bytes.len() {
                    match bytes[i] {
                        b'\\' => i += 2,
                        b'"' => break,
                        _ => i += 1,
                    }
                }
                let Some(key) = head.get(start..i.min(bytes.len())) else {
                    break;
                };
                i += 1;
                if depth == 1 {
                    let next = bytes[i.min(bytes.len())..]
                        .iter()
                        .find(|b| !b.is_ascii_whitespace());
                    if next == Some(&b':') {
                        keys.push(key);
                    }
                }
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            _ => {}
        }
        i += 1;
    }
    keys
}

/// The command whose output a JSON document beginning with `head` is, by
/// its top-level keys (and, where a key is shared with other services'
/// output, a field its items carry). `None` for anything else: templates,
/// state, traces and other tools' JSON have other top-level keys.
pub fn detect_command(head: &str) -> Option<Command> {
    let keys = top_level_keys(head);
    let has = |key: &str| keys.contains(&key);
    // Every top-level key must belong to the command's output.
    let only = |allowed: &[&str]| {
        !keys.is_empty()
            && keys
                .iter()
                .all(|key| allowed.contains(key) || PAGE_TOKENS.contains(key))
    };
    let mentions = |field: &str| head.contains(&format!("\"{field}\""));
    let command = if has("Table") && only(&["Table"]) && mentions("TableName") {
        Command::DescribeTable
    } else if has("Functions") && only(&["Functions"]) {
        Command::ListFunctions
    } else if (has("FunctionName") && has("FunctionArn"))
        || (has("Configuration")
            && only(&["Configuration", "Code", "Tags", "Concurrency"])
            && mentions("FunctionArn"))
    {
        Command::GetFunctionConfiguration
    } else if (has("EventSourceMappings") && only(&["EventSourceMappings"]))
        || (has("UUID") && has("FunctionArn"))
    {
        Command::ListEventSourceMappings
    } else if has("QueueUrls") && only(&["QueueUrls"]) {
        Command::ListQueues
    } else if has("Attributes")
        && only(&["Attributes", "QueueUrl"])
        && (has("QueueUrl")
            || ["QueueArn", "VisibilityTimeout", "MessageRetentionPeriod"]
                .iter()
                .any(|field| mentions(field)))
    {
        Command::GetQueueAttributes
    } else if has("Topics") && only(&["Topics"]) {
        Command::ListTopics
    } else if has("Subscriptions") && only(&["Subscriptions"]) {
        Command::ListSubscriptions
    } else if has("Rules")
        && only(&["Rules", "EventBusName"])
        && (mentions("EventBusName") || head.contains(":events:"))
    {
        Command::ListRules
    } else if has("Targets")
        && only(&["Targets", "Rule", "EventBusName"])
        && mentions("Id")
        && mentions("Arn")
    {
        Command::ListTargetsByRule
    } else if has("Items") && only(&["Items", "ApiId"]) && mentions("RouteKey") {
        Command::GetRoutes
    } else if has("Items") && only(&["Items", "ApiId"]) && mentions("IntegrationType") {
        Command::GetIntegrations
    } else if has("ResourceTagMappingList") && only(&["ResourceTagMappingList"]) {
        Command::GetResources
    } else if has("configurationItems")
        && only(&["configurationItems", "fileVersion", "configSnapshotId"])
    {
        Command::ConfigurationItems
    } else {
        return None;
    };
    Some(command)
}

/// Whether a JSON document beginning with `head` is AWS inventory output
/// (see [`detect_command`]).
pub fn detect(head: &str) -> bool {
    detect_command(head).is_some()
}

/// Reads inventory files; paths in the output are relative to `root`.
pub fn parse(files: &[PathBuf], root: &Path) -> Fragment {
    let parts: Vec<Fragment> = files
        .par_iter()
        .map(|path| parse_file(path, &crate::display_path(path, root)))
        .collect();
    let mut out = Fragment::new();
    for part in parts {
        out.extend(part);
    }
    out
}

/// Reads one inventory file, shown in the output as `display`.
pub fn parse_file(path: &Path, display: &str) -> Fragment {
    match std::fs::read(path) {
        Ok(bytes) => parse_text(&String::from_utf8_lossy(&bytes), display),
        Err(error) => build::failed(
            Source::new(display, Format::Inventory, Origin::Observed),
            Diagnostic::error(
                display,
                None,
                format!("cannot read file: {}", error.to_string().to_lowercase()),
            ),
        ),
    }
}

/// Reads one inventory document from text, shown in the output as `display`.
pub fn parse_text(text: &str, display: &str) -> Fragment {
    let source = Source::new(display, Format::Inventory, Origin::Observed);
    let loaded = json::load(text);
    let Some(root) = loaded.root else {
        let (line, message) = loaded.problems.into_iter().next().map_or(
            (None, "malformed JSON".to_owned()),
            |(line, _, message)| {
                (
                    line,
                    message.replacen("malformed JSON", "malformed json", 1),
                )
            },
        );
        return build::failed(source, Diagnostic::error(display, line, message));
    };
    let Some(command) = detect_command(text) else {
        return build::failed(
            source,
            Diagnostic::error(
                display,
                Some(root.line),
                "not the output of an aws inventory command this reader knows",
            ),
        );
    };
    let extractor = if command == Command::ConfigurationItems {
        CONFIG_EXTRACTOR
    } else {
        EXTRACTOR
    };
    let mut inventory = Inventory::new(display, extractor);
    match command {
        Command::DescribeTable => dynamodb::describe_table(&mut inventory, &root),
        Command::GetFunctionConfiguration => lambda::get_function(&mut inventory, &root),
        Command::ListFunctions => lambda::list_functions(&mut inventory, &root),
        Command::ListEventSourceMappings => lambda::event_source_mappings(&mut inventory, &root),
        Command::ListQueues => sqs::list_queues(&mut inventory, &root),
        Command::GetQueueAttributes => sqs::queue_attributes(&mut inventory, &root),
        Command::ListTopics => sns::list_topics(&mut inventory, &root),
        Command::ListSubscriptions => sns::subscriptions(&mut inventory, &root),
        Command::ListRules => events::list_rules(&mut inventory, &root),
        Command::ListTargetsByRule => events::targets(&mut inventory, &root),
        Command::GetRoutes => apigateway::routes(&mut inventory, &root),
        Command::GetIntegrations => apigateway::integrations(&mut inventory, &root),
        Command::GetResources => tagging::get_resources(&mut inventory, &root),
        Command::ConfigurationItems => config::items(&mut inventory, &root),
    }
    let mut source = source;
    if let Some((token, line)) = page_token(&root) {
        source.status = SourceStatus::Partial;
        source.caveat = Some(format!("{token} present: more pages exist"));
        inventory.info(
            Some(line),
            format!("{token} present: this is one page of the listing, absence proves nothing"),
        );
    }
    inventory.finish(source)
}

/// The page token of a listing that has more pages, and its line.
fn page_token(root: &Value) -> Option<(&'static str, u32)> {
    PAGE_TOKENS.iter().find_map(|token| {
        let entry = root.entry(token)?;
        entry
            .value
            .as_str()
            .is_some_and(|text| !text.is_empty())
            .then_some((*token, entry.line))
    })
}

/// The items of a list at `key` of `root`, with a warning when the key is
/// there but not a list.
fn list<'v>(inventory: &mut Inventory<'_>, root: &'v Value, key: &str) -> &'v [Value] {
    match root.get(key) {
        Some(value) if value.items().is_empty() && !is_empty_list(value) => {
            inventory.warn(Some(value.line), format!("`{key}` is not a list"));
            &[]
        }
        Some(value) => value.items(),
        None => &[],
    }
}

fn is_empty_list(value: &Value) -> bool {
    matches!(&value.kind, crate::cloudformation::value::Kind::Seq(items) if items.is_empty())
}

#[cfg(test)]
mod tests {
    use super::{Command, detect_command, top_level_keys};

    #[test]
    fn top_level_keys_skip_nested_ones_and_survive_a_cut() {
        assert_eq!(
            top_level_keys(r#"{"Table": {"TableName": "a", "x": ["}"]}, "B": 1}"#),
            ["Table", "B"]
        );
        assert_eq!(
            top_level_keys("{\n  \"Functions\": [\n    {\"FunctionName\": \"a\\\"b"),
            ["Functions"]
        );
        assert!(top_level_keys("[1]").is_empty());
    }

    #[test]
    fn commands_are_recognised_by_their_keys() {
        let cases = [
            (
                r#"{"Table": {"TableName": "t", "KeySchema": []}}"#,
                Some(Command::DescribeTable),
            ),
            (
                r#"{"Functions": [], "NextMarker": "x"}"#,
                Some(Command::ListFunctions),
            ),
            (
                r#"{"FunctionName": "f", "FunctionArn": "arn:aws:lambda:eu-west-1:1:function:f"}"#,
                Some(Command::GetFunctionConfiguration),
            ),
            (
                r#"{"Attributes": {"QueueArn": "arn:aws:sqs:eu-west-1:1:q"}}"#,
                Some(Command::GetQueueAttributes),
            ),
            (
                r#"{"Rules": [{"Name": "r", "EventBusName": "default"}]}"#,
                Some(Command::ListRules),
            ),
            (
                r#"{"Items": [{"RouteId": "a", "RouteKey": "GET /"}]}"#,
                Some(Command::GetRoutes),
            ),
            (
                r#"{"ResourceTagMappingList": [], "PaginationToken": ""}"#,
                Some(Command::GetResources),
            ),
            (
                r#"{"configurationItems": [], "nextToken": "x"}"#,
                Some(Command::ConfigurationItems),
            ),
            // Other tools' JSON.
            (
                r#"{"Resources": {"Table": {"Type": "AWS::DynamoDB::Table", "Properties": {"TableName": "t"}}}}"#,
                None,
            ),
            (
                r#"{"version": 4, "terraform_version": "1.8.0", "resources": []}"#,
                None,
            ),
            (
                r#"{"Rules": [{"RuleArn": "arn:aws:elasticloadbalancing:x"}]}"#,
                None,
            ),
            (r#"{"Table": {"TableName": "t"}, "Resources": {}}"#, None),
            (r#"{"items": [], "kind": "List"}"#, None),
        ];
        for (text, expect) in cases {
            assert_eq!(detect_command(text), expect, "{text}");
        }
    }
}

//! AWS services and operations as SDKs in any language name them.

use std::collections::BTreeSet;

use infrawise_core::{EdgeKind, NodeKind};

/// An AWS service code talks to through an SDK client or resource object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum AwsService {
    /// Simple Queue Service.
    Sqs,
    /// Simple Notification Service.
    Sns,
    /// DynamoDB (client, resource, document client).
    DynamoDb,
    /// S3.
    S3,
    /// Lambda.
    Lambda,
    /// EventBridge (CloudWatch Events).
    EventBridge,
    /// Step Functions.
    StepFunctions,
    /// Secrets Manager.
    SecretsManager,
    /// Systems Manager Parameter Store.
    Ssm,
    /// Kinesis Data Streams.
    Kinesis,
}

impl AwsService {
    /// The service a boto3 `client(name)` / `resource(name)` talks to.
    pub fn from_client_name(name: &str) -> Option<Self> {
        Some(match name {
            "sqs" => AwsService::Sqs,
            "sns" => AwsService::Sns,
            "dynamodb" => AwsService::DynamoDb,
            "s3" => AwsService::S3,
            "lambda" => AwsService::Lambda,
            "events" => AwsService::EventBridge,
            "stepfunctions" => AwsService::StepFunctions,
            "secretsmanager" => AwsService::SecretsManager,
            "ssm" => AwsService::Ssm,
            "kinesis" => AwsService::Kinesis,
            _ => return None,
        })
    }

    /// The service of a JavaScript SDK client class: v3 (`SQSClient`,
    /// `DynamoDBDocumentClient`, `SFNClient`, …) or v2 (`SQS`, `DynamoDB`,
    /// `DocumentClient`, `StepFunctions`, …, as in `new AWS.SQS()`).
    pub fn from_js_client(class: &str) -> Option<Self> {
        let base = class.strip_suffix("Client").unwrap_or(class);
        Some(match base {
            "SQS" => AwsService::Sqs,
            "SNS" => AwsService::Sns,
            "DynamoDB" | "DynamoDBDocument" | "Document" => AwsService::DynamoDb,
            "S3" => AwsService::S3,
            "Lambda" => AwsService::Lambda,
            "EventBridge" | "CloudWatchEvents" => AwsService::EventBridge,
            "SFN" | "StepFunctions" => AwsService::StepFunctions,
            "SecretsManager" => AwsService::SecretsManager,
            "SSM" => AwsService::Ssm,
            "Kinesis" => AwsService::Kinesis,
            _ => return None,
        })
    }

    /// The kind of node the service's resources are.
    pub const fn node_kind(self) -> NodeKind {
        match self {
            AwsService::Sqs => NodeKind::Queue,
            AwsService::Sns => NodeKind::Topic,
            AwsService::DynamoDb => NodeKind::Table,
            AwsService::S3 => NodeKind::Bucket,
            AwsService::Lambda => NodeKind::Function,
            AwsService::EventBridge => NodeKind::Resource,
            AwsService::StepFunctions => NodeKind::StateMachine,
            AwsService::SecretsManager => NodeKind::Secret,
            AwsService::Ssm => NodeKind::Parameter,
            AwsService::Kinesis => NodeKind::Stream,
        }
    }

    /// The boto3 service name, used in evidence details.
    pub const fn as_str(self) -> &'static str {
        match self {
            AwsService::Sqs => "sqs",
            AwsService::Sns => "sns",
            AwsService::DynamoDb => "dynamodb",
            AwsService::S3 => "s3",
            AwsService::Lambda => "lambda",
            AwsService::EventBridge => "events",
            AwsService::StepFunctions => "stepfunctions",
            AwsService::SecretsManager => "secretsmanager",
            AwsService::Ssm => "ssm",
            AwsService::Kinesis => "kinesis",
        }
    }
}

/// What one operation on a service does to the resource it names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Operation {
    /// The edge from the calling code to the resource.
    pub edge: EdgeKind,
    /// The kind of resource touched.
    pub target: NodeKind,
    /// The request parameters that name the resource, most specific first
    /// (`QueueUrl`; `TopicArn` then `TargetArn`). The same names serve boto3
    /// keyword arguments and the JavaScript SDKs' input objects.
    pub params: &'static [&'static str],
    /// The position of the naming argument for the few calls that take it
    /// positionally (boto3's `upload_file(Filename, Bucket, Key)`).
    pub position: Option<usize>,
    /// A parameter whose object keys are table names (`RequestItems` of the
    /// batch operations).
    pub keys_name_tables: Option<&'static str>,
    /// A parameter naming a secondary index used by the call (`IndexName`).
    pub index_param: Option<&'static str>,
}

const fn op(edge: EdgeKind, target: NodeKind, params: &'static [&'static str]) -> Operation {
    Operation {
        edge,
        target,
        params,
        position: None,
        keys_name_tables: None,
        index_param: None,
    }
}

/// What `operation` (in boto3's snake case; see
/// [`snake_operation`](super::snake_operation)) does on `service`, or `None`
/// for operations that touch no named resource (`list_queues`) or that no
/// table here knows.
pub fn operation(service: AwsService, operation: &str) -> Option<Operation> {
    use EdgeKind::{Consumes, Invokes, Publishes, Reads, Subscribes, Writes};
    use NodeKind as K;
    let found = match (service, operation) {
        (AwsService::Sqs, "send_message" | "send_message_batch") => {
            op(Publishes, K::Queue, &["QueueUrl"])
        }
        (
            AwsService::Sqs,
            "receive_message"
            | "delete_message"
            | "delete_message_batch"
            | "change_message_visibility"
            | "change_message_visibility_batch",
        ) => op(Consumes, K::Queue, &["QueueUrl"]),
        (AwsService::Sqs, "get_queue_attributes") => op(Reads, K::Queue, &["QueueUrl"]),
        (AwsService::Sqs, "get_queue_url") => op(Reads, K::Queue, &["QueueName"]),
        (AwsService::Sqs, "purge_queue" | "set_queue_attributes") => {
            op(Writes, K::Queue, &["QueueUrl"])
        }
        (AwsService::DynamoDb, "query" | "scan") => Operation {
            index_param: Some("IndexName"),
            ..op(Reads, K::Table, &["TableName"])
        },
        (AwsService::DynamoDb, "get_item" | "describe_table") => {
            op(Reads, K::Table, &["TableName"])
        }
        (AwsService::DynamoDb, "batch_get_item" | "transact_get_items") => Operation {
            keys_name_tables: Some("RequestItems"),
            ..op(Reads, K::Table, &["TableName"])
        },
        (AwsService::DynamoDb, "put_item" | "update_item" | "delete_item") => {
            op(Writes, K::Table, &["TableName"])
        }
        (AwsService::DynamoDb, "batch_write_item" | "transact_write_items") => Operation {
            keys_name_tables: Some("RequestItems"),
            ..op(Writes, K::Table, &["TableName"])
        },
        (
            AwsService::S3,
            "get_object"
            | "head_object"
            | "list_objects"
            | "list_objects_v2"
            | "get_object_tagging"
            | "select_object_content",
        ) => op(Reads, K::Bucket, &["Bucket"]),
        (AwsService::S3, "download_file" | "download_fileobj") => Operation {
            position: Some(0),
            ..op(Reads, K::Bucket, &["Bucket"])
        },
        (
            AwsService::S3,
            "put_object"
            | "delete_object"
            | "delete_objects"
            | "copy_object"
            | "put_object_tagging"
            | "create_multipart_upload",
        ) => op(Writes, K::Bucket, &["Bucket"]),
        (AwsService::S3, "upload_file" | "upload_fileobj") => Operation {
            position: Some(1),
            ..op(Writes, K::Bucket, &["Bucket"])
        },
        (AwsService::Sns, "publish" | "publish_batch") => {
            op(Publishes, K::Topic, &["TopicArn", "TargetArn"])
        }
        (AwsService::Sns, "subscribe") => op(Subscribes, K::Topic, &["TopicArn"]),
        (AwsService::Lambda, "invoke" | "invoke_async" | "invoke_with_response_stream") => {
            op(Invokes, K::Function, &["FunctionName"])
        }
        (AwsService::EventBridge, "put_events") => op(Publishes, K::Resource, &["EventBusName"]),
        (AwsService::StepFunctions, "start_execution" | "start_sync_execution") => {
            op(Invokes, K::StateMachine, &["stateMachineArn"])
        }
        (AwsService::SecretsManager, "get_secret_value" | "describe_secret") => {
            op(Reads, K::Secret, &["SecretId"])
        }
        (AwsService::SecretsManager, "put_secret_value" | "update_secret") => {
            op(Writes, K::Secret, &["SecretId"])
        }
        (AwsService::Ssm, "get_parameter") => op(Reads, K::Parameter, &["Name"]),
        (AwsService::Ssm, "get_parameters") => op(Reads, K::Parameter, &["Names"]),
        (AwsService::Ssm, "put_parameter") => op(Writes, K::Parameter, &["Name"]),
        (AwsService::Kinesis, "put_record" | "put_records") => {
            op(Publishes, K::Stream, &["StreamName", "StreamARN"])
        }
        (AwsService::Kinesis, "get_records" | "get_shard_iterator") => {
            op(Consumes, K::Stream, &["StreamName", "StreamARN"])
        }
        _ => return None,
    };
    Some(found)
}

/// The physical name inside an ARN, for a resource of `kind`; `None` when
/// the ARN belongs to another service.
pub(super) fn name_from_arn(kind: NodeKind, arn: &str) -> Option<String> {
    // arn:partition:service:region:account:resource
    let mut parts = arn.splitn(6, ':');
    let (_, _, service, _, _, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    let name = match (kind, service) {
        (NodeKind::Queue, "sqs") | (NodeKind::Topic, "sns") => resource,
        (NodeKind::Table, "dynamodb") => resource.strip_prefix("table/")?.split('/').next()?,
        (NodeKind::Bucket, "s3") => resource.split('/').next()?,
        (NodeKind::Function, "lambda") => resource.strip_prefix("function:")?.split(':').next()?,
        (NodeKind::StateMachine, "states") => {
            resource.strip_prefix("stateMachine:")?.split(':').next()?
        }
        (NodeKind::Secret, "secretsmanager") => resource.strip_prefix("secret:")?,
        (NodeKind::Parameter, "ssm") => {
            let name = resource.strip_prefix("parameter")?;
            return Some(if name.starts_with('/') {
                name.to_owned()
            } else {
                format!("/{name}")
            });
        }
        (NodeKind::Stream, "kinesis") => resource.strip_prefix("stream/")?,
        (NodeKind::Resource, "events") => resource.strip_prefix("event-bus/")?,
        _ => return None,
    };
    Some(name.to_owned())
}

/// The parts of an ARN (`arn:partition:service:region:account:resource`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ArnParts<'a> {
    pub(crate) partition: &'a str,
    pub(crate) service: &'a str,
    pub(crate) region: &'a str,
    pub(crate) account: &'a str,
    pub(crate) resource: &'a str,
}

/// The parts of `arn`, or `None` for text that is not an ARN.
pub(crate) fn arn_parts(arn: &str) -> Option<ArnParts<'_>> {
    let mut parts = arn.splitn(6, ':');
    if parts.next()? != "arn" {
        return None;
    }
    Some(ArnParts {
        partition: parts.next()?,
        service: parts.next()?,
        region: parts.next()?,
        account: parts.next()?,
        resource: parts.next()?,
    })
}

/// The node kind of the resource an ARN names and, where the ARN holds it,
/// its physical name: the one table from ARNs to kinds that every reader
/// of ARNs shares (CloudTrail, inventories). Unknown services and resource
/// types give [`NodeKind::Resource`] and no name; so do SNS subscription
/// ARNs (`…:topic:<id>`), which name a subscription, not its topic.
pub(crate) fn arn_resource(arn: &str) -> Option<(NodeKind, Option<String>)> {
    let ArnParts {
        service, resource, ..
    } = arn_parts(arn)?;
    let (kind, name) = match service {
        "sqs" => (NodeKind::Queue, None),
        "sns" if resource.contains(':') => (NodeKind::Resource, None),
        "sns" => (NodeKind::Topic, None),
        "dynamodb" => (NodeKind::Table, None),
        "s3" => (NodeKind::Bucket, None),
        "lambda" => (NodeKind::Function, None),
        "states" => (NodeKind::StateMachine, None),
        "secretsmanager" => (NodeKind::Secret, None),
        "ssm" => (NodeKind::Parameter, None),
        "kinesis" => (NodeKind::Stream, None),
        "iam" if resource.starts_with("role/") => (
            NodeKind::Role,
            resource.rsplit('/').next().map(str::to_owned),
        ),
        "logs" => (
            NodeKind::LogGroup,
            resource
                .strip_prefix("log-group:")
                .map(|name| name.trim_end_matches(":*").to_owned()),
        ),
        // A rule on a custom bus is `rule/<bus>/<name>`; its name is the last part.
        "events" => (
            NodeKind::EventRule,
            resource
                .strip_prefix("rule/")
                .and_then(|rule| rule.rsplit('/').next())
                .map(str::to_owned),
        ),
        _ => (NodeKind::Resource, None),
    };
    let name = match name {
        Some(name) => Some(name),
        None if kind == NodeKind::Resource => None,
        None => name_from_arn(kind, arn),
    };
    Some((kind, name.filter(|name| !name.is_empty())))
}

/// A Lambda function ARN without its version or alias qualifier
/// (`…:function:name:live` becomes `…:function:name`); other text as given.
pub(crate) fn unqualified_function_arn(arn: &str) -> &str {
    if arn_parts(arn).is_some_and(|parts| parts.service == "lambda") {
        let mut colons = arn.match_indices(':').map(|(at, _)| at);
        if let Some(seventh) = colons.nth(6) {
            return &arn[..seventh];
        }
    }
    arn
}

/// The queue name at the end of an SQS queue URL
/// (`https://sqs.<region>.amazonaws.com/<account>/<name>`, or a local
/// emulator's `http://localhost:4566/000000000000/<name>`).
pub(crate) fn name_from_queue_url(url: &str) -> Option<String> {
    let rest = &url[url.find("://")? + 3..];
    let path = rest.split(['?', '#']).next()?;
    let mut segments = path.split('/').skip(1).filter(|s| !s.is_empty());
    let _account = segments.next()?;
    let name = segments.next()?;
    Some(name.to_owned())
}

/// The scope of an observation from the `(account, region)` pairs its ARNs
/// or events name: `aws:<account>/<region>` when all agree on both,
/// `aws:<account>` when they agree on the account only, else none.
pub(crate) fn aws_scope(scopes: &BTreeSet<(String, String)>) -> Option<String> {
    let accounts: BTreeSet<&str> = scopes.iter().map(|(account, _)| account.as_str()).collect();
    let regions: BTreeSet<&str> = scopes.iter().map(|(_, region)| region.as_str()).collect();
    match (accounts.len(), regions.len()) {
        (1, 1) => scopes.first().map(|(a, r)| format!("aws:{a}/{r}")),
        (1, _) => accounts.first().map(|a| format!("aws:{a}")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use infrawise_core::{EdgeKind, NodeKind};

    use super::{AwsService, operation};

    #[test]
    fn operations_say_what_happens() {
        let query = operation(AwsService::DynamoDb, "query");
        assert_eq!(query.map(|o| o.edge), Some(EdgeKind::Reads));
        assert_eq!(query.and_then(|o| o.index_param), Some("IndexName"));
        assert_eq!(
            operation(AwsService::Sqs, "receive_message").map(|o| o.edge),
            Some(EdgeKind::Consumes)
        );
        assert_eq!(
            operation(AwsService::Sns, "publish").map(|o| (o.edge, o.target)),
            Some((EdgeKind::Publishes, NodeKind::Topic))
        );
        assert_eq!(operation(AwsService::Sqs, "list_queues"), None);
        assert_eq!(
            AwsService::from_js_client("DynamoDBDocumentClient"),
            Some(AwsService::DynamoDb)
        );
        assert_eq!(
            AwsService::from_js_client("SFNClient"),
            Some(AwsService::StepFunctions)
        );
        assert_eq!(
            AwsService::from_client_name("events"),
            Some(AwsService::EventBridge)
        );
    }
}

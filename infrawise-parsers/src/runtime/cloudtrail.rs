//! CloudTrail: log files as a trail delivers them (`{"Records": […]}`,
//! usually `.json.gz`) and `aws cloudtrail lookup-events` output
//! (`{"Events": [{"CloudTrailEvent": "<record as a JSON string>"}…],
//! "NextToken"}`).
//!
//! Each event is an observed edge from its principal to each resource it
//! names, with the event name as the operation:
//!
//! - principal (`userIdentity`): an assumed role is the role, session
//!   name stripped (`sessionContext.sessionIssuer.arn`, else
//!   `arn:aws:sts::<account>:assumed-role/<role>/<session>` rewritten to
//!   `arn:aws:iam::<account>:role/<role>`), a `role` node with the role's
//!   ARN and name aliases; an IAM user is a `resource` node
//!   (`AWS::IAM::User`) with its ARN; an AWS service (`invokedBy`,
//!   `lambda.amazonaws.com`) and the account root are `other` nodes;
//! - resources: `resources[].ARN` where the event lists them (an S3 object
//!   stands for its bucket; the key is never kept), else the request
//!   parameter that names the resource: `queueUrl`, `tableName`,
//!   `bucketName`, `functionName`, `topicArn`, `stateMachineArn`,
//!   `secretId`, `streamName`/`streamARN`, and `name` for SSM. Nodes get
//!   the aliases the IaC readers give (physical name by kind, ARN, queue URL);
//! - edge kind: what the operation does, by the table the code readers use
//!   (`SendMessage` publishes, `GetItem` reads, `Invoke` invokes…); other
//!   operations read when the event is `readOnly`, write when it is not,
//!   and are calls when CloudTrail does not say. An `errorCode` counts the
//!   event as an error.
//!
//! Request and response payloads are never stored: only the names above
//! are taken from them. Events that name no resource (`ListQueues`) or no
//! principal give no edge; an info diagnostic counts them.
//!
//! # Window, scope and completeness
//!
//! The window is the earliest to the latest `eventTime`; the scope is
//! `aws:<account>/<region>` from `recipientAccountId` and `awsRegion` when
//! every event agrees (`aws:<account>` when only the account does). A log
//! file is complete for what its trail logs (its caveat says data events
//! depend on the trail's selectors); a `lookup-events` page with a
//! `NextToken` is partial, and `lookup-events` never returns data events.
//!
//! # Limits
//!
//! A file is read whole (a trail's log file covers five minutes of one
//! region; a `lookup-events` page holds at most 50 events). Events naming
//! several resources give an edge to each. A `lookup-events` event without
//! its `CloudTrailEvent` names no principal and is skipped with a warning.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::io::Read as _;
use std::path::Path;

use infrawise_core::{
    Alias, Diagnostic, EdgeKind, Format, Fragment, NodeKind, Origin, Source, SourceStatus,
    Timestamp,
};
use serde::Deserialize;
use serde_json::Value;

use super::aggregate::Observations;
use super::input::{self, io_message, json_message};
use crate::code::{self, AwsService};

/// The extractor name on CloudTrail evidence.
pub const EXTRACTOR: &str = "cloudtrail";

const LOG_FILE_CAVEAT: &str =
    "cloudtrail log file: data events appear only where the trail's event selectors log them";
const LOOKUP_CAVEAT: &str = "lookup-events returns management events only";
const NEXT_TOKEN_CAVEAT: &str =
    "NextToken present: more pages exist; lookup-events returns management events only";

#[derive(Deserialize)]
struct Document {
    #[serde(rename = "Records", default)]
    records: Option<Vec<Value>>,
    #[serde(rename = "Events", default)]
    events: Option<Vec<Value>>,
    #[serde(rename = "NextToken", default)]
    next_token: Option<Value>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Record<'a> {
    #[serde(borrow, default)]
    user_identity: Option<Identity<'a>>,
    #[serde(borrow, default)]
    event_time: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    event_source: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    event_name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    aws_region: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    recipient_account_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    error_code: Option<Cow<'a, str>>,
    #[serde(default)]
    read_only: Option<Value>,
    #[serde(default)]
    request_parameters: Option<Value>,
    #[serde(borrow, default)]
    resources: Option<Vec<ResourceRef<'a>>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Identity<'a> {
    #[serde(rename = "type", borrow, default)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    arn: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    account_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    invoked_by: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    session_context: Option<SessionContext<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct SessionContext<'a> {
    #[serde(borrow, default)]
    session_issuer: Option<Issuer<'a>>,
}

#[derive(Deserialize, Default)]
struct Issuer<'a> {
    #[serde(rename = "type", borrow, default)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    arn: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct ResourceRef<'a> {
    #[serde(rename = "ARN", alias = "arn", borrow, default)]
    arn: Option<Cow<'a, str>>,
    #[serde(rename = "type", borrow, default)]
    kind: Option<Cow<'a, str>>,
}

/// Reads one CloudTrail file (gzip or not), shown as `display` in the output.
pub fn parse_file(path: &Path, display: &str) -> Fragment {
    let mut text = String::new();
    match input::open(path).and_then(|mut reader| reader.read_to_string(&mut text)) {
        Ok(_) => parse_text(&text, display),
        Err(error) => finish_failed(
            display,
            Diagnostic::error(display, None, io_message(&error)),
        ),
    }
}

fn finish_failed(display: &str, diagnostic: Diagnostic) -> Fragment {
    let mut source = Source::new(display, Format::CloudTrail, Origin::Observed);
    source.status = SourceStatus::Failed;
    Fragment {
        sources: vec![source],
        diagnostics: vec![diagnostic],
        ..Fragment::new()
    }
}

/// Reads a CloudTrail log file or `lookup-events` output from text.
pub fn parse_text(text: &str, display: &str) -> Fragment {
    let document: Document = match serde_json::from_str(text) {
        Ok(document) => document,
        Err(error) => {
            let line = Some(error.line() as u32);
            return finish_failed(
                display,
                Diagnostic::error(display, line, json_message(&error)),
            );
        }
    };
    let mut reader = TrailReader {
        observations: Observations::new(EXTRACTOR, display, None),
        display,
        diagnostics: Vec::new(),
        scopes: BTreeSet::new(),
        unnamed: 0,
    };
    let (status, caveat) = if let Some(records) = &document.records {
        for (index, record) in records.iter().enumerate() {
            reader.record_value(index, record);
        }
        (SourceStatus::Complete, LOG_FILE_CAVEAT)
    } else if let Some(events) = &document.events {
        for (index, event) in events.iter().enumerate() {
            reader.lookup_event(index, event);
        }
        match &document.next_token {
            Some(Value::String(token)) if !token.is_empty() => {
                (SourceStatus::Partial, NEXT_TOKEN_CAVEAT)
            }
            _ => (SourceStatus::Complete, LOOKUP_CAVEAT),
        }
    } else {
        return finish_failed(
            display,
            Diagnostic::error(
                display,
                None,
                "neither Records nor Events: not a cloudtrail document",
            ),
        );
    };
    if reader.unnamed > 0 {
        reader.diagnostics.push(Diagnostic::info(
            display,
            None,
            format!(
                "{} event(s) named no resource or no principal",
                reader.unnamed
            ),
        ));
    }
    let mut source = Source::new(display, Format::CloudTrail, Origin::Observed);
    source.status = status;
    source.caveat = Some(caveat.to_owned());
    source.window_start = reader.observations.window.first;
    source.window_end = reader.observations.window.last;
    source.read_at = source.window_end;
    source.scope = crate::code::aws_scope(&reader.scopes);
    let diagnostics = reader.diagnostics;
    let mut fragment = reader.observations.finish(source);
    fragment.diagnostics = diagnostics;
    fragment
}

struct TrailReader<'d> {
    observations: Observations,
    display: &'d str,
    diagnostics: Vec<Diagnostic>,
    scopes: BTreeSet<(String, String)>,
    unnamed: u64,
}

impl TrailReader<'_> {
    fn record_value(&mut self, index: usize, value: &Value) {
        match Record::deserialize(value) {
            Ok(record) => self.record(&record),
            Err(error) => self.diagnostics.push(Diagnostic::warning(
                self.display,
                None,
                format!("record {index}: {}", error.to_string().to_lowercase()),
            )),
        }
    }

    fn lookup_event(&mut self, index: usize, event: &Value) {
        let Some(Value::String(text)) = event.get("CloudTrailEvent") else {
            self.diagnostics.push(Diagnostic::warning(
                self.display,
                None,
                format!("event {index}: no CloudTrailEvent, so no principal"),
            ));
            return;
        };
        match serde_json::from_str::<Value>(text) {
            Ok(record) => self.record_value(index, &record),
            Err(error) => self.diagnostics.push(Diagnostic::warning(
                self.display,
                None,
                format!("event {index}: CloudTrailEvent {}", json_message(&error)),
            )),
        }
    }

    fn record(&mut self, record: &Record<'_>) {
        let time = record
            .event_time
            .as_deref()
            .and_then(|t| Timestamp::parse(t).ok());
        self.observations.window.widen(time, time);
        if let (Some(account), Some(region)) = (&record.recipient_account_id, &record.aws_region) {
            self.scopes
                .insert((account.to_string(), region.to_string()));
        }
        let source = record.event_source.as_deref().unwrap_or("");
        let service_prefix = source.strip_suffix(".amazonaws.com").unwrap_or(source);
        let event_name = normalize_event_name(record.event_name.as_deref().unwrap_or(""));
        let targets = self.targets(record, service_prefix);
        let principal = record
            .user_identity
            .as_ref()
            .filter(|_| !targets.is_empty())
            .and_then(|identity| self.principal(identity));
        let Some(principal) = principal else {
            self.unnamed += 1;
            return;
        };
        let error = record.error_code.is_some();
        self.observations.observe_node(principal, time, time, error);
        let edge = edge_kind(service_prefix, event_name, record.read_only.as_ref());
        for target in targets {
            if target != principal {
                self.observations
                    .observe_edge(principal, target, edge, event_name, time, time, error);
            }
        }
    }

    fn principal(&mut self, identity: &Identity<'_>) -> Option<u32> {
        let obs = &mut self.observations;
        let kind = identity.kind.as_deref().unwrap_or("");
        match kind {
            "AssumedRole" => {
                let issuer = identity
                    .session_context
                    .as_ref()
                    .and_then(|context| context.session_issuer.as_ref())
                    .filter(|issuer| issuer.kind.as_deref() == Some("Role"))
                    .and_then(|issuer| issuer.arn.as_deref().map(str::to_owned));
                let role_arn =
                    issuer.or_else(|| identity.arn.as_deref().and_then(role_of_session))?;
                let name = role_arn.rsplit('/').next().unwrap_or(&role_arn).to_owned();
                let node = obs.node(
                    NodeKind::Role,
                    &name,
                    Some("AWS::IAM::Role"),
                    "principal of events",
                );
                obs.alias(node, Alias::arn(role_arn));
                Some(node)
            }
            "IAMUser" => {
                let arn = identity.arn.as_deref()?;
                let name = arn.rsplit('/').next().unwrap_or(arn);
                let node = obs.node(
                    NodeKind::Resource,
                    name,
                    Some("AWS::IAM::User"),
                    "principal of events",
                );
                obs.alias(node, Alias::arn(arn));
                Some(node)
            }
            "AWSService" => {
                let service = identity.invoked_by.as_deref()?;
                Some(obs.node(
                    NodeKind::Other,
                    service,
                    Some("aws_service_principal"),
                    "principal of events",
                ))
            }
            "Root" => {
                let account = identity.account_id.as_deref()?;
                let node = obs.node(
                    NodeKind::Other,
                    &format!("root:{account}"),
                    Some("aws_account_root"),
                    "principal of events",
                );
                if let Some(arn) = identity.arn.as_deref() {
                    obs.alias(node, Alias::arn(arn));
                }
                Some(node)
            }
            _ => {
                // Federated, web-identity and other callers: their ARN, if any.
                let arn = identity.arn.as_deref()?;
                let node = obs.node(NodeKind::Other, arn, Some(kind), "principal of events");
                obs.alias(node, Alias::arn(arn));
                Some(node)
            }
        }
    }

    /// The nodes of the resources an event names.
    fn targets(&mut self, record: &Record<'_>, service: &str) -> Vec<u32> {
        let mut out: Vec<u32> = Vec::new();
        for resource in record.resources.iter().flatten() {
            let Some(arn) = resource.arn.as_deref() else {
                continue;
            };
            if let Some(node) = self.arn_node(arn, resource.kind.as_deref())
                && !out.contains(&node)
            {
                out.push(node);
            }
        }
        if !out.is_empty() {
            return out;
        }
        let Some(Value::Object(params)) = &record.request_parameters else {
            return out;
        };
        let text = |key: &str| params.get(key).and_then(Value::as_str);
        let named: Option<(NodeKind, &str)> = match service {
            "sqs" => text("queueUrl")
                .or_else(|| text("queueName"))
                .map(|t| (NodeKind::Queue, t)),
            "dynamodb" => text("tableName").map(|t| (NodeKind::Table, t)),
            "s3" => text("bucketName").map(|t| (NodeKind::Bucket, t)),
            "lambda" => text("functionName").map(|t| (NodeKind::Function, t)),
            "sns" => text("topicArn").map(|t| (NodeKind::Topic, t)),
            "states" => text("stateMachineArn").map(|t| (NodeKind::StateMachine, t)),
            "secretsmanager" => text("secretId").map(|t| (NodeKind::Secret, t)),
            "ssm" => text("name").map(|t| (NodeKind::Parameter, t)),
            "kinesis" => text("streamARN")
                .or_else(|| text("streamName"))
                .map(|t| (NodeKind::Stream, t)),
            _ => None,
        };
        if let Some((kind, text)) = named {
            let text = if kind == NodeKind::Function {
                unqualified(text)
            } else {
                text
            };
            if let Some(alias) = code::resource_alias(kind, text) {
                let node = self.observations.node(
                    kind,
                    &alias.value,
                    super::aws_type(kind),
                    "resource of events",
                );
                if text.starts_with("arn:") {
                    self.observations.alias(node, Alias::arn(text));
                } else if kind == NodeKind::Queue && text.starts_with("https://") {
                    self.observations.alias(node, Alias::url(text));
                }
                out.push(node);
            }
        }
        out
    }

    /// The node of a resource named by ARN.
    fn arn_node(&mut self, arn: &str, raw_type: Option<&str>) -> Option<u32> {
        let service = code::arn_parts(arn)?.service;
        let (kind, name) = code::arn_resource(arn)?;
        let arn = if kind == NodeKind::Function {
            unqualified(arn)
        } else if kind == NodeKind::Bucket {
            // An object ARN (`arn:aws:s3:::bucket/key`) stands for its bucket.
            arn.split('/').next().unwrap_or(arn)
        } else {
            arn
        };
        let raw_type = raw_type
            .filter(|t| *t != "AWS::S3::Object")
            .or(super::aws_type(kind));
        let node = match name {
            Some(name) if !name.is_empty() => {
                self.observations
                    .node(kind, &name, raw_type, "resource of events")
            }
            _ => self.observations.node(
                NodeKind::Resource,
                arn,
                raw_type.or(Some(service)),
                "resource of events",
            ),
        };
        self.observations.alias(node, Alias::arn(arn));
        Some(node)
    }
}

/// `arn:aws:sts::<account>:assumed-role/<role>/<session>` →
/// `arn:aws:iam::<account>:role/<role>`.
fn role_of_session(arn: &str) -> Option<String> {
    let mut parts = arn.splitn(6, ':');
    let (_, partition, service, _, account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    if service != "sts" {
        return None;
    }
    let role = resource.strip_prefix("assumed-role/")?.split('/').next()?;
    Some(format!("arn:{partition}:iam::{account}:role/{role}"))
}

/// A Lambda function ARN or name without a version or alias qualifier.
fn unqualified(text: &str) -> &str {
    if text.starts_with("arn:") {
        let mut colons = text.match_indices(':').map(|(at, _)| at);
        if let Some(seventh) = colons.nth(6) {
            return &text[..seventh];
        }
    }
    text
}

/// Lambda's event names carry an API version (`Invoke`, but
/// `GetFunction20150331v2`, `UpdateFunctionConfiguration20150331v2`): the
/// version is dropped so the operation is the API's name.
fn normalize_event_name(name: &str) -> &str {
    let without_v = match name.rfind('v') {
        Some(at) if at + 1 < name.len() && name[at + 1..].bytes().all(|b| b.is_ascii_digit()) => {
            &name[..at]
        }
        _ => name,
    };
    let digits = without_v
        .bytes()
        .rev()
        .take_while(u8::is_ascii_digit)
        .count();
    if digits == 8 && without_v.len() > 8 {
        &without_v[..without_v.len() - 8]
    } else {
        name
    }
}

/// What an event does to its resource.
fn edge_kind(service: &str, event_name: &str, read_only: Option<&Value>) -> EdgeKind {
    let client = match service {
        "states" => AwsService::from_client_name("stepfunctions"),
        other => AwsService::from_client_name(other),
    };
    if let Some(operation) =
        client.and_then(|client| code::operation(client, &code::snake_operation(event_name)))
    {
        return operation.edge;
    }
    match read_only {
        Some(Value::Bool(true)) => EdgeKind::Reads,
        Some(Value::Bool(false)) => EdgeKind::Writes,
        Some(Value::String(text)) if text == "true" => EdgeKind::Reads,
        Some(Value::String(text)) if text == "false" => EdgeKind::Writes,
        _ => EdgeKind::Calls,
    }
}

#[cfg(test)]
mod tests {
    use super::{normalize_event_name, role_of_session};

    #[test]
    fn assumed_role_sessions_become_their_role() {
        assert_eq!(
            role_of_session(
                "arn:aws:sts::123456789012:assumed-role/orders-worker/orders-worker-fn"
            )
            .as_deref(),
            Some("arn:aws:iam::123456789012:role/orders-worker")
        );
        assert_eq!(
            role_of_session("arn:aws:iam::123456789012:user/alice"),
            None
        );
    }

    #[test]
    fn lambda_api_versions_are_dropped() {
        assert_eq!(normalize_event_name("GetFunction20150331v2"), "GetFunction");
        assert_eq!(
            normalize_event_name("CreateFunction20150331"),
            "CreateFunction"
        );
        assert_eq!(normalize_event_name("Invoke"), "Invoke");
        assert_eq!(normalize_event_name("SendMessage"), "SendMessage");
        assert_eq!(normalize_event_name("GetObjectv2"), "GetObjectv2");
    }
}

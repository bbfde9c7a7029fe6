//! SAM (`Transform: AWS::Serverless-2016-10-31`): what a serverless
//! function's events and policy templates add to the graph. References
//! inside `Events` are already `triggers` edges and references inside
//! `Policies` are `grants` edges (see `template::role`); this module adds
//! what SAM creates implicitly: the API behind an `Api` event without a
//! `RestApiId`, the rule behind a `Schedule`, and grants from literal names
//! in policy templates (`SQSSendMessagePolicy: {QueueName: orders}`).

use infrawise_core::{Alias, EdgeKind, NodeId, NodeKind, NodeRef, Origin};

use super::kinds::policy_parameter_kind;
use super::template::Emitter;
use super::value::Value;

/// The extra nodes and edges of an `AWS::Serverless::Function`.
pub(crate) fn function(emitter: &mut Emitter<'_>, id: &str, logical: &str, body: &Value) {
    let properties = body.get("Properties");
    let events = properties.and_then(|p| p.get("Events"));
    for event in events.map(Value::entries).unwrap_or_default() {
        let event_type = event
            .value
            .get("Type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let event_properties = event.value.get("Properties");
        let detail = format!("Properties.Events.{} ({event_type})", event.key);
        match event_type {
            "Api" | "HttpApi" => {
                let explicit = if event_type == "Api" {
                    "RestApiId"
                } else {
                    "ApiId"
                };
                if event_properties.and_then(|p| p.get(explicit)).is_some() {
                    continue;
                }
                let (logical_api, raw) = if event_type == "Api" {
                    ("ServerlessRestApi", "AWS::Serverless::Api")
                } else {
                    ("ServerlessHttpApi", "AWS::Serverless::HttpApi")
                };
                let api_id = emitter.id(logical_api);
                let declared = emitter.out.nodes.iter().any(|n| n.id.as_str() == api_id);
                let node = emitter
                    .node(
                        api_id.clone(),
                        NodeKind::Api,
                        logical_api,
                        detail.clone(),
                        event.line,
                    )
                    .with_raw_type(raw)
                    .with_alias(Alias::logical_id(emitter.stack, logical_api));
                if !declared {
                    emitter.out.nodes.push(node);
                }
                let route = route_text(event_properties);
                emitter.edge(
                    NodeId::new(id),
                    NodeId::new(api_id),
                    EdgeKind::Triggers,
                    format!("Properties.Events.{} ({event_type}{route})", event.key),
                    event.line,
                );
            }
            "Schedule" | "ScheduleV2" | "CloudWatchEvent" | "EventBridgeRule" => {
                let rule_logical = format!("{logical}{}", event.key);
                let rule_id = emitter.id(&rule_logical);
                let raw = if event_type == "ScheduleV2" {
                    "AWS::Scheduler::Schedule"
                } else {
                    "AWS::Events::Rule"
                };
                let mut node = emitter
                    .node(
                        rule_id.clone(),
                        NodeKind::EventRule,
                        &rule_logical,
                        detail.clone(),
                        event.line,
                    )
                    .with_raw_type(raw)
                    .with_alias(Alias::logical_id(emitter.stack, &rule_logical));
                for key in ["Schedule", "ScheduleExpression", "Pattern"] {
                    if let Some(value) = event_properties.and_then(|p| p.get(key)) {
                        node.set_attribute(
                            Origin::Declared,
                            format!("Properties.{key}"),
                            value.to_json(),
                        );
                    }
                }
                emitter.out.nodes.push(node);
                emitter.edge(
                    NodeId::new(id),
                    NodeId::new(rule_id),
                    EdgeKind::Triggers,
                    detail,
                    event.line,
                );
            }
            _ => {
                // Literal ARNs of event sources (`Queue: arn:aws:sqs:…`) name their source globally.
                for property in event_properties.map(Value::entries).unwrap_or_default() {
                    if let Some(arn) = property
                        .value
                        .as_str()
                        .filter(|text| text.starts_with("arn:"))
                    {
                        emitter.edge(
                            NodeId::new(id),
                            NodeRef::Alias(Alias::arn(arn)),
                            EdgeKind::Triggers,
                            format!(
                                "Properties.Events.{}.Properties.{} ({event_type})",
                                event.key, property.key
                            ),
                            property.line,
                        );
                    }
                }
            }
        }
    }
    policies(emitter, id, body);
}

/// Grants from literal (or parameter-default) names in SAM policy templates.
pub(crate) fn policies(emitter: &mut Emitter<'_>, id: &str, body: &Value) {
    let policies = body.get("Properties").and_then(|p| p.get("Policies"));
    for (index, policy) in policies
        .map(Value::items)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        for template in policy.entries() {
            if template.key == "Statement" || template.key == "Version" {
                continue;
            }
            for parameter in template.value.entries() {
                let Some(kind) = policy_parameter_kind(&parameter.key) else {
                    continue;
                };
                let Some(name) = emitter.scope.string(&parameter.value) else {
                    continue;
                };
                let alias = if name.starts_with("arn:") {
                    Alias::arn(name)
                } else if kind == NodeKind::Other {
                    continue;
                } else {
                    Alias::name(kind, name)
                };
                emitter.edge(
                    NodeId::new(id),
                    NodeRef::Alias(alias),
                    EdgeKind::Grants,
                    format!(
                        "Properties.Policies[{index}].{}.{} (policy template)",
                        template.key, parameter.key
                    ),
                    parameter.line,
                );
            }
        }
    }
}

fn route_text(properties: Option<&Value>) -> String {
    let method = properties
        .and_then(|p| p.get("Method"))
        .and_then(Value::as_str);
    let path = properties
        .and_then(|p| p.get("Path"))
        .and_then(Value::as_str);
    match (method, path) {
        (Some(method), Some(path)) => format!(" {} {path}", method.to_uppercase()),
        (None, Some(path)) => format!(" {path}"),
        _ => String::new(),
    }
}

//! EventBridge: `list-rules` and `list-targets-by-rule`.

use infrawise_core::{Alias, EdgeKind, NodeKind};
use serde_json::Value as Json;

use super::build::{Inventory, arn_target, file_stem_name, json, text};
use super::list;
use crate::cloudformation::value::Value;
use crate::runtime::node_id;

const RULE_TYPE: &str = "AWS::Events::Rule";

pub(super) fn list_rules(inventory: &mut Inventory<'_>, root: &Value) {
    for item in list(inventory, root, "Rules") {
        let line = item.line;
        let Some(name) = text(item, "Name").filter(|name| !name.is_empty()) else {
            inventory.warn(Some(line), "rule without Name");
            continue;
        };
        let id = node_id(NodeKind::EventRule, name);
        let node = inventory.node(NodeKind::EventRule, name, RULE_TYPE, "rule", line);
        if let Some(arn) = text(item, "Arn") {
            node.aliases.insert(Alias::arn(arn));
            inventory.scope_of_arn(arn);
        }
        for field in ["State", "ScheduleExpression", "EventBusName", "ManagedBy"] {
            if let Some(value) = json(item, field) {
                inventory.attribute(&id, field, value);
            }
        }
        // The API gives the pattern as JSON in a string.
        if let Some(pattern) = text(item, "EventPattern") {
            let value = serde_json::from_str::<Json>(pattern)
                .unwrap_or_else(|_| Json::String(pattern.to_owned()));
            inventory.attribute(&id, "EventPattern", value);
        }
    }
}

pub(super) fn targets(inventory: &mut Inventory<'_>, root: &Value) {
    // A `Rule` key beside the targets (a rule ARN or name), else the file name.
    let rule = if let Some(rule) = text(root, "Rule").filter(|rule| !rule.is_empty()) {
        arn_target(rule)
            .and_then(|target| target.name)
            .unwrap_or_else(|| rule.to_owned())
    } else {
        let Some(name) = file_stem_name(inventory.display) else {
            inventory.warn(
                Some(root.line),
                "targets name no rule: add a `Rule` key or name the file `<rule>.targets.json`",
            );
            return;
        };
        inventory.info(
            Some(root.line),
            format!("no `Rule` key: the rule is taken from the file name, `{name}`"),
        );
        name
    };
    let rule_alias = Alias::name(NodeKind::EventRule, rule.as_str());
    for item in list(inventory, root, "Targets") {
        let line = item.line;
        let id = text(item, "Id").unwrap_or_default();
        // `Input` and `InputTransformer` are payloads: never read.
        let Some(target) = text(item, "Arn").and_then(arn_target) else {
            inventory.warn(Some(line), format!("target `{id}` without an Arn"));
            continue;
        };
        if let Some(arn) = text(item, "Arn") {
            inventory.scope_of_arn(arn);
        }
        let detail = format!("Targets[{id}] of rule {rule}");
        inventory.edge(
            rule_alias.clone(),
            target.alias.clone(),
            EdgeKind::References,
            detail.clone(),
            line,
        );
        if target.kind == NodeKind::Function {
            inventory.edge(
                target.alias,
                rule_alias.clone(),
                EdgeKind::Triggers,
                detail,
                line,
            );
        }
    }
}

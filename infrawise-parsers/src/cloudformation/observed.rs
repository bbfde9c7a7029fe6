//! Observed CloudFormation stacks: the JSON the AWS CLI prints for
//! `describe-stack-resources`, `list-stack-resources`,
//! `describe-stack-resource` and `describe-stack-resource-drifts`.
//!
//! Each record attaches observed evidence (status, last update time) and
//! the physical id as an alias to the node `cfn:<stack>:<LogicalId>`, the
//! same id the template gives it, so declared and observed meet. Drift
//! records add observed attribute values (`Properties.X`, the names the
//! template uses) and a warning per drifted resource.
//!
//! The stack is the record's `StackName`, else the name inside its
//! `StackId` ARN, else the file name up to its first dot
//! (`Orders.list-stack-resources.json` observes stack `Orders`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use infrawise_core::{
    Alias, Diagnostic, Edge, EdgeKind, Evidence, Format, Fragment, Node, NodeId, NodeKind, Origin,
    Source, Timestamp,
};
use rayon::prelude::*;

use super::json;
use super::kinds::{name_property, node_kind};
use super::value::Value;
use crate::display_path;

const EXTRACTOR: &str = "cloudformation_stack";
const LISTS: [&str; 4] = [
    "StackResources",
    "StackResourceSummaries",
    "StackResourceDrifts",
    "StackResourceDetail",
];

/// Whether `text` is AWS CLI output about a stack's resources.
pub fn detect_stack_observation(text: &str) -> bool {
    text.contains("LogicalResourceId") && LISTS.iter().any(|list| text.contains(list))
}

/// Parses stack observations; paths in the output are relative to `root`.
pub fn parse_stack_observations(files: &[PathBuf], root: &Path) -> Fragment {
    let parts: Vec<Fragment> = files
        .par_iter()
        .map(|path| parse_file(path, root))
        .collect();
    let mut fragment = Fragment::new();
    for part in parts {
        fragment.extend(part);
    }
    fragment
}

fn file_stack(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    name.split('.').next().unwrap_or_default().to_owned()
}

fn stack_from_id(stack_id: &str) -> Option<&str> {
    // arn:aws:cloudformation:region:account:stack/NAME/guid
    stack_id.split(":stack/").nth(1)?.split('/').next()
}

fn text<'v>(record: &'v Value, key: &str) -> Option<&'v str> {
    record.get(key).and_then(Value::as_str)
}

fn parse_file(path: &Path, root: &Path) -> Fragment {
    let display = display_path(path, root);
    let content = match std::fs::read(path) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(error) => {
            let mut fragment = Fragment::new();
            fragment.diagnostics.push(Diagnostic::error(
                &display,
                None,
                format!("cannot read file: {error}"),
            ));
            return fragment;
        }
    };
    let mtime = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .map(Timestamp::from_system_time);
    parse_text(&content, &display, &file_stack(path), mtime)
}

/// Parses one stack observation given as text, shown in the output as
/// `display`; a stack the records do not name is named after the file
/// name up to its first dot.
pub fn parse_stack_observation_text(text: &str, display: &str) -> Fragment {
    parse_text(text, display, &file_stack(Path::new(display)), None)
}

fn parse_text(content: &str, display: &str, fallback: &str, mtime: Option<Timestamp>) -> Fragment {
    let display = display.to_owned();
    let fallback = fallback.to_owned();
    let mut fragment = Fragment::new();
    let loaded = json::load(content);
    let Some(document) = loaded.root else {
        for (line, _, message) in loaded.problems {
            fragment
                .diagnostics
                .push(Diagnostic::error(&display, line, message));
        }
        let mut source = Source::new(&display, Format::CloudFormationStack, Origin::Observed);
        source.status = infrawise_core::SourceStatus::Failed;
        fragment.sources.push(source);
        return fragment;
    };
    let mut records: Vec<(&Value, bool)> = Vec::new();
    for list in LISTS {
        let Some(value) = document.get(list) else {
            continue;
        };
        let drift = list == "StackResourceDrifts";
        if list == "StackResourceDetail" {
            records.push((value, false));
        } else {
            records.extend(value.items().iter().map(|record| (record, drift)));
        }
    }
    let mut newest: BTreeMap<String, Option<Timestamp>> = BTreeMap::new();
    for (record, drift) in records {
        let Some(logical) = text(record, "LogicalResourceId") else {
            fragment.diagnostics.push(Diagnostic::warning(
                &display,
                Some(record.line),
                "stack resource record without LogicalResourceId",
            ));
            continue;
        };
        let stack = text(record, "StackName")
            .or_else(|| text(record, "StackId").and_then(stack_from_id))
            .unwrap_or(&fallback)
            .to_owned();
        let seen = ["Timestamp", "LastUpdatedTimestamp"]
            .iter()
            .find_map(|key| text(record, key))
            .and_then(|t| Timestamp::parse(t).ok());
        let entry = newest.entry(stack.clone()).or_insert(None);
        *entry = (*entry).max(seen);
        if drift && text(record, "StackResourceDriftStatus") == Some("DELETED") {
            // Gone: the warning says so, and nothing claims it was seen.
            let mut node = Node::new("", NodeKind::Other, logical);
            drift_record(&mut fragment, &mut node, record, &display, &stack, logical);
            continue;
        }
        let resource_type = text(record, "ResourceType").unwrap_or_default();
        let kind = node_kind(resource_type);
        let status = text(record, "ResourceStatus")
            .or_else(|| text(record, "StackResourceDriftStatus"))
            .unwrap_or("unknown");
        let detail = if drift {
            format!("drift {status}")
        } else {
            format!("status {status}")
        };
        let evidence =
            Evidence::observed(EXTRACTOR, detail, seen.or(mtime)).at(&display, Some(record.line));
        let id = format!("cfn:{stack}:{logical}");
        let mut node = Node::new(id.clone(), kind, logical)
            .with_raw_type(resource_type)
            .with_scope(format!("cloudformation:{stack}"))
            .with_alias(Alias::logical_id(&stack, logical))
            .with_evidence(evidence.clone());
        if let Some(stem) = super::sam_generated::logical_id_without_hash(resource_type, logical) {
            node.aliases.insert(Alias::logical_id(&stack, stem));
        }
        if let Some(physical) = text(record, "PhysicalResourceId").filter(|p| !p.is_empty()) {
            physical_aliases(&mut node, resource_type, kind, physical);
            node.set_attribute(
                Origin::Observed,
                "PhysicalResourceId",
                serde_json::Value::String(physical.to_owned()),
            );
        }
        if let Some(status) = text(record, "ResourceStatus") {
            node.set_attribute(
                Origin::Observed,
                "ResourceStatus",
                serde_json::Value::String(status.to_owned()),
            );
        }
        if drift {
            drift_record(&mut fragment, &mut node, record, &display, &stack, logical);
        }
        let stack_id = format!("cfn:{stack}");
        fragment.edges.push(Edge::new(
            NodeId::new(stack_id),
            NodeId::new(id),
            EdgeKind::Contains,
            evidence,
        ));
        fragment.nodes.push(node);
    }
    for (stack, seen) in newest {
        let read_at = seen.or(mtime);
        let stack_node = Node::new(format!("cfn:{stack}"), NodeKind::Stack, &stack)
            .with_scope(format!("cloudformation:{stack}"))
            .with_evidence(
                Evidence::observed(EXTRACTOR, "stack", read_at).at(&display, Some(document.line)),
            );
        fragment.nodes.push(stack_node);
        let mut source = Source::new(&display, Format::CloudFormationStack, Origin::Observed);
        source.read_at = read_at;
        source.scope = Some(format!("cloudformation:{stack}"));
        fragment.sources.push(source);
    }
    if fragment.sources.is_empty() {
        let mut source = Source::new(&display, Format::CloudFormationStack, Origin::Observed);
        source.read_at = mtime;
        source.scope = Some(format!("cloudformation:{fallback}"));
        fragment.sources.push(source);
    }
    fragment
}

fn physical_aliases(node: &mut Node, resource_type: &str, kind: NodeKind, physical: &str) {
    if physical.starts_with("arn:") {
        node.aliases.insert(Alias::arn(physical));
        if name_property(resource_type).is_some()
            && let Some(name) = physical.rsplit([':', '/']).next().filter(|n| !n.is_empty())
        {
            node.aliases.insert(Alias::name(kind, name));
        }
    } else if physical.starts_with("https://") {
        node.aliases.insert(Alias::url(physical));
        if let Some(name) = physical.rsplit('/').next().filter(|n| !n.is_empty()) {
            node.aliases.insert(Alias::name(kind, name));
        }
    } else if name_property(resource_type).is_some() && kind != NodeKind::SecurityGroup {
        // CloudFormation's physical id of a named resource is its name; a
        // security group's is its group id.
        node.aliases.insert(Alias::name(kind, physical));
    } else {
        node.aliases.insert(Alias::id(kind, physical));
    }
}

fn json_text(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|_| serde_json::Value::String(text.to_owned()))
}

fn drift_record(
    fragment: &mut Fragment,
    node: &mut Node,
    record: &Value,
    display: &str,
    stack: &str,
    logical: &str,
) {
    if let Some(serde_json::Value::Object(actual)) = text(record, "ActualProperties").map(json_text)
    {
        for (key, value) in actual {
            node.set_attribute(Origin::Observed, format!("Properties.{key}"), value);
        }
    }
    let status = text(record, "StackResourceDriftStatus").unwrap_or_default();
    let mut differences = Vec::new();
    for difference in record
        .get("PropertyDifferences")
        .map(Value::items)
        .unwrap_or_default()
    {
        let path = text(difference, "PropertyPath").unwrap_or_default();
        let expected = text(difference, "ExpectedValue").unwrap_or_default();
        let actual = text(difference, "ActualValue").unwrap_or_default();
        let kind = text(difference, "DifferenceType").unwrap_or("NOT_EQUAL");
        let property = path.trim_start_matches('/');
        if !property.is_empty() && !property.contains('/') {
            let name = format!("Properties.{property}");
            if !node.attributes.contains_key(&name) {
                node.set_attribute(Origin::Observed, name, json_text(actual));
            }
        }
        differences.push(format!(
            "{path} {kind} expected {expected}, actual {actual}"
        ));
    }
    match status {
        "MODIFIED" => fragment.diagnostics.push(Diagnostic::warning(
            display,
            Some(record.line),
            format!(
                "stack `{stack}` resource `{logical}` drifted: {}",
                differences.join("; ")
            ),
        )),
        "DELETED" => fragment.diagnostics.push(Diagnostic::warning(
            display,
            Some(record.line),
            format!("stack `{stack}` resource `{logical}` was deleted outside CloudFormation"),
        )),
        _ => {}
    }
}

//! Building a fragment from state resources, whatever the state format.

use std::collections::BTreeMap;

use infrawise_core::{
    Alias, AttributeValue, Diagnostic, Edge, EdgeKind, Evidence, Fragment, Node, NodeId, NodeKind,
    Origin, Timestamp,
};
use serde_json::{Map, Value};

use crate::terraform::kinds;

/// One resource instance as a state format gives it.
pub(crate) struct Instance<'a> {
    /// `module.a.` or empty.
    pub(crate) module: String,
    pub(crate) data: bool,
    pub(crate) resource_type: &'a str,
    pub(crate) name: &'a str,
    /// The instance key (`0`, `"key"`), if the resource has several.
    pub(crate) index: Option<&'a Value>,
    /// Attributes with every sensitive value already removed.
    pub(crate) attributes: Map<String, Value>,
    /// Addresses this instance depends on.
    pub(crate) dependencies: Vec<String>,
}

/// Collects nodes and edges for one state document.
pub(crate) struct Builder {
    path: String,
    dir: String,
    read_at: Option<Timestamp>,
    detail: String,
    /// Instance ids by resource address without instance key.
    by_resource: BTreeMap<String, Vec<NodeId>>,
    dependencies: Vec<(NodeId, Vec<String>)>,
    fragment: Fragment,
}

/// The address suffix for an instance key: `[0]` or `["key"]`.
pub(crate) fn index_suffix(index: Option<&Value>) -> String {
    match index {
        Some(Value::Number(n)) => format!("[{n}]"),
        Some(Value::String(s)) => format!("[{}]", Value::String(s.clone())),
        _ => String::new(),
    }
}

impl Builder {
    pub(crate) fn new(path: &str, dir: &str, read_at: Option<Timestamp>) -> Self {
        Builder {
            path: path.to_owned(),
            dir: dir.to_owned(),
            read_at,
            detail: "resource instance in state".to_owned(),
            by_resource: BTreeMap::new(),
            dependencies: Vec::new(),
            fragment: Fragment::new(),
        }
    }

    /// Records the state's serial and lineage in every piece of evidence.
    pub(crate) fn header(&mut self, json: &Value) {
        let mut parts = Vec::new();
        if let Some(serial) = json.get("serial").and_then(Value::as_u64) {
            parts.push(format!("serial {serial}"));
        }
        if let Some(lineage) = json.get("lineage").and_then(Value::as_str) {
            parts.push(format!("lineage {lineage}"));
        }
        if let Some(version) = json.get("terraform_version").and_then(Value::as_str) {
            parts.push(format!("terraform {version}"));
        }
        if !parts.is_empty() {
            self.detail = format!("resource instance in state ({})", parts.join(", "));
        }
    }

    pub(crate) fn diagnostic(&mut self, diagnostic: Diagnostic) {
        self.fragment.diagnostics.push(diagnostic);
    }

    pub(crate) fn warn(&mut self, message: impl Into<String>) {
        let diagnostic = Diagnostic::warning(&self.path, None, message);
        self.fragment.diagnostics.push(diagnostic);
    }

    fn evidence(&self, detail: &str) -> Evidence {
        Evidence::observed("tfstate", detail, self.read_at).at(&self.path, None)
    }

    fn id(&self, address: &str) -> NodeId {
        NodeId::new(format!("tf:{}:{address}", self.dir))
    }

    /// Adds one resource instance.
    pub(crate) fn instance(&mut self, instance: Instance<'_>) {
        let base = format!(
            "{}{}{}.{}",
            instance.module,
            if instance.data { "data." } else { "" },
            instance.resource_type,
            instance.name
        );
        let address = format!("{base}{}", index_suffix(instance.index));
        let kind = if instance.data {
            NodeKind::DataSource
        } else {
            kinds::type_info(instance.resource_type).0
        };
        let mut node = Node::new(self.id(&address), kind, address.clone())
            .with_raw_type(instance.resource_type)
            .with_scope(format!("terraform:{}", self.dir))
            .with_alias(Alias::address(Some(&self.dir), address.as_str()))
            .with_evidence(self.evidence(&self.detail));
        if !instance.data {
            let lookup = |name: &str| {
                instance
                    .attributes
                    .get(name)
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            };
            for alias in kinds::aliases(kind, instance.resource_type, &lookup) {
                node.aliases.insert(alias);
            }
        }
        if instance.resource_type == "aws_dynamodb_table" && !instance.data {
            self.table_indexes(&node.id, &address, &instance.attributes);
        }
        for (name, value) in instance.attributes {
            if !value.is_null() {
                node.set_attribute(Origin::Observed, name, AttributeValue::Known(value));
            }
        }
        self.by_resource
            .entry(base)
            .or_default()
            .push(node.id.clone());
        if !instance.dependencies.is_empty() {
            self.dependencies
                .push((node.id.clone(), instance.dependencies));
        }
        self.fragment.nodes.push(node);
    }

    /// DynamoDB secondary indexes in a table's attributes become observed
    /// index nodes, with the ids the HCL parser gives the declared ones
    /// (`<table address>.global_secondary_index["name"]`), so a declared
    /// index is seen running when its table's state lists it.
    fn table_indexes(&mut self, table: &NodeId, address: &str, attributes: &Map<String, Value>) {
        for block in ["global_secondary_index", "local_secondary_index"] {
            let Some(Value::Array(items)) = attributes.get(block) else {
                continue;
            };
            for item in items {
                let Some(name) = item.get("name").and_then(Value::as_str) else {
                    continue;
                };
                let index_address =
                    format!("{address}.{block}[{}]", Value::String(name.to_owned()));
                let mut node = Node::new(self.id(&index_address), NodeKind::Index, index_address)
                    .with_raw_type(format!("aws_dynamodb_table.{block}"))
                    .with_scope(format!("terraform:{}", self.dir))
                    .with_evidence(self.evidence(block));
                if let Some(table_name) = attributes.get("name").and_then(Value::as_str) {
                    node.aliases
                        .insert(Alias::name(NodeKind::Index, format!("{table_name}/{name}")));
                }
                if let Value::Object(fields) = item {
                    for (key, value) in fields {
                        if !value.is_null() {
                            node.set_attribute(
                                Origin::Observed,
                                key.clone(),
                                AttributeValue::Known(value.clone()),
                            );
                        }
                    }
                }
                let evidence = self.evidence(block);
                self.fragment.edges.push(Edge::new(
                    table.clone(),
                    node.id.clone(),
                    EdgeKind::Contains,
                    evidence,
                ));
                self.fragment.nodes.push(node);
            }
        }
    }

    /// Adds a root module output; a sensitive output's value is withheld.
    pub(crate) fn output(&mut self, name: &str, output: &Value) {
        let address = format!("output.{name}");
        let mut node = Node::new(self.id(&address), NodeKind::Output, address.clone())
            .with_raw_type("output")
            .with_scope(format!("terraform:{}", self.dir))
            .with_alias(Alias::address(Some(&self.dir), address))
            .with_evidence(self.evidence("output in state"));
        if output.get("sensitive").and_then(Value::as_bool) == Some(true) {
            node.set_attribute(
                Origin::Observed,
                "sensitive",
                AttributeValue::Known(true.into()),
            );
            if output.get("value").is_some_and(|v| !v.is_null()) {
                node.set_attribute(
                    Origin::Observed,
                    "value",
                    AttributeValue::redacted("sensitive output"),
                );
            }
        } else if let Some(value) = output.get("value") {
            let mut value = value.clone();
            if let Value::Object(map) = &mut value {
                super::sensitive::scrub(map, &std::collections::BTreeSet::new());
            }
            node.set_attribute(Origin::Observed, "value", AttributeValue::Known(value));
        }
        self.fragment.nodes.push(node);
    }

    /// Resolves dependencies to edges and returns the fragment.
    pub(crate) fn finish(mut self) -> Fragment {
        let dependencies = std::mem::take(&mut self.dependencies);
        for (from, targets) in dependencies {
            for target in targets {
                let ids = self
                    .by_resource
                    .get(&target)
                    .cloned()
                    .unwrap_or_else(|| vec![self.id(&target)]);
                for id in ids {
                    if id != from {
                        let evidence = self.evidence("dependencies");
                        self.fragment.edges.push(Edge::new(
                            from.clone(),
                            id,
                            EdgeKind::DependsOn,
                            evidence,
                        ));
                    }
                }
            }
        }
        self.fragment.nodes.sort_by(|a, b| a.id.cmp(&b.id));
        self.fragment
    }
}

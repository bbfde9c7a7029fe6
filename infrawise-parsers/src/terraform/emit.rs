//! Turning a module instance's blocks into nodes and edges.

use std::collections::BTreeMap;

use hcl::edit::Span as _;
use hcl::edit::expr::Expression;
use hcl::edit::structure::Body;
use infrawise_core::{
    Alias, AttributeValue, Diagnostic, Edge, EdgeKind, Evidence, Node, NodeId, NodeKind, NodeRef,
    Origin,
};

use super::eval::Evaluator;
use super::kinds;
use super::module::{At, BlockAt, Expansion, Instance, InstanceKey};
use super::refs::{self, Reference, Target};
use super::value::Value;

/// Arguments of resources and module calls that are Terraform's own, not
/// the resource's.
const META: &[&str] = &[
    "count",
    "for_each",
    "depends_on",
    "provider",
    "providers",
    "lifecycle",
];

/// Nested blocks that describe Terraform's handling, not the resource.
const META_BLOCKS: &[&str] = &[
    "lifecycle",
    "provisioner",
    "connection",
    "precondition",
    "postcondition",
];

/// A value as an attribute: known JSON, or unknown with its source text.
pub(crate) fn attribute_value(value: &Value, text: impl FnOnce() -> String) -> AttributeValue {
    match value.to_json() {
        Some(json) => AttributeValue::Known(json),
        None => AttributeValue::unknown(text()),
    }
}

impl Instance<'_, '_> {
    pub(crate) fn scope(&self) -> String {
        format!("terraform:{}", self.scan.root_display)
    }

    #[expect(
        clippy::unused_self,
        reason = "kept a method so every emitter reads the same"
    )]
    fn evidence(&self, at: At<'_>, line: Option<u32>, detail: &str) -> Evidence {
        Evidence::declared("terraform", detail).at(&*at.file.display, line)
    }

    /// A node for a block at `address` (already prefixed), with its
    /// address alias, scope and evidence.
    pub(crate) fn node(
        &self,
        address: &str,
        kind: NodeKind,
        raw_type: &str,
        b: BlockAt<'_>,
        detail: &str,
    ) -> Node {
        Node::new(self.scan.id(address).0, kind, address)
            .with_raw_type(raw_type)
            .with_scope(self.scope())
            .with_alias(Alias::address(Some(&self.scan.root_display), address))
            .with_evidence(self.evidence(b.at, b.line(), detail))
    }

    pub(crate) fn push_node(&self, node: Node) {
        self.scan.out.borrow_mut().nodes.push(node);
    }

    pub(crate) fn push_edge(
        &self,
        from: &NodeId,
        to: impl Into<NodeRef>,
        kind: EdgeKind,
        evidence: Evidence,
    ) {
        self.scan
            .out
            .borrow_mut()
            .edges
            .push(Edge::new(from.clone(), to, kind, evidence));
    }

    fn warn(&self, at: At<'_>, line: Option<u32>, message: String) {
        self.scan
            .diagnostic(Diagnostic::warning(&*at.file.display, line, message));
    }

    /// Evaluates the arguments and nested blocks of a body into attributes:
    /// name -> (value, source text).
    pub(crate) fn body_attributes(
        &self,
        at: At<'_>,
        body: &Body,
        evaluator: &mut Evaluator<'_>,
        skip: &[&str],
    ) -> BTreeMap<String, (Value, String)> {
        let mut out = BTreeMap::new();
        for attr in body.attributes() {
            let name = attr.key.value().as_str();
            if skip.contains(&name) {
                continue;
            }
            out.insert(
                name.to_owned(),
                (evaluator.eval(&attr.value), at.text(&attr.value)),
            );
        }
        let mut blocks: BTreeMap<String, (Vec<Value>, String)> = BTreeMap::new();
        for block in body.blocks() {
            let ident = block.ident.value().as_str();
            if META_BLOCKS.contains(&ident) || skip.contains(&ident) {
                continue;
            }
            if ident == "dynamic" {
                let Some(label) = block.labels.first().map(|l| l.as_str().to_owned()) else {
                    continue;
                };
                let entry = blocks
                    .entry(label.clone())
                    .or_insert_with(|| (Vec::new(), format!("dynamic {label}")));
                let items = block
                    .body
                    .get_attribute("for_each")
                    .map(|a| evaluator.eval(&a.value));
                let iterator = block
                    .body
                    .get_attribute("iterator")
                    .map_or_else(|| label.clone(), |a| at.text(&a.value));
                let content = block.body.get_blocks("content").next();
                let pairs: Option<Vec<(Value, Value)>> = match items {
                    Some(Value::List(items)) => Some(
                        items
                            .iter()
                            .enumerate()
                            .map(|(i, v)| (Value::Number(i as f64), v.clone()))
                            .collect(),
                    ),
                    Some(Value::Map(map)) => Some(
                        map.iter()
                            .map(|(k, v)| (Value::str(k), v.clone()))
                            .collect(),
                    ),
                    _ => None,
                };
                match (pairs, content) {
                    (Some(pairs), Some(content)) => {
                        for (key, value) in pairs {
                            evaluator.bind(
                                &iterator,
                                Value::map(BTreeMap::from([
                                    ("key".to_owned(), key),
                                    ("value".to_owned(), value),
                                ])),
                            );
                            entry
                                .0
                                .push(Value::map(self.body_value(at, &content.body, evaluator)));
                        }
                    }
                    _ => entry.0.push(Value::Unknown),
                }
                continue;
            }
            let entry = blocks.entry(ident.to_owned()).or_insert_with(|| {
                let text = at.file.slice(at.base, block.span()).unwrap_or(ident);
                (
                    Vec::new(),
                    text.split_whitespace()
                        .take(24)
                        .collect::<Vec<_>>()
                        .join(" "),
                )
            });
            entry
                .0
                .push(Value::map(self.body_value(at, &block.body, evaluator)));
        }
        for (name, (items, text)) in blocks {
            out.insert(name, (Value::list(items), text));
        }
        out
    }

    fn body_value(
        &self,
        at: At<'_>,
        body: &Body,
        evaluator: &mut Evaluator<'_>,
    ) -> BTreeMap<String, Value> {
        self.body_attributes(at, body, evaluator, &[])
            .into_iter()
            .map(|(k, (v, _))| (k, v))
            .collect()
    }

    /// Records evaluated attributes on a node.
    #[expect(
        clippy::unused_self,
        reason = "kept a method so every emitter reads the same"
    )]
    pub(crate) fn set_attributes(
        &self,
        node: &mut Node,
        values: &BTreeMap<String, (Value, String)>,
    ) {
        for (name, (value, text)) in values {
            node.set_attribute(
                Origin::Declared,
                name.clone(),
                attribute_value(value, || text.clone()),
            );
        }
    }

    /// The nodes a reference points at, for the instance being evaluated.
    pub(crate) fn targets(
        &self,
        reference: &Reference<'_>,
        evaluator: &mut Evaluator<'_>,
        at: At<'_>,
        line: Option<u32>,
    ) -> Vec<NodeId> {
        let instances =
            |what: &str, b: BlockAt<'_>, evaluator: &mut Evaluator<'_>| -> Vec<String> {
                match self.expansion(what, b) {
                    Expansion::Single | Expansion::Unknown(_) => vec![what.to_owned()],
                    Expansion::Instances(keys) => {
                        let wanted = reference.index.map(|e| evaluator.eval(e));
                        let chosen: Vec<&InstanceKey> = match &wanted {
                            Some(w) if w.is_known() => keys
                                .iter()
                                .filter(|k| k.key == *w || k.key.as_string() == w.as_string())
                                .collect(),
                            _ => Vec::new(),
                        };
                        let chosen = if chosen.is_empty() {
                            keys.iter().collect()
                        } else {
                            chosen
                        };
                        chosen
                            .iter()
                            .map(|k| format!("{what}{}", k.suffix))
                            .collect()
                    }
                }
            };
        match &reference.target {
            Target::Resource { kind, name } => {
                let what = format!("{kind}.{name}");
                if let Some(b) = self.index.resources.get(&(kind.clone(), name.clone())) {
                    instances(&what, *b, evaluator)
                        .iter()
                        .map(|a| self.id(a))
                        .collect()
                } else {
                    self.warn(at, line, format!("reference to undeclared resource {what}"));
                    Vec::new()
                }
            }
            Target::Data { kind, name } => {
                let what = format!("data.{kind}.{name}");
                if let Some(b) = self.index.data.get(&(kind.clone(), name.clone())) {
                    instances(&what, *b, evaluator)
                        .iter()
                        .map(|a| self.id(a))
                        .collect()
                } else {
                    self.warn(
                        at,
                        line,
                        format!("reference to undeclared data source {what}"),
                    );
                    Vec::new()
                }
            }
            Target::Module { name, output } => {
                let what = format!("module.{name}");
                let Some(b) = self.index.modules.get(name).copied() else {
                    self.warn(at, line, format!("reference to undeclared module {name}"));
                    return Vec::new();
                };
                let outputs = self.child_outputs(name);
                let declares = |suffix: &str| -> bool {
                    let Some(output) = output else { return false };
                    let instance = match (&outputs, suffix) {
                        (v, "") => Some(v.clone()),
                        (Value::Map(map), s) => map
                            .values()
                            .next()
                            .filter(|_| s.starts_with("[\""))
                            .cloned(),
                        (Value::List(items), _) => items.first().cloned(),
                        _ => None,
                    };
                    matches!(instance, Some(Value::Map(map)) if map.contains_key(output))
                };
                instances(&what, b, evaluator)
                    .into_iter()
                    .map(|address| {
                        let suffix = address.strip_prefix(&what).unwrap_or_default().to_owned();
                        match output {
                            Some(o) if declares(&suffix) => {
                                self.id(&format!("{address}.output.{o}"))
                            }
                            _ => self.id(&address),
                        }
                    })
                    .collect()
            }
            Target::Var(name) => {
                if self.index.variables.contains_key(name) {
                    vec![self.id(&format!("var.{name}"))]
                } else {
                    self.warn(at, line, format!("reference to undeclared variable {name}"));
                    Vec::new()
                }
            }
            Target::Local(name) => {
                if self.index.locals.contains_key(name) {
                    vec![self.id(&format!("local.{name}"))]
                } else {
                    self.warn(
                        at,
                        line,
                        format!("reference to undeclared local value {name}"),
                    );
                    Vec::new()
                }
            }
        }
    }

    /// Emits reference edges for one expression.
    #[expect(
        clippy::too_many_arguments,
        reason = "an internal helper; a struct would only rename them"
    )]
    pub(crate) fn expression_edges(
        &self,
        from: &NodeId,
        at: At<'_>,
        expr: &Expression,
        line: Option<u32>,
        path: &str,
        bound: &[String],
        kind: EdgeKind,
        evaluator: &mut Evaluator<'_>,
    ) -> Vec<(Reference<'static>, Vec<NodeId>)> {
        let mut found = Vec::new();
        for reference in refs::collect(expr, bound, path) {
            let line = at.line(reference.span.clone()).or(line);
            let targets = self.targets(&reference, evaluator, at, line);
            let detail = if reference.path.is_empty() {
                "value".to_owned()
            } else {
                reference.path.clone()
            };
            for target in &targets {
                if target != from {
                    self.push_edge(from, target, kind, self.evidence(at, line, &detail));
                }
            }
            found.push((
                Reference {
                    target: reference.target,
                    path: reference.path,
                    index: None,
                    attribute: reference.attribute,
                    span: reference.span,
                },
                targets,
            ));
        }
        found
    }

    /// Emits edges for every reference in a body: arguments, nested and
    /// dynamic blocks. Returns what was referenced, for IAM analysis.
    pub(crate) fn body_edges(
        &self,
        from: &NodeId,
        at: At<'_>,
        body: &Body,
        path: &str,
        bound: &mut Vec<String>,
        evaluator: &mut Evaluator<'_>,
    ) -> Vec<(Reference<'static>, Vec<NodeId>)> {
        let mut found = Vec::new();
        for attr in body.attributes() {
            let name = attr.key.value().as_str();
            let line = at.line(attr.span());
            let (kind, attr_path) = match name {
                "depends_on" if path.is_empty() => (EdgeKind::DependsOn, "depends_on".to_owned()),
                "provider" | "providers" if path.is_empty() => continue,
                _ => (EdgeKind::References, refs::join(path, name)),
            };
            found.extend(self.expression_edges(
                from,
                at,
                &attr.value,
                line,
                &attr_path,
                bound,
                kind,
                evaluator,
            ));
        }
        for block in body.blocks() {
            let ident = block.ident.value().as_str();
            if ident == "dynamic" {
                let Some(label) = block.labels.first().map(|l| l.as_str().to_owned()) else {
                    continue;
                };
                let iterator = block
                    .body
                    .get_attribute("iterator")
                    .map_or_else(|| label.clone(), |a| at.text(&a.value));
                let inner = refs::join(path, &label);
                if let Some(for_each) = block.body.get_attribute("for_each") {
                    let line = at.line(for_each.span());
                    found.extend(self.expression_edges(
                        from,
                        at,
                        &for_each.value,
                        line,
                        &refs::join(&inner, "for_each"),
                        bound,
                        EdgeKind::References,
                        evaluator,
                    ));
                }
                bound.push(iterator);
                for content in block.body.get_blocks("content") {
                    found.extend(self.body_edges(
                        from,
                        at,
                        &content.body,
                        &inner,
                        bound,
                        evaluator,
                    ));
                }
                bound.pop();
                continue;
            }
            let inner = refs::join(path, ident);
            found.extend(self.body_edges(from, at, &block.body, &inner, bound, evaluator));
        }
        found
    }

    /// Emits one resource or data block, once per known instance.
    pub(crate) fn emit_resource(&self, b: BlockAt<'_>, data: bool) {
        let (Some(raw_type), Some(name)) = (b.label(0), b.label(1)) else {
            return;
        };
        let what = if data {
            format!("data.{raw_type}.{name}")
        } else {
            format!("{raw_type}.{name}")
        };
        let expansion = self.expansion(&what, b);
        let instances: Vec<Option<InstanceKey>> = match &expansion {
            Expansion::Single | Expansion::Unknown(_) => vec![None],
            Expansion::Instances(keys) => keys.iter().cloned().map(Some).collect(),
        };
        let kind = if data {
            NodeKind::DataSource
        } else {
            kinds::type_info(raw_type).0
        };
        for instance in instances {
            let suffix = instance.as_ref().map_or("", |k| k.suffix.as_str());
            let address = format!("{}{what}{suffix}", self.ctx.prefix);
            let mut evaluator = Evaluator::new(self);
            if let Some(instance) = &instance {
                instance.bind(&mut evaluator);
            }
            let detail = match (&expansion, data) {
                (Expansion::Unknown(_), false) => {
                    "resource block (multi-instance, instances unknown)"
                }
                (Expansion::Unknown(_), true) => "data block (multi-instance, instances unknown)",
                (_, false) => "resource block",
                (_, true) => "data block",
            };
            let mut node = self.node(&address, kind, raw_type, b, detail);
            let values = self.body_attributes(b.at, &b.block.body, &mut evaluator, META);
            self.set_attributes(&mut node, &values);
            if let Expansion::Unknown(text) = &expansion {
                node.set_attribute(
                    Origin::Declared,
                    "instances",
                    AttributeValue::unknown(text.clone()),
                );
            }
            if !data {
                let lookup =
                    |attribute: &str| values.get(attribute).and_then(|(v, _)| v.as_string());
                for alias in kinds::aliases(kind, raw_type, &lookup) {
                    node.aliases.insert(alias);
                }
            }
            let id = node.id.clone();
            self.push_node(node);
            let found = self.body_edges(
                &id,
                b.at,
                &b.block.body,
                "",
                &mut Vec::new(),
                &mut evaluator,
            );
            self.provider_edge(&id, b, raw_type);
            if let Some(module) = &self.ctx.module_node {
                self.push_edge(
                    module,
                    &id,
                    EdgeKind::Contains,
                    self.evidence(b.at, b.line(), "module contains"),
                );
            }
            if raw_type.starts_with("aws_iam_") {
                self.grants(&id, b, &found, &values);
            }
            if kind == NodeKind::Table {
                self.table_indexes(&id, &address, b, &values);
            }
        }
    }

    /// An edge to the provider configuration a resource uses.
    fn provider_edge(&self, id: &NodeId, b: BlockAt<'_>, raw_type: &str) {
        let (key, detail) = match b.block.body.get_attribute("provider") {
            Some(attr) => (b.at.text(&attr.value), "provider"),
            None => (
                raw_type.split('_').next().unwrap_or(raw_type).to_owned(),
                "default provider",
            ),
        };
        if let Some(provider) = self.ctx.providers.get(&key) {
            let line = b
                .block
                .body
                .get_attribute("provider")
                .map_or(b.line(), |a| b.at.line(a.span()));
            self.push_edge(
                id,
                provider,
                EdgeKind::UsesProvider,
                self.evidence(b.at, line, detail),
            );
        }
    }

    /// DynamoDB secondary indexes become index nodes the table contains.
    fn table_indexes(
        &self,
        table: &NodeId,
        address: &str,
        b: BlockAt<'_>,
        values: &BTreeMap<String, (Value, String)>,
    ) {
        for (block, label) in [
            ("global_secondary_index", "gsi"),
            ("local_secondary_index", "lsi"),
        ] {
            let Some((Value::List(items), _)) = values.get(block) else {
                continue;
            };
            for item in items.iter() {
                let Some(name) = item.index(&Value::str("name")).as_string() else {
                    continue;
                };
                let index_address = format!(
                    "{address}.{block}[{}]",
                    serde_json::Value::String(name.clone())
                );
                let mut node = Node::new(
                    self.scan.id(&index_address).0,
                    NodeKind::Index,
                    index_address.clone(),
                )
                .with_raw_type(format!("{}.{block}", b.label(0).unwrap_or_default()))
                .with_scope(self.scope())
                .with_evidence(self.evidence(b.at, b.line(), label));
                // Code names an index by table and index name (`IndexName`
                // of a query), never by address.
                if let Some(table_name) = values.get("name").and_then(|(v, _)| v.as_string()) {
                    node.aliases
                        .insert(Alias::name(NodeKind::Index, format!("{table_name}/{name}")));
                }
                if let Value::Map(map) = item {
                    for (key, value) in map.iter() {
                        node.set_attribute(
                            Origin::Declared,
                            key.clone(),
                            attribute_value(value, || format!("{block}.{key}")),
                        );
                    }
                }
                let id = node.id.clone();
                self.push_node(node);
                self.push_edge(
                    table,
                    &id,
                    EdgeKind::Contains,
                    self.evidence(b.at, b.line(), block),
                );
            }
        }
    }

    /// Nodes for variables, locals, outputs, providers and `terraform` blocks.
    pub(crate) fn emit_declarations(&self) {
        for b in &self.index.terraform {
            let mut node = self.node(
                &format!("{}terraform", self.ctx.prefix),
                NodeKind::Other,
                "terraform",
                *b,
                "terraform block",
            );
            let values = self.body_attributes(b.at, &b.block.body, &mut Evaluator::new(self), &[]);
            self.set_attributes(&mut node, &values);
            self.push_node(node);
        }
        for b in &self.index.providers {
            let name = b.label(0).unwrap_or_default();
            let mut evaluator = Evaluator::new(self);
            let key = super::module::provider_key(*b);
            let mut node = self.node(
                &format!("{}provider.{key}", self.ctx.prefix),
                NodeKind::Provider,
                name,
                *b,
                "provider block",
            );
            let values = self.body_attributes(b.at, &b.block.body, &mut evaluator, &[]);
            self.set_attributes(&mut node, &values);
            let id = node.id.clone();
            self.push_node(node);
            self.body_edges(
                &id,
                b.at,
                &b.block.body,
                "",
                &mut Vec::new(),
                &mut evaluator,
            );
        }
        for (name, b) in &self.index.variables {
            let mut node = self.node(
                &format!("{}var.{name}", self.ctx.prefix),
                NodeKind::Variable,
                "variable",
                *b,
                "variable block",
            );
            let mut evaluator = Evaluator::new(self);
            if self.variable_is_sensitive(name) {
                node.set_attribute(
                    Origin::Declared,
                    "sensitive",
                    AttributeValue::Known(true.into()),
                );
            }
            // A sensitive variable's value is the marker already.
            let value = self.variable(name);
            node.set_attribute(
                Origin::Declared,
                "value",
                attribute_value(&value, || format!("var.{name}")),
            );
            let id = node.id.clone();
            self.push_node(node);
            self.body_edges(
                &id,
                b.at,
                &b.block.body,
                "",
                &mut Vec::new(),
                &mut evaluator,
            );
            for (target, line, path) in self.ctx.input_targets.get(name).into_iter().flatten() {
                self.push_edge(
                    &id,
                    target,
                    EdgeKind::References,
                    Evidence::declared("terraform", format!("module input {name}"))
                        .at(&**path, *line),
                );
            }
        }
        for (name, (at, attr)) in &self.index.locals {
            let address = format!("{}local.{name}", self.ctx.prefix);
            let line = at.line(attr.span());
            let node = Node::new(self.scan.id(&address).0, NodeKind::Local, address.clone())
                .with_raw_type("local")
                .with_scope(self.scope())
                .with_alias(Alias::address(Some(&self.scan.root_display), address))
                .with_evidence(self.evidence(*at, line, "locals block"));
            let mut node = node;
            let value = self.local(name);
            node.set_attribute(
                Origin::Declared,
                "value",
                attribute_value(&value, || at.text(&attr.value)),
            );
            let id = node.id.clone();
            self.push_node(node);
            let mut evaluator = Evaluator::new(self);
            self.expression_edges(
                &id,
                *at,
                &attr.value,
                line,
                "",
                &[],
                EdgeKind::References,
                &mut evaluator,
            );
        }
    }

    /// Emits output nodes and returns the outputs as an object.
    pub(crate) fn emit_outputs(&self) -> Value {
        let mut outputs = BTreeMap::new();
        for (name, b) in &self.index.outputs {
            let mut node = self.node(
                &format!("{}output.{name}", self.ctx.prefix),
                NodeKind::Output,
                "output",
                *b,
                "output block",
            );
            let mut evaluator = Evaluator::new(self);
            let mut value = b.attr("value").map_or(Value::Null, |e| evaluator.eval(e));
            let sensitive = b
                .attr("sensitive")
                .is_some_and(|e| evaluator.eval(e).as_bool() == Some(true));
            if sensitive {
                node.set_attribute(
                    Origin::Declared,
                    "sensitive",
                    AttributeValue::Known(true.into()),
                );
                // What the parent module reads through `module.x.name` is
                // withheld too.
                if !matches!(value, Value::Unknown | Value::Null) {
                    value = Value::redacted(&format!("sensitive output {name}"));
                    node.set_attribute(
                        Origin::Declared,
                        "value",
                        attribute_value(&value, String::new),
                    );
                }
            } else if let Some(expr) = b.attr("value") {
                node.set_attribute(
                    Origin::Declared,
                    "value",
                    attribute_value(&value, || b.at.text(expr)),
                );
            }
            outputs.insert(name.clone(), value);
            let id = node.id.clone();
            self.push_node(node);
            self.body_edges(
                &id,
                b.at,
                &b.block.body,
                "",
                &mut Vec::new(),
                &mut evaluator,
            );
            if let Some(module) = &self.ctx.module_node {
                self.push_edge(
                    module,
                    &id,
                    EdgeKind::Contains,
                    self.evidence(b.at, b.line(), "module contains"),
                );
            }
        }
        Value::map(outputs)
    }

    /// Evaluates the whole instance: every block becomes nodes and edges.
    /// Returns the instance's outputs.
    pub(crate) fn run(&self) -> Value {
        self.emit_declarations();
        for b in self.index.resources.values() {
            self.emit_resource(*b, false);
        }
        for b in self.index.data.values() {
            self.emit_resource(*b, true);
        }
        let names: Vec<String> = self.index.modules.keys().cloned().collect();
        for name in names {
            let _ = self.child_outputs(&name);
        }
        self.emit_outputs()
    }
}

//! Turning a module instance's blocks into nodes and edges.

use std::collections::BTreeMap;

use hcl::edit::Span as _;
use hcl::edit::expr::Expression;
use hcl::edit::structure::{BlockLabel, Body};
use infrawise_core::{
    Alias, AttributeValue, Diagnostic, Edge, EdgeKind, Evidence, Node, NodeId, NodeKind, NodeRef,
    Origin, Text,
};

use super::TEXTS;
use super::analysis::{Analysis, Site};
use super::eval::Evaluator;
use super::kinds;
use super::module::{At, BlockAt, Expansion, Instance, InstanceKey};
use super::refs::Target;
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

/// Where an evaluated attribute was written, for the text an unknown
/// value keeps: worked out only when the value is unknown.
#[derive(Clone, Copy)]
pub(crate) enum Written<'b> {
    /// An argument's expression.
    Expr(&'b Expression),
    /// A nested block: its first words.
    Block(&'b hcl::edit::structure::Block),
    /// A `dynamic` block, by its label.
    Dynamic(&'b str),
}

impl Written<'_> {
    /// The source text an unknown value keeps, shortened.
    pub(crate) fn text(self, at: At<'_>, analysis: &Analysis<'_>) -> String {
        match self {
            Written::Expr(expr) => analysis.text(at, expr),
            Written::Block(block) => {
                let ident = block.ident.value().as_str();
                let text = at.file.slice(at.base, block.span()).unwrap_or(ident);
                text.split_whitespace()
                    .take(24)
                    .collect::<Vec<_>>()
                    .join(" ")
            }
            Written::Dynamic(label) => format!("dynamic {label}"),
        }
    }
}

/// Evaluated arguments and nested blocks of a body, by name, each with
/// where it was written.
pub(crate) type Attributes<'b> = BTreeMap<&'b str, (Value, Written<'b>)>;

/// Calls `f` with the key suffix of each instance of a reference's target
/// that `index` picks: the one whose key it evaluates to, or every
/// instance when it picks none or cannot be evaluated (`""` for a block
/// without instances). Visited, not listed: most references pick one,
/// and a list for each was an allocation per reference and instance.
fn for_each_chosen(
    expansion: &Expansion,
    index: Option<&Expression>,
    evaluator: &mut Evaluator<'_>,
    mut f: impl FnMut(&str),
) {
    match expansion {
        Expansion::Single | Expansion::Unknown(_) => f(""),
        Expansion::Instances(keys) => {
            let mut picked = false;
            if let Some(wanted) = index.map(|e| evaluator.eval(e)).filter(Value::is_known) {
                for key in keys.iter().filter(|k| k.is(&wanted)) {
                    picked = true;
                    f(&key.suffix);
                }
            }
            if !picked {
                for key in keys {
                    f(&key.suffix);
                }
            }
        }
    }
}

/// A value as an attribute: known JSON, or unknown with its source text.
pub(crate) fn attribute_value(value: &Value, text: impl FnOnce() -> String) -> AttributeValue {
    match value.to_json() {
        Some(json) => AttributeValue::Known(json),
        None => AttributeValue::unknown(text()),
    }
}

impl<'f> Instance<'_, 'f> {
    pub(crate) fn scope(&self) -> Text {
        self.scan.scope
    }

    #[expect(
        clippy::unused_self,
        reason = "kept a method so every emitter reads the same"
    )]
    fn evidence(&self, at: At<'_>, line: Option<u32>, detail: impl Into<Text>) -> Evidence {
        let mut evidence = Evidence::declared(TEXTS.terraform, detail);
        evidence.path = Some(at.file.display);
        evidence.set_line(line);
        evidence
    }

    /// A node for a block at `address` (already prefixed), which becomes
    /// its name, with its address alias, scope and evidence.
    pub(crate) fn node(
        &self,
        address: String,
        kind: NodeKind,
        raw_type: impl Into<Text>,
        b: BlockAt<'_>,
        detail: impl Into<Text>,
    ) -> Node {
        let alias = self.scan.address_alias(address.as_str());
        Node::new(self.scan.id(&address), kind, address)
            .with_raw_type(raw_type)
            .with_scope(self.scope())
            .with_alias(alias)
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
    /// name -> (value, where it was written).
    pub(crate) fn body_attributes<'b>(
        &self,
        at: At<'_>,
        body: &'b Body,
        evaluator: &mut Evaluator<'_>,
        skip: &[&str],
    ) -> Attributes<'b> {
        let mut out = BTreeMap::new();
        for attr in body.attributes() {
            let name = attr.key.value().as_str();
            if skip.contains(&name) {
                continue;
            }
            out.insert(
                name,
                (evaluator.eval(&attr.value), Written::Expr(&attr.value)),
            );
        }
        let mut blocks: BTreeMap<&'b str, (Vec<Value>, Written<'b>)> = BTreeMap::new();
        for block in body.blocks() {
            let ident = block.ident.value().as_str();
            if META_BLOCKS.contains(&ident) || skip.contains(&ident) {
                continue;
            }
            if ident == "dynamic" {
                let Some(label) = block.labels.first().map(BlockLabel::as_str) else {
                    continue;
                };
                let entry = blocks
                    .entry(label)
                    .or_insert_with(|| (Vec::new(), Written::Dynamic(label)));
                let items = block
                    .body
                    .get_attribute("for_each")
                    .map(|a| evaluator.eval(&a.value));
                let iterator = block
                    .body
                    .get_attribute("iterator")
                    .map_or_else(|| label.to_owned(), |a| at.text(&a.value));
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
            let entry = blocks
                .entry(ident)
                .or_insert_with(|| (Vec::new(), Written::Block(block)));
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
            .map(|(k, (v, _))| (k.to_owned(), v))
            .collect()
    }

    /// Records evaluated attributes on a node.
    pub(crate) fn set_attributes(&self, node: &mut Node, at: At<'_>, values: &Attributes<'_>) {
        node.attributes.reserve(values.len());
        for (name, (value, written)) in values {
            node.set_attribute(
                Origin::Declared,
                *name,
                attribute_value(value, || written.text(at, &self.analysis)),
            );
        }
    }

    /// The nodes a reference points at, for the instance being evaluated.
    pub(crate) fn targets(
        &self,
        site: &Site<'_>,
        evaluator: &mut Evaluator<'_>,
        at: At<'_>,
        line: Option<u32>,
    ) -> Vec<NodeId> {
        let mut targets = Vec::new();
        self.for_each_target(site, evaluator, at, line, |id| targets.push(id));
        targets
    }

    /// Calls `f` with each node a reference points at, for the instance
    /// being evaluated (see [`Instance::targets`]).
    pub(crate) fn for_each_target(
        &self,
        site: &Site<'_>,
        evaluator: &mut Evaluator<'_>,
        at: At<'_>,
        line: Option<u32>,
        mut f: impl FnMut(NodeId),
    ) {
        let index = site.index;
        let prefix = &*self.ctx.prefix;
        match site.target {
            Target::Resource { kind, name } => match site.block {
                Some(b) => for_each_chosen(&self.expansion(b), index, evaluator, |suffix| {
                    f(self.scan.id_of(&[prefix, kind, ".", name, suffix]));
                }),
                None => self.warn(
                    at,
                    line,
                    format!("reference to undeclared resource {kind}.{name}"),
                ),
            },
            Target::Data { kind, name } => match site.block {
                Some(b) => for_each_chosen(&self.expansion(b), index, evaluator, |suffix| {
                    f(self.scan.id_of(&[prefix, "data.", kind, ".", name, suffix]));
                }),
                None => self.warn(
                    at,
                    line,
                    format!("reference to undeclared data source data.{kind}.{name}"),
                ),
            },
            Target::Module { name, output } => {
                let Some(b) = site.block else {
                    self.warn(at, line, format!("reference to undeclared module {name}"));
                    return;
                };
                let outputs = self.child_outputs(name);
                let declares = |suffix: &str| -> bool {
                    let Some(output) = output else { return false };
                    let instance = match (&outputs, suffix) {
                        (v, "") => Some(v),
                        (Value::Map(map), s) => {
                            map.values().next().filter(|_| s.starts_with("[\""))
                        }
                        (Value::List(items), _) => items.first(),
                        _ => None,
                    };
                    matches!(instance, Some(Value::Map(map)) if map.contains_key(output))
                };
                for_each_chosen(&self.expansion(b), index, evaluator, |suffix| {
                    f(match output {
                        Some(o) if declares(suffix) => self
                            .scan
                            .id_of(&[prefix, "module.", name, suffix, ".output.", o]),
                        _ => self.scan.id_of(&[prefix, "module.", name, suffix]),
                    });
                });
            }
            Target::Var(name) => {
                if site.declared {
                    f(self.scan.id_of(&[prefix, "var.", name]));
                } else {
                    self.warn(at, line, format!("reference to undeclared variable {name}"));
                }
            }
            Target::Local(name) => {
                if site.declared {
                    f(self.scan.id_of(&[prefix, "local.", name]));
                } else {
                    self.warn(
                        at,
                        line,
                        format!("reference to undeclared local value {name}"),
                    );
                }
            }
        }
    }

    /// Emits the edges of a block's or expression's references (worked
    /// out once per module directory, see [`Analysis`](super::analysis::Analysis))
    /// for this instance. With `keep`, returns each reference with the
    /// nodes it reached, for IAM analysis and module inputs; without, the
    /// ids move into the edges.
    pub(crate) fn site_edges<'a>(
        &self,
        from: &NodeId,
        at: At<'_>,
        sites: &'a [Site<'f>],
        evaluator: &mut Evaluator<'_>,
        keep: bool,
    ) -> Vec<(&'a Site<'f>, Vec<NodeId>)> {
        let mut found = Vec::with_capacity(if keep { sites.len() } else { 0 });
        for site in sites {
            let evidence = || self.evidence(at, site.line, site.detail());
            if keep {
                let targets = self.targets(site, evaluator, at, site.line);
                for target in targets.iter().filter(|t| *t != from) {
                    self.push_edge(from, target, site.kind, evidence());
                }
                found.push((site, targets));
            } else {
                self.for_each_target(site, evaluator, at, site.line, |target| {
                    if target != *from {
                        self.push_edge(from, target, site.kind, evidence());
                    }
                });
            }
        }
        found
    }

    /// Emits one resource or data block, once per known instance.
    pub(crate) fn emit_resource(&self, b: BlockAt<'_>, data: bool) {
        let (Some(raw_type), Some(name)) = (b.label(0), b.label(1)) else {
            return;
        };
        let what = if data {
            ["data.", raw_type, ".", name].concat()
        } else {
            [raw_type, ".", name].concat()
        };
        let expansion = self.expansion(b);
        let instances: Vec<Option<InstanceKey>> = match &*expansion {
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
            let address = [&*self.ctx.prefix, &what, suffix].concat();
            let mut evaluator = Evaluator::new(self);
            if let Some(instance) = &instance {
                instance.bind(&mut evaluator);
            }
            let detail = match (&*expansion, data) {
                (Expansion::Unknown(_), false) => TEXTS.resource_block_unknown,
                (Expansion::Unknown(_), true) => TEXTS.data_block_unknown,
                (_, false) => TEXTS.resource_block,
                (_, true) => TEXTS.data_block,
            };
            // The address is the node's name; a table's indexes need it after.
            let table_address = (kind == NodeKind::Table).then(|| address.clone());
            let mut node = self.node(address, kind, raw_type, b, detail);
            let values = self.body_attributes(b.at, &b.block.body, &mut evaluator, META);
            self.set_attributes(&mut node, b.at, &values);
            if let Expansion::Unknown(text) = &*expansion {
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
            let found = self.site_edges(
                &id,
                b.at,
                self.analysis.body(b.block),
                &mut evaluator,
                raw_type.starts_with("aws_iam_"),
            );
            self.provider_edge(&id, b, raw_type);
            if let Some(module) = &self.ctx.module_node {
                self.push_edge(
                    module,
                    &id,
                    EdgeKind::Contains,
                    self.evidence(b.at, b.line(), TEXTS.module_contains),
                );
            }
            if raw_type.starts_with("aws_iam_") {
                self.grants(&id, b, &found);
            }
            if let Some(address) = &table_address {
                self.table_indexes(&id, address, b, &values);
            }
        }
    }

    /// An edge to the provider configuration a resource uses.
    fn provider_edge(&self, id: &NodeId, b: BlockAt<'_>, raw_type: &str) {
        let written = self.analysis.meta(b).provider;
        let (key, detail) = match written {
            Some(attr) => (self.analysis.text(b.at, &attr.value), "provider"),
            None => (
                raw_type.split('_').next().unwrap_or(raw_type).to_owned(),
                "default provider",
            ),
        };
        if let Some(provider) = self.ctx.providers.get(&key) {
            let line = written.map_or(b.line(), |a| b.at.line(a.span()));
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
        values: &Attributes<'_>,
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
                    self.scan.id(&index_address),
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
        for b in &self.analysis.index.terraform {
            let mut node = self.node(
                format!("{}terraform", self.ctx.prefix),
                NodeKind::Other,
                "terraform",
                *b,
                "terraform block",
            );
            let values = self.body_attributes(b.at, &b.block.body, &mut Evaluator::new(self), &[]);
            self.set_attributes(&mut node, b.at, &values);
            self.push_node(node);
        }
        for b in &self.analysis.index.providers {
            let name = b.label(0).unwrap_or_default();
            let mut evaluator = Evaluator::new(self);
            let key = super::module::provider_key(*b);
            let mut node = self.node(
                format!("{}provider.{key}", self.ctx.prefix),
                NodeKind::Provider,
                name,
                *b,
                "provider block",
            );
            let values = self.body_attributes(b.at, &b.block.body, &mut evaluator, &[]);
            self.set_attributes(&mut node, b.at, &values);
            let id = node.id.clone();
            self.push_node(node);
            self.site_edges(
                &id,
                b.at,
                self.analysis.body(b.block),
                &mut evaluator,
                false,
            );
        }
        for (name, b) in &self.analysis.index.variables {
            let mut node = self.node(
                [&*self.ctx.prefix, "var.", name].concat(),
                NodeKind::Variable,
                TEXTS.variable,
                *b,
                TEXTS.variable_block,
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
            let value = || attribute_value(&self.variable(name), || format!("var.{name}"));
            let value = match self.analysis.constant(name) {
                Some(constant) if !self.ctx.inputs.contains_key(*name) => {
                    constant.get_or_init(value).clone()
                }
                _ => value(),
            };
            node.set_attribute(Origin::Declared, "value", value);
            let id = node.id.clone();
            self.push_node(node);
            self.site_edges(
                &id,
                b.at,
                self.analysis.body(b.block),
                &mut evaluator,
                false,
            );
            for (target, line, path) in self.ctx.input_targets.get(*name).into_iter().flatten() {
                self.push_edge(
                    &id,
                    target,
                    EdgeKind::References,
                    Evidence::declared(TEXTS.terraform, format!("module input {name}"))
                        .at(&**path, *line),
                );
            }
        }
        for (name, (at, attr)) in &self.analysis.index.locals {
            let address = [&*self.ctx.prefix, "local.", name].concat();
            let line = at.line(attr.span());
            let mut node = Node::new(self.scan.id(&address), NodeKind::Local, address.clone())
                .with_raw_type(TEXTS.local)
                .with_scope(self.scope())
                .with_alias(self.scan.address_alias(address))
                .with_evidence(self.evidence(*at, line, TEXTS.locals_block));
            let value = self.local(name);
            node.set_attribute(
                Origin::Declared,
                "value",
                attribute_value(&value, || self.analysis.text(*at, &attr.value)),
            );
            let id = node.id.clone();
            self.push_node(node);
            let mut evaluator = Evaluator::new(self);
            self.site_edges(&id, *at, self.analysis.local(name), &mut evaluator, false);
        }
    }

    /// Emits output nodes and returns the outputs as an object.
    pub(crate) fn emit_outputs(&self) -> Value {
        // In name order, as the index gives them: the map is built from the
        // list in one pass, not searched for each.
        let mut outputs = Vec::with_capacity(self.analysis.index.outputs.len());
        for (name, b) in &self.analysis.index.outputs {
            let mut node = self.node(
                [&*self.ctx.prefix, "output.", name].concat(),
                NodeKind::Output,
                TEXTS.output,
                *b,
                TEXTS.output_block,
            );
            let mut evaluator = Evaluator::new(self);
            let meta = self.analysis.meta(*b);
            let mut value = meta.value.map_or(Value::Null, |e| evaluator.eval(e));
            let sensitive = meta
                .sensitive
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
            } else if let Some(expr) = meta.value {
                node.set_attribute(
                    Origin::Declared,
                    "value",
                    attribute_value(&value, || self.analysis.text(b.at, expr)),
                );
            }
            outputs.push(((*name).to_owned(), value));
            let id = node.id.clone();
            self.push_node(node);
            self.site_edges(
                &id,
                b.at,
                self.analysis.body(b.block),
                &mut evaluator,
                false,
            );
            if let Some(module) = &self.ctx.module_node {
                self.push_edge(
                    module,
                    &id,
                    EdgeKind::Contains,
                    self.evidence(b.at, b.line(), TEXTS.module_contains),
                );
            }
        }
        Value::map(BTreeMap::from_iter(outputs))
    }

    /// Evaluates the whole instance: every block becomes nodes and edges.
    /// Returns the instance's outputs.
    pub(crate) fn run(&self) -> Value {
        self.emit_declarations();
        let index = &self.analysis.index;
        for b in index.resources.values().flat_map(BTreeMap::values) {
            self.emit_resource(*b, false);
        }
        for b in index.data.values().flat_map(BTreeMap::values) {
            self.emit_resource(*b, true);
        }
        for name in index.modules.keys() {
            let _ = self.child_outputs(name);
        }
        self.emit_outputs()
    }
}

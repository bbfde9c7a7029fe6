//! What a module directory's blocks say whatever the instance: its blocks
//! indexed by name, and the references in every block, each with the
//! attribute path, line and edge kind it gives.
//!
//! A module is evaluated once per instance: per `for_each` key of every
//! call, and again under every root module that calls it (terraform-aws-eks
//! has eleven example and test roots over one module). What varies between
//! instances is values; what the syntax says does not. So [`Analysis`] is
//! worked out once per directory, before any root is evaluated, and every
//! instance borrows it.

use std::collections::BTreeMap;
use std::ops::Deref;
use std::sync::OnceLock;

use hcl::edit::Span as _;
use hcl::edit::expr::Expression;
use hcl::edit::structure::{Attribute, Block, BlockLabel, Body};
use infrawise_core::{AttributeValue, Diagnostic, EdgeKind, Text};
use rustc_hash::FxHashMap as HashMap;

use super::module::{At, BlockAt, ModuleFiles, address_of};
use super::refs::{self, Target};

/// A module's blocks by kind and name, names borrowed from the syntax tree.
#[derive(Default)]
pub(crate) struct Index<'f> {
    pub(crate) variables: BTreeMap<&'f str, BlockAt<'f>>,
    pub(crate) locals: BTreeMap<&'f str, (At<'f>, &'f Attribute)>,
    /// By type, then name.
    pub(crate) resources: BTreeMap<&'f str, BTreeMap<&'f str, BlockAt<'f>>>,
    /// By type, then name.
    pub(crate) data: BTreeMap<&'f str, BTreeMap<&'f str, BlockAt<'f>>>,
    pub(crate) modules: BTreeMap<&'f str, BlockAt<'f>>,
    pub(crate) outputs: BTreeMap<&'f str, BlockAt<'f>>,
    pub(crate) providers: Vec<BlockAt<'f>>,
    pub(crate) terraform: Vec<BlockAt<'f>>,
    /// Each block's [`Meta`], where its [`BlockAt::meta`] says.
    metas: Vec<Meta<'f>>,
    /// Variables, resources and data sources by name, for lookups: every
    /// `var.x` and `aws_x.y` an instance evaluates names one, and the
    /// ordered maps (which emitting walks) compare names along a path.
    variables_by_name: HashMap<&'f str, BlockAt<'f>>,
    resources_by_name: HashMap<(&'f str, &'f str), BlockAt<'f>>,
    data_by_name: HashMap<(&'f str, &'f str), BlockAt<'f>>,
}

/// The arguments of a block that evaluating it asks for by name, found
/// once for every instance: a body's lookup by name reads every argument
/// before the one it finds, in a tree no longer in cache. The first of
/// two with one name, as that lookup finds.
#[derive(Clone, Copy, Default)]
pub(crate) struct Meta<'f> {
    pub(crate) count: Option<&'f Expression>,
    pub(crate) for_each: Option<&'f Expression>,
    pub(crate) provider: Option<&'f Attribute>,
    /// A variable's.
    pub(crate) default: Option<&'f Expression>,
    /// An output's.
    pub(crate) value: Option<&'f Expression>,
    /// A variable's or an output's.
    pub(crate) sensitive: Option<&'f Expression>,
    /// A module call's.
    pub(crate) source: Option<&'f Expression>,
    /// A module call's.
    pub(crate) version: Option<&'f Expression>,
}

impl<'f> Meta<'f> {
    fn of(block: &'f Block) -> Self {
        let mut meta = Meta::default();
        for attr in block.body.attributes() {
            let expr = Some(&attr.value);
            let slot = match attr.key.value().as_str() {
                "provider" => {
                    meta.provider = meta.provider.or(Some(attr));
                    continue;
                }
                "count" => &mut meta.count,
                "for_each" => &mut meta.for_each,
                "default" => &mut meta.default,
                "value" => &mut meta.value,
                "sensitive" => &mut meta.sensitive,
                "source" => &mut meta.source,
                "version" => &mut meta.version,
                _ => continue,
            };
            *slot = slot.or(expr);
        }
        meta
    }
}

impl<'f> Index<'f> {
    pub(crate) fn build(files: &'f ModuleFiles, diagnostics: &mut Vec<Diagnostic>) -> Self {
        let mut index = Index::default();
        for file in &files.files {
            for (base, block) in file.blocks() {
                let at = At { file, base };
                let b = BlockAt::new(at, block, index.metas.len() as u32);
                index.metas.push(Meta::of(block));
                let labels: Vec<&str> = block.labels.iter().map(BlockLabel::as_str).collect();
                let mut duplicate = |what: &str| {
                    diagnostics.push(Diagnostic::warning(
                        &*file.display,
                        b.line(),
                        format!("duplicate {what}; the first declaration is used"),
                    ));
                };
                match (block.ident.value().as_str(), labels.as_slice()) {
                    (ident @ ("resource" | "data"), [kind, name]) => {
                        let (table, what) = if ident == "resource" {
                            (&mut index.resources, "resource")
                        } else {
                            (&mut index.data, "data source")
                        };
                        let names = table.entry(kind).or_default();
                        if names.contains_key(name) {
                            duplicate(&format!("{what} {kind}.{name}"));
                        } else {
                            names.insert(name, b);
                        }
                    }
                    ("module", [name]) => {
                        if index.modules.contains_key(name) {
                            duplicate(&format!("module {name}"));
                        } else {
                            index.modules.insert(name, b);
                        }
                    }
                    ("variable", [name]) => {
                        index.variables.entry(name).or_insert(b);
                    }
                    ("output", [name]) => {
                        index.outputs.entry(name).or_insert(b);
                    }
                    ("locals", []) => {
                        for attr in block.body.attributes() {
                            index
                                .locals
                                .entry(attr.key.value().as_str())
                                .or_insert((at, attr));
                        }
                    }
                    ("provider", [_]) => index.providers.push(b),
                    ("terraform", []) => index.terraform.push(b),
                    ("moved" | "import" | "check" | "removed", _) => {}
                    (kind, _) => diagnostics.push(Diagnostic::warning(
                        &*file.display,
                        b.line(),
                        format!("unexpected block {kind} with {} labels", labels.len()),
                    )),
                }
            }
        }
        index.variables_by_name = index.variables.iter().map(|(k, b)| (*k, *b)).collect();
        let by_name = |table: &BTreeMap<&'f str, BTreeMap<&'f str, BlockAt<'f>>>| {
            table
                .iter()
                .flat_map(|(kind, names)| names.iter().map(|(name, b)| ((*kind, *name), *b)))
                .collect()
        };
        index.resources_by_name = by_name(&index.resources);
        index.data_by_name = by_name(&index.data);
        index
    }

    /// How many blocks the module's files have.
    pub(crate) fn blocks(&self) -> usize {
        self.metas.len()
    }

    /// What a block's evaluation asks for by name.
    pub(crate) fn meta(&self, b: BlockAt<'_>) -> &Meta<'f> {
        &self.metas[b.meta as usize]
    }

    /// The `variable "name"` block, with the name as declared.
    pub(crate) fn variable(&self, name: &str) -> Option<(&'f str, BlockAt<'f>)> {
        self.variables_by_name
            .get_key_value(name)
            .map(|(declared, b)| (*declared, *b))
    }

    /// The `resource "kind" "name"` block.
    pub(crate) fn resource(&self, kind: &str, name: &str) -> Option<BlockAt<'f>> {
        self.resources_by_name.get(&(kind, name)).copied()
    }

    /// Every resource and data block.
    pub(crate) fn resource_and_data_blocks(&self) -> impl Iterator<Item = &BlockAt<'f>> {
        self.resources
            .values()
            .chain(self.data.values())
            .flat_map(BTreeMap::values)
    }

    /// The `data "kind" "name"` block.
    pub(crate) fn data_source(&self, kind: &str, name: &str) -> Option<BlockAt<'f>> {
        self.data_by_name.get(&(kind, name)).copied()
    }
}

/// One reference as emitting it needs it: what it names, the instance key
/// it picks, and the evidence its edge gets.
#[derive(Debug)]
pub(crate) struct Site<'f> {
    pub(crate) target: Target<'f>,
    /// The instance key, when the reference indexes a resource or module.
    pub(crate) index: Option<&'f Expression>,
    /// The path of the reference in its block, through arguments, nested
    /// blocks and object keys (`role`, `environment.variables.QUEUE_URL`).
    pub(crate) path: Text,
    /// The reference's line, or its argument's.
    pub(crate) line: Option<u32>,
    pub(crate) kind: EdgeKind,
    /// What the target names in this module, looked up once for every
    /// instance: the block, for a resource, data source or module call.
    /// Filled in by [`Analysis::build`] once the module's index is whole
    /// (a reference may name a block declared further down, or in a
    /// later file).
    pub(crate) block: Option<BlockAt<'f>>,
    /// Whether the module declares what the target names; filled in with
    /// `block`.
    pub(crate) declared: bool,
}

impl Site<'_> {
    /// The evidence detail: the path, or `value` for a whole expression.
    pub(crate) fn detail(&self) -> Text {
        if self.path.is_empty() {
            super::TEXTS.value
        } else {
            self.path
        }
    }
}

/// One argument of a module call: its name, line, and references.
#[derive(Debug)]
pub(crate) struct Input<'f> {
    pub(crate) name: &'f str,
    pub(crate) line: Option<u32>,
    pub(crate) sites: Vec<Site<'f>>,
}

/// A module directory's index and references, shared by its instances.
pub(crate) struct Analysis<'f> {
    pub(crate) files: &'f ModuleFiles,
    pub(crate) index: Index<'f>,
    /// What building the index found (duplicate and unexpected blocks),
    /// reported by every root module that evaluates the directory.
    pub(crate) diagnostics: Vec<Diagnostic>,
    /// The references of each block body, by the block's address.
    bodies: HashMap<usize, Vec<Site<'f>>>,
    /// The references of each local value.
    locals: HashMap<&'f str, Vec<Site<'f>>>,
    /// The arguments of each module call, by the block's address.
    calls: HashMap<usize, Vec<Input<'f>>>,
    /// The text an unknown value keeps ([`At::text`]) of the arguments
    /// that give attributes (of resources, data sources, outputs, module
    /// calls, providers and `terraform` blocks) and of every local value, by
    /// the expression's address, worked out the first time one is unknown:
    /// every instance under every root leaves the same arguments unknown,
    /// and each shortened their text again.
    texts: HashMap<usize, OnceLock<Box<str>>>,
    /// The arguments of every resource and data block, by the block's
    /// address and the argument's name, for the attributes references read
    /// (`aws_vpc.this[0].cidr_block`): a body's own lookup reads every
    /// argument before the one it finds, in a tree no longer in cache.
    arguments: HashMap<(usize, &'f str), &'f Expression>,
    /// The `value` attribute of each variable that reads the same in every
    /// instance not given it (no default, or a literal one, and no
    /// `sensitive` to evaluate), worked out by the first such instance:
    /// evaluating the default again read its syntax, no longer in cache,
    /// for each of a module's instances under every root.
    constants: HashMap<&'f str, OnceLock<AttributeValue>>,
}

/// Whether an expression is a literal (a number, bool, null, quoted string
/// or a tuple or object of literals), whose value no instance changes.
fn is_literal(expr: &Expression) -> bool {
    use hcl::edit::expr::ObjectKey;
    match expr {
        Expression::Null(_)
        | Expression::Bool(_)
        | Expression::Number(_)
        | Expression::String(_) => true,
        Expression::Array(items) => items.iter().all(is_literal),
        Expression::Object(object) => object.iter().all(|(key, value)| {
            let key = match key {
                ObjectKey::Ident(_) => true,
                ObjectKey::Expression(key) => is_literal(key),
            };
            key && is_literal(value.expr())
        }),
        _ => false,
    }
}

/// A variable's `sensitive` argument.
#[derive(Clone, Copy)]
pub(crate) enum Sensitive<'f> {
    /// `sensitive = true` or `false`, as nearly every one is written.
    Literal(bool),
    /// Anything else, evaluated per instance.
    Expr(&'f Expression),
}

impl<'f> Sensitive<'f> {
    fn of(expr: &'f Expression) -> Self {
        match expr {
            Expression::Bool(literal) => Sensitive::Literal(*literal.value()),
            _ => Sensitive::Expr(expr),
        }
    }
}

fn key(block: &Block) -> usize {
    std::ptr::from_ref(block) as usize
}

impl<'f> Analysis<'f> {
    pub(crate) fn build(files: &'f ModuleFiles) -> Self {
        let mut diagnostics = Vec::new();
        let index = Index::build(files, &mut diagnostics);
        let mut bodies = HashMap::default();
        let blocks = index
            .resource_and_data_blocks()
            .chain(index.variables.values())
            .chain(index.outputs.values())
            .chain(&index.providers);
        for b in blocks {
            let mut sites = Vec::new();
            body_sites(b.at, &b.block.body, "", &mut Vec::new(), &mut sites);
            bodies.insert(key(b.block), sites);
        }
        let mut locals = HashMap::default();
        for (name, (at, attr)) in &index.locals {
            let mut sites = Vec::new();
            expression_sites(
                *at,
                &attr.value,
                at.line(attr.span()),
                "",
                &[],
                EdgeKind::References,
                &mut sites,
            );
            locals.insert(*name, sites);
        }
        let mut calls = HashMap::default();
        for b in index.modules.values() {
            let mut inputs = Vec::new();
            for attr in b.block.body.attributes() {
                let name = attr.key.value().as_str();
                if matches!(name, "source" | "version" | "providers") {
                    continue;
                }
                let kind = if name == "depends_on" {
                    EdgeKind::DependsOn
                } else {
                    EdgeKind::References
                };
                let line = b.at.line(attr.span());
                let mut sites = Vec::new();
                expression_sites(b.at, &attr.value, line, name, &[], kind, &mut sites);
                inputs.push(Input { name, line, sites });
            }
            calls.insert(key(b.block), inputs);
        }
        for site in bodies
            .values_mut()
            .chain(locals.values_mut())
            .flatten()
            .chain(calls.values_mut().flatten().flat_map(|i| &mut i.sites))
        {
            (site.block, site.declared) = resolve(&index, site.target);
        }
        let arguments = arguments(&index);
        let texts = texts(&index);
        let constants = index
            .variables
            .iter()
            .filter(|(_, b)| {
                let meta = index.meta(**b);
                meta.default.is_none_or(is_literal)
                    && meta
                        .sensitive
                        .is_none_or(|e| matches!(Sensitive::of(e), Sensitive::Literal(_)))
            })
            .map(|(name, _)| (*name, OnceLock::new()))
            .collect();
        Analysis {
            files,
            index,
            diagnostics,
            bodies,
            locals,
            calls,
            texts,
            arguments,
            constants,
        }
    }

    /// The place for variable `name`'s `value` attribute when it reads the
    /// same in every instance not given the variable.
    pub(crate) fn constant(&self, name: &str) -> Option<&OnceLock<AttributeValue>> {
        self.constants.get(name)
    }

    /// What a block's evaluation asks for by name.
    pub(crate) fn meta(&self, b: BlockAt<'_>) -> &Meta<'f> {
        self.index.meta(b)
    }

    /// The expression of argument `name` of a resource or data block.
    pub(crate) fn argument(&self, b: BlockAt<'_>, name: &str) -> Option<&'f Expression> {
        self.arguments.get(&(key(b.block), name)).copied()
    }

    /// The `sensitive` argument of variable `name`, if it has one.
    pub(crate) fn sensitive(&self, name: &str) -> Option<Sensitive<'f>> {
        let (_, b) = self.index.variable(name)?;
        self.meta(b).sensitive.map(Sensitive::of)
    }

    /// The text an unknown value of `expr` keeps: [`At::text`], worked out
    /// once for all instances where `expr` is an argument that gives an
    /// attribute or a local value.
    pub(crate) fn text(&self, at: At<'_>, expr: &Expression) -> String {
        match self.texts.get(&address_of(expr)) {
            Some(text) => String::from(&**text.get_or_init(|| at.text(expr).into_boxed_str())),
            None => at.text(expr),
        }
    }

    /// The references in a block's body (resources, data sources,
    /// variables, outputs, providers).
    pub(crate) fn body(&self, block: &Block) -> &[Site<'f>] {
        self.bodies.get(&key(block)).map_or(&[], Vec::as_slice)
    }

    /// The references in a local value's expression.
    pub(crate) fn local(&self, name: &str) -> &[Site<'f>] {
        self.locals.get(name).map_or(&[], Vec::as_slice)
    }

    /// The arguments of a module call with their references.
    pub(crate) fn call(&self, block: &Block) -> &[Input<'f>] {
        self.calls.get(&key(block)).map_or(&[], Vec::as_slice)
    }
}

/// A place for the text of every argument that gives an attribute (of
/// resources, data sources, outputs, module calls, providers and
/// `terraform` blocks; a variable's are not read) and of every local value,
/// by the expression's address.
fn texts(index: &Index<'_>) -> HashMap<usize, OnceLock<Box<str>>> {
    let blocks = index
        .resource_and_data_blocks()
        .chain(index.outputs.values())
        .chain(index.modules.values())
        .chain(&index.providers)
        .chain(&index.terraform);
    let arguments = blocks.flat_map(|b| b.block.body.attributes().map(|attr| &attr.value));
    let locals = index.locals.values().map(|(_, attr)| &attr.value);
    arguments
        .chain(locals)
        .map(|expr| (address_of(expr), OnceLock::new()))
        .collect()
}

/// The block a reference's target names, and whether the module declares
/// it.
fn resolve<'f>(index: &Index<'f>, target: Target<'_>) -> (Option<BlockAt<'f>>, bool) {
    let block = match target {
        Target::Resource { kind, name } => index.resource(kind, name),
        Target::Data { kind, name } => index.data_source(kind, name),
        Target::Module { name, .. } => index.modules.get(name).copied(),
        Target::Var(name) => return (None, index.variables.contains_key(name)),
        Target::Local(name) => return (None, index.locals.contains_key(name)),
    };
    (block, block.is_some())
}

/// Every argument of every resource and data block, by the block's
/// address and the argument's name; the first of two with one name, as a
/// body's lookup finds.
fn arguments<'f>(index: &Index<'f>) -> HashMap<(usize, &'f str), &'f Expression> {
    let mut arguments = HashMap::default();
    for b in index.resource_and_data_blocks() {
        let block: &'f Block = b.block;
        for attr in block.body.attributes() {
            arguments
                .entry((key(block), attr.key.value().as_str()))
                .or_insert(&attr.value);
        }
    }
    arguments
}

/// The references of one expression, with attribute paths from `path`.
fn expression_sites<'f>(
    at: At<'f>,
    expr: &'f Expression,
    line: Option<u32>,
    path: &str,
    bound: &[&str],
    kind: EdgeKind,
    out: &mut Vec<Site<'f>>,
) {
    for reference in refs::collect(expr, bound, path) {
        out.push(Site {
            target: reference.target,
            index: reference.index,
            path: Text::new(&reference.path),
            line: at.line(reference.span).or(line),
            kind,
            block: None,
            declared: false,
        });
    }
}

/// The references of every argument and nested (or dynamic) block of a
/// body: `depends_on` gives `depends_on` edges, `provider`/`providers` none
/// (the provider edge is made apart), the rest `references`.
fn body_sites<'f>(
    at: At<'f>,
    body: &'f Body,
    path: &str,
    bound: &mut Vec<String>,
    out: &mut Vec<Site<'f>>,
) {
    for attr in body.attributes() {
        let name = attr.key.value().as_str();
        let line = at.line(attr.span());
        let (kind, attr_path) = match name {
            "depends_on" if path.is_empty() => (EdgeKind::DependsOn, "depends_on".to_owned()),
            "provider" | "providers" if path.is_empty() => continue,
            _ => (EdgeKind::References, refs::join(path, name)),
        };
        let names: Vec<&str> = bound.iter().map(String::as_str).collect();
        expression_sites(at, &attr.value, line, &attr_path, &names, kind, out);
    }
    for block in body.blocks() {
        let ident = block.ident.value().as_str();
        if ident == "dynamic" {
            let Some(label) = block.labels.first().map(BlockLabel::as_str) else {
                continue;
            };
            let iterator = block
                .body
                .get_attribute("iterator")
                .map_or_else(|| label.to_owned(), |a| at.text(&a.value));
            let inner = refs::join(path, label);
            if let Some(for_each) = block.body.get_attribute("for_each") {
                let names: Vec<&str> = bound.iter().map(String::as_str).collect();
                expression_sites(
                    at,
                    &for_each.value,
                    at.line(for_each.span()),
                    &refs::join(&inner, "for_each"),
                    &names,
                    EdgeKind::References,
                    out,
                );
            }
            bound.push(iterator);
            for content in block.body.get_blocks("content") {
                body_sites(at, &content.body, &inner, bound, out);
            }
            bound.pop();
            continue;
        }
        body_sites(at, &block.body, &refs::join(path, ident), bound, out);
    }
}

/// An instance's analysis: the directory's shared one, or its own for a
/// module read from outside the scanned files.
pub(crate) enum Shared<'f> {
    Borrowed(&'f Analysis<'f>),
    Owned(Box<Analysis<'f>>),
}

impl<'f> Deref for Shared<'f> {
    type Target = Analysis<'f>;

    fn deref(&self) -> &Analysis<'f> {
        match self {
            Shared::Borrowed(analysis) => analysis,
            Shared::Owned(analysis) => analysis,
        }
    }
}

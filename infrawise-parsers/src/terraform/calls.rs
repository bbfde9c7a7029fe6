//! Module calls: local sources are followed (with module-path-qualified
//! addresses), registry and git sources become external-module nodes.

use std::collections::BTreeMap;

use hcl::edit::Span as _;
use hcl::edit::expr::{Expression, ObjectKey};
use infrawise_core::{AttributeValue, Diagnostic, EdgeKind, Evidence, NodeId, NodeKind, Origin};

use super::analysis::{Analysis, Shared};
use super::emit::attribute_value;
use super::eval::Evaluator;
use super::load::join_lexically;
use super::module::{BlockAt, Busy, Context, Expansion, Instance, InstanceKey, address_of};
use super::refs;
use super::value::Value;

/// How deep local modules may nest before the scan stops following them.
pub(crate) const MAX_MODULE_DEPTH: usize = 32;

/// Whether a module source is a local path.
pub(crate) fn is_local_source(source: &str) -> bool {
    source.starts_with("./") || source.starts_with("../") || source == "." || source == ".."
}

impl<'f> Instance<'_, 'f> {
    /// The outputs of module call `name`, evaluating the call (and its
    /// module) the first time: an object for one instance, a map or list of
    /// objects for several, unknown for external modules.
    pub(crate) fn child_outputs(&self, name: &str) -> Value {
        if let Some(value) = self.children.borrow().get(name) {
            return value.clone();
        }
        let Some(b) = self.analysis.index.modules.get(name).copied() else {
            return Value::Unknown;
        };
        let value = self.guarded(Busy::Call(address_of(b.block)), || self.call(b));
        self.children
            .borrow_mut()
            .insert(name.to_owned(), value.clone());
        value
    }

    fn call(&self, b: BlockAt<'f>) -> Value {
        let name = b.label(0).unwrap_or_default();
        let mut evaluator = Evaluator::new(self);
        let meta = self.analysis.meta(b);
        let source = meta.source.and_then(|e| evaluator.eval(e).as_string());
        let version = meta.version.map(|e| evaluator.eval(e));
        let local = source.as_deref().is_some_and(is_local_source);
        let what = format!("module.{name}");
        let expansion = self.expansion(b);
        let instances: Vec<Option<InstanceKey>> = match &*expansion {
            Expansion::Single | Expansion::Unknown(_) => vec![None],
            Expansion::Instances(keys) => keys.iter().cloned().map(Some).collect(),
        };
        let mut results = Vec::new();
        for instance in &instances {
            let suffix = instance.as_ref().map_or("", |k| k.suffix.as_str());
            let address = format!("{}{what}{suffix}", self.ctx.prefix);
            let kind = if local || source.is_none() {
                NodeKind::Module
            } else {
                NodeKind::ExternalModule
            };
            let mut node = self.node(address.clone(), kind, "module", b, "module block");
            let mut evaluator = Evaluator::new(self);
            if let Some(instance) = instance {
                instance.bind(&mut evaluator);
            }
            if let Some(source) = &source {
                node.set_attribute(
                    Origin::Declared,
                    "source",
                    AttributeValue::Known(source.clone().into()),
                );
            }
            if let Some(version) = &version {
                node.set_attribute(
                    Origin::Declared,
                    "version",
                    attribute_value(version, || "version".to_owned()),
                );
            }
            if let Expansion::Unknown(text) = &*expansion {
                node.set_attribute(
                    Origin::Declared,
                    "instances",
                    AttributeValue::unknown(text.clone()),
                );
            }
            let mut inputs = BTreeMap::new();
            let mut input_targets = BTreeMap::new();
            for attr in b.block.body.attributes() {
                let key = attr.key.value().as_str();
                if matches!(
                    key,
                    "source" | "version" | "count" | "for_each" | "depends_on" | "providers"
                ) {
                    continue;
                }
                let value = evaluator.eval(&attr.value);
                node.set_attribute(
                    Origin::Declared,
                    format!("input.{key}"),
                    attribute_value(&value, || self.analysis.text(b.at, &attr.value)),
                );
                inputs.insert(key.to_owned(), value);
            }
            let id = node.id.clone();
            self.push_node(node);
            // Inputs are references of the module call; the detail is the input name.
            for input in self.analysis.call(b.block) {
                let found = self.site_edges(&id, b.at, &input.sites, &mut evaluator, true);
                let targets: Vec<_> = found
                    .into_iter()
                    .flat_map(|(_, targets)| targets)
                    .map(|t| (t, input.line, b.at.file.display))
                    .collect();
                input_targets.insert(input.name.to_owned(), targets);
            }
            if let Some(module) = &self.ctx.module_node {
                self.push_edge(
                    module,
                    &id,
                    EdgeKind::Contains,
                    Evidence::declared(super::TEXTS.terraform, super::TEXTS.module_contains)
                        .at(&*b.at.file.display, b.line()),
                );
            }
            let providers = self.call_providers(&id, b);
            let outputs = if local {
                let ctx = Context {
                    prefix: format!("{address}."),
                    inputs,
                    input_targets,
                    stack: self.ctx.stack.clone(),
                    providers,
                    module_node: Some(id),
                };
                self.follow(b, source.as_deref().unwrap_or("."), ctx)
            } else {
                Value::Unknown
            };
            results.push((instance.clone(), outputs));
        }
        match &*expansion {
            Expansion::Single => results.pop().map_or(Value::Unknown, |(_, v)| v),
            Expansion::Unknown(_) => Value::Unknown,
            Expansion::Instances(keys) => {
                if keys.first().is_some_and(|k| k.count) {
                    Value::list(results.into_iter().map(|(_, v)| v).collect())
                } else {
                    Value::map(
                        results
                            .into_iter()
                            .filter_map(|(k, v)| Some((k?.key.as_string()?, v)))
                            .collect(),
                    )
                }
            }
        }
    }

    /// Evaluates the local module a call points at.
    fn follow(&self, b: BlockAt<'_>, source: &str, mut ctx: Context) -> Value {
        let line = self
            .analysis
            .meta(b)
            .source
            .and_then(|e| b.at.line(e.span()))
            .or(b.line());
        let dir = join_lexically(&self.analysis.files.dir, source);
        if ctx.stack.contains(&dir) {
            self.scan.diagnostic(Diagnostic::error(
                &*b.at.file.display,
                line,
                format!(
                    "module cycle: {} calls itself through {source}",
                    crate::display_path(&dir, self.scan.root)
                ),
            ));
            return Value::Unknown;
        }
        if ctx.stack.len() >= MAX_MODULE_DEPTH {
            self.scan.diagnostic(Diagnostic::error(
                &*b.at.file.display,
                line,
                "modules nest too deeply; not followed further",
            ));
            return Value::Unknown;
        }
        if let Some(analysis) = self.scan.analyses.get(&dir) {
            ctx.stack.push(dir);
            return Instance::new(self.scan, Shared::Borrowed(analysis), ctx).run();
        }
        let Some(files) = self.scan.module_files(&dir) else {
            self.scan.diagnostic(Diagnostic::error(
                &*b.at.file.display,
                line,
                format!(
                    "module source directory not found: {}",
                    crate::display_path(&dir, self.scan.root)
                ),
            ));
            return Value::Unknown;
        };
        ctx.stack.push(dir);
        let analysis = Analysis::build(&files);
        let child = Instance::new(self.scan, Shared::Owned(Box::new(analysis)), ctx);
        child.run()
    }

    /// The provider configurations a call passes down: the `providers`
    /// map when given, else every default (unaliased) configuration.
    fn call_providers(&self, id: &NodeId, b: BlockAt<'_>) -> BTreeMap<String, NodeId> {
        let Some(attr) = b.block.body.get_attribute("providers") else {
            return self
                .ctx
                .providers
                .iter()
                .filter(|(k, _)| !k.contains('.'))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
        };
        let mut out = BTreeMap::new();
        if let Expression::Object(object) = &attr.value {
            for (key, value) in object {
                let child_name = match key {
                    ObjectKey::Ident(ident) => ident.value().as_str().to_owned(),
                    ObjectKey::Expression(e) => b.at.text(e).trim_matches('"').to_owned(),
                };
                let parent_name = b.at.text(value.expr());
                if let Some(provider) = self.ctx.providers.get(&parent_name) {
                    out.insert(child_name.clone(), provider.clone());
                    let line = b.at.line(attr.span());
                    self.push_edge(
                        id,
                        provider,
                        EdgeKind::UsesProvider,
                        Evidence::declared(
                            super::TEXTS.terraform,
                            refs::join("providers", &child_name),
                        )
                        .at(&*b.at.file.display, line),
                    );
                }
            }
        }
        out
    }
}

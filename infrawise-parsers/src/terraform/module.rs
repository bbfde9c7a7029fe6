//! One module instance: its inputs, its directory's shared
//! [`Analysis`], and the lazy, memoised evaluation of its variables,
//! locals, resources and child modules that the [`Resolver`] gives the
//! evaluator.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::collections::hash_map::Entry;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

use hcl::edit::Decorated;
use hcl::edit::Span as _;
use hcl::edit::expr::{Expression, TraversalOperator};
use hcl::edit::structure::{Block, BlockLabel};
use infrawise_core::{Alias, Diagnostic, Fragment, NodeId, Text};
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::analysis::{Analysis, Sensitive, Shared};
use super::eval::{Evaluator, Resolver};
use super::load::SourceFile;
use super::value::Value;

/// The parsed `.tf` files of one directory.
#[derive(Debug)]
pub(crate) struct ModuleFiles {
    pub(crate) dir: PathBuf,
    pub(crate) display: String,
    pub(crate) files: Vec<SourceFile>,
}

/// State shared by every module instance of one root module.
pub(crate) struct Scan<'s> {
    pub(crate) root: &'s Path,
    /// The root module's directory, as displayed; part of every id.
    pub(crate) root_display: String,
    /// `terraform:<root display>`, every node's scope.
    pub(crate) scope: Text,
    /// An empty address alias in this root (its scope interned once):
    /// every node's address alias is a copy with the address in.
    address_alias: Alias,
    /// The root module's directory on disk: Terraform's working directory,
    /// which `path.module`, `file()` and `templatefile()` are relative to.
    root_module_dir: PathBuf,
    /// The analysis of every scanned module directory (with its files).
    pub(crate) analyses: &'s BTreeMap<PathBuf, Analysis<'s>>,
    loaded: RefCell<BTreeMap<PathBuf, Option<Arc<ModuleFiles>>>>,
    pub(crate) out: RefCell<Fragment>,
    /// Where ids are put together before they are made shared.
    id_buffer: RefCell<String>,
    /// Every id made in this root: a node's id and the edges that name it
    /// share one allocation, which the graph build then recognises without
    /// reading the text, and an edge end costs no allocation of its own.
    /// By hash ([`NodeId::text_hash`]); of two ids with one hash (which
    /// practically never happens) only the first is shared.
    ids: RefCell<HashMap<u64, NodeId>>,
}

impl<'s> Scan<'s> {
    pub(crate) fn new(
        root: &'s Path,
        root_display: String,
        analyses: &'s BTreeMap<PathBuf, Analysis<'s>>,
    ) -> Self {
        let root_module_dir = if root_display == "." {
            root.to_path_buf()
        } else {
            root.join(&root_display)
        };
        Scan {
            root,
            scope: Text::new(&format!("terraform:{root_display}")),
            address_alias: Alias::address(Some(&root_display), String::new()),
            root_display,
            root_module_dir,
            analyses,
            loaded: RefCell::new(BTreeMap::new()),
            out: RefCell::new(Fragment::new()),
            id_buffer: RefCell::new(String::new()),
            ids: RefCell::new(HashMap::default()),
        }
    }

    /// The files of a module directory outside the scanned files, read
    /// the first time (a scanned directory's files are in its analysis).
    pub(crate) fn module_files(&self, dir: &Path) -> Option<Arc<ModuleFiles>> {
        if let Some(files) = self.loaded.borrow().get(dir) {
            return files.clone();
        }
        let mut diagnostics = Vec::new();
        let files = super::load::load_dir(dir, self.root, &mut diagnostics)
            .filter(|files| !files.is_empty())
            .map(|files| {
                Arc::new(ModuleFiles {
                    dir: dir.to_path_buf(),
                    display: crate::display_path(dir, self.root),
                    files,
                })
            });
        self.out.borrow_mut().diagnostics.extend(diagnostics);
        self.loaded
            .borrow_mut()
            .insert(dir.to_path_buf(), files.clone());
        files
    }

    /// The address alias of the node at `address` in this root module.
    pub(crate) fn address_alias(&self, address: impl Into<String>) -> Alias {
        Alias {
            value: address.into(),
            ..self.address_alias.clone()
        }
    }

    /// The id of the node at `address` in this root module.
    pub(crate) fn id(&self, address: &str) -> NodeId {
        self.id_in("", address)
    }

    /// The id of the node at `prefix` + `address`, built in one allocation
    /// (ids are made for every node and every reference).
    pub(crate) fn id_in(&self, prefix: &str, address: &str) -> NodeId {
        self.id_of(&[prefix, address])
    }

    /// The id of the node whose address is `parts` joined: put together
    /// in a buffer kept for it, and shared with every other use of the
    /// same id in this root.
    pub(crate) fn id_of(&self, parts: &[&str]) -> NodeId {
        let mut id = self.id_buffer.borrow_mut();
        id.clear();
        id.push_str("tf:");
        id.push_str(&self.root_display);
        id.push(':');
        for part in parts {
            id.push_str(part);
        }
        let hash = NodeId::hash_text(&id);
        let mut ids = self.ids.borrow_mut();
        match ids.entry(hash) {
            Entry::Occupied(known) if known.get().as_str() == id.as_str() => known.get().clone(),
            Entry::Occupied(_) => NodeId::new(&*id),
            Entry::Vacant(slot) => slot.insert(NodeId::new(&*id)).clone(),
        }
    }

    pub(crate) fn diagnostic(&self, diagnostic: Diagnostic) {
        self.out.borrow_mut().diagnostics.push(diagnostic);
    }
}

/// Where a block or expression is: its file and the byte offset of the
/// parsed piece it is in.
#[derive(Clone, Copy, Debug)]
pub(crate) struct At<'f> {
    pub(crate) file: &'f SourceFile,
    pub(crate) base: usize,
}

impl At<'_> {
    pub(crate) fn line(&self, span: Option<Range<usize>>) -> Option<u32> {
        span.map(|s| self.file.line_of(self.base + s.start))
    }

    /// The source text of an expression, shortened, for unknown values.
    pub(crate) fn text(&self, expr: &Expression) -> String {
        match self.file.slice(self.base, expr.span()) {
            Some(text) => shortened(text),
            None => shortened(&expr.to_string()),
        }
    }
}

/// `text` with its runs of whitespace made one space and its ends
/// trimmed, cut after 160 characters (`…` marks the cut), in one pass.
fn shortened(text: &str) -> String {
    const MAX: usize = 160;
    let mut out = String::with_capacity(text.len().min(MAX * 2));
    let mut chars = 0;
    for word in text.split_whitespace() {
        if chars > 0 {
            if chars == MAX {
                out.push('…');
                return out;
            }
            out.push(' ');
            chars += 1;
        }
        for c in word.chars() {
            if chars == MAX {
                out.push('…');
                return out;
            }
            out.push(c);
            chars += 1;
        }
    }
    out
}

/// A block and where it is.
#[derive(Clone, Copy, Debug)]
pub(crate) struct BlockAt<'f> {
    pub(crate) at: At<'f>,
    pub(crate) block: &'f Block,
    /// The block's line, worked out once: every node and edge a block
    /// gives, in every instance, names it.
    line: Option<u32>,
    /// Where its [`Meta`](super::analysis::Meta) is in its module's index.
    pub(crate) meta: u32,
}

impl<'f> BlockAt<'f> {
    pub(crate) fn new(at: At<'f>, block: &'f Block, meta: u32) -> Self {
        BlockAt {
            at,
            block,
            line: at.line(block.span()),
            meta,
        }
    }

    pub(crate) fn line(&self) -> Option<u32> {
        self.line
    }

    pub(crate) fn label(&self, i: usize) -> Option<&str> {
        self.block.labels.get(i).map(BlockLabel::as_str)
    }

    pub(crate) fn attr(&self, name: &str) -> Option<&Expression> {
        self.block.body.get_attribute(name).map(|a| &a.value)
    }
}

/// How many instances a resource or module call has.
#[derive(Clone, Debug)]
pub(crate) enum Expansion {
    /// No `count` or `for_each`.
    Single,
    /// Known instances.
    Instances(Vec<InstanceKey>),
    /// `count` or `for_each` could not be evaluated; the expression text.
    Unknown(String),
}

/// One instance of a multi-instance resource or module.
#[derive(Clone, Debug)]
pub(crate) struct InstanceKey {
    /// `[0]` or `["key"]`.
    pub(crate) suffix: String,
    /// Whether `count` (rather than `for_each`) made it.
    pub(crate) count: bool,
    pub(crate) key: Value,
    pub(crate) value: Value,
}

impl InstanceKey {
    /// Whether `key` picks this instance: the same key, or the same as
    /// text (`aws_x.y["1"]` and `aws_x.y[1]`).
    pub(crate) fn is(&self, key: &Value) -> bool {
        self.key == *key || self.key.as_string() == key.as_string()
    }

    /// Binds `count.index` or `each.key`/`each.value`.
    pub(crate) fn bind(&self, evaluator: &mut Evaluator<'_>) {
        if self.count {
            evaluator.bind(
                "count",
                Value::map(BTreeMap::from([("index".to_owned(), self.key.clone())])),
            );
        } else {
            evaluator.bind(
                "each",
                Value::map(BTreeMap::from([
                    ("key".to_owned(), self.key.clone()),
                    ("value".to_owned(), self.value.clone()),
                ])),
            );
        }
    }
}

/// The most instances expanded for one block; beyond, it stays one node.
const MAX_INSTANCES: usize = 1000;

/// Works out the instances of a block from its `count` or `for_each`.
pub(crate) fn expand(
    b: BlockAt<'_>,
    evaluator: &mut Evaluator<'_>,
    analysis: &Analysis<'_>,
) -> Expansion {
    if let Some(count) = analysis.meta(b).count {
        return match evaluator.eval(count).as_number() {
            Some(n) if n >= 0.0 && (n as usize) <= MAX_INSTANCES => Expansion::Instances(
                (0..n as usize)
                    .map(|i| InstanceKey {
                        suffix: format!("[{i}]"),
                        count: true,
                        key: Value::Number(i as f64),
                        value: Value::Null,
                    })
                    .collect(),
            ),
            _ => Expansion::Unknown(analysis.text(b.at, count)),
        };
    }
    if let Some(for_each) = analysis.meta(b).for_each {
        let pairs: Option<Vec<(String, Value)>> = match evaluator.eval(for_each) {
            Value::Map(map) => Some(Value::into_entries(map).into_iter().collect()),
            Value::List(items) => items
                .iter()
                .map(|item| item.as_string().map(|k| (k, item.clone())))
                .collect(),
            _ => None,
        };
        return match pairs {
            Some(pairs) if pairs.len() <= MAX_INSTANCES => Expansion::Instances(
                pairs
                    .into_iter()
                    .map(|(key, value)| InstanceKey {
                        suffix: format!("[{}]", serde_json::Value::String(key.clone())),
                        count: false,
                        key: Value::str(key),
                        value,
                    })
                    .collect(),
            ),
            _ => Expansion::Unknown(analysis.text(b.at, for_each)),
        };
    }
    Expansion::Single
}

/// A node an input expression references, with the line and file of the input.
pub(crate) type InputTarget = (NodeId, Option<u32>, Text);

/// What one module instance is given by its caller.
#[derive(Clone, Debug, Default)]
pub(crate) struct Context {
    /// `module.a["k"].module.b.` — prepended to every address.
    pub(crate) prefix: String,
    /// Input values (module arguments, or tfvars for a root module).
    pub(crate) inputs: BTreeMap<String, Value>,
    /// The nodes each input expression references, per input.
    pub(crate) input_targets: BTreeMap<String, Vec<InputTarget>>,
    /// The module directories on the way here, to catch cycles.
    pub(crate) stack: Vec<PathBuf>,
    /// Provider configurations visible here, by local name (`aws`, `aws.east`).
    pub(crate) providers: BTreeMap<String, NodeId>,
    /// The module call node that contains this instance.
    pub(crate) module_node: Option<NodeId>,
}

/// What is being evaluated, for catching cycles: a kind and the address
/// of the syntax node (a block or an expression), which no two things
/// being evaluated share.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Busy {
    Variable(usize),
    Local(usize),
    Expansion(usize),
    Attribute(usize),
    Call(usize),
}

/// The address of a syntax node, as a key for what is memoised about it.
pub(crate) fn address_of<T>(node: &T) -> usize {
    std::ptr::from_ref(node) as usize
}

/// A module instance being evaluated.
pub(crate) struct Instance<'s, 'f> {
    pub(crate) scan: &'s Scan<'s>,
    /// The directory's files, index and references, shared by its instances.
    pub(crate) analysis: Shared<'f>,
    pub(crate) ctx: Context,
    locals: RefCell<HashMap<&'f str, Value>>,
    /// Resource attributes as referenced, by the attribute's expression
    /// and the instance's position (`usize::MAX` for a single instance);
    /// only known values are kept (an unknown one may be a cycle's cut).
    attributes: RefCell<HashMap<(usize, usize), Value>>,
    busy: RefCell<HashSet<Busy>>,
    pub(crate) children: RefCell<BTreeMap<String, Value>>,
    /// By block: every reference to a multi-instance block reads its keys.
    expansions: RefCell<HashMap<usize, Rc<Expansion>>>,
    /// The values of declared variables as read here (input or default,
    /// withheld when sensitive), once worked out: every `var.x` of every
    /// expression asks again. A default that comes out unknown is not
    /// kept (it may be a cycle's cut).
    variables: RefCell<HashMap<&'f str, Value>>,
    /// What the `sensitive` arguments that are not literals say, by
    /// expression, once asked.
    sensitive: RefCell<HashMap<usize, bool>>,
    /// `path.module`, once worked out.
    module_path: std::cell::OnceCell<Value>,
}

impl<'s, 'f> Instance<'s, 'f> {
    pub(crate) fn new(scan: &'s Scan<'s>, analysis: Shared<'f>, ctx: Context) -> Self {
        scan.out
            .borrow_mut()
            .diagnostics
            .extend(analysis.diagnostics.iter().cloned());
        let mut ctx = ctx;
        // A module's own provider blocks shadow what its caller passed.
        for b in &analysis.index.providers {
            let key = provider_key(*b);
            let id = scan.id(&format!("{}provider.{key}", ctx.prefix));
            ctx.providers.insert(key, id);
        }
        Instance {
            scan,
            analysis,
            ctx,
            locals: RefCell::new(HashMap::default()),
            attributes: RefCell::new(HashMap::default()),
            busy: RefCell::new(HashSet::default()),
            children: RefCell::new(BTreeMap::new()),
            expansions: RefCell::new(HashMap::default()),
            variables: RefCell::new(HashMap::default()),
            sensitive: RefCell::new(HashMap::default()),
            module_path: std::cell::OnceCell::new(),
        }
    }

    /// Runs `f` unless `key` is already being evaluated (a cycle).
    pub(crate) fn guarded(&self, key: Busy, f: impl FnOnce() -> Value) -> Value {
        if !self.busy.borrow_mut().insert(key) {
            return Value::Unknown;
        }
        let value = f();
        self.busy.borrow_mut().remove(&key);
        value
    }

    /// The value of `var.name`.
    pub(crate) fn variable(&self, name: &str) -> Value {
        if let Some(value) = self.variables.borrow().get(name) {
            return value.clone();
        }
        let declared = self.analysis.index.variable(name);
        let (value, keep) = if let Some(value) = self.ctx.inputs.get(name) {
            (value.clone(), true)
        } else {
            let Some((_, b)) = declared else {
                return Value::Unknown;
            };
            match self.analysis.meta(b).default {
                Some(default) => {
                    let value = self.guarded(Busy::Variable(address_of(default)), || {
                        Evaluator::new(self).eval(default)
                    });
                    // An unknown may be a cycle's cut; only what is known is kept.
                    let known = value.is_known();
                    (value, known)
                }
                None => (Value::Unknown, true),
            }
        };
        // A sensitive variable's value (default, tfvars or module input)
        // never leaves it: what reads it gets the marker, which flows on
        // through module inputs and attributes like any value.
        let value =
            if !matches!(value, Value::Unknown | Value::Null) && self.variable_is_sensitive(name) {
                Value::redacted(&format!("sensitive variable var.{name}"))
            } else {
                value
            };
        if let (true, Some((declared, _))) = (keep, declared) {
            self.variables.borrow_mut().insert(declared, value.clone());
        }
        value
    }

    /// Whether `variable "name"` says `sensitive = true`.
    pub(crate) fn variable_is_sensitive(&self, name: &str) -> bool {
        let expr = match self.analysis.sensitive(name) {
            None => return false,
            Some(Sensitive::Literal(sensitive)) => return sensitive,
            Some(Sensitive::Expr(expr)) => expr,
        };
        let key = address_of(expr);
        if let Some(sensitive) = self.sensitive.borrow().get(&key) {
            return *sensitive;
        }
        let sensitive = Evaluator::new(self).eval(expr).as_bool() == Some(true);
        self.sensitive.borrow_mut().insert(key, sensitive);
        sensitive
    }

    /// The value of `local.name`.
    pub(crate) fn local(&self, name: &str) -> Value {
        if let Some(value) = self.locals.borrow().get(name) {
            return value.clone();
        }
        let Some((&declared, (_, attr))) = self.analysis.index.locals.get_key_value(name) else {
            return Value::Unknown;
        };
        let value = self.guarded(Busy::Local(address_of(*attr)), || {
            Evaluator::new(self).eval(&attr.value)
        });
        self.locals.borrow_mut().insert(declared, value.clone());
        value
    }

    /// The instances of a resource, data source or module call, memoised.
    pub(crate) fn expansion(&self, b: BlockAt<'_>) -> Rc<Expansion> {
        let key = address_of(b.block);
        if let Some(e) = self.expansions.borrow().get(&key) {
            return e.clone();
        }
        let mut result = Expansion::Unknown("cycle".to_owned());
        let _ = self.guarded(Busy::Expansion(key), || {
            result = expand(b, &mut Evaluator::new(self), &self.analysis);
            Value::Null
        });
        let result = Rc::new(result);
        self.expansions.borrow_mut().insert(key, result.clone());
        result
    }

    /// The declared value of `attribute` of a resource or data source,
    /// for the instance with `key` when it has several.
    fn block_attribute(&self, b: BlockAt<'_>, key: Option<&Value>, attribute: &str) -> Value {
        let Some(expr) = self.analysis.argument(b, attribute) else {
            return Value::Unknown;
        };
        let expansion = self.expansion(b);
        let (slot, instance) = match (&*expansion, key) {
            (Expansion::Single, None) => (usize::MAX, None),
            (Expansion::Instances(keys), Some(key)) => match keys.iter().position(|k| k.is(key)) {
                Some(i) => (i, keys.get(i)),
                None => return Value::Unknown,
            },
            _ => return Value::Unknown,
        };
        let cache_key = (address_of(expr), slot);
        if let Some(value) = self.attributes.borrow().get(&cache_key) {
            return value.clone();
        }
        let value = self.guarded(Busy::Attribute(address_of(expr)), || {
            let mut evaluator = Evaluator::new(self);
            if let Some(instance) = instance {
                instance.bind(&mut evaluator);
            }
            evaluator.eval(expr)
        });
        if !matches!(value, Value::Unknown) {
            self.attributes
                .borrow_mut()
                .insert(cache_key, value.clone());
        }
        value
    }

    /// A resource as a value: unknown objects keyed like its instances.
    fn instance_objects(&self, b: BlockAt<'_>) -> Value {
        match &*self.expansion(b) {
            Expansion::Instances(keys) if keys.first().is_some_and(|k| k.count) => {
                Value::list(keys.iter().map(|_| Value::Unknown).collect())
            }
            Expansion::Instances(keys) => Value::map(
                keys.iter()
                    .filter_map(|k| Some((k.key.as_string()?, Value::Unknown)))
                    .collect(),
            ),
            Expansion::Single | Expansion::Unknown(_) => Value::Unknown,
        }
    }

    fn resource_ref(
        &self,
        b: Option<BlockAt<'_>>,
        ops: &[Decorated<TraversalOperator>],
        evaluator: &mut Evaluator<'_>,
    ) -> (Value, usize) {
        let Some(b) = b else {
            return (Value::Unknown, ops.len());
        };
        let (key, next) = match ops.first().map(Decorated::value) {
            Some(TraversalOperator::Index(expr)) => (Some(evaluator.eval(expr)), 1),
            Some(TraversalOperator::LegacyIndex(n)) => (Some(Value::Number(*n.value() as f64)), 1),
            Some(TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_)) => {
                return (Value::Unknown, ops.len());
            }
            _ => (None, 0),
        };
        match ops.get(next).map(Decorated::value) {
            Some(TraversalOperator::GetAttr(attribute)) => (
                self.block_attribute(b, key.as_ref(), attribute.value().as_str()),
                next + 1,
            ),
            // The whole resource: its instance keys are known even where
            // its attributes are not, which is what `for_each = aws_x.y` needs.
            None if key.is_none() => (self.instance_objects(b), next),
            _ => (Value::Unknown, ops.len()),
        }
    }
}

fn attr_name(op: Option<&Decorated<TraversalOperator>>) -> Option<&str> {
    match op?.value() {
        TraversalOperator::GetAttr(name) => Some(name.value().as_str()),
        _ => None,
    }
}

impl Resolver for Instance<'_, '_> {
    fn resolve(
        &self,
        root: &str,
        ops: &[Decorated<TraversalOperator>],
        evaluator: &mut Evaluator<'_>,
    ) -> (Value, usize) {
        let first = attr_name(ops.first());
        match (root, first) {
            ("var", Some(name)) => (self.variable(name), 1),
            ("local", Some(name)) => (self.local(name), 1),
            ("module", Some(name)) => (self.child_outputs(name), 1),
            // As Terraform run in the root module's directory gives them:
            // `.` for the root module, a relative path for a child.
            ("path", Some("module")) => (
                self.module_path
                    .get_or_init(|| {
                        Value::str(relative_display(
                            &self.scan.root_display,
                            &self.analysis.files.display,
                        ))
                    })
                    .clone(),
                1,
            ),
            ("path", Some("root")) => (Value::str("."), 1),
            ("terraform", Some("workspace")) => (Value::str("default"), 1),
            ("data", Some(kind)) => match attr_name(ops.get(1)) {
                Some(name) => {
                    let b = self.analysis.index.data_source(kind, name);
                    let (value, used) =
                        self.resource_ref(b, ops.get(2..).unwrap_or_default(), evaluator);
                    (value, used + 2)
                }
                None => (Value::Unknown, ops.len()),
            },
            (kind, Some(name)) if kind.contains('_') => {
                let b = self.analysis.index.resource(kind, name);
                let (value, used) =
                    self.resource_ref(b, ops.get(1..).unwrap_or_default(), evaluator);
                (value, used + 1)
            }
            _ => (Value::Unknown, ops.len()),
        }
    }

    fn base_dir(&self) -> Option<&Path> {
        Some(&self.scan.root_module_dir)
    }
}

/// The `/`-separated path of `target` seen from `from`, both display paths
/// relative to the scan root: `.` when equal, `modules/queue` below it,
/// `../shared` beside it.
fn relative_display(from: &str, target: &str) -> String {
    let parts = |text: &str| -> Vec<String> {
        text.split('/')
            .filter(|p| !p.is_empty() && *p != ".")
            .map(str::to_owned)
            .collect()
    };
    let (from, target) = (parts(from), parts(target));
    let common = from.iter().zip(&target).take_while(|(a, b)| a == b).count();
    let mut out: Vec<&str> = vec![".."; from.len() - common];
    out.extend(target[common..].iter().map(String::as_str));
    if out.is_empty() {
        ".".to_owned()
    } else {
        out.join("/")
    }
}

/// The local name of a provider configuration: `aws`, or `aws.east` with
/// an alias (which Terraform requires to be a literal).
pub(crate) fn provider_key(b: BlockAt<'_>) -> String {
    let name = b.label(0).unwrap_or_default();
    match b.attr("alias") {
        Some(Expression::String(alias)) => format!("{name}.{}", alias.value()),
        _ => name.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::shortened;

    #[test]
    fn shortened_joins_whitespace_and_cuts_after_160_characters() {
        assert_eq!(shortened("  a\n\t b  c "), "a b c");
        assert_eq!(shortened(""), "");
        let exact = "é".repeat(160);
        assert_eq!(shortened(&exact), exact);
        let long = format!("{} {}", "x".repeat(159), "yz");
        assert_eq!(shortened(&long), format!("{} …", "x".repeat(159)));
        let words = "ab ".repeat(100);
        let cut = shortened(&words);
        assert_eq!(cut.chars().count(), 161);
        assert!(cut.ends_with("ab a…"));
    }
}

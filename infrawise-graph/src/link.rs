//! Linking code to declarations: edges whose target is a *soft* alias,
//! resolved after identity resolution because the answer depends on the
//! shape of the graph, not on one exact name.
//!
//! - [`AliasKind::Handler`]: a function's `implemented_by` edge names the
//!   handler key its code location and handler string give
//!   (`app/orders.handler`). Code symbols carry the keys they answer to.
//!   One candidate is linked; none gives an unresolved placeholder (the
//!   handler is missing from the scanned code, a dangling reference); two
//!   or more are an ambiguity, reported as a warning and never resolved by
//!   guessing.
//! - [`AliasKind::EnvValue`]: code names a resource through an environment
//!   variable (`os.environ["QUEUE_URL"]`). The graph bridges the read to
//!   the resource that a declaration wires into that variable:
//!   1. *bridged* — the code runs inside a function whose handler is in the
//!      same module or a module that imports it, directly or not, and that
//!      function declares the variable (`F -configured_by-> F:env:QUEUE_URL
//!      -references-> queue`): an edge to each such resource, with the
//!      confidence raised to 0.8 (code shared by several functions reaches
//!      each function's resource);
//!   2. *name only* — no function runs the code, but declarations anywhere
//!      set a variable of that name to exactly one resource of the right
//!      kind: an edge with confidence 0.4;
//!   3. otherwise no edge: an info diagnostic says the name is not fixed
//!      (several candidates are listed).
//!
//!   A declared variable is an env-var node the function is configured by
//!   (CloudFormation, SAM) or a Terraform `environment.variables.X`
//!   reference of the function; a variable wired to a stack parameter
//!   reaches the resource whose physical name is the parameter's default.
//!
//! Soft aliases never merge nodes and never become nodes of their own.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt::Write as _;

use infrawise_core::{
    Alias, AliasKind, AttributeValue, Diagnostic, EdgeKind, Evidence, Node, NodeKind, NodeRef,
    Origin,
};
use rustc_hash::FxHashMap;

/// Confidence of an env-var resource use bridged through the declaration
/// of the function that runs the code.
pub const ENV_BRIDGED: f64 = 0.8;
/// Confidence of an env-var resource use matched by variable name only.
pub const ENV_NAME_ONLY: f64 = 0.4;

/// Whether an edge to `node_ref` waits for linking instead of resolving by
/// exact alias.
pub(crate) fn is_soft(node_ref: &NodeRef) -> bool {
    matches!(node_ref, NodeRef::Alias(alias) if matches!(alias.kind, AliasKind::Handler | AliasKind::EnvValue))
}

/// An edge between contributions (indices into the node list).
pub(crate) type ContributionEdge = (u32, u32, EdgeKind, Vec<Evidence>);

/// An edge whose target is a soft alias; `from` is resolved.
pub(crate) struct SoftEdge {
    pub(crate) from: u32,
    pub(crate) alias: Alias,
    pub(crate) kind: EdgeKind,
    pub(crate) evidence: Vec<Evidence>,
}

/// What linking adds: edges, placeholder nodes (to be pushed as new
/// contributions by the caller, which names their indices) and diagnostics.
pub(crate) struct Linked {
    /// Edges whose `to` is either an existing component root, or
    /// `u32::MAX - i` for the i-th placeholder.
    pub(crate) edges: Vec<ContributionEdge>,
    pub(crate) placeholders: Vec<Node>,
    pub(crate) diagnostics: Vec<Diagnostic>,
}

/// Marks the i-th placeholder in [`Linked::edges`].
pub(crate) fn placeholder_slot(i: usize) -> u32 {
    u32::MAX - i as u32
}

/// A component-level view of the resolved graph.
struct View<'a> {
    kinds: FxHashMap<u32, NodeKind>,
    names: FxHashMap<u32, &'a str>,
    ids: FxHashMap<u32, &'a str>,
    declared: FxHashMap<u32, bool>,
    out: FxHashMap<u32, Vec<(u32, EdgeKind)>>,
    parent: FxHashMap<u32, u32>,
}

impl<'a> View<'a> {
    fn new(nodes: &'a [Node], root: &dyn Fn(u32) -> u32, edges: &[ContributionEdge]) -> Self {
        let mut kinds: FxHashMap<u32, NodeKind> = FxHashMap::default();
        let mut names: FxHashMap<u32, &str> = FxHashMap::default();
        let mut ids: FxHashMap<u32, &str> = FxHashMap::default();
        let mut declared: FxHashMap<u32, bool> = FxHashMap::default();
        for (index, node) in nodes.iter().enumerate() {
            let r = root(index as u32);
            let kind = kinds.entry(r).or_insert(node.kind);
            // A specific kind beats a generic one; among specific kinds the
            // smallest wins, so the view does not depend on input order.
            if (kind.is_generic() && !node.kind.is_generic())
                || (kind.is_generic() == node.kind.is_generic() && node.kind < *kind)
            {
                *kind = node.kind;
            }
            let name = names.entry(r).or_insert(node.name.as_str());
            if node.name.as_str() < *name {
                *name = node.name.as_str();
            }
            let id = ids.entry(r).or_insert(node.id.as_str());
            if node.id.as_str() < *id {
                *id = node.id.as_str();
            }
            let is_declared = node.evidence.iter().any(|e| e.origin == Origin::Declared);
            *declared.entry(r).or_default() |= is_declared;
        }
        let mut out: FxHashMap<u32, Vec<(u32, EdgeKind)>> = FxHashMap::default();
        let mut parent: FxHashMap<u32, u32> = FxHashMap::default();
        for (from, to, kind, _) in edges {
            let (from, to) = (root(*from), root(*to));
            out.entry(from).or_default().push((to, *kind));
            if *kind == EdgeKind::Contains {
                parent.entry(to).or_insert(from);
            }
        }
        for targets in out.values_mut() {
            targets.sort_unstable();
            targets.dedup();
        }
        View {
            kinds,
            names,
            ids,
            declared,
            out,
            parent,
        }
    }

    fn kind(&self, root: u32) -> NodeKind {
        self.kinds.get(&root).copied().unwrap_or(NodeKind::Other)
    }

    fn name(&self, root: u32) -> &str {
        self.names.get(&root).copied().unwrap_or("")
    }

    fn id(&self, root: u32) -> &str {
        self.ids.get(&root).copied().unwrap_or("")
    }

    fn targets(&self, root: u32, kind: EdgeKind) -> impl Iterator<Item = u32> + '_ {
        self.out
            .get(&root)
            .into_iter()
            .flatten()
            .filter(move |(_, k)| *k == kind)
            .map(|(to, _)| *to)
    }

    /// The code module a symbol lives in (itself when it is a module).
    fn module_of(&self, mut root: u32) -> Option<u32> {
        for _ in 0..64 {
            if self.kind(root) == NodeKind::CodeModule {
                return Some(root);
            }
            root = *self.parent.get(&root)?;
        }
        None
    }
}

/// Resolves soft edges. `root` maps a contribution to its component root;
/// `edges` are the resolved ordinary edges.
pub(crate) fn link(
    nodes: &[Node],
    root: &dyn Fn(u32) -> u32,
    edges: &[ContributionEdge],
    soft: Vec<SoftEdge>,
) -> Linked {
    let mut linked = Linked {
        edges: Vec::new(),
        placeholders: Vec::new(),
        diagnostics: Vec::new(),
    };
    if soft.is_empty() {
        return linked;
    }
    let view = View::new(nodes, root, edges);
    let mut handlers: BTreeMap<&str, BTreeSet<u32>> = BTreeMap::new();
    for (index, node) in nodes.iter().enumerate() {
        for alias in node.aliases.iter().filter(|a| a.kind == AliasKind::Handler) {
            handlers
                .entry(alias.value.as_str())
                .or_default()
                .insert(root(index as u32));
        }
    }

    // Handlers first: env-var bridging needs to know which function runs
    // which code.
    let (handler_edges, env_edges): (Vec<SoftEdge>, Vec<SoftEdge>) = soft
        .into_iter()
        .partition(|edge| edge.alias.kind == AliasKind::Handler);
    let mut runs: BTreeMap<u32, BTreeSet<u32>> = BTreeMap::new(); // function -> handler symbols
    for (from, to, kind, _) in edges {
        if *kind == EdgeKind::ImplementedBy {
            runs.entry(root(*from)).or_default().insert(root(*to));
        }
    }
    let mut placeholder_of: BTreeMap<Alias, u32> = BTreeMap::new();
    for edge in handler_edges {
        let candidates = handlers
            .get(edge.alias.value.as_str())
            .cloned()
            .unwrap_or_default();
        match candidates.len() {
            1 => {
                let target = candidates.into_iter().next().unwrap_or_default();
                runs.entry(root(edge.from)).or_default().insert(target);
                linked
                    .edges
                    .push((edge.from, target, edge.kind, edge.evidence));
            }
            0 => {
                let slot = *placeholder_of.entry(edge.alias.clone()).or_insert_with(|| {
                    let mut node = Node::new(
                        format!("unresolved:{}", edge.alias),
                        NodeKind::CodeSymbol,
                        edge.alias.value.clone(),
                    );
                    node.aliases.insert(edge.alias.clone());
                    linked.placeholders.push(node);
                    placeholder_slot(linked.placeholders.len() - 1)
                });
                linked
                    .edges
                    .push((edge.from, slot, edge.kind, edge.evidence));
            }
            _ => {
                let mut message = format!(
                    "handler `{}` of {} matches {} code symbols; not linked:",
                    edge.alias.value,
                    view.name(root(edge.from)),
                    candidates.len()
                );
                let mut listed: Vec<&str> = candidates.iter().map(|c| view.id(*c)).collect();
                listed.sort_unstable();
                for name in listed {
                    let _ = write!(message, " {name}");
                }
                linked.diagnostics.push(diagnostic_at(
                    &edge.evidence,
                    infrawise_core::Severity::Warning,
                    message,
                ));
            }
        }
    }
    if env_edges.is_empty() {
        return linked;
    }

    // Which functions run each code module: a handler's module and every
    // module it imports, transitively.
    let mut functions_of_module: BTreeMap<u32, BTreeSet<u32>> = BTreeMap::new();
    for (function, symbols) in &runs {
        let mut queue: VecDeque<u32> = symbols.iter().filter_map(|s| view.module_of(*s)).collect();
        let mut seen: BTreeSet<u32> = queue.iter().copied().collect();
        while let Some(module) = queue.pop_front() {
            functions_of_module
                .entry(module)
                .or_default()
                .insert(*function);
            for next in view.targets(module, EdgeKind::Imports) {
                if view.kind(next) == NodeKind::CodeModule && seen.insert(next) {
                    queue.push_back(next);
                }
            }
        }
    }
    // Declared variables: (function, name) -> resources, and name -> (function, resource).
    let mut declared_env: BTreeMap<(u32, &str), BTreeSet<u32>> = BTreeMap::new();
    let mut env_by_name: BTreeMap<&str, BTreeSet<(u32, u32)>> = BTreeMap::new();
    for (&from, targets) in &view.out {
        for &(variable, kind) in targets {
            let is_declared_variable = kind == EdgeKind::ConfiguredBy
                && view.kind(variable) == NodeKind::EnvVar
                && view.declared.get(&variable).copied().unwrap_or(false);
            if !is_declared_variable {
                continue;
            }
            let name = view.name(variable);
            for resource in view.targets(variable, EdgeKind::References) {
                declared_env
                    .entry((from, name))
                    .or_default()
                    .insert(resource);
                env_by_name
                    .entry(name)
                    .or_default()
                    .insert((from, resource));
            }
        }
    }

    // Terraform states a function's environment as references from the
    // function itself, the attribute path naming the variable
    // (`environment.variables.QUEUE_URL`); those count as declared
    // variables of the function too.
    let mut owned_names: Vec<(u32, String, u32)> = Vec::new();
    for (from, to, kind, evidence) in edges {
        if *kind != EdgeKind::References {
            continue;
        }
        for item in evidence.iter().filter(|e| e.origin == Origin::Declared) {
            if let Some(rest) = item.detail.strip_prefix("environment.variables.") {
                let name = rest.split(['.', '[', ' ']).next().unwrap_or(rest);
                owned_names.push((root(*from), name.to_owned(), root(*to)));
            }
        }
    }
    for (function, name, resource) in &owned_names {
        declared_env
            .entry((*function, name.as_str()))
            .or_default()
            .insert(*resource);
        env_by_name
            .entry(name.as_str())
            .or_default()
            .insert((*function, *resource));
    }

    // A variable wired to a stack parameter (`!Ref OrdersTableName`) names
    // what the parameter's default names: the resource of that physical
    // name, when one is known.
    let mut defaults: FxHashMap<u32, &str> = FxHashMap::default();
    let mut by_physical_name: BTreeMap<(&str, &str), BTreeSet<u32>> = BTreeMap::new();
    for (index, node) in nodes.iter().enumerate() {
        if node.kind == NodeKind::Variable
            && let Some(AttributeValue::Known(serde_json::Value::String(default))) = node
                .attributes
                .get("Default")
                .and_then(|values| values.get(&Origin::Declared))
        {
            defaults.insert(root(index as u32), default.as_str());
        }
        for alias in node.aliases.iter().filter(|a| a.kind == AliasKind::Name) {
            if let Some(scope) = alias.scope.as_deref() {
                by_physical_name
                    .entry((scope, alias.value.as_str()))
                    .or_default()
                    .insert(root(index as u32));
            }
        }
    }

    for edge in env_edges {
        let wanted = edge
            .alias
            .scope
            .as_deref()
            .and_then(|scope| scope.parse::<NodeKind>().ok())
            .unwrap_or(NodeKind::Resource);
        let fits = |resource: &u32| {
            let kind = view.kind(*resource);
            kind == wanted || kind.is_generic() || wanted.is_generic()
        };
        let through_parameter = |resource: &u32| -> Vec<u32> {
            defaults
                .get(resource)
                .and_then(|default| by_physical_name.get(&(wanted.as_str(), *default)))
                .map_or_else(|| vec![*resource], |found| found.iter().copied().collect())
        };
        let variable = edge.alias.value.as_str();
        let module = view.module_of(root(edge.from));
        let functions = module
            .and_then(|m| functions_of_module.get(&m))
            .cloned()
            .unwrap_or_default();
        let mut bridged = false;
        for function in &functions {
            let resources: BTreeSet<u32> = declared_env
                .get(&(*function, variable))
                .into_iter()
                .flatten()
                .flat_map(&through_parameter)
                .filter(&fits)
                .collect();
            for resource in resources {
                bridged = true;
                let detail = format!(
                    "; {variable} bridged through {}'s environment",
                    view.name(*function)
                );
                linked.edges.push((
                    edge.from,
                    resource,
                    edge.kind,
                    restate(&edge.evidence, ENV_BRIDGED, &detail),
                ));
            }
        }
        if bridged {
            continue;
        }
        let candidates: BTreeSet<u32> = env_by_name
            .get(variable)
            .into_iter()
            .flatten()
            .flat_map(|(_, resource)| through_parameter(resource))
            .filter(&fits)
            .collect();
        match candidates.len() {
            1 => {
                let resource = candidates.into_iter().next().unwrap_or_default();
                let detail = format!("; {variable} matched by name to a declared variable");
                linked.edges.push((
                    edge.from,
                    resource,
                    edge.kind,
                    restate(&edge.evidence, ENV_NAME_ONLY, &detail),
                ));
            }
            0 => linked.diagnostics.push(diagnostic_at(
                &edge.evidence,
                infrawise_core::Severity::Info,
                format!(
                    "{wanted} named by environment variable {variable}, which no declaration sets; no resource edge"
                ),
            )),
            n => {
                let mut names: Vec<&str> = candidates.iter().map(|c| view.id(*c)).collect();
                names.sort_unstable();
                linked.diagnostics.push(diagnostic_at(
                    &edge.evidence,
                    infrawise_core::Severity::Info,
                    format!(
                        "{wanted} named by environment variable {variable} could be any of {n} declared resources ({}); no resource edge",
                        names.join(", ")
                    ),
                ));
            }
        }
    }
    linked
}

/// The evidence of a soft edge with its confidence restated and its detail
/// extended by how the target was found.
fn restate(evidence: &[Evidence], confidence: f64, detail: &str) -> Vec<Evidence> {
    evidence
        .iter()
        .map(|e| {
            let mut e = e.clone();
            if e.origin == Origin::Inferred {
                e.set_confidence(Some(confidence));
            }
            e.detail = format!("{}{detail}", e.detail).into();
            e
        })
        .collect()
}

fn diagnostic_at(
    evidence: &[Evidence],
    severity: infrawise_core::Severity,
    message: String,
) -> Diagnostic {
    let first = evidence.first();
    Diagnostic::new(
        severity,
        first
            .and_then(|e| e.path.as_deref())
            .unwrap_or("")
            .to_owned(),
        first.and_then(infrawise_core::Evidence::line),
        message,
    )
}

//! Aggregation of observations into a handful of nodes and edges.
//!
//! Readers see millions of spans or events and state each one here; what
//! is kept is one small record per node and per `(from, to, kind,
//! operation)`, so memory grows with the number of distinct dependencies,
//! never with the size of the input. Names are interned once: stating an
//! observation allocates nothing once its ends and operation are known.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

use infrawise_core::{
    Alias, AliasSet, Edge, EdgeKind, Evidence, Fragment, Node, NodeId, NodeKind, Source, Text,
    Timestamp,
};

/// The id of the observed node of `kind` named `name`, shared by every
/// runtime reader: `runtime:queue:orders`.
pub fn node_id(kind: NodeKind, name: &str) -> String {
    format!("runtime:{kind}:{name}")
}

/// Count, errors and the first and last time of a set of observations.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Tally {
    pub(crate) count: u64,
    pub(crate) errors: u64,
    pub(crate) first: Option<Timestamp>,
    pub(crate) last: Option<Timestamp>,
}

impl Tally {
    /// Adds one observation spanning `start..end` (equal for an instant).
    pub(crate) fn add(&mut self, start: Option<Timestamp>, end: Option<Timestamp>, error: bool) {
        self.count += 1;
        self.errors += u64::from(error);
        self.widen(start, end);
    }

    /// Widens the time range without counting anything.
    pub(crate) fn widen(&mut self, start: Option<Timestamp>, end: Option<Timestamp>) {
        let end = end.or(start);
        let start = start.or(end);
        if let Some(start) = start {
            self.first = Some(self.first.map_or(start, |first| first.min(start)));
        }
        if let Some(end) = end {
            self.last = Some(self.last.map_or(end, |last| last.max(end)));
        }
    }

    fn evidence(&self, extractor: &str, detail: String, display: &str) -> Evidence {
        let mut evidence = Evidence::observed(extractor, detail, self.last)
            .at(display, None)
            .with_count(self.count)
            .with_errors(self.errors);
        evidence.set_seen(self.first, self.last);
        evidence
    }
}

/// One observed node: its identity and its activity.
#[derive(Debug)]
struct ObservedNode {
    kind: NodeKind,
    name: String,
    raw_type: Option<Text>,
    aliases: AliasSet,
    detail: &'static str,
    /// What the node did itself (spans it emitted, events it made).
    own: Tally,
    /// What was done to it (calls it received, events naming it).
    received: Tally,
}

/// What one input file showed, aggregated.
#[derive(Debug)]
pub(crate) struct Observations {
    extractor: &'static str,
    display: String,
    /// Appended to every edge evidence detail (`sampled spans`).
    edge_note: Option<&'static str>,
    nodes: Vec<ObservedNode>,
    /// Interned nodes by the kind they were first stated with, then name.
    by_name: FxHashMap<NodeKind, FxHashMap<String, u32>>,
    operations: Vec<String>,
    by_operation: FxHashMap<String, u32>,
    edges: FxHashMap<(u32, u32, EdgeKind, u32), Tally>,
    /// The time range of everything observed: the source's window.
    pub(crate) window: Tally,
}

impl Observations {
    /// Observations read by `extractor` from the file shown as `display`.
    pub(crate) fn new(
        extractor: &'static str,
        display: &str,
        edge_note: Option<&'static str>,
    ) -> Self {
        Observations {
            extractor,
            display: display.to_owned(),
            edge_note,
            nodes: Vec::new(),
            by_name: FxHashMap::default(),
            operations: Vec::new(),
            by_operation: FxHashMap::default(),
            edges: FxHashMap::default(),
            window: Tally::default(),
        }
    }

    /// The node of `kind` named `name`, made on first use with `raw_type`
    /// and a name alias of its kind; `detail` says how it was seen.
    pub(crate) fn node(
        &mut self,
        kind: NodeKind,
        name: &str,
        raw_type: Option<&str>,
        detail: &'static str,
    ) -> u32 {
        let names = self.by_name.entry(kind).or_default();
        if let Some(&index) = names.get(name) {
            if let Some(node) = self.nodes.get_mut(index as usize)
                && node.raw_type.is_none()
            {
                node.raw_type = raw_type.map(Text::new);
            }
            return index;
        }
        let index = self.nodes.len() as u32;
        names.insert(name.to_owned(), index);
        let mut aliases = AliasSet::new();
        if kind.is_deployable() && !kind.is_generic() {
            aliases.insert(Alias::name(kind, name));
        }
        self.nodes.push(ObservedNode {
            kind,
            name: name.to_owned(),
            raw_type: raw_type.map(Text::new),
            aliases,
            detail,
            own: Tally::default(),
            received: Tally::default(),
        });
        index
    }

    /// Adds an alias to a node.
    pub(crate) fn alias(&mut self, node: u32, alias: Alias) {
        if let Some(node) = self.nodes.get_mut(node as usize) {
            node.aliases.insert(alias);
        }
    }

    /// Changes the kind of a node (a service found to be a Lambda function).
    pub(crate) fn set_kind(&mut self, node: u32, kind: NodeKind, raw_type: &str) {
        if let Some(node) = self.nodes.get_mut(node as usize) {
            node.kind = kind;
            node.raw_type = Some(raw_type.into());
        }
    }

    /// Counts one observation of a node.
    pub(crate) fn observe_node(
        &mut self,
        node: u32,
        start: Option<Timestamp>,
        end: Option<Timestamp>,
        error: bool,
    ) {
        self.window.widen(start, end);
        if let Some(node) = self.nodes.get_mut(node as usize) {
            node.own.add(start, end, error);
        }
    }

    /// The interned index of an operation name.
    pub(crate) fn operation(&mut self, operation: &str) -> u32 {
        if let Some(&index) = self.by_operation.get(operation) {
            return index;
        }
        let index = self.operations.len() as u32;
        self.operations.push(operation.to_owned());
        self.by_operation.insert(operation.to_owned(), index);
        index
    }

    /// Counts one observation of `from -kind-> to` doing `operation`.
    #[expect(
        clippy::too_many_arguments,
        reason = "one observation's facts, stated once per span or event"
    )]
    pub(crate) fn observe_edge(
        &mut self,
        from: u32,
        to: u32,
        kind: EdgeKind,
        operation: &str,
        start: Option<Timestamp>,
        end: Option<Timestamp>,
        error: bool,
    ) {
        let operation = self.operation(operation);
        self.observe_edge_op(from, to, kind, operation, start, end, error);
    }

    /// [`Observations::observe_edge`] with an interned operation.
    #[expect(
        clippy::too_many_arguments,
        reason = "one observation's facts, stated once per span or event"
    )]
    pub(crate) fn observe_edge_op(
        &mut self,
        from: u32,
        to: u32,
        kind: EdgeKind,
        operation: u32,
        start: Option<Timestamp>,
        end: Option<Timestamp>,
        error: bool,
    ) {
        self.window.widen(start, end);
        self.edges
            .entry((from, to, kind, operation))
            .or_default()
            .add(start, end, error);
        if let Some(node) = self.nodes.get_mut(to as usize) {
            node.received.add(start, end, error);
        }
    }

    /// The fragment: nodes and edges sorted, the source pushed last.
    pub(crate) fn finish(self, source: Source) -> Fragment {
        let ids: Vec<NodeId> = self
            .nodes
            .iter()
            .map(|node| NodeId::new(node_id(node.kind, &node.name)))
            .collect();
        let mut fragment = Fragment::new();
        for (node, id) in self.nodes.into_iter().zip(&ids) {
            // A node's evidence is its own activity where it has any (a
            // service's spans, a principal's events), else what it received.
            let tally = if node.own.count > 0 {
                node.own
            } else {
                node.received
            };
            if tally.count == 0 {
                // Named, then never observed (a header without spans).
                continue;
            }
            let mut out = Node::new(id.as_str(), node.kind, node.name.as_str());
            out.raw_type = node.raw_type;
            out.aliases = node.aliases;
            let detail = format!("{} {}", node.detail, node.name);
            out.evidence
                .push(tally.evidence(self.extractor, detail, &self.display));
            fragment.nodes.push(out);
        }
        fragment.nodes.sort_by(|a, b| a.id.cmp(&b.id));
        // One edge per (from, to, kind), one evidence record per operation.
        let mut edges: BTreeMap<(&NodeId, &NodeId, EdgeKind), Vec<Evidence>> = BTreeMap::new();
        let mut sorted: Vec<_> = self.edges.into_iter().collect();
        sorted.sort_by(|a, b| {
            let key = |((from, to, kind, op), _): &((u32, u32, EdgeKind, u32), Tally)| {
                (
                    ids.get(*from as usize),
                    ids.get(*to as usize),
                    *kind,
                    self.operations.get(*op as usize),
                )
            };
            key(a).cmp(&key(b))
        });
        for ((from, to, kind, operation), tally) in sorted {
            let (Some(from), Some(to)) = (ids.get(from as usize), ids.get(to as usize)) else {
                continue;
            };
            let operation = self
                .operations
                .get(operation as usize)
                .map_or("", String::as_str);
            let detail = match self.edge_note {
                Some(note) => format!("{operation}; {note}"),
                None => operation.to_owned(),
            };
            edges
                .entry((from, to, kind))
                .or_default()
                .push(tally.evidence(self.extractor, detail, &self.display));
        }
        for ((from, to, kind), evidence) in edges {
            fragment.edges.push(Edge {
                from: from.clone().into(),
                to: to.clone().into(),
                kind,
                evidence,
            });
        }
        fragment.sources.push(source);
        fragment
    }
}

//! Building a graph from fragments: identity resolution and merging.
//!
//! Decision: merge in one batch at `build()` time, not incrementally.
//! Rationale: the result must not depend on the order fragments arrive in,
//! and a batch union-find over ids and aliases, followed by merging each
//! component with commutative rules (set union, sorted evidence, fixed
//! tie-breaks), gives that by construction. Trade-off: adding one fragment
//! to a built graph means rebuilding it.

use std::collections::hash_map::Entry;
use std::collections::{BTreeSet, HashSet};

use infrawise_core::{
    Alias, AliasKind, AttributeValue, Diagnostic, Edge, EdgeKind, Evidence, Fragment, Node, NodeId,
    NodeKind, NodeRef, Origin, Source, normalize_evidence,
};
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;
use rayon::prelude::*;
use rustc_hash::{FxBuildHasher, FxHashMap};

use crate::adjacency::{Adjacency, EdgeFacts};
use crate::link::{self, ContributionEdge, SoftEdge};

use crate::graph::{Graph, GraphEdge, GraphNode, HashIndex, for_each_value_key, hash_of};

/// Collects fragments and merges them into a [`Graph`].
///
/// ```
/// use infrawise_core::{Alias, Evidence, Fragment, Node, NodeKind};
/// use infrawise_graph::GraphBuilder;
///
/// let declared = Node::new("tf:aws_sqs_queue.orders", NodeKind::Queue, "orders")
///     .with_alias(Alias::name(NodeKind::Queue, "orders-queue"))
///     .with_evidence(Evidence::declared("terraform", "resource").at("main.tf", Some(1)));
/// let observed = Node::new("state:orders", NodeKind::Queue, "orders-queue")
///     .with_alias(Alias::name(NodeKind::Queue, "orders-queue"))
///     .with_evidence(Evidence::observed("tfstate", "instance", None));
///
/// let mut builder = GraphBuilder::new();
/// builder.add(Fragment { nodes: vec![declared], ..Fragment::new() });
/// builder.add(Fragment { nodes: vec![observed], ..Fragment::new() });
/// let graph = builder.build();
/// assert_eq!(graph.node_count(), 1);
/// assert_eq!(graph.lookup("orders-queue").map(|id| id.as_str()).ok(), Some("tf:aws_sqs_queue.orders"));
/// assert_eq!(graph.lookup("state:orders").map(|id| id.as_str()).ok(), Some("tf:aws_sqs_queue.orders"));
/// ```
#[derive(Debug, Default)]
pub struct GraphBuilder {
    fragments: Vec<Fragment>,
}

impl GraphBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        GraphBuilder::default()
    }

    /// Adds a fragment.
    pub fn add(&mut self, fragment: Fragment) -> &mut Self {
        self.fragments.push(fragment);
        self
    }

    /// Merges everything added into a graph.
    pub fn build(self) -> Graph {
        merge(self.fragments, &HashSet::new())
    }
}

impl FromIterator<Fragment> for GraphBuilder {
    fn from_iter<I: IntoIterator<Item = Fragment>>(iter: I) -> Self {
        GraphBuilder {
            fragments: iter.into_iter().collect(),
        }
    }
}

/// A union-find over node contributions.
struct DisjointSets {
    parent: Vec<u32>,
}

impl DisjointSets {
    fn new(n: usize) -> Self {
        DisjointSets {
            parent: (0..n as u32).collect(),
        }
    }

    fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let grandparent = self.parent[self.parent[x as usize] as usize];
            self.parent[x as usize] = grandparent;
            x = grandparent;
        }
        x
    }

    /// The root of `x` without path compression, for readers that hold
    /// the sets immutably.
    fn find_frozen(&self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            x = self.parent[x as usize];
        }
        x
    }

    /// Adds a new singleton set.
    fn push(&mut self) {
        self.parent.push(self.parent.len() as u32);
    }

    fn union(&mut self, a: u32, b: u32) {
        let (a, b) = (self.find(a), self.find(b));
        // Linking the larger root under the smaller keeps the result
        // independent of the order unions happen in.
        match a.cmp(&b) {
            std::cmp::Ordering::Less => self.parent[b as usize] = a,
            std::cmp::Ordering::Greater => self.parent[a as usize] = b,
            std::cmp::Ordering::Equal => {}
        }
    }
}

/// How a node reference that names nothing known is turned into a
/// placeholder contribution.
fn placeholder_for(node_ref: &NodeRef) -> Node {
    match node_ref {
        NodeRef::Id(id) => Node::new(id.as_str(), NodeKind::Other, id.as_str()),
        NodeRef::Alias(alias) => {
            let kind = alias.implied_node_kind().unwrap_or(NodeKind::Other);
            let mut node = Node::new(format!("unresolved:{alias}"), kind, alias.value.clone());
            node.aliases.insert(alias.clone());
            node
        }
    }
}

/// The rank used to pick which contribution names the merged node: a
/// specific kind beats a generic one, a real node beats a placeholder,
/// declared beats inferred beats observed, then the smallest id.
fn representative_key(node: &Node, placeholder: bool) -> impl Ord + '_ {
    let best_origin = node
        .evidence
        .iter()
        .map(|e| e.origin)
        .min()
        .unwrap_or(Origin::Observed);
    (
        node.kind.is_generic(),
        placeholder,
        best_origin,
        &node.id,
        node.kind,
        &node.name,
        &node.raw_type,
        &node.scope,
    )
}

/// An edge with resolved ends, before parallel edges are merged.
type KeyedEdge = (NodeIndex<u32>, NodeIndex<u32>, EdgeKind, Vec<Evidence>);

/// Contributions by id and by alias while the graph is built.
///
/// Keyed by 64-bit hashes, not by copies of the ids and aliases (which the
/// contributions hold already): on a million-edge input the copies were
/// most of the build's memory beyond its input. A hash names the first
/// contribution whose key has it; the key is confirmed against that
/// contribution, and a different key with the same hash (which practically
/// never happens) goes to an exact table.
struct Registry {
    ids: Keyed<NodeId>,
    aliases: Keyed<Alias>,
}

/// Contributions by one kind of key: a hash names the first contribution
/// whose key has it, and a different key with the same hash goes to an
/// exact table.
struct Keyed<K> {
    by_hash: FxHashMap<u64, u32>,
    collisions: FxHashMap<K, u32>,
}

fn hash64<T: std::hash::Hash + ?Sized>(key: &T) -> u64 {
    use std::hash::BuildHasher;
    FxBuildHasher.hash_one(key)
}

impl<K: std::hash::Hash + Eq + Clone> Keyed<K> {
    fn with_capacity(capacity: usize) -> Self {
        Keyed {
            by_hash: FxHashMap::with_capacity_and_hasher(capacity, FxBuildHasher),
            collisions: FxHashMap::default(),
        }
    }

    /// The contribution registered under `key`; `has(i)` says whether
    /// contribution `i` has the key.
    fn get(&self, key: &K, has: impl Fn(u32) -> bool) -> Option<u32> {
        match self.by_hash.get(&hash64(key)) {
            Some(&index) if has(index) => Some(index),
            Some(_) => self.collisions.get(key).copied(),
            None => None,
        }
    }

    /// Registers `index` under `key` unless a contribution is registered
    /// there already; returns that one.
    fn insert(&mut self, key: &K, index: u32, has: impl Fn(u32) -> bool) -> Option<u32> {
        self.insert_hashed(hash64(key), key, index, has)
    }

    /// [`Keyed::insert`] with the key's [`hash64`] worked out already.
    fn insert_hashed(
        &mut self,
        hash: u64,
        key: &K,
        index: u32,
        has: impl Fn(u32) -> bool,
    ) -> Option<u32> {
        match self.by_hash.entry(hash) {
            Entry::Vacant(slot) => {
                slot.insert(index);
                None
            }
            Entry::Occupied(slot) if has(*slot.get()) => Some(*slot.get()),
            Entry::Occupied(_) => match self.collisions.entry(key.clone()) {
                Entry::Occupied(slot) => Some(*slot.get()),
                Entry::Vacant(slot) => {
                    slot.insert(index);
                    None
                }
            },
        }
    }
}

impl Registry {
    fn with_capacity(capacity: usize) -> Self {
        Registry {
            ids: Keyed::with_capacity(capacity),
            aliases: Keyed::with_capacity(capacity),
        }
    }

    /// The contribution registered under `id`.
    fn id(&self, nodes: &[Node], id: &NodeId) -> Option<u32> {
        self.ids.get(id, |i| nodes[i as usize].id == *id)
    }

    /// The contribution registered under `alias`.
    fn alias(&self, nodes: &[Node], alias: &Alias) -> Option<u32> {
        self.aliases
            .get(alias, |i| nodes[i as usize].aliases.contains(alias))
    }

    /// Registers `index` under `id`; returns the contribution registered
    /// there already, if any.
    fn insert_id(&mut self, nodes: &[Node], id: &NodeId, index: u32) -> Option<u32> {
        self.ids.insert(id, index, |i| nodes[i as usize].id == *id)
    }

    /// Registers `index` under `alias`; returns the contribution registered
    /// there already, if any.
    fn insert_alias(&mut self, nodes: &[Node], alias: &Alias, index: u32) -> Option<u32> {
        self.insert_alias_hashed(nodes, hash64(alias), alias, index)
    }

    /// [`Registry::insert_alias`] with the alias's [`hash64`] worked out
    /// already.
    fn insert_alias_hashed(
        &mut self,
        nodes: &[Node],
        hash: u64,
        alias: &Alias,
        index: u32,
    ) -> Option<u32> {
        self.aliases.insert_hashed(hash, alias, index, |i| {
            nodes[i as usize].aliases.contains(alias)
        })
    }

    /// The contribution a reference names, if it is registered.
    fn node_ref(&self, nodes: &[Node], node_ref: &NodeRef) -> Option<u32> {
        match node_ref {
            NodeRef::Id(id) => self.id(nodes, id),
            NodeRef::Alias(alias) => self.alias(nodes, alias),
        }
    }
}

/// Whether an alias makes contributions one thing. Handler keys are lookup
/// keys for linking, not identity: two symbols answering to one key are an
/// ambiguity, not one thing.
fn is_identity(alias: &Alias) -> bool {
    alias.kind != AliasKind::Handler
}

/// An edge end [`resolve_ends`] did not find (or did not look for).
const UNRESOLVED: u32 = u32::MAX;

/// Nodes or edges below which a pass of the build runs on the calling
/// thread. Splitting pays on large graphs; on a scan's graph of thousands,
/// built while the pool frees the syntax trees, the split passes waited on
/// the freeing and made the build slower (terraform-aws-eks: 7.5 ms to
/// 9.3 ms).
const PARALLEL_MIN: usize = 1 << 16;

/// Takes the items of a vector from the back, giving its memory back as
/// it empties, so that a large input is not held twice while it is turned
/// into something else. The build's result does not depend on item order.
struct Shrinking<T>(Vec<T>);

impl<T> Iterator for Shrinking<T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        const STEP: usize = 1 << 16;
        let item = self.0.pop()?;
        if self.0.len().is_multiple_of(STEP) && self.0.capacity() - self.0.len() >= STEP {
            self.0.shrink_to_fit();
        }
        Some(item)
    }
}

/// The contributions each edge's ends name, list by list and in list
/// order, or [`UNRESOLVED`] where an end names nothing registered (or is a
/// soft alias, which is linked later). Read-only, so a large input's are
/// looked up on every core.
fn resolve_ends(
    edge_lists: &[Vec<Edge>],
    nodes: &[Node],
    registry: &Registry,
    parallel_min: usize,
) -> Vec<Vec<(u32, u32)>> {
    let find = |node_ref: &NodeRef| registry.node_ref(nodes, node_ref).unwrap_or(UNRESOLVED);
    edge_lists
        .iter()
        .map(|list| {
            list.par_iter()
                .with_min_len(parallel_min)
                .map(|edge| {
                    let to = if link::is_soft(&edge.to) {
                        UNRESOLVED
                    } else {
                        find(&edge.to)
                    };
                    (find(&edge.from), to)
                })
                .collect()
        })
        .collect()
}

/// Merges fragments. `placeholders` marks, by id, nodes that must be
/// treated as unresolved placeholders (used when loading a saved graph).
pub(crate) fn merge(fragments: Vec<Fragment>, placeholders: &HashSet<NodeId>) -> Graph {
    merge_from(fragments, placeholders, PARALLEL_MIN)
}

/// [`merge`], with the passes split across the pool from `parallel_min`
/// nodes or edges up (the tests compare every split with none).
fn merge_from(
    fragments: Vec<Fragment>,
    placeholders: &HashSet<NodeId>,
    parallel_min: usize,
) -> Graph {
    // The input is consumed as it is used, never held twice: the largest
    // fragment's node vector becomes the contribution list, the others are
    // moved into it from the back as they shrink, and edges stay in their
    // fragments' vectors until their ends are resolved.
    let mut fragments = fragments;
    let largest = (0..fragments.len()).max_by_key(|&i| fragments[i].nodes.len());
    let mut nodes: Vec<Node> =
        largest.map_or_else(Vec::new, |i| std::mem::take(&mut fragments[i].nodes));
    let mut edge_lists: Vec<Vec<Edge>> = Vec::new();
    let mut sources: BTreeSet<Source> = BTreeSet::new();
    let mut diagnostics: BTreeSet<Diagnostic> = BTreeSet::new();
    for fragment in fragments {
        nodes.extend(Shrinking(fragment.nodes));
        edge_lists.push(fragment.edges);
        sources.extend(fragment.sources);
        diagnostics.extend(fragment.diagnostics);
    }
    // Every node passes here on its way to every output: withhold what a
    // parser stored without going through `set_attribute`, and what only
    // two attributes together show to be secret. Node by node, on every
    // core: redaction reads every attribute and needs no other node.
    // Beside it, while each node is in cache, its aliases are hashed for
    // the registry, which then reads no alias's text unless two hashes
    // meet (on one thread below `PARALLEL_MIN` nodes).
    let alias_hashes: Vec<u64> = nodes
        .par_iter_mut()
        .with_min_len(parallel_min)
        .flat_map_iter(|node| {
            infrawise_core::secret::redact_node(node);
            let node: &Node = node;
            node.aliases.iter().filter(|a| is_identity(a)).map(hash64)
        })
        .collect();
    let mut is_placeholder: Vec<bool> = nodes
        .iter()
        .map(|node| placeholders.contains(&node.id))
        .collect();

    // Index every id and alias to the first contribution naming it; later
    // contributions naming the same thing are unioned with it.
    let mut registry = Registry::with_capacity(nodes.len());
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    let mut alias_hash = alias_hashes.into_iter();
    for index in 0..nodes.len() {
        let node = &nodes[index];
        let index = index as u32;
        if let Some(other) = registry.insert_id(&nodes, &node.id, index) {
            pairs.push((index, other));
        }
        for alias in node.aliases.iter().filter(|a| is_identity(a)) {
            let hash = alias_hash.next().unwrap_or_else(|| hash64(alias));
            if let Some(other) = registry.insert_alias_hashed(&nodes, hash, alias, index) {
                pairs.push((index, other));
            }
        }
    }
    // The ends of the edges that name known contributions, looked up
    // apart (on every core, for a large input): most ends name one, and
    // reading the node that confirms it is a cache miss. What names
    // nothing is resolved below, in order.
    let ends = resolve_ends(&edge_lists, &nodes, &registry, parallel_min);

    // Edge ends that name nothing known become placeholder contributions,
    // one per distinct reference.
    let resolve = |node_ref: &NodeRef,
                   nodes: &mut Vec<Node>,
                   is_placeholder: &mut Vec<bool>,
                   registry: &mut Registry|
     -> u32 {
        registry.node_ref(nodes, node_ref).unwrap_or_else(|| {
            let index = nodes.len() as u32;
            nodes.push(placeholder_for(node_ref));
            is_placeholder.push(true);
            let node = &nodes[index as usize];
            registry.insert_id(nodes, &node.id, index);
            for alias in &node.aliases {
                registry.insert_alias(nodes, alias, index);
            }
            index
        })
    };
    let mut soft_edges: Vec<SoftEdge> = Vec::new();
    // Grown, not reserved: it fills as the fragments' edge vectors shrink.
    let mut edges: Vec<ContributionEdge> = Vec::new();
    let edge_count: usize = edge_lists.iter().map(Vec::len).sum();
    let edges_and_ends = edge_lists
        .into_iter()
        .zip(ends)
        .flat_map(|(list, ends)| Shrinking(list).zip(ends.into_iter().rev()));
    // The references, done with, are dropped on the pool when there are
    // many: dropping one writes to its shared id's count, in memory another
    // core wrote last.
    rayon::in_place_scope(|scope| {
        let mut spent = Litter::new(scope);
        spent.inline = edge_count < parallel_min;
        for (edge, (from, to)) in edges_and_ends {
            let Edge {
                from: from_ref,
                to: to_ref,
                kind,
                evidence,
            } = edge;
            let from = if from == UNRESOLVED {
                resolve(&from_ref, &mut nodes, &mut is_placeholder, &mut registry)
            } else {
                from
            };
            match (link::is_soft(&to_ref), to_ref) {
                (true, NodeRef::Alias(alias)) => {
                    soft_edges.push(SoftEdge {
                        from,
                        alias,
                        kind,
                        evidence,
                    });
                    spent.push((from_ref, None));
                }
                (_, to_ref) => {
                    let to = if to == UNRESOLVED {
                        resolve(&to_ref, &mut nodes, &mut is_placeholder, &mut registry)
                    } else {
                        to
                    };
                    edges.push((from, to, kind, evidence));
                    spent.push((from_ref, Some(to_ref)));
                }
            }
        }
    });
    drop(registry);

    let mut sets = DisjointSets::new(nodes.len());
    for (a, b) in pairs {
        sets.union(a, b);
    }

    // The soft edges, which need the components to be known, are linked.
    if !soft_edges.is_empty() {
        let linked = {
            let root = |index: u32| sets.find_frozen(index);
            link::link(&nodes, &root, &edges, soft_edges)
        };
        let first_placeholder = nodes.len() as u32;
        for node in linked.placeholders {
            nodes.push(node);
            is_placeholder.push(true);
            sets.push();
        }
        edges.extend(linked.edges.into_iter().map(|(from, to, kind, evidence)| {
            let to = if to > u32::MAX / 2 {
                first_placeholder + (u32::MAX - to)
            } else {
                to
            };
            (from, to, kind, evidence)
        }));
        diagnostics.extend(linked.diagnostics);
    }

    // Group contributions by component. A component's root is its
    // smallest member (a union links the larger root under the smaller),
    // so ordering members by (root, index) puts each component's members
    // together, in input order, and the components in the order of their
    // first members; with no unions, that is the input order as it is.
    let roots: Vec<u32> = (0..nodes.len() as u32).map(|i| sets.find(i)).collect();
    let unions = roots.iter().zip(0u32..).any(|(&root, index)| root != index);
    // By component root: the merged node's index in the graph.
    let mut index_of_root: Vec<u32> = vec![u32::MAX; roots.len()];
    let mut inner: DiGraph<GraphNode, GraphEdge, u32>;
    if !unions && nodes.is_sorted_by(|a, b| a.id <= b.id) {
        // Every contribution is a thing of its own, and they come in id
        // order (a fragment its parser finished): each becomes its graph
        // node as it stands, neither grouped nor sorted nor moved through
        // lists of their own (three copies of every node, in fresh memory).
        inner = DiGraph::with_capacity(nodes.len(), edges.len());
        for ((node, placeholder), slot) in nodes
            .into_iter()
            .zip(is_placeholder)
            .zip(&mut index_of_root)
        {
            *slot = inner.add_node(merge_one(node, placeholder)).index() as u32;
        }
    } else {
        let mut order: Vec<u32> = (0..nodes.len() as u32).collect();
        if unions {
            order.sort_unstable_by_key(|&i| (roots[i as usize], i));
        }
        let mut slots: Vec<Option<Node>> = nodes.into_iter().map(Some).collect();
        let mut take = |member: u32| {
            slots[member as usize]
                .take()
                .map(|node| (node, is_placeholder[member as usize]))
        };
        let components = roots
            .iter()
            .zip(0u32..)
            .filter(|&(&root, index)| root == index)
            .count();
        let mut merged: Vec<(GraphNode, u32)> = Vec::with_capacity(components);
        for members in order.chunk_by(|&a, &b| roots[a as usize] == roots[b as usize]) {
            let contributions: Vec<(Node, bool)> = match members {
                // Most things are named once: no list to merge.
                [member] => match take(*member) {
                    Some((node, placeholder)) => {
                        merged.push((merge_one(node, placeholder), *member));
                        continue;
                    }
                    None => continue,
                },
                _ => members.iter().filter_map(|&m| take(m)).collect(),
            };
            merged.push((merge_component(contributions), members[0]));
        }
        drop(slots);
        sort_by_id(&mut merged);

        inner = DiGraph::with_capacity(merged.len(), edges.len());
        for (node, member) in merged {
            let index = inner.add_node(node);
            index_of_root[roots[member as usize] as usize] = index.index() as u32;
        }
    }
    let node_of = |contribution: u32| -> Option<NodeIndex<u32>> {
        let root = *roots.get(contribution as usize)?;
        let index = index_of_root[root as usize];
        (index != u32::MAX).then(|| NodeIndex::new(index as usize))
    };

    // Sorting by (from, to, kind) puts parallel edges next to each other
    // and the edges in output order; each run becomes one edge.
    let mut keyed: Vec<KeyedEdge> = edges
        .into_iter()
        .filter_map(|(from, to, kind, evidence)| {
            Some((node_of(from)?, node_of(to)?, kind, evidence))
        })
        .collect();
    // The edges were taken from the back of their fragments' lists;
    // reversed, a fragment whose edges came sorted (by ids, which order
    // the nodes) gives them sorted here already.
    keyed.reverse();
    if !keyed.is_sorted_by_key(|(from, to, kind, _)| (*from, *to, *kind)) {
        keyed.sort_unstable_by_key(|(from, to, kind, _)| (*from, *to, *kind));
    }
    let mut edge_evidence: Vec<Evidence> =
        Vec::with_capacity(keyed.iter().map(|(_, _, _, evidence)| evidence.len()).sum());
    // Each edge's evidence moves into one shared list; the vectors it
    // came in are freed on another core, which the build leaves idle.
    rayon::in_place_scope(|scope| {
        let mut emptied = Litter::new(scope);
        let mut keyed = keyed.into_iter().peekable();
        while let Some((from, to, kind, mut evidence)) = keyed.next() {
            while let Some((_, _, _, mut more)) =
                keyed.next_if(|next| (next.0, next.1, next.2) == (from, to, kind))
            {
                evidence.append(&mut more);
                emptied.push(more);
            }
            normalize_evidence(&mut evidence);
            let start = edge_evidence.len();
            edge_evidence.append(&mut evidence);
            emptied.push(evidence);
            let edge = GraphEdge::new(kind, &edge_evidence[start..], start);
            inner.add_edge(from, to, edge);
        }
        drop(emptied);
        index_graph(
            inner,
            edge_evidence,
            sources.into_iter().collect(),
            diagnostics.into_iter().collect(),
        )
    })
}

/// Things the build is done with, handed in batches to the thread pool
/// to free. Freeing a small allocation that another thread made, long
/// after, is a cache miss and often a lock; the build runs on one core
/// while the pool has others.
struct Litter<'a, 'scope, T: Send + 'scope> {
    scope: &'a rayon::Scope<'scope>,
    batch: Vec<T>,
    /// Whether items are dropped where they are pushed: too few to be
    /// worth a task.
    inline: bool,
}

impl<'a, 'scope, T: Send + 'scope> Litter<'a, 'scope, T> {
    /// Items per batch: enough to make a task worth spawning, few enough
    /// that a million-edge build never holds much it is done with.
    const BATCH: usize = 4096;

    fn new(scope: &'a rayon::Scope<'scope>) -> Self {
        Litter {
            scope,
            batch: Vec::new(),
            inline: false,
        }
    }

    fn push(&mut self, item: T) {
        if self.inline {
            return;
        }
        if self.batch.capacity() == 0 {
            self.batch.reserve_exact(Self::BATCH);
        }
        self.batch.push(item);
        if self.batch.len() == Self::BATCH {
            self.flush();
        }
    }

    fn flush(&mut self) {
        let batch = std::mem::take(&mut self.batch);
        if !batch.is_empty() {
            self.scope.spawn(move |_| drop(batch));
        }
    }
}

impl<T: Send> Drop for Litter<'_, '_, T> {
    fn drop(&mut self) {
        self.flush();
    }
}

/// Sorts merged nodes by id, stably. The order is worked out on indices
/// and then applied by swaps, each node moved about once: a merged node
/// is large, and a comparison sort would move it log n times.
fn sort_by_id(merged: &mut [(GraphNode, u32)]) {
    // A fragment whose nodes came sorted by id gives them in order here.
    if merged.is_sorted_by(|a, b| a.0.node.id <= b.0.node.id) {
        return;
    }
    let mut order: Vec<u32> = (0..merged.len() as u32).collect();
    order.sort_by(|&a, &b| {
        merged[a as usize]
            .0
            .node
            .id
            .cmp(&merged[b as usize].0.node.id)
    });
    // `target[i]`: where the node now at `i` goes.
    let mut target = vec![0u32; order.len()];
    for (position, &from) in order.iter().enumerate() {
        target[from as usize] = position as u32;
    }
    for i in 0..merged.len() {
        while target[i] as usize != i {
            let j = target[i] as usize;
            merged.swap(i, j);
            target.swap(i, j);
        }
    }
}

/// Builds the lookup tables of a graph whose nodes and edges are in place.
pub(crate) fn index_graph(
    inner: DiGraph<GraphNode, GraphEdge, u32>,
    mut edge_evidence: Vec<Evidence>,
    sources: Vec<Source>,
    diagnostics: Vec<Diagnostic>,
) -> Graph {
    let mut inner = inner;
    inner.shrink_to_fit();
    edge_evidence.shrink_to_fit();
    let mut buffer = String::new();
    let mut merged_ids = Vec::new();
    let mut aliases = Vec::new();
    let mut values = Vec::new();
    for index in inner.node_indices() {
        let position = index.index() as u32;
        let graph_node = &inner[index];
        merged_ids.extend(
            graph_node
                .merged_ids
                .iter()
                .map(|id| (hash_of(id.as_str()), position)),
        );
        aliases.extend(
            graph_node
                .node
                .aliases
                .iter()
                .map(|alias| (hash_of(alias), position)),
        );
        for_each_value_key(&graph_node.node, &mut buffer, |key| {
            values.push((hash_of(key), position));
        });
    }
    let mut forward = Vec::with_capacity(inner.edge_count());
    let mut backward = Vec::with_capacity(inner.edge_count());
    for edge in inner.edge_references() {
        let (from, to) = (edge.source().index() as u32, edge.target().index() as u32);
        let facts = EdgeFacts::of(edge.id().index() as u32, edge.weight());
        forward.push((from, to, facts));
        backward.push((to, from, facts));
    }
    let outgoing = Adjacency::build(inner.node_count(), &forward);
    let incoming = Adjacency::build(inner.node_count(), &backward);
    Graph {
        inner,
        edge_evidence,
        by_merged_id: HashIndex::new(merged_ids),
        by_alias: HashIndex::new(aliases),
        by_value: HashIndex::new(values),
        sources,
        diagnostics,
        incoming,
        outgoing,
    }
}

/// Merges the contributions of one real thing into one node.
fn merge_component(mut contributions: Vec<(Node, bool)>) -> GraphNode {
    contributions
        .sort_by(|(a, pa), (b, pb)| representative_key(a, *pa).cmp(&representative_key(b, *pb)));
    let unresolved = contributions.iter().all(|(_, placeholder)| *placeholder);
    let mut iter = contributions.into_iter();
    let Some((mut node, _)) = iter.next() else {
        return GraphNode {
            node: Node::new("", NodeKind::Other, ""),
            merged_ids: Vec::new(),
            unresolved: true,
        };
    };
    let mut merged_ids = Vec::new();
    for (other, _) in iter {
        if other.id != node.id {
            merged_ids.push(other.id);
        }
        if node.raw_type.is_none() {
            node.raw_type = other.raw_type;
        }
        if node.scope.is_none() {
            node.scope = other.scope;
        }
        node.aliases.extend(other.aliases);
        node.evidence.extend(other.evidence);
        node.attributes.merge(other.attributes, |existing, new| {
            attribute_rank(new) < attribute_rank(existing)
        });
    }
    normalize_evidence(&mut node.evidence);
    node.aliases.shrink_to_fit();
    merged_ids.sort_unstable();
    merged_ids.dedup();
    merged_ids.shrink_to_fit();
    GraphNode {
        node,
        merged_ids,
        unresolved,
    }
}

/// A thing named by one contribution alone: [`merge_component`] of one,
/// without the list.
fn merge_one(mut node: Node, placeholder: bool) -> GraphNode {
    normalize_evidence(&mut node.evidence);
    node.aliases.shrink_to_fit();
    GraphNode {
        node,
        merged_ids: Vec::new(),
        unresolved: placeholder,
    }
}

/// When two inputs of the same origin give an attribute different values,
/// a withheld value beats everything (one source calling it secret is
/// enough), a known value beats an unknown one, and otherwise the smaller
/// text wins, so the outcome does not depend on input order.
fn attribute_rank(value: &AttributeValue) -> (u8, String) {
    match value {
        AttributeValue::Redacted { reason } => (0, reason.clone()),
        AttributeValue::Known(value) => (1, value.to_string()),
        AttributeValue::Unknown { expression } => (2, expression.clone()),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use infrawise_core::{Edge, EdgeKind, Evidence, Fragment, NodeId};

    use super::merge_from;
    use crate::synthetic::{SyntheticOptions, generate};

    /// Every pass split as finely as the pool allows builds the graph that
    /// the passes on one thread build: the same export, the same edges in
    /// and out of each node, and every node found by each of its keys.
    #[test]
    fn split_passes_build_the_graph_one_thread_builds() {
        let mut fragments = generate(&SyntheticOptions::with_edges(20_000));
        // Ends that name nothing here become placeholders, in order.
        let evidence = Evidence::declared("terraform", "resource").at("main.tf", Some(1));
        let edge = |from: &str, to: &str| {
            Edge::new(
                NodeId::new(from),
                NodeId::new(to),
                EdgeKind::DependsOn,
                evidence.clone(),
            )
        };
        fragments.push(Fragment {
            edges: vec![
                edge("syn:n0000001", "missing:a"),
                edge("missing:b", "syn:n0000002"),
                edge("missing:b", "missing:a"),
            ],
            ..Fragment::new()
        });
        let one = merge_from(fragments.clone(), &HashSet::new(), usize::MAX);
        let split = merge_from(fragments, &HashSet::new(), 1);
        assert_eq!(split.to_json(), one.to_json());
        assert!(one.node(&NodeId::new("missing:b")).is_some());
        for node in one.nodes() {
            let id = &node.node.id;
            let out = |graph: &crate::Graph| graph.outgoing(id).len();
            let into = |graph: &crate::Graph| graph.incoming(id).len();
            assert_eq!((out(&split), into(&split)), (out(&one), into(&one)));
            let keys = node
                .node
                .aliases
                .iter()
                .map(ToString::to_string)
                .chain(node.merged_ids.iter().map(|id| id.as_str().to_owned()))
                .chain([id.as_str().to_owned()]);
            for key in keys {
                let found = |graph: &crate::Graph| graph.lookup(&key).ok().cloned();
                assert_eq!(found(&split), Some(id.clone()), "{key}");
                assert_eq!(found(&one), Some(id.clone()), "{key}");
            }
        }
    }
}

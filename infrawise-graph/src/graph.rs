//! The merged graph and lookups on it.

use std::hash::{Hash, Hasher};

use rustc_hash::FxHasher;

use infrawise_core::{
    Alias, AliasKind, Diagnostic, EdgeKind, Evidence, Node, NodeId, Origin, OriginSet, Source,
};
use petgraph::graph::{DiGraph, EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;
use serde::{Deserialize, Serialize};

use crate::Error;
use crate::adjacency::Adjacency;

/// The id of an edge within one [`Graph`]. Edge ids are dense and follow
/// the graph's sorted edge order, so they are stable for the same inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EdgeId(pub u32);

/// A node of the merged graph: the core [`Node`] with every alias and all
/// evidence of the inputs that named it.
#[derive(Clone, Debug, PartialEq)]
pub struct GraphNode {
    /// The merged node.
    pub node: Node,
    /// The ids of the other inputs' nodes merged into this one, sorted;
    /// lookups by them find this node.
    pub merged_ids: Vec<NodeId>,
    /// True for a node that nothing declared or observed, created because an
    /// edge referred to an alias no input defines (a dangling reference).
    pub unresolved: bool,
}

/// An edge of the merged graph: `from` depends on `to`, with the evidence of
/// every input that stated it.
#[derive(Clone, Debug, PartialEq)]
pub struct GraphEdge {
    /// How `from` depends on `to`.
    pub kind: EdgeKind,
    /// Where the edge's evidence starts in the graph's evidence list.
    evidence_start: u32,
    /// How many pieces of evidence the edge has.
    evidence_len: u32,
    /// The origins of the evidence (precomputed for filters).
    pub(crate) origins: OriginSet,
    /// The highest confidence among inferred evidence, 0 if none.
    pub(crate) max_inferred_confidence: f32,
}

impl GraphEdge {
    /// An edge whose evidence is `evidence`, found at `start` in the
    /// graph's evidence list.
    pub(crate) fn new(kind: EdgeKind, evidence: &[Evidence], start: usize) -> Self {
        let origins = evidence.iter().map(|e| e.origin).collect();
        let max_inferred_confidence = evidence
            .iter()
            .filter(|e| e.origin == Origin::Inferred)
            .map(Evidence::effective_confidence)
            .fold(0.0, f64::max) as f32;
        GraphEdge {
            kind,
            evidence_start: u32::try_from(start).unwrap_or(u32::MAX),
            evidence_len: u32::try_from(evidence.len()).unwrap_or(0),
            origins,
            max_inferred_confidence,
        }
    }

    /// The origins of this edge's evidence.
    pub fn origins(&self) -> OriginSet {
        self.origins
    }

    /// The highest confidence among the edge's inferred evidence (0 if it
    /// has none), as the traversal filters compare it.
    pub fn max_inferred_confidence(&self) -> f32 {
        self.max_inferred_confidence
    }
}

/// A borrowed view of one edge with its ends and evidence.
#[derive(Clone, Copy, Debug)]
pub struct EdgeView<'g> {
    /// The edge's id.
    pub id: EdgeId,
    /// The dependent end.
    pub from: &'g NodeId,
    /// The end depended on.
    pub to: &'g NodeId,
    /// The edge.
    pub edge: &'g GraphEdge,
    /// All evidence of the edge, sorted canonically.
    pub evidence: &'g [Evidence],
}

/// The dependency graph of a system, merged from fragments.
///
/// Built by [`GraphBuilder`](crate::GraphBuilder) or loaded from JSON with
/// [`Graph::from_json`]. Nodes are stored in id order and edges in
/// `(from, to, kind)` order, so iteration and output are deterministic.
#[derive(Clone, Debug, Default)]
pub struct Graph {
    /// Nodes in id order (so an id is found by binary search) and edges.
    pub(crate) inner: DiGraph<GraphNode, GraphEdge, u32>,
    /// The evidence of every edge, edge after edge.
    ///
    /// Decision: one list for all edges' evidence, each edge holding its
    /// range, not a vector per edge. Rationale: a million edges with a
    /// vector each spent 16 bytes per edge on the vector and one heap
    /// allocation per edge; the list is built once, in edge order.
    pub(crate) edge_evidence: Vec<Evidence>,
    /// Merged-away ids to their node.
    pub(crate) by_merged_id: HashIndex,
    /// Aliases to their node.
    pub(crate) by_alias: HashIndex,
    /// Bare alias values, `kind:value` forms and names to their nodes.
    pub(crate) by_value: HashIndex,
    pub(crate) sources: Vec<Source>,
    pub(crate) diagnostics: Vec<Diagnostic>,
    /// Who depends on each node: `(dependent, edge)` per node index.
    pub(crate) incoming: Adjacency,
    /// What each node depends on: `(dependency, edge)` per node index.
    pub(crate) outgoing: Adjacency,
}

impl Graph {
    /// The number of nodes.
    pub fn node_count(&self) -> usize {
        self.inner.node_count()
    }

    /// The number of edges.
    pub fn edge_count(&self) -> usize {
        self.inner.edge_count()
    }

    /// Every node, in id order.
    pub fn nodes(&self) -> impl Iterator<Item = &GraphNode> + '_ {
        self.inner.node_weights()
    }

    /// Every edge, in `(from, to, kind)` order.
    pub fn edges(&self) -> impl Iterator<Item = EdgeView<'_>> + '_ {
        self.inner
            .edge_indices()
            .filter_map(|index| self.edge_view(index))
    }

    /// The inputs the graph was built from, sorted.
    pub fn sources(&self) -> &[Source] {
        &self.sources
    }

    /// Every diagnostic the parsers reported, sorted.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// The node with this exact id.
    pub fn node(&self, id: &NodeId) -> Option<&GraphNode> {
        self.index_of(id.as_str()).map(|index| &self.inner[index])
    }

    /// The index of the node with id `id`, or of the node it was merged into.
    pub(crate) fn index_of(&self, id: &str) -> Option<NodeIndex<u32>> {
        let nodes = self.inner.raw_nodes();
        if let Ok(at) = nodes.binary_search_by(|n| n.weight.node.id.as_str().cmp(id)) {
            return Some(NodeIndex::new(at));
        }
        self.by_merged_id.candidates(hash_of(id)).find(|&index| {
            self.inner[index]
                .merged_ids
                .binary_search_by(|m| m.as_str().cmp(id))
                .is_ok()
        })
    }

    /// The edge with this id.
    pub fn edge(&self, id: EdgeId) -> Option<EdgeView<'_>> {
        self.edge_view(EdgeIndex::new(id.0 as usize))
    }

    /// Finds a node by id, by alias in its printed form
    /// (`name[queue]:orders`, an ARN), or by an alias's bare value
    /// (`orders`). A bare value shared by several nodes is an
    /// [`Error::Ambiguous`] listing them.
    pub fn lookup(&self, name: &str) -> Result<&NodeId, Error> {
        self.lookup_index(name)
            .map(|index| &self.inner[index].node.id)
    }

    pub(crate) fn lookup_index(&self, name: &str) -> Result<NodeIndex<u32>, Error> {
        if let Some(index) = self.index_of(name) {
            return Ok(index);
        }
        if let Ok(alias) = name.parse::<Alias>()
            && let Some(index) = self.alias_index(&alias)
        {
            return Ok(index);
        }
        let mut candidates: Vec<NodeIndex<u32>> = self
            .by_value
            .candidates(hash_of(name))
            .filter(|&index| {
                let mut buffer = String::new();
                let mut matches = false;
                for_each_value_key(&self.inner[index].node, &mut buffer, |key| {
                    matches |= key == name;
                });
                matches
            })
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        match candidates.as_slice() {
            [index] => Ok(*index),
            [] => Err(Error::NotFound(name.to_owned())),
            _ => Err(Error::Ambiguous {
                name: name.to_owned(),
                candidates: candidates
                    .iter()
                    .map(|&i| self.inner[i].node.id.clone())
                    .collect(),
            }),
        }
    }

    /// Records ids merged into nodes after the build (`(merged id, node id)`
    /// pairs; a saved graph lists them on its nodes).
    pub(crate) fn add_merged_ids(&mut self, pairs: Vec<(NodeId, NodeId)>) {
        if pairs.is_empty() {
            return;
        }
        for (merged, id) in pairs {
            if let Some(index) = self.index_of(id.as_str()) {
                let ids = &mut self.inner[index].merged_ids;
                if let Err(at) = ids.binary_search(&merged) {
                    ids.insert(at, merged);
                }
            }
        }
        let entries = self
            .inner
            .node_indices()
            .flat_map(|index| {
                let position = index.index() as u32;
                self.inner[index]
                    .merged_ids
                    .iter()
                    .map(move |id| (hash_of(id.as_str()), position))
            })
            .collect();
        self.by_merged_id = HashIndex::new(entries);
    }

    /// The node that has `alias`.
    pub(crate) fn alias_index(&self, alias: &Alias) -> Option<NodeIndex<u32>> {
        self.by_alias
            .candidates(hash_of(alias))
            .find(|&index| self.inner[index].node.aliases.contains(alias))
    }

    pub(crate) fn edge_view(&self, index: EdgeIndex<u32>) -> Option<EdgeView<'_>> {
        let (from, to) = self.inner.edge_endpoints(index)?;
        Some(EdgeView {
            id: EdgeId(index.index() as u32),
            from: &self.inner[from].node.id,
            to: &self.inner[to].node.id,
            edge: &self.inner[index],
            evidence: self.evidence_of(&self.inner[index]),
        })
    }

    /// The evidence of `edge`, an edge of this graph, sorted canonically.
    pub fn evidence_of(&self, edge: &GraphEdge) -> &[Evidence] {
        let start = edge.evidence_start as usize;
        self.edge_evidence
            .get(start..start + edge.evidence_len as usize)
            .unwrap_or_default()
    }

    /// The edges out of the node `id` (what it depends on), in edge order.
    pub fn outgoing(&self, id: &NodeId) -> Vec<EdgeView<'_>> {
        self.adjacent(id, petgraph::Direction::Outgoing)
    }

    /// The edges into the node `id` (what depends on it), in edge order.
    pub fn incoming(&self, id: &NodeId) -> Vec<EdgeView<'_>> {
        self.adjacent(id, petgraph::Direction::Incoming)
    }

    fn adjacent(&self, id: &NodeId, direction: petgraph::Direction) -> Vec<EdgeView<'_>> {
        let Some(index) = self.index_of(id.as_str()) else {
            return Vec::new();
        };
        let mut edges: Vec<EdgeView<'_>> = self
            .inner
            .edges_directed(index, direction)
            .filter_map(|edge| self.edge_view(edge.id()))
            .collect();
        edges.sort_by_key(|edge| edge.id);
        edges
    }
}

/// The 32-bit hash the lookup tables are keyed by (both halves of a
/// 64-bit hash folded together).
pub(crate) fn hash_of<T: Hash + ?Sized>(key: &T) -> u32 {
    let mut hasher = FxHasher::default();
    key.hash(&mut hasher);
    let hash = hasher.finish();
    (hash ^ (hash >> 32)) as u32
}

/// Calls `f` with every text a bare-name lookup matches a node by: each
/// alias's value, `kind:value` for scoped aliases other than ARNs, and the
/// node's name. The `kind:value` forms are written into `buffer` rather
/// than allocated one by one.
pub(crate) fn for_each_value_key(node: &Node, buffer: &mut String, mut f: impl FnMut(&str)) {
    for alias in &node.aliases {
        f(&alias.value);
        if alias.kind != AliasKind::Arn && alias.scope.is_some() {
            // Pieces pushed, not `write!`: formatting machinery was most
            // of this function's cost.
            buffer.clear();
            buffer.push_str(alias.kind.as_str());
            buffer.push(':');
            buffer.push_str(&alias.value);
            f(buffer);
        }
    }
    f(&node.name);
}

/// A lookup table that stores no keys: `(hash of key, node)` pairs, sorted,
/// 8 bytes each.
///
/// Decision: the graph's lookup tables hold hashes, not copies of ids,
/// aliases and names. Rationale: the keys are already in the nodes, and
/// copying them into hash maps cost about 60 bytes per edge on a large
/// graph (more than the edges' own facts). Trade-off: a hit is a
/// candidate, confirmed against the node (hashes can collide), and building
/// the table sorts it.
#[derive(Clone, Debug, Default)]
pub(crate) struct HashIndex(Vec<(u32, u32)>);

impl HashIndex {
    /// A table of `(hash, node)` entries in any order.
    ///
    /// Entries listed by node, as the build lists them, are sorted by a
    /// stable radix sort on the hash alone, which leaves each hash's nodes
    /// in order: the table is the same as a comparison sort's, for a
    /// tenth of the work. Others are sorted by comparison.
    pub(crate) fn new(mut entries: Vec<(u32, u32)>) -> Self {
        /// Below this, a comparison sort is as quick as counting.
        const RADIX_MIN: usize = 256;
        if entries.len() >= RADIX_MIN && entries.is_sorted_by_key(|&(_, node)| node) {
            radix_sort_by_hash(&mut entries);
        } else {
            entries.sort_unstable();
        }
        entries.dedup();
        entries.shrink_to_fit();
        HashIndex(entries)
    }

    /// The nodes whose key may hash to `hash`.
    pub(crate) fn candidates(&self, hash: u32) -> impl Iterator<Item = NodeIndex<u32>> + '_ {
        let start = self.0.partition_point(|&(h, _)| h < hash);
        self.0[start..]
            .iter()
            .take_while(move |&&(h, _)| h == hash)
            .map(|&(_, index)| NodeIndex::new(index as usize))
    }
}

/// Sorts entries by hash, stably: three passes of eleven bits each, so a
/// pass's counters (8 KiB) stay in the first-level cache.
fn radix_sort_by_hash(entries: &mut Vec<(u32, u32)>) {
    const BITS: u32 = 11;
    const BUCKETS: usize = 1 << BITS;
    const MASK: u32 = (1 << BITS) - 1;
    let mut counts = vec![[0u32; BUCKETS]; 3];
    for &(hash, _) in entries.iter() {
        for (pass, counts) in counts.iter_mut().enumerate() {
            counts[((hash >> (pass as u32 * BITS)) & MASK) as usize] += 1;
        }
    }
    let mut from = std::mem::take(entries);
    let mut to = vec![(0u32, 0u32); from.len()];
    for (pass, counts) in counts.iter_mut().enumerate() {
        // A digit every entry shares orders nothing.
        if counts.iter().any(|&count| count as usize == from.len()) {
            continue;
        }
        let mut next = 0u32;
        for count in counts.iter_mut() {
            (*count, next) = (next, next + *count);
        }
        let shift = pass as u32 * BITS;
        for &entry in &from {
            let slot = &mut counts[((entry.0 >> shift) & MASK) as usize];
            to[*slot as usize] = entry;
            *slot += 1;
        }
        std::mem::swap(&mut from, &mut to);
    }
    *entries = from;
}

#[cfg(test)]
mod tests {
    use super::HashIndex;

    /// Entries listed by node, as the build lists them: a few hashes per
    /// node, drawn so that some repeat (the same key twice on one node,
    /// one hash on many nodes) and every digit of the radix sort varies.
    fn entries_by_node(nodes: u32, seed: u64) -> Vec<(u32, u32)> {
        let mut state = seed;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut entries = Vec::new();
        for node in 0..nodes {
            for _ in 0..next() % 4 {
                let hash = match next() % 8 {
                    0 => 7,
                    1 => u32::MAX,
                    2 => entries.last().map_or(0, |&(hash, _)| hash),
                    _ => next() as u32,
                };
                entries.push((hash, node));
            }
        }
        entries
    }

    #[test]
    fn radix_sorted_tables_equal_comparison_sorted_ones() {
        for (nodes, seed) in [(0, 1), (10, 2), (100, 3), (5_000, 4), (40_000, 5)] {
            let entries = entries_by_node(nodes, seed);
            let mut expected = entries.clone();
            expected.sort_unstable();
            expected.dedup();
            assert_eq!(HashIndex::new(entries).0, expected, "{nodes} nodes");
        }
        // Not listed by node: sorted by comparison, the same table.
        let mut entries = entries_by_node(5_000, 6);
        entries.reverse();
        let mut expected = entries.clone();
        expected.sort_unstable();
        expected.dedup();
        assert_eq!(HashIndex::new(entries).0, expected);
        // Hashes that differ only in their highest digit.
        let entries: Vec<(u32, u32)> = (0..1_000).map(|i| ((i % 2) << 31, i)).collect();
        let mut expected = entries.clone();
        expected.sort_unstable();
        assert_eq!(HashIndex::new(entries).0, expected);
    }
}

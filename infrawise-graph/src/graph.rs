//! The merged graph and lookups on it.

use std::collections::BTreeSet;

use rustc_hash::FxHashMap;

use infrawise_core::{
    Alias, Diagnostic, EdgeKind, Evidence, Node, NodeId, Origin, OriginSet, Source,
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
    /// The ids of the other inputs' nodes merged into this one; lookups by
    /// them find this node.
    pub merged_ids: BTreeSet<NodeId>,
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
    /// All evidence, sorted canonically.
    pub evidence: Vec<Evidence>,
    /// The origins of the evidence (precomputed for filters).
    pub(crate) origins: OriginSet,
    /// The highest confidence among inferred evidence, 0 if none.
    pub(crate) max_inferred_confidence: f64,
}

impl GraphEdge {
    pub(crate) fn new(kind: EdgeKind, evidence: Vec<Evidence>) -> Self {
        let origins = evidence.iter().map(|e| e.origin).collect();
        let max_inferred_confidence = evidence
            .iter()
            .filter(|e| e.origin == Origin::Inferred)
            .map(Evidence::effective_confidence)
            .fold(0.0, f64::max);
        GraphEdge {
            kind,
            evidence,
            origins,
            max_inferred_confidence,
        }
    }

    /// The origins of this edge's evidence.
    pub fn origins(&self) -> OriginSet {
        self.origins
    }
}

/// A borrowed view of one edge with its ends.
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
}

/// The dependency graph of a system, merged from fragments.
///
/// Built by [`GraphBuilder`](crate::GraphBuilder) or loaded from JSON with
/// [`Graph::from_json`]. Nodes are stored in id order and edges in
/// `(from, to, kind)` order, so iteration and output are deterministic.
#[derive(Clone, Debug, Default)]
pub struct Graph {
    pub(crate) inner: DiGraph<GraphNode, GraphEdge, u32>,
    pub(crate) ids: FxHashMap<NodeId, NodeIndex<u32>>,
    pub(crate) alias_index: FxHashMap<Alias, NodeIndex<u32>>,
    pub(crate) alias_values: FxHashMap<String, Vec<NodeIndex<u32>>>,
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
        self.ids.get(id).map(|&index| &self.inner[index])
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
        if let Some(&index) = self.ids.get(&NodeId::new(name)) {
            return Ok(index);
        }
        if let Ok(alias) = name.parse::<Alias>()
            && let Some(&index) = self.alias_index.get(&alias)
        {
            return Ok(index);
        }
        match self.alias_values.get(name).map(Vec::as_slice) {
            Some([index]) => Ok(*index),
            Some(candidates) if !candidates.is_empty() => {
                let mut ids: Vec<NodeId> = candidates
                    .iter()
                    .map(|&i| self.inner[i].node.id.clone())
                    .collect();
                ids.sort();
                ids.dedup();
                if let [_] = ids.as_slice() {
                    return Ok(candidates[0]);
                }
                Err(Error::Ambiguous {
                    name: name.to_owned(),
                    candidates: ids,
                })
            }
            _ => Err(Error::NotFound(name.to_owned())),
        }
    }

    pub(crate) fn edge_view(&self, index: EdgeIndex<u32>) -> Option<EdgeView<'_>> {
        let (from, to) = self.inner.edge_endpoints(index)?;
        Some(EdgeView {
            id: EdgeId(index.index() as u32),
            from: &self.inner[from].node.id,
            to: &self.inner[to].node.id,
            edge: &self.inner[index],
        })
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
        let Some(&index) = self.ids.get(id) else {
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

//! Compact adjacency for traversals.
//!
//! Decision: queries walk their own compressed-sparse-row arrays instead of
//! petgraph's linked edge lists. Rationale: `impact` on a 1M-edge graph
//! touches every edge; a contiguous row per node whose entries carry the
//! neighbour, the edge id and the edge's filter facts keeps that walk
//! sequential, where the linked lists and the full edge weights (with their
//! evidence vectors) would miss the cache on nearly every step.
//! Trade-off: 32 bytes per edge (both directions), built once with the graph.

use infrawise_core::{EdgeKind, Origin, OriginSet};

use crate::graph::GraphEdge;
use crate::query::TraversalOptions;

/// The position of `kind` among all edge kinds (fewer than 64).
pub(crate) fn kind_index(kind: EdgeKind) -> u8 {
    EdgeKind::ALL.iter().position(|k| *k == kind).unwrap_or(0) as u8
}

/// What a traversal needs to know about an edge, in 12 bytes: its id and
/// what the filters test.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct EdgeFacts {
    pub(crate) edge: u32,
    kind_index: u8,
    origins: OriginSet,
    max_inferred_confidence: f32,
}

impl EdgeFacts {
    pub(crate) fn of(id: u32, edge: &GraphEdge) -> Self {
        EdgeFacts {
            edge: id,
            kind_index: kind_index(edge.kind),
            origins: edge.origins,
            max_inferred_confidence: edge.max_inferred_confidence,
        }
    }
}

/// [`TraversalOptions`] compiled to bit tests.
#[derive(Clone, Copy, Debug)]
pub(crate) struct EdgeFilter {
    kinds: u64,
    certain: OriginSet,
    inferred: bool,
    min_confidence: f32,
}

impl EdgeFilter {
    pub(crate) fn new(options: &TraversalOptions) -> Self {
        let kinds = options.edge_kinds.as_ref().map_or(u64::MAX, |kinds| {
            kinds.iter().fold(0, |mask, &k| mask | 1 << kind_index(k))
        });
        let certain = options
            .origins
            .iter()
            .filter(|o| matches!(o, Origin::Declared | Origin::Observed))
            .collect();
        EdgeFilter {
            kinds,
            certain,
            inferred: options.origins.contains(Origin::Inferred),
            min_confidence: options.min_confidence as f32,
        }
    }

    /// Whether an edge passes: its kind is wanted, and it has declared or
    /// observed evidence of a wanted origin, or inferred evidence (if
    /// wanted) at or above the minimum confidence.
    #[inline]
    pub(crate) fn allows(&self, facts: &EdgeFacts) -> bool {
        self.kinds & (1 << facts.kind_index) != 0
            && (facts.origins.intersects(self.certain)
                || (self.inferred
                    && facts.origins.contains(Origin::Inferred)
                    && facts.max_inferred_confidence >= self.min_confidence))
    }
}

/// One direction of adjacency in compressed sparse rows: the neighbours
/// of node `i` are `neighbours[offsets[i]..offsets[i + 1]]`, and the facts
/// of the edges that lead to them the same range of `facts`.
///
/// Neighbours and facts are separate arrays because a traversal reads the
/// facts of an edge only when the neighbour is new: on a dense graph most
/// neighbours were reached already, and skipping them touches 4 bytes per
/// edge instead of 16.
#[derive(Clone, Debug, Default)]
pub(crate) struct Adjacency {
    offsets: Vec<u32>,
    neighbours: Vec<u32>,
    facts: Vec<EdgeFacts>,
}

impl Adjacency {
    /// Builds rows from `(node, neighbour, edge facts)` triples, keeping
    /// each row in the order the triples come (edge order).
    pub(crate) fn build(node_count: usize, triples: &[(u32, u32, EdgeFacts)]) -> Self {
        let mut offsets = vec![0u32; node_count + 1];
        for &(node, _, _) in triples {
            offsets[node as usize + 1] += 1;
        }
        for i in 0..node_count {
            offsets[i + 1] += offsets[i];
        }
        let mut cursor = offsets.clone();
        let mut neighbours = vec![0; triples.len()];
        let mut facts = vec![EdgeFacts::default(); triples.len()];
        for &(node, neighbour, edge) in triples {
            let slot = &mut cursor[node as usize];
            neighbours[*slot as usize] = neighbour;
            facts[*slot as usize] = edge;
            *slot += 1;
        }
        Adjacency {
            offsets,
            neighbours,
            facts,
        }
    }

    /// The row of `node`: its neighbours and the facts of the edges to
    /// them, position by position.
    #[inline]
    pub(crate) fn row(&self, node: u32) -> (&[u32], &[EdgeFacts]) {
        let start = self.offsets[node as usize] as usize;
        let end = self.offsets[node as usize + 1] as usize;
        (&self.neighbours[start..end], &self.facts[start..end])
    }

    /// The `(neighbour, edge facts)` pairs of `node`.
    pub(crate) fn of(&self, node: u32) -> impl Iterator<Item = (u32, EdgeFacts)> + '_ {
        let (neighbours, facts) = self.row(node);
        neighbours.iter().copied().zip(facts.iter().copied())
    }
}

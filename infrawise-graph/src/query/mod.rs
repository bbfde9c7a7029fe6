//! Queries: impact, dependencies and paths, each hit with the edges that
//! explain it.

mod context;
mod path;
mod search;
mod traverse;

use std::collections::BTreeSet;

use infrawise_core::{EdgeKind, NodeId, OriginSet};

pub use context::{Context, ContextOptions, Neighbour, context};
pub use path::{PathDirection, PathResult, path};
pub use search::{MatchQuality, SearchHit, SearchOptions, search};
pub use traverse::{dependencies, impact};

use crate::graph::EdgeId;

/// Which edges a query may follow.
#[derive(Clone, Debug, PartialEq)]
pub struct TraversalOptions {
    /// How many hops at most; `None` for no limit.
    pub max_depth: Option<usize>,
    /// Follow only these edge kinds; `None` for all.
    pub edge_kinds: Option<BTreeSet<EdgeKind>>,
    /// Follow an edge only if it has evidence of one of these origins.
    pub origins: OriginSet,
    /// Inferred evidence counts only at or above this confidence (0 to 1).
    /// Declared and observed evidence always counts.
    pub min_confidence: f64,
}

impl Default for TraversalOptions {
    fn default() -> Self {
        TraversalOptions {
            max_depth: None,
            edge_kinds: None,
            origins: OriginSet::ALL,
            min_confidence: 0.0,
        }
    }
}

/// One node reached by a traversal. Hits borrow from the graph, so a
/// traversal that reaches a whole large graph allocates one vector, not one
/// per hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hit<'g> {
    /// The node reached.
    pub id: &'g NodeId,
    /// How many hops from the root.
    pub depth: usize,
    /// The edge by which the traversal reached this node.
    pub via: EdgeId,
    /// The position in [`Reach::affected`] of the hit this one was reached
    /// from; `None` when it was reached from the root.
    pub parent: Option<usize>,
}

/// The answer of [`impact`] or [`dependencies`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reach<'g> {
    /// The node asked about.
    pub root: &'g NodeId,
    /// Every node reached, by depth then id.
    pub affected: Vec<Hit<'g>>,
    /// Whether paths run from hits to the root (impact) or from the root.
    pub(crate) towards_root: bool,
}

impl Reach<'_> {
    /// The edges that explain the hit at `position` in
    /// [`Reach::affected`], in dependency direction: for `impact`, from the
    /// hit to the root; for `dependencies`, from the root to the hit.
    /// Empty for a position out of range.
    pub fn path(&self, position: usize) -> Vec<EdgeId> {
        let mut path = Vec::new();
        let mut current = self.affected.get(position);
        while let Some(hit) = current {
            path.push(hit.via);
            current = hit.parent.and_then(|parent| self.affected.get(parent));
        }
        if !self.towards_root {
            path.reverse();
        }
        path
    }
}

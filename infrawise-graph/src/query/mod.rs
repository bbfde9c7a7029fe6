//! Queries: impact, dependencies and paths, each hit with the edges that
//! explain it.

mod path;
mod traverse;

use std::collections::BTreeSet;

use infrawise_core::{EdgeKind, NodeId, OriginSet};
use serde::Serialize;

pub use path::{PathDirection, PathResult, path};
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

/// One node reached by a traversal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Hit {
    /// The node reached.
    pub id: NodeId,
    /// How many hops from the root.
    pub depth: usize,
    /// The edges that explain the hit, in dependency direction: for
    /// `impact`, from the hit to the root; for `dependencies`, from the root
    /// to the hit.
    pub path: Vec<EdgeId>,
}

/// The answer of [`impact`] or [`dependencies`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Reach {
    /// The node asked about.
    pub root: NodeId,
    /// Every node reached, by depth then id.
    pub affected: Vec<Hit>,
}

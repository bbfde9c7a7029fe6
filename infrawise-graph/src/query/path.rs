//! The shortest explanation between two nodes.

use std::collections::VecDeque;

use petgraph::Direction;
use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;
use serde::Serialize;

use super::TraversalOptions;
use crate::Error;
use crate::graph::{EdgeId, Graph};

/// How the two nodes of a [`path`] are connected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PathDirection {
    /// `from` depends on `to` through the path.
    Forward,
    /// `to` depends on `from` through the path.
    Reverse,
    /// They are connected only if edge direction is ignored.
    Undirected,
}

/// A path between two nodes, edge by edge.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PathResult {
    /// How the nodes are connected.
    pub direction: PathDirection,
    /// The edges, from the first node to the second.
    pub path: Vec<EdgeId>,
}

/// The shortest explanation of why `from` and `to` are connected: a
/// dependency path from `from` to `to` if there is one, else one from `to`
/// to `from`, else a path ignoring edge direction. `None` when they are
/// not connected within the options' filters and depth.
pub fn path(
    graph: &Graph,
    from: &str,
    to: &str,
    options: &TraversalOptions,
) -> Result<Option<PathResult>, Error> {
    let start = graph.lookup_index(from)?;
    let goal = graph.lookup_index(to)?;
    if start == goal {
        return Ok(Some(PathResult {
            direction: PathDirection::Forward,
            path: Vec::new(),
        }));
    }
    for (direction, directions) in [
        (PathDirection::Forward, &[Direction::Outgoing][..]),
        (PathDirection::Reverse, &[Direction::Incoming][..]),
        (
            PathDirection::Undirected,
            &[Direction::Outgoing, Direction::Incoming][..],
        ),
    ] {
        if let Some(path) = shortest(graph, start, goal, directions, options) {
            return Ok(Some(PathResult { direction, path }));
        }
    }
    Ok(None)
}

fn shortest(
    graph: &Graph,
    start: NodeIndex<u32>,
    goal: NodeIndex<u32>,
    directions: &[Direction],
    options: &TraversalOptions,
) -> Option<Vec<EdgeId>> {
    let n = graph.inner.node_count();
    let mut via: Vec<Option<(NodeIndex<u32>, EdgeId)>> = vec![None; n];
    let mut depth = vec![0usize; n];
    let mut seen = vec![false; n];
    seen[start.index()] = true;
    let mut queue = VecDeque::from([start]);
    while let Some(current) = queue.pop_front() {
        if current == goal {
            let mut path = Vec::new();
            let mut node = goal;
            while let Some((previous, edge)) = via[node.index()] {
                path.push(edge);
                node = previous;
            }
            path.reverse();
            return Some(path);
        }
        if options
            .max_depth
            .is_some_and(|max| depth[current.index()] >= max)
        {
            continue;
        }
        for &direction in directions {
            // Sorted neighbours keep the chosen path stable among equals.
            let mut next: Vec<_> = graph
                .inner
                .edges_directed(current, direction)
                .filter(|edge| options.allows(edge.weight()))
                .map(|edge| {
                    let other = if edge.source() == current {
                        edge.target()
                    } else {
                        edge.source()
                    };
                    (other, edge.id())
                })
                .collect();
            next.sort_unstable();
            for (other, edge) in next {
                if !seen[other.index()] {
                    seen[other.index()] = true;
                    via[other.index()] = Some((current, EdgeId(edge.index() as u32)));
                    depth[other.index()] = depth[current.index()] + 1;
                    queue.push_back(other);
                }
            }
        }
    }
    None
}

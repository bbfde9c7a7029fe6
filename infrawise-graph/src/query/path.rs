//! The shortest explanation between two nodes.

use std::collections::VecDeque;

use serde::Serialize;

use super::TraversalOptions;
use crate::Error;
use crate::adjacency::EdgeFilter;
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
    /// The edges, in the order they are met walking from the first node to
    /// the second.
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
    let start = graph.lookup_index(from)?.index() as u32;
    let goal = graph.lookup_index(to)?.index() as u32;
    if start == goal {
        return Ok(Some(PathResult {
            direction: PathDirection::Forward,
            path: Vec::new(),
        }));
    }
    let filter = EdgeFilter::new(options);
    for (direction, forward, backward) in [
        (PathDirection::Forward, true, false),
        (PathDirection::Reverse, false, true),
        (PathDirection::Undirected, true, true),
    ] {
        if let Some(path) = shortest(
            graph,
            start,
            goal,
            forward,
            backward,
            &filter,
            options.max_depth,
        ) {
            return Ok(Some(PathResult { direction, path }));
        }
    }
    Ok(None)
}

fn shortest(
    graph: &Graph,
    start: u32,
    goal: u32,
    forward: bool,
    backward: bool,
    filter: &EdgeFilter,
    max_depth: Option<usize>,
) -> Option<Vec<EdgeId>> {
    let n = graph.inner.node_count();
    let mut via: Vec<Option<(u32, u32)>> = vec![None; n];
    let mut depth = vec![0usize; n];
    let mut seen = vec![false; n];
    seen[start as usize] = true;
    let mut queue = VecDeque::from([start]);
    let mut next = Vec::new();
    while let Some(current) = queue.pop_front() {
        if current == goal {
            let mut path = Vec::new();
            let mut node = goal;
            while let Some((previous, edge)) = via[node as usize] {
                path.push(EdgeId(edge));
                node = previous;
            }
            path.reverse();
            return Some(path);
        }
        if max_depth.is_some_and(|max| depth[current as usize] >= max) {
            continue;
        }
        next.clear();
        if forward {
            next.extend(graph.outgoing.of(current));
        }
        if backward {
            next.extend(graph.incoming.of(current));
        }
        // Sorted neighbours keep the chosen path stable among equals.
        next.sort_unstable_by_key(|(other, facts)| (*other, facts.edge));
        for (other, facts) in &next {
            let other = *other;
            if !seen[other as usize] && filter.allows(facts) {
                seen[other as usize] = true;
                via[other as usize] = Some((current, facts.edge));
                depth[other as usize] = depth[current as usize] + 1;
                queue.push_back(other);
            }
        }
    }
    None
}

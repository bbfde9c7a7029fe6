//! Breadth-first traversals for impact and dependencies.

use std::collections::VecDeque;

use super::{Hit, Reach, TraversalOptions};
use crate::Error;
use crate::adjacency::{Adjacency, EdgeFilter};
use crate::graph::{EdgeId, Graph};
use petgraph::graph::NodeIndex;

/// Who depends on `node`, transitively: every node with a path of edges to
/// it. `node` is any id or alias (see [`Graph::lookup`]).
///
/// ```
/// # use infrawise_core::*;
/// # use infrawise_graph::*;
/// let ev = || Evidence::declared("example", "ref");
/// let nodes = ["api", "fn", "queue"].map(|n| Node::new(n, NodeKind::Resource, n).with_evidence(ev()));
/// let edges = vec![
///     Edge::new(NodeId::new("api"), NodeId::new("fn"), EdgeKind::RoutesTo, ev()),
///     Edge::new(NodeId::new("fn"), NodeId::new("queue"), EdgeKind::Writes, ev()),
/// ];
/// let graph = GraphBuilder::from_iter([Fragment { nodes: nodes.to_vec(), edges, ..Fragment::new() }]).build();
/// let reach = impact(&graph, "queue", &TraversalOptions::default()).unwrap();
/// let hits: Vec<_> = reach.affected.iter().map(|h| (h.id.as_str(), h.depth)).collect();
/// assert_eq!(hits, [("fn", 1), ("api", 2)]);
/// ```
pub fn impact<'g>(
    graph: &'g Graph,
    node: &str,
    options: &TraversalOptions,
) -> Result<Reach<'g>, Error> {
    traverse(graph, node, options, Direction::Dependents)
}

/// What `node` depends on, transitively. `node` is any id or alias.
pub fn dependencies<'g>(
    graph: &'g Graph,
    node: &str,
    options: &TraversalOptions,
) -> Result<Reach<'g>, Error> {
    traverse(graph, node, options, Direction::Dependencies)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    Dependents,
    Dependencies,
}

const UNSEEN: u32 = u32::MAX;
const ROOT: u32 = u32::MAX - 1;

fn traverse<'g>(
    graph: &'g Graph,
    node: &str,
    options: &TraversalOptions,
    direction: Direction,
) -> Result<Reach<'g>, Error> {
    let root = graph.lookup_index(node)?.index() as u32;
    let adjacency: &Adjacency = match direction {
        Direction::Dependents => &graph.incoming,
        Direction::Dependencies => &graph.outgoing,
    };
    let filter = EdgeFilter::new(options);
    let max_depth = options
        .max_depth
        .map_or(u32::MAX, |d| u32::try_from(d).unwrap_or(u32::MAX));
    let n = graph.inner.node_count();
    // For each reached node: the edge it was reached by and the node that
    // edge came from (for the explaining path), and its depth.
    let mut via: Vec<(u32, u32)> = vec![(UNSEEN, UNSEEN); n];
    let mut depth: Vec<u32> = vec![0; n];
    let mut order: Vec<u32> = Vec::new();
    let mut queue = VecDeque::new();
    via[root as usize] = (ROOT, ROOT);
    queue.push_back(root);
    while let Some(current) = queue.pop_front() {
        let next_depth = depth[current as usize] + 1;
        if next_depth > max_depth {
            continue;
        }
        for (other, facts) in adjacency.of(current) {
            let other = *other;
            if via[other as usize].0 != UNSEEN || !filter.allows(facts) {
                continue;
            }
            via[other as usize] = (facts.edge, current);
            depth[other as usize] = next_depth;
            order.push(other);
            queue.push_back(other);
        }
    }

    // Sorting by (depth, id) is sorting by (depth, index) because nodes
    // are stored in id order.
    order.sort_unstable_by_key(|&index| (depth[index as usize], index));
    // Where each reached node lands in the sorted list, so that hits can
    // name their parent hit by position.
    let mut position = vec![u32::MAX; n];
    for (at, &index) in order.iter().enumerate() {
        position[index as usize] = at as u32;
    }
    let affected = order
        .iter()
        .map(|&index| {
            let (edge, parent) = via[index as usize];
            Hit {
                id: &graph.inner[NodeIndex::new(index as usize)].node.id,
                depth: depth[index as usize] as usize,
                via: EdgeId(edge),
                parent: (parent != root).then(|| position[parent as usize] as usize),
            }
        })
        .collect();
    Ok(Reach {
        root: &graph.inner[NodeIndex::new(root as usize)].node.id,
        affected,
        towards_root: direction == Direction::Dependents,
    })
}

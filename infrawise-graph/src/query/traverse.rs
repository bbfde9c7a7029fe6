//! Breadth-first traversals for impact and dependencies.

use std::collections::VecDeque;

use petgraph::Direction;
use petgraph::graph::{EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;

use super::{Hit, Reach, TraversalOptions};
use crate::Error;
use crate::graph::{EdgeId, Graph};

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
pub fn impact(graph: &Graph, node: &str, options: &TraversalOptions) -> Result<Reach, Error> {
    traverse(graph, node, options, Direction::Incoming)
}

/// What `node` depends on, transitively. `node` is any id or alias.
pub fn dependencies(graph: &Graph, node: &str, options: &TraversalOptions) -> Result<Reach, Error> {
    traverse(graph, node, options, Direction::Outgoing)
}

const UNSEEN: u32 = u32::MAX;

fn traverse(
    graph: &Graph,
    node: &str,
    options: &TraversalOptions,
    direction: Direction,
) -> Result<Reach, Error> {
    let root = graph.lookup_index(node)?;
    let n = graph.inner.node_count();
    // For each reached node, the edge it was reached by (UNSEEN if not yet,
    // the root marks itself with its own slot) and its depth.
    let mut via: Vec<u32> = vec![UNSEEN; n];
    let mut depth: Vec<u32> = vec![0; n];
    let mut order: Vec<NodeIndex<u32>> = Vec::new();
    let mut queue = VecDeque::new();
    via[root.index()] = UNSEEN - 1;
    queue.push_back(root);
    while let Some(current) = queue.pop_front() {
        let next_depth = depth[current.index()] + 1;
        if options
            .max_depth
            .is_some_and(|max| next_depth as usize > max)
        {
            continue;
        }
        for edge in graph.inner.edges_directed(current, direction) {
            let other = match direction {
                Direction::Incoming => edge.source(),
                Direction::Outgoing => edge.target(),
            };
            if via[other.index()] != UNSEEN || !options.allows(edge.weight()) {
                continue;
            }
            via[other.index()] = edge.id().index() as u32;
            depth[other.index()] = next_depth;
            order.push(other);
            queue.push_back(other);
        }
    }

    let mut affected: Vec<Hit> = order
        .into_iter()
        .map(|index| {
            let mut path = Vec::with_capacity(depth[index.index()] as usize);
            let mut current = index;
            while current != root {
                let edge = via[current.index()];
                path.push(EdgeId(edge));
                let Some((source, target)) =
                    graph.inner.edge_endpoints(EdgeIndex::new(edge as usize))
                else {
                    break;
                };
                current = match direction {
                    Direction::Incoming => target,
                    Direction::Outgoing => source,
                };
            }
            if direction == Direction::Outgoing {
                path.reverse();
            }
            Hit {
                id: graph.inner[index].node.id.clone(),
                depth: depth[index.index()] as usize,
                path,
            }
        })
        .collect();
    affected.sort_by(|a, b| a.depth.cmp(&b.depth).then_with(|| a.id.cmp(&b.id)));
    Ok(Reach {
        root: graph.inner[root].node.id.clone(),
        affected,
    })
}

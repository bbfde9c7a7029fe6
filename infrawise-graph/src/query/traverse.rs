//! Breadth-first traversals for impact and dependencies.

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

const ROOT: u32 = u32::MAX - 1;

/// Per node, `[edge, parent, position]`: the edge it was reached by, the
/// node that edge came from, and its position among the hits once its
/// level is finished. Only meaningful for nodes the `seen` bitmap marks,
/// so the array starts zeroed (a fresh allocation, no fill) and a query
/// that reaches little costs little.
type Visit = [u32; 3];
const EDGE: usize = 0;
const PARENT: usize = 1;
const POSITION: usize = 2;

/// Level-synchronous breadth-first search. Hits must come out ordered by
/// (depth, id), and nodes are stored in id order, so each finished level
/// is put in index order before it is appended: a large level by scanning
/// a bitmap of the nodes it reached (linear in the graph's node count / 64
/// plus the level), a small one by sorting it. No global sort is needed,
/// and every parent's position is known when its children are appended.
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
    let mut visits: Vec<Visit> = vec![[0; 3]; n];
    visits[root as usize] = [ROOT; 3];
    let mut seen: Vec<u64> = vec![0; n.div_ceil(64)];
    seen[root as usize / 64] |= 1 << (root % 64);
    let mut bitmap: Vec<u64> = Vec::new();
    let mut affected: Vec<Hit<'g>> = Vec::new();
    let mut frontier: Vec<u32> = vec![root];
    let mut next: Vec<u32> = Vec::new();
    let mut level: u32 = 0;
    while !frontier.is_empty() && level < max_depth {
        level += 1;
        for &current in &frontier {
            let (neighbours, facts) = adjacency.row(current);
            for (at, &other) in neighbours.iter().enumerate() {
                // The seen bitmap is n/8 bytes and stays in cache; the
                // facts are read only for a neighbour not reached yet.
                let (word, bit) = (other as usize / 64, 1u64 << (other % 64));
                if seen[word] & bit != 0 || !filter.allows(&facts[at]) {
                    continue;
                }
                seen[word] |= bit;
                visits[other as usize][EDGE] = facts[at].edge;
                visits[other as usize][PARENT] = current;
                next.push(other);
            }
        }
        if next.len() > n / 32 {
            if bitmap.is_empty() {
                bitmap = vec![0; n.div_ceil(64)];
            }
            for &index in &next {
                bitmap[index as usize / 64] |= 1 << (index % 64);
            }
            next.clear();
            for (word_index, word) in bitmap.iter_mut().enumerate() {
                let mut bits = std::mem::take(word);
                while bits != 0 {
                    next.push(word_index as u32 * 64 + bits.trailing_zeros());
                    bits &= bits - 1;
                }
            }
        } else {
            next.sort_unstable();
        }
        affected.reserve(next.len());
        for &index in &next {
            let position = affected.len() as u32;
            let visit = visits[index as usize];
            visits[index as usize][POSITION] = position;
            affected.push(Hit {
                id: &graph.inner[NodeIndex::new(index as usize)].node.id,
                depth: level as usize,
                via: EdgeId(visit[EDGE]),
                parent: (visit[PARENT] != root)
                    .then(|| visits[visit[PARENT] as usize][POSITION] as usize),
            });
        }
        std::mem::swap(&mut frontier, &mut next);
        next.clear();
    }
    Ok(Reach {
        root: &graph.inner[NodeIndex::new(root as usize)].node.id,
        affected,
        towards_root: direction == Direction::Dependents,
    })
}

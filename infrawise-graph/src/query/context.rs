//! The neighbourhood of one node, with everything known about it: what an
//! assistant reads before it touches something.

use infrawise_core::{NodeId, NodeKind, OriginSet};
use petgraph::graph::NodeIndex;
use rustc_hash::FxHashMap;

use crate::Error;
use crate::findings::Finding;
use crate::graph::{EdgeId, Graph, GraphNode};

/// Options of [`context`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ContextOptions {
    /// How many hops out, in either direction.
    pub radius: usize,
    /// At most this many neighbours; the nearest are kept.
    pub max_neighbours: usize,
}

impl Default for ContextOptions {
    fn default() -> Self {
        ContextOptions {
            radius: 1,
            max_neighbours: 50,
        }
    }
}

/// A node near the one asked about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Neighbour<'g> {
    /// The node.
    pub id: &'g NodeId,
    /// Its kind.
    pub kind: NodeKind,
    /// Its name.
    pub name: &'g str,
    /// How many hops away (1 for a direct neighbour).
    pub depth: usize,
    /// The origins of its evidence.
    pub origins: OriginSet,
}

/// The answer of [`context`].
#[derive(Clone, Debug)]
pub struct Context<'g> {
    /// The node asked about, with its attributes per origin and evidence.
    pub node: &'g GraphNode,
    /// Its neighbours within the radius, by depth then id.
    pub neighbours: Vec<Neighbour<'g>>,
    /// The edges among the node and its neighbours, in edge order.
    pub edges: Vec<EdgeId>,
    /// Every finding that names the node or one of its neighbours.
    pub findings: Vec<Finding>,
    /// Whether neighbours were left out to stay within `max_neighbours`.
    pub truncated: bool,
}

/// The node named by `node` (any id or alias), its neighbours to
/// `options.radius` hops in either direction, the edges among them, and
/// every finding of `findings` about any of them. Findings are passed in so
/// that a caller answering many questions computes them once
/// ([`staleness`](crate::staleness), [`drift`](crate::drift), …).
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
/// let around = context(&graph, "fn", &ContextOptions::default(), &[]).unwrap();
/// let names: Vec<_> = around.neighbours.iter().map(|n| n.name).collect();
/// assert_eq!(names, ["api", "queue"]);
/// assert_eq!(around.edges.len(), 2);
/// ```
pub fn context<'g>(
    graph: &'g Graph,
    node: &str,
    options: &ContextOptions,
    findings: &[Finding],
) -> Result<Context<'g>, Error> {
    let root = graph.lookup_index(node)?.index() as u32;
    let mut depth_of: FxHashMap<u32, usize> = FxHashMap::default();
    depth_of.insert(root, 0);
    let mut frontier = vec![root];
    let mut truncated = false;
    'levels: for depth in 1..=options.radius {
        let mut next: Vec<u32> = Vec::new();
        for &current in &frontier {
            for adjacency in [&graph.outgoing, &graph.incoming] {
                let (neighbours, _) = adjacency.row(current);
                for &other in neighbours {
                    if depth_of.contains_key(&other) {
                        continue;
                    }
                    if depth_of.len() > options.max_neighbours {
                        truncated = true;
                        break 'levels;
                    }
                    depth_of.insert(other, depth);
                    next.push(other);
                }
            }
        }
        if next.is_empty() {
            break;
        }
        next.sort_unstable();
        frontier = next;
    }
    // The edges the neighbourhood was reached by: between two members, one
    // of them inside the radius (so the outermost ring's own edges among
    // themselves are left out).
    let mut edges: Vec<EdgeId> = Vec::new();
    for (&member, &depth) in &depth_of {
        let (neighbours, facts) = graph.outgoing.row(member);
        for (other, facts) in neighbours.iter().zip(facts) {
            if let Some(&other_depth) = depth_of.get(other)
                && depth.min(other_depth) < options.radius
            {
                edges.push(EdgeId(facts.edge));
            }
        }
    }
    edges.sort_unstable();
    let mut neighbours: Vec<Neighbour<'g>> = depth_of
        .iter()
        .filter(|(index, _)| **index != root)
        .map(|(&index, &depth)| {
            let graph_node = &graph.inner[NodeIndex::new(index as usize)];
            Neighbour {
                id: &graph_node.node.id,
                kind: graph_node.node.kind,
                name: &graph_node.node.name,
                depth,
                origins: graph_node.node.evidence.iter().map(|e| e.origin).collect(),
            }
        })
        .collect();
    neighbours.sort_by(|a, b| (a.depth, a.id).cmp(&(b.depth, b.id)));
    let root_node = &graph.inner[NodeIndex::new(root as usize)];
    let members: std::collections::BTreeSet<&NodeId> = neighbours
        .iter()
        .map(|n| n.id)
        .chain([&root_node.node.id])
        .collect();
    let about = |id: &NodeId| members.contains(id);
    let findings = findings
        .iter()
        .filter(|finding| finding.nodes.iter().any(&about))
        .cloned()
        .collect();
    Ok(Context {
        node: root_node,
        neighbours,
        edges,
        findings,
        truncated,
    })
}

//! Synthetic graphs for benchmarks and scale tests.
//!
//! A deterministic generator of a system-shaped graph: `n` nodes of
//! rotating kinds, each depending on a handful of older nodes (so the first
//! nodes have large impact sets, as shared infrastructure does), with
//! declared, observed and inferred evidence mixed, and an observed
//! fragment that names every fourth node by alias only, so building the
//! graph exercises identity resolution.

use infrawise_core::{
    Alias, Edge, EdgeKind, Evidence, Fragment, Node, NodeId, NodeKind, Timestamp,
};

/// What to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SyntheticOptions {
    /// How many edges (approximately, exact for the declared fragment).
    pub edges: usize,
    /// Edges per node; the node count is `edges / fan_out`.
    pub fan_out: usize,
    /// Seed of the pseudo-random choices.
    pub seed: u64,
}

impl SyntheticOptions {
    /// `edges` edges with a fan-out of 5 and a fixed seed.
    pub fn with_edges(edges: usize) -> Self {
        SyntheticOptions {
            edges,
            fan_out: 5,
            seed: 0x5eed,
        }
    }
}

const KINDS: [NodeKind; 8] = [
    NodeKind::Queue,
    NodeKind::Function,
    NodeKind::Table,
    NodeKind::Bucket,
    NodeKind::Role,
    NodeKind::Topic,
    NodeKind::Api,
    NodeKind::Service,
];

const EDGE_KINDS: [EdgeKind; 5] = [
    EdgeKind::References,
    EdgeKind::Reads,
    EdgeKind::Writes,
    EdgeKind::Invokes,
    EdgeKind::DependsOn,
];

/// xorshift64*: small, fast and good enough to spread edges.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// The id of synthetic node `i`.
pub fn node_id(i: usize) -> NodeId {
    NodeId::new(format!("syn:n{i:07}"))
}

/// Generates a declared fragment (all nodes and `options.edges` edges) and
/// an observed fragment (every fourth node again, by alias, with observed
/// evidence, and a tenth of the edges observed).
pub fn generate(options: &SyntheticOptions) -> Vec<Fragment> {
    let fan_out = options.fan_out.max(1);
    let n = (options.edges / fan_out).max(2);
    let mut rng = Rng(options.seed | 1);
    let seen = Some(Timestamp::from_unix_seconds(1_700_000_000));
    let path = "synthetic/main.tf";

    let mut declared = Fragment::new();
    let mut observed = Fragment::new();
    for i in 0..n {
        let kind = KINDS[i % KINDS.len()];
        let name = format!("svc-{i}");
        declared.nodes.push(
            Node::new(node_id(i), kind, name.clone())
                .with_alias(Alias::name(kind, name.clone()))
                .with_scope("synthetic")
                .with_evidence(
                    Evidence::declared("synthetic", "resource").at(path, Some(i as u32 + 1)),
                ),
        );
        if i % 4 == 0 {
            observed.nodes.push(
                Node::new(format!("obs:{i}"), kind, name.clone())
                    .with_alias(Alias::name(kind, name))
                    .with_evidence(Evidence::observed("synthetic", "inventory", seen)),
            );
        }
    }
    let mut made = 0;
    'outer: for i in 1..n {
        for _ in 0..fan_out {
            if made == options.edges {
                break 'outer;
            }
            let target = rng.below(i);
            let kind = EDGE_KINDS[rng.below(EDGE_KINDS.len())];
            let evidence = if made % 7 == 0 {
                Evidence::inferred("synthetic", "sdk call", (rng.below(100) as f64) / 100.0)
            } else {
                Evidence::declared("synthetic", "attribute").at(path, Some(i as u32 + 1))
            };
            declared
                .edges
                .push(Edge::new(node_id(i), node_id(target), kind, evidence));
            if made % 10 == 0 {
                observed.edges.push(Edge::new(
                    node_id(i),
                    node_id(target),
                    kind,
                    Evidence::observed("synthetic", "trace", seen)
                        .with_count(1 + rng.below(100) as u64),
                ));
            }
            made += 1;
        }
    }
    vec![declared, observed]
}

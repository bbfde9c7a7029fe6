//! The Infrawise graph: fragments from every parser merged into one typed
//! dependency graph, with identity resolution, queries, findings and
//! exporters.
//!
//! - [`GraphBuilder`] merges [`Fragment`](infrawise_core::Fragment)s: nodes
//!   that share an id or alias become one node keeping every alias and all
//!   evidence; parallel edges of one kind merge into one edge with all their
//!   evidence. The result does not depend on input order.
//! - [`impact`], [`dependencies`] and [`path`] answer "what breaks",
//!   "what does it rely on" and "why are these connected", each hit with the
//!   edges that explain it; [`TraversalOptions`] filters by depth, edge
//!   kind, origin and confidence.
//! - [`staleness`] and [`drift`] report [`Finding`]s with stable codes.
//! - [`Graph::to_json`], [`to_dot`] and [`to_mermaid`] export;
//!   [`Graph::from_json`] loads a saved graph.
//!
//! This crate depends on `infrawise-core` only, never on the parsers.
//!
//! # Example
//!
//! ```
//! use infrawise_core::{Alias, Edge, EdgeKind, Evidence, Fragment, Node, NodeKind};
//! use infrawise_graph::{GraphBuilder, TraversalOptions, impact};
//!
//! let queue = Node::new("tf:aws_sqs_queue.orders", NodeKind::Queue, "orders")
//!     .with_alias(Alias::name(NodeKind::Queue, "orders-queue"))
//!     .with_evidence(Evidence::declared("terraform", "resource").at("main.tf", Some(1)));
//! let worker = Node::new("py:worker", NodeKind::CodeModule, "worker")
//!     .with_evidence(Evidence::inferred("python", "module", 1.0).at("worker.py", None));
//! // The code names the queue by its physical name only.
//! let send = Edge::new(
//!     worker.id.clone(),
//!     Alias::name(NodeKind::Queue, "orders-queue"),
//!     EdgeKind::Writes,
//!     Evidence::inferred("python", "sqs.send_message", 0.9).at("worker.py", Some(7)),
//! );
//! let graph = GraphBuilder::from_iter([
//!     Fragment { nodes: vec![queue], ..Fragment::new() },
//!     Fragment { nodes: vec![worker], edges: vec![send], ..Fragment::new() },
//! ])
//! .build();
//!
//! let reach = impact(&graph, "orders-queue", &TraversalOptions::default()).unwrap();
//! assert_eq!(reach.affected[0].id.as_str(), "py:worker");
//! ```
#![deny(missing_docs)]

mod adjacency;
mod build;
pub mod diff;
mod error;
pub mod export;
mod findings;
mod graph;
pub mod link;
mod query;
pub mod report;
pub mod runtime_findings;
mod schema_drift;
pub mod synthetic;

pub use build::GraphBuilder;
pub use diff::{DiffKey, DiffOptions, GraphDiff, diff, environment_divergence};
pub use error::Error;
pub use export::{to_dot, to_mermaid};
pub use findings::{Finding, FindingCode, StalenessOptions, drift, staleness};
pub use graph::{EdgeId, EdgeView, Graph, GraphEdge, GraphNode};
pub use query::{
    Context, ContextOptions, Hit, MatchQuality, Neighbour, PathDirection, PathResult, Reach,
    SearchHit, SearchOptions, TraversalOptions, context, dependencies, impact, path, search,
};

//! The Infrawise model: what a dependency graph of a software system is
//! made of, independent of where the facts came from.
//!
//! - [`NodeKind`] and [`EdgeKind`]: typed kinds, with the provider's raw
//!   type kept beside them.
//! - [`Origin`]: declared, inferred or observed, never blurred.
//! - [`Evidence`]: why a node or edge is believed, with source and line.
//! - [`NodeId`] and [`Alias`]: identity; nodes sharing an alias are one thing.
//! - [`Fragment`]: what one parser produces from one input.
//! - [`Diagnostic`] and [`Parsed`]: bad input costs a file, never a scan.
//!
//! This crate depends on no other Infrawise crate.
//!
//! # Example
//!
//! A fragment stating that an SQS queue was declared in Terraform, and that
//! a function references it:
//!
//! ```
//! use infrawise_core::{Alias, Edge, EdgeKind, Evidence, Fragment, Node, NodeKind};
//!
//! let queue = Node::new("terraform:aws_sqs_queue.orders", NodeKind::Queue, "orders")
//!     .with_raw_type("aws_sqs_queue")
//!     .with_alias(Alias::name(NodeKind::Queue, "orders-queue"))
//!     .with_evidence(Evidence::declared("terraform", "resource block").at("main.tf", Some(1)));
//! let function = Node::new("terraform:aws_lambda_function.worker", NodeKind::Function, "worker")
//!     .with_evidence(Evidence::declared("terraform", "resource block").at("main.tf", Some(5)));
//! let edge = Edge::new(
//!     function.id.clone(),
//!     queue.id.clone(),
//!     EdgeKind::References,
//!     Evidence::declared("terraform", "environment.variables.QUEUE_URL").at("main.tf", Some(9)),
//! );
//! let fragment = Fragment { nodes: vec![queue, function], edges: vec![edge], ..Fragment::new() };
//! assert_eq!(fragment.nodes[0].aliases.iter().next().map(ToString::to_string).as_deref(),
//!            Some("name[queue]:orders-queue"));
//! ```
#![deny(missing_docs)]

#[macro_use]
mod macros;

mod alias;
mod attribute;
mod diagnostic;
mod error;
mod evidence;
mod fragment;
mod kind;
mod one_or_many;
mod origin;
mod render;
pub mod secret;
mod text;
mod time;

pub use alias::{Alias, AliasKind, AliasSet, NodeId};
pub use attribute::{AttributeValue, Attributes, OriginValues, REDACTED_KEY, UNKNOWN_KEY};
pub use diagnostic::{Diagnostic, Parsed, Severity};
pub use error::Error;
pub use evidence::{Evidence, normalize_evidence};
pub use fragment::{Edge, Format, Fragment, Node, NodeRef, Source, SourceStatus};
pub use kind::{EdgeKind, NodeKind};
pub use origin::{Origin, OriginSet};
pub use text::{Text, interned_bytes};
pub use time::Timestamp;

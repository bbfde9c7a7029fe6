//! Exporters: JSON (the public contract), DOT and Mermaid, and loading a
//! saved JSON graph back.

mod dot;
mod json;
mod mermaid;
mod sarif;

pub use dot::to_dot;
pub use json::{EdgeDocument, GraphDocument, NodeDocument, SCHEMA_VERSION, edge_document};
pub use mermaid::to_mermaid;
pub use sarif::{MAX_RESULTS, findings_sarif};

use infrawise_core::{NodeKind, Origin, OriginSet};

/// The origins of an edge's evidence, as a label (`declared+observed`).
pub(crate) fn origins_label(origins: OriginSet) -> String {
    origins
        .iter()
        .map(Origin::as_str)
        .collect::<Vec<_>>()
        .join("+")
}

/// A coarse family of node kinds that picks a shape or class in diagrams.
pub(crate) fn kind_family(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::Queue | NodeKind::Topic | NodeKind::Stream | NodeKind::EventRule => "messaging",
        NodeKind::Table
        | NodeKind::Index
        | NodeKind::Column
        | NodeKind::Bucket
        | NodeKind::Database
        | NodeKind::Cache => "data",
        NodeKind::Function | NodeKind::StateMachine | NodeKind::Cluster | NodeKind::Service => {
            "compute"
        }
        NodeKind::Api | NodeKind::Route | NodeKind::Integration => "api",
        NodeKind::Role | NodeKind::Policy | NodeKind::Secret | NodeKind::Parameter => "security",
        NodeKind::Network | NodeKind::Subnet | NodeKind::SecurityGroup => "network",
        NodeKind::Variable
        | NodeKind::Output
        | NodeKind::Local
        | NodeKind::EnvVar
        | NodeKind::Provider => "config",
        NodeKind::Stack | NodeKind::Module | NodeKind::ExternalModule => "grouping",
        NodeKind::CodeModule | NodeKind::CodeSymbol | NodeKind::ExternalPackage => "code",
        _ => "other",
    }
}

//! The graph crate's error type.

use infrawise_core::NodeId;

/// Errors of graph lookups, queries and loading.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No node has this id or alias.
    #[error("no node is known as {0:?}")]
    NotFound(String),
    /// Several nodes share this alias; the candidates are listed.
    #[error("{name:?} names {} nodes: {}", candidates.len(), join(candidates))]
    Ambiguous {
        /// The name looked up.
        name: String,
        /// The nodes it could mean, sorted.
        candidates: Vec<NodeId>,
    },
    /// A saved graph could not be read.
    #[error("invalid graph document")]
    Json(#[from] serde_json::Error),
    /// A saved graph is of a schema version this library does not read.
    #[error("unsupported schema_version {found} (this version reads {supported})")]
    UnsupportedSchema {
        /// The version found.
        found: u64,
        /// The version supported.
        supported: u64,
    },
}

fn join(ids: &[NodeId]) -> String {
    ids.iter()
        .map(NodeId::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

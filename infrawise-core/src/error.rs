//! The core error type.

use std::path::PathBuf;

/// Errors of the core model. Parsers report bad input as
/// [`Diagnostic`](crate::Diagnostic)s; these are for input that cannot be
/// used at all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read.
    #[error("cannot read {}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A file is not valid JSON or not of the expected shape.
    #[error("{}: invalid json", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
    /// A name that should be one of a fixed set is not.
    #[error("unknown {what} {name:?}")]
    UnknownName {
        /// Which set the name should belong to.
        what: &'static str,
        /// The name given.
        name: String,
    },
    /// Text that should be a timestamp is not.
    #[error("invalid timestamp {0:?}")]
    InvalidTimestamp(String),
    /// Text that should be an alias is not.
    #[error("invalid alias {0:?}: expected `kind[scope]:value`, `kind:value` or an arn")]
    InvalidAlias(String),
    /// A document's `schema_version` is not one this version reads.
    #[error("unsupported schema_version {0}")]
    UnsupportedSchema(u64),
}

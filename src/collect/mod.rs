//! Collectors: read a live system once and save what was read as a
//! snapshot file that any later [`scan`](crate::scan) reads as observed
//! evidence, so a pipeline can collect once and scan many times.
//!
//! - [`postgres()`] reads a PostgreSQL catalog (feature `postgres`, on by
//!   default) into a [`Snapshot`]; [`write_snapshot`] saves it as the JSON
//!   that [`infrawise_parsers::dbsnapshot`] reads.

#[cfg(feature = "postgres")]
pub(crate) mod postgres;

use std::path::{Path, PathBuf};

pub use infrawise_parsers::dbsnapshot::Snapshot;

#[cfg(feature = "postgres")]
pub use self::postgres::{PostgresOptions, postgres, scope_of};

/// Why a collection failed. Messages never include the connection string
/// or its password.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CollectError {
    /// The connection string could not be read.
    #[error("invalid connection string: {message}")]
    InvalidUrl {
        /// What was wrong with it.
        message: String,
    },
    /// The server could not be reached or refused the login.
    #[error("cannot connect: {message}")]
    Connect {
        /// The client's message.
        message: String,
    },
    /// A catalog query failed.
    #[error("catalog query failed: {message}")]
    Query {
        /// The server's message.
        message: String,
    },
    /// The snapshot could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// Writes `snapshot` to `path` as pretty-printed JSON with a final newline.
pub fn write_snapshot(snapshot: &Snapshot, path: &Path) -> Result<(), CollectError> {
    let mut text = serde_json::to_string_pretty(snapshot).map_err(|e| CollectError::Write {
        path: path.to_path_buf(),
        source: std::io::Error::other(e),
    })?;
    text.push('\n');
    std::fs::write(path, text).map_err(|source| CollectError::Write {
        path: path.to_path_buf(),
        source,
    })
}

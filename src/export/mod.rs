//! Exporters that write a graph somewhere other than a file.
//!
//! - [`postgres()`] loads a graph into PostgreSQL (feature `postgres`, on
//!   by default), with server-side `impact` and `dependencies` functions,
//!   so a graph too large for one process is queried where it lives.

#[cfg(feature = "postgres")]
mod postgres;

#[cfg(feature = "postgres")]
pub use self::postgres::{
    LoadStep, LoadSummary, PostgresExport, SCHEMA_SQL, SCHEMA_VERSION, postgres,
};

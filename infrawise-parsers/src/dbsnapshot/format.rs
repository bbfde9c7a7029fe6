//! The database snapshot file: what a live collector read from a catalog,
//! as JSON. Version 1 is documented field by field here; readers reject
//! other versions with a diagnostic rather than guess.

use infrawise_core::Timestamp;
use serde::{Deserialize, Serialize};

/// The version this crate writes and reads.
pub const SNAPSHOT_VERSION: u32 = 1;

/// One database catalog read at one time.
///
/// ```json
/// {"infrawise_snapshot": 1, "kind": "postgres",
///  "scope": "postgres:db.internal:5432/shop", "database": "shop",
///  "server_version": "16.4", "read_at": "2026-01-01T12:00:00Z",
///  "stats_reset": null, "complete": true, "schemas_unreadable": [],
///  "tables": [], "indexes": [], "views": [], "foreign_keys": []}
/// ```
///
/// It never holds credentials: the collector builds `scope` from host,
/// port and database name only.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// The format version, [`SNAPSHOT_VERSION`]; its presence is how a
    /// snapshot is recognised.
    pub infrawise_snapshot: u32,
    /// The database engine: `postgres`.
    pub kind: String,
    /// The observation's scope, `postgres:<host>:<port>/<database>`
    /// (`local` for a Unix-socket host).
    pub scope: String,
    /// The database name.
    pub database: String,
    /// The server's version (`server_version`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_version: Option<String>,
    /// When the catalog was read.
    pub read_at: Timestamp,
    /// When the database's usage statistics were last reset
    /// (`pg_stat_database.stats_reset`); `null` when never reset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stats_reset: Option<Timestamp>,
    /// Whether every non-system schema could be read. A partial snapshot
    /// never proves that something is absent.
    pub complete: bool,
    /// Schemas the reading role may not use (no `USAGE`); their objects
    /// are missing from this snapshot.
    #[serde(default)]
    pub schemas_unreadable: Vec<String>,
    /// Tables (ordinary and partitioned), with their columns.
    #[serde(default)]
    pub tables: Vec<Table>,
    /// Indexes, including those behind primary keys and unique constraints.
    #[serde(default)]
    pub indexes: Vec<Index>,
    /// Views and materialized views.
    #[serde(default)]
    pub views: Vec<View>,
    /// Foreign-key constraints.
    #[serde(default)]
    pub foreign_keys: Vec<ForeignKey>,
}

/// A table and its usage statistics.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Table {
    /// Its schema.
    pub schema: String,
    /// Its name.
    pub name: String,
    /// `table` or `partitioned_table`.
    #[serde(default = "table_kind")]
    pub kind: String,
    /// The planner's row estimate (`pg_class.reltuples`; `-1` when never
    /// analysed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row_estimate: Option<i64>,
    /// Sequential scans since statistics were reset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq_scan: Option<i64>,
    /// Index scans since statistics were reset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idx_scan: Option<i64>,
    /// Columns in position order (dropped columns excluded).
    #[serde(default)]
    pub columns: Vec<Column>,
}

fn table_kind() -> String {
    "table".to_owned()
}

/// A column as the catalog describes it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Column {
    /// Its name.
    pub name: String,
    /// Its type as `format_type` prints it (`character varying(255)`).
    #[serde(rename = "type")]
    pub data_type: String,
    /// Whether it accepts NULL (`NOT attnotnull`).
    pub nullable: bool,
    /// Its default expression (`pg_get_expr(adbin, adrelid)`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// Whether it is part of the primary key.
    #[serde(default)]
    pub primary_key: bool,
}

/// An index and its usage statistics.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Index {
    /// The schema of the index (and its table).
    pub schema: String,
    /// The table it indexes.
    pub table: String,
    /// Its name.
    pub name: String,
    /// `pg_get_indexdef`: the `CREATE INDEX` statement that rebuilds it.
    pub definition: String,
    /// Whether it is unique.
    pub unique: bool,
    /// Whether it backs the primary key.
    #[serde(default)]
    pub primary: bool,
    /// The columns it covers: its key columns in order, then the columns
    /// its expressions use.
    #[serde(default)]
    pub columns: Vec<String>,
    /// The predicate of a partial index (`pg_get_expr(indpred, indrelid)`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predicate: Option<String>,
    /// The access method (`btree`, `gin`, …).
    pub method: String,
    /// Scans of the index since statistics were reset
    /// (`pg_stat_user_indexes.idx_scan`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idx_scan: Option<i64>,
}

/// A view or materialized view.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct View {
    /// Its schema.
    pub schema: String,
    /// Its name.
    pub name: String,
    /// Whether it is materialized.
    #[serde(default)]
    pub materialized: bool,
    /// Its query (`pg_get_viewdef`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definition: Option<String>,
    /// The relations its query reads (from `pg_depend`).
    #[serde(default)]
    pub reads: Vec<Relation>,
}

/// A relation by schema and name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Relation {
    /// Its schema.
    pub schema: String,
    /// Its name.
    pub name: String,
}

/// A foreign-key constraint.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ForeignKey {
    /// The schema of the referencing table.
    pub schema: String,
    /// The referencing table.
    pub table: String,
    /// The constraint's name.
    pub name: String,
    /// The referencing columns, in key order.
    pub columns: Vec<String>,
    /// The referenced table's schema.
    pub ref_schema: String,
    /// The referenced table.
    pub ref_table: String,
    /// The referenced columns, in key order.
    pub ref_columns: Vec<String>,
}

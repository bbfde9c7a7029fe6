//! Database snapshots (observed): what a live collector
//! (`infrawise collect postgres URL -o snapshot.json`) read from a
//! PostgreSQL catalog, saved as JSON ([`Snapshot`], format version 1), so a
//! pipeline can collect once and scan many times.
//!
//! A snapshot is recognised by content: a JSON object with an
//! `"infrawise_snapshot"` version key ([`detect`]). Each becomes:
//!
//! - a [`Source`] of format `database_snapshot`, origin observed, read at
//!   the snapshot's `read_at`, scoped to the database
//!   (`postgres:<host>:<port>/<database>`), complete only when the
//!   collector could read every schema (`complete`); a partial snapshot
//!   never proves that something is absent;
//! - table, column, index and view nodes with ids
//!   `<scope>/<schema>.<name>`, the aliases of
//!   [`relational`] and canonical attribute values, so
//!   they merge with what migrations and models declare and equal things
//!   compare equal: `type` (through [`canonical_type`]), `nullable`,
//!   `default` (through [`canonical_default`]), `primary_key`; on indexes
//!   `unique`, `columns`, `predicate` (canonical like a default),
//!   `method`;
//! - usage statistics as observed attributes: `row_estimate`, `seq_scan`,
//!   `idx_scan` on tables, `idx_scan`, `stats_reset` and `definition`
//!   (`pg_get_indexdef`) on indexes, `definition` on views;
//! - a database node (id and scope: the snapshot's scope, raw type
//!   `postgres_database`, observed `host`, `port` and `database`) that
//!   `contains` every table; [`link_instances`] links the RDS/Aurora
//!   instance or cluster declared for it;
//! - edges as the declared side emits them: table `contains` column and
//!   index, index `indexes` column, table `foreign_key` table and column
//!   `foreign_key` column, view `reads` the relations its query depends on.
//!
//! Every node and edge carries observed evidence from extractor `postgres`
//! with the snapshot's read time. Limits: the columns of an expression
//! index are those its expressions depend on, in column order, which may
//! differ from the order a migration wrote them in.

mod format;
mod link;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use infrawise_core::{
    Diagnostic, Edge, EdgeKind, Evidence, Format, Fragment, Node, NodeId, NodeKind, NodeRef,
    Origin, Source, SourceStatus,
};
use serde_json::Value;

pub use link::{BY_ENDPOINT, BY_NAME, link_instances};

/// The raw type of the node a snapshot gives its database.
pub const DATABASE_TYPE: &str = "postgres_database";

/// The host and port of a snapshot scope `postgres:<host>:<port>/<db>`.
pub(crate) fn endpoint_of(scope: &str) -> Option<(&str, &str)> {
    let rest = scope.strip_prefix("postgres:")?;
    let (address, _) = rest.split_once('/')?;
    address.rsplit_once(':')
}

pub use format::{Column, ForeignKey, Index, Relation, SNAPSHOT_VERSION, Snapshot, Table, View};

use crate::relational::{self, Dialect, canonical_default, canonical_type};

/// The extractor name on every piece of evidence a snapshot gives.
pub const EXTRACTOR: &str = "postgres";

/// Whether `text` looks like a database snapshot: a JSON object with an
/// `"infrawise_snapshot"` key. A cheap content sniff.
pub fn detect(text: &str) -> bool {
    text.trim_start().starts_with('{') && text.contains("\"infrawise_snapshot\"")
}

/// Reads the snapshot files `files`, paths shown relative to `root`.
pub fn parse(files: &[PathBuf], root: &Path) -> Fragment {
    let mut out = Fragment::new();
    for file in files {
        let display = crate::display_path(file, root);
        match std::fs::read(file) {
            Ok(bytes) => out.extend(parse_snapshot(&String::from_utf8_lossy(&bytes), &display)),
            Err(error) => out.extend(failed(
                &display,
                Diagnostic::error(
                    &display,
                    None,
                    format!("cannot read file: {}", error.to_string().to_lowercase()),
                ),
            )),
        }
    }
    out
}

fn failed(display_path: &str, diagnostic: Diagnostic) -> Fragment {
    let mut source = Source::new(display_path, Format::DatabaseSnapshot, Origin::Observed);
    source.status = SourceStatus::Failed;
    Fragment {
        sources: vec![source],
        diagnostics: vec![diagnostic],
        ..Fragment::new()
    }
}

/// Reads one snapshot document; `display_path` names it in evidence and
/// diagnostics.
///
/// ```
/// let text = r#"{"infrawise_snapshot": 1, "kind": "postgres", "scope": "postgres:db:5432/shop",
///   "database": "shop", "read_at": "2026-01-01T00:00:00Z", "complete": true,
///   "tables": [{"schema": "public", "name": "orders", "columns": [
///     {"name": "id", "type": "bigint", "nullable": false, "primary_key": true}]}]}"#;
/// let fragment = infrawise_parsers::dbsnapshot::parse_snapshot(text, "shop.json");
/// assert!(fragment.render().contains("node postgres:db:5432/shop/public.orders [table]"));
/// ```
pub fn parse_snapshot(text: &str, display_path: &str) -> Fragment {
    let snapshot: Snapshot = match serde_json::from_str(text) {
        Ok(snapshot) => snapshot,
        Err(error) => {
            let line = u32::try_from(error.line()).ok().filter(|l| *l > 0);
            return failed(
                display_path,
                Diagnostic::error(
                    display_path,
                    line,
                    format!("not a database snapshot: {error}"),
                ),
            );
        }
    };
    if snapshot.infrawise_snapshot != SNAPSHOT_VERSION {
        return failed(
            display_path,
            Diagnostic::error(
                display_path,
                None,
                format!(
                    "database snapshot version {} is not supported (this build reads version {SNAPSHOT_VERSION})",
                    snapshot.infrawise_snapshot
                ),
            ),
        );
    }
    if snapshot.kind != "postgres" {
        return failed(
            display_path,
            Diagnostic::error(
                display_path,
                None,
                format!(
                    "database snapshot of kind {:?} is not supported (only postgres)",
                    snapshot.kind
                ),
            ),
        );
    }
    build(&snapshot, display_path)
}

/// The fragment of a parsed snapshot.
pub fn build(snapshot: &Snapshot, display_path: &str) -> Fragment {
    let mut source = Source::new(display_path, Format::DatabaseSnapshot, Origin::Observed);
    source.read_at = Some(snapshot.read_at);
    source.scope = Some(snapshot.scope.clone());
    source.status = if snapshot.complete {
        SourceStatus::Complete
    } else {
        SourceStatus::Partial
    };
    let mut fragment = Fragment {
        sources: vec![source],
        ..Fragment::new()
    };
    if !snapshot.complete {
        let why = if snapshot.schemas_unreadable.is_empty() {
            "only some schemas were collected".to_owned()
        } else {
            format!(
                "{} could not be read",
                snapshot.schemas_unreadable.join(", ")
            )
        };
        fragment.diagnostics.push(Diagnostic::warning(
            display_path,
            None,
            format!(
                "partial database snapshot: {why}; nothing is reported missing from {}",
                snapshot.scope
            ),
        ));
    }
    let relations: BTreeSet<(&str, &str)> = snapshot
        .tables
        .iter()
        .map(|t| (t.schema.as_str(), t.name.as_str()))
        .collect();
    let columns: BTreeSet<(&str, &str, &str)> = snapshot
        .tables
        .iter()
        .flat_map(|t| {
            t.columns
                .iter()
                .map(|c| (t.schema.as_str(), t.name.as_str(), c.name.as_str()))
        })
        .collect();
    Emitter {
        snapshot,
        display_path,
        fragment: &mut fragment,
        tables: relations,
        columns,
    }
    .emit();
    fragment
}

struct Emitter<'a> {
    snapshot: &'a Snapshot,
    display_path: &'a str,
    fragment: &'a mut Fragment,
    /// `(schema, table)` of every table.
    tables: BTreeSet<(&'a str, &'a str)>,
    /// `(schema, table, column)` of every column.
    columns: BTreeSet<(&'a str, &'a str, &'a str)>,
}

const DIALECT: Dialect = Dialect::Postgres;

impl Emitter<'_> {
    fn evidence(&self, detail: String) -> Evidence {
        Evidence::observed(EXTRACTOR, detail, Some(self.snapshot.read_at))
            .at(self.display_path, None)
    }

    fn id(&self, schema: &str, name: &str) -> String {
        format!(
            "{}/{}",
            self.snapshot.scope,
            relational::qualified(schema, name)
        )
    }

    fn node(&self, id: &str, kind: NodeKind, name: &str, detail: String) -> Node {
        Node::new(id, kind, name)
            .with_scope(self.snapshot.scope.clone())
            .with_evidence(self.evidence(detail))
    }

    fn edge(&mut self, from: &str, to: &str, kind: EdgeKind, detail: String) {
        let edge = Edge::new(by_id(from), by_id(to), kind, self.evidence(detail));
        self.fragment.edges.push(edge);
    }

    fn has_column(&self, schema: &str, table: &str, column: &str) -> bool {
        self.columns.contains(&(schema, table, column))
    }

    fn has_table(&self, schema: &str, table: &str) -> bool {
        self.tables.contains(&(schema, table))
    }

    fn emit(mut self) {
        let snapshot = self.snapshot;
        self.database();
        for table in &snapshot.tables {
            self.table(table);
            let id = self.id(&table.schema, &table.name);
            self.edge(
                &snapshot.scope,
                &id,
                EdgeKind::Contains,
                format!("{} in database {}", table.name, snapshot.database),
            );
        }
        for index in &snapshot.indexes {
            self.index(index);
        }
        for fk in &snapshot.foreign_keys {
            self.foreign_key(fk);
        }
        for view in &snapshot.views {
            self.view(view);
        }
    }

    /// The database itself: id and scope are the snapshot's scope, and it
    /// `contains` every table (an RDS/Aurora declaration that serves it is
    /// linked by [`link_instances`]).
    fn database(&mut self) {
        let snapshot = self.snapshot;
        let mut node = self
            .node(
                &snapshot.scope,
                NodeKind::Database,
                &snapshot.database,
                format!("database {}", snapshot.database),
            )
            .with_raw_type(DATABASE_TYPE);
        if let Some((host, port)) = endpoint_of(&snapshot.scope) {
            node.set_attribute(Origin::Observed, "host", Value::from(host));
            if let Ok(port) = port.parse::<u16>() {
                node.set_attribute(Origin::Observed, "port", Value::from(port));
            }
        }
        node.set_attribute(
            Origin::Observed,
            "database",
            Value::from(snapshot.database.as_str()),
        );
        self.fragment.nodes.push(node);
    }

    fn table(&mut self, table: &Table) {
        let table_id = self.id(&table.schema, &table.name);
        let qualified = relational::qualified(&table.schema, &table.name);
        let mut node = self.node(
            &table_id,
            NodeKind::Table,
            &table.name,
            format!("{} {qualified}", table.kind.replace('_', " ")),
        );
        node.aliases.extend(relational::table_aliases(
            DIALECT,
            &table.schema,
            &table.name,
        ));
        for (name, value) in [
            ("row_estimate", table.row_estimate),
            ("seq_scan", table.seq_scan),
            ("idx_scan", table.idx_scan),
        ] {
            if let Some(value) = value {
                node.set_attribute(Origin::Observed, name, Value::from(value));
            }
        }
        self.fragment.nodes.push(node);
        for column in &table.columns {
            let column_id = format!("{table_id}.{}", column.name);
            let mut node = self.node(
                &column_id,
                NodeKind::Column,
                &format!("{}.{}", table.name, column.name),
                format!("column {qualified}.{}", column.name),
            );
            node.aliases.extend(relational::column_aliases(
                DIALECT,
                &table.schema,
                &table.name,
                &column.name,
            ));
            node.set_attribute(
                Origin::Observed,
                "type",
                Value::from(canonical_type(&column.data_type)),
            );
            node.set_attribute(Origin::Observed, "nullable", Value::from(column.nullable));
            if let Some(default) = &column.default {
                node.set_attribute(
                    Origin::Observed,
                    "default",
                    Value::from(canonical_default(default)),
                );
            }
            node.set_attribute(
                Origin::Observed,
                "primary_key",
                Value::from(column.primary_key),
            );
            self.fragment.nodes.push(node);
            self.edge(
                &table_id,
                &column_id,
                EdgeKind::Contains,
                format!("column {qualified}.{}", column.name),
            );
        }
    }

    fn index(&mut self, index: &Index) {
        let index_id = self.id(&index.schema, &index.name);
        let table_id = self.id(&index.schema, &index.table);
        let mut node = self.node(
            &index_id,
            NodeKind::Index,
            &index.name,
            format!(
                "index {}",
                relational::qualified(&index.schema, &index.name)
            ),
        );
        node.aliases.extend(relational::index_aliases(
            &index.schema,
            &index.table,
            &index.name,
        ));
        node.set_attribute(Origin::Observed, "unique", Value::from(index.unique));
        node.set_attribute(
            Origin::Observed,
            "columns",
            Value::from(index.columns.clone()),
        );
        if let Some(predicate) = &index.predicate {
            node.set_attribute(
                Origin::Observed,
                "predicate",
                Value::from(canonical_default(predicate)),
            );
        }
        node.set_attribute(
            Origin::Observed,
            "method",
            Value::from(index.method.clone()),
        );
        node.set_attribute(
            Origin::Observed,
            "definition",
            Value::from(index.definition.clone()),
        );
        if let Some(scans) = index.idx_scan {
            node.set_attribute(Origin::Observed, "idx_scan", Value::from(scans));
        }
        if let Some(reset) = self.snapshot.stats_reset {
            node.set_attribute(
                Origin::Observed,
                "stats_reset",
                Value::from(reset.to_string()),
            );
        }
        self.fragment.nodes.push(node);
        if self.has_table(&index.schema, &index.table) {
            self.edge(
                &table_id,
                &index_id,
                EdgeKind::Contains,
                format!("index {}", index.name),
            );
        }
        let mut seen: Vec<&String> = Vec::new();
        for column in &index.columns {
            if seen.contains(&column) || !self.has_column(&index.schema, &index.table, column) {
                continue;
            }
            seen.push(column);
            self.edge(
                &index_id,
                &format!("{table_id}.{column}"),
                EdgeKind::Indexes,
                format!("index {} on {column}", index.name),
            );
        }
    }

    fn foreign_key(&mut self, fk: &ForeignKey) {
        if !self.has_table(&fk.schema, &fk.table) || !self.has_table(&fk.ref_schema, &fk.ref_table)
        {
            return;
        }
        let from = self.id(&fk.schema, &fk.table);
        let to = self.id(&fk.ref_schema, &fk.ref_table);
        let detail = format!("foreign key {}", fk.name);
        self.edge(&from, &to, EdgeKind::ForeignKey, detail.clone());
        for (column, ref_column) in fk.columns.iter().zip(&fk.ref_columns) {
            if self.has_column(&fk.schema, &fk.table, column)
                && self.has_column(&fk.ref_schema, &fk.ref_table, ref_column)
            {
                self.edge(
                    &format!("{from}.{column}"),
                    &format!("{to}.{ref_column}"),
                    EdgeKind::ForeignKey,
                    detail.clone(),
                );
            }
        }
    }

    fn view(&mut self, view: &View) {
        let view_id = self.id(&view.schema, &view.name);
        let kind = if view.materialized {
            "materialized_view"
        } else {
            "view"
        };
        let mut node = self
            .node(
                &view_id,
                NodeKind::View,
                &view.name,
                format!(
                    "{} {}",
                    kind.replace('_', " "),
                    relational::qualified(&view.schema, &view.name)
                ),
            )
            .with_raw_type(kind);
        node.aliases
            .extend(relational::view_aliases(DIALECT, &view.schema, &view.name));
        if let Some(definition) = &view.definition {
            node.set_attribute(
                Origin::Observed,
                "definition",
                Value::from(definition.trim().to_owned()),
            );
        }
        self.fragment.nodes.push(node);
        let mut reads = view.reads.clone();
        reads.sort();
        reads.dedup();
        for read in &reads {
            let known = self.has_table(&read.schema, &read.name)
                || self
                    .snapshot
                    .views
                    .iter()
                    .any(|v| v.schema == read.schema && v.name == read.name);
            if !known {
                continue;
            }
            let target = self.id(&read.schema, &read.name);
            self.edge(
                &view_id,
                &target,
                EdgeKind::Reads,
                format!(
                    "view {} reads {}",
                    view.name,
                    relational::qualified(&read.schema, &read.name)
                ),
            );
        }
    }
}

fn by_id(id: &str) -> NodeRef {
    NodeRef::Id(NodeId::new(id))
}

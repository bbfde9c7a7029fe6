//! Loading a graph into PostgreSQL.
//!
//! [`postgres()`] connects with the connection string the user gives,
//! creates the `infrawise` schema if needed (tables for graphs, nodes,
//! aliases, merged ids, edges and evidence, their indexes, and the
//! traversal functions: see [`SCHEMA_SQL`]), and in one transaction
//! replaces the rows of the graph named by [`PostgresExport::name`] with
//! the graph's, streamed with `COPY … FROM STDIN`. Several graphs (one per
//! environment, say) live side by side, keyed by name.
//!
//! Decision: the traversals are server-side functions, so a graph that has
//! outgrown one process's memory is queried where it lives (and can be
//! replicated or partitioned by graph name there). `infrawise.impact` and
//! `infrawise.dependencies` take the library's filters (depth, edge kinds,
//! origins, minimum confidence) and return what the library returns;
//! `infrawise.dependents` is the same set as one recursive query.
//! Trade-off: a traversal is one set-based query per level of the
//! breadth-first search, not a single recursive query: a recursive query
//! that also tracks depth would revisit every node at every depth it can be
//! reached at, which on a million-edge graph does not finish.

use std::io::Write as _;

use infrawise_core::{Evidence, Origin};
use infrawise_graph::Graph;
use postgres::Client;

use crate::collect::CollectError;
use crate::collect::postgres::{connect, error_text, redact};

/// The DDL and functions every load runs first (idempotent).
pub const SCHEMA_SQL: &str = include_str!("schema.sql");

/// The version of [`SCHEMA_SQL`]'s tables, recorded with each graph.
pub const SCHEMA_VERSION: i32 = 1;

/// Options of [`postgres()`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PostgresExport {
    /// The name the graph is stored under (`default` unless set); a load
    /// replaces a graph of the same name.
    pub name: String,
}

impl Default for PostgresExport {
    fn default() -> Self {
        PostgresExport {
            name: "default".to_owned(),
        }
    }
}

impl PostgresExport {
    /// Stores the graph under `name`.
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }
}

/// What a load wrote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoadSummary {
    /// Node rows.
    pub nodes: u64,
    /// Edge rows.
    pub edges: u64,
    /// Alias rows.
    pub aliases: u64,
    /// Evidence rows (nodes' and edges').
    pub evidence: u64,
}

/// One step of a load, for progress reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LoadStep {
    /// The schema and functions are in place; the old rows are gone.
    Prepared,
    /// `rows` rows of `table` are written.
    Rows {
        /// The table.
        table: &'static str,
        /// Rows written so far.
        rows: u64,
    },
    /// The transaction committed.
    Committed,
}

/// How many rows between progress reports.
const REPORT_EVERY: u64 = 250_000;

/// One value of a `COPY … (FORMAT text)` row: `\N` for none, else the text
/// with backslash, tab, newline and carriage return escaped.
fn field(out: &mut Vec<u8>, value: Option<&str>) {
    let Some(value) = value else {
        out.extend_from_slice(b"\\N");
        return;
    };
    for byte in value.bytes() {
        match byte {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            other => out.push(other),
        }
    }
}

fn row(out: &mut Vec<u8>, values: &[Option<&str>]) {
    for (i, value) in values.iter().enumerate() {
        if i > 0 {
            out.push(b'\t');
        }
        field(out, *value);
    }
    out.push(b'\n');
}

/// Streams rows into `COPY infrawise.<table> (<columns>) FROM STDIN`.
struct Copy<'t, 'c> {
    writer: postgres::CopyInWriter<'t>,
    buffer: Vec<u8>,
    table: &'static str,
    rows: u64,
    progress: &'c mut dyn FnMut(LoadStep),
}

impl<'t, 'c> Copy<'t, 'c> {
    fn start(
        transaction: &'t mut postgres::Transaction<'_>,
        table: &'static str,
        columns: &str,
        progress: &'c mut dyn FnMut(LoadStep),
    ) -> Result<Self, postgres::Error> {
        let writer = transaction.copy_in(&format!(
            "COPY infrawise.{table} ({columns}) FROM STDIN (FORMAT text)"
        ))?;
        Ok(Copy {
            writer,
            buffer: Vec::with_capacity(1 << 16),
            table,
            rows: 0,
            progress,
        })
    }

    fn push(&mut self, values: &[Option<&str>]) -> std::io::Result<()> {
        row(&mut self.buffer, values);
        self.rows += 1;
        if self.buffer.len() >= 1 << 16 {
            self.writer.write_all(&self.buffer)?;
            self.buffer.clear();
        }
        if self.rows.is_multiple_of(REPORT_EVERY) {
            (self.progress)(LoadStep::Rows {
                table: self.table,
                rows: self.rows,
            });
        }
        Ok(())
    }

    fn finish(mut self) -> Result<u64, LoadError> {
        self.writer.write_all(&self.buffer).map_err(LoadError::Io)?;
        self.writer.finish().map_err(LoadError::Db)?;
        (self.progress)(LoadStep::Rows {
            table: self.table,
            rows: self.rows,
        });
        Ok(self.rows)
    }
}

enum LoadError {
    Db(postgres::Error),
    Io(std::io::Error),
}

impl From<postgres::Error> for LoadError {
    fn from(error: postgres::Error) -> Self {
        LoadError::Db(error)
    }
}

impl From<std::io::Error> for LoadError {
    fn from(error: std::io::Error) -> Self {
        LoadError::Io(error)
    }
}

/// Connects to `url` and loads `graph` (module docs), reporting each step
/// to `progress`.
pub fn postgres(
    graph: &Graph,
    url: &str,
    options: &PostgresExport,
    progress: &mut dyn FnMut(LoadStep),
) -> Result<LoadSummary, CollectError> {
    let (_, mut client) = connect(url)?;
    load(&mut client, graph, options, progress).map_err(|e| CollectError::Query {
        message: redact(
            &match e {
                LoadError::Db(e) => error_text(&e),
                LoadError::Io(e) => e.to_string(),
            },
            url,
        ),
    })
}

fn origin_text(origin: Origin) -> &'static str {
    origin.as_str()
}

fn evidence_row(
    copy: &mut Copy<'_, '_>,
    graph: &str,
    node: Option<&str>,
    edge: Option<&str>,
    evidence: &Evidence,
) -> std::io::Result<()> {
    let line = evidence.line().map(|l| l.to_string());
    let confidence = evidence.confidence().map(|c| c.to_string());
    let first = evidence.first_seen().map(|t| t.to_string());
    let last = evidence.last_seen().map(|t| t.to_string());
    let count = evidence.count().map(|c| c.to_string());
    let errors = evidence.errors().map(|c| c.to_string());
    copy.push(&[
        Some(graph),
        node,
        edge,
        Some(origin_text(evidence.origin)),
        evidence.path.as_deref(),
        line.as_deref(),
        Some(&evidence.extractor),
        Some(&evidence.detail),
        confidence.as_deref(),
        first.as_deref(),
        last.as_deref(),
        count.as_deref(),
        errors.as_deref(),
    ])
}

const EVIDENCE_COLUMNS: &str = "graph, node, edge, origin, path, line, extractor, detail, confidence, first_seen, last_seen, count, errors";

fn load(
    client: &mut Client,
    graph: &Graph,
    options: &PostgresExport,
    progress: &mut dyn FnMut(LoadStep),
) -> Result<LoadSummary, LoadError> {
    client.batch_execute(SCHEMA_SQL)?;
    let name = options.name.as_str();
    let mut transaction = client.transaction()?;
    for table in [
        "evidence",
        "edges",
        "merged_ids",
        "node_aliases",
        "nodes",
        "graphs",
    ] {
        transaction.execute(
            &format!("DELETE FROM infrawise.{table} WHERE graph = $1"),
            &[&name],
        )?;
    }
    progress(LoadStep::Prepared);
    let mut summary = LoadSummary::default();

    let mut copy = Copy::start(
        &mut transaction,
        "nodes",
        "graph, id, kind, type, name, scope, unresolved, attributes",
        progress,
    )?;
    for node in graph.nodes() {
        let n = &node.node;
        let attributes = serde_json::to_string(&n.attributes).map_err(std::io::Error::other)?;
        copy.push(&[
            Some(name),
            Some(n.id.as_str()),
            Some(n.kind.as_str()),
            n.raw_type.as_deref(),
            Some(&n.name),
            n.scope.as_deref(),
            Some(if node.unresolved { "t" } else { "f" }),
            Some(&attributes),
        ])?;
    }
    summary.nodes = copy.finish()?;

    let mut copy = Copy::start(
        &mut transaction,
        "node_aliases",
        "graph, alias, value, node",
        progress,
    )?;
    for node in graph.nodes() {
        for alias in &node.node.aliases {
            let printed = alias.to_string();
            copy.push(&[
                Some(name),
                Some(&printed),
                Some(&alias.value),
                Some(node.node.id.as_str()),
            ])?;
        }
    }
    summary.aliases = copy.finish()?;

    let mut copy = Copy::start(
        &mut transaction,
        "merged_ids",
        "graph, merged_id, node",
        progress,
    )?;
    for node in graph.nodes() {
        for merged in &node.merged_ids {
            copy.push(&[
                Some(name),
                Some(merged.as_str()),
                Some(node.node.id.as_str()),
            ])?;
        }
    }
    copy.finish()?;

    let mut copy = Copy::start(
        &mut transaction,
        "edges",
        "graph, id, source, target, kind, origins, max_inferred_confidence",
        progress,
    )?;
    for edge in graph.edges() {
        let id = edge.id.0.to_string();
        let origins = format!(
            "{{{}}}",
            edge.edge
                .origins()
                .iter()
                .map(origin_text)
                .collect::<Vec<_>>()
                .join(",")
        );
        let confidence = edge.edge.max_inferred_confidence().to_string();
        copy.push(&[
            Some(name),
            Some(&id),
            Some(edge.from.as_str()),
            Some(edge.to.as_str()),
            Some(edge.edge.kind.as_str()),
            Some(&origins),
            Some(&confidence),
        ])?;
    }
    summary.edges = copy.finish()?;

    let mut copy = Copy::start(&mut transaction, "evidence", EVIDENCE_COLUMNS, progress)?;
    for node in graph.nodes() {
        for evidence in &node.node.evidence {
            evidence_row(&mut copy, name, Some(node.node.id.as_str()), None, evidence)?;
        }
    }
    for edge in graph.edges() {
        let id = edge.id.0.to_string();
        for evidence in edge.evidence {
            evidence_row(&mut copy, name, None, Some(&id), evidence)?;
        }
    }
    summary.evidence = copy.finish()?;

    let count = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    let (nodes, edges) = (count(summary.nodes), count(summary.edges));
    transaction.execute(
        "INSERT INTO infrawise.graphs (graph, schema_version, nodes, edges) VALUES ($1, $2, $3, $4)",
        &[&name, &SCHEMA_VERSION, &nodes, &edges],
    )?;
    transaction.commit()?;
    client.batch_execute("ANALYZE infrawise.nodes, infrawise.node_aliases, infrawise.edges")?;
    progress(LoadStep::Committed);
    Ok(summary)
}

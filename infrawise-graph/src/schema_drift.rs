//! Schema drift: what migrations and models declare against what a
//! database snapshot observed, for tables, columns, indexes, views and
//! foreign keys.
//!
//! A node is *relational* when it is a table, column, index or view with
//! evidence from a relational producer: a migration (`sql`), a model
//! (`prisma`, `sqlalchemy`, `django`, `typeorm`) or a database snapshot
//! (`postgres`). Relational nodes and the edges between them are reported
//! here only; the generic presence, edge and attribute findings leave them
//! alone, so each fact is reported once, under its specific code:
//!
//! | code | when |
//! |---|---|
//! | `schema-declared-missing` | a declared table, view, column, index or foreign key is absent from a **complete** snapshot; a column or index only when its table was observed (a missing table is one finding, not one per column), a foreign key only when both tables were observed |
//! | `schema-undeclared` | an observed table, view, column, index or foreign key that no declaration names, in a schema the declarations use; again once per table |
//! | `column-type-changed` | declared and observed `type` differ |
//! | `column-nullability-changed` | declared and observed `nullable` differ |
//! | `column-default-changed` | declared and observed `default` differ, a migration declaring no default counting as "none" |
//! | `attribute-drift` | another relational attribute differs: `primary_key`, `unique`, `columns`, `predicate`, `method` |
//! | `index-unused` | a declared, observed, non-unique index with no scans since statistics were reset |
//!
//! Partial reads never prove absence: with only partial snapshots (a
//! schema the role could not read, or a collection restricted to some
//! schemas) nothing is reported missing. Usage statistics (`row_estimate`,
//! `seq_scan`, `idx_scan`, `definition`) are observed only and never
//! compared.

use std::collections::BTreeSet;

use infrawise_core::{AttributeValue, EdgeKind, Format, NodeKind, Origin, SourceStatus};
use petgraph::Direction;
use petgraph::visit::EdgeRef;
use serde_json::Value;

use crate::findings::{Finding, FindingCode};
use crate::graph::{Graph, GraphNode};

/// Extractors of declared relational nodes (migrations and models).
const DECLARING: [&str; 5] = ["sql", "prisma", "sqlalchemy", "django", "typeorm"];
/// The extractor of observed relational nodes (database snapshots).
const OBSERVING: &str = "postgres";

fn is_relational_kind(kind: NodeKind) -> bool {
    matches!(
        kind,
        NodeKind::Table | NodeKind::Column | NodeKind::Index | NodeKind::View
    )
}

fn declared(node: &GraphNode) -> bool {
    node.node
        .evidence
        .iter()
        .any(|e| e.origin == Origin::Declared && DECLARING.contains(&e.extractor.as_ref()))
}

fn observed(node: &GraphNode) -> bool {
    node.node
        .evidence
        .iter()
        .any(|e| e.origin == Origin::Observed && e.extractor.as_ref() == OBSERVING)
}

/// The raw type of the database node a snapshot gives (see
/// `infrawise_parsers::dbsnapshot::DATABASE_TYPE`).
const DATABASE_TYPE: &str = "postgres_database";

/// Whether schema drift, not the generic findings, reports on `node`: a
/// table, column, index or view that a migration, a model or a snapshot
/// states, and a snapshot's database itself (which nothing declares: an
/// RDS declaration `contains` it, it is not declared as such).
pub(crate) fn is_relational(node: &GraphNode) -> bool {
    (is_relational_kind(node.node.kind) && (declared(node) || observed(node)))
        || node.node.raw_type.as_deref() == Some(DATABASE_TYPE)
}

/// The schema a relational node lives in: from its schema-qualified
/// alias (`name[table]:public.orders`), the one with the most dots.
fn schema_of(node: &GraphNode) -> Option<String> {
    let dots = match node.node.kind {
        NodeKind::Column => 2,
        _ => 1,
    };
    node.node
        .aliases
        .iter()
        .filter(|a| a.implied_node_kind() == Some(node.node.kind))
        .find(|a| a.value.matches('.').count() >= dots && !a.value.contains('/'))
        .and_then(|a| a.value.split_once('.'))
        .map(|(schema, _)| schema.to_owned())
}

/// The table that `contains` a column or index.
fn parent_table(graph: &Graph, index: petgraph::graph::NodeIndex<u32>) -> Option<&GraphNode> {
    graph
        .inner
        .edges_directed(index, Direction::Incoming)
        .filter(|e| e.weight().kind == EdgeKind::Contains)
        .map(|e| &graph.inner[e.source()])
        .find(|n| n.node.kind == NodeKind::Table && is_relational(n))
}

fn value<'a>(node: &'a GraphNode, name: &str, origin: Origin) -> Option<&'a AttributeValue> {
    node.node.attributes.get(name)?.get(&origin)
}

/// Text compared without case, spacing, outer parentheses or casts, for
/// index predicates (sqlparser and `pg_get_expr` print them differently).
fn expression_key(text: &str) -> String {
    let mut text = text.trim();
    while text.starts_with('(') && text.ends_with(')') {
        text = text[1..text.len() - 1].trim();
    }
    text.chars()
        .filter(|c| !c.is_whitespace() && *c != '(' && *c != ')')
        .collect::<String>()
        .to_lowercase()
}

fn same(name: &str, declared: &Value, observed: &Value) -> bool {
    match (name, declared, observed) {
        ("predicate", Value::String(d), Value::String(o)) => expression_key(d) == expression_key(o),
        _ => declared == observed,
    }
}

fn display(value: Option<&Value>) -> String {
    value.map_or_else(|| "none".to_owned(), ToString::to_string)
}

/// Schema drift findings (module docs), sorted by code then nodes.
pub(crate) fn schema_drift(graph: &Graph) -> Vec<Finding> {
    let snapshots: Vec<_> = graph
        .sources
        .iter()
        .filter(|s| s.format == Format::DatabaseSnapshot && s.origin == Origin::Observed)
        .collect();
    if snapshots.is_empty() {
        return Vec::new();
    }
    let complete = snapshots
        .iter()
        .find(|s| s.status == SourceStatus::Complete);
    let declared_schemas: BTreeSet<String> = graph
        .nodes()
        .filter(|n| is_relational_kind(n.node.kind) && declared(n))
        .filter_map(schema_of)
        .collect();
    let mut findings = Vec::new();
    for index in graph.inner.node_indices() {
        let node = &graph.inner[index];
        if node.unresolved || !is_relational(node) {
            continue;
        }
        let (is_declared, is_observed) = (declared(node), observed(node));
        let parent = match node.node.kind {
            NodeKind::Column | NodeKind::Index => parent_table(graph, index),
            _ => None,
        };
        let kind = node.node.kind;
        if is_declared && !is_observed {
            let Some(source) = complete else { continue };
            if parent.is_some_and(|p| !observed(p)) {
                continue;
            }
            findings.push(Finding::new(
                FindingCode::SchemaDeclaredMissing,
                format!(
                    "{kind} {} is declared but absent from the database ({})",
                    node.node.name, source.path
                ),
                vec![node.node.id.clone()],
                node.node.evidence.clone(),
            ));
        } else if is_observed && !is_declared {
            let in_declared_schema = schema_of(node).is_some_and(|s| declared_schemas.contains(&s));
            if !in_declared_schema || parent.is_some_and(|p| !declared(p)) {
                continue;
            }
            findings.push(Finding::new(
                FindingCode::SchemaUndeclared,
                format!(
                    "{kind} {} is in the database but no migration or model declares it",
                    node.node.name
                ),
                vec![node.node.id.clone()],
                node.node.evidence.clone(),
            ));
        } else if is_declared && is_observed {
            findings.extend(attribute_findings(node));
            if let Some(finding) = unused_index(node) {
                findings.push(finding);
            }
        }
    }
    findings.extend(foreign_key_findings(graph, complete.is_some()));
    findings
}

/// The attribute the scan sets on a relational node whose ORM model and
/// migration disagree (see `infrawise_parsers::schema::conflicts_fragment`).
const CONFLICTS_ATTRIBUTE: &str = "declaration_conflicts";

/// `schema-model-mismatch`: a finding per recorded disagreement between two
/// declarations of one node, with the declared evidence of both sides.
pub(crate) fn declaration_mismatches(graph: &Graph) -> Vec<Finding> {
    let mut findings = Vec::new();
    for node in graph.nodes() {
        let Some(Value::Array(conflicts)) =
            value(node, CONFLICTS_ATTRIBUTE, Origin::Declared).and_then(AttributeValue::known)
        else {
            continue;
        };
        for conflict in conflicts {
            let text = |key: &str| conflict.get(key).and_then(Value::as_str);
            let Some(message) = text("message") else {
                continue;
            };
            let places: Vec<&str> = [text("migration"), text("model")]
                .into_iter()
                .flatten()
                .collect();
            let evidence = node
                .node
                .evidence
                .iter()
                .filter(|e| {
                    e.origin == Origin::Declared
                        && places.iter().any(|place| {
                            let line = e.line().map(|l| format!(":{l}")).unwrap_or_default();
                            *place == format!("{}{line}", e.path.as_deref().unwrap_or(""))
                        })
                })
                .cloned()
                .collect();
            findings.push(Finding::new(
                FindingCode::SchemaModelMismatch,
                format!(
                    "{} {}: the model and the migrations disagree: {message} ({})",
                    node.node.kind,
                    node.node.name,
                    places.join(" vs ")
                ),
                vec![node.node.id.clone()],
                evidence,
            ));
        }
    }
    findings
}

fn attribute_findings(node: &GraphNode) -> Vec<Finding> {
    let mut findings = Vec::new();
    let migration_declared = node
        .node
        .evidence
        .iter()
        .any(|e| e.origin == Origin::Declared && e.extractor.as_ref() == "sql");
    for (name, values) in &node.node.attributes {
        let declared = values
            .get(&Origin::Declared)
            .and_then(AttributeValue::known);
        let observed = values
            .get(&Origin::Observed)
            .and_then(AttributeValue::known);
        let code = match name.as_str() {
            "type" => FindingCode::ColumnTypeChanged,
            "nullable" => FindingCode::ColumnNullabilityChanged,
            "default" => FindingCode::ColumnDefaultChanged,
            "primary_key" | "unique" | "columns" | "predicate" | "method" => {
                FindingCode::AttributeDrift
            }
            _ => continue,
        };
        let differs = match (declared, observed) {
            (Some(d), Some(o)) => !same(name, d, o),
            // A migration states every default it sets: none declared is none.
            (None, Some(_)) => {
                name == "default"
                    && migration_declared
                    && value(node, name, Origin::Declared).is_none()
            }
            (Some(_), None) => {
                matches!(name.as_str(), "default" | "predicate")
                    && value(node, name, Origin::Observed).is_none()
            }
            (None, None) => false,
        };
        if !differs {
            continue;
        }
        findings.push(Finding::new(
            code,
            format!(
                "{} {}: {name} is declared {} but observed {}",
                node.node.kind,
                node.node.name,
                display(declared),
                display(observed)
            ),
            vec![node.node.id.clone()],
            node.node.evidence.clone(),
        ));
    }
    findings
}

fn unused_index(node: &GraphNode) -> Option<Finding> {
    if node.node.kind != NodeKind::Index {
        return None;
    }
    let scans = value(node, "idx_scan", Origin::Observed)?
        .known()?
        .as_i64()?;
    let unique = value(node, "unique", Origin::Observed)
        .and_then(AttributeValue::known)
        .and_then(Value::as_bool)
        .unwrap_or(true);
    if scans != 0 || unique {
        return None;
    }
    let since = value(node, "stats_reset", Origin::Observed)
        .and_then(AttributeValue::known)
        .and_then(Value::as_str)
        .map_or_else(
            || "since statistics were last reset".to_owned(),
            |reset| format!("since statistics were reset at {reset}"),
        );
    Some(Finding::new(
        FindingCode::IndexUnused,
        format!(
            "index {} is declared and present but has not been scanned {since}",
            node.node.name
        ),
        vec![node.node.id.clone()],
        node.node.evidence.clone(),
    ))
}

/// Table-level foreign keys declared and not observed, or observed and not
/// declared, between tables both sides know. Column-level foreign-key
/// edges repeat the table-level fact and are not reported again.
fn foreign_key_findings(graph: &Graph, complete: bool) -> Vec<Finding> {
    let mut findings = Vec::new();
    for edge in graph.inner.edge_references() {
        if edge.weight().kind != EdgeKind::ForeignKey {
            continue;
        }
        let (from, to) = (&graph.inner[edge.source()], &graph.inner[edge.target()]);
        if from.node.kind != NodeKind::Table || to.node.kind != NodeKind::Table {
            continue;
        }
        if !(is_relational(from) && is_relational(to)) {
            continue;
        }
        let origins = edge.weight().origins();
        let both = |test: fn(&GraphNode) -> bool| test(from) && test(to);
        let (code, message) = if origins.contains(Origin::Declared)
            && !origins.contains(Origin::Observed)
        {
            if !complete || !both(observed) {
                continue;
            }
            (
                FindingCode::SchemaDeclaredMissing,
                format!(
                    "foreign key {} -> {} is declared but absent from the database",
                    from.node.name, to.node.name
                ),
            )
        } else if origins.contains(Origin::Observed) && !origins.contains(Origin::Declared) {
            if !both(declared) {
                continue;
            }
            (
                FindingCode::SchemaUndeclared,
                format!(
                    "foreign key {} -> {} is in the database but no migration or model declares it",
                    from.node.name, to.node.name
                ),
            )
        } else {
            continue;
        };
        findings.push(Finding::new(
            code,
            message,
            vec![from.node.id.clone(), to.node.id.clone()],
            graph.evidence_of(edge.weight()).to_vec(),
        ));
    }
    findings
}

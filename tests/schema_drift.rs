//! Schema drift over committed scans: the migrations of
//! `tests/fixtures/postgres/db/migrations` next to a snapshot
//! (`tests/fixtures/schema_drift/<dir>/snapshot.json`) the real collector
//! took of a database those migrations built and that was then changed by
//! hand (a foreign key dropped, a column made NOT NULL, a default changed,
//! a view dropped, a table added, one index never scanned). `partial/` is
//! the same database read by a role that cannot use one schema.

mod common;

use std::fmt::Write as _;
use std::path::PathBuf;

use infrawise::graph::{FindingCode, StalenessOptions, drift, staleness};
use infrawise::{ScanOptions, scan};

/// The scan tree: the migrations and the snapshot of `dir`.
fn root(dir: &str) -> PathBuf {
    let snapshot = format!("schema_drift/{dir}/snapshot.json");
    common::tree(
        &format!("schema_drift_{dir}"),
        &[],
        &[
            (
                "postgres/db/migrations/V1__init.sql",
                "db/migrations/V1__init.sql",
            ),
            (
                "postgres/db/migrations/V2__order_items.sql",
                "db/migrations/V2__order_items.sql",
            ),
            (&snapshot, "snapshot.json"),
        ],
    )
}

fn findings(dir: &str) -> (String, Vec<infrawise::graph::Finding>) {
    let root = root(dir);
    let result = scan(&root, &ScanOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let found = drift(&result.graph);
    let mut text = String::new();
    for finding in &found {
        let nodes: Vec<&str> = finding
            .nodes
            .iter()
            .map(infrawise::core::NodeId::as_str)
            .collect();
        let _ = writeln!(
            text,
            "{} [{}] {}\n  nodes: {}",
            finding.code,
            finding.severity,
            finding.message,
            nodes.join(", ")
        );
    }
    for diagnostic in result.graph.diagnostics() {
        let _ = writeln!(text, "diagnostic {diagnostic}");
    }
    (text, found)
}

#[test]
fn complete_snapshot_drift() {
    let (text, found) = findings("complete");
    insta::assert_snapshot!(text);
    let codes: Vec<FindingCode> = found.iter().map(|f| f.code).collect();
    for code in [
        FindingCode::SchemaDeclaredMissing,
        FindingCode::SchemaUndeclared,
        FindingCode::ColumnNullabilityChanged,
        FindingCode::ColumnDefaultChanged,
        FindingCode::IndexUnused,
    ] {
        assert!(codes.contains(&code), "{code} missing:\n{text}");
    }
    // The generic codes never repeat a relational fact.
    for code in [
        FindingCode::DeclaredNotObserved,
        FindingCode::ObservedNotDeclared,
        FindingCode::DeclaredEdgeNotObserved,
        FindingCode::ObservedEdgeNotDeclared,
    ] {
        assert!(!codes.contains(&code), "{code} reported:\n{text}");
    }
}

#[test]
fn partial_snapshot_never_proves_absence() {
    let (text, found) = findings("partial");
    insta::assert_snapshot!(text);
    assert!(
        found
            .iter()
            .all(|f| f.code != FindingCode::SchemaDeclaredMissing),
        "{text}"
    );
    // What was read is still compared.
    assert!(
        found
            .iter()
            .any(|f| f.code == FindingCode::ColumnNullabilityChanged),
        "{text}"
    );
}

#[test]
fn staleness_reports_schema_facts_too() {
    let root = root("complete");
    let result = scan(&root, &ScanOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let stale = staleness(&result.graph, &StalenessOptions::default());
    assert!(
        stale
            .iter()
            .any(|f| f.code == FindingCode::SchemaDeclaredMissing)
    );
}

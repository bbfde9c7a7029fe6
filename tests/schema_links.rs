//! Declared schemas meeting the rest of the graph, over
//! `tests/fixtures/schema_app/`: a Flyway history and an SQLAlchemy model
//! of the same tables merge into one node per table, column and index; the
//! one column they disagree on is reported; code that reads the table
//! through an SQL string shows up in the impact of the table and of its
//! index.

use std::path::Path;

use infrawise::core::Severity;
use infrawise::graph::{FindingCode, Graph, TraversalOptions, drift, impact};
use infrawise::{ScanOptions, scan};

fn graph() -> Graph {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/schema_app");
    scan(&root, &ScanOptions::default())
        .unwrap_or_else(|e| panic!("{e}"))
        .graph
}

#[test]
fn a_migration_and_an_agreeing_model_are_one_table() {
    let graph = graph();
    let tables: Vec<_> = graph
        .nodes()
        .filter(|n| n.node.kind.as_str() == "table")
        .map(|n| n.node.id.to_string())
        .collect();
    assert_eq!(tables.len(), 2, "{tables:?}");
    let orders = graph
        .lookup("name[table]:public.orders")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(graph.lookup("sql:public.orders").ok(), Some(orders));
    assert_eq!(graph.lookup("orm:public.orders").ok(), Some(orders));
    let node = graph.node(orders).unwrap_or_else(|| panic!("no node"));
    let extractors: Vec<&str> = node.node.evidence.iter().map(|e| &*e.extractor).collect();
    assert!(
        extractors.contains(&"sql") && extractors.contains(&"sqlalchemy"),
        "{extractors:?}"
    );
    let index = graph
        .lookup("name[index]:public.orders_customer_id_idx")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        graph.lookup("sql:public.orders_customer_id_idx").ok(),
        Some(index)
    );
}

#[test]
fn the_column_they_disagree_on_is_reported() {
    let graph = graph();
    let messages: Vec<String> = graph
        .diagnostics()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        messages,
        [
            "app/models.py:26: warning: declarations disagree on public.orders.note: type: migration says text, model says character varying(500) (sql db/migrations/V2__order_notes.sql:1 vs sqlalchemy app/models.py:26)"
        ]
    );
}

#[test]
fn the_disagreement_is_a_finding_that_survives_the_json_round_trip() {
    let graph = graph();
    let reloaded = Graph::from_json(&graph.to_json()).unwrap_or_else(|e| panic!("{e}"));
    for graph in [&graph, &reloaded] {
        let mismatches: Vec<_> = drift(graph)
            .into_iter()
            .filter(|f| f.code == FindingCode::SchemaModelMismatch)
            .collect();
        let [finding] = mismatches.as_slice() else {
            panic!("{mismatches:?}");
        };
        assert_eq!(
            finding.message,
            "column orders.note: the model and the migrations disagree: type: migration says text, model says character varying(500) (db/migrations/V2__order_notes.sql:1 vs app/models.py:26)"
        );
        assert_eq!(finding.severity, Severity::Warning);
        let places: Vec<String> = finding
            .evidence
            .iter()
            .map(|e| format!("{} {}", e.extractor, e.path.as_deref().unwrap_or("")))
            .collect();
        assert_eq!(
            places,
            [
                "sqlalchemy app/models.py",
                "sql db/migrations/V2__order_notes.sql"
            ]
        );
    }
}

#[test]
fn code_reading_the_table_is_in_the_impact_of_the_table_and_its_index() {
    let graph = graph();
    for start in [
        "name[table]:orders",
        "name[index]:public.orders_customer_id_idx",
        "name[column]:orders.customer_id",
    ] {
        let reach =
            impact(&graph, start, &TraversalOptions::default()).unwrap_or_else(|e| panic!("{e}"));
        let ids: Vec<&str> = reach.affected.iter().map(|h| h.id.as_str()).collect();
        assert!(
            ids.contains(&"py:app/reports.py#open_orders"),
            "{start}: {ids:?}"
        );
    }
}

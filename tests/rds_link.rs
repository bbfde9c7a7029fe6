//! A declared RDS instance or Aurora cluster `contains` the database a
//! snapshot was collected from (`tests/fixtures/rds_link`): by endpoint
//! when the snapshot's host is the instance's address in state, by
//! database name when exactly one declaration names it, and not at all for
//! a database no declaration serves.

use std::path::Path;

use infrawise::core::{EdgeKind, Origin};
use infrawise::graph::{Graph, TraversalOptions, impact};
use infrawise::{ScanOptions, scan};

fn graph() -> Graph {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rds_link");
    scan(&root, &ScanOptions::default())
        .unwrap_or_else(|e| panic!("{e}"))
        .graph
}

/// `(instance, detail, confidence)` of every `contains` edge into `database`.
fn containers(graph: &Graph, database: &str) -> Vec<(String, String, Option<f64>)> {
    let id = graph.lookup(database).unwrap_or_else(|e| panic!("{e}"));
    graph
        .incoming(id)
        .into_iter()
        .filter(|e| e.edge.kind == EdgeKind::Contains)
        .flat_map(|e| {
            e.evidence.iter().map(move |ev| {
                assert_eq!(ev.origin, Origin::Inferred);
                (e.from.to_string(), ev.detail.to_string(), ev.confidence())
            })
        })
        .collect()
}

#[test]
fn the_instance_whose_endpoint_was_read_contains_the_database() {
    let graph = graph();
    assert_eq!(
        containers(
            &graph,
            "postgres:shop-db.c9akciq32lbx.eu-west-1.rds.amazonaws.com:5432/shop"
        ),
        [(
            "tf:infra:aws_db_instance.shop".to_owned(),
            "the database was read at shop-db.c9akciq32lbx.eu-west-1.rds.amazonaws.com, an endpoint of the instance".to_owned(),
            Some(0.9)
        )]
    );
}

#[test]
fn a_database_read_elsewhere_is_linked_by_its_declared_name() {
    let graph = graph();
    assert_eq!(
        containers(&graph, "postgres:10.0.3.17:5432/analytics"),
        [(
            "tf:infra:aws_rds_cluster.analytics".to_owned(),
            "database name analytics is declared by aws_rds_cluster.analytics (and by no other instance)"
                .to_owned(),
            Some(0.5)
        )]
    );
}

#[test]
fn a_database_no_declaration_serves_stays_alone_without_a_dangling_reference() {
    let graph = graph();
    assert!(containers(&graph, "postgres:localhost:5432/scratch").is_empty());
    assert!(graph.nodes().all(|n| !n.unresolved));
}

#[test]
fn the_tables_are_in_the_impact_of_the_instance_and_the_instance_in_theirs() {
    let graph = graph();
    let reach = impact(
        &graph,
        "name[table]:public.orders",
        &TraversalOptions::default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let ids: Vec<&str> = reach.affected.iter().map(|h| h.id.as_str()).collect();
    assert!(
        ids.contains(&"tf:infra:aws_db_instance.shop"),
        "the instance depends on (contains) the table: {ids:?}"
    );
}

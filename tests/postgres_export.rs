//! `infrawise export --format postgres` against a real PostgreSQL server:
//! the demo graph and a synthetic 1M-edge graph are loaded, and the
//! server-side `infrawise.impact` and `infrawise.dependencies` give the
//! same sets (and depths) as the library's, with and without filters; the
//! recursive `infrawise.dependents` gives the same set as `impact`.
//!
//! The server comes from `INFRAWISE_TEST_PG`, as for `tests/postgres.rs`;
//! `.ci/run` starts it. Without it the test is skipped, except under CI.
#![cfg(feature = "postgres")]

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Instant;

use infrawise::core::{EdgeKind, Origin, OriginSet};
use infrawise::export::{self, LoadStep, PostgresExport};
use infrawise::graph::synthetic::{SyntheticOptions, generate, node_id};
use infrawise::graph::{Graph, GraphBuilder, TraversalOptions, dependencies, impact};
use infrawise::{ScanOptions, scan};

/// The tests share one database: one at a time.
static DATABASE: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn load(graph: &Graph, url: &str, name: &str) {
    let started = Instant::now();
    let summary = export::postgres(
        graph,
        url,
        &PostgresExport::default().named(name),
        &mut |_: LoadStep| {},
    )
    .unwrap_or_else(|e| panic!("load {name}: {e}"));
    eprintln!(
        "loaded {name}: {} nodes, {} edges, {} evidence in {:.1} s",
        summary.nodes,
        summary.edges,
        summary.evidence,
        started.elapsed().as_secs_f64()
    );
    assert_eq!(summary.nodes as usize, graph.node_count());
    assert_eq!(summary.edges as usize, graph.edge_count());
}

type Hits = BTreeSet<(String, i32)>;

fn library(graph: &Graph, node: &str, options: &TraversalOptions, forward: bool) -> Hits {
    let reach = if forward {
        dependencies(graph, node, options)
    } else {
        impact(graph, node, options)
    }
    .unwrap_or_else(|e| panic!("{node}: {e}"));
    reach
        .affected
        .iter()
        .map(|h| (h.id.to_string(), i32::try_from(h.depth).unwrap_or(i32::MAX)))
        .collect()
}

fn sql(
    client: &mut postgres::Client,
    graph: &str,
    node: &str,
    options: &TraversalOptions,
    forward: bool,
) -> Hits {
    let function = if forward { "dependencies" } else { "impact" };
    let depth = options
        .max_depth
        .map(|d| i32::try_from(d).unwrap_or(i32::MAX));
    let kinds: Option<Vec<String>> = options
        .edge_kinds
        .as_ref()
        .map(|kinds| kinds.iter().map(|k| k.as_str().to_owned()).collect());
    let origins: Vec<String> = options
        .origins
        .iter()
        .map(|o| o.as_str().to_owned())
        .collect();
    let confidence = options.min_confidence as f32;
    client
        .query(
            &format!("SELECT node, depth FROM infrawise.{function}($1, $2, $3, $4, $5, $6)"),
            &[&graph, &node, &depth, &kinds, &origins, &confidence],
        )
        .unwrap_or_else(|e| {
            panic!(
                "{function}({node}): {e}: {:?}",
                e.as_db_error().map(postgres::error::DbError::message)
            )
        })
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect()
}

fn filtered() -> Vec<TraversalOptions> {
    vec![
        TraversalOptions::default(),
        TraversalOptions {
            max_depth: Some(2),
            ..TraversalOptions::default()
        },
        TraversalOptions {
            origins: OriginSet::only(Origin::Declared),
            ..TraversalOptions::default()
        },
        TraversalOptions {
            min_confidence: 0.85,
            edge_kinds: Some(
                [EdgeKind::Reads, EdgeKind::Writes, EdgeKind::References]
                    .into_iter()
                    .collect(),
            ),
            ..TraversalOptions::default()
        },
    ]
}

#[test]
fn the_demo_graph_traverses_the_same_in_sql() {
    let Some(url) = common::postgres_server() else {
        return;
    };
    let _one = DATABASE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo");
    let graph = scan(&root, &ScanOptions::default())
        .unwrap_or_else(|e| panic!("{e}"))
        .graph;
    load(&graph, &url, "demo");
    // Loading again replaces the graph rather than adding to it.
    load(&graph, &url, "demo");
    let mut client =
        postgres::Client::connect(&url, postgres::NoTls).unwrap_or_else(|e| panic!("connect: {e}"));
    let mut compared = 0;
    for node in graph.nodes() {
        let id = node.node.id.as_str();
        for options in filtered() {
            for forward in [false, true] {
                assert_eq!(
                    sql(&mut client, "demo", id, &options, forward),
                    library(&graph, id, &options, forward),
                    "{id} forward={forward} {options:?}"
                );
                compared += 1;
            }
        }
        let recursive: BTreeSet<String> = client
            .query("SELECT node FROM infrawise.dependents('demo', $1)", &[&id])
            .unwrap_or_else(|e| panic!("{e}"))
            .iter()
            .map(|row| row.get(0))
            .collect();
        let expected: BTreeSet<String> = library(&graph, id, &TraversalOptions::default(), false)
            .into_iter()
            .map(|(node, _)| node)
            .collect();
        assert_eq!(recursive, expected, "dependents({id})");
    }
    assert!(compared > 300, "{compared}");
    // Lookups by alias and ambiguity behave as the library's.
    let by_alias = sql(
        &mut client,
        "demo",
        "name[table]:prod-shop-orders",
        &TraversalOptions::default(),
        false,
    );
    assert_eq!(
        by_alias,
        library(
            &graph,
            "name[table]:prod-shop-orders",
            &TraversalOptions::default(),
            false
        )
    );
    let ambiguous = client.query(
        "SELECT node FROM infrawise.impact('demo', 'prod-shop-orders')",
        &[],
    );
    assert!(
        ambiguous.is_err_and(|e| e.to_string().contains("several nodes")
            || format!("{e:?}").contains("several nodes")),
        "a bare name shared by two nodes is an error"
    );
}

#[test]
fn a_million_edge_graph_loads_and_traverses_the_same_in_sql() {
    let Some(url) = common::postgres_server() else {
        return;
    };
    let _one = DATABASE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let graph = GraphBuilder::from_iter(generate(&SyntheticOptions::with_edges(1_000_000))).build();
    load(&graph, &url, "synthetic-1m");
    let mut client =
        postgres::Client::connect(&url, postgres::NoTls).unwrap_or_else(|e| panic!("connect: {e}"));
    for index in [0, 17, 1_000, 150_000] {
        let id = node_id(index).as_str().to_owned();
        let started = Instant::now();
        let in_sql = sql(
            &mut client,
            "synthetic-1m",
            &id,
            &TraversalOptions::default(),
            false,
        );
        let sql_time = started.elapsed();
        let started = Instant::now();
        let in_library = library(&graph, &id, &TraversalOptions::default(), false);
        eprintln!(
            "impact {id}: {} nodes; sql {:.1} ms, library {:.1} ms",
            in_library.len(),
            sql_time.as_secs_f64() * 1e3,
            started.elapsed().as_secs_f64() * 1e3
        );
        assert_eq!(in_sql, in_library, "impact {id}");
    }
    let id = node_id(199_000).as_str().to_owned();
    assert_eq!(
        sql(
            &mut client,
            "synthetic-1m",
            &id,
            &TraversalOptions::default(),
            true
        ),
        library(&graph, &id, &TraversalOptions::default(), true),
        "dependencies {id}"
    );
    client
        .batch_execute("DELETE FROM infrawise.evidence WHERE graph = 'synthetic-1m'; DELETE FROM infrawise.edges WHERE graph = 'synthetic-1m'; DELETE FROM infrawise.node_aliases WHERE graph = 'synthetic-1m'; DELETE FROM infrawise.merged_ids WHERE graph = 'synthetic-1m'; DELETE FROM infrawise.nodes WHERE graph = 'synthetic-1m'; DELETE FROM infrawise.graphs WHERE graph = 'synthetic-1m';")
        .unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn cli_export_failures_are_input_errors_without_the_password() {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo");
    let demo = demo.to_string_lossy();
    let url = "postgresql://app:hunter2-secret@/shop?host=/nonexistent-infrawise&port=1";
    for (args, expected) in [
        (
            vec![
                "export",
                "--format",
                "postgres",
                url,
                "--dir",
                demo.as_ref(),
            ],
            "cannot connect",
        ),
        (
            vec!["export", "--format", "postgres", "--dir", demo.as_ref()],
            "needs a connection string",
        ),
        (
            vec!["export", "--format", "json", url, "--dir", demo.as_ref()],
            "only read with --format postgres",
        ),
    ] {
        let output = std::process::Command::new(common::binary())
            .args(&args)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(!stderr.contains("hunter2-secret"), "{stderr}");
    }
}

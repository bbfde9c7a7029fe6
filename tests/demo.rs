//! The shipped demo system, scanned end to end: what the graph holds and
//! what staleness and drift report. This is the README's quick start as a
//! test.
#![allow(
    clippy::expect_used,
    reason = "a test fails by panicking, with the reason"
)]

use std::fmt::Write as _;
use std::path::Path;

use infrawise::graph::{StalenessOptions, TraversalOptions, drift, impact, report, staleness};
use infrawise::{ScanOptions, scan};

fn demo_scan() -> infrawise::Scan {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo");
    scan(&root, &ScanOptions::default()).expect("the demo directory scans")
}

#[test]
fn demo_plan_and_findings() {
    let result = demo_scan();
    let graph = &result.graph;
    let mut out = result.plan.to_text();
    let _ = writeln!(out, "\n# nodes");
    for node in graph.nodes() {
        let node = &node.node;
        let origins: Vec<_> = node.origins().iter().map(|o| o.as_str()).collect();
        let _ = writeln!(out, "{} [{}] {}", node.id, node.kind, origins.join("+"));
    }
    let _ = writeln!(out, "\n# diagnostics");
    for diagnostic in graph.diagnostics() {
        let _ = writeln!(out, "{diagnostic}");
    }
    let _ = writeln!(out, "\n# staleness");
    out.push_str(&report::findings_text(&staleness(
        graph,
        &StalenessOptions::default(),
    )));
    let _ = writeln!(out, "\n# drift");
    out.push_str(&report::findings_text(&drift(graph)));
    insta::assert_snapshot!(out);
}

#[test]
fn demo_impact_of_the_orders_table() {
    let result = demo_scan();
    let reach = impact(
        &result.graph,
        "name[table]:prod-shop-orders",
        &TraversalOptions::default(),
    )
    .expect("the orders table is known by its physical name");
    insta::assert_snapshot!(report::reach_text(&result.graph, &reach, "depend on"));
}

#[test]
fn secrets_in_state_never_reach_the_graph() {
    let result = demo_scan();
    let json = result.graph.to_json();
    assert!(
        !json.contains("sk_live_do_not_leak"),
        "a sensitive state value leaked into the graph"
    );
}

#[test]
fn scanning_twice_gives_byte_identical_json() {
    assert_eq!(demo_scan().graph.to_json(), demo_scan().graph.to_json());
}

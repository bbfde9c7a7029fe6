//! `diff`, `search` and `context` over the demo system and a changed copy
//! of it (`tests/fixtures/demo_changed`: a queue timeout raised, a bucket
//! removed, a topic added).

use std::path::Path;

use infrawise::graph::diff::findings_reached;
use infrawise::graph::{
    ContextOptions, DiffKey, DiffOptions, Graph, SearchOptions, StalenessOptions, context, diff,
    drift, environment_divergence, report, search, staleness,
};
use infrawise::{ScanOptions, scan};

fn scanned(dir: &str) -> Graph {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    scan(&root, &ScanOptions::default())
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .graph
}

fn findings(graph: &Graph) -> Vec<infrawise::graph::Finding> {
    let mut all = staleness(graph, &StalenessOptions::default());
    all.extend(drift(graph));
    all
}

#[test]
fn a_pull_request_diff_in_markdown() {
    let (old, new) = (
        scanned("examples/demo"),
        scanned("tests/fixtures/demo_changed"),
    );
    let changes = diff(&old, &new, &DiffOptions::default());
    let all = findings(&new);
    let reached = findings_reached(&changes, &all, infrawise::core::Severity::Info);
    insta::assert_snapshot!(report::diff_report(&changes, &reached, true));
}

#[test]
fn a_scan_against_itself_changes_nothing() {
    let graph = scanned("examples/demo");
    let saved = Graph::from_json(&graph.to_json()).unwrap_or_else(|e| panic!("{e}"));
    assert!(diff(&graph, &saved, &DiffOptions::default()).is_empty());
}

#[test]
fn environments_diverge_by_logical_address() {
    let (first, second) = (
        scanned("examples/demo"),
        scanned("tests/fixtures/demo_changed"),
    );
    insta::assert_snapshot!(report::findings_text(&environment_divergence(
        &first, &second
    )));
    let by_logical = diff(
        &first,
        &second,
        &DiffOptions {
            key: DiffKey::LogicalAddress,
        },
    );
    assert!(
        by_logical
            .nodes_changed
            .iter()
            .all(|c| c.key.starts_with("tf:") || c.key.starts_with("cfn:"))
    );
}

#[test]
fn search_ranks_exact_names_first() {
    let graph = scanned("examples/demo");
    let hits = search(&graph, "prod-shop-orders", &SearchOptions::default());
    insta::assert_snapshot!(report::search_text("prod-shop-orders", &hits));
    assert_eq!(hits[0].quality, infrawise::graph::MatchQuality::Exact);
}

#[test]
fn context_of_the_orders_table() {
    let graph = scanned("examples/demo");
    let all = findings(&graph);
    let around = context(
        &graph,
        "name[table]:prod-shop-orders",
        &ContextOptions::default(),
        &all,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    insta::assert_snapshot!(report::context_text(&graph, &around));
}

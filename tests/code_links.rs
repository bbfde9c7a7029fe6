//! The code layer linked to the declared layer end to end, over
//! `tests/fixtures/code_links/`: handlers whose names share nothing with
//! their functions, environment variables bridged through Terraform and
//! through SAM `Globals`, a queue URL literal, and a GSI query.

use std::fmt::Write as _;
use std::path::Path;

use infrawise::graph::{Graph, TraversalOptions, impact};
use infrawise::{ScanOptions, scan};

fn graph() -> Graph {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/code_links");
    scan(&root, &ScanOptions::default())
        .unwrap_or_else(|e| panic!("{e}"))
        .graph
}

/// Every edge that crosses between code and declarations, with its
/// confidence and detail, and every diagnostic.
fn crossings(graph: &Graph) -> String {
    let mut out = String::new();
    for edge in graph.edges() {
        let code = |id: &str| id.starts_with("py:") || id.starts_with("ts:");
        let crosses = code(edge.from.as_str()) != code(edge.to.as_str());
        if !crosses || edge.to.as_str().starts_with("pkg:") || edge.to.as_str().starts_with("env:")
        {
            continue;
        }
        for evidence in edge.evidence {
            let _ = writeln!(
                out,
                "{} -{}-> {} [{}] {}",
                edge.from,
                edge.edge.kind,
                edge.to,
                evidence
                    .confidence()
                    .map_or_else(|| evidence.origin.to_string(), |c| format!("{c}")),
                evidence.detail
            );
        }
    }
    out.push_str("# diagnostics\n");
    for diagnostic in graph.diagnostics() {
        let _ = writeln!(out, "{diagnostic}");
    }
    out
}

#[test]
fn code_meets_declarations() {
    insta::assert_snapshot!(crossings(&graph()));
}

fn edge_exists(graph: &Graph, from: &str, kind: &str, to: &str) -> bool {
    graph
        .edges()
        .any(|e| e.from.as_str() == from && e.edge.kind.as_str() == kind && e.to.as_str() == to)
}

#[test]
fn handlers_link_functions_to_code_whose_names_share_nothing() {
    let graph = graph();
    assert!(edge_exists(
        &graph,
        "tf:infra:aws_lambda_function.report_builder",
        "implemented_by",
        "py:py/jobs/nightly.py#run"
    ));
    let notifier = graph
        .lookup("prod-notifier")
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(edge_exists(
        &graph,
        notifier.as_str(),
        "implemented_by",
        "ts:ts/handlers/send.ts#main"
    ));
}

#[test]
fn env_vars_bridge_code_to_what_terraform_and_sam_wire_into_them() {
    let graph = graph();
    let queue = graph
        .lookup("name[queue]:report-queue")
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(edge_exists(
        &graph,
        "py:py/jobs/nightly.py#run",
        "publishes",
        queue.as_str()
    ));
    let table = graph
        .lookup("name[table]:ledger")
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(edge_exists(
        &graph,
        "py:py/jobs/common.py#today",
        "reads",
        table.as_str()
    ));
    let topic = graph
        .lookup("name[topic]:alerts")
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(edge_exists(
        &graph,
        "ts:ts/handlers/send.ts#main",
        "publishes",
        topic.as_str()
    ));
}

#[test]
fn impact_of_a_table_reaches_the_code_that_queries_it_and_its_function() {
    let graph = graph();
    let reach = impact(&graph, "name[table]:ledger", &TraversalOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let ids: Vec<&str> = reach.affected.iter().map(|h| h.id.as_str()).collect();
    assert!(ids.contains(&"py:py/jobs/common.py#today"), "{ids:?}");
    assert!(ids.contains(&"py:py/jobs/nightly.py"), "{ids:?}");
    assert!(
        ids.contains(&"tf:infra:aws_lambda_function.report_builder"),
        "{ids:?}"
    );
}

#[test]
fn a_cdk_function_links_to_the_code_in_its_asset_directory() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cdk/app");
    let graph = infrawise::scan(&root, &infrawise::ScanOptions::default())
        .unwrap_or_else(|e| panic!("scan: {e}"))
        .graph;
    assert!(edge_exists(
        &graph,
        "cfn:orders-app:Handler886CB40B",
        "implemented_by",
        "py:cdk.out/asset.3f2a9c/index.py#handler"
    ));
}

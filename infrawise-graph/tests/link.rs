//! Linking code to declarations: handler keys and environment-variable
//! bridges, over `tests/fixtures/graph/linking.json`.

use std::fmt::Write as _;

use infrawise_core::{Fragment, NodeId, Severity};
use infrawise_graph::{Graph, GraphBuilder, TraversalOptions, impact};

fn graph() -> Graph {
    let text = std::fs::read_to_string("../tests/fixtures/graph/linking.json")
        .unwrap_or_else(|e| panic!("linking.json: {e}"));
    let fragments: Vec<Fragment> =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("linking.json: {e}"));
    GraphBuilder::from_iter(fragments).build()
}

/// Every code-to-resource and implemented_by edge with its confidence, and
/// every diagnostic: the whole outcome of linking as text.
fn outcome(graph: &Graph) -> String {
    let mut out = String::new();
    for edge in graph.edges() {
        let to_code = edge.edge.kind.as_str() == "implemented_by";
        let from_code = edge.from.as_str().starts_with("py:")
            && edge.edge.kind.as_str() != "contains"
            && edge.edge.kind.as_str() != "imports";
        if !(to_code || from_code) {
            continue;
        }
        for evidence in edge.evidence {
            let _ = writeln!(
                out,
                "{} -{}-> {} [{:?}] {}",
                edge.from,
                edge.edge.kind,
                edge.to,
                evidence.confidence(),
                evidence.detail
            );
        }
    }
    for diagnostic in graph.diagnostics() {
        let _ = writeln!(out, "{diagnostic:?}");
    }
    out
}

#[test]
fn linking_outcome() {
    insta::assert_snapshot!(outcome(&graph()));
}

#[test]
fn code_shared_by_two_functions_reaches_each_functions_resource() {
    let graph = graph();
    let targets: Vec<String> = graph
        .outgoing(&NodeId::new("py:app/store.py#save"))
        .iter()
        .map(|e| e.to.to_string())
        .collect();
    assert_eq!(
        targets,
        [
            "tf:infra:aws_dynamodb_table.audit",
            "tf:infra:aws_dynamodb_table.orders"
        ]
    );
}

#[test]
fn impact_of_a_table_crosses_into_the_code_that_writes_it() {
    let graph = graph();
    let reach = impact(&graph, "name[table]:orders", &TraversalOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let ids: Vec<&str> = reach.affected.iter().map(|h| h.id.as_str()).collect();
    assert!(ids.contains(&"py:app/store.py#save"), "{ids:?}");
    assert!(ids.contains(&"py:app/store.py"), "{ids:?}");
}

#[test]
fn ambiguous_handlers_are_reported_and_not_linked() {
    let graph = graph();
    assert!(
        graph
            .outgoing(&NodeId::new("tf:infra:aws_lambda_function.twin"))
            .is_empty()
    );
    assert!(
        graph
            .diagnostics()
            .iter()
            .any(|d| d.severity == Severity::Warning
                && d.message.contains("app/twin.main")
                && d.line == Some(41))
    );
    // Two symbols answering to one handler key stay two nodes.
    assert!(graph.node(&NodeId::new("py:app/twin.py#main")).is_some());
    assert!(
        graph
            .node(&NodeId::new("py:app/twin/__init__.py#main"))
            .is_some()
    );
}

#[test]
fn a_missing_handler_is_an_unresolved_placeholder() {
    let graph = graph();
    let targets = graph.outgoing(&NodeId::new("tf:infra:aws_lambda_function.ghost"));
    assert_eq!(targets.len(), 1);
    let node = graph
        .node(targets[0].to)
        .unwrap_or_else(|| panic!("placeholder"));
    assert!(node.unresolved);
    assert_eq!(node.node.name, "app/gone.main");
}

#[test]
fn linking_does_not_depend_on_input_order() {
    let text = std::fs::read_to_string("../tests/fixtures/graph/linking.json")
        .unwrap_or_else(|e| panic!("linking.json: {e}"));
    let fragments: Vec<Fragment> =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("linking.json: {e}"));
    let expected = GraphBuilder::from_iter(fragments.clone()).build().to_json();
    let reversed: Vec<Fragment> = fragments
        .into_iter()
        .rev()
        .map(|mut fragment| {
            fragment.nodes.reverse();
            fragment.edges.reverse();
            fragment
        })
        .collect();
    assert_eq!(
        GraphBuilder::from_iter(reversed).build().to_json(),
        expected
    );
}

//! `kubectl get -o json` output in a scanned tree: recognised by content,
//! merged with what traces saw of the same workload (`k8s.deployment.name`),
//! and a Deployment below its desired replicas is `unhealthy`.

mod common;

use std::path::PathBuf;

use infrawise::core::Format;
use infrawise::graph::{FindingCode, StalenessOptions, staleness};
use infrawise::{ScanOptions, scan};

fn tree() -> PathBuf {
    common::tree(
        "kubernetes_scan",
        &[],
        &[
            ("kubernetes/shop.json", "cluster/shop.json"),
            ("kubernetes/secrets.json", "cluster/secrets.json"),
            ("runtime/otlp/collector.jsonl", "cluster/traces.jsonl"),
        ],
    )
}

#[test]
fn kubectl_output_merges_with_traces_and_reports_missing_replicas() {
    let root = tree();
    let result = scan(&root, &ScanOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let kubernetes: Vec<String> = result
        .plan
        .inputs
        .iter()
        .filter(|i| i.format == Format::Kubernetes)
        .map(|i| i.path.display().to_string())
        .collect();
    assert_eq!(kubernetes.len(), 2, "{kubernetes:?}");
    let graph = &result.graph;
    let id = graph
        .lookup("k8s:deployment:shop/orders-api")
        .unwrap_or_else(|e| panic!("{e}"));
    let node = graph.node(id).unwrap_or_else(|| panic!("no node"));
    let extractors: Vec<&str> = node.node.evidence.iter().map(|e| &*e.extractor).collect();
    assert!(
        extractors.contains(&"kubernetes") && extractors.contains(&"otlp"),
        "the traced service and the Deployment are one node: {extractors:?}"
    );
    let unhealthy: Vec<String> = staleness(graph, &StalenessOptions::default())
        .into_iter()
        .filter(|f| f.code == FindingCode::Unhealthy)
        .map(|f| f.message)
        .collect();
    assert!(
        unhealthy
            .iter()
            .any(|m| m.contains("orders-api") && m.contains("1 of 3 replicas ready")),
        "{unhealthy:#?}"
    );
    let json = graph.to_json();
    for leak in [
        "s3cr3t-db-pass",
        "b3JkZXJzLWFwaS10b2tlbi1MRUFLRUQ=",
        "plain-LEAKED-text",
    ] {
        assert!(!json.contains(leak), "{leak}");
    }
}

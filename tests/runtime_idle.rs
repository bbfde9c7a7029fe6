//! Idle is concluded from a complete window only: a declared queue that
//! sampled traces never show is not idle (traces prove nothing by
//! absence), and the same queue with a complete CloudWatch window of zero
//! messages is. The metrics land on the declared queue: one node, with its
//! declared evidence and the observed `activity`.

mod common;

use std::path::{Path, PathBuf};

use infrawise::core::{Format, Origin};
use infrawise::graph::{FindingCode, StalenessOptions, staleness};
use infrawise::{ScanOptions, scan};

const MAIN_TF: &str = r#"
resource "aws_sqs_queue" "orders" {
  name = "orders-queue"
}

resource "aws_sqs_queue" "reports" {
  name = "reports-queue"
}
"#;

fn tree(name: &str, with_metrics: bool) -> PathBuf {
    let mut copies = vec![("runtime/otlp/collector.jsonl", "runtime/collector.jsonl")];
    if with_metrics {
        copies.extend([
            ("runtime/metrics/queues.json", "runtime/queues.json"),
            (
                "runtime/metrics/queues.query.json",
                "runtime/queues.query.json",
            ),
        ]);
    }
    common::tree(name, &[("infra/main.tf", MAIN_TF)], &copies)
}

fn idle(root: &Path) -> Vec<String> {
    let result = scan(root, &ScanOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    staleness(&result.graph, &StalenessOptions::default())
        .into_iter()
        .filter(|f| f.code == FindingCode::Idle)
        .map(|f| f.message)
        .collect()
}

#[test]
fn sampled_traces_alone_never_make_a_queue_idle() {
    let root = tree("runtime_idle_traces", false);
    let result = scan(&root, &ScanOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        result
            .plan
            .inputs
            .iter()
            .any(|i| i.format == Format::Traces),
        "the traces are read"
    );
    assert!(idle(&root).is_empty(), "{:?}", idle(&root));
}

#[test]
fn a_complete_window_of_zero_messages_makes_the_declared_queue_idle() {
    let root = tree("runtime_idle_metrics", true);
    assert_eq!(
        idle(&root),
        [
            "queue tf:infra:aws_sqs_queue.reports is declared, but had no activity from 2025-11-04T00:00:00Z to 2025-11-18T00:00:00Z (AWS/SQS NumberOfMessagesReceived Sum 0, AWS/SQS NumberOfMessagesSent Sum 0)"
        ]
    );
    let result = scan(&root, &ScanOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let id = result
        .graph
        .lookup("name[queue]:reports-queue")
        .unwrap_or_else(|e| panic!("{e}"));
    let node = result.graph.node(id).unwrap_or_else(|| panic!("no node"));
    assert_eq!(node.node.id.as_str(), "tf:infra:aws_sqs_queue.reports");
    let extractors: Vec<&str> = node.node.evidence.iter().map(|e| &*e.extractor).collect();
    assert!(
        extractors.contains(&"terraform") && extractors.contains(&"cloudwatch"),
        "{extractors:?}"
    );
    assert!(
        node.node
            .attributes
            .get("activity")
            .is_some_and(|v| v.contains_key(&Origin::Observed))
    );
}

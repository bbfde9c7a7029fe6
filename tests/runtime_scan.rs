//! Runtime exports in a scanned tree: recognised by content (gzip too) and
//! merged with what Terraform declares, so the queue a Lambda consumes in
//! its spans, the one CloudTrail saw it receive from, and the declared
//! queue are one node.

mod common;

use std::path::PathBuf;

use infrawise::core::{EdgeKind, Format, NodeKind, Origin, SourceStatus};
use infrawise::{ScanOptions, scan};

const MAIN_TF: &str = r#"
resource "aws_sqs_queue" "orders" {
  name = "orders-queue"
}

resource "aws_dynamodb_table" "orders" {
  name         = "orders-table"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"
  attribute {
    name = "pk"
    type = "S"
  }
}

resource "aws_lambda_function" "worker" {
  function_name = "orders-worker"
  role          = "arn:aws:iam::123456789012:role/service-role/orders-worker-role"
  handler       = "worker.handler"
  runtime       = "python3.12"
  filename      = "worker.zip"
}
"#;

fn tree() -> PathBuf {
    let copies: Vec<(String, String)> = [
        "otlp/collector.jsonl",
        "otlp/rotated-2024-05-01T12-10-00.jsonl.gz",
        "jaeger/hotrod-trace.json",
        "cloudtrail/123456789012_CloudTrail_eu-west-1_20240501T1205Z_Xb3dPq9rT2aLmN0c.json.gz",
        "cloudtrail/lookup-events-page-1.json",
    ]
    .iter()
    .map(|file| {
        let name = file.rsplit('/').next().unwrap_or(file);
        (format!("runtime/{file}"), format!("exports/{name}"))
    })
    .collect();
    common::tree("runtime_scan", &[("infra/main.tf", MAIN_TF)], &copies)
}

#[test]
fn runtime_exports_are_recognised_and_merge_with_declarations() {
    let root = tree();
    let result = scan(&root, &ScanOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let formats: Vec<(Format, String)> = result
        .plan
        .inputs
        .iter()
        .filter(|input| matches!(input.format, Format::Traces | Format::CloudTrail))
        .map(|input| {
            let name = input.path.file_name().unwrap_or_default();
            (input.format, name.to_string_lossy().into_owned())
        })
        .collect();
    assert_eq!(formats.len(), 5, "{formats:?}");
    let graph = result.graph;

    // The declared queue, observed in spans and in CloudTrail, is one node.
    let node = |alias: &str| {
        let id = graph
            .lookup(alias)
            .unwrap_or_else(|e| panic!("{alias}: {e}"));
        graph.node(id).unwrap_or_else(|| panic!("{alias}"))
    };
    let queue = node("name[queue]:orders-queue");
    assert_eq!(queue.node.id.as_str(), "tf:infra:aws_sqs_queue.orders");
    let extractors: Vec<&str> = queue
        .node
        .evidence
        .iter()
        .map(|e| e.extractor.as_ref())
        .collect();
    for extractor in ["terraform", "otlp", "cloudtrail"] {
        assert!(extractors.contains(&extractor), "{extractors:?}");
    }

    // The Lambda's spans (faas.name) land on the declared function, whose
    // observed consumption of the queue is an observed edge between the two.
    let function = node("name[function]:orders-worker");
    assert_eq!(function.node.kind, NodeKind::Function);
    assert_eq!(
        function.node.id.as_str(),
        "tf:infra:aws_lambda_function.worker"
    );
    assert!(function.node.origins().contains(&Origin::Observed));
    let consumes = graph
        .outgoing(&function.node.id)
        .into_iter()
        .find(|e| e.edge.kind == EdgeKind::Consumes && e.to == &queue.node.id)
        .unwrap_or_else(|| panic!("no observed consumes edge"));
    let counted: u64 = consumes
        .evidence
        .iter()
        .filter_map(infrawise::core::Evidence::count)
        .sum();
    assert_eq!(counted, 2, "one span in each trace file");

    // Sources say what they cover and how completely.
    let status = |name: &str| {
        graph
            .sources()
            .iter()
            .find(|s| s.path.ends_with(name))
            .map(|s| s.status)
    };
    assert_eq!(status("collector.jsonl"), Some(SourceStatus::Partial));
    assert_eq!(
        status("lookup-events-page-1.json"),
        Some(SourceStatus::Partial)
    );
    assert_eq!(status(".json.gz"), Some(SourceStatus::Complete));
}

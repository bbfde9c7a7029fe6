//! AWS inventory output in a scanned tree: recognised by content (and
//! never mistaken for a template or a state file), and merged with what
//! Terraform declares, so the declared queue, table and function each end
//! up as one node carrying declared and observed evidence and the settings
//! the inventory showed.

mod common;

use std::path::PathBuf;

use infrawise::core::{EdgeKind, Format, NodeKind, Origin, SourceStatus};
use infrawise::{ScanOptions, scan};

const MAIN_TF: &str = r#"
resource "aws_sqs_queue" "orders" {
  name                       = "orders-queue"
  visibility_timeout_seconds = 360
}

resource "aws_sqs_queue" "dlq" {
  name = "orders-dlq"
}

resource "aws_dynamodb_table" "orders" {
  name         = "orders-table"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"
  range_key    = "sk"
  attribute {
    name = "pk"
    type = "S"
  }
  attribute {
    name = "sk"
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

const INVENTORY: [&str; 7] = [
    "dynamodb/describe-table.json",
    "lambda/get-function-configuration.json",
    "lambda/list-event-source-mappings.json",
    "sqs/list-queues.json",
    "sqs/get-queue-attributes.json",
    "tagging/get-resources.json",
    "config/snapshot.json",
];

fn tree() -> PathBuf {
    // `sqs/list-queues.json` becomes `inventory/sqs-list-queues.json`.
    let copies: Vec<(String, String)> = INVENTORY
        .iter()
        .map(|file| {
            (
                format!("inventory/{file}"),
                format!("inventory/{}", file.replace('/', "-")),
            )
        })
        .collect();
    common::tree("inventory_scan", &[("infra/main.tf", MAIN_TF)], &copies)
}

#[test]
fn inventory_is_recognised_and_merges_with_declarations() {
    let root = tree();
    let result = scan(&root, &ScanOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let mut inventory: Vec<String> = result
        .plan
        .inputs
        .iter()
        .filter(|input| input.format == Format::Inventory)
        .map(|input| {
            input
                .path
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    inventory.sort();
    let mut expected: Vec<String> = INVENTORY.iter().map(|f| f.replace('/', "-")).collect();
    expected.sort();
    assert_eq!(inventory, expected, "every inventory file, and only those");
    let graph = result.graph;
    let node = |alias: &str| {
        let id = graph
            .lookup(alias)
            .unwrap_or_else(|e| panic!("{alias}: {e}"));
        graph.node(id).unwrap_or_else(|| panic!("{alias}"))
    };
    let observed = |alias: &str, attribute: &str| {
        node(alias)
            .node
            .attributes
            .get(attribute)
            .and_then(|values| values.get(&Origin::Observed))
            .and_then(|value| value.known().cloned())
    };

    // One node per resource, by whichever alias it is looked up.
    for (alias, also, id) in [
        (
            "name[queue]:orders-queue",
            "arn:aws:sqs:eu-west-1:123456789012:orders-queue",
            "tf:infra:aws_sqs_queue.orders",
        ),
        (
            "name[table]:orders-table",
            "arn:aws:dynamodb:eu-west-1:123456789012:table/orders-table",
            "tf:infra:aws_dynamodb_table.orders",
        ),
        (
            "name[function]:orders-worker",
            "arn:aws:lambda:eu-west-1:123456789012:function:orders-worker",
            "tf:infra:aws_lambda_function.worker",
        ),
    ] {
        let found = node(alias);
        assert_eq!(found.node.id.as_str(), id, "{alias}");
        assert_eq!(graph.lookup(also).ok(), Some(&found.node.id), "{also}");
        let origins = found.node.origins();
        assert!(
            origins.contains(&Origin::Declared) && origins.contains(&Origin::Observed),
            "{alias}: {origins:?}"
        );
        let extractors: Vec<&str> = found
            .node
            .evidence
            .iter()
            .map(|e| e.extractor.as_ref())
            .collect();
        assert!(extractors.contains(&"terraform"), "{extractors:?}");
        assert!(extractors.contains(&"aws-inventory"), "{extractors:?}");
    }
    assert_eq!(
        graph
            .nodes()
            .filter(|n| n.node.kind == NodeKind::Queue
                && n.node.aliases.iter().any(|a| a.value == "orders-queue"))
            .count(),
        1,
        "one orders-queue node"
    );

    // The observed settings, under the API's names.
    assert_eq!(
        observed("name[queue]:orders-queue", "VisibilityTimeout"),
        Some(serde_json::json!(360))
    );
    assert_eq!(
        observed("name[queue]:orders-queue", "Tags"),
        Some(serde_json::json!({"env": "prod", "team": "orders"}))
    );
    assert_eq!(
        observed("name[table]:orders-table", "TableStatus"),
        Some(serde_json::json!("ACTIVE"))
    );
    assert_eq!(
        observed("name[index]:orders-table/by-customer", "IndexStatus"),
        Some(serde_json::json!("CREATING"))
    );
    assert_eq!(
        observed("name[function]:orders-worker", "MemorySize"),
        Some(serde_json::json!(512))
    );

    // Observed edges land on the declared nodes.
    let queue = node("name[queue]:orders-queue").node.id.clone();
    let dlq = node("name[queue]:orders-dlq").node.id.clone();
    let function = node("name[function]:orders-worker").node.id.clone();
    let has_edge =
        |from: &infrawise::core::NodeId, kind: EdgeKind, to: &infrawise::core::NodeId| {
            graph.outgoing(from).into_iter().any(|e| {
                e.edge.kind == kind
                    && e.to == to
                    && e.evidence.iter().any(|ev| ev.origin == Origin::Observed)
            })
        };
    assert!(has_edge(&queue, EdgeKind::References, &dlq), "redrive");
    assert!(
        has_edge(&function, EdgeKind::Triggers, &queue),
        "event source"
    );
    assert!(
        has_edge(&function, EdgeKind::Reads, &queue),
        "env QUEUE_URL"
    );

    // Sources say their scope; a complete listing here, since no page token.
    let source = graph
        .sources()
        .iter()
        .find(|s| s.path.ends_with("sqs-list-queues.json"))
        .unwrap_or_else(|| panic!("no list-queues source"));
    assert_eq!(source.status, SourceStatus::Complete);
    assert_eq!(source.scope.as_deref(), Some("aws:123456789012/eu-west-1"));

    // Secrets stay out of the graph.
    let json = serde_json::to_string(&graph.to_document()).unwrap_or_else(|e| panic!("{e}"));
    assert!(!json.contains("sk_live_"), "a secret env value leaked");
    assert!(!json.contains("hunter2"), "a credential leaked");
}

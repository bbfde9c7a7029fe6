//! Snapshot tests for the AWS inventory reader over files shaped exactly
//! like the AWS CLI's output and AWS Config's, plus the guarantees that
//! matter most: secrets and payloads never reach the output, pages are
//! partial, and no input makes the reader panic.

use std::path::Path;

use infrawise_core::{EdgeKind, Fragment, NodeRef, SourceStatus};
use infrawise_parsers::inventory;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/inventory");

/// Paths in the output are relative to the fixtures folder, as a scan of
/// it would show them (the file name matters for some commands).
fn parse(path: &Path) -> Fragment {
    let root = Path::new(FIXTURES)
        .canonicalize()
        .unwrap_or_else(|e| panic!("{e}"));
    let path = path.canonicalize().unwrap_or_else(|e| panic!("{e}"));
    inventory::parse(&[path], &root)
}

fn check(path: &Path) -> String {
    let head = std::fs::read_to_string(path).unwrap_or_default();
    format!(
        "command {:?}\n{}",
        inventory::detect_command(&head),
        parse(path).render()
    )
}

#[test]
fn fixtures() {
    insta::glob!("../../tests/fixtures/inventory", "**/*.json", |path| {
        insta::assert_snapshot!(check(path));
    });
}

fn all_fixtures() -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![Path::new(FIXTURES).to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{e}")) {
            let path = entry.unwrap_or_else(|e| panic!("{e}")).path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn secrets_payloads_and_personal_data_never_reach_the_output() {
    let leaks = [
        "sk_live_51HxQZ2eZvKYlo2C8rT0pLEAKEDsecretVALUE",
        "LEAKED",
        "hunter2",
        "zz-leak",
        "Zm9vYmFyLWxlYWstc2FsdC0xMjM0NTY3ODkw",
        "X-Amz-Security-Token",
        "IQoJb3JpZ2luX2VjEXAMPLELEAK",
        "input-payload-leak",
        "transformer-leak",
        "partner-leak",
        "oncall.person@example.com",
        "new.hire@example.com",
        "/v1/charge",
    ];
    let mut read = 0;
    for path in all_fixtures() {
        let fragment = parse(&path);
        let text = format!(
            "{}\n{}",
            fragment.render(),
            serde_json::to_string(&fragment).unwrap_or_else(|e| panic!("{e}"))
        );
        for leak in leaks {
            assert!(
                !text.contains(leak),
                "{}: `{leak}` reached the output",
                path.display()
            );
        }
        read += 1;
    }
    assert!(read >= 15, "only {read} fixtures read");
}

#[test]
fn environment_keeps_names_and_resource_edges_only() {
    let fragment = parse(&Path::new(FIXTURES).join("lambda/get-function-configuration.json"));
    let function = fragment
        .nodes
        .iter()
        .find(|node| node.id.as_str() == "runtime:function:orders-worker")
        .unwrap_or_else(|| panic!("no function node"));
    let names = function
        .attributes
        .get("EnvironmentVariableNames")
        .and_then(|values| values.values().next())
        .and_then(|value| value.known().cloned());
    assert_eq!(
        names,
        Some(serde_json::json!([
            "EVENTS_TOPIC_ARN",
            "LOG_LEVEL",
            "ORDERS_TABLE",
            "PAYMENTS_URL",
            "QUEUE_URL",
            "SIGNING_SALT",
            "STRIPE_API_KEY"
        ]))
    );
    let env_edges: Vec<String> = fragment
        .edges
        .iter()
        .filter(|edge| edge.evidence.iter().any(|e| e.detail.starts_with("env ")))
        .map(|edge| match &edge.to {
            NodeRef::Alias(alias) => format!("{} {alias}", edge.kind),
            NodeRef::Id(id) => format!("{} {id}", edge.kind),
        })
        .collect();
    let mut env_edges = env_edges;
    env_edges.sort();
    assert_eq!(
        env_edges,
        [
            "calls name[endpoint]:https://payments.internal.example.com",
            "reads name[queue]:orders-queue",
            "reads name[table]:orders-table",
            "reads name[topic]:order-events",
        ]
    );
}

#[test]
fn pages_are_partial_and_last_pages_complete() {
    let status = |file: &str| {
        let fragment = parse(&Path::new(FIXTURES).join(file));
        fragment
            .sources
            .first()
            .map(|s| (s.status, s.scope.clone()))
    };
    assert_eq!(
        status("lambda/list-functions-page-1.json"),
        Some((
            SourceStatus::Partial,
            Some("aws:123456789012/eu-west-1".to_owned())
        ))
    );
    assert_eq!(
        status("config/get-resource-config-history.json").map(|s| s.0),
        Some(SourceStatus::Partial)
    );
    // `get-resources` writes an empty token on its last page.
    assert_eq!(
        status("tagging/get-resources.json").map(|s| s.0),
        Some(SourceStatus::Complete)
    );
    assert_eq!(
        status("malformed/list-functions-truncated.json").map(|s| s.0),
        Some(SourceStatus::Failed)
    );
}

#[test]
fn event_source_mappings_line_up_with_sam_and_cloudformation() {
    let fragment = parse(&Path::new(FIXTURES).join("lambda/list-event-source-mappings.json"));
    let edge = |from: &str, kind: EdgeKind, to: &str| {
        fragment.edges.iter().any(|edge| {
            let name = |end: &NodeRef| match end {
                NodeRef::Alias(alias) => alias.to_string(),
                NodeRef::Id(id) => id.to_string(),
            };
            name(&edge.from) == from && edge.kind == kind && name(&edge.to) == to
        })
    };
    // SAM: the function triggers on its source.
    assert!(edge(
        "name[function]:orders-worker",
        EdgeKind::Triggers,
        "name[queue]:orders-queue"
    ));
    // CloudFormation / Terraform: the mapping references both.
    let mapping = "runtime:resource:6c1f2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f";
    assert!(edge(
        mapping,
        EdgeKind::References,
        "name[function]:orders-worker"
    ));
    assert!(edge(
        mapping,
        EdgeKind::References,
        "name[queue]:orders-queue"
    ));
    // A DynamoDB stream stands for its table; a qualified function ARN for the function.
    assert!(edge(
        "name[function]:legacy-export",
        EdgeKind::Triggers,
        "name[table]:orders-table"
    ));
}

#[test]
fn no_input_makes_the_reader_panic() {
    let samples = [
        "",
        "{",
        "[]",
        "null",
        r#"{"Table": 3}"#,
        r#"{"Table": {"TableName": 7, "GlobalSecondaryIndexes": "x"}}"#,
        r#"{"Functions": {"a": 1}}"#,
        r#"{"FunctionName": "f", "FunctionArn": "arn:", "Environment": {"Variables": [1]}}"#,
        r#"{"Attributes": {"QueueArn": "arn:aws:sqs", "RedrivePolicy": "{"}}"#,
        r#"{"Attributes": {"RedrivePolicy": 5, "VisibilityTimeout": []}}"#,
        r#"{"Subscriptions": [{"TopicArn": "arn:aws:sns:r:1:t", "SubscriptionArn": "arn:x", "Protocol": "lambda", "Endpoint": 4}]}"#,
        r#"{"Targets": [{"Id": "a", "Arn": "arn"}], "Rule": ""}"#,
        r#"{"Items": [{"RouteKey": "GET /", "Target": 4}]}"#,
        r#"{"Items": [{"IntegrationType": "AWS", "IntegrationId": "x", "IntegrationUri": "/functions/"}]}"#,
        r#"{"ResourceTagMappingList": [{"ResourceARN": "arn:aws:s3:::", "Tags": [{"Key": 1}]}]}"#,
        r#"{"configurationItems": [{"resourceType": "AWS::Lambda::Function", "resourceId": "f", "configuration": "{\"environment\": 3}", "relationships": [{}]}]}"#,
        r#"{"configurationItems": [{"resourceType": "X", "resourceId": "", "configurationItemCaptureTime": 1e400}]}"#,
        "{\"QueueUrls\": [\"https://sqs.\u{e9}/\u{e9}\", \"\u{1F600}\"]}",
    ];
    for sample in samples {
        let fragment = inventory::parse_text(sample, "sample.json");
        assert_eq!(fragment.sources.len(), 1, "{sample}");
    }
}

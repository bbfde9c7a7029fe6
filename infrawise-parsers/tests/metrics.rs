//! CloudWatch metrics (`get-metric-data`, `get-metric-statistics`) over
//! samples shaped like the CLI's output, each joined with its query (in
//! the same file or a `.query.json` sidecar): the activity each resource
//! gets, what makes a window complete, and what is skipped and said.

use std::path::{Path, PathBuf};

use infrawise_core::{Fragment, Origin, SourceStatus};
use infrawise_parsers::runtime::metrics;
use serde_json::Value;

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/runtime/metrics"
);

fn files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(FIXTURES)
        .unwrap_or_else(|e| panic!("{e}"))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .collect();
    files.sort();
    files
}

fn parse() -> Fragment {
    metrics::parse_metrics(&files(), Path::new(FIXTURES))
}

fn activity<'a>(fragment: &'a Fragment, id: &str) -> &'a Value {
    let node = fragment
        .nodes
        .iter()
        .find(|n| n.id.as_str() == id)
        .unwrap_or_else(|| panic!("no node {id}"));
    node.attributes
        .get("activity")
        .and_then(|values| values.get(&Origin::Observed))
        .and_then(|value| value.known())
        .unwrap_or_else(|| panic!("{id}: no activity"))
}

#[test]
fn every_file_is_recognised_as_metrics() {
    for file in files() {
        let head = std::fs::read_to_string(&file).unwrap_or_default();
        assert!(metrics::detect(&head), "{}", file.display());
    }
    for other in [
        r#"{"Records": [{"eventVersion": "1.08"}]}"#,
        r#"{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {}}"#,
        r#"{"version": 4, "terraform_version": "1.9.8", "resources": []}"#,
    ] {
        assert!(!metrics::detect(other), "{other}");
    }
}

#[test]
fn fixtures_render() {
    insta::assert_snapshot!(parse().render());
}

#[test]
fn a_silent_queue_has_a_complete_window_of_zero_and_a_busy_one_its_sums() {
    let fragment = parse();
    let silent = activity(&fragment, "runtime:queue:reports-queue");
    assert_eq!(silent["complete"], Value::Bool(true));
    assert_eq!(silent["total"], 0);
    assert_eq!(silent["window_start"], "2025-11-04T00:00:00Z");
    assert_eq!(silent["window_end"], "2025-11-18T00:00:00Z");
    let busy = activity(&fragment, "runtime:queue:orders-queue");
    assert_eq!(busy["total"], 5657 + 5655);
    assert!(
        busy["metrics"]
            .get("AWS/SQS ApproximateNumberOfMessagesVisible Maximum")
            .is_some(),
        "a gauge is kept, not added to the total: {busy}"
    );
    let worker = activity(&fragment, "runtime:function:orders-worker");
    assert_eq!(
        (worker["total"].clone(), worker["errors"].clone()),
        (2371.into(), 3.into())
    );
    let index = activity(&fragment, "runtime:index:orders-table/by-customer");
    assert_eq!(index["total"], 0);
    let topic = activity(&fragment, "runtime:topic:order-events");
    assert_eq!(topic["total"], 42);
}

#[test]
fn a_partial_page_never_makes_a_complete_window() {
    let fragment = parse();
    let audit = activity(&fragment, "runtime:queue:audit-queue");
    assert_eq!(audit["complete"], Value::Bool(false));
    let source = fragment
        .sources
        .iter()
        .find(|s| s.path == "partial.json")
        .unwrap_or_else(|| panic!("no source"));
    assert_eq!(source.status, SourceStatus::Partial);
    assert!(
        source
            .caveat
            .as_deref()
            .is_some_and(|c| c.contains("NextToken") && c.contains("PartialData")),
        "{:?}",
        source.caveat
    );
}

#[test]
fn what_cannot_be_tied_to_a_resource_is_said_and_skipped() {
    let fragment = parse();
    let messages: Vec<String> = fragment
        .diagnostics
        .iter()
        .map(ToString::to_string)
        .collect();
    for expected in [
        "orphan.json: warning: metric results without their query",
        "lambda-dynamodb.json: info: metric result \"errorRate\" is metric math",
        "lambda-dynamodb.json: info: metric AWS/EC2 CPUUtilization names no resource",
    ] {
        assert!(
            messages.iter().any(|m| m.starts_with(expected)),
            "{expected}: {messages:#?}"
        );
    }
    assert!(
        !messages
            .iter()
            .any(|m| m.starts_with("queues.query.json") || m.starts_with("topic.query.json")),
        "sidecars joined with their results are not reported: {messages:#?}"
    );
}

#[test]
fn bad_input_is_a_diagnostic_never_a_panic() {
    let dir = std::env::temp_dir().join(format!("infrawise-metrics-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let cases = [
        (
            "truncated.json",
            "{\"MetricDataResults\": [{\"Id\": \"a\", \"Values\": [1,",
        ),
        ("array.json", "[1, 2, 3]"),
        (
            "weird.json",
            "{\"MetricDataQueries\": 7, \"MetricDataResults\": {\"Id\": 1}}",
        ),
        (
            "types.json",
            "{\"MetricDataQueries\": [{\"Id\": \"a\", \"MetricStat\": {\"Metric\": {\"Namespace\": 1}}}], \"MetricDataResults\": [{\"Id\": \"a\", \"Values\": [\"x\"], \"Timestamps\": [3]}]}",
        ),
    ];
    let mut paths = Vec::new();
    for (name, text) in cases {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
        paths.push(path);
    }
    let fragment = metrics::parse_metrics(&paths, &dir);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(fragment.nodes.is_empty(), "{}", fragment.render());
    assert!(fragment.diagnostics.len() >= 2, "{}", fragment.render());
}

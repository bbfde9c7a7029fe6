//! `--format sarif` for `check`, `stale` and `drift`: every log the CLI
//! writes validates against the official SARIF 2.1.0 schema
//! (`tests/schemas/`), and GitHub code scanning's limits hold.
#![allow(
    clippy::expect_used,
    reason = "a test fails by panicking, with the reason"
)]

mod common;

use common::binary;
use std::path::Path;
use std::process::Command;

use infrawise::core::{Evidence, NodeId, Severity};
use infrawise::graph::export::{MAX_RESULTS, findings_sarif};
use infrawise::graph::{Finding, FindingCode};

fn validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/sarif-schema-2.1.0.json"),
    )
    .expect("the committed SARIF schema");
    let schema: serde_json::Value = serde_json::from_str(&text).expect("schema is json");
    jsonschema::validator_for(&schema).expect("the SARIF schema compiles")
}

fn assert_valid(log: &serde_json::Value) {
    let validator = validator();
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "invalid SARIF: {errors:#?}");
}

fn sarif_of(command: &str) -> serde_json::Value {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo");
    let output = Command::new(binary())
        .args([
            command,
            "--dir",
            demo.to_str().expect("utf-8"),
            "--format",
            "sarif",
        ])
        .output()
        .expect("run the cli");
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("sarif is json")
}

#[test]
fn check_stale_and_drift_write_valid_sarif() {
    for command in ["check", "stale", "drift"] {
        let log = sarif_of(command);
        assert_valid(&log);
        assert!(
            log["runs"][0]["results"]
                .as_array()
                .is_some_and(|r| !r.is_empty()),
            "{command} found nothing on the demo"
        );
    }
    insta::assert_json_snapshot!(sarif_of("check"));
    // The validator rejects what is not SARIF 2.1.0, so the checks above
    // can fail.
    let mut broken = sarif_of("check");
    broken["version"] = serde_json::json!("9.9");
    broken["runs"][0]["results"][0]["level"] = serde_json::json!("fatal");
    assert!(!validator().is_valid(&broken));
}

#[test]
fn declared_findings_point_at_lines_and_observed_ones_at_nodes() {
    let log = sarif_of("check");
    let results = log["runs"][0]["results"].as_array().expect("results");
    let by_rule = |rule: &str| {
        results
            .iter()
            .find(|r| r["ruleId"] == rule)
            .unwrap_or_else(|| panic!("a {rule} result"))
    };
    let declared = by_rule("declared-not-observed");
    assert_eq!(
        declared["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "infra/main.tf"
    );
    let shadow = by_rule("observed-not-declared");
    assert!(shadow["locations"][0].get("physicalLocation").is_none());
    assert_eq!(
        shadow["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
        "tf:infra:aws_sqs_queue.legacy_orders"
    );
}

#[test]
fn a_run_holds_at_most_what_github_accepts() {
    let finding = |i: usize| Finding {
        code: FindingCode::DanglingReference,
        severity: Severity::Warning,
        message: format!("finding {i}"),
        nodes: vec![NodeId::new(format!("n{i}"))],
        evidence: vec![Evidence::declared("test", "x").at("dir with space/main.tf", Some(3))],
        rule: None,
    };
    let findings: Vec<Finding> = (0..=MAX_RESULTS).map(finding).collect();
    let log = findings_sarif(&findings, "0.0.0");
    assert_valid(&log);
    let run = &log["runs"][0];
    assert_eq!(run["results"].as_array().map(Vec::len), Some(MAX_RESULTS));
    assert!(
        run["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("1 finding(s) left out"))
    );
    assert_eq!(
        run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "dir%20with%20space/main.tf"
    );
}

#[test]
fn policy_results_are_valid_sarif_with_a_rule_each() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/policies/system");
    let output = Command::new(binary())
        .args([
            "check",
            "--dir",
            fixture.to_str().expect("utf-8"),
            "--rules",
            "builtin",
            "--format",
            "sarif",
        ])
        .output()
        .expect("run the cli");
    let log: serde_json::Value = serde_json::from_slice(&output.stdout).expect("sarif is json");
    assert_valid(&log);
    let run = &log["runs"][0];
    let rules: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert!(
        rules.contains(&"policy/sqs_visibility_covers_consumer_timeout"),
        "{rules:?}"
    );
    // A violation found on the declaration points at its line; one found
    // on what runs only names the resource.
    let located: Vec<(&str, Option<u64>)> = run["results"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| {
            r["ruleId"]
                .as_str()
                .is_some_and(|id| id.starts_with("policy/"))
        })
        .map(|r| {
            (
                r["ruleId"].as_str().unwrap_or_default(),
                r["locations"][0]["physicalLocation"]["region"]["startLine"].as_u64(),
            )
        })
        .collect();
    assert!(
        located.contains(&("policy/sqs_visibility_covers_consumer_timeout", Some(8))),
        "{located:?}"
    );
    assert!(
        located.contains(&("policy/tf_sqs_visibility_covers_consumer_timeout", None)),
        "{located:?}"
    );
}

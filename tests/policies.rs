//! `check --rules DIR`: cfn-guard rules over the graph's resources,
//! declared and observed, on `tests/fixtures/policies`.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::binary;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/policies")
        .join(name)
}

fn pack() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/policies")
}

fn check(rules: &Path, format: &str) -> (Option<i32>, String, String) {
    let output = Command::new(binary())
        .arg("check")
        .arg("--dir")
        .arg(fixture("system"))
        .arg("--rules")
        .arg(rules)
        .args(["--format", format, "--fail-on", "error"])
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", binary().display()));
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// (rule, node, origin) of every policy violation in a JSON findings document.
fn violations(json: &str) -> Vec<(String, String, String)> {
    let value: serde_json::Value =
        serde_json::from_str(json).unwrap_or_else(|e| panic!("findings json: {e}\n{json}"));
    let mut out: Vec<(String, String, String)> = value["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["code"] == "policy-violation")
        .map(|f| {
            let message = f["message"].as_str().unwrap_or_default();
            let origin = if message.contains("(observed)") {
                "observed"
            } else {
                "declared"
            };
            (
                f["rule"].as_str().unwrap_or_default().to_owned(),
                f["nodes"][0].as_str().unwrap_or_default().to_owned(),
                origin.to_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn the_shipped_pack_flags_exactly_the_planted_risks() {
    let (code, stdout, stderr) = check(&pack(), "json");
    assert_eq!(code, Some(1), "{stderr}");
    let expected = [
        ("lambda_memory_sized", "cfn:stack:JobsWorker", "declared"),
        ("s3_bucket_encrypted", "cfn:stack:Uploads", "declared"),
        ("sqs_queue_encrypted", "cfn:stack:Events", "declared"),
        (
            "sqs_queue_has_dead_letter_queue",
            "cfn:stack:Events",
            "declared",
        ),
        // Graph-aware: the consumer is two hops away, behind the mapping.
        (
            "sqs_visibility_covers_consumer_timeout",
            "cfn:stack:Jobs",
            "declared",
        ),
        // Declared right, running wrong: only the observed document fails.
        (
            "tf_dynamodb_table_point_in_time_recovery",
            "tf:infra:aws_dynamodb_table.orders",
            "observed",
        ),
        (
            "tf_sqs_visibility_covers_consumer_timeout",
            "tf:infra:aws_sqs_queue.orders",
            "observed",
        ),
    ]
    .map(|(a, b, c)| (a.to_owned(), b.to_owned(), c.to_owned()));
    assert_eq!(violations(&stdout), expected);
    // Dead-letter queues themselves (a queue's redrive target) are not asked for one.
    assert!(!stdout.contains("cfn:stack:JobsDlq"));
    assert!(!stdout.contains("aws_sqs_queue.orders_dlq"));
}

#[test]
fn the_builtin_pack_is_the_shipped_directory() {
    let (_, from_dir, _) = check(&pack(), "json");
    let (_, builtin, _) = check(Path::new("builtin"), "json");
    assert_eq!(violations(&from_dir), violations(&builtin));
}

#[test]
fn violations_carry_the_evidence_of_their_origin() {
    let (_, stdout, _) = check(&pack(), "text");
    let policy_lines: String = stdout
        .split("\nwarning ")
        .filter(|block| block.contains("[policy-violation]"))
        .collect::<Vec<_>>()
        .join("\n");
    insta::assert_snapshot!(policy_lines);
}

#[test]
fn a_rule_file_that_does_not_parse_is_an_error_with_its_line() {
    let (code, stdout, stderr) = check(&fixture("bad"), "text");
    assert_eq!(code, Some(2), "{stdout}");
    assert!(
        stderr.contains("broken.guard:4") && stderr.contains("does not parse"),
        "{stderr}"
    );
}

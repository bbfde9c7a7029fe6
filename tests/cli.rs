//! The `infrawise` example binary end to end: output formats, `--graph`,
//! and exit codes (0 ok, 1 findings at or above `--fail-on`, 2 usage or
//! input error). `cargo test` builds the examples before running tests.
#![allow(
    clippy::expect_used,
    reason = "a test fails by panicking, with the reason"
)]

mod common;

use common::{binary, demo};
use std::path::Path;
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(binary())
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", binary().display()))
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn scan_prints_the_json_contract() {
    let output = run(&[
        "scan",
        demo().to_str().expect("utf-8 path"),
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let document: serde_json::Value =
        serde_json::from_str(&stdout(&output)).expect("scan prints json");
    assert_eq!(document["schema_version"], 1);
    for key in ["nodes", "edges", "sources", "diagnostics"] {
        assert!(document[key].is_array(), "{key} is an array");
    }
    assert!(
        !document["nodes"].as_array().expect("nodes").is_empty(),
        "the demo has nodes"
    );
}

#[test]
fn scan_of_a_missing_directory_is_an_input_error() {
    let output = run(&["scan", "/definitely/not/here"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("is not a directory"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn unknown_flags_and_nodes_are_usage_errors() {
    let output = run(&["impact"]);
    assert_eq!(
        output.status.code(),
        Some(2),
        "a missing NODE is a usage error"
    );
    let output = run(&[
        "impact",
        "no-such-node",
        "--dir",
        demo().to_str().expect("utf-8 path"),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("no node is known as \"no-such-node\""),
        "{}",
        stderr(&output)
    );
    let output = run(&[
        "impact",
        "x",
        "--kind",
        "bogus",
        "--dir",
        demo().to_str().expect("utf-8 path"),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("--kind takes one of"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn saved_graphs_answer_queries_and_check_gates_on_severity() {
    let saved =
        std::env::temp_dir().join(format!("infrawise-cli-test-{}.json", std::process::id()));
    let saved_arg = saved.to_str().expect("utf-8 path");
    let output = run(&[
        "scan",
        demo().to_str().expect("utf-8 path"),
        "--format",
        "json",
        "-o",
        saved_arg,
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));

    let output = run(&["export", "--graph", saved_arg, "--format", "dot"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).starts_with("digraph infrawise {"));

    let output = run(&["stale", "--graph", saved_arg, "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let findings: serde_json::Value =
        serde_json::from_str(&stdout(&output)).expect("stale prints json");
    assert!(findings["findings"].is_array());

    // The demo's state has a hand-raised queue timeout: attribute drift is
    // an error, so the strictest gate fails and an impossible one passes.
    let output = run(&["check", "--graph", saved_arg, "--fail-on", "error"]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}{}",
        stdout(&output),
        stderr(&output)
    );
    let output = run(&["check", "--graph", saved_arg, "--fail-on", "nonsense"]);
    assert_eq!(output.status.code(), Some(2));
    let _ = std::fs::remove_file(&saved);

    let output = run(&["stale", "--graph", "/no/such/graph.json"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("cannot read"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn diff_gates_on_what_the_change_reaches() {
    let changed = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/demo_changed");
    let demo = demo();
    let (old, new) = (
        demo.to_str().expect("utf-8 path"),
        changed.to_str().expect("utf-8 path"),
    );
    // The queue's declared timeout now drifts from the running 60 s: an
    // error the change reaches.
    let output = run(&["diff", old, new, "--fail-on", "error"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stdout(&output).contains("visibility_timeout_seconds"));
    // The same scan on both sides changes nothing and gates nothing.
    let output = run(&[
        "diff",
        old,
        old,
        "--fail-on",
        "info",
        "--format",
        "markdown",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).contains("0 node(s) added, 0 removed, 0 changed"));
    // A side that is neither a directory nor a saved graph is an input error.
    let output = run(&["diff", old, "Cargo.toml"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("neither a directory nor a saved infrawise graph"));
}

#[test]
fn search_and_context_answer_in_both_formats() {
    let demo = demo();
    let dir = demo.to_str().expect("utf-8 path");
    let output = run(&[
        "search", "orders", "--dir", dir, "--format", "json", "--limit", "3",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let value: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("json");
    assert_eq!(value["hits"].as_array().map(Vec::len), Some(3));
    let output = run(&[
        "context",
        "name[table]:prod-shop-orders",
        "--dir",
        dir,
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let value: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("json");
    assert_eq!(value["node"]["id"], "tf:infra:aws_dynamodb_table.orders");
    assert!(
        value["neighbours"]
            .as_array()
            .is_some_and(|n| !n.is_empty())
    );
    let output = run(&["context", "no-such-thing", "--dir", dir]);
    assert_eq!(output.status.code(), Some(2));
}

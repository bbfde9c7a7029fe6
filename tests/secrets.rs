//! Secrets planted in `tests/fixtures/secrets` never reach any output.
//!
//! Every planted secret contains `PLANTED`; every value beside one that
//! must stay visible contains `visible`. The test runs every output format
//! and every query command of the CLI over the fixture (each query on every
//! node) and greps all of it.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::binary;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/secrets")
}

/// The planted secrets, read from the fixture itself so that a secret
/// added there is checked without touching this file.
fn planted() -> Vec<String> {
    let mut found = std::collections::BTreeSet::new();
    for entry in walk(&fixture()) {
        let text = std::fs::read_to_string(&entry).unwrap_or_default();
        let mut rest = text.as_str();
        while let Some(at) = rest.find("PLANTED-") {
            let tail = &rest[at..];
            let end = tail
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                .unwrap_or(tail.len());
            found.insert(tail[..end].to_owned());
            rest = &tail[end..];
        }
    }
    found.into_iter().collect()
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else if path.file_name().is_some_and(|n| n != "README.md") {
            out.push(path);
        }
    }
    out
}

fn run(args: &[&str]) -> String {
    let output = Command::new(binary())
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", binary().display()));
    let code = output.status.code();
    assert!(
        matches!(code, Some(0 | 1)),
        "infrawise {args:?} exited {code:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&output.stderr));
    text
}

#[test]
fn no_output_carries_a_planted_secret() {
    let planted = planted();
    assert!(
        planted.len() >= 20,
        "the fixture plants every case: {planted:?}"
    );
    let dir = fixture();
    let dir = dir.to_str().unwrap_or_default();
    let scratch = std::env::temp_dir().join(format!("infrawise-secrets-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap_or_else(|e| panic!("temp dir: {e}"));
    let saved = scratch.join("graph.json");
    let saved_text = saved.to_str().unwrap_or_default();
    let empty = scratch.join("empty");
    std::fs::create_dir_all(&empty).unwrap_or_else(|e| panic!("mkdir: {e}"));
    let empty = empty.to_str().unwrap_or_default();

    let mut outputs: Vec<(String, String)> = Vec::new();
    let mut record = |args: &[&str]| outputs.push((args.join(" "), run(args)));
    record(&["scan", dir, "--format", "json", "-o", saved_text]);
    let graph_json = std::fs::read_to_string(&saved).unwrap_or_default();
    record(&["scan", dir]);
    record(&["scan", dir, "--format", "json"]);
    for format in ["json", "dot", "mermaid"] {
        record(&["export", "--dir", dir, "--format", format]);
    }
    for command in ["stale", "drift", "check"] {
        for format in ["text", "json", "sarif"] {
            record(&[command, "--graph", saved_text, "--format", format]);
        }
    }
    for format in ["text", "json", "markdown"] {
        record(&["diff", empty, dir, "--format", format]);
        record(&["diff", dir, empty, "--format", format]);
    }
    for text in ["a", "e", "password", "secret", "token", "PLANTED"] {
        for format in ["text", "json"] {
            record(&["search", text, "--graph", saved_text, "--format", format]);
        }
    }

    let graph: serde_json::Value =
        serde_json::from_str(&graph_json).unwrap_or_else(|e| panic!("saved graph: {e}"));
    let ids: Vec<String> = graph["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|node| node["id"].as_str().map(str::to_owned))
        .collect();
    assert!(ids.len() > 30, "the fixture scans: {} nodes", ids.len());
    for id in &ids {
        for format in ["text", "json"] {
            record(&["context", id, "--graph", saved_text, "--format", format]);
            record(&["impact", id, "--graph", saved_text, "--format", format]);
            record(&["deps", id, "--graph", saved_text, "--format", format]);
        }
    }
    record(&[
        "path",
        "tf:tf:aws_lambda_function.api",
        "tf:tf:aws_db_instance.main",
        "--graph",
        saved_text,
        "--format",
        "json",
    ]);
    outputs.push(("saved graph".to_owned(), graph_json.clone()));

    for (command, output) in &outputs {
        for secret in &planted {
            assert!(
                !output.contains(secret.as_str()),
                "`infrawise {command}` prints the planted secret {secret}:\n{output}"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);

    // What stands beside the secrets is still there.
    for visible in [
        "visible_admin",
        "visible_cluster_admin",
        "visible-stage",
        "visible_tf_user",
        "visible-tfvars-stage",
        "https://api.visible-example.com/v1",
        "postgres://db.visible-host.com:5432/app",
        "mysql://visible-tf-db.example.com/app",
        "visible-deployer",
        "\"TIMEOUT_SECONDS\"",
        "\"30\"",
        "\"512\"",
        "eu-west-1",
    ] {
        assert!(
            graph_json.contains(visible),
            "the non-secret {visible} is missing from the graph"
        );
    }
    // Withheld values leave a marker with their reason.
    let compact = graph.to_string();
    for reason in [
        "NoEcho parameter",
        "database master user password",
        "Secrets Manager secret value",
        "ElastiCache AUTH token",
        "sensitive variable var.db_password",
        "sensitive variable var.api_key",
        "sensitive() value",
        "SSM SecureString parameter value",
        "generated password",
        "IAM secret access key",
        "RDS master password",
        "literal environment value",
        "sensitive output",
    ] {
        assert!(
            compact.contains(&format!("{{\"redacted\":\"{reason}")),
            "no value is withheld as {reason}"
        );
    }
}

#[test]
fn dynamic_references_are_edges_not_values() {
    let scan = infrawise::scan(&fixture(), &infrawise::ScanOptions::default())
        .unwrap_or_else(|e| panic!("scan: {e}"));
    let edges: Vec<(String, String)> = scan
        .graph
        .edges()
        .map(|edge| (edge.from.to_string(), edge.to.to_string()))
        .collect();
    assert!(
        edges.contains(&(
            "cfn:template:ResolvedDatabase".to_owned(),
            "cfn:template:ApiSecret".to_owned()
        )),
        "{{{{resolve:secretsmanager:prod/app-db…}}}} reaches the declared secret: {edges:?}"
    );
    assert!(
        edges.contains(&(
            "cfn:template:Api".to_owned(),
            "unresolved:name[parameter]:/app/signing-key".to_owned()
        )),
        "{{{{resolve:ssm-secure:/app/signing-key}}}} names a parameter nothing declares: {edges:?}"
    );
}

#[test]
fn a_noecho_default_never_names_a_resource() {
    let scan = infrawise::scan(&fixture(), &infrawise::ScanOptions::default())
        .unwrap_or_else(|e| panic!("scan: {e}"));
    let queue = scan
        .graph
        .nodes()
        .find(|node| node.node.id.as_str() == "cfn:template:Queue")
        .map(|node| (node.node.name.clone(), node.node.aliases.len()));
    // `QueueName: !Sub "jobs-${DbPassword}"` is not worked out from the
    // NoEcho default: the queue keeps its logical name and logical-id alias.
    assert_eq!(queue, Some(("Queue".to_owned(), 1)));
}

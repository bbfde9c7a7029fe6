//! Snapshot tests for the Terraform state parser, plus the guarantees that
//! matter most: nothing sensitive reaches the output, state meets HCL on
//! the same node ids, and no input makes it panic.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use infrawise_core::{Severity, Timestamp};
use infrawise_parsers::{terraform, tfstate};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/tfstate");

/// A fixed observation time, so snapshots do not depend on file times.
const SEEN: Option<Timestamp> = Some(Timestamp::from_unix_seconds(1_700_000_000));

fn check(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    tfstate::parse_state(&text, name, SEEN).render()
}

#[test]
fn fixtures() {
    insta::glob!("../../tests/fixtures/tfstate", "*.{tfstate,json}", |path| {
        insta::assert_snapshot!(check(path));
    });
}

#[test]
fn nothing_sensitive_is_stored() {
    let leaks = [
        "hunter2",
        "s3cr3t",
        "tok-leak",
        "tok-output-leak",
        "wJalr-leak",
        "smtp-leak",
        "param-value-leak",
        "v3-leak",
        "secretsmanager:eu-west-1:123456789012:secret:x",
    ];
    for name in ["v4_sensitive.tfstate", "show.json", "v3.tfstate"] {
        let path = Path::new(FIXTURES).join(name);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
        let fragment = tfstate::parse_state(&text, name, SEEN);
        let rendered = fragment.render();
        let json = serde_json::to_string(&fragment).unwrap_or_else(|e| panic!("{e}"));
        for leak in leaks {
            assert!(
                !rendered.contains(leak),
                "{name}: {leak} in rendered output"
            );
            assert!(!json.contains(leak), "{name}: {leak} in json output");
        }
        assert!(!fragment.nodes.is_empty(), "{name}: nothing was read");
    }
}

#[test]
fn state_and_hcl_meet_on_the_same_nodes() {
    let dir = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/terraform/modules"
    ));
    let mut files: Vec<PathBuf> = Vec::new();
    for sub in ["", "modules/queue", "modules/loop_a", "modules/loop_b"] {
        for entry in std::fs::read_dir(dir.join(sub))
            .into_iter()
            .flatten()
            .flatten()
        {
            if terraform::is_terraform_file(&entry.path()) {
                files.push(entry.path());
            }
        }
    }
    let declared = terraform::parse(&files, dir);
    let text = std::fs::read_to_string(Path::new(FIXTURES).join("v4_modules.tfstate"))
        .unwrap_or_else(|e| panic!("{e}"));
    let observed = tfstate::parse_state(&text, "terraform.tfstate", SEEN);
    let declared_ids: BTreeSet<_> = declared.nodes.iter().map(|n| n.id.as_str()).collect();
    for id in [
        "tf:.:module.many[\"orders\"].aws_sqs_queue.this",
        "tf:.:module.single.aws_sqs_queue.this",
        "tf:.:aws_sns_topic.alerts",
    ] {
        assert!(declared_ids.contains(id), "declared lacks {id}");
        let node = observed.nodes.iter().find(|n| n.id.as_str() == id);
        let node = node.unwrap_or_else(|| panic!("observed lacks {id}"));
        let declared_node = declared.nodes.iter().find(|n| n.id.as_str() == id);
        let shared = declared_node.map_or(0, |d| d.aliases.intersection(&node.aliases).count());
        assert!(
            shared >= 2,
            "{id}: address and name aliases should both match"
        );
    }
}

#[test]
fn detects_state_documents_only() {
    for name in [
        "v4_sensitive.tfstate",
        "v4_modules.tfstate",
        "show.json",
        "v3.tfstate",
    ] {
        let text = std::fs::read_to_string(Path::new(FIXTURES).join(name))
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(tfstate::detect(&text), "{name}");
    }
    for text in [
        "{\"hello\": 1}",
        "resource \"a\" \"b\" {}",
        "",
        "{\"AWSTemplateFormatVersion\": \"2010-09-09\", \"Resources\": {}}",
    ] {
        assert!(!tfstate::detect(text), "{text}");
    }
}

#[test]
fn truncated_and_mutated_state_never_panics() {
    let mut runs = 0;
    for entry in std::fs::read_dir(FIXTURES).into_iter().flatten().flatten() {
        let Ok(text) = std::fs::read_to_string(entry.path()) else {
            continue;
        };
        let bytes = text.as_bytes();
        let step = (bytes.len() / 60).max(1);
        for cut in (0..bytes.len()).step_by(step) {
            let truncated = String::from_utf8_lossy(&bytes[..cut]);
            let _ = tfstate::parse_state(&truncated, "x.tfstate", None).render();
            let mut mutated = bytes.to_vec();
            mutated[cut] = b"{}[]\",:0n"[cut % 9];
            let _ = tfstate::parse_state(&String::from_utf8_lossy(&mutated), "x.tfstate", None)
                .render();
            runs += 2;
        }
    }
    assert!(runs > 300, "only {runs} variants were tried");
}

/// Every file of the driftctl state corpus loads without panic; prints how
/// many loaded cleanly and what the rest said.
#[test]
fn driftctl_corpus_loads() {
    let corpus = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/corpus/driftctl-tfstate"
    ));
    let Ok(entries) = std::fs::read_dir(corpus) else {
        eprintln!(
            "corpus not present at {}; nothing to check",
            corpus.display()
        );
        return;
    };
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "tfstate"))
        .collect();
    files.sort();
    let fragment = tfstate::parse(&files, corpus);
    let failed: BTreeSet<&str> = fragment
        .diagnostics
        .iter()
        .filter(|d| d.severity >= Severity::Warning)
        .map(|d| d.path.as_str())
        .collect();
    for diagnostic in &fragment.diagnostics {
        eprintln!("{diagnostic}");
    }
    let clean = files.len() - failed.len();
    eprintln!(
        "driftctl corpus: {clean} of {} files loaded cleanly, {} nodes, {} edges",
        files.len(),
        fragment.nodes.len(),
        fragment.edges.len()
    );
    assert_eq!(fragment.sources.len(), files.len());
    assert!(
        clean * 10 >= files.len() * 9,
        "only {clean} of {} loaded cleanly",
        files.len()
    );
}

/// Which root module each state file observes: one lineage per directory is
/// that directory's state (with its backup); another lineage beside it, and
/// every workspace, is an observation of its own.
#[test]
fn unrelated_states_and_workspaces_are_separate_observations() {
    let root = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/tfstate_layout"
    ));
    let files: Vec<PathBuf> = [
        "infra/terraform.tfstate",
        "infra/terraform.tfstate.backup",
        "infra/copy-of-staging.tfstate",
        "infra/terraform.tfstate.d/dev/terraform.tfstate",
        "loose/a.tfstate",
        "loose/b.tfstate",
    ]
    .iter()
    .map(|p| root.join(p))
    .collect();
    let fragment = tfstate::parse(&files, root);
    let scopes: Vec<String> = fragment
        .sources
        .iter()
        .map(|s| format!("{} {}", s.path, s.scope.as_deref().unwrap_or("-")))
        .collect();
    insta::assert_snapshot!(scopes.join("\n"));
    let mut ids: Vec<&str> = fragment.nodes.iter().map(|n| n.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(
        ids,
        [
            "tf:infra:aws_sqs_queue.orders",
            "tf:infra@copy-of-staging.tfstate:aws_sqs_queue.orders",
            "tf:infra@dev:aws_sqs_queue.orders",
            "tf:loose@a.tfstate:aws_sqs_queue.orders",
            "tf:loose@b.tfstate:aws_sqs_queue.orders",
        ]
    );
}

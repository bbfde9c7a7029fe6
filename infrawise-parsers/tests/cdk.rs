//! CDK cloud assembly snapshots over the committed fixtures.

use std::path::PathBuf;

use infrawise_parsers::cdk::{detect, parse};

fn fixtures() -> PathBuf {
    let path = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures"));
    // Canonical, so that paths shown relative to it match insta's glob paths.
    std::fs::canonicalize(&path).unwrap_or(path)
}

/// Each fixture directory holds an app with a `cdk.out` assembly.
#[test]
fn assemblies() {
    insta::glob!("../../tests/fixtures", "cdk/*", |path| {
        let assembly = path.join("cdk.out");
        assert!(detect(&assembly), "{}", assembly.display());
        let fragment = parse(&[assembly], &fixtures());
        insta::assert_snapshot!(fragment.render());
    });
}

#[test]
fn detection_needs_a_manifest() {
    assert!(!detect(&fixtures().join("cloudformation")));
    assert!(!detect(&fixtures().join("no-such-dir")));
}

#[test]
fn orphan_templates_are_not_declared() {
    let fragment = parse(&[fixtures().join("cdk/app/cdk.out")], &fixtures());
    assert!(fragment.diagnostics.iter().any(|d| {
        d.path == "cdk/app/cdk.out/OldStack.template.json" && d.message.contains("orphan")
    }));
    assert!(!fragment.nodes.iter().any(|n| n.name == "LegacyQueue"));
    assert!(
        fragment
            .nodes
            .iter()
            .any(|n| n.id.as_str() == "cfn:orders-app:Queue4A7E3555")
    );
}

/// A manifest naming a `tree.json` that is not there costs a warning and
/// nothing else: the same stacks, resources and edges as with the tree.
#[test]
fn a_missing_tree_is_a_warning_and_nothing_else_is_lost() {
    let with_tree = parse(&[fixtures().join("cdk/app/cdk.out")], &fixtures());
    let without = parse(&[fixtures().join("cdk/no_tree/cdk.out")], &fixtures());
    let warnings: Vec<_> = without
        .diagnostics
        .iter()
        .filter(|d| {
            d.message
                .contains("tree.json named by the manifest is absent")
        })
        .collect();
    assert_eq!(warnings.len(), 1, "{:?}", without.diagnostics);
    assert_eq!(warnings[0].severity, infrawise_core::Severity::Warning);
    assert!(
        without
            .diagnostics
            .iter()
            .all(|d| d.severity != infrawise_core::Severity::Error),
        "{:?}",
        without.diagnostics
    );
    let resources = |f: &infrawise_core::Fragment| {
        f.nodes
            .iter()
            .filter(|n| n.kind.is_deployable())
            .map(|n| n.id.as_str().replace("no_tree", "app"))
            .collect::<std::collections::BTreeSet<_>>()
    };
    let expected: std::collections::BTreeSet<_> = resources(&with_tree)
        .into_iter()
        .filter(|id| !id.contains("OldStack"))
        .collect();
    assert_eq!(resources(&without), expected);
    assert_eq!(without.edges.is_empty(), with_tree.edges.is_empty());
}

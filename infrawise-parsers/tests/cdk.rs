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

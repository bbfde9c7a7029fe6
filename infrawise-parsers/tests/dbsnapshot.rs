//! Database snapshots over `tests/fixtures/dbsnapshot/`: one insta
//! snapshot per file (complete, partial, unsupported version, broken
//! JSON), and the guarantee that observed nodes meet declared ones.

use std::path::{Path, PathBuf};

use infrawise_core::{Format, Origin, Severity, SourceStatus};
use infrawise_parsers::dbsnapshot;

fn fixtures() -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/dbsnapshot");
    path.canonicalize().unwrap_or(path)
}

#[test]
fn fixtures_render() {
    insta::glob!("../../tests/fixtures/dbsnapshot", "*.json", |path| {
        let fragment = dbsnapshot::parse(&[path.to_path_buf()], &fixtures());
        insta::assert_snapshot!(fragment.render());
    });
}

#[test]
fn recognised_by_content() {
    let text = std::fs::read_to_string(fixtures().join("shop.json")).unwrap_or_default();
    assert!(dbsnapshot::detect(&text));
    assert!(!dbsnapshot::detect(
        r#"{"version": 4, "terraform_version": "1.6.0"}"#
    ));
}

#[test]
fn partial_snapshot_is_partial_and_says_why() {
    let fragment = dbsnapshot::parse(&[fixtures().join("partial.json")], &fixtures());
    let [source] = fragment.sources.as_slice() else {
        panic!("one source expected");
    };
    assert_eq!(source.status, SourceStatus::Partial);
    assert_eq!(source.format, Format::DatabaseSnapshot);
    assert_eq!(source.origin, Origin::Observed);
    assert!(
        fragment
            .diagnostics
            .iter()
            .any(|d| d.severity == Severity::Warning && d.message.contains("secret"))
    );
}

#[test]
fn bad_input_is_a_diagnostic_with_line() {
    let fragment = dbsnapshot::parse(&[fixtures().join("broken.json")], &fixtures());
    assert!(fragment.nodes.is_empty());
    let [diagnostic] = fragment.diagnostics.as_slice() else {
        panic!("one diagnostic expected");
    };
    assert_eq!(diagnostic.severity, Severity::Error);
    assert_eq!(diagnostic.line, Some(2));
    assert_eq!(fragment.sources[0].status, SourceStatus::Failed);
}

#[test]
fn observed_columns_meet_declared_aliases() {
    let fragment = dbsnapshot::parse(&[fixtures().join("shop.json")], &fixtures());
    let column = fragment
        .nodes
        .iter()
        .find(|n| n.id.as_str() == "postgres:db.internal:5432/shop/public.orders.status")
        .unwrap_or_else(|| panic!("orders.status not emitted"));
    let aliases: Vec<String> = column.aliases.iter().map(ToString::to_string).collect();
    assert!(aliases.contains(&"name[column]:public.orders.status".to_owned()));
    assert!(aliases.contains(&"name[column]:orders.status".to_owned()));
    let default = column
        .attributes
        .get("default")
        .and_then(|values| values.get(&Origin::Observed));
    assert_eq!(
        default.map(|v| format!("{v:?}")),
        Some(format!(
            "{:?}",
            infrawise_core::AttributeValue::Known(serde_json::json!("'open'"))
        ))
    );
}

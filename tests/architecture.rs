//! The dependency direction between Infrawise crates is an invariant:
//! core depends on no internal crate, parsers and graph depend on core
//! only, and the graph never depends on the parsers.
#![allow(
    clippy::expect_used,
    reason = "a test fails by panicking, with the reason"
)]

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

fn internal_dependencies() -> BTreeMap<String, BTreeSet<String>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("metadata is json");
    let packages = metadata["packages"].as_array().expect("packages");
    let internal: BTreeSet<String> = packages
        .iter()
        .filter_map(|p| p["name"].as_str())
        .map(str::to_owned)
        .collect();
    packages
        .iter()
        .map(|package| {
            let name = package["name"].as_str().unwrap_or_default().to_owned();
            let dependencies = package["dependencies"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|d| d["kind"].is_null())
                .filter_map(|d| d["name"].as_str())
                .filter(|d| internal.contains(*d))
                .map(str::to_owned)
                .collect();
            (name, dependencies)
        })
        .collect()
}

#[test]
fn crates_depend_in_one_direction() {
    let dependencies = internal_dependencies();
    let of = |name: &str| -> Vec<&str> {
        dependencies
            .get(name)
            .unwrap_or_else(|| panic!("no crate {name}"))
            .iter()
            .map(String::as_str)
            .collect()
    };
    assert_eq!(
        of("infrawise-core"),
        Vec::<&str>::new(),
        "core depends on no internal crate"
    );
    assert_eq!(of("infrawise-parsers"), ["infrawise-core"]);
    assert_eq!(
        of("infrawise-graph"),
        ["infrawise-core"],
        "the graph never depends on the parsers"
    );
    assert_eq!(
        of("infrawise"),
        ["infrawise-core", "infrawise-graph", "infrawise-parsers"]
    );
}

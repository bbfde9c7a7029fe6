//! CloudFormation, SAM and stack-observation snapshots over the committed
//! fixtures, detection, robustness against mangled input, and a scan of the
//! public template corpus when it is present.

use std::path::{Path, PathBuf};

use infrawise_core::{Fragment, Severity};
use infrawise_parsers::cloudformation::{
    detect_stack_observation, detect_template, parse, parse_stack_observation_text,
    parse_stack_observations, parse_template_text,
};

fn fixtures() -> PathBuf {
    let path = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures"));
    // Canonical, so that paths shown relative to it match insta's glob paths.
    std::fs::canonicalize(&path).unwrap_or(path)
}

/// The files under `path` (itself, if it is a file), sorted.
fn files_under(path: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .map(|entries| entries.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        entries.sort();
        for entry in entries {
            out.extend(files_under(&entry));
        }
    } else {
        out.push(path.to_path_buf());
    }
    out
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// Each fixture (a template, or a directory of templates read together) gets one snapshot.
#[test]
fn templates() {
    insta::glob!("../../tests/fixtures", "cloudformation/*", |path| {
        let fragment = parse(&files_under(path), &fixtures());
        insta::assert_snapshot!(fragment.render());
    });
}

/// Each directory holds templates and the AWS CLI output observing their stacks.
#[test]
fn stack_observations() {
    insta::glob!("../../tests/fixtures", "cloudformation_stack/*", |path| {
        let files = files_under(path);
        let (observations, templates): (Vec<PathBuf>, Vec<PathBuf>) = files
            .into_iter()
            .partition(|file| detect_stack_observation(&read(file)));
        let mut fragment = parse(&templates, &fixtures());
        fragment.extend(parse_stack_observations(&observations, &fixtures()));
        insta::assert_snapshot!(fragment.render());
    });
}

#[test]
fn detection_is_by_content() {
    let root = fixtures();
    for file in files_under(&root.join("cloudformation")) {
        let text = read(&file);
        let is_template = !file.ends_with("malformed.json") || detect_template(&text);
        assert!(is_template && detect_template(&text), "{}", file.display());
        assert!(!detect_stack_observation(&text), "{}", file.display());
    }
    for file in files_under(&root.join("cloudformation_stack")) {
        let text = read(&file);
        let name = file.to_string_lossy();
        let observation = name.contains("stack-resource");
        assert_eq!(detect_stack_observation(&text), observation, "{name}");
        assert_eq!(detect_template(&text), !observation, "{name}");
    }
    assert!(detect_template(
        "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n"
    ));
    assert!(!detect_template(
        "{\"name\": \"package\", \"version\": \"1.0.0\"}"
    ));
    assert!(!detect_template("resources:\n  - kind: Deployment\n"));
}

fn count(fragment: &Fragment, severity: Severity) -> usize {
    fragment
        .diagnostics
        .iter()
        .filter(|d| d.severity == severity)
        .count()
}

#[test]
fn a_malformed_file_costs_only_that_file() {
    let root = fixtures().join("cloudformation");
    let files = vec![root.join("malformed.yaml"), root.join("orders.json")];
    let fragment = parse(&files, &fixtures());
    assert!(
        fragment
            .diagnostics
            .iter()
            .any(|d| d.path == "cloudformation/malformed.yaml"
                && d.severity == Severity::Error
                && d.line.is_some())
    );
    assert!(
        fragment
            .nodes
            .iter()
            .any(|n| n.id.as_str() == "cfn:orders:Archive")
    );
    assert!(
        !fragment
            .nodes
            .iter()
            .any(|n| n.id.as_str().starts_with("cfn:malformed"))
    );
}

#[test]
fn a_ref_to_a_missing_logical_id_is_an_error_with_its_line() {
    let text = "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: !Ref Nowhere\n";
    let fragment = parse_template_text(text, "t.yaml");
    let errors: Vec<_> = fragment
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].line, Some(5));
    assert!(errors[0].message.contains("Nowhere"));
    assert_eq!(count(&fragment, Severity::Warning), 0);
}

/// Truncations and byte mutations of every fixture: whatever comes out,
/// nothing panics and every diagnostic names a line or the file.
#[test]
fn mangled_input_never_panics() {
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let noise: &[&[u8]] = &[
        b"!Ref ",
        b"!GetAtt ",
        b"{",
        b"}",
        b"[",
        b"]",
        b"\"",
        b":",
        b"\n  ",
        b"&a ",
        b"*a",
        b"${",
        b"!Unknown ",
        b"\\u12",
        b"- ",
        b"\t",
        b"Fn::Sub",
    ];
    for file in files_under(&fixtures()) {
        let Ok(bytes) = std::fs::read(&file) else {
            continue;
        };
        let mut variants: Vec<Vec<u8>> = Vec::new();
        for cut in (0..bytes.len()).step_by((bytes.len() / 40).max(1)) {
            variants.push(bytes[..cut].to_vec());
        }
        for _ in 0..60 {
            let mut mutated = bytes.clone();
            for _ in 0..3 {
                let at = (next() as usize) % (mutated.len() + 1);
                let piece = noise[(next() as usize) % noise.len()];
                mutated.splice(at..at, piece.iter().copied());
            }
            variants.push(mutated);
        }
        for variant in variants {
            let text = String::from_utf8_lossy(&variant);
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let fragment = parse_template_text(&text, &name);
            let fragment2 = parse_stack_observation_text(&text, &name);
            for diagnostic in fragment.diagnostics.iter().chain(&fragment2.diagnostics) {
                assert_eq!(diagnostic.path, name);
            }
        }
    }
    // Deep nesting and alias bombs are refused, not followed.
    let deep = format!("Resources: {}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert_eq!(
        count(&parse_template_text(&deep, "deep.yaml"), Severity::Error),
        1
    );
    let deep_json = format!(
        "{{\"Resources\": {}{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    assert_eq!(
        count(
            &parse_template_text(&deep_json, "deep.json"),
            Severity::Error
        ),
        1
    );
    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for level in 1..12 {
        let previous = level - 1;
        let items = vec![format!("*a{previous}"); 10].join(", ");
        bomb += &[
            "a",
            &level.to_string(),
            ": &a",
            &level.to_string(),
            " [",
            &items,
            "]\n",
        ]
        .concat();
    }
    bomb.push_str("Resources: {}\nAWSTemplateFormatVersion: x\n");
    assert_eq!(
        count(&parse_template_text(&bomb, "bomb.yaml"), Severity::Error),
        1
    );
}

/// Every file of the public template corpus (or, on a fresh clone, of the
/// committed fixtures) scans without panic, and templates are recognised.
#[test]
fn corpus_scans_without_panic() {
    // The corpus sits beside the repository (`../shared/corpus`), or where the variable says.
    let corpus = std::env::var_os("INFRAWISE_CFN_CORPUS").map_or_else(
        || {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../shared/corpus/aws-cloudformation-templates"
            ))
        },
        PathBuf::from,
    );
    let dir = if corpus.is_dir() {
        corpus
    } else {
        fixtures().join("cloudformation")
    };
    let files: Vec<PathBuf> = files_under(&dir)
        .into_iter()
        .filter(|file| detect_template(&read(file)))
        .collect();
    let fragment = parse(&files, &dir);
    let recognised = fragment
        .sources
        .iter()
        .filter(|s| s.status == infrawise_core::SourceStatus::Complete)
        .count();
    let resources = fragment
        .nodes
        .iter()
        .filter(|n| {
            n.aliases
                .iter()
                .any(|a| a.kind == infrawise_core::AliasKind::LogicalId)
        })
        .count();
    println!(
        "{}: {} files, {recognised} templates, {resources} resources, {} edges, {} diagnostics",
        dir.display(),
        files.len(),
        fragment.edges.len(),
        fragment.diagnostics.len()
    );
    assert!(recognised > 0 && resources > 0 && !fragment.edges.is_empty());
    for file in files_under(&dir) {
        let _ = parse_template_text(&read(&file), "corpus-file");
    }
}

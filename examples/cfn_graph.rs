//! Builds CloudFormation graphs for every template under a directory and
//! prints counts and the time taken: the Infrawise side of
//! `benches/compare/cfn-lint.sh`.
//!
//! `cargo run --release --example cfn_graph -- DIR [--repeat N]`

use std::path::{Path, PathBuf};
use std::time::Instant;

use infrawise_core::{EdgeKind, NodeRef, Severity};

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("json" | "yaml" | "yml" | "template")
        ) {
            out.push(path);
        }
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(
        args.next()
            .unwrap_or_else(|| "tests/fixtures/cloudformation".into()),
    );
    let repeat: usize = match (args.next().as_deref(), args.next()) {
        (Some("--repeat"), Some(n)) => n.parse()?,
        _ => 1,
    };
    let mut files = Vec::new();
    walk(&dir, &mut files)?;
    files.sort();
    let mut best = f64::MAX;
    let mut first = None;
    let mut fragment = infrawise_core::Fragment::new();
    for _ in 0..repeat.max(1) {
        let start = Instant::now();
        // Detection reads each file as the facade would, then the parser reads the templates.
        let templates: Vec<PathBuf> = files
            .iter()
            .filter(|path| {
                std::fs::read_to_string(path)
                    .is_ok_and(|text| infrawise_parsers::cloudformation::detect_template(&text))
            })
            .cloned()
            .collect();
        fragment = infrawise_parsers::cloudformation::parse(&templates, &dir);
        let elapsed = start.elapsed().as_secs_f64();
        first.get_or_insert(elapsed);
        best = best.min(elapsed);
        if let Some(list) = std::env::var_os("CFN_GRAPH_LIST") {
            let text = templates
                .iter()
                .map(|path| path.display().to_string())
                .collect::<Vec<_>>()
                .join("\n");
            std::fs::write(list, text)?;
        }
    }
    let resources = fragment
        .nodes
        .iter()
        .filter(|node| {
            node.raw_type.as_deref().is_some_and(|t| t.contains("::"))
                && node.id.as_str().matches(':').count() == 2
                && !node.id.as_str().contains("Parameters.")
                && !node.id.as_str().contains("Outputs.")
        })
        .count();
    let resource_ids: std::collections::HashSet<&str> = fragment
        .nodes
        .iter()
        .filter(|node| {
            node.aliases
                .iter()
                .any(|a| a.kind == infrawise_core::AliasKind::LogicalId)
        })
        .map(|node| node.id.as_str())
        .collect();
    let mut by_label = std::collections::BTreeMap::<&str, usize>::new();
    let mut by_file = std::collections::BTreeMap::<String, usize>::new();
    for edge in &fragment.edges {
        let NodeRef::Id(to) = &edge.to else { continue };
        if !resource_ids.contains(to.as_str()) || edge.kind == EdgeKind::Contains {
            continue;
        }
        for label in ["(Ref)", "(GetAtt)", "(Sub)", "(DependsOn)"] {
            if let Some(evidence) = edge.evidence.iter().find(|e| e.detail.ends_with(label)) {
                *by_label.entry(label).or_default() += 1;
                let path = evidence.path.as_deref().unwrap_or_default().to_owned();
                *by_file.entry(path).or_default() += 1;
            }
        }
    }
    let count = |severity| {
        fragment
            .diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    };
    println!("files {}", files.len());
    println!(
        "templates {}",
        fragment
            .sources
            .iter()
            .filter(|s| s.status == infrawise_core::SourceStatus::Complete)
            .count()
    );
    println!(
        "failed {}",
        fragment
            .sources
            .iter()
            .filter(|s| s.status == infrawise_core::SourceStatus::Failed)
            .count()
    );
    println!("nodes {}", fragment.nodes.len());
    println!("resources {resources}");
    println!("edges {}", fragment.edges.len());
    for (label, n) in &by_label {
        println!("edges_to_resources {label} {n}");
    }
    println!(
        "edges_ref_getatt_sub_dependson {}",
        by_label.values().sum::<usize>()
    );
    println!(
        "diagnostics error={} warning={} info={}",
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info)
    );
    println!("first_seconds {:.4}", first.unwrap_or_default());
    println!("seconds {best:.4}");
    if std::env::var_os("CFN_GRAPH_PER_FILE").is_some() {
        for (path, n) in &by_file {
            println!("file {path} {n}");
        }
    }
    if std::env::var_os("CFN_GRAPH_DIAGNOSTICS").is_some() {
        let mut diagnostics = fragment.diagnostics.clone();
        diagnostics.sort();
        for diagnostic in diagnostics {
            println!("{diagnostic}");
        }
    }
    Ok(())
}

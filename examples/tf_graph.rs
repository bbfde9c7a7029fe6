//! Builds the Terraform graph of one directory and prints its size and the
//! time it took: the Infrawise side of `benches/compare/checkov.sh`.
//!
//! `cargo run --release --example tf_graph -- DIR [REPEAT]`
//!
//! `INFRAWISE_TF_BUILD=1` also times merging the fragment into a graph;
//! `INFRAWISE_TF_RAW=1` times, alternating with the whole scan (parse,
//! evaluate, merge) best of `REPEAT`, the raw `hcl-edit` parse of the same
//! files, the floor the Terraform bar is measured against, and prints the
//! ratio, after how many nodes and edges each KiB of source became: the
//! scan's cost beyond the parse goes with that, not with the bytes (see
//! `benches/compare/tf_expansion.sh`);
//! `INFRAWISE_TF_RENDER=FILE` writes the fragment as text, to check that an
//! optimisation changes nothing (`cmp` two runs).

use std::path::PathBuf;
use std::time::Instant;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let root = PathBuf::from(args.next().unwrap_or_else(|| ".".to_owned()));
    let repeat: usize = args.next().map_or(Ok(5), |r| r.parse())?;
    let start = Instant::now();
    let mut files = Vec::new();
    for entry in ignore::WalkBuilder::new(&root).build() {
        let entry = entry?;
        if entry.file_type().is_some_and(|t| t.is_file())
            && infrawise_parsers::terraform::is_terraform_file(entry.path())
        {
            files.push(entry.into_path());
        }
    }
    let walk = start.elapsed();
    let bytes: u64 = files
        .iter()
        .filter_map(|file| std::fs::metadata(file).ok())
        .map(|metadata| metadata.len())
        .sum();
    let mut best = f64::MAX;
    let mut fragment = infrawise_core::Fragment::new();
    for _ in 0..repeat.max(1) {
        let start = Instant::now();
        fragment = infrawise_parsers::terraform::parse(&files, &root);
        best = best.min(start.elapsed().as_secs_f64());
    }
    println!(
        "infrawise: {} files ({} KiB), {} nodes, {} edges, {} diagnostics; walk {:.3} s",
        files.len(),
        bytes / 1024,
        fragment.nodes.len(),
        fragment.edges.len(),
        fragment.diagnostics.len(),
        walk.as_secs_f64()
    );
    println!("{:.6}", best + walk.as_secs_f64());
    // The merge alone, timed on clones of the fragment.
    if std::env::var_os("INFRAWISE_TF_BUILD").is_some() {
        let mut best_build = f64::MAX;
        for _ in 0..repeat.max(1) {
            let input = fragment.clone();
            let start = Instant::now();
            let graph = infrawise_graph::GraphBuilder::from_iter([input]).build();
            best_build = best_build.min(start.elapsed().as_secs_f64());
            drop(graph);
        }
        println!("build {best_build:.6}");
    }
    // The Terraform bar: the whole scan against the raw parse of the same
    // bytes, alternating so both see the same machine. The scan runs as
    // `infrawise::scan` runs it: the trees are freed while the graph is
    // built.
    if std::env::var_os("INFRAWISE_TF_RAW").is_some() {
        let (mut raw, mut scan) = (f64::MAX, f64::MAX);
        for _ in 0..repeat.max(1) {
            let start = Instant::now();
            std::hint::black_box(raw_parse(&files));
            raw = raw.min(start.elapsed().as_secs_f64());
            let start = Instant::now();
            let (fragment, syntax) =
                infrawise_parsers::terraform::parse_keeping_syntax(&files, &root);
            let (graph, ()) = rayon::join(
                || infrawise_graph::GraphBuilder::from_iter([fragment]).build(),
                || syntax.free(),
            );
            scan = scan.min(start.elapsed().as_secs_f64());
            drop(std::hint::black_box(graph));
        }
        let emitted = fragment.nodes.len() + fragment.edges.len();
        println!(
            "expansion: {:.1} nodes and edges per KiB of source",
            emitted as f64 * 1024.0 / bytes.max(1) as f64
        );
        println!(
            "raw parse {raw:.6} s, scan {scan:.6} s, scan/raw {:.2}x",
            scan / raw
        );
    }
    // For checking that an optimisation changes nothing: the fragment as text.
    if let Ok(path) = std::env::var("INFRAWISE_TF_RENDER") {
        std::fs::write(path, fragment.render())?;
    }
    Ok(())
}

/// Reads and parses every Terraform file with `hcl-edit` in parallel, and
/// nothing else: what `benches/terraform.rs` calls the raw parse.
fn raw_parse(files: &[PathBuf]) -> usize {
    use rayon::prelude::*;
    files
        .par_iter()
        .filter_map(|file| std::fs::read_to_string(file).ok())
        .filter_map(|text| hcl::edit::parser::parse_body(&text).ok())
        .map(|body| body.len())
        .sum()
}

//! The Python scan (parse, symbols, infrastructure use, resolution) beside
//! the raw tree-sitter parse of the same bytes, both in parallel over the
//! same files: the scan's cost over parsing alone. Runs on the committed
//! fixtures, and on a real tree when `INFRAWISE_PY_BENCH_DIR` names one
//! (e.g. an unpacked Django or Home Assistant, kept outside this
//! repository).
//!
//! Run with `cargo bench --bench python`.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use infrawise_parsers::python;
use rayon::prelude::*;

fn source_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in ignore::WalkBuilder::new(root).build().flatten() {
        if entry.file_type().is_some_and(|t| t.is_file()) && python::is_source_file(entry.path()) {
            files.push(entry.into_path());
        }
    }
    files.sort();
    files
}

/// Parses every file with tree-sitter-python and nothing else; returns the
/// node count so nothing is elided.
fn raw_parse(sources: &[Vec<u8>]) -> usize {
    sources
        .par_iter()
        .map_init(
            || {
                let mut parser = tree_sitter::Parser::new();
                let ok = parser
                    .set_language(&tree_sitter_python::LANGUAGE.into())
                    .is_ok();
                (ok, parser)
            },
            |(ok, parser), bytes| {
                if !*ok {
                    return 0;
                }
                parser
                    .parse(bytes, None)
                    .map_or(0, |tree| tree.root_node().descendant_count())
            },
        )
        .sum()
}

fn scan_vs_raw_parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("python");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    let fixtures = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/python"
    ));
    let mut inputs = vec![("fixtures".to_owned(), fixtures)];
    if let Ok(dir) = std::env::var("INFRAWISE_PY_BENCH_DIR") {
        inputs.push(("tree".to_owned(), PathBuf::from(dir)));
    }
    for (name, root) in inputs {
        let files = source_files(&root);
        let sources: Vec<Vec<u8>> = files.iter().filter_map(|f| std::fs::read(f).ok()).collect();
        let bytes: u64 = sources.iter().map(|b| b.len() as u64).sum();
        group.throughput(Throughput::Bytes(bytes));
        group.bench_with_input(
            BenchmarkId::new("raw_tree_sitter_parse", &name),
            &sources,
            |b, s| {
                b.iter(|| black_box(raw_parse(s)));
            },
        );
        group.bench_with_input(BenchmarkId::new("scan", &name), &files, |b, files| {
            b.iter(|| black_box(python::parse(files, &root)));
        });
    }
    group.finish();
}

criterion_group!(benches, scan_vs_raw_parse);
criterion_main!(benches);

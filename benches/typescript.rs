//! The TypeScript/JavaScript scan (parse, symbols, infrastructure use,
//! resolution) beside the raw tree-sitter parse of the same bytes, both in
//! parallel over the same files: the scan's cost over parsing alone. Runs
//! on the committed fixtures, and on a real tree when
//! `INFRAWISE_TS_BENCH_DIR` names one (e.g. typeorm's `src`, kept outside
//! this repository).
//!
//! Run with `cargo bench --bench typescript`.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use infrawise_parsers::typescript;
use rayon::prelude::*;

fn source_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in ignore::WalkBuilder::new(root).build().flatten() {
        if entry.file_type().is_some_and(|t| t.is_file())
            && typescript::is_source_file(entry.path())
        {
            files.push(entry.into_path());
        }
    }
    files.sort();
    files
}

/// Parses every file with tree-sitter and nothing else, choosing the
/// grammar as the scan does; returns the node count so nothing is elided.
fn raw_parse(sources: &[(bool, Vec<u8>)]) -> usize {
    sources
        .par_iter()
        .map_init(
            || {
                let mut ts = tree_sitter::Parser::new();
                let mut tsx = tree_sitter::Parser::new();
                let ok = ts
                    .set_language(&tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into())
                    .is_ok()
                    && tsx
                        .set_language(&tree_sitter_typescript::LANGUAGE_TSX.into())
                        .is_ok();
                (ok, ts, tsx)
            },
            |(ok, ts, tsx), (typescript_grammar, bytes)| {
                if !*ok {
                    return 0;
                }
                let parser = if *typescript_grammar { ts } else { tsx };
                parser
                    .parse(bytes, None)
                    .map_or(0, |tree| tree.root_node().descendant_count())
            },
        )
        .sum()
}

fn scan_vs_raw_parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("typescript");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(10));
    let fixtures = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/typescript"
    ));
    let mut inputs = vec![("fixtures".to_owned(), fixtures)];
    if let Ok(dir) = std::env::var("INFRAWISE_TS_BENCH_DIR") {
        inputs.push(("tree".to_owned(), PathBuf::from(dir)));
    }
    for (name, root) in inputs {
        let files = source_files(&root);
        let sources: Vec<(bool, Vec<u8>)> = files
            .iter()
            .filter_map(|f| {
                let typescript_grammar = f
                    .extension()
                    .is_some_and(|e| e == "ts" || e == "mts" || e == "cts");
                std::fs::read(f).ok().map(|b| (typescript_grammar, b))
            })
            .collect();
        let bytes: u64 = sources.iter().map(|(_, b)| b.len() as u64).sum();
        group.throughput(Throughput::Bytes(bytes));
        group.bench_with_input(
            BenchmarkId::new("raw_tree_sitter_parse", &name),
            &sources,
            |b, s| {
                b.iter(|| black_box(raw_parse(s)));
            },
        );
        group.bench_with_input(BenchmarkId::new("scan", &name), &files, |b, files| {
            b.iter(|| black_box(typescript::parse(files, &root)));
        });
    }
    group.finish();
}

criterion_group!(benches, scan_vs_raw_parse);
criterion_main!(benches);

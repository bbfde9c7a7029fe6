//! Terraform HCL over every fixture under `tests/fixtures/terraform`, and
//! a real module repository when `INFRAWISE_TF_BENCH_DIR` names one (e.g. a
//! checkout of terraform-aws-modules/terraform-aws-eks kept outside this
//! repository), three ways on the same bytes:
//!
//! - `terraform_raw_parse`: read and parse every file with `hcl-edit`, in
//!   parallel, and nothing else: the floor;
//! - `terraform_parse_evaluate`: the Terraform parser (parse, evaluate,
//!   emit the fragment);
//! - `terraform_scan`: that plus merging the fragment into a graph, what a
//!   scan of the directory does in process.
//!
//! Run with `cargo bench --bench terraform`.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

fn terraform_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in ignore::WalkBuilder::new(root).build().flatten() {
        if entry.file_type().is_some_and(|t| t.is_file())
            && infrawise_parsers::terraform::is_terraform_file(entry.path())
        {
            files.push(entry.into_path());
        }
    }
    files.sort();
    files
}

fn inputs() -> Vec<(String, PathBuf)> {
    let fixtures = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/terraform"
    ));
    let mut inputs = vec![("fixtures".to_owned(), fixtures)];
    if let Ok(dir) = std::env::var("INFRAWISE_TF_BENCH_DIR") {
        let name = Path::new(&dir)
            .file_name()
            .map_or_else(|| dir.clone(), |n| n.to_string_lossy().into_owned());
        inputs.push((name, PathBuf::from(dir)));
    }
    inputs
}

fn raw_parse(c: &mut Criterion) {
    use rayon::prelude::*;
    let mut group = c.benchmark_group("terraform_raw_parse");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(10));
    for (name, root) in inputs() {
        let files = terraform_files(&root);
        group.bench_with_input(BenchmarkId::from_parameter(name), &files, |b, files| {
            b.iter(|| {
                let parsed: usize = files
                    .par_iter()
                    .filter_map(|file| std::fs::read_to_string(file).ok())
                    .filter_map(|text| hcl::edit::parser::parse_body(&text).ok())
                    .map(|body| body.len())
                    .sum();
                black_box(parsed)
            });
        });
    }
    group.finish();
}

fn scan(c: &mut Criterion) {
    let mut group = c.benchmark_group("terraform_scan");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(10));
    for (name, root) in inputs() {
        let files = terraform_files(&root);
        group.bench_with_input(BenchmarkId::from_parameter(name), &files, |b, files| {
            b.iter(|| {
                // As `infrawise::scan` does: the trees are freed while the
                // graph is built.
                let (fragment, syntax) =
                    infrawise_parsers::terraform::parse_keeping_syntax(files, &root);
                let (graph, ()) = rayon::join(
                    || infrawise_graph::GraphBuilder::from_iter([fragment]).build(),
                    || syntax.free(),
                );
                black_box(graph)
            });
        });
    }
    group.finish();
}

fn parse_and_evaluate(c: &mut Criterion) {
    let mut group = c.benchmark_group("terraform_parse_evaluate");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(10));
    for (name, root) in inputs() {
        let files = terraform_files(&root);
        let bytes: u64 = files
            .iter()
            .filter_map(|f| std::fs::metadata(f).ok())
            .map(|m| m.len())
            .sum();
        group.throughput(Throughput::Bytes(bytes));
        group.bench_with_input(BenchmarkId::from_parameter(name), &files, |b, files| {
            b.iter(|| black_box(infrawise_parsers::terraform::parse(files, &root)));
        });
    }
    group.finish();
}

criterion_group!(benches, raw_parse, parse_and_evaluate, scan);
criterion_main!(benches);

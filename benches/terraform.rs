//! Terraform HCL parse + evaluate: every fixture under
//! `tests/fixtures/terraform`, and a real module repository when
//! `INFRAWISE_TF_BENCH_DIR` names one (e.g. a checkout of
//! terraform-aws-modules/terraform-aws-eks kept outside this repository).
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

fn parse_and_evaluate(c: &mut Criterion) {
    let mut group = c.benchmark_group("terraform_parse_evaluate");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(10));
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
    for (name, root) in inputs {
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

criterion_group!(benches, parse_and_evaluate);
criterion_main!(benches);

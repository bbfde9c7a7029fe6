//! CloudFormation graph build over a directory of templates: content
//! detection plus `cloudformation::parse` of every template found.
//!
//! `INFRAWISE_CFN_CORPUS=../shared/corpus/aws-cloudformation-templates cargo
//! bench --bench cloudformation`; without the variable it reads the
//! committed fixtures, so it runs on a fresh clone.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use infrawise_parsers::cloudformation::{detect_template, parse};

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, out);
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("json" | "yaml" | "yml" | "template")
        ) {
            out.push(path);
        }
    }
}

fn corpus() -> PathBuf {
    std::env::var_os("INFRAWISE_CFN_CORPUS").map_or_else(
        || {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/cloudformation"
            ))
        },
        PathBuf::from,
    )
}

fn templates(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    walk(dir, &mut files);
    files.sort();
    files
        .into_iter()
        .filter(|path| std::fs::read_to_string(path).is_ok_and(|text| detect_template(&text)))
        .collect()
}

fn bench(c: &mut Criterion) {
    let dir = corpus();
    let files = templates(&dir);
    let bytes: u64 = files
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum();
    let mut group = c.benchmark_group("cloudformation");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(10))
        .throughput(Throughput::Bytes(bytes));
    group.bench_function(format!("parse_{}_templates", files.len()), |b| {
        b.iter(|| black_box(parse(black_box(&files), &dir)));
    });
    group.bench_function(format!("detect_and_parse_{}_templates", files.len()), |b| {
        b.iter(|| {
            let found = templates(&dir);
            black_box(parse(&found, &dir))
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

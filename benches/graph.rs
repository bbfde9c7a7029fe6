//! Graph build and `impact` on synthetic graphs of 10k, 100k and 1M edges.
//!
//! Run with `cargo bench --bench graph`; `INFRAWISE_BENCH_SIZES=10000,100000`
//! limits the sizes.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use infrawise_graph::synthetic::{SyntheticOptions, generate, node_id};
use infrawise_graph::{GraphBuilder, TraversalOptions, impact};

fn sizes() -> Vec<usize> {
    std::env::var("INFRAWISE_BENCH_SIZES").ok().map_or_else(
        || vec![10_000, 100_000, 1_000_000],
        |text| {
            text.split(',')
                .filter_map(|s| s.trim().parse().ok())
                .collect()
        },
    )
}

fn build(c: &mut Criterion) {
    let mut group = c.benchmark_group("graph_build");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    for edges in sizes() {
        let fragments = generate(&SyntheticOptions::with_edges(edges));
        group.throughput(Throughput::Elements(edges as u64));
        group.bench_with_input(
            BenchmarkId::from_parameter(edges),
            &fragments,
            |b, fragments| {
                b.iter_batched(
                    || fragments.clone(),
                    |fragments| black_box(GraphBuilder::from_iter(fragments).build()),
                    criterion::BatchSize::LargeInput,
                );
            },
        );
    }
    group.finish();
}

fn impact_queries(c: &mut Criterion) {
    let mut group = c.benchmark_group("impact");
    group.sample_size(20);
    for edges in sizes() {
        let graph = GraphBuilder::from_iter(generate(&SyntheticOptions::with_edges(edges))).build();
        let n = graph.node_count();
        // The oldest node is shared infrastructure: nearly everything
        // depends on it, so this is the whole-graph worst case.
        let root = node_id(0).as_str().to_owned();
        let leaf = node_id(n * 9 / 10).as_str().to_owned();
        let all = TraversalOptions::default();
        let shallow = TraversalOptions {
            max_depth: Some(3),
            min_confidence: 0.5,
            ..TraversalOptions::default()
        };
        group.throughput(Throughput::Elements(edges as u64));
        group.bench_function(BenchmarkId::new("shared_root", edges), |b| {
            b.iter(|| black_box(impact(&graph, &root, &all).map(|r| r.affected.len())));
        });
        group.bench_function(BenchmarkId::new("shared_root_depth3_conf05", edges), |b| {
            b.iter(|| black_box(impact(&graph, &root, &shallow).map(|r| r.affected.len())));
        });
        group.bench_function(BenchmarkId::new("leaf", edges), |b| {
            b.iter(|| black_box(impact(&graph, &leaf, &all).map(|r| r.affected.len())));
        });
    }
    group.finish();
}

criterion_group!(benches, build, impact_queries);
criterion_main!(benches);

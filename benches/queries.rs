//! `search` and `context`, the calls an assistant makes most, on synthetic
//! graphs of 10k and 100k edges (the MCP round trip on top of them is
//! measured by `examples/mcp_latency.rs`).
//!
//! Run with `cargo bench --bench queries`; `INFRAWISE_BENCH_SIZES=100000`
//! limits the sizes.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use infrawise_graph::synthetic::{SyntheticOptions, generate, node_id};
use infrawise_graph::{
    ContextOptions, GraphBuilder, SearchOptions, StalenessOptions, context, drift, search,
    staleness,
};

fn sizes() -> Vec<usize> {
    std::env::var("INFRAWISE_BENCH_SIZES").ok().map_or_else(
        || vec![10_000, 100_000],
        |text| {
            text.split(',')
                .filter_map(|s| s.trim().parse().ok())
                .collect()
        },
    )
}

fn queries(c: &mut Criterion) {
    let mut group = c.benchmark_group("assistant_queries");
    for edges in sizes() {
        let graph = GraphBuilder::from_iter(generate(&SyntheticOptions::with_edges(edges))).build();
        let mut findings = staleness(&graph, &StalenessOptions::default());
        findings.extend(drift(&graph));
        let n = graph.node_count();
        let busy = node_id(0).as_str().to_owned();
        let quiet = node_id(n * 9 / 10).as_str().to_owned();
        let options = SearchOptions::default();
        group.bench_function(BenchmarkId::new("search_substring", edges), |b| {
            b.iter(|| black_box(search(&graph, "svc-123", &options).len()));
        });
        group.bench_function(BenchmarkId::new("search_exact_name", edges), |b| {
            b.iter(|| black_box(search(&graph, &format!("svc-{}", n / 2), &options).len()));
        });
        let around = ContextOptions::default();
        group.bench_function(BenchmarkId::new("context_hub_radius1", edges), |b| {
            b.iter(|| black_box(context(&graph, &busy, &around, &findings).map(|c| c.edges.len())));
        });
        group.bench_function(BenchmarkId::new("context_leaf_radius1", edges), |b| {
            b.iter(|| {
                black_box(context(&graph, &quiet, &around, &findings).map(|c| c.edges.len()))
            });
        });
        let wider = ContextOptions {
            radius: 2,
            ..ContextOptions::default()
        };
        group.bench_function(BenchmarkId::new("context_leaf_radius2", edges), |b| {
            b.iter(|| black_box(context(&graph, &quiet, &wider, &findings).map(|c| c.edges.len())));
        });
    }
    group.finish();
}

criterion_group!(benches, queries);
criterion_main!(benches);

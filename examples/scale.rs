//! Builds a synthetic graph of N edges (default 1,000,000), runs `impact`
//! on its most shared node, and reports time and peak memory, so scale
//! figures can be compared side by side across sizes in one run:
//!
//! ```text
//! cargo run --release --example scale -- 10000 100000 1000000
//! ```
//!
//! Each size runs in a fresh child process so its figures are its own.
//! Heap bytes are counted by a global allocator wrapper, which is exact;
//! resident set sizes from /proc are reported too but overstate what the
//! graph holds, because freed memory is not always returned to the system.
#![allow(
    unsafe_code,
    reason = "a counting global allocator is the only exact measure of heap bytes in use"
)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::{Context as _, Result};
use infrawise_graph::synthetic::{SyntheticOptions, generate, node_id};
use infrawise_graph::{GraphBuilder, TraversalOptions, impact};

/// The system allocator, counting the bytes in use and their peak.
struct Counting;

static IN_USE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator; the
// counters are only bookkeeping.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let pointer = unsafe { System.alloc(layout) };
        if !pointer.is_null() {
            let now = IN_USE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(pointer, layout) };
        IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, pointer: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let new_pointer = unsafe { System.realloc(pointer, layout, new_size) };
        if !new_pointer.is_null() {
            let now = if new_size >= layout.size() {
                IN_USE.fetch_add(new_size - layout.size(), Ordering::Relaxed) + new_size
                    - layout.size()
            } else {
                IN_USE.fetch_sub(layout.size() - new_size, Ordering::Relaxed)
                    - (layout.size() - new_size)
            };
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        new_pointer
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// A memory figure of this process in KiB from /proc (Linux), if known:
/// `VmHWM` is the peak resident set, `VmRSS` the current one.
fn memory_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn measure(edges: usize) -> Result<()> {
    let baseline = memory_kib("VmRSS:").unwrap_or(0);
    let started = Instant::now();
    let fragments = generate(&SyntheticOptions::with_edges(edges));
    let generated = started.elapsed();
    let fragments_bytes = IN_USE.load(Ordering::Relaxed);
    PEAK.store(fragments_bytes, Ordering::Relaxed);
    let started = Instant::now();
    let graph = GraphBuilder::from_iter(fragments).build();
    let built = started.elapsed();
    // The fragments are gone by now; what stays resident is the graph.
    let resident = memory_kib("VmRSS:").unwrap_or(0);
    // Interned texts live in arenas the counting allocator does not see
    // (ustr allocates them from the system directly); they count as graph.
    let interned = infrawise_core::interned_bytes();
    let graph_bytes = IN_USE.load(Ordering::Relaxed) + interned;
    let build_peak_bytes = PEAK.load(Ordering::Relaxed) + interned;
    let root = node_id(0).as_str().to_owned();
    // The best of five: the first call also pays for faulting in the
    // query's working arrays.
    let mut queried = std::time::Duration::MAX;
    let mut first = None;
    let mut affected = 0;
    for _ in 0..5 {
        let started = Instant::now();
        let reach = impact(&graph, &root, &TraversalOptions::default())?;
        queried = queried.min(started.elapsed());
        first.get_or_insert(started.elapsed());
        affected = reach.affected.len();
    }
    let first = first.unwrap_or_default();
    // JSON export: streamed to a sink, then the way it was done before
    // streaming (a document copied from the graph, printed to a String),
    // each with the heap it needs on top of the graph.
    PEAK.store(IN_USE.load(Ordering::Relaxed), Ordering::Relaxed);
    let before = IN_USE.load(Ordering::Relaxed);
    let started = Instant::now();
    graph.write_json(std::io::sink())?;
    let streamed = started.elapsed();
    let stream_extra = PEAK.load(Ordering::Relaxed).saturating_sub(before);
    PEAK.store(IN_USE.load(Ordering::Relaxed), Ordering::Relaxed);
    let started = Instant::now();
    let text = serde_json::to_string_pretty(&graph.to_document())?;
    let stringed = started.elapsed();
    let string_extra = PEAK.load(Ordering::Relaxed).saturating_sub(before);
    let json_mib = mib(text.len());
    drop(text);
    let peak = memory_kib("VmHWM:").unwrap_or(0);
    println!(
        "json_mib={json_mib:.1} json_stream_ms={:.0} json_stream_extra_heap_mib={:.2} \
         json_document_ms={:.0} json_document_extra_heap_mib={:.1}",
        streamed.as_secs_f64() * 1e3,
        mib(stream_extra),
        stringed.as_secs_f64() * 1e3,
        mib(string_extra),
    );
    println!(
        "edges={edges} nodes={} graph_edges={} generate_ms={:.1} build_ms={:.1} impact_ms={:.2} impact_first_ms={:.2} affected={} \
         fragments_heap_mib={:.1} graph_heap_mib={:.1} interned_mib={:.2} bytes_per_edge={:.0} \
         build_peak_heap_mib={:.1} peak_over_graph={:.2} \
         rss_after_build_mib={:.1} peak_rss_mib={:.1} baseline_rss_mib={:.1}",
        graph.node_count(),
        graph.edge_count(),
        generated.as_secs_f64() * 1e3,
        built.as_secs_f64() * 1e3,
        queried.as_secs_f64() * 1e3,
        first.as_secs_f64() * 1e3,
        affected,
        mib(fragments_bytes),
        mib(graph_bytes),
        mib(interned),
        graph_bytes as f64 / graph.edge_count().max(1) as f64,
        mib(build_peak_bytes),
        build_peak_bytes as f64 / graph_bytes.max(1) as f64,
        resident as f64 / 1024.0,
        peak as f64 / 1024.0,
        baseline as f64 / 1024.0,
    );
    Ok(())
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, edges] = args.as_slice()
        && flag == "--one"
    {
        return measure(edges.parse().context("edge count")?);
    }
    let sizes = if args.is_empty() {
        vec!["1000000".to_owned()]
    } else {
        args
    };
    let me = std::env::current_exe()?;
    for size in sizes {
        let status = Command::new(&me).args(["--one", &size]).status()?;
        anyhow::ensure!(status.success(), "size {size} failed");
    }
    Ok(())
}

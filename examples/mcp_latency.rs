//! The MCP round trip, measured the way an assistant meets it: a
//! synthetic graph of N edges (default 100,000) saved as JSON, served by
//! `infrawise mcp --graph`, and `search`, `context` and `impact` called
//! through rmcp's client over stdio, timed per call.
//!
//! `cargo build --release --example infrawise --example mcp_latency &&
//! target/release/examples/mcp_latency [EDGES] [CALLS]`

use std::time::{Duration, Instant};

use anyhow::Context as _;
use infrawise::graph::GraphBuilder;
use infrawise::graph::synthetic::{SyntheticOptions, generate, node_id};
use rmcp::ServiceExt as _;
use rmcp::model::CallToolRequestParams;
use rmcp::transport::TokioChildProcess;
use serde_json::json;

fn percentile(times: &mut [Duration], p: f64) -> f64 {
    times.sort_unstable();
    let index = ((times.len() as f64 - 1.0) * p).round() as usize;
    times.get(index).map_or(0.0, |d| d.as_secs_f64() * 1e3)
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let edges: usize = args.next().map_or(Ok(100_000), |a| a.parse())?;
    let calls: usize = args.next().map_or(Ok(200), |a| a.parse())?;
    let graph = GraphBuilder::from_iter(generate(&SyntheticOptions::with_edges(edges))).build();
    let saved = std::env::temp_dir().join(format!("infrawise-latency-{}.json", std::process::id()));
    std::fs::write(&saved, graph.to_json())?;
    let server = std::env::current_exe()?
        .parent()
        .context("examples directory")?
        .join(format!("infrawise{}", std::env::consts::EXE_SUFFIX));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let result = runtime.block_on(async {
        let mut command = tokio::process::Command::new(&server);
        command.args(["mcp", "--graph"]).arg(&saved);
        let started = Instant::now();
        let client = ().serve(TokioChildProcess::new(command)?).await?;
        println!(
            "edges={edges} nodes={} start_and_load_ms={:.0}",
            graph.node_count(),
            started.elapsed().as_secs_f64() * 1e3
        );
        let n = graph.node_count();
        for (tool, make) in [
            (
                "search",
                Box::new(|i: usize| json!({"text": format!("svc-{}", (i * 7919) % n)}))
                    as Box<dyn Fn(usize) -> serde_json::Value>,
            ),
            (
                "context",
                Box::new(|i: usize| json!({"node": node_id((i * 7919) % n).as_str()})),
            ),
            (
                "impact",
                Box::new(
                    |i: usize| json!({"node": node_id(n - 1 - (i * 7919) % (n / 2)).as_str(), "depth": 2}),
                ),
            ),
        ] {
            let mut times = Vec::with_capacity(calls);
            for i in 0..calls {
                let arguments = make(i).as_object().cloned().unwrap_or_default();
                let started = Instant::now();
                client
                    .call_tool(CallToolRequestParams::new(tool).with_arguments(arguments))
                    .await?;
                times.push(started.elapsed());
            }
            println!(
                "tool={tool} calls={calls} median_ms={:.2} p95_ms={:.2}",
                percentile(&mut times, 0.5),
                percentile(&mut times, 0.95)
            );
        }
        client.cancel().await?;
        anyhow::Ok(())
    });
    let _ = std::fs::remove_file(&saved);
    result
}

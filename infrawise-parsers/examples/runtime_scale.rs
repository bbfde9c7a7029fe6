//! Ingests OTLP JSON lines (written by `benches/runtime/gen_otlp.py`) into
//! aggregated observed edges, and compares the time with the raw JSON parse
//! of the same bytes (`serde_json` to `IgnoredAny`, line by line through the
//! same reader), measured in the same run:
//!
//! ```text
//! python3 benches/runtime/gen_otlp.py /tmp/otlp-100m.jsonl 100
//! python3 benches/runtime/gen_otlp.py /tmp/otlp-1g.jsonl 1024
//! cargo run --release -p infrawise-parsers --example runtime_scale -- /tmp/otlp-100m.jsonl /tmp/otlp-1g.jsonl
//! ```
//!
//! Each measurement runs in a fresh child process, so its peak resident
//! set size (`VmHWM` from /proc) is its own: comparing the ingest's peak
//! across file sizes shows whether memory grows with the file. The raw
//! parse runs before and after the ingest and the faster of the two is the
//! baseline (the stricter comparison).

use std::io::BufRead as _;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use infrawise_parsers::runtime::{self, otlp};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

macro_rules! bail {
    ($($arg:tt)*) => {
        return Err(format!($($arg)*).into())
    };
}

/// Peak resident set size of this process, in KiB (Linux).
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Parses every line to `IgnoredAny`; returns the number of lines.
fn raw(path: &Path) -> Result<u64> {
    let mut reader = runtime::open(path)?;
    let mut line = Vec::new();
    let mut lines = 0;
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            return Ok(lines);
        }
        let text = line.trim_ascii();
        if !text.is_empty() {
            serde_json::from_slice::<serde::de::IgnoredAny>(text)?;
            lines += 1;
        }
    }
}

/// Runs one measurement in this process and prints `seconds peak_kib detail`.
fn child(mode: &str, path: &Path) -> Result<()> {
    let started = Instant::now();
    let detail = match mode {
        "raw" => format!("{} lines", raw(path)?),
        "ingest" => {
            let fragment = otlp::parse_file(path, "scale.jsonl");
            if !fragment.diagnostics.is_empty() {
                bail!("diagnostics: {:?}", fragment.diagnostics);
            }
            let evidence: usize = fragment.edges.iter().map(|e| e.evidence.len()).sum();
            let spans: u64 = fragment
                .nodes
                .iter()
                .filter(|n| n.evidence.iter().any(|e| e.detail.starts_with("spans of")))
                .filter_map(|n| n.evidence.first().and_then(infrawise_core::Evidence::count))
                .sum();
            format!(
                "{spans} spans -> {} nodes, {} edges, {evidence} edge-operations",
                fragment.nodes.len(),
                fragment.edges.len()
            )
        }
        other => bail!("unknown mode {other}"),
    };
    let seconds = started.elapsed().as_secs_f64();
    println!("{seconds} {} {detail}", peak_rss_kib().unwrap_or(0));
    Ok(())
}

struct Measured {
    seconds: f64,
    peak_kib: u64,
    detail: String,
}

fn measure(mode: &str, path: &Path) -> Result<Measured> {
    let exe = std::env::current_exe()?;
    let output = Command::new(exe)
        .args(["--child", mode])
        .arg(path)
        .output()?;
    if !output.status.success() {
        bail!("{mode}: {}", String::from_utf8_lossy(&output.stderr));
    }
    let text = String::from_utf8(output.stdout)?;
    let mut parts = text.trim().splitn(3, ' ');
    Ok(Measured {
        seconds: parts.next().ok_or("no seconds")?.parse()?,
        peak_kib: parts.next().ok_or("no peak")?.parse()?,
        detail: parts.next().unwrap_or("").to_owned(),
    })
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, mode, path] = args.as_slice()
        && flag == "--child"
    {
        return child(mode, Path::new(path));
    }
    if args.is_empty() {
        bail!("usage: runtime_scale FILE.jsonl...");
    }
    println!(
        "{:>10} {:>14} {:>14} {:>8} {:>13} {:>13}  result",
        "MiB", "raw MiB/s", "ingest MiB/s", "ratio", "raw peak MiB", "ingest peak"
    );
    for path in &args {
        let path = Path::new(path);
        let bytes = std::fs::metadata(path)?.len() as f64;
        let mib = bytes / (1024.0 * 1024.0);
        // Warm the page cache so neither side pays for the disk.
        raw(path)?;
        let before = measure("raw", path)?;
        let ingest = measure("ingest", path)?;
        let after = measure("raw", path)?;
        let baseline = if before.seconds <= after.seconds {
            before
        } else {
            after
        };
        println!(
            "{mib:>10.1} {:>14.1} {:>14.1} {:>7.2}x {:>13.1} {:>13.1}  {}",
            mib / baseline.seconds,
            mib / ingest.seconds,
            ingest.seconds / baseline.seconds,
            baseline.peak_kib as f64 / 1024.0,
            ingest.peak_kib as f64 / 1024.0,
            ingest.detail,
        );
    }
    Ok(())
}

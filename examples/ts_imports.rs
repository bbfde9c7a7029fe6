//! Prints the module-to-module import edges Infrawise finds in a
//! TypeScript/JavaScript tree in madge's `--json` shape (`{"a.ts": ["b.ts"]}`,
//! paths relative to DIR), and on stderr the time of the best of REPEAT
//! runs: the Infrawise side of `benches/compare/madge.sh`.
//!
//! `cargo run --release --example ts_imports -- DIR [REPEAT] [--no-types]`
//!
//! `--no-types` leaves out imports marked `[type-only]`, for comparison
//! with tools that skip them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use infrawise_core::{EdgeKind, NodeRef};
use infrawise_parsers::typescript;

#[path = "support/timed.rs"]
mod timed;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let no_types = args.iter().any(|a| a == "--no-types");
    let mut positional = args.iter().filter(|a| !a.starts_with("--"));
    let root = PathBuf::from(positional.next().map_or(".", String::as_str));
    let repeat: usize = positional.next().map_or(Ok(5), |r| r.parse())?;
    let (fragment, n_files, best) =
        timed::best_of(&root, repeat, typescript::is_source_file, typescript::parse)?;
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for node in &fragment.nodes {
        if let Some(path) = node
            .id
            .as_str()
            .strip_prefix("ts:")
            .filter(|p| !p.contains('#'))
        {
            graph.entry(path.to_owned()).or_default();
        }
    }
    for edge in &fragment.edges {
        let (NodeRef::Id(from), NodeRef::Id(to)) = (&edge.from, &edge.to) else {
            continue;
        };
        if edge.kind != EdgeKind::Imports {
            continue;
        }
        if no_types
            && edge
                .evidence
                .iter()
                .all(|e| e.detail.ends_with("[type-only]"))
        {
            continue;
        }
        if let (Some(from), Some(to)) = (
            from.as_str().strip_prefix("ts:"),
            to.as_str().strip_prefix("ts:"),
        ) {
            graph
                .entry(from.to_owned())
                .or_default()
                .insert(to.to_owned());
        }
    }
    println!("{}", serde_json::to_string_pretty(&graph)?);
    for diagnostic in fragment
        .diagnostics
        .iter()
        .filter(|d| d.severity >= infrawise_core::Severity::Warning)
    {
        eprintln!("{diagnostic}");
    }
    timed::report(&fragment, n_files, best);
    Ok(())
}

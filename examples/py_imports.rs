//! Prints the module-to-module import edges Infrawise finds in a Python
//! tree as `{"seconds": S, "modules": [...], "edges": [[a, b], ...]}`
//! (dotted module names), with the time of the best of REPEAT in-process
//! runs of the walk and [`infrawise_parsers::python::parse`] (read, lex or
//! parse, symbols, infrastructure use, resolution): the in-process side of
//! `benches/compare/grimp.sh`, the counterpart of `grimp.build_graph`.
//!
//! `cargo run --release --example py_imports -- DIR [REPEAT]`

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use infrawise_core::{EdgeKind, NodeKind, NodeRef};
use infrawise_parsers::python;

#[path = "support/timed.rs"]
mod timed;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = PathBuf::from(args.first().map_or(".", String::as_str));
    let repeat: usize = args.get(1).map_or(Ok(5), |r| r.parse())?;
    let (fragment, n_files, best) =
        timed::best_of(&root, repeat, python::is_source_file, python::parse)?;
    let names: BTreeMap<&str, &str> = fragment
        .nodes
        .iter()
        .filter(|n| n.kind == NodeKind::CodeModule)
        .map(|n| (n.id.as_str(), n.name.as_str()))
        .collect();
    let mut edges: BTreeSet<(&str, &str)> = BTreeSet::new();
    for edge in &fragment.edges {
        if let (NodeRef::Id(from), NodeRef::Id(to), EdgeKind::Imports) =
            (&edge.from, &edge.to, edge.kind)
            && let (Some(from), Some(to)) = (names.get(from.as_str()), names.get(to.as_str()))
            && from != to
        {
            edges.insert((from, to));
        }
    }
    let modules: BTreeSet<&str> = names.values().copied().collect();
    println!(
        "{}",
        serde_json::json!({"seconds": best, "modules": modules, "edges": edges})
    );
    timed::report(&fragment, n_files, best);
    Ok(())
}

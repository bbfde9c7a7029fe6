//! Graphviz DOT output.

use std::fmt::Write as _;

use infrawise_core::Origin;

use super::{kind_family, origins_label};
use crate::graph::Graph;

fn quote(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for c in text.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            _ => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

fn shape(family: &str) -> &'static str {
    match family {
        "messaging" => "cds",
        "data" => "cylinder",
        "compute" => "component",
        "api" => "hexagon",
        "security" => "octagon",
        "network" => "tab",
        "config" => "note",
        "grouping" => "folder",
        "code" => "box3d",
        _ => "box",
    }
}

/// The graph in Graphviz DOT. Node shapes follow the kind's family
/// (cylinders for data, cds for messaging, …); edges are solid when
/// declared, dashed when only inferred, bold when observed, and dotted
/// red when an unresolved reference. Labels name the edge kind and
/// origins.
pub fn to_dot(graph: &Graph) -> String {
    let mut out = String::from(
        "digraph infrawise {\n  rankdir=LR;\n  node [fontname=\"Helvetica\" fontsize=10];\n  edge [fontname=\"Helvetica\" fontsize=9];\n",
    );
    for graph_node in graph.nodes() {
        let node = &graph_node.node;
        let label = format!(
            "{}\n{}",
            node.name,
            node.raw_type.as_deref().unwrap_or(node.kind.as_str())
        );
        let style = if graph_node.unresolved {
            " style=dashed color=red"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "  {} [label={} shape={}{style}];",
            quote(node.id.as_str()),
            quote(&label),
            shape(kind_family(node.kind))
        );
    }
    for edge in graph.edges() {
        let origins = edge.edge.origins();
        let style = if origins.contains(Origin::Declared) && origins.contains(Origin::Observed) {
            "style=bold"
        } else if origins.contains(Origin::Declared) {
            "style=solid"
        } else if origins.contains(Origin::Observed) {
            "style=bold color=blue"
        } else {
            "style=dashed"
        };
        let label = format!("{} ({})", edge.edge.kind, origins_label(origins));
        let _ = writeln!(
            out,
            "  {} -> {} [label={} {style}];",
            quote(edge.from.as_str()),
            quote(edge.to.as_str()),
            quote(&label)
        );
    }
    out.push_str("}\n");
    out
}

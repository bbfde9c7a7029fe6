//! Mermaid flowchart output.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use infrawise_core::Origin;

use super::{kind_family, origins_label};
use crate::graph::Graph;

fn escape(text: &str) -> String {
    text.replace('"', "#quot;").replace('\n', " ")
}

/// The graph as a Mermaid flowchart. Nodes are `n0, n1, …` in id order and
/// carry a class per kind family (`data`, `messaging`, `compute`, …);
/// edges are `-->` when declared, `==>` when only observed, `-.->` when
/// only inferred, labelled with the edge kind and origins.
pub fn to_mermaid(graph: &Graph) -> String {
    let mut out = String::from("flowchart LR\n");
    let mut families = BTreeSet::new();
    for (index, graph_node) in graph.nodes().enumerate() {
        let node = &graph_node.node;
        let family = if graph_node.unresolved {
            "unresolved"
        } else {
            kind_family(node.kind)
        };
        families.insert(family);
        let label = format!(
            "{}<br/><small>{}</small>",
            escape(&node.name),
            escape(node.raw_type.as_deref().unwrap_or(node.kind.as_str()))
        );
        let _ = writeln!(out, "  n{index}[\"{label}\"]:::{family}");
    }
    let positions: std::collections::HashMap<&str, usize> = graph
        .nodes()
        .enumerate()
        .map(|(index, node)| (node.node.id.as_str(), index))
        .collect();
    for edge in graph.edges() {
        let (Some(from), Some(to)) = (
            positions.get(edge.from.as_str()),
            positions.get(edge.to.as_str()),
        ) else {
            continue;
        };
        let origins = edge.edge.origins();
        let arrow = if origins.contains(Origin::Declared) {
            "-->"
        } else if origins.contains(Origin::Observed) {
            "==>"
        } else {
            "-.->"
        };
        let _ = writeln!(
            out,
            "  n{from} {arrow}|\"{} ({})\"| n{to}",
            edge.edge.kind,
            origins_label(origins)
        );
    }
    for family in families {
        let style = match family {
            "messaging" => "fill:#fde68a,stroke:#b45309",
            "data" => "fill:#bfdbfe,stroke:#1d4ed8",
            "compute" => "fill:#bbf7d0,stroke:#15803d",
            "api" => "fill:#ddd6fe,stroke:#6d28d9",
            "security" => "fill:#fecaca,stroke:#b91c1c",
            "network" => "fill:#e5e7eb,stroke:#374151",
            "config" => "fill:#f5f5f4,stroke:#78716c",
            "grouping" => "fill:#fff,stroke:#111827,stroke-dasharray:4",
            "code" => "fill:#cffafe,stroke:#0e7490",
            "unresolved" => "fill:#fff,stroke:#dc2626,stroke-dasharray:2",
            _ => "fill:#fff,stroke:#6b7280",
        };
        let _ = writeln!(out, "  classDef {family} {style}");
    }
    out
}

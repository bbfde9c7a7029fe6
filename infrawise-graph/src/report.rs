//! Query results as JSON (the contract) and as human-readable text.

use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::export::{edge_document, origins_label};
use crate::findings::Finding;
use crate::graph::{EdgeId, Graph};
use crate::query::{PathResult, Reach};

fn edges_json(graph: &Graph, path: &[EdgeId]) -> Value {
    Value::Array(
        path.iter()
            .filter_map(|&id| edge_document(graph, id))
            .filter_map(|doc| serde_json::to_value(doc).ok())
            .collect(),
    )
}

/// `{"root": ID, "affected": [{"id", "depth", "path": [EDGE…]}]}`.
pub fn reach_json(graph: &Graph, reach: &Reach) -> Value {
    let affected: Vec<Value> = reach
        .affected
        .iter()
        .enumerate()
        .map(|(position, hit)| json!({"id": hit.id, "depth": hit.depth, "path": edges_json(graph, &reach.path(position))}))
        .collect();
    json!({"root": reach.root, "affected": affected})
}

/// `{"direction": "forward|reverse|undirected", "path": [EDGE…]}`, or
/// `{"direction": null, "path": null}` when the nodes are not connected.
pub fn path_json(graph: &Graph, result: Option<&PathResult>) -> Value {
    match result {
        Some(result) => {
            json!({"direction": result.direction, "path": edges_json(graph, &result.path)})
        }
        None => json!({"direction": null, "path": null}),
    }
}

/// `{"findings": [{"code", "severity", "message", "nodes", "evidence"}]}`.
pub fn findings_json(findings: &[Finding]) -> Value {
    json!({ "findings": findings })
}

fn edge_line(graph: &Graph, id: EdgeId) -> String {
    let Some(edge) = graph.edge(id) else {
        return String::new();
    };
    let mut line = format!(
        "{} -[{}]-> {} ({})",
        edge.from,
        edge.edge.kind,
        edge.to,
        origins_label(edge.edge.origins())
    );
    if let Some(evidence) = edge.edge.evidence.first() {
        let _ = write!(line, " {}", evidence.extractor);
        if let Some(path) = &evidence.path {
            let _ = write!(line, " {path}");
            if let Some(number) = evidence.line {
                let _ = write!(line, ":{number}");
            }
        }
        if !evidence.detail.is_empty() {
            let _ = write!(line, " {}", evidence.detail);
        }
        if edge.edge.evidence.len() > 1 {
            let _ = write!(line, " (+{} more)", edge.edge.evidence.len() - 1);
        }
    }
    line
}

/// Text for `impact` (`heading` = "depend on") or `deps` ("are depended on by").
pub fn reach_text(graph: &Graph, reach: &Reach, heading: &str) -> String {
    let mut out = String::new();
    if reach.affected.is_empty() {
        let _ = writeln!(out, "0 node(s) {heading} {}", reach.root);
        return out;
    }
    let _ = writeln!(
        out,
        "{} node(s) {heading} {}:",
        reach.affected.len(),
        reach.root
    );
    for (position, hit) in reach.affected.iter().enumerate() {
        let _ = writeln!(out, "  [{}] {}", hit.depth, hit.id);
        for edge in reach.path(position) {
            let _ = writeln!(out, "        {}", edge_line(graph, edge));
        }
    }
    out
}

/// Text for `path`.
pub fn path_text(graph: &Graph, from: &str, to: &str, result: Option<&PathResult>) -> String {
    let Some(result) = result else {
        return format!("no path between {from} and {to}\n");
    };
    let mut out = format!("{} hop(s), {:?}:\n", result.path.len(), result.direction).to_lowercase();
    for &edge in &result.path {
        let _ = writeln!(out, "  {}", edge_line(graph, edge));
    }
    out
}

/// Text for findings, one per line, then a count.
pub fn findings_text(findings: &[Finding]) -> String {
    let mut out = String::new();
    for finding in findings {
        let _ = writeln!(
            out,
            "{} [{}] {}",
            finding.severity, finding.code, finding.message
        );
        if let Some(evidence) = finding.evidence.first()
            && let Some(path) = &evidence.path
        {
            let _ = write!(out, "    at {path}");
            if let Some(line) = evidence.line {
                let _ = write!(out, ":{line}");
            }
            out.push('\n');
        }
    }
    let _ = writeln!(out, "{} finding(s)", findings.len());
    out
}

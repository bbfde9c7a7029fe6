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
    if let Some(evidence) = edge.evidence.first() {
        let _ = write!(line, " {}", evidence.extractor);
        if let Some(path) = &evidence.path {
            let _ = write!(line, " {path}");
            if let Some(number) = evidence.line() {
                let _ = write!(line, ":{number}");
            }
        }
        if !evidence.detail.is_empty() {
            let _ = write!(line, " {}", evidence.detail);
        }
        if edge.evidence.len() > 1 {
            let _ = write!(line, " (+{} more)", edge.evidence.len() - 1);
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
            if let Some(line) = evidence.line() {
                let _ = write!(out, ":{line}");
            }
            out.push('\n');
        }
    }
    let _ = writeln!(out, "{} finding(s)", findings.len());
    out
}

/// `{"query", "hits": [{"id", "kind", "name", "quality", "matched"}]}`.
pub fn search_json(text: &str, hits: &[crate::SearchHit<'_>]) -> Value {
    json!({"query": text, "hits": hits})
}

/// Text for `search`: one hit per line, best first.
pub fn search_text(text: &str, hits: &[crate::SearchHit<'_>]) -> String {
    let mut out = format!("{} node(s) match {text:?}\n", hits.len());
    for hit in hits {
        let _ = writeln!(
            out,
            "  {} [{}] {} (matched {})",
            hit.id, hit.kind, hit.name, hit.matched
        );
    }
    out
}

/// `{"node": NODE, "neighbours": [{"id", "kind", "name", "depth", "origins"}],
/// "edges": [EDGE…], "findings": [FINDING…], "truncated"}`, where NODE is
/// the node as the JSON contract writes it (attributes per origin, evidence).
pub fn context_json(graph: &Graph, context: &crate::Context<'_>) -> Value {
    let node = &context.node.node;
    let neighbours: Vec<Value> = context
        .neighbours
        .iter()
        .map(|n| {
            let origins: Vec<&str> = n.origins.iter().map(infrawise_core::Origin::as_str).collect();
            json!({"id": n.id, "kind": n.kind, "name": n.name, "depth": n.depth, "origins": origins})
        })
        .collect();
    json!({
        "node": {
            "id": node.id,
            "kind": node.kind,
            "type": node.raw_type,
            "name": node.name,
            "scope": node.scope,
            "aliases": node.aliases,
            "origins": node.origins(),
            "attributes": node.attributes,
            "evidence": node.evidence,
            "merged_ids": context.node.merged_ids,
            "unresolved": context.node.unresolved,
        },
        "neighbours": neighbours,
        "edges": edges_json(graph, &context.edges),
        "findings": context.findings,
        "truncated": context.truncated,
    })
}

/// Text for `context`.
pub fn context_text(graph: &Graph, context: &crate::Context<'_>) -> String {
    let node = &context.node.node;
    let mut out = format!(
        "{} [{}] {} ({})\n",
        node.id,
        node.kind,
        node.name,
        origins_label(node.evidence.iter().map(|e| e.origin).collect())
    );
    for (name, values) in &node.attributes {
        for (origin, value) in values {
            let shown = serde_json::to_string(value).unwrap_or_default();
            let _ = writeln!(out, "  {name} ({origin}) = {shown}");
        }
    }
    for evidence in &node.evidence {
        let place = evidence.path.as_deref().map_or_else(String::new, |path| {
            evidence
                .line()
                .map_or_else(|| format!(" {path}"), |line| format!(" {path}:{line}"))
        });
        let _ = writeln!(
            out,
            "  evidence {} {}{place} {}",
            evidence.origin, evidence.extractor, evidence.detail
        );
    }
    let _ = writeln!(
        out,
        "{} neighbour(s){}:",
        context.neighbours.len(),
        if context.truncated {
            " (truncated)"
        } else {
            ""
        }
    );
    for &edge in &context.edges {
        let _ = writeln!(out, "  {}", edge_line(graph, edge));
    }
    out.push_str(&findings_text(&context.findings));
    out
}

/// The diff as JSON: the [`GraphDiff`](crate::GraphDiff) fields, plus the
/// findings that concern what the change touches or reaches.
pub fn diff_json(changes: &crate::GraphDiff, reached_findings: &[&Finding]) -> Value {
    let mut value = serde_json::to_value(changes).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut value {
        map.insert("findings".to_owned(), json!(reached_findings));
    }
    value
}

fn attribute_value_text(value: Option<&infrawise_core::AttributeValue>) -> String {
    value.map_or_else(
        || "absent".to_owned(),
        |v| serde_json::to_string(v).unwrap_or_default(),
    )
}

/// The diff as text (`markdown: false`) or as Markdown fit for a
/// pull-request comment (`markdown: true`): what changed, what it reaches,
/// and what is now stale or drifting among what it touches.
pub fn diff_report(
    changes: &crate::GraphDiff,
    reached_findings: &[&Finding],
    markdown: bool,
) -> String {
    let mut out = String::new();
    let (h2, item, code) = if markdown {
        ("### ", "- ", "`")
    } else {
        ("", "  ", "")
    };
    let counts = format!(
        "{} node(s) added, {} removed, {} changed; {} edge(s) added, {} removed, {} changed",
        changes.nodes_added.len(),
        changes.nodes_removed.len(),
        changes.nodes_changed.len(),
        changes.edges_added.len(),
        changes.edges_removed.len(),
        changes.edges_changed.len()
    );
    if markdown {
        let _ = writeln!(out, "## Infrawise: infrastructure change\n\n{counts}\n");
    } else {
        let _ = writeln!(out, "{counts}");
    }
    if changes.is_empty() {
        return out;
    }
    let _ = writeln!(out, "{h2}What changed");
    for id in &changes.nodes_added {
        let _ = writeln!(out, "{item}added {code}{id}{code}");
    }
    for id in &changes.nodes_removed {
        let _ = writeln!(out, "{item}removed {code}{id}{code}");
    }
    for change in &changes.nodes_changed {
        let _ = writeln!(
            out,
            "{item}changed {code}{}{code} ({})",
            change.id, change.kind
        );
        for attribute in &change.attributes {
            let _ = writeln!(
                out,
                "  {item}{} ({}): {code}{}{code} → {code}{}{code}",
                attribute.name,
                attribute.origin,
                attribute_value_text(attribute.old.as_ref()),
                attribute_value_text(attribute.new.as_ref())
            );
        }
        for origin in &change.origins_gained {
            let _ = writeln!(out, "  {item}now {origin}");
        }
        for origin in &change.origins_lost {
            let _ = writeln!(out, "  {item}no longer {origin}");
        }
    }
    for (edges, verb) in [
        (&changes.edges_added, "added"),
        (&changes.edges_removed, "removed"),
    ] {
        for edge in edges {
            let _ = writeln!(
                out,
                "{item}{verb} edge {code}{} -[{}]-> {}{code}",
                edge.from, edge.kind, edge.to
            );
        }
    }
    for change in &changes.edges_changed {
        let gained: Vec<&str> = change.origins_gained.iter().map(|o| o.as_str()).collect();
        let lost: Vec<&str> = change.origins_lost.iter().map(|o| o.as_str()).collect();
        let _ = writeln!(
            out,
            "{item}edge {code}{} -[{}]-> {}{code}: origins +[{}] -[{}]",
            change.edge.from,
            change.edge.kind,
            change.edge.to,
            gained.join(", "),
            lost.join(", ")
        );
    }
    let reaching: Vec<&crate::diff::Reached> = changes
        .reached
        .iter()
        .filter(|r| !r.affected.is_empty())
        .collect();
    if !reaching.is_empty() {
        let _ = writeln!(out, "\n{h2}What it reaches");
        for reached in reaching {
            let _ = writeln!(
                out,
                "{item}{code}{}{code} is depended on by {} node(s):",
                reached.node,
                reached.affected.len()
            );
            for id in reached.affected.iter().take(20) {
                let _ = writeln!(out, "  {item}{code}{id}{code}");
            }
            if reached.affected.len() > 20 {
                let _ = writeln!(out, "  {item}… and {} more", reached.affected.len() - 20);
            }
        }
    }
    if !reached_findings.is_empty() {
        let _ = writeln!(out, "\n{h2}Stale or drifting among what it touches");
        for finding in reached_findings {
            let _ = writeln!(
                out,
                "{item}{} {code}{}{code}: {}",
                finding.severity, finding.code, finding.message
            );
        }
    }
    out
}

//! A stable, line-oriented text rendering of a fragment, for snapshot
//! tests and for reading what a parser produced.

use std::fmt::Write as _;

use crate::{AttributeValue, Evidence, Fragment, NodeRef};

fn evidence_text(evidence: &Evidence) -> String {
    let mut text = format!("{} {}", evidence.origin, evidence.extractor);
    if let Some(path) = &evidence.path {
        let _ = write!(text, " {path}");
        if let Some(line) = evidence.line() {
            let _ = write!(text, ":{line}");
        }
    }
    if !evidence.detail.is_empty() {
        let _ = write!(text, " ({})", evidence.detail);
    }
    if let Some(confidence) = evidence.confidence() {
        let _ = write!(text, " confidence={confidence}");
    }
    if let Some(first) = evidence
        .first_seen()
        .filter(|first| Some(*first) != evidence.last_seen())
    {
        let _ = write!(text, " first_seen={first}");
    }
    if let Some(seen) = evidence.last_seen() {
        let _ = write!(text, " seen={seen}");
    }
    if let Some(count) = evidence.count() {
        let _ = write!(text, " count={count}");
    }
    if let Some(errors) = evidence.errors() {
        let _ = write!(text, " errors={errors}");
    }
    text
}

fn node_ref_text(node_ref: &NodeRef) -> String {
    match node_ref {
        NodeRef::Id(id) => id.to_string(),
        NodeRef::Alias(alias) => format!("<{alias}>"),
    }
}

impl Fragment {
    /// Renders the fragment as sorted, indented text: sources, then nodes
    /// (with aliases, attributes and evidence), then edges, then
    /// diagnostics. The output does not depend on the order parsers
    /// emitted things in.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let mut sources: Vec<_> = self.sources.iter().collect();
        sources.sort();
        for source in sources {
            let _ = write!(
                out,
                "source {} {} {} {}",
                source.path, source.format, source.origin, source.status
            );
            if let Some(read_at) = source.read_at {
                let _ = write!(out, " read_at={read_at}");
            }
            if let Some(scope) = &source.scope {
                let _ = write!(out, " scope={scope}");
            }
            if source.window_start.is_some() || source.window_end.is_some() {
                let show =
                    |t: Option<crate::Timestamp>| t.map(|t| t.to_string()).unwrap_or_default();
                let _ = write!(
                    out,
                    " window={}..{}",
                    show(source.window_start),
                    show(source.window_end)
                );
            }
            if let Some(caveat) = &source.caveat {
                let _ = write!(out, " caveat={caveat:?}");
            }
            out.push('\n');
        }
        let mut nodes: Vec<_> = self.nodes.iter().collect();
        nodes.sort_by(|a, b| a.id.cmp(&b.id));
        for node in nodes {
            let _ = write!(out, "node {} [{}", node.id, node.kind);
            if let Some(raw) = &node.raw_type {
                let _ = write!(out, " {raw}");
            }
            let _ = write!(out, "] {:?}", node.name);
            if let Some(scope) = &node.scope {
                let _ = write!(out, " scope={scope}");
            }
            out.push('\n');
            for alias in &node.aliases {
                let _ = writeln!(out, "  alias {alias}");
            }
            for (name, values) in &node.attributes {
                for (origin, value) in values {
                    let value = match value {
                        AttributeValue::Known(value) => value.to_string(),
                        AttributeValue::Unknown { expression } => format!("unknown({expression})"),
                        AttributeValue::Redacted { reason } => format!("redacted({reason})"),
                    };
                    let _ = writeln!(out, "  attr {name} {origin} = {value}");
                }
            }
            let mut evidence: Vec<_> = node.evidence.iter().map(evidence_text).collect();
            evidence.sort();
            for line in evidence {
                let _ = writeln!(out, "  evidence {line}");
            }
        }
        let mut edges: Vec<String> = self
            .edges
            .iter()
            .map(|edge| {
                let mut evidence: Vec<_> = edge.evidence.iter().map(evidence_text).collect();
                evidence.sort();
                let mut text = format!(
                    "edge {} -[{}]-> {}\n",
                    node_ref_text(&edge.from),
                    edge.kind,
                    node_ref_text(&edge.to)
                );
                for line in evidence {
                    let _ = writeln!(text, "  evidence {line}");
                }
                text
            })
            .collect();
        edges.sort();
        for edge in edges {
            out.push_str(&edge);
        }
        let mut diagnostics: Vec<_> = self.diagnostics.iter().collect();
        diagnostics.sort();
        for diagnostic in diagnostics {
            let _ = writeln!(out, "diagnostic {diagnostic}");
        }
        out
    }
}

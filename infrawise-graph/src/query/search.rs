//! Finding nodes by what someone remembers of them: part of a name, an id,
//! an alias.

use std::collections::BTreeSet;

use infrawise_core::{NodeId, NodeKind, OriginSet};
use serde::Serialize;

use crate::graph::Graph;

/// Options of [`search`].
#[derive(Clone, Debug, PartialEq)]
pub struct SearchOptions {
    /// Only nodes of these kinds; `None` for all.
    pub kinds: Option<BTreeSet<NodeKind>>,
    /// Only nodes with evidence of one of these origins.
    pub origins: OriginSet,
    /// At most this many hits.
    pub limit: usize,
}

impl Default for SearchOptions {
    fn default() -> Self {
        SearchOptions {
            kinds: None,
            origins: OriginSet::ALL,
            limit: 20,
        }
    }
}

/// How well a hit matched, best first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchQuality {
    /// The text is the node's id, name or an alias value, exactly
    /// (ignoring case).
    Exact,
    /// The text begins one of them.
    Prefix,
    /// The text occurs inside one of them.
    Substring,
}

/// One node found by [`search`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SearchHit<'g> {
    /// The node.
    pub id: &'g NodeId,
    /// Its kind.
    pub kind: NodeKind,
    /// Its name.
    pub name: &'g str,
    /// How well it matched.
    pub quality: MatchQuality,
    /// What matched: the id, the name, or the alias as printed.
    pub matched: String,
}

/// Nodes whose id, name or an alias contains `text` (ignoring case),
/// ranked: exact matches, then prefixes, then substrings; within one
/// quality, shorter matched text first, then by id. At most
/// `options.limit` hits; an empty text finds nothing.
///
/// ```
/// # use infrawise_core::*;
/// # use infrawise_graph::*;
/// let ev = || Evidence::declared("example", "resource");
/// let nodes = vec![
///     Node::new("tf:q.orders", NodeKind::Queue, "orders").with_alias(Alias::name(NodeKind::Queue, "prod-orders")).with_evidence(ev()),
///     Node::new("tf:t.order_items", NodeKind::Table, "order_items").with_evidence(ev()),
/// ];
/// let graph = GraphBuilder::from_iter([Fragment { nodes, ..Fragment::new() }]).build();
/// let hits = search(&graph, "orders", &SearchOptions::default());
/// assert_eq!(hits[0].id.as_str(), "tf:q.orders");
/// assert_eq!(hits[0].quality, MatchQuality::Exact);
/// ```
pub fn search<'g>(graph: &'g Graph, text: &str, options: &SearchOptions) -> Vec<SearchHit<'g>> {
    let needle = text.trim().to_lowercase();
    if needle.is_empty() || options.limit == 0 {
        return Vec::new();
    }
    let mut hits: Vec<SearchHit<'g>> = Vec::new();
    for graph_node in graph.nodes() {
        let node = &graph_node.node;
        if options
            .kinds
            .as_ref()
            .is_some_and(|k| !k.contains(&node.kind))
        {
            continue;
        }
        if !node
            .evidence
            .iter()
            .any(|e| options.origins.contains(e.origin))
        {
            continue;
        }
        let mut best: Option<(MatchQuality, String)> = None;
        let mut consider = |candidate: &str, shown: &dyn Fn() -> String| {
            let Some(quality) = quality_of(&needle, candidate) else {
                return;
            };
            let better = match &best {
                None => true,
                Some((q, m)) => (quality, candidate.len()) < (*q, m.len()),
            };
            if better {
                best = Some((quality, shown()));
            }
        };
        consider(node.id.as_str(), &|| node.id.to_string());
        consider(&node.name, &|| node.name.clone());
        for alias in &node.aliases {
            consider(&alias.value, &|| alias.to_string());
        }
        if let Some((quality, matched)) = best {
            hits.push(SearchHit {
                id: &node.id,
                kind: node.kind,
                name: &node.name,
                quality,
                matched,
            });
        }
    }
    hits.sort_by(|a, b| {
        (a.quality, a.matched.len(), a.id).cmp(&(b.quality, b.matched.len(), b.id))
    });
    hits.truncate(options.limit);
    hits
}

fn quality_of(needle: &str, candidate: &str) -> Option<MatchQuality> {
    // Most candidates are ASCII; lower-casing only on a possible match
    // keeps a scan of a large graph cheap.
    if candidate.len() < needle.len() {
        return None;
    }
    let lower = candidate.to_lowercase();
    if lower == needle {
        Some(MatchQuality::Exact)
    } else if lower.starts_with(needle) {
        Some(MatchQuality::Prefix)
    } else if lower.contains(needle) {
        Some(MatchQuality::Substring)
    } else {
        None
    }
}

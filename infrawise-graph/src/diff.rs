//! What changed between two graphs: two scans of one repository before and
//! after a change (a pull request), or two environments of the same code
//! (dev and prod).
//!
//! Nodes are matched by id, or — for environments — by *logical address*:
//! the id without the part that names the deployment (`tf:envs/prod:aws_sqs_queue.q`
//! and `tf:envs/dev:aws_sqs_queue.q` are both `tf:aws_sqs_queue.q`;
//! `cfn:orders-prod:Queue` and `cfn:orders-dev:Queue` are both `cfn:Queue`),
//! never by physical name, which differs between environments by design.

use std::collections::{BTreeMap, BTreeSet};

use infrawise_core::{AttributeValue, EdgeKind, Evidence, NodeId, NodeKind, Origin, Severity};
use serde::Serialize;

use crate::findings::{Finding, FindingCode};
use crate::graph::{Graph, GraphNode};
use crate::query::{TraversalOptions, impact};

/// How nodes of the two graphs are matched.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DiffKey {
    /// By node id: two scans of one repository.
    #[default]
    Id,
    /// By logical address: two environments of the same code.
    LogicalAddress,
}

/// Options of [`diff`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DiffOptions {
    /// How nodes are matched.
    pub key: DiffKey,
}

/// An attribute value that differs, per origin.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AttributeChange {
    /// The attribute.
    pub name: String,
    /// Which origin's value changed.
    pub origin: Origin,
    /// The value before (`None`: there was none).
    pub old: Option<AttributeValue>,
    /// The value after (`None`: there is none).
    pub new: Option<AttributeValue>,
}

/// A node present in both graphs that changed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NodeChange {
    /// The key the node was matched by.
    pub key: String,
    /// Its id in the new graph.
    pub id: NodeId,
    /// Its kind in the new graph.
    pub kind: NodeKind,
    /// Attribute values that differ.
    pub attributes: Vec<AttributeChange>,
    /// Origins of evidence it has now and had not.
    pub origins_gained: Vec<Origin>,
    /// Origins of evidence it had and has not now.
    pub origins_lost: Vec<Origin>,
    /// Evidence records new in the new graph (matched by id only; lines
    /// and sighting times are not compared).
    pub evidence_added: Vec<Evidence>,
    /// Evidence records gone from the new graph (matched by id only).
    pub evidence_removed: Vec<Evidence>,
}

/// An edge, by the keys of its ends.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct EdgeKey {
    /// The dependent end.
    pub from: String,
    /// The end depended on.
    pub to: String,
    /// How.
    pub kind: EdgeKind,
}

/// An edge present in both graphs whose evidence changed origin.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EdgeChange {
    /// The edge.
    pub edge: EdgeKey,
    /// Origins it has now and had not.
    pub origins_gained: Vec<Origin>,
    /// Origins it had and has not now.
    pub origins_lost: Vec<Origin>,
}

/// What a changed or added node reaches in the new graph.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Reached {
    /// The changed or added node.
    pub node: NodeId,
    /// Every node that depends on it, transitively, by depth then id.
    pub affected: Vec<NodeId>,
}

/// The answer of [`diff`].
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct GraphDiff {
    /// How nodes were matched.
    pub key: DiffKey,
    /// Nodes only the new graph has (ids of the new graph).
    pub nodes_added: Vec<NodeId>,
    /// Nodes only the old graph has (ids of the old graph).
    pub nodes_removed: Vec<NodeId>,
    /// Nodes both have that differ.
    pub nodes_changed: Vec<NodeChange>,
    /// Edges only the new graph has.
    pub edges_added: Vec<EdgeKey>,
    /// Edges only the old graph has.
    pub edges_removed: Vec<EdgeKey>,
    /// Edges both have whose origins differ.
    pub edges_changed: Vec<EdgeChange>,
    /// What each added or changed node reaches in the new graph.
    pub reached: Vec<Reached>,
}

impl GraphDiff {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.nodes_added.is_empty()
            && self.nodes_removed.is_empty()
            && self.nodes_changed.is_empty()
            && self.edges_added.is_empty()
            && self.edges_removed.is_empty()
            && self.edges_changed.is_empty()
    }

    /// Every node the change touches or reaches in the new graph: the
    /// added and changed nodes and everything depending on them.
    pub fn touched(&self) -> BTreeSet<&NodeId> {
        let mut touched: BTreeSet<&NodeId> = self.nodes_added.iter().collect();
        touched.extend(self.nodes_changed.iter().map(|c| &c.id));
        for reached in &self.reached {
            touched.extend(reached.affected.iter());
        }
        touched
    }
}

/// The key of a node id under `key`.
pub fn node_key(id: &str, key: DiffKey) -> String {
    match key {
        DiffKey::Id => id.to_owned(),
        DiffKey::LogicalAddress => {
            // `tf:<root>:<address>` and `cfn:<stack>:<logical id>`: drop the
            // deployment part. Addresses and logical ids hold no `:` before
            // their own text, so the first two separators are the ones.
            let mut parts = id.splitn(3, ':');
            match (parts.next(), parts.next(), parts.next()) {
                (Some(prefix @ ("tf" | "cfn")), Some(_), Some(rest)) => format!("{prefix}:{rest}"),
                _ => id.to_owned(),
            }
        }
    }
}

fn keyed(graph: &Graph, key: DiffKey) -> BTreeMap<String, &GraphNode> {
    graph
        .nodes()
        .filter(|n| !n.unresolved)
        .map(|n| (node_key(n.node.id.as_str(), key), n))
        .collect()
}

fn edges(graph: &Graph, key: DiffKey) -> BTreeMap<EdgeKey, BTreeSet<Origin>> {
    graph
        .edges()
        .map(|edge| {
            (
                EdgeKey {
                    from: node_key(edge.from.as_str(), key),
                    to: node_key(edge.to.as_str(), key),
                    kind: edge.edge.kind,
                },
                edge.evidence.iter().map(|e| e.origin).collect(),
            )
        })
        .collect()
}

fn origins(node: &GraphNode) -> BTreeSet<Origin> {
    node.node.evidence.iter().map(|e| e.origin).collect()
}

fn node_change(key: &str, old: &GraphNode, new: &GraphNode, by: DiffKey) -> Option<NodeChange> {
    let mut attributes = Vec::new();
    let names: BTreeSet<&String> = old
        .node
        .attributes
        .keys()
        .chain(new.node.attributes.keys())
        .collect();
    for name in names {
        let before = old.node.attributes.get(name);
        let after = new.node.attributes.get(name);
        let origins: BTreeSet<Origin> = before
            .into_iter()
            .flat_map(infrawise_core::OriginValues::keys)
            .chain(
                after
                    .into_iter()
                    .flat_map(infrawise_core::OriginValues::keys),
            )
            .copied()
            .collect();
        for origin in origins {
            let a = before.and_then(|m| m.get(&origin));
            let b = after.and_then(|m| m.get(&origin));
            if a != b {
                attributes.push(AttributeChange {
                    name: name.clone(),
                    origin,
                    old: a.cloned(),
                    new: b.cloned(),
                });
            }
        }
    }
    let (was, is) = (origins(old), origins(new));
    let (mut evidence_added, mut evidence_removed) = (Vec::new(), Vec::new());
    if by == DiffKey::Id {
        // A block that moved down a file, or a snapshot read again, is not
        // a change: lines and sighting times are left out of the match.
        let same = |a: &Evidence, b: &Evidence| {
            a.origin == b.origin
                && a.path == b.path
                && a.extractor == b.extractor
                && a.detail == b.detail
                && a.confidence() == b.confidence()
        };
        evidence_added = new
            .node
            .evidence
            .iter()
            .filter(|e| !old.node.evidence.iter().any(|o| same(o, e)))
            .cloned()
            .collect();
        evidence_removed = old
            .node
            .evidence
            .iter()
            .filter(|e| !new.node.evidence.iter().any(|n| same(n, e)))
            .cloned()
            .collect();
    }
    let change = NodeChange {
        key: key.to_owned(),
        id: new.node.id.clone(),
        kind: new.node.kind,
        attributes,
        origins_gained: is.difference(&was).copied().collect(),
        origins_lost: was.difference(&is).copied().collect(),
        evidence_added,
        evidence_removed,
    };
    let unchanged = change.attributes.is_empty()
        && change.origins_gained.is_empty()
        && change.origins_lost.is_empty()
        && change.evidence_added.is_empty()
        && change.evidence_removed.is_empty();
    (!unchanged).then_some(change)
}

/// What changed from `old` to `new`: nodes and edges added, removed and
/// changed (attribute values per origin, origins gained or lost, evidence),
/// and what every added or changed node reaches in `new`.
///
/// ```
/// # use infrawise_core::*;
/// # use infrawise_graph::*;
/// let queue = |timeout: u64| {
///     let mut node = Node::new("tf:infra:aws_sqs_queue.q", NodeKind::Queue, "q")
///         .with_evidence(Evidence::declared("terraform", "resource"));
///     node.set_attribute(Origin::Declared, "visibility_timeout_seconds", serde_json::Value::from(timeout));
///     node
/// };
/// let graph = |timeout| GraphBuilder::from_iter([Fragment { nodes: vec![queue(timeout)], ..Fragment::new() }]).build();
/// let changes = diff(&graph(30), &graph(60), &DiffOptions::default());
/// assert_eq!(changes.nodes_changed[0].attributes[0].name, "visibility_timeout_seconds");
/// ```
pub fn diff(old: &Graph, new: &Graph, options: &DiffOptions) -> GraphDiff {
    let key = options.key;
    let (before, after) = (keyed(old, key), keyed(new, key));
    let mut result = GraphDiff {
        key,
        ..GraphDiff::default()
    };
    for (k, node) in &after {
        match before.get(k) {
            None => result.nodes_added.push(node.node.id.clone()),
            Some(previous) => {
                if let Some(change) = node_change(k, previous, node, key) {
                    result.nodes_changed.push(change);
                }
            }
        }
    }
    for (k, node) in &before {
        if !after.contains_key(k) {
            result.nodes_removed.push(node.node.id.clone());
        }
    }
    let (edges_before, edges_after) = (edges(old, key), edges(new, key));
    for (edge, origins_now) in &edges_after {
        match edges_before.get(edge) {
            None => result.edges_added.push(edge.clone()),
            Some(origins_then) if origins_then != origins_now => {
                result.edges_changed.push(EdgeChange {
                    edge: edge.clone(),
                    origins_gained: origins_now.difference(origins_then).copied().collect(),
                    origins_lost: origins_then.difference(origins_now).copied().collect(),
                });
            }
            Some(_) => {}
        }
    }
    for edge in edges_before.keys() {
        if !edges_after.contains_key(edge) {
            result.edges_removed.push(edge.clone());
        }
    }
    let starts: Vec<&NodeId> = result
        .nodes_added
        .iter()
        .chain(result.nodes_changed.iter().map(|c| &c.id))
        .collect();
    for start in starts {
        let affected = impact(new, start.as_str(), &TraversalOptions::default())
            .map(|reach| reach.affected.iter().map(|hit| hit.id.clone()).collect())
            .unwrap_or_default();
        result.reached.push(Reached {
            node: start.clone(),
            affected,
        });
    }
    result
}

/// Two scans of the same code for two environments, compared by logical
/// address: every resource, setting and edge present in one and not the
/// other, as findings with the stable code `environment-divergence`.
/// Only deployable things count (a variable's default differs between
/// environments by design).
pub fn environment_divergence(first: &Graph, second: &Graph) -> Vec<Finding> {
    let changes = diff(
        first,
        second,
        &DiffOptions {
            key: DiffKey::LogicalAddress,
        },
    );
    let deployable =
        |graph: &Graph, id: &NodeId| graph.node(id).is_some_and(|n| n.node.kind.is_deployable());
    let mut findings = Vec::new();
    let mut say = |message: String, nodes: Vec<NodeId>, evidence: Vec<Evidence>| {
        findings.push(Finding::new(
            FindingCode::EnvironmentDivergence,
            message,
            nodes,
            evidence,
        ));
    };
    for id in &changes.nodes_removed {
        if deployable(first, id) {
            let evidence = first
                .node(id)
                .map(|n| n.node.evidence.clone())
                .unwrap_or_default();
            say(
                format!("{id} exists only in the first environment"),
                vec![id.clone()],
                evidence,
            );
        }
    }
    for id in &changes.nodes_added {
        if deployable(second, id) {
            let evidence = second
                .node(id)
                .map(|n| n.node.evidence.clone())
                .unwrap_or_default();
            say(
                format!("{id} exists only in the second environment"),
                vec![id.clone()],
                evidence,
            );
        }
    }
    for change in &changes.nodes_changed {
        if !change.kind.is_deployable() {
            continue;
        }
        for attribute in &change.attributes {
            let show = |value: &Option<AttributeValue>| {
                value
                    .as_ref()
                    .and_then(|v| serde_json::to_string(v).ok())
                    .unwrap_or_else(|| "absent".to_owned())
            };
            say(
                format!(
                    "{} ({}): {} {} is {} in the first environment and {} in the second",
                    change.key,
                    change.id,
                    attribute.origin,
                    attribute.name,
                    show(&attribute.old),
                    show(&attribute.new)
                ),
                vec![change.id.clone()],
                Vec::new(),
            );
        }
    }
    // An edge of a node only one environment has says nothing more.
    let one_sided: BTreeSet<String> = changes
        .nodes_removed
        .iter()
        .chain(&changes.nodes_added)
        .map(|id| node_key(id.as_str(), DiffKey::LogicalAddress))
        .collect();
    for (edge, side) in changes
        .edges_removed
        .iter()
        .map(|e| (e, "first"))
        .chain(changes.edges_added.iter().map(|e| (e, "second")))
        .filter(|(e, _)| !one_sided.contains(&e.from) && !one_sided.contains(&e.to))
    {
        say(
            format!(
                "{} -[{}]-> {} exists only in the {side} environment",
                edge.from, edge.kind, edge.to
            ),
            Vec::new(),
            Vec::new(),
        );
    }
    findings.sort_by(|a, b| (&a.nodes, &a.message).cmp(&(&b.nodes, &b.message)));
    findings
}

/// Findings that concern what a change touches or reaches (see
/// [`GraphDiff::touched`]), at or above `severity`.
pub fn findings_reached<'f>(
    changes: &GraphDiff,
    findings: &'f [Finding],
    severity: Severity,
) -> Vec<&'f Finding> {
    let touched = changes.touched();
    findings
        .iter()
        .filter(|f| f.severity >= severity && f.nodes.iter().any(|id| touched.contains(id)))
        .collect()
}

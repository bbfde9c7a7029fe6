//! The JSON contract (schema_version 1) and loading it back.

use std::collections::HashSet;

use infrawise_core::{
    Alias, Attributes, Diagnostic, Edge, EdgeKind, Evidence, Fragment, Node, NodeId, NodeKind,
    Origin, Source, Text,
};
use serde::{Deserialize, Serialize};

use crate::Error;
use crate::build::merge;
use crate::graph::{EdgeId, EdgeView, Graph};

/// The schema version this library writes and reads.
pub const SCHEMA_VERSION: u64 = 1;

/// A node as the JSON contract writes it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NodeDocument {
    /// The node's id.
    pub id: NodeId,
    /// Its kind.
    pub kind: NodeKind,
    /// The provider's raw type.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub raw_type: Option<Text>,
    /// Its name.
    pub name: String,
    /// Its scope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Text>,
    /// All aliases, sorted.
    #[serde(default)]
    pub aliases: Vec<Alias>,
    /// The origins of its evidence, sorted.
    #[serde(default)]
    pub origins: Vec<Origin>,
    /// Attribute values per origin.
    #[serde(default)]
    pub attributes: Attributes,
    /// All evidence, sorted.
    #[serde(default)]
    pub evidence: Vec<Evidence>,
    /// The ids of other inputs' nodes merged into this one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merged_ids: Vec<NodeId>,
    /// True for a placeholder that only a dangling reference names.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unresolved: bool,
}

/// An edge as the JSON contract writes it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EdgeDocument {
    /// The dependent end.
    pub from: NodeId,
    /// The end depended on.
    pub to: NodeId,
    /// How `from` depends on `to`.
    pub kind: EdgeKind,
    /// All evidence, sorted.
    pub evidence: Vec<Evidence>,
}

/// The whole graph as the JSON contract writes it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GraphDocument {
    /// Always [`SCHEMA_VERSION`] when written by this version.
    pub schema_version: u64,
    /// Nodes, by id.
    pub nodes: Vec<NodeDocument>,
    /// Edges, by `(from, to, kind)`.
    pub edges: Vec<EdgeDocument>,
    /// Inputs, sorted.
    pub sources: Vec<Source>,
    /// Diagnostics, sorted.
    pub diagnostics: Vec<Diagnostic>,
}

fn view_document(edge: EdgeView<'_>) -> EdgeDocument {
    EdgeDocument {
        from: edge.from.clone(),
        to: edge.to.clone(),
        kind: edge.edge.kind,
        evidence: edge.evidence.to_vec(),
    }
}

/// The document of one edge, for query output.
pub fn edge_document(graph: &Graph, id: EdgeId) -> Option<EdgeDocument> {
    graph.edge(id).map(view_document)
}

impl Graph {
    /// The graph as a [`GraphDocument`].
    pub fn to_document(&self) -> GraphDocument {
        let nodes = self
            .nodes()
            .map(|graph_node| {
                let node = &graph_node.node;
                NodeDocument {
                    id: node.id.clone(),
                    kind: node.kind,
                    raw_type: node.raw_type,
                    name: node.name.clone(),
                    scope: node.scope,
                    aliases: node.aliases.iter().cloned().collect(),
                    origins: node.origins(),
                    attributes: node.attributes.clone(),
                    evidence: node.evidence.clone(),
                    merged_ids: graph_node.merged_ids.clone(),
                    unresolved: graph_node.unresolved,
                }
            })
            .collect();
        GraphDocument {
            schema_version: SCHEMA_VERSION,
            nodes,
            edges: self.edges().map(view_document).collect(),
            sources: self.sources.clone(),
            diagnostics: self.diagnostics.clone(),
        }
    }

    /// The graph as pretty-printed JSON, byte-identical for the same inputs.
    pub fn to_json(&self) -> String {
        let mut out = Vec::new();
        // Writing plain data to a Vec cannot fail, and the output is UTF-8.
        let _ = self.write_json(&mut out);
        String::from_utf8(out).unwrap_or_default()
    }

    /// Writes the graph as [`Graph::to_json`] does, streaming: every node
    /// and edge is serialized straight from the graph, so writing a large
    /// graph costs no copy of it (the document of [`Graph::to_document`]
    /// would double its memory).
    ///
    /// ```
    /// # use infrawise_core::*;
    /// # use infrawise_graph::GraphBuilder;
    /// let node = Node::new("q", NodeKind::Queue, "q").with_evidence(Evidence::declared("x", "y"));
    /// let graph = GraphBuilder::from_iter([Fragment { nodes: vec![node], ..Fragment::new() }]).build();
    /// let mut out = Vec::new();
    /// graph.write_json(&mut out)?;
    /// assert_eq!(String::from_utf8(out)?, graph.to_json());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn write_json<W: std::io::Write>(&self, writer: W) -> std::io::Result<()> {
        let view = GraphView {
            schema_version: SCHEMA_VERSION,
            nodes: NodesView(self),
            edges: EdgesView(self),
            sources: &self.sources,
            diagnostics: &self.diagnostics,
        };
        serde_json::to_writer_pretty(writer, &view).map_err(std::io::Error::other)
    }

    /// Loads a graph saved with [`Graph::to_json`].
    pub fn from_json(text: &str) -> Result<Graph, Error> {
        let document: GraphDocument = serde_json::from_str(text)?;
        Graph::from_document(document)
    }

    /// Rebuilds a graph from a [`GraphDocument`].
    pub fn from_document(document: GraphDocument) -> Result<Graph, Error> {
        if document.schema_version != SCHEMA_VERSION {
            return Err(Error::UnsupportedSchema {
                found: document.schema_version,
                supported: SCHEMA_VERSION,
            });
        }
        let mut placeholders = HashSet::new();
        let mut extra_nodes = Vec::new();
        let nodes: Vec<Node> = document
            .nodes
            .into_iter()
            .map(|doc| {
                if doc.unresolved {
                    placeholders.insert(doc.id.clone());
                }
                for merged in &doc.merged_ids {
                    extra_nodes.push((merged.clone(), doc.id.clone()));
                }
                Node {
                    id: doc.id,
                    kind: doc.kind,
                    raw_type: doc.raw_type,
                    name: doc.name,
                    scope: doc.scope,
                    aliases: doc.aliases.into_iter().collect(),
                    attributes: doc.attributes,
                    evidence: doc.evidence,
                }
            })
            .collect();
        let edges = document
            .edges
            .into_iter()
            .map(|doc| Edge {
                from: doc.from.into(),
                to: doc.to.into(),
                kind: doc.kind,
                evidence: doc.evidence,
            })
            .collect();
        let fragment = Fragment {
            sources: document.sources,
            nodes,
            edges,
            diagnostics: document.diagnostics,
        };
        let mut graph = merge(vec![fragment], &placeholders);
        graph.add_merged_ids(extra_nodes);
        Ok(graph)
    }
}

/// The graph document as borrowed views, in the field order of
/// [`GraphDocument`], so streaming and building give the same bytes.
#[derive(Serialize)]
struct GraphView<'g> {
    schema_version: u64,
    nodes: NodesView<'g>,
    edges: EdgesView<'g>,
    sources: &'g [Source],
    diagnostics: &'g [Diagnostic],
}

struct NodesView<'g>(&'g Graph);

impl Serialize for NodesView<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.nodes().map(|graph_node| {
            let node = &graph_node.node;
            NodeView {
                id: &node.id,
                kind: node.kind,
                raw_type: node.raw_type.as_deref(),
                name: &node.name,
                scope: node.scope.as_deref(),
                aliases: &node.aliases,
                origins: node.origins(),
                attributes: &node.attributes,
                evidence: &node.evidence,
                merged_ids: &graph_node.merged_ids,
                unresolved: graph_node.unresolved,
            }
        }))
    }
}

/// [`NodeDocument`], borrowed.
#[derive(Serialize)]
struct NodeView<'g> {
    id: &'g NodeId,
    kind: NodeKind,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    raw_type: Option<&'g str>,
    name: &'g str,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<&'g str>,
    aliases: &'g infrawise_core::AliasSet,
    origins: Vec<Origin>,
    attributes: &'g Attributes,
    evidence: &'g [Evidence],
    #[serde(skip_serializing_if = "is_empty_set")]
    merged_ids: &'g [NodeId],
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    unresolved: bool,
}

/// serde's `skip_serializing_if` passes a reference to the field, itself a slice.
fn is_empty_set(set: &&[NodeId]) -> bool {
    set.is_empty()
}

struct EdgesView<'g>(&'g Graph);

impl Serialize for EdgesView<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.edges().map(|edge| EdgeRefView {
            from: edge.from,
            to: edge.to,
            kind: edge.edge.kind,
            evidence: edge.evidence,
        }))
    }
}

/// [`EdgeDocument`], borrowed.
#[derive(Serialize)]
struct EdgeRefView<'g> {
    from: &'g NodeId,
    to: &'g NodeId,
    kind: EdgeKind,
    evidence: &'g [Evidence],
}

//! What every inventory reader shares: observed nodes keyed by id, edges,
//! the file's scope and newest timestamp, and diagnostics.

use std::collections::{BTreeMap, BTreeSet};

use infrawise_core::{
    Alias, AttributeValue, Diagnostic, Edge, EdgeKind, Evidence, Fragment, Node, NodeKind, NodeRef,
    Origin, Source, SourceStatus, Text, Timestamp,
};
use serde_json::Value as Json;

use crate::cloudformation::value::{Kind, Value};
use crate::code;
use crate::runtime::node_id;

/// The resource an ARN names, as an edge target and a kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Target {
    pub(crate) kind: NodeKind,
    /// The physical name where the ARN holds one.
    pub(crate) name: Option<String>,
    /// How an edge names it: by physical name (the alias every declaration
    /// has) when known, else by ARN.
    pub(crate) alias: Alias,
}

/// The target an ARN names; a Lambda ARN loses its qualifier, a DynamoDB
/// stream or index ARN stands for its table.
pub(crate) fn arn_target(arn: &str) -> Option<Target> {
    let arn = code::unqualified_function_arn(arn.trim());
    let (kind, name) = code::arn_resource(arn)?;
    let alias = match &name {
        Some(name) if !kind.is_generic() => Alias::name(kind, name.clone()),
        _ => Alias::arn(arn),
    };
    Some(Target { kind, name, alias })
}

/// Collects what one inventory file shows.
#[derive(Debug)]
pub(crate) struct Inventory<'d> {
    pub(crate) display: &'d str,
    extractor: &'static str,
    nodes: BTreeMap<String, Node>,
    edges: Vec<Edge>,
    pub(crate) diagnostics: Vec<Diagnostic>,
    /// `(account, region)` pairs read from ARNs and Config items.
    scopes: BTreeSet<(String, String)>,
    /// The newest timestamp in the file: the source's `read_at`.
    newest: Option<Timestamp>,
    /// When set, the first and last time new evidence was seen (an AWS
    /// Config item's capture times), instead of the file's `read_at`.
    pub(crate) seen: Option<(Option<Timestamp>, Option<Timestamp>)>,
}

impl<'d> Inventory<'d> {
    pub(crate) fn new(display: &'d str, extractor: &'static str) -> Self {
        Inventory {
            display,
            extractor,
            nodes: BTreeMap::new(),
            edges: Vec::new(),
            diagnostics: Vec::new(),
            scopes: BTreeSet::new(),
            newest: None,
            seen: None,
        }
    }

    /// Observed evidence at `line` of this file; its time is filled in by
    /// [`Inventory::finish`] unless set.
    pub(crate) fn evidence(&self, detail: impl Into<Text>, line: u32) -> Evidence {
        let mut evidence =
            Evidence::observed(self.extractor, detail, None).at(self.display, Some(line));
        if let Some((first, last)) = self.seen {
            evidence.set_seen(first, last);
        }
        evidence
    }

    /// The node of `kind` named `name` (made on first use, with `raw_type`,
    /// a name alias for named kinds and evidence), for attributes and aliases.
    pub(crate) fn node(
        &mut self,
        kind: NodeKind,
        name: &str,
        raw_type: &str,
        detail: impl Into<Text>,
        line: u32,
    ) -> &mut Node {
        self.node_with_id(node_id(kind, name), kind, name, raw_type, detail, line)
    }

    /// [`Inventory::node`] with an id of the caller's choosing (a route is
    /// known by its id, named by its route key).
    pub(crate) fn node_with_id(
        &mut self,
        id: String,
        kind: NodeKind,
        name: &str,
        raw_type: &str,
        detail: impl Into<Text>,
        line: u32,
    ) -> &mut Node {
        let evidence = self.evidence(detail, line);
        let node = self.nodes.entry(id).or_insert_with_key(|id| {
            let mut node = Node::new(id.as_str(), kind, name).with_raw_type(raw_type);
            if kind.is_deployable() && !kind.is_generic() {
                node.aliases.insert(Alias::name(kind, name));
            }
            node
        });
        node.evidence.push(evidence);
        node
    }

    /// Sets an observed attribute on the node `id`, through the core's
    /// redaction.
    pub(crate) fn attribute(&mut self, id: &str, name: &str, value: Json) {
        if let Some(node) = self.nodes.get_mut(id) {
            node.set_attribute(Origin::Observed, name, AttributeValue::Known(value));
        }
    }

    /// Adds an observed edge.
    pub(crate) fn edge(
        &mut self,
        from: impl Into<NodeRef>,
        to: impl Into<NodeRef>,
        kind: EdgeKind,
        detail: impl Into<Text>,
        line: u32,
    ) {
        let evidence = self.evidence(detail, line);
        self.edges.push(Edge::new(from, to, kind, evidence));
    }

    /// Records the account and region of an ARN for the source's scope.
    pub(crate) fn scope_of_arn(&mut self, arn: &str) {
        if let Some(parts) = code::arn_parts(arn) {
            self.scope(parts.account, parts.region);
        }
    }

    /// Records an account and region for the source's scope (global
    /// resources, with no region in their ARN, say nothing).
    pub(crate) fn scope(&mut self, account: &str, region: &str) {
        if !account.is_empty() && !region.is_empty() {
            self.scopes.insert((account.to_owned(), region.to_owned()));
        }
    }

    /// Reads a timestamp as the CLI prints one (ISO 8601, or epoch seconds
    /// as AWS CLI v1 prints JSON-protocol times), keeping the newest.
    pub(crate) fn time(&mut self, value: Option<&Value>) -> Option<Timestamp> {
        let time = value.and_then(timestamp)?;
        self.newest = Some(self.newest.map_or(time, |newest| newest.max(time)));
        Some(time)
    }

    pub(crate) fn warn(&mut self, line: Option<u32>, message: impl Into<String>) {
        self.diagnostics
            .push(Diagnostic::warning(self.display, line, message));
    }

    pub(crate) fn info(&mut self, line: Option<u32>, message: impl Into<String>) {
        self.diagnostics
            .push(Diagnostic::info(self.display, line, message));
    }

    /// The fragment, with `source` (its scope and `read_at` filled in
    /// here) and every evidence record without a time seen at `read_at`.
    pub(crate) fn finish(self, mut source: Source) -> Fragment {
        source.read_at = self.newest;
        source.scope = crate::code::aws_scope(&self.scopes);
        let stamp = |evidence: &mut Evidence| {
            if evidence.first_seen().is_none() && evidence.last_seen().is_none() {
                evidence.set_seen(self.newest, self.newest);
            }
        };
        let mut fragment = Fragment::new();
        for (_, mut node) in self.nodes {
            node.evidence.iter_mut().for_each(stamp);
            fragment.nodes.push(node);
        }
        let mut edges = self.edges;
        for edge in &mut edges {
            edge.evidence.iter_mut().for_each(stamp);
        }
        fragment.edges = edges;
        fragment.diagnostics = self.diagnostics;
        fragment.sources.push(source);
        fragment
    }
}

/// A failed source: the file could not be used at all.
pub(crate) fn failed(source: Source, diagnostic: Diagnostic) -> Fragment {
    let mut source = source;
    source.status = SourceStatus::Failed;
    Fragment {
        sources: vec![source],
        diagnostics: vec![diagnostic],
        ..Fragment::new()
    }
}

/// A timestamp value: an ISO 8601 string, or epoch seconds (a number, or
/// a string of digits as SQS attributes give them; milliseconds when the
/// number is too large to be seconds).
pub(crate) fn timestamp(value: &Value) -> Option<Timestamp> {
    let text = value.as_str()?;
    if let Ok(seconds) = text.parse::<f64>() {
        if !seconds.is_finite() {
            return None;
        }
        let seconds = if seconds > 1.0e11 {
            seconds / 1000.0
        } else {
            seconds
        };
        return Some(Timestamp::from_unix_seconds(seconds as i64));
    }
    Timestamp::parse(text).ok()
}

/// The text of `key` in a mapping, when a string (or number).
pub(crate) fn text<'v>(value: &'v Value, key: &str) -> Option<&'v str> {
    value.get(key).and_then(Value::as_str)
}

/// The value of `key` as JSON, when present and not null.
pub(crate) fn json(value: &Value, key: &str) -> Option<Json> {
    value
        .get(key)
        .filter(|v| !matches!(v.kind, Kind::Null))
        .map(Value::to_json)
}

/// A string attribute that holds a number or boolean (SQS attributes are
/// all strings) as the JSON value it stands for; other text as a string.
pub(crate) fn typed(text: &str) -> Json {
    match text {
        "true" => Json::Bool(true),
        "false" => Json::Bool(false),
        _ => text
            .parse::<serde_json::Number>()
            .map_or_else(|_| Json::String(text.to_owned()), Json::Number),
    }
}

/// The file name of `display` up to its first dot (`orders.targets.json`
/// gives `orders`), keeping a `.fifo` suffix (`jobs.fifo.attributes.json`
/// gives `jobs.fifo`): the name a pipeline writes a per-resource file under.
pub(crate) fn file_stem_name(display: &str) -> Option<String> {
    let file = display.rsplit('/').next().unwrap_or(display);
    let stem = match file.find(".fifo.") {
        Some(at) => &file[..at + 5],
        None => file.split('.').next().unwrap_or(file),
    };
    (!stem.is_empty()).then(|| stem.to_owned())
}

#[cfg(test)]
mod tests {
    use infrawise_core::{Alias, NodeKind};

    use super::{arn_target, file_stem_name, typed};

    #[test]
    fn arns_name_their_target_by_physical_name() {
        let target = arn_target("arn:aws:lambda:eu-west-1:123456789012:function:worker:live");
        assert_eq!(
            target.map(|t| t.alias),
            Some(Alias::name(NodeKind::Function, "worker"))
        );
        let stream = arn_target(
            "arn:aws:dynamodb:eu-west-1:123456789012:table/orders/stream/2024-05-01T00:00:00.000",
        );
        assert_eq!(
            stream.map(|t| t.alias),
            Some(Alias::name(NodeKind::Table, "orders"))
        );
        let kafka = arn_target("arn:aws:kafka:eu-west-1:123456789012:cluster/events/abc-1");
        assert_eq!(
            kafka.map(|t| (t.kind, t.alias)),
            Some((
                NodeKind::Resource,
                Alias::arn("arn:aws:kafka:eu-west-1:123456789012:cluster/events/abc-1")
            ))
        );
        assert_eq!(arn_target("orders"), None);
    }

    #[test]
    fn per_resource_files_are_named_by_their_stem() {
        assert_eq!(
            file_stem_name("inv/orders-nightly.targets.json").as_deref(),
            Some("orders-nightly")
        );
        assert_eq!(
            file_stem_name("jobs.fifo.attributes.json").as_deref(),
            Some("jobs.fifo")
        );
        assert_eq!(file_stem_name(".json"), None);
    }

    #[test]
    fn string_attributes_become_typed() {
        assert_eq!(typed("30"), serde_json::json!(30));
        assert_eq!(typed("true"), serde_json::json!(true));
        assert_eq!(typed("orders"), serde_json::json!("orders"));
    }
}

//! What one parser produces from one input: nodes, edges, diagnostics.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::{
    Alias, AliasSet, AttributeValue, Attributes, Diagnostic, EdgeKind, Evidence, NodeId, NodeKind,
    Origin, Text, Timestamp,
};

/// A node as a parser states it. The graph merges every `Node` that names
/// the same real thing (same id or a shared alias) into one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Node {
    /// Stable id; see [`NodeId`].
    pub id: NodeId,
    /// What the node is.
    pub kind: NodeKind,
    /// The provider's own type (`aws_sqs_queue`, `AWS::SQS::Queue`), always kept.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub raw_type: Option<Text>,
    /// A short human name.
    pub name: String,
    /// Where the node lives (`terraform:infra/prod`, `cloudformation:stack/Orders`):
    /// an observed source whose scope covers this one can prove it absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Text>,
    /// Every other name the node is known by.
    #[serde(default)]
    pub aliases: AliasSet,
    /// Attribute values, per origin: `{"visibility_timeout": {"declared": 30, "observed": 60}}`.
    #[serde(default)]
    pub attributes: Attributes,
    /// Why the node is believed to exist.
    #[serde(default)]
    pub evidence: Vec<Evidence>,
}

impl Node {
    /// A node with an id, kind and name, and nothing else yet.
    pub fn new(id: impl Into<NodeId>, kind: NodeKind, name: impl Into<String>) -> Self {
        Node {
            id: id.into(),
            kind,
            raw_type: None,
            name: name.into(),
            scope: None,
            aliases: AliasSet::new(),
            attributes: Attributes::new(),
            evidence: Vec::new(),
        }
    }

    /// Sets the provider's raw type.
    pub fn with_raw_type(mut self, raw_type: impl Into<Text>) -> Self {
        self.raw_type = Some(raw_type.into());
        self
    }

    /// Sets the scope.
    pub fn with_scope(mut self, scope: impl Into<Text>) -> Self {
        self.scope = Some(scope.into());
        self
    }

    /// Adds an alias.
    pub fn with_alias(mut self, alias: Alias) -> Self {
        self.aliases.insert(alias);
        self
    }

    /// Adds evidence.
    pub fn with_evidence(mut self, evidence: Evidence) -> Self {
        // Most nodes have one piece of evidence: room for it alone, not
        // the four a growing vector starts with (which the graph would
        // give back again).
        if self.evidence.capacity() == 0 {
            self.evidence.reserve_exact(1);
        }
        self.evidence.push(evidence);
        self
    }

    /// Records the value of an attribute as `origin` states it. Secrets
    /// are withheld here, as the value enters the fragment (see
    /// [`crate::secret`]): set `raw_type` first, so rules by resource type apply.
    pub fn set_attribute(
        &mut self,
        origin: Origin,
        name: impl Into<String>,
        value: impl Into<AttributeValue>,
    ) {
        let name = name.into();
        let mut value =
            crate::secret::redact(self.kind, self.raw_type.as_deref(), &name, value.into());
        // Objects print with sorted keys whatever serde_json's features
        // (a dependency enabling `preserve_order` must not change output).
        if let AttributeValue::Known(json) = &mut value {
            json.sort_all_objects();
        }
        // The rule that needs two attributes (see `secret::redact_node`),
        // kept as either arrives.
        let rule = crate::secret::in_secure_string_rule(&name);
        let was_empty = self.attributes.is_empty();
        self.attributes.insert(name, origin, value);
        if rule {
            crate::secret::withhold_secure_string(&mut self.attributes);
        }
        // Everything here was withheld under this kind and type only if it
        // all entered under them.
        let stamp = crate::attribute::RedactedFor::of(self.kind, self.raw_type);
        self.attributes.redacted_for = if was_empty || self.attributes.redacted_for == stamp {
            stamp
        } else {
            None
        };
    }

    /// The origins of this node's evidence, sorted and deduplicated.
    pub fn origins(&self) -> Vec<Origin> {
        let set: BTreeSet<Origin> = self.evidence.iter().map(|e| e.origin).collect();
        set.into_iter().collect()
    }
}

/// How an edge names one of its ends.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeRef {
    /// A node by id (usually one in the same fragment).
    Id(NodeId),
    /// A node by alias, resolved when the graph is built. An alias that
    /// names no known node becomes an unresolved placeholder node, which the
    /// staleness query reports as a dangling reference.
    Alias(Alias),
}

impl From<NodeId> for NodeRef {
    fn from(id: NodeId) -> Self {
        NodeRef::Id(id)
    }
}

impl From<&NodeId> for NodeRef {
    fn from(id: &NodeId) -> Self {
        NodeRef::Id(id.clone())
    }
}

impl From<Alias> for NodeRef {
    fn from(alias: Alias) -> Self {
        NodeRef::Alias(alias)
    }
}

/// An edge as a parser states it: `from` depends on `to`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Edge {
    /// The dependent end.
    pub from: NodeRef,
    /// The end depended on.
    pub to: NodeRef,
    /// How `from` depends on `to`.
    pub kind: EdgeKind,
    /// Why the edge is believed to hold.
    pub evidence: Vec<Evidence>,
}

impl Edge {
    /// An edge with one piece of evidence.
    pub fn new(
        from: impl Into<NodeRef>,
        to: impl Into<NodeRef>,
        kind: EdgeKind,
        evidence: Evidence,
    ) -> Self {
        Edge {
            from: from.into(),
            to: to.into(),
            kind,
            evidence: vec![evidence],
        }
    }
}

string_enum! {
    /// The format of an input.
    #[non_exhaustive]
    pub enum Format {
        /// Terraform HCL (`*.tf`, `*.tfvars`).
        Terraform => "terraform",
        /// Terraform state (`*.tfstate`, `terraform show -json`).
        TerraformState => "terraform_state",
        /// A CloudFormation or SAM template (JSON or YAML).
        CloudFormation => "cloudformation",
        /// A CDK cloud assembly (`cdk.out`).
        Cdk => "cdk",
        /// CloudFormation stack resources or drift results, as the AWS CLI prints them.
        CloudFormationStack => "cloudformation_stack",
        /// Python source.
        Python => "python",
        /// TypeScript or JavaScript source.
        TypeScript => "typescript",
        /// SQL DDL or migrations.
        Sql => "sql",
        /// ORM model definitions (SQLAlchemy, Django, TypeORM, `schema.prisma`).
        OrmModel => "orm_model",
        /// A live database catalog snapshot (`infrawise collect postgres`).
        DatabaseSnapshot => "database_snapshot",
        /// OpenTelemetry traces (OTLP JSON) or Jaeger JSON exports.
        Traces => "traces",
        /// CloudTrail log files or `lookup-events` output.
        CloudTrail => "cloudtrail",
        /// CloudWatch metric data (`get-metric-data`, `get-metric-statistics`).
        Metrics => "metrics",
        /// Cloud inventory: AWS CLI describe/list output, AWS Config snapshots.
        Inventory => "inventory",
        /// Kubernetes objects: `kubectl get … -o json` output.
        Kubernetes => "kubernetes",
        /// A graph saved by Infrawise itself.
        Graph => "graph",
    }
}

string_enum! {
    /// Whether a source was read whole.
    pub enum SourceStatus {
        /// Read whole: within its scope, absence of a thing means it is absent.
        Complete => "complete",
        /// Read in part: absence proves nothing.
        Partial => "partial",
        /// Could not be used; see the diagnostics.
        Failed => "failed",
    }
}

/// One input the graph was built from.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Source {
    /// The file or directory.
    pub path: String,
    /// Its format.
    pub format: Format,
    /// Declared, inferred or observed.
    pub origin: Origin,
    /// Whether it was read whole.
    pub status: SourceStatus,
    /// For observed sources, when the observation was made.
    pub read_at: Option<Timestamp>,
    /// What the source covers (`terraform:infra/prod`, `aws:123456789012/eu-west-1`).
    /// A complete observed source proves absence only of nodes inside its scope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// For runtime sources, the start of the period the observation covers
    /// (the earliest event, span or data point, or the period the file states).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window_start: Option<Timestamp>,
    /// For runtime sources, the end of the period the observation covers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window_end: Option<Timestamp>,
    /// Why a source is partial, or what even a complete one leaves out
    /// (`sampled traces: absence proves nothing`, `NextToken present: more
    /// pages exist`), in words a finding can quote.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caveat: Option<String>,
}

impl Source {
    /// A complete source with no observation time or scope.
    pub fn new(path: impl Into<String>, format: Format, origin: Origin) -> Self {
        Source {
            path: path.into(),
            format,
            origin,
            status: SourceStatus::Complete,
            read_at: None,
            scope: None,
            window_start: None,
            window_end: None,
            caveat: None,
        }
    }

    /// Whether this source covers a node of scope `node_scope`: equal, or a
    /// parent of it (`terraform:infra` covers `terraform:infra/prod`).
    pub fn covers(&self, node_scope: &str) -> bool {
        self.scope.as_deref().is_some_and(|scope| {
            node_scope == scope
                || node_scope
                    .strip_prefix(scope)
                    .is_some_and(|rest| rest.starts_with('/') || scope.ends_with('/'))
        })
    }
}

/// What one parser produced from one input (a file, a directory, a
/// snapshot): nodes, edges, the sources read and diagnostics.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Fragment {
    /// The inputs read.
    pub sources: Vec<Source>,
    /// The nodes found.
    pub nodes: Vec<Node>,
    /// The edges found.
    pub edges: Vec<Edge>,
    /// What went wrong or was skipped.
    pub diagnostics: Vec<Diagnostic>,
}

impl Fragment {
    /// An empty fragment.
    pub fn new() -> Self {
        Fragment::default()
    }

    /// Appends everything of `other`.
    pub fn extend(&mut self, other: Fragment) {
        self.sources.extend(other.sources);
        self.nodes.extend(other.nodes);
        self.edges.extend(other.edges);
        self.diagnostics.extend(other.diagnostics);
    }
}

#[cfg(test)]
mod tests {
    use super::{Format, Source};
    use crate::Origin;

    #[test]
    fn scopes_cover_themselves_and_their_children_only() {
        let mut source = Source::new("state.tfstate", Format::TerraformState, Origin::Observed);
        assert!(!source.covers("terraform:infra"), "no scope covers nothing");
        source.scope = Some("terraform:infra".into());
        assert!(source.covers("terraform:infra"));
        assert!(source.covers("terraform:infra/prod"));
        assert!(!source.covers("terraform:infrastructure"));
        assert!(!source.covers("cloudformation:infra"));
    }
}

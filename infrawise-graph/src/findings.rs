//! Findings: staleness and drift between what is declared and what runs.
//!
//! Every finding has a stable [`FindingCode`] and a [`Severity`]. The rule
//! that runs through all of them: partial reads never prove absence. A
//! declared node is only "not observed" inside the scope of an observed
//! source that was read completely.
//!
//! Relational nodes (tables, columns, indexes and views that migrations,
//! models or database snapshots give) are reported by the schema-drift
//! codes only (`schema-declared-missing`, `schema-undeclared`,
//! `column-*-changed`, `index-unused`, and `attribute-drift` for index
//! and key shapes); the generic presence, edge and attribute findings skip
//! them, so each fact is reported once. See `schema_drift.rs`.

use std::collections::{BTreeSet, HashSet, VecDeque};

use infrawise_core::{AttributeValue, Evidence, NodeId, Origin, Severity, SourceStatus, Timestamp};
use petgraph::Direction;
use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;
use serde::{Deserialize, Serialize};

use crate::graph::{Graph, GraphNode};
use crate::schema_drift::is_relational;

/// What a finding is about. The `snake_case`-free, hyphenated names are
/// stable: tools may match on them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum FindingCode {
    /// Declared, inside the scope of a complete observation, yet not observed.
    DeclaredNotObserved,
    /// Observed but declared nowhere (a shadow resource).
    ObservedNotDeclared,
    /// Observed, but not since the given time.
    NotSeenSince,
    /// Referenced by code or config, but no input declares or observes it.
    DanglingReference,
    /// A declared dependency between observed nodes that the observation
    /// records no trace of, where it records dependencies of that node.
    DeclaredEdgeNotObserved,
    /// An observed dependency with no declared path behind it (a shadow dependency).
    ObservedEdgeNotDeclared,
    /// An attribute whose declared and observed values differ.
    AttributeDrift,
    /// Two scans of the same code for two environments disagree: a
    /// resource, setting or edge present in one and not the other.
    EnvironmentDivergence,
    /// A policy rule (cfn-guard) fails on a resource's declared or observed
    /// attributes; [`Finding::rule`] names the rule.
    PolicyViolation,
    /// A declared table, view, column, index or foreign key absent from a
    /// complete database snapshot.
    SchemaDeclaredMissing,
    /// A table, view, column, index or foreign key in the database that no
    /// migration or model declares.
    SchemaUndeclared,
    /// A column's declared and observed types differ.
    ColumnTypeChanged,
    /// A column's declared and observed nullability differ.
    ColumnNullabilityChanged,
    /// A column's declared and observed defaults differ.
    ColumnDefaultChanged,
    /// A declared, present, non-unique index never scanned since the
    /// database's statistics were reset.
    IndexUnused,
    /// An ORM model and a migration declare the same table, column or
    /// index differently (two declarations, no database needed).
    SchemaModelMismatch,
    /// Declared or used by code, present at runtime, and no activity over
    /// a complete metrics window.
    Idle,
    /// Code uses a resource (an inferred edge) that a complete window
    /// shows nobody used.
    InferredNotObserved,
    /// A call seen at runtime (traces, CloudTrail) that no declaration or
    /// code explains.
    ShadowDependency,
    /// A resource seen only at runtime: no declaration, no code.
    UndeclaredRuntimeResource,
    /// A runtime setting that differs from its declaration, an index code
    /// queries that the live table lacks (an error), an index not active.
    ConfigDrift,
    /// Below desired replicas, failed, disabled, not active, or calls
    /// failing above the error-rate threshold.
    Unhealthy,
}

impl FindingCode {
    /// The stable name, as in JSON.
    pub const fn as_str(self) -> &'static str {
        match self {
            FindingCode::DeclaredNotObserved => "declared-not-observed",
            FindingCode::ObservedNotDeclared => "observed-not-declared",
            FindingCode::NotSeenSince => "not-seen-since",
            FindingCode::DanglingReference => "dangling-reference",
            FindingCode::DeclaredEdgeNotObserved => "declared-edge-not-observed",
            FindingCode::ObservedEdgeNotDeclared => "observed-edge-not-declared",
            FindingCode::AttributeDrift => "attribute-drift",
            FindingCode::EnvironmentDivergence => "environment-divergence",
            FindingCode::PolicyViolation => "policy-violation",
            FindingCode::SchemaDeclaredMissing => "schema-declared-missing",
            FindingCode::SchemaUndeclared => "schema-undeclared",
            FindingCode::ColumnTypeChanged => "column-type-changed",
            FindingCode::ColumnNullabilityChanged => "column-nullability-changed",
            FindingCode::ColumnDefaultChanged => "column-default-changed",
            FindingCode::IndexUnused => "index-unused",
            FindingCode::SchemaModelMismatch => "schema-model-mismatch",
            FindingCode::Idle => "idle",
            FindingCode::InferredNotObserved => "inferred-not-observed",
            FindingCode::ShadowDependency => "shadow-dependency",
            FindingCode::UndeclaredRuntimeResource => "undeclared-runtime-resource",
            FindingCode::ConfigDrift => "config-drift",
            FindingCode::Unhealthy => "unhealthy",
        }
    }

    /// The severity findings of this code carry.
    pub const fn severity(self) -> Severity {
        match self {
            FindingCode::AttributeDrift
            | FindingCode::SchemaDeclaredMissing
            | FindingCode::ColumnTypeChanged
            | FindingCode::ColumnNullabilityChanged => Severity::Error,
            FindingCode::SchemaUndeclared
            | FindingCode::ColumnDefaultChanged
            | FindingCode::DeclaredNotObserved
            | FindingCode::ObservedNotDeclared
            | FindingCode::NotSeenSince
            | FindingCode::DanglingReference
            | FindingCode::ObservedEdgeNotDeclared
            | FindingCode::EnvironmentDivergence
            | FindingCode::PolicyViolation
            | FindingCode::SchemaModelMismatch
            | FindingCode::Idle
            | FindingCode::InferredNotObserved
            | FindingCode::ShadowDependency
            | FindingCode::UndeclaredRuntimeResource
            | FindingCode::ConfigDrift
            | FindingCode::Unhealthy => Severity::Warning,
            FindingCode::DeclaredEdgeNotObserved | FindingCode::IndexUnused => Severity::Info,
        }
    }
}

impl std::fmt::Display for FindingCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// What it is about.
    pub code: FindingCode,
    /// How serious it is.
    pub severity: Severity,
    /// A one-line explanation.
    pub message: String,
    /// The nodes concerned.
    pub nodes: Vec<NodeId>,
    /// The evidence behind it.
    pub evidence: Vec<Evidence>,
    /// The policy rule that failed, for [`FindingCode::PolicyViolation`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
}

impl Finding {
    pub(crate) fn new(
        code: FindingCode,
        message: String,
        nodes: Vec<NodeId>,
        evidence: Vec<Evidence>,
    ) -> Self {
        Finding {
            code,
            severity: code.severity(),
            message,
            nodes,
            evidence,
            rule: None,
        }
    }

    /// A policy violation: `rule` failed on `node`; `evidence` locates the
    /// statement it was evaluated on.
    pub fn policy(rule: &str, message: String, node: NodeId, evidence: Vec<Evidence>) -> Self {
        Finding {
            rule: Some(rule.to_owned()),
            ..Finding::new(FindingCode::PolicyViolation, message, vec![node], evidence)
        }
    }

    /// The stable id of what failed: the finding code, or
    /// `policy/<rule name>` for a policy violation.
    pub fn rule_id(&self) -> String {
        match &self.rule {
            Some(rule) => format!("policy/{rule}"),
            None => self.code.as_str().to_owned(),
        }
    }
}

/// Options of [`staleness`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StalenessOptions {
    /// Report observed facts whose last sighting is older than this.
    pub not_seen_since: Option<Timestamp>,
}

fn has_origin(node: &GraphNode, origin: Origin) -> bool {
    node.node.evidence.iter().any(|e| e.origin == origin)
}

fn sorted(mut findings: Vec<Finding>) -> Vec<Finding> {
    findings.sort_by(|a, b| (a.code, &a.nodes, &a.message).cmp(&(b.code, &b.nodes, &b.message)));
    findings
}

/// Which facts are stale: declared-not-observed, observed-not-declared,
/// not-seen-since, dangling references, and declared/observed edges the
/// other side lacks. Sorted by code, then nodes.
pub fn staleness(graph: &Graph, options: &StalenessOptions) -> Vec<Finding> {
    let mut findings = presence_findings(graph);
    findings.extend(dangling_findings(graph));
    findings.extend(edge_findings(graph));
    findings.extend(crate::schema_drift::schema_drift(graph));
    findings.extend(crate::runtime_findings::runtime_staleness(graph));
    if let Some(since) = options.not_seen_since {
        findings.extend(not_seen_since_findings(graph, since));
    }
    sorted(findings)
}

/// Declared-not-observed and observed-not-declared, for deployable nodes.
fn presence_findings(graph: &Graph) -> Vec<Finding> {
    let complete_observations: Vec<_> = graph
        .sources
        .iter()
        .filter(|s| {
            s.origin == Origin::Observed && s.status == SourceStatus::Complete && s.scope.is_some()
        })
        .collect();
    // Scopes whose declarations were read: only there can something
    // observed be called undeclared.
    let declared_scopes: HashSet<&str> = graph
        .nodes()
        .filter(|n| has_origin(n, Origin::Declared))
        .filter_map(|n| n.node.scope.as_deref())
        .collect();
    let mut findings = Vec::new();
    for node in graph.nodes() {
        if node.unresolved || !node.node.kind.is_deployable() || is_relational(node) {
            continue;
        }
        let declared = has_origin(node, Origin::Declared);
        let observed = has_origin(node, Origin::Observed);
        let scope = node.node.scope.as_deref();
        if declared && !observed {
            let Some(scope) = scope else { continue };
            let Some(source) = complete_observations.iter().find(|s| s.covers(scope)) else {
                continue;
            };
            findings.push(Finding::new(
                FindingCode::DeclaredNotObserved,
                format!(
                    "{} {} is declared but absent from the complete observation {}",
                    node.node.kind, node.node.id, source.path
                ),
                vec![node.node.id.clone()],
                node.node.evidence.clone(),
            ));
        } else if observed && !declared && scope.is_some_and(|s| declared_scopes.contains(s)) {
            findings.push(Finding::new(
                FindingCode::ObservedNotDeclared,
                format!(
                    "{} {} is running but declared nowhere",
                    node.node.kind, node.node.id
                ),
                vec![node.node.id.clone()],
                node.node.evidence.clone(),
            ));
        }
    }
    findings
}

/// Placeholder nodes: references to things no input knows.
fn dangling_findings(graph: &Graph) -> Vec<Finding> {
    let mut findings = Vec::new();
    for index in graph.inner.node_indices() {
        let node = &graph.inner[index];
        if !node.unresolved {
            continue;
        }
        let mut referrers = BTreeSet::new();
        let mut evidence = Vec::new();
        for edge in graph.inner.edges_directed(index, Direction::Incoming) {
            referrers.insert(graph.inner[edge.source()].node.id.clone());
            evidence.extend(graph.evidence_of(edge.weight()).iter().cloned());
        }
        let alias = node
            .node
            .aliases
            .iter()
            .next()
            .map_or_else(|| node.node.id.to_string(), ToString::to_string);
        let mut nodes = vec![node.node.id.clone()];
        nodes.extend(referrers.iter().cloned());
        findings.push(Finding::new(
            FindingCode::DanglingReference,
            format!(
                "{alias} is referenced by {} node(s) but no input declares or observes it",
                referrers.len()
            ),
            nodes,
            evidence,
        ));
    }
    findings
}

/// Whether `to` can be reached from `from` over declared edges, in at most
/// `limit` hops (declared dependencies often pass through variables and
/// locals that a runtime snapshot collapses into one direct edge).
fn declared_path_exists(
    graph: &Graph,
    from: NodeIndex<u32>,
    to: NodeIndex<u32>,
    limit: usize,
) -> bool {
    let mut seen = HashSet::from([from]);
    let mut queue = VecDeque::from([(from, 0)]);
    while let Some((current, depth)) = queue.pop_front() {
        if current == to {
            return true;
        }
        if depth == limit {
            continue;
        }
        for edge in graph.inner.edges_directed(current, Direction::Outgoing) {
            if edge.weight().origins().contains(Origin::Declared) && seen.insert(edge.target()) {
                queue.push_back((edge.target(), depth + 1));
            }
        }
    }
    false
}

const DECLARED_PATH_LIMIT: usize = 8;

/// Declared edges never observed, observed edges never declared.
fn edge_findings(graph: &Graph) -> Vec<Finding> {
    let mut findings = Vec::new();
    for edge in graph.inner.edge_references() {
        let (from, to) = (edge.source(), edge.target());
        let (from_node, to_node) = (&graph.inner[from], &graph.inner[to]);
        if is_relational(from_node) || is_relational(to_node) {
            continue;
        }
        let origins = edge.weight().origins();
        let both = |origin| has_origin(from_node, origin) && has_origin(to_node, origin);
        if origins.contains(Origin::Observed) && !origins.contains(Origin::Declared) {
            if both(Origin::Declared) && !declared_path_exists(graph, from, to, DECLARED_PATH_LIMIT)
            {
                findings.push(Finding::new(
                    FindingCode::ObservedEdgeNotDeclared,
                    format!(
                        "{} -[{}]-> {} is observed but no declared path connects them",
                        from_node.node.id,
                        edge.weight().kind,
                        to_node.node.id
                    ),
                    vec![from_node.node.id.clone(), to_node.node.id.clone()],
                    graph.evidence_of(edge.weight()).to_vec(),
                ));
            }
        } else if origins.contains(Origin::Declared)
            && !origins.contains(Origin::Observed)
            && from_node.node.kind.is_deployable()
            && to_node.node.kind.is_deployable()
            && both(Origin::Observed)
        {
            // Only where the observation records dependencies of this node
            // at all: otherwise silence proves nothing. An observed edge of
            // any kind between the two (state records plain dependencies
            // where HCL has references) counts as the observation.
            let observed_out =
                |other: petgraph::graph::EdgeReference<'_, crate::graph::GraphEdge>| {
                    other.weight().origins().contains(Origin::Observed)
                };
            // Runtime evidence (calls, inventory) records what happens and
            // how things are set, not the dependencies a deployment
            // recorded: it never makes a declared edge look unobserved.
            let records_edges =
                graph
                    .inner
                    .edges_directed(from, Direction::Outgoing)
                    .any(|other| {
                        graph.evidence_of(other.weight()).iter().any(|e| {
                            e.origin == Origin::Observed
                                && !crate::runtime_findings::is_runtime_extractor(&e.extractor)
                        })
                    });
            let observed_between = graph.inner.edges_connecting(from, to).any(observed_out);
            if records_edges && !observed_between {
                findings.push(Finding::new(
                    FindingCode::DeclaredEdgeNotObserved,
                    format!(
                        "{} -[{}]-> {} is declared but the observation records no such dependency",
                        from_node.node.id,
                        edge.weight().kind,
                        to_node.node.id
                    ),
                    vec![from_node.node.id.clone(), to_node.node.id.clone()],
                    graph.evidence_of(edge.weight()).to_vec(),
                ));
            }
        }
    }
    findings
}

fn last_seen(evidence: &[Evidence]) -> Option<Timestamp> {
    evidence
        .iter()
        .filter(|e| e.origin == Origin::Observed)
        .filter_map(|e| e.last_seen().or(e.first_seen()))
        .max()
}

fn not_seen_since_findings(graph: &Graph, since: Timestamp) -> Vec<Finding> {
    let mut findings = Vec::new();
    for node in graph.nodes() {
        if let Some(seen) = last_seen(&node.node.evidence)
            && seen < since
        {
            findings.push(Finding::new(
                FindingCode::NotSeenSince,
                format!(
                    "{} {} was last seen {seen}, before {since}",
                    node.node.kind, node.node.id
                ),
                vec![node.node.id.clone()],
                node.node
                    .evidence
                    .iter()
                    .filter(|e| e.origin == Origin::Observed)
                    .cloned()
                    .collect(),
            ));
        }
    }
    for edge in graph.edges() {
        if let Some(seen) = last_seen(edge.evidence)
            && seen < since
        {
            findings.push(Finding::new(
                FindingCode::NotSeenSince,
                format!(
                    "{} -[{}]-> {} was last seen {seen}, before {since}",
                    edge.from, edge.edge.kind, edge.to
                ),
                vec![edge.from.clone(), edge.to.clone()],
                edge.evidence
                    .iter()
                    .filter(|e| e.origin == Origin::Observed)
                    .cloned()
                    .collect(),
            ));
        }
    }
    findings
}

/// Whether an observed value agrees with a declared one. A declaration is a
/// partial specification: the runtime fills in defaults, so keys of an
/// observed object that the declaration does not mention are not drift.
/// Scalars compare as text as well (`"30"` and `30`), and arrays compare
/// as multisets (sets print unordered), element by element.
fn agrees(declared: &serde_json::Value, observed: &serde_json::Value) -> bool {
    use serde_json::Value;
    if declared == observed {
        return true;
    }
    match (declared, observed) {
        (Value::String(s), other @ (Value::Number(_) | Value::Bool(_)))
        | (other @ (Value::Number(_) | Value::Bool(_)), Value::String(s)) => {
            s.as_str() == other.to_string().as_str()
        }
        (Value::Object(declared), Value::Object(observed)) => declared
            .iter()
            .all(|(key, value)| observed.get(key).is_some_and(|seen| agrees(value, seen))),
        (Value::Array(declared), Value::Array(observed)) if declared.len() == observed.len() => {
            // Greedy matching is exact for scalars and good enough for the
            // short lists of blocks that attributes hold.
            let mut unmatched: Vec<&Value> = observed.iter().collect();
            declared.iter().all(|value| {
                let found = unmatched.iter().position(|seen| agrees(value, seen));
                found.map(|index| unmatched.swap_remove(index)).is_some()
            })
        }
        _ => false,
    }
}

/// Where declared and running disagree: attribute drift between declared
/// and observed values of the same node (values that are unknown on
/// either side are not compared), plus missing (declared-not-observed) and
/// unmanaged (observed-not-declared) nodes, schema drift, and models that
/// disagree with their migrations. Sorted by code, then nodes.
pub fn drift(graph: &Graph) -> Vec<Finding> {
    let mut findings = presence_findings(graph);
    findings.extend(crate::schema_drift::schema_drift(graph));
    findings.extend(crate::schema_drift::declaration_mismatches(graph));
    findings.extend(crate::runtime_findings::config_drift(graph));
    for node in graph.nodes().filter(|n| !is_relational(n)) {
        for (name, values) in &node.node.attributes {
            let (Some(AttributeValue::Known(declared)), Some(AttributeValue::Known(observed))) =
                (values.get(&Origin::Declared), values.get(&Origin::Observed))
            else {
                continue;
            };
            if agrees(declared, observed) {
                continue;
            }
            findings.push(Finding::new(
                FindingCode::AttributeDrift,
                format!(
                    "{}: {name} is declared {declared} but observed {observed}",
                    node.node.id
                ),
                vec![node.node.id.clone()],
                node.node.evidence.clone(),
            ));
        }
    }
    sorted(findings)
}

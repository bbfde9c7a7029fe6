//! Findings only runtime evidence allows: what is idle, what runs that
//! nothing explains, what code uses that does not happen, what is set
//! differently at runtime, and what is unhealthy.
//!
//! Runtime evidence is what the runtime readers give (traces, CloudTrail,
//! CloudWatch metrics, AWS inventory and Config, Kubernetes), told apart
//! by extractor. Absence is concluded only from a *complete* window: the
//! `activity` attribute a metrics reader sets on a resource says whether
//! its window is complete, and sampled traces never set it, so traces
//! alone never make anything idle.
//!
//! | code | when |
//! |---|---|
//! | `idle` | declared, or used by code, present at runtime, and no activity over a complete window |
//! | `inferred-not-observed` | code uses a resource (inferred edge) whose complete metrics window shows no activity at all, so not from that code either; or which a complete CloudTrail window shows others calling and never the roles of the functions that run the code |
//! | `shadow-dependency` | a call seen at runtime (traces, CloudTrail) between nodes no declaration or code connects, where one end is declared or used by code |
//! | `undeclared-runtime-resource` | a resource seen only at runtime: no declaration, no code |
//! | `config-drift` | a runtime setting (memory, timeout, runtime, visibility, retention, redrive, keys, environment variable names) that differs from its declaration; an index that code queries and the live table lacks (error); an index not `ACTIVE` |
//! | `unhealthy` | a Deployment below its desired replicas, a function `Failed`, an event source mapping disabled, a table not `ACTIVE`, calls failing at more than [`ERROR_RATE`] |

use std::collections::{BTreeSet, HashSet, VecDeque};

use infrawise_core::{EdgeKind, Evidence, NodeKind, Origin};
use petgraph::Direction;
use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;
use serde_json::Value;

use crate::findings::{Finding, FindingCode};
use crate::graph::{Graph, GraphNode};

/// Extractors whose observations are calls (traces, audit logs).
const CALL_EXTRACTORS: [&str; 3] = ["otlp", "jaeger", "cloudtrail"];
/// Extractors whose observations are runtime facts of any sort.
const RUNTIME_EXTRACTORS: [&str; 7] = [
    "otlp",
    "jaeger",
    "cloudtrail",
    "cloudwatch",
    "aws-inventory",
    "aws-config",
    "kubernetes",
];
/// The share of failed calls above which an edge is unhealthy, once it
/// has at least [`ERROR_RATE_MIN_CALLS`] calls.
pub const ERROR_RATE: f64 = 0.05;
/// The fewest calls an error rate is judged on.
pub const ERROR_RATE_MIN_CALLS: u64 = 10;
/// How far a path of declarations or code may go to explain a call.
const EXPLAINED_PATH_LIMIT: usize = 8;

fn is_runtime(evidence: &Evidence) -> bool {
    evidence.origin == Origin::Observed && is_runtime_extractor(&evidence.extractor)
}

/// Whether `extractor` is one of the runtime readers'.
pub(crate) fn is_runtime_extractor(extractor: &str) -> bool {
    RUNTIME_EXTRACTORS.contains(&extractor)
}

fn declared(node: &GraphNode) -> bool {
    node.node
        .evidence
        .iter()
        .any(|e| e.origin == Origin::Declared)
}

fn inferred(node: &GraphNode) -> bool {
    node.node
        .evidence
        .iter()
        .any(|e| e.origin == Origin::Inferred)
}

/// Whether code uses the node: an inferred edge into it.
fn used_by_code(graph: &Graph, index: NodeIndex<u32>) -> bool {
    graph
        .inner
        .edges_directed(index, Direction::Incoming)
        .any(|e| e.weight().origins().contains(Origin::Inferred))
}

/// A node's metrics window, from the `activity` attribute.
struct Activity {
    complete: bool,
    total: f64,
    errors: Option<f64>,
    window: String,
    metrics: String,
}

fn observed_value<'a>(node: &'a GraphNode, name: &str) -> Option<&'a Value> {
    node.node
        .attributes
        .get(name)?
        .get(&Origin::Observed)?
        .known()
}

fn declared_value<'a>(node: &'a GraphNode, name: &str) -> Option<&'a Value> {
    node.node
        .attributes
        .get(name)?
        .get(&Origin::Declared)?
        .known()
}

fn activity(node: &GraphNode) -> Option<Activity> {
    let value = observed_value(node, "activity")?;
    let text = |key: &str| value.get(key).and_then(Value::as_str).unwrap_or("?");
    let metrics = value
        .get("metrics")
        .and_then(Value::as_object)
        .map(|metrics| {
            metrics
                .iter()
                .map(|(name, v)| format!("{name} {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    Some(Activity {
        complete: value.get("complete").and_then(Value::as_bool) == Some(true),
        total: value.get("total").and_then(Value::as_f64)?,
        errors: value.get("errors").and_then(Value::as_f64),
        window: format!("{} to {}", text("window_start"), text("window_end")),
        metrics,
    })
}

/// Every finding of this module, unsorted: `idle`,
/// `inferred-not-observed`, `shadow-dependency`,
/// `undeclared-runtime-resource` and `unhealthy`.
pub(crate) fn runtime_staleness(graph: &Graph) -> Vec<Finding> {
    let mut findings = Vec::new();
    for index in graph.inner.node_indices() {
        let node = &graph.inner[index];
        if node.unresolved {
            continue;
        }
        findings.extend(idle(graph, index));
        findings.extend(undeclared_runtime(graph, index));
        findings.extend(unhealthy_node(node));
    }
    findings.extend(edge_findings(graph));
    findings
}

fn idle(graph: &Graph, index: NodeIndex<u32>) -> Option<Finding> {
    let node = &graph.inner[index];
    let activity = activity(node).filter(|a| a.complete && a.total == 0.0)?;
    let by_code = used_by_code(graph, index);
    let why = match (declared(node), by_code) {
        (true, true) => "declared and used by code",
        (true, false) => "declared",
        (false, true) => "used by code",
        (false, false) => return None,
    };
    Some(Finding::new(
        FindingCode::Idle,
        format!(
            "{} {} is {why}, but had no activity from {} ({})",
            node.node.kind, node.node.id, activity.window, activity.metrics
        ),
        vec![node.node.id.clone()],
        node.node.evidence.clone(),
    ))
}

fn undeclared_runtime(graph: &Graph, index: NodeIndex<u32>) -> Option<Finding> {
    let node = &graph.inner[index];
    let kind = node.node.kind;
    if !kind.is_deployable() || matches!(kind, NodeKind::Endpoint | NodeKind::Other) {
        return None;
    }
    let evidence = &node.node.evidence;
    if evidence.is_empty()
        || !evidence.iter().all(is_runtime)
        || inferred(node)
        || used_by_code(graph, index)
    {
        return None;
    }
    let sources: BTreeSet<&str> = evidence.iter().map(|e| e.extractor.as_str()).collect();
    Some(Finding::new(
        FindingCode::UndeclaredRuntimeResource,
        format!(
            "{kind} {} runs ({}) but no declaration or code names it",
            node.node.id,
            sources.into_iter().collect::<Vec<_>>().join(", ")
        ),
        vec![node.node.id.clone()],
        evidence.clone(),
    ))
}

fn state_is(node: &GraphNode, name: &str, wanted: &[&str]) -> Option<String> {
    let value = observed_value(node, name)?.as_str()?;
    wanted
        .iter()
        .any(|w| value.eq_ignore_ascii_case(w))
        .then(|| value.to_owned())
}

fn unhealthy_node(node: &GraphNode) -> Option<Finding> {
    let name = &node.node.id;
    let kind = node.node.kind;
    let message = if let Some(state) = state_is(node, "State", &["Failed"])
        .or_else(|| state_is(node, "LastUpdateStatus", &["Failed"]))
    {
        format!("{kind} {name} is {state} at runtime")
    } else if node.node.raw_type.as_deref() == Some("AWS::Lambda::EventSourceMapping")
        && let Some(state) = state_is(node, "State", &["Disabled", "Disabling"])
    {
        format!("event source mapping {name} is {state}: its source is not being consumed")
    } else if kind == NodeKind::Table
        && let Some(status) = observed_value(node, "TableStatus").and_then(Value::as_str)
        && status != "ACTIVE"
    {
        format!("table {name} is {status} at runtime")
    } else if let (Some(desired), Some(ready)) = (
        observed_value(node, "replicas").and_then(Value::as_u64),
        observed_value(node, "readyReplicas")
            .and_then(Value::as_u64)
            .or(Some(0)),
    ) && ready < desired
    {
        format!("{kind} {name} has {ready} of {desired} replicas ready")
    } else if let Some(activity) = activity(node)
        && let Some(errors) = activity.errors
        && activity.total >= ERROR_RATE_MIN_CALLS as f64
        && errors / activity.total > ERROR_RATE
    {
        format!(
            "{kind} {name} failed {errors} of {} times from {}",
            activity.total, activity.window
        )
    } else if let Some((count, errors)) = own_calls(node)
        && count >= ERROR_RATE_MIN_CALLS
        && errors as f64 / count as f64 > ERROR_RATE
    {
        format!("{kind} {name}: {errors} of the {count} spans it emitted failed")
    } else {
        return None;
    };
    Some(Finding::new(
        FindingCode::Unhealthy,
        message,
        vec![node.node.id.clone()],
        node.node
            .evidence
            .iter()
            .filter(|e| is_runtime(e))
            .cloned()
            .collect(),
    ))
}

/// The runs and failures traces and audit logs counted for the node itself.
fn own_calls(node: &GraphNode) -> Option<(u64, u64)> {
    let calls: Vec<&Evidence> = node
        .node
        .evidence
        .iter()
        .filter(|e| e.origin == Origin::Observed && CALL_EXTRACTORS.contains(&e.extractor.as_str()))
        .collect();
    let count: u64 = calls.iter().filter_map(|e| e.count()).sum();
    let errors: u64 = calls.iter().filter_map(|e| e.errors()).sum();
    (count > 0).then_some((count, errors))
}

/// Whether declarations or code connect `from` to `to` (a path of declared
/// or inferred edges, either direction, within the limit).
fn explained(graph: &Graph, from: NodeIndex<u32>, to: NodeIndex<u32>) -> bool {
    let mut seen = HashSet::from([from]);
    let mut queue = VecDeque::from([(from, 0)]);
    while let Some((current, depth)) = queue.pop_front() {
        if current == to {
            return true;
        }
        if depth == EXPLAINED_PATH_LIMIT {
            continue;
        }
        for direction in [Direction::Outgoing, Direction::Incoming] {
            for edge in graph.inner.edges_directed(current, direction) {
                let origins = edge.weight().origins();
                if !(origins.contains(Origin::Declared) || origins.contains(Origin::Inferred)) {
                    continue;
                }
                let next = if direction == Direction::Outgoing {
                    edge.target()
                } else {
                    edge.source()
                };
                if seen.insert(next) {
                    queue.push_back((next, depth + 1));
                }
            }
        }
    }
    false
}

/// The functions that run `symbol`: those `implemented_by` it or by a
/// symbol of the same code module.
fn runners(graph: &Graph, symbol: NodeIndex<u32>) -> Vec<NodeIndex<u32>> {
    let modules: Vec<NodeIndex<u32>> = graph
        .inner
        .edges_directed(symbol, Direction::Incoming)
        .filter(|e| e.weight().kind == EdgeKind::Contains)
        .map(|e| e.source())
        .filter(|m| graph.inner[*m].node.kind == NodeKind::CodeModule)
        .collect();
    let mut symbols = vec![symbol];
    for module in modules {
        symbols.extend(
            graph
                .inner
                .edges_directed(module, Direction::Outgoing)
                .filter(|e| e.weight().kind == EdgeKind::Contains)
                .map(|e| e.target()),
        );
    }
    let mut functions: Vec<NodeIndex<u32>> = symbols
        .into_iter()
        .flat_map(|s| graph.inner.edges_directed(s, Direction::Incoming))
        .filter(|e| e.weight().kind == EdgeKind::ImplementedBy)
        .map(|e| e.source())
        .collect();
    functions.sort_unstable();
    functions.dedup();
    functions
}

/// The roles a function runs as (its `references` edges to roles).
fn roles(graph: &Graph, function: NodeIndex<u32>) -> Vec<NodeIndex<u32>> {
    graph
        .inner
        .edges_directed(function, Direction::Outgoing)
        .map(|e| e.target())
        .filter(|r| graph.inner[*r].node.kind == NodeKind::Role)
        .collect()
}

fn from_cloudtrail(evidence: &[Evidence]) -> bool {
    evidence
        .iter()
        .any(|e| e.origin == Origin::Observed && e.extractor.as_str() == "cloudtrail")
}

/// Code uses a resource that others call in a complete audit window, but
/// the roles of the functions that run the code never do.
fn unobserved_by_its_service(
    graph: &Graph,
    symbol: NodeIndex<u32>,
    resource: NodeIndex<u32>,
    window: &str,
) -> Option<String> {
    if !from_cloudtrail(&graph.inner[resource].node.evidence) {
        return None;
    }
    let functions = runners(graph, symbol);
    let roles: Vec<NodeIndex<u32>> = functions.iter().flat_map(|f| roles(graph, *f)).collect();
    if functions.is_empty() || roles.is_empty() {
        return None;
    }
    let called = roles.iter().any(|role| {
        graph
            .inner
            .edges_connecting(*role, resource)
            .any(|e| from_cloudtrail(graph.evidence_of(e.weight())))
    });
    (!called).then(|| {
        let names: Vec<&str> = roles
            .iter()
            .map(|r| graph.inner[*r].node.id.as_str())
            .collect();
        format!(
            "{} {}, but the complete audit log from {window} shows others calling it and no call from the role(s) its code runs as ({})",
            graph.inner[resource].node.kind,
            graph.inner[resource].node.id,
            names.join(", ")
        )
    })
}

fn edge_findings(graph: &Graph) -> Vec<Finding> {
    let mut findings = Vec::new();
    // A complete CloudTrail window: the ground for "no call from this role".
    let audit = graph
        .sources()
        .iter()
        .filter(|s| {
            s.format == infrawise_core::Format::CloudTrail
                && s.status == infrawise_core::SourceStatus::Complete
        })
        .map(|s| {
            let show = |t: Option<infrawise_core::Timestamp>| {
                t.map_or_else(|| "?".to_owned(), |t| t.to_string())
            };
            format!("{} to {}", show(s.window_start), show(s.window_end))
        })
        .next();
    for edge in graph.inner.edge_references() {
        let (from, to) = (edge.source(), edge.target());
        let (from_node, to_node) = (&graph.inner[from], &graph.inner[to]);
        let evidence = graph.evidence_of(edge.weight());
        let kind = edge.weight().kind;
        let origins = edge.weight().origins();
        // Code uses a resource that a complete window shows unused.
        if origins.contains(Origin::Inferred)
            && let Some(activity) = activity(to_node).filter(|a| a.complete && a.total == 0.0)
        {
            findings.push(Finding::new(
                FindingCode::InferredNotObserved,
                format!(
                    "{} {kind} {} {}, but nothing used it from {}",
                    from_node.node.id, to_node.node.kind, to_node.node.id, activity.window
                ),
                vec![from_node.node.id.clone(), to_node.node.id.clone()],
                evidence.to_vec(),
            ));
        } else if origins.contains(Origin::Inferred)
            && !origins.contains(Origin::Observed)
            && let Some(window) = &audit
            && let Some(why) = unobserved_by_its_service(graph, from, to, window)
        {
            findings.push(Finding::new(
                FindingCode::InferredNotObserved,
                format!("{} {kind} {why}", from_node.node.id),
                vec![from_node.node.id.clone(), to_node.node.id.clone()],
                evidence.to_vec(),
            ));
        }
        let calls: Vec<&Evidence> = evidence
            .iter()
            .filter(|e| {
                e.origin == Origin::Observed && CALL_EXTRACTORS.contains(&e.extractor.as_str())
            })
            .collect();
        if calls.is_empty() {
            continue;
        }
        // Calls failing too often.
        let (count, errors) = calls.iter().fold((0, 0), |(c, r), e| {
            (c + e.count().unwrap_or(0), r + e.errors().unwrap_or(0))
        });
        if count >= ERROR_RATE_MIN_CALLS && errors as f64 / count as f64 > ERROR_RATE {
            findings.push(Finding::new(
                FindingCode::Unhealthy,
                format!(
                    "{} -[{kind}]-> {}: {errors} of {count} calls failed",
                    from_node.node.id, to_node.node.id
                ),
                vec![from_node.node.id.clone(), to_node.node.id.clone()],
                calls.iter().map(|e| (*e).clone()).collect(),
            ));
        }
        // A call nothing explains, touching what the system declares or uses.
        let known = |n: &GraphNode, i| declared(n) || inferred(n) || used_by_code(graph, i);
        if !origins.contains(Origin::Declared)
            && !origins.contains(Origin::Inferred)
            && (known(from_node, from) || known(to_node, to))
            && !explained(graph, from, to)
        {
            findings.push(Finding::new(
                FindingCode::ShadowDependency,
                format!(
                    "{} -[{kind}]-> {} happens at runtime ({count} calls seen) but no declaration or code explains it",
                    from_node.node.id, to_node.node.id
                ),
                vec![from_node.node.id.clone(), to_node.node.id.clone()],
                calls.into_iter().cloned().collect(),
            ));
        }
    }
    findings
}

/// A runtime setting: its name in findings, the attribute names that
/// declare it (Terraform, CloudFormation), and the one inventory observes.
struct Setting {
    label: &'static str,
    kinds: &'static [NodeKind],
    declared: &'static [&'static str],
    observed: &'static str,
}

const SETTINGS: [Setting; 7] = [
    Setting {
        label: "memory",
        kinds: &[NodeKind::Function],
        declared: &["memory_size", "Properties.MemorySize"],
        observed: "MemorySize",
    },
    Setting {
        label: "timeout",
        kinds: &[NodeKind::Function],
        declared: &["timeout", "Properties.Timeout"],
        observed: "Timeout",
    },
    Setting {
        label: "runtime",
        kinds: &[NodeKind::Function],
        declared: &["runtime", "Properties.Runtime"],
        observed: "Runtime",
    },
    Setting {
        label: "handler",
        kinds: &[NodeKind::Function],
        declared: &["handler", "Properties.Handler"],
        observed: "Handler",
    },
    Setting {
        label: "visibility timeout",
        kinds: &[NodeKind::Queue],
        declared: &["visibility_timeout_seconds", "Properties.VisibilityTimeout"],
        observed: "VisibilityTimeout",
    },
    Setting {
        label: "message retention",
        kinds: &[NodeKind::Queue],
        declared: &[
            "message_retention_seconds",
            "Properties.MessageRetentionPeriod",
        ],
        observed: "MessageRetentionPeriod",
    },
    Setting {
        label: "delivery delay",
        kinds: &[NodeKind::Queue],
        declared: &["delay_seconds", "Properties.DelaySeconds"],
        observed: "DelaySeconds",
    },
];

/// A value as comparable text: numbers as numbers whether written as
/// numbers or strings (`"30"` and `30` agree).
fn comparable(value: &Value) -> String {
    match value {
        Value::String(text) => text
            .parse::<f64>()
            .map_or_else(|_| text.clone(), |n| n.to_string()),
        Value::Number(n) => n.as_f64().map_or_else(|| n.to_string(), |n| n.to_string()),
        other => other.to_string(),
    }
}

/// The key schema as `hash=<attr> range=<attr>`, from Terraform's
/// `hash_key`/`range_key` or a `KeySchema` list.
fn key_schema(node: &GraphNode, origin: Origin) -> Option<String> {
    let get = |name: &str| {
        node.node
            .attributes
            .get(name)?
            .get(&origin)?
            .known()
            .cloned()
    };
    let list = get("KeySchema").or_else(|| get("Properties.KeySchema"));
    let (hash, range) = if let Some(Value::Array(keys)) = list {
        let key = |wanted: &str| {
            keys.iter()
                .find(|k| k.get("KeyType").and_then(Value::as_str) == Some(wanted))
                .and_then(|k| k.get("AttributeName"))
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        (key("HASH"), key("RANGE"))
    } else {
        let text = |name: &str| get(name).and_then(|v| v.as_str().map(str::to_owned));
        (
            text("hash_key"),
            text("range_key").filter(|r| !r.is_empty()),
        )
    };
    let hash = hash?;
    Some(match range {
        Some(range) => format!("hash={hash} range={range}"),
        None => format!("hash={hash}"),
    })
}

/// The dead-letter `maxReceiveCount` of a redrive policy, declared as a
/// JSON string (Terraform), an object (CloudFormation) or observed parsed.
fn max_receive_count(value: &Value) -> Option<String> {
    let parsed;
    let object = match value {
        Value::String(text) => {
            parsed = serde_json::from_str::<Value>(text).ok()?;
            &parsed
        }
        other => other,
    };
    object.get("maxReceiveCount").map(comparable)
}

/// `config-drift` findings: runtime settings that differ from their
/// declarations, indexes code queries that the live table lacks, and
/// indexes that are not `ACTIVE`.
pub(crate) fn config_drift(graph: &Graph) -> Vec<Finding> {
    let mut findings = Vec::new();
    let drift = |node: &GraphNode, message: String| {
        Finding::new(
            FindingCode::ConfigDrift,
            message,
            vec![node.node.id.clone()],
            node.node.evidence.clone(),
        )
    };
    for index in graph.inner.node_indices() {
        let node = &graph.inner[index];
        let (kind, name) = (node.node.kind, &node.node.id);
        for setting in SETTINGS.iter().filter(|s| s.kinds.contains(&kind)) {
            let Some(observed) = observed_value(node, setting.observed) else {
                continue;
            };
            // Observed under the declared name too (Terraform state):
            // attribute-drift reports it already.
            if setting
                .declared
                .iter()
                .any(|name| observed_value(node, name).is_some())
            {
                continue;
            }
            let Some(declared) = setting
                .declared
                .iter()
                .find_map(|name| declared_value(node, name))
            else {
                continue;
            };
            if comparable(declared) != comparable(observed) {
                findings.push(drift(
                    node,
                    format!(
                        "{kind} {name}: {} is declared {} but runs with {}",
                        setting.label,
                        comparable(declared),
                        comparable(observed)
                    ),
                ));
            }
        }
        if kind == NodeKind::Queue
            && let Some(observed) =
                observed_value(node, "RedrivePolicy").and_then(max_receive_count)
            && let Some(declared) = ["redrive_policy", "Properties.RedrivePolicy"]
                .iter()
                .find_map(|n| declared_value(node, n))
                .and_then(max_receive_count)
            && declared != observed
        {
            findings.push(drift(
                node,
                format!(
                    "queue {name}: dead-letter maxReceiveCount is declared {declared} but runs with {observed}"
                ),
            ));
        }
        if kind == NodeKind::Table
            && observed_value(node, "KeySchema").is_some()
            && let (Some(declared), Some(observed)) = (
                key_schema(node, Origin::Declared),
                key_schema(node, Origin::Observed),
            )
            && declared != observed
        {
            findings.push(drift(
                node,
                format!(
                    "table {name}: keys are declared {declared} but the live table has {observed}"
                ),
            ));
        }
        if kind == NodeKind::Function
            && let Some(Value::Array(names)) = observed_value(node, "EnvironmentVariableNames")
        {
            let running: BTreeSet<&str> = names.iter().filter_map(Value::as_str).collect();
            let missing: Vec<String> = declared_env_names(graph, index)
                .into_iter()
                .filter(|n| !running.contains(n.as_str()))
                .collect();
            if !missing.is_empty() {
                findings.push(drift(
                    node,
                    format!(
                        "function {name}: environment variables {} are declared but not set at runtime",
                        missing.join(", ")
                    ),
                ));
            }
        }
        if kind == NodeKind::Index {
            findings.extend(index_findings(graph, index));
        }
    }
    findings
}

/// The environment variable names a function's declaration sets: the
/// env-var nodes it is configured by, and Terraform's
/// `environment.variables.X` references.
fn declared_env_names(graph: &Graph, index: NodeIndex<u32>) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for edge in graph.inner.edges_directed(index, Direction::Outgoing) {
        if !edge.weight().origins().contains(Origin::Declared) {
            continue;
        }
        let target = &graph.inner[edge.target()];
        if edge.weight().kind == EdgeKind::ConfiguredBy && target.node.kind == NodeKind::EnvVar {
            names.insert(target.node.name.clone());
        }
        for evidence in graph.evidence_of(edge.weight()) {
            if evidence.origin != Origin::Declared {
                continue;
            }
            for marker in ["environment.variables.", "Environment.Variables."] {
                if let Some(rest) = evidence.detail.split(marker).nth(1) {
                    let name: String = rest
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    if !name.is_empty() {
                        names.insert(name);
                    }
                }
            }
        }
    }
    names
}

/// An index code queries that the live table lacks (error), and an index
/// that exists but is not `ACTIVE`.
fn index_findings(graph: &Graph, index: NodeIndex<u32>) -> Vec<Finding> {
    let node = &graph.inner[index];
    let name = &node.node.id;
    let mut findings = Vec::new();
    if let Some(status) = observed_value(node, "IndexStatus").and_then(Value::as_str)
        && status != "ACTIVE"
    {
        findings.push(Finding::new(
            FindingCode::ConfigDrift,
            format!("index {name} is {status} at runtime"),
            vec![node.node.id.clone()],
            node.node.evidence.clone(),
        ));
    }
    let observed_live = node.node.evidence.iter().any(is_runtime);
    if observed_live || !used_by_code(graph, index) {
        return findings;
    }
    // The table that contains the index, described at runtime.
    let table = graph
        .inner
        .edges_directed(index, Direction::Incoming)
        .filter(|e| e.weight().kind == EdgeKind::Contains)
        .map(|e| &graph.inner[e.source()])
        .find(|t| {
            t.node.kind == NodeKind::Table
                && t.node
                    .evidence
                    .iter()
                    .any(|e| is_runtime(e) && observed_value(t, "KeySchema").is_some())
        });
    if let Some(table) = table {
        let mut finding = Finding::new(
            FindingCode::ConfigDrift,
            format!(
                "index {name} is queried by code, but the live table {} has no such index",
                table.node.id
            ),
            vec![node.node.id.clone(), table.node.id.clone()],
            node.node.evidence.clone(),
        );
        finding.severity = infrawise_core::Severity::Error;
        findings.push(finding);
    }
    findings
}

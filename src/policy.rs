//! Policies: cfn-guard rules evaluated over the graph's resources.
//!
//! Every resource node (a deployable kind with a provider type) is presented
//! to the rules as a CloudFormation-shaped document, once with its
//! **declared** attributes and once with its **observed** ones, so a rule
//! can fail on what runs while the code says it passes:
//!
//! ```json
//! {"Resources": {"R12": {"Type": "AWS::SQS::Queue",
//!                        "Properties": {"VisibilityTimeout": 10},
//!                        "Neighbours": [{"Id": "...", "Type": "AWS::Lambda::Function",
//!                                        "Edge": "triggers", "Direction": "in",
//!                                        "Hops": 1, "Properties": {"Timeout": 30}}]}}}
//! ```
//!
//! CloudFormation, SAM and CDK resources keep their property names (the
//! node's `Properties.*` attributes), so rules written for templates — the
//! cfn-guard registry's — run unchanged; Terraform resources are checked
//! under their own type and argument names (`aws_sqs_queue`,
//! `visibility_timeout_seconds`). `Neighbours` lists the resources up to two
//! hops away (`Direction` `in`: it depends on this resource; `out`: this
//! resource depends on it), with their properties of the same origin, for
//! graph-aware rules. A value that could not be evaluated is
//! `{"$unknown": "<expression>"}` and a withheld secret `{"redacted":
//! "<reason>"}`: both exist, and a failed comparison on either is not
//! reported (nobody can tell). A resource that no observation describes
//! property by property (a stack listing names it, nothing more) gets no
//! observed document.
//!
//! Each failure is a [`FindingCode::PolicyViolation`](infrawise_graph::FindingCode::PolicyViolation) finding naming the
//! rule, the resource and the origin, with the evidence of that origin (the
//! file and line of the declaration, or the observation). A rule file that
//! does not parse is a diagnostic with its line, and its rules are not run.
//! A small rule pack ships in `examples/policies` and is built in
//! ([`builtin_rules`]).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use cfn_guard::{ValidateInput, run_checks};
use infrawise_core::{AttributeValue, Diagnostic, Evidence, NodeId, Origin};
use infrawise_graph::{Finding, Graph, GraphNode};
use rayon::prelude::*;
use serde_json::{Map, Value, json};

/// One cfn-guard rule file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleFile {
    /// Where it came from, as shown in findings and diagnostics.
    pub path: String,
    /// Its text.
    pub text: String,
}

/// The rule pack that ships with Infrawise (`examples/policies`): queues
/// without a dead-letter queue, unencrypted queues and buckets, tables
/// without point-in-time recovery, functions at the default memory, and a
/// queue whose visibility timeout is shorter than its consumer function's
/// timeout.
pub fn builtin_rules() -> Vec<RuleFile> {
    [
        (
            "builtin/functions.guard",
            include_str!("../examples/policies/functions.guard"),
        ),
        (
            "builtin/queues.guard",
            include_str!("../examples/policies/queues.guard"),
        ),
        (
            "builtin/storage.guard",
            include_str!("../examples/policies/storage.guard"),
        ),
    ]
    .into_iter()
    .map(|(path, text)| RuleFile {
        path: path.to_owned(),
        text: text.to_owned(),
    })
    .collect()
}

/// The `*.guard` files of `dir` (not recursive), sorted by name.
///
/// # Errors
/// The directory or one of its rule files cannot be read.
pub fn load_rules(dir: &Path) -> std::io::Result<Vec<RuleFile>> {
    let mut paths: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.is_file()
                && path
                    .extension()
                    .is_some_and(|e| e == "guard" || e == "rules")
        })
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path)?;
            Ok(RuleFile {
                path: path.to_string_lossy().replace('\\', "/"),
                text,
            })
        })
        .collect()
}

/// What evaluating rules over a graph gave.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PolicyReport {
    /// One finding per rule, resource and origin that failed, sorted.
    pub findings: Vec<Finding>,
    /// Rule files that do not parse (error, with the line), and evaluation
    /// failures.
    pub diagnostics: Vec<Diagnostic>,
    /// How many resource documents were evaluated, per origin.
    pub documents: BTreeMap<Origin, usize>,
}

const MAX_NEIGHBOURS: usize = 32;

/// Evaluates `rules` over every resource of `graph`, declared and observed.
pub fn evaluate(graph: &Graph, rules: &[RuleFile]) -> PolicyReport {
    let resources: Vec<&GraphNode> = graph
        .nodes()
        .filter(|node| {
            !node.unresolved && node.node.kind.is_deployable() && node.node.raw_type.is_some()
        })
        .collect();
    let mut report = PolicyReport::default();
    for origin in [Origin::Declared, Origin::Observed] {
        let mut keys: Vec<&GraphNode> = Vec::new();
        // Each resource as `"R<i>": {…}`, serialised once.
        let mut entries: Vec<(&str, String)> = Vec::new();
        for node in &resources {
            let Some(properties) = properties(node, origin) else {
                continue;
            };
            let raw_type = node.node.raw_type.as_deref().unwrap_or_default();
            let resource = json!({
                "Type": raw_type,
                "Properties": properties,
                "Neighbours": neighbours(graph, &node.node.id, origin),
            });
            entries.push((raw_type, format!("\"R{}\":{resource}", keys.len())));
            keys.push(node);
        }
        report.documents.insert(origin, keys.len());
        if keys.is_empty() {
            continue;
        }
        let name = format!("{origin} resources");
        let outcomes: Vec<(&RuleFile, Result<String, String>)> = rules
            .par_iter()
            .map(|rules_file| {
                let document = document_for(&entries, &rules_file.text);
                let output = run_checks(
                    ValidateInput {
                        content: &document,
                        file_name: &name,
                    },
                    ValidateInput {
                        content: &rules_file.text,
                        file_name: &rules_file.path,
                    },
                    // The record tree, not the summary: cfn-guard 3.2's
                    // summary reporter returns only what its writer still
                    // buffers, so a report over 8 KiB arrives cut.
                    true,
                );
                (rules_file, output.map_err(|e| e.to_string()))
            })
            .collect();
        for (rules_file, output) in outcomes {
            match output {
                Ok(text) => {
                    for violation in violations(&text) {
                        if let Some(finding) = finding(&violation, &keys, origin, &rules_file.path)
                        {
                            report.findings.push(finding);
                        }
                    }
                }
                Err(error) => {
                    // A parse error is the same for both origins: say it once.
                    let message = one_line(&error);
                    let diagnostic = Diagnostic::error(
                        rules_file.path.clone(),
                        error_line(&message),
                        format!("rule file does not parse: {}", parse_problem(&message)),
                    );
                    if !report.diagnostics.contains(&diagnostic) {
                        report.diagnostics.push(diagnostic);
                    }
                }
            }
        }
    }
    report
        .findings
        .sort_by(|a, b| (&a.rule, &a.nodes, &a.message).cmp(&(&b.rule, &b.nodes, &b.message)));
    report.findings.dedup();
    report.diagnostics.sort();
    report
}

/// The document a rule file is evaluated on: the resources whose type the
/// rules name (a rule file for `AWS::S3::Bucket` need not see the queues),
/// or all of them when the rules name none of the graph's types (they may
/// select by pattern, or not by type at all).
fn document_for(entries: &[(&str, String)], rules: &str) -> String {
    let mut named = entries
        .iter()
        .filter(|(raw_type, _)| !raw_type.is_empty() && rules.contains(raw_type))
        .peekable();
    let chosen: Vec<&str> = if named.peek().is_some() {
        named.map(|(_, entry)| entry.as_str()).collect()
    } else {
        entries.iter().map(|(_, entry)| entry.as_str()).collect()
    };
    let mut document =
        String::with_capacity(chosen.iter().map(|e| e.len() + 1).sum::<usize>() + 16);
    document.push_str("{\"Resources\":{");
    document.push_str(&chosen.join(","));
    document.push_str("}}");
    document
}

/// The properties a node's `origin` states, CloudFormation-shaped; `None`
/// when that origin states none (and so has nothing to check).
fn properties(node: &GraphNode, origin: Origin) -> Option<Map<String, Value>> {
    if !node.node.evidence.iter().any(|e| e.origin == origin) {
        return None;
    }
    let cloudformation = node
        .node
        .raw_type
        .as_deref()
        .is_some_and(|t| t.contains("::"));
    let mut out = Map::new();
    for (name, values) in &node.node.attributes {
        let Some(value) = values.get(&origin) else {
            continue;
        };
        let key = if cloudformation {
            match name.strip_prefix("Properties.") {
                Some(key) => key,
                None => continue,
            }
        } else {
            name.as_str()
        };
        out.insert(key.to_owned(), json_value(value));
    }
    // A declared resource with no properties still is one (a queue that
    // sets nothing has no dead-letter queue); an observation that states
    // none describes nothing to check.
    (origin == Origin::Declared || !out.is_empty()).then_some(out)
}

fn json_value(value: &AttributeValue) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// The resources up to two hops from `id`, with their `origin` properties.
fn neighbours(graph: &Graph, id: &NodeId, origin: Origin) -> Vec<Value> {
    let mut out = Vec::new();
    let mut seen: BTreeSet<&NodeId> = BTreeSet::from([id]);
    let mut frontier: Vec<(&NodeId, &'static str)> = Vec::new();
    let step = |at: &NodeId| {
        let mut next: Vec<(NodeId, String, &'static str)> = Vec::new();
        for edge in graph.outgoing(at) {
            next.push((edge.to.clone(), edge.edge.kind.to_string(), "out"));
        }
        for edge in graph.incoming(at) {
            next.push((edge.from.clone(), edge.edge.kind.to_string(), "in"));
        }
        next.sort();
        next
    };
    for (hop, start) in [(1, vec![(id, "")]), (2, Vec::new())] {
        let starts: Vec<(&NodeId, &str)> = if hop == 1 {
            start
        } else {
            std::mem::take(&mut frontier)
        };
        for (at, first_direction) in starts {
            for (neighbour, edge, direction) in step(at) {
                if out.len() >= MAX_NEIGHBOURS {
                    return out;
                }
                let Some(node) = graph.node(&neighbour) else {
                    continue;
                };
                if !seen.insert(&node.node.id) {
                    continue;
                }
                let direction = if hop == 1 { direction } else { first_direction };
                if hop == 1 {
                    frontier.push((&node.node.id, direction));
                }
                if node.unresolved || node.node.raw_type.is_none() {
                    continue;
                }
                out.push(json!({
                    "Id": node.node.id.as_str(),
                    "Type": node.node.raw_type.as_deref().unwrap_or_default(),
                    "Edge": edge,
                    "Direction": direction,
                    "Hops": hop,
                    "Properties": properties(node, origin).unwrap_or_default(),
                }));
            }
        }
    }
    out
}

/// One failed check, as cfn-guard's JSON report states it.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Violation {
    rule: String,
    /// The document path that failed (`/Resources/R3/Properties/X`).
    path: String,
    message: String,
}

/// The failed checks in cfn-guard's record tree: every clause that failed
/// inside a rule that failed, except inside what only selects (`when`
/// conditions, filters) and inside blocks or disjunctions that passed or
/// were skipped as a whole; with the rule's custom message where it has one.
fn violations(records: &str) -> BTreeSet<Violation> {
    let mut out = BTreeSet::new();
    let Ok(root) = serde_json::from_str::<Value>(records) else {
        return out;
    };
    let mut rules = Vec::new();
    find_rules(&root, &mut rules);
    for rule in rules {
        let name = rule["container"]["RuleCheck"]["name"]
            .as_str()
            .unwrap_or_default();
        let mut failed: Vec<(String, Option<String>)> = Vec::new();
        failed_clauses(rule, &mut failed);
        let custom = failed.iter().find_map(|(_, message)| message.clone());
        for (path, message) in failed {
            out.insert(Violation {
                rule: name.to_owned(),
                path,
                message: message.or_else(|| custom.clone()).unwrap_or_default(),
            });
        }
    }
    out
}

fn find_rules<'a>(record: &'a Value, out: &mut Vec<&'a Value>) {
    if let Some(rule) = record["container"].get("RuleCheck") {
        if rule["status"] == "FAIL" {
            out.push(record);
        }
        return;
    }
    for child in record["children"].as_array().into_iter().flatten() {
        find_rules(child, out);
    }
}

fn failed_clauses(record: &Value, out: &mut Vec<(String, Option<String>)>) {
    let container = &record["container"];
    let Some((kind, body)) = container.as_object().and_then(|m| m.iter().next()) else {
        return;
    };
    match kind.as_str() {
        // What only selects resources is not a failure of the rule.
        "RuleCondition" | "WhenCondition" | "Filter" => return,
        "ClauseValueCheck" => {
            if let Some((path, message)) = failed_clause(body) {
                out.push((path, message));
            }
            return;
        }
        _ => {}
    }
    if matches!(body["status"].as_str(), Some("PASS" | "SKIP")) {
        return;
    }
    for child in record["children"].as_array().into_iter().flatten() {
        failed_clauses(child, out);
    }
}

/// The path a failed clause points at, and its custom message.
fn failed_clause(body: &Value) -> Option<(String, Option<String>)> {
    let (_, check) = body.as_object()?.iter().next()?;
    // `Comparison` and `InComparison` carry `from`; `Unary` nests it in `value`.
    let check = if check.get("from").is_some() {
        check
    } else {
        check.get("value")?
    };
    if check["status"] != "FAIL" {
        return None;
    }
    let from = &check["from"];
    let path = from["Resolved"]["path"]
        .as_str()
        .or_else(|| from["UnResolved"]["traversed_to"]["path"].as_str())?;
    let message = check["custom_message"]
        .as_str()
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .map(str::to_owned);
    path.starts_with("/Resources/")
        .then(|| (path.to_owned(), message))
}

fn finding(
    violation: &Violation,
    keys: &[&GraphNode],
    origin: Origin,
    rules_path: &str,
) -> Option<Finding> {
    let mut parts = violation.path.trim_start_matches('/').split('/');
    let _resources = parts.next();
    let index: usize = parts.next()?.strip_prefix('R')?.parse().ok()?;
    let node = keys.get(index)?;
    // A failed comparison on a value nobody could work out (or a withheld
    // one) proves nothing.
    if parts.next() == Some("Properties")
        && let Some(property) = parts.next()
    {
        let cloudformation = node
            .node
            .raw_type
            .as_deref()
            .is_some_and(|t| t.contains("::"));
        let attribute = if cloudformation {
            format!("Properties.{property}")
        } else {
            property.to_owned()
        };
        if matches!(
            node.node
                .attributes
                .get(&attribute)
                .and_then(|values| values.get(&origin)),
            Some(AttributeValue::Unknown { .. } | AttributeValue::Redacted { .. })
        ) {
            return None;
        }
    }
    let evidence: Vec<Evidence> = node
        .node
        .evidence
        .iter()
        .filter(|e| e.origin == origin)
        .cloned()
        .collect();
    let what = if violation.message.is_empty() {
        format!("fails at {}", violation.path)
    } else {
        violation.message.clone()
    };
    let file = rules_path.rsplit('/').next().unwrap_or(rules_path);
    let message = format!(
        "{} ({origin}): {what} [{file}: {}]",
        node.node.id, violation.rule
    );
    Some(Finding::policy(
        &violation.rule,
        message,
        node.node.id.clone(),
        evidence,
    ))
}

fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// What cfn-guard's parse error says is wrong, without the nested
/// "Parser Error when parsing" wrappers: `column 44: expecting …`.
fn parse_problem(message: &str) -> String {
    let column = message
        .find("at column ")
        .map(|at| &message[at + "at column ".len()..])
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .filter(|c| !c.is_empty());
    let what = message
        .find("when handling ")
        .map_or(message, |at| &message[at + "when handling ".len()..])
        .trim_end_matches(['`', ' ']);
    match column {
        Some(column) => format!("column {column}: {what}"),
        None => what.to_owned(),
    }
}

/// The line cfn-guard names in a parse error (`… at line 2 at column 17 …`).
fn error_line(message: &str) -> Option<u32> {
    let at = message.find("at line ")?;
    message[at + "at line ".len()..]
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_error_lines() {
        assert_eq!(
            error_line("Error parsing file bad.guard at line 2 at column 17, when"),
            Some(2)
        );
        assert_eq!(error_line("no line"), None);
        assert_eq!(
            parse_problem(
                "Parser Error when parsing `Error parsing file b.guard at line 4 at column 44, when handling expecting a value, fragment } ``"
            ),
            "column 44: expecting a value, fragment }"
        );
    }
}

//! IAM: policies and policy documents that name resources give `grants`
//! edges from the role or policy to each resource named.

use hcl::edit::expr::{Expression, ObjectKey};
use hcl::edit::structure::Body;

use infrawise_core::{Alias, EdgeKind, Evidence, NodeId, NodeRef};

use super::analysis::Site;
use super::eval::Evaluator;
use super::module::{BlockAt, Instance};
use super::refs::Target;
use super::value::Value;

/// Whether an attribute path is the resource list of a policy statement.
fn names_resources(path: &str) -> bool {
    path.split('.').any(|segment| {
        segment.eq_ignore_ascii_case("resource") || segment.eq_ignore_ascii_case("resources")
    })
}

/// Literal ARNs under `Resource`/`resources` keys of a value, including
/// policies that are JSON strings.
fn literal_arns(value: &Value, under_resource: bool, out: &mut Vec<String>) {
    match value {
        Value::String(s) if under_resource && s.starts_with("arn:") && !s.contains('*') => {
            out.push(s.to_string());
        }
        Value::String(_) if under_resource => {}
        Value::String(s) if s.trim_start().starts_with('{') => {
            if let Ok(json) = serde_json::from_str::<serde_json::Value>(s) {
                literal_arns(&Value::from_json(&json), false, out);
            }
        }
        Value::List(items) => items
            .iter()
            .for_each(|v| literal_arns(v, under_resource, out)),
        Value::Map(map) => {
            for (key, v) in map.iter() {
                literal_arns(v, under_resource || names_resources(key), out);
            }
        }
        _ => {}
    }
}

/// Literal ARNs under resource keys anywhere in a body's expressions,
/// even where the rest of the policy cannot be evaluated.
fn body_arns(body: &Body, under: bool, evaluator: &mut Evaluator<'_>, out: &mut Vec<String>) {
    for attr in body.attributes() {
        let under = under || names_resources(attr.key.value().as_str());
        expression_arns(&attr.value, under, evaluator, out);
    }
    for block in body.blocks() {
        body_arns(&block.body, under, evaluator, out);
    }
}

fn expression_arns(
    expr: &Expression,
    under: bool,
    evaluator: &mut Evaluator<'_>,
    out: &mut Vec<String>,
) {
    match expr {
        Expression::Object(object) => {
            for (key, value) in object {
                let name = match key {
                    ObjectKey::Ident(ident) => ident.value().as_str().to_owned(),
                    ObjectKey::Expression(Expression::String(s)) => s.value().clone(),
                    ObjectKey::Expression(_) => String::new(),
                };
                expression_arns(
                    value.expr(),
                    under || names_resources(&name),
                    evaluator,
                    out,
                );
            }
        }
        Expression::Array(items) => items
            .iter()
            .for_each(|e| expression_arns(e, under, evaluator, out)),
        Expression::FuncCall(call) => call
            .args
            .iter()
            .for_each(|e| expression_arns(e, under, evaluator, out)),
        Expression::Parenthesis(inner) => expression_arns(inner.inner(), under, evaluator, out),
        other if under => literal_arns(&evaluator.eval(other), true, out),
        Expression::String(_)
        | Expression::StringTemplate(_)
        | Expression::HeredocTemplate(_)
        | Expression::Traversal(_)
        | Expression::Variable(_) => {
            literal_arns(&evaluator.eval(expr), false, out);
        }
        _ => {}
    }
}

impl<'f> Instance<'_, 'f> {
    /// What a policy-bearing block grants access to: resources referenced
    /// in its statements, through policy documents and attached policies.
    fn grant_targets(&self, b: BlockAt<'_>, depth: usize) -> Vec<(NodeRef, String)> {
        let mut out = Vec::new();
        let mut evaluator = Evaluator::new(self);
        for reference in self.analysis.body(b.block) {
            let line = b.line();
            match reference.target {
                Target::Data { kind, name } if kind == "aws_iam_policy_document" && depth > 0 => {
                    if let Some(doc) = reference.block {
                        for (target, detail) in self.grant_targets(doc, depth - 1) {
                            out.push((
                                target,
                                format!("{} via data.{kind}.{name} {detail}", reference.path),
                            ));
                        }
                    }
                }
                Target::Resource { kind, name }
                    if kind == "aws_iam_policy"
                        && depth > 0
                        && !names_resources(&reference.path) =>
                {
                    if let Some(policy) = reference.block {
                        for (target, detail) in self.grant_targets(policy, depth - 1) {
                            out.push((
                                target,
                                format!("{} via {kind}.{name} {detail}", reference.path),
                            ));
                        }
                    }
                }
                _ if names_resources(&reference.path) => {
                    for target in self.targets(reference, &mut evaluator, b.at, line) {
                        out.push((NodeRef::Id(target), reference.path.to_string()));
                    }
                }
                _ => {}
            }
        }
        let mut arns = Vec::new();
        body_arns(&b.block.body, false, &mut evaluator, &mut arns);
        arns.sort();
        arns.dedup();
        for arn in arns {
            out.push((NodeRef::Alias(Alias::arn(arn)), "resource arn".to_owned()));
        }
        out
    }

    /// Emits `grants` edges for an IAM resource or policy document, from
    /// the block and from the roles it attaches to.
    pub(crate) fn grants(&self, id: &NodeId, b: BlockAt<'_>, found: &[(&Site<'f>, Vec<NodeId>)]) {
        let targets = self.grant_targets(b, 2);
        if targets.is_empty() {
            return;
        }
        let mut grantees = vec![id.clone()];
        for (reference, nodes) in found {
            let is_role =
                matches!(reference.target, Target::Resource { kind, .. } if kind == "aws_iam_role");
            if is_role && matches!(reference.path.as_str(), "role" | "roles") {
                grantees.extend(nodes.iter().cloned());
            }
        }
        let path = b.at.file.display;
        for grantee in &grantees {
            for (target, detail) in &targets {
                if NodeRef::Id(grantee.clone()) == *target {
                    continue;
                }
                let detail = if grantee == id {
                    detail.clone()
                } else {
                    format!(
                        "through {}: {detail}",
                        id.as_str().rsplit(':').next().unwrap_or_default()
                    )
                };
                self.push_edge(
                    grantee,
                    target.clone(),
                    EdgeKind::Grants,
                    Evidence::declared(super::TEXTS.terraform, detail).at(&*path, b.line()),
                );
            }
        }
    }
}

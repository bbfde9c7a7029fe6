//! Linking Lambda functions to the code that implements them.
//!
//! A function names its code by a handler string and a deployment package;
//! where the package is built from a local directory the scan can see, the
//! function gets an `implemented_by` edge to the handler key
//! (`<code dir>/<module>.<function>`, see
//! [`handler_key`](crate::code::handler_key)), which the graph links to
//! the code symbol carrying it. The code directory comes from the
//! `archive_file` data source that the function's `filename` refers to
//! (its `source_dir`, or the directory of its `source_file`); a package
//! that is only a zip, an S3 object or an image names no code here.

use std::collections::BTreeMap;

use infrawise_core::{AttributeValue, Edge, EdgeKind, Evidence, Fragment, Node, NodeRef, Origin};

use crate::code::{handler_alias, handler_key};

fn declared_text<'a>(node: &'a Node, attribute: &str) -> Option<&'a str> {
    match node.attributes.get(attribute)?.get(&Origin::Declared)? {
        AttributeValue::Known(value) => value.as_str(),
        AttributeValue::Unknown { .. } | AttributeValue::Redacted { .. } => None,
    }
}

/// The code directory of an `archive_file` data source, relative to the
/// scan root. Its paths are relative to the root module's directory
/// (Terraform's working directory), which the node's scope names.
fn archive_dir(archive: &Node) -> Option<String> {
    let module_dir = archive
        .scope
        .as_deref()
        .and_then(|scope| scope.strip_prefix("terraform:"))
        .unwrap_or(".");
    let join = |path: &str| crate::normalize_display(&format!("{module_dir}/{path}"));
    if let Some(dir) = declared_text(archive, "source_dir") {
        return Some(join(dir));
    }
    let file = join(declared_text(archive, "source_file")?);
    Some(
        file.rsplit_once('/')
            .map_or(".".to_owned(), |(dir, _)| dir.to_owned()),
    )
}

/// Adds the `implemented_by` edges of every Lambda function in `fragment`
/// whose package is built from a local directory.
pub(crate) fn link(fragment: &mut Fragment) {
    // Few edges are a function's `filename` reference; find them first so
    // a module without functions pays nothing else.
    let candidates: Vec<(&str, &str)> = fragment
        .edges
        .iter()
        .filter(|edge| edge.evidence.iter().any(|e| e.detail == "filename"))
        .filter_map(|edge| match (&edge.from, &edge.to) {
            (NodeRef::Id(from), NodeRef::Id(to)) => Some((from.as_str(), to.as_str())),
            _ => None,
        })
        .collect();
    if candidates.is_empty() {
        return;
    }
    let nodes: BTreeMap<&str, &Node> = fragment.nodes.iter().map(|n| (n.id.as_str(), n)).collect();
    let mut added = Vec::new();
    for (from, to) in candidates {
        let (Some(function), Some(archive)) = (nodes.get(from), nodes.get(to)) else {
            continue;
        };
        if function.raw_type.as_deref() != Some("aws_lambda_function")
            || archive.raw_type.as_deref() != Some("archive_file")
        {
            continue;
        }
        let (Some(handler), Some(dir)) = (declared_text(function, "handler"), archive_dir(archive))
        else {
            continue;
        };
        let Some(key) = handler_key(&dir, handler, declared_text(function, "runtime")) else {
            continue;
        };
        let at = function
            .evidence
            .iter()
            .find(|e| e.origin == Origin::Declared);
        let mut evidence = Evidence::declared(
            super::TEXTS.terraform,
            format!("handler {handler} in {dir}"),
        );
        if let Some(at) = at {
            evidence.path.clone_from(&at.path);
            evidence.set_line(at.line());
        }
        added.push(Edge::new(
            function.id.clone(),
            handler_alias(key),
            EdgeKind::ImplementedBy,
            evidence,
        ));
    }
    fragment.edges.extend(added);
}

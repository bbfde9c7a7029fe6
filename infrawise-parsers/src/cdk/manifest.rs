//! Reading a cloud assembly's `manifest.json` and `tree.json`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use infrawise_core::{Diagnostic, Edge, EdgeKind, Evidence, Format, Fragment, NodeId};

use crate::cloudformation::json;
use crate::cloudformation::value::Value;
use crate::cloudformation::{TemplateInput, parse_inputs};
use crate::display_path;

/// A stack artifact of the manifest.
struct StackArtifact {
    id: String,
    stack: String,
    template: String,
    line: u32,
    dependencies: Vec<String>,
    /// Construct path -> logical id, from `aws:cdk:logicalId` metadata.
    logical_ids: BTreeMap<String, String>,
}

/// Parses cloud assemblies together; paths in the output are relative to `root`.
pub fn parse(assembly_dirs: &[PathBuf], root: &Path) -> Fragment {
    let mut fragment = Fragment::new();
    let mut inputs = Vec::new();
    for dir in assembly_dirs {
        read_assembly(dir, root, &mut inputs, &mut fragment);
    }
    fragment.extend(parse_inputs(inputs));
    fragment
}

fn load_json(path: &Path, display: &str, fragment: &mut Fragment) -> Option<Value> {
    let text = match std::fs::read(path) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(error) => {
            fragment.diagnostics.push(Diagnostic::error(
                display,
                None,
                format!("cannot read file: {error}"),
            ));
            return None;
        }
    };
    let loaded = json::load(&text);
    for (line, _, message) in loaded.problems {
        fragment
            .diagnostics
            .push(Diagnostic::error(display, line, message));
    }
    loaded.root
}

fn stack_artifacts(manifest: &Value) -> (Vec<StackArtifact>, Option<String>) {
    let mut stacks = Vec::new();
    let mut tree = None;
    for artifact in manifest
        .get("artifacts")
        .map(Value::entries)
        .unwrap_or_default()
    {
        let body = &artifact.value;
        let properties = body.get("properties");
        match body.get("type").and_then(Value::as_str) {
            Some("aws:cloudformation:stack") => {
                let Some(template) = properties
                    .and_then(|p| p.get("templateFile"))
                    .and_then(Value::as_str)
                else {
                    continue;
                };
                let stack = properties
                    .and_then(|p| p.get("stackName"))
                    .and_then(Value::as_str)
                    .unwrap_or(&artifact.key);
                let mut logical_ids = BTreeMap::new();
                for (path, entries) in body
                    .get("metadata")
                    .map(Value::entries)
                    .unwrap_or_default()
                    .iter()
                    .map(|e| (&e.key, &e.value))
                {
                    for entry in entries.items() {
                        if entry.get("type").and_then(Value::as_str) == Some("aws:cdk:logicalId")
                            && let Some(logical) = entry.get("data").and_then(Value::as_str)
                        {
                            logical_ids.insert(
                                path.trim_start_matches('/').to_owned(),
                                logical.to_owned(),
                            );
                        }
                    }
                }
                stacks.push(StackArtifact {
                    id: artifact.key.clone(),
                    stack: stack.to_owned(),
                    template: template.to_owned(),
                    line: artifact.line,
                    dependencies: body
                        .get("dependencies")
                        .map(Value::items)
                        .unwrap_or_default()
                        .iter()
                        .filter_map(|d| d.as_str().map(str::to_owned))
                        .collect(),
                    logical_ids,
                });
            }
            Some("cdk:tree") => {
                tree = properties
                    .and_then(|p| p.get("file"))
                    .and_then(Value::as_str)
                    .map(str::to_owned);
            }
            _ => {}
        }
    }
    (stacks, tree)
}

/// Every construct path in `tree.json` that stands for a CloudFormation resource.
fn tree_resource_paths(node: &Value, out: &mut BTreeSet<String>, depth: usize) {
    if depth > 200 {
        return;
    }
    if node
        .get("attributes")
        .and_then(|a| a.get("aws:cdk:cloudformation:type"))
        .is_some()
        && let Some(path) = node.get("path").and_then(Value::as_str)
    {
        out.insert(path.to_owned());
    }
    for child in node.get("children").map(Value::entries).unwrap_or_default() {
        tree_resource_paths(&child.value, out, depth + 1);
    }
}

fn read_assembly(
    dir: &Path,
    root: &Path,
    inputs: &mut Vec<TemplateInput>,
    fragment: &mut Fragment,
) {
    let manifest_path = dir.join("manifest.json");
    let manifest_display = display_path(&manifest_path, root);
    let Some(manifest) = load_json(&manifest_path, &manifest_display, fragment) else {
        return;
    };
    let (stacks, tree_file) = stack_artifacts(&manifest);
    let mut tree_paths = BTreeSet::new();
    if let Some(tree_file) = tree_file {
        let tree_path = dir.join(&tree_file);
        let tree_display = display_path(&tree_path, root);
        if !tree_path.exists() {
            // `cdk synth` output copied without its tree (or trimmed by a
            // pipeline) is common; construct paths then come from the
            // templates' `aws:cdk:path` metadata alone, and nothing else is lost.
            fragment.diagnostics.push(Diagnostic::warning(
                &manifest_display,
                None,
                format!(
                    "{tree_file} named by the manifest is absent; construct paths come from template metadata only"
                ),
            ));
        } else if let Some(tree) = load_json(&tree_path, &tree_display, fragment)
            && let Some(tree_root) = tree.get("tree")
        {
            tree_resource_paths(tree_root, &mut tree_paths, 0);
        }
    }
    let artifact_stacks: BTreeMap<&str, &str> = stacks
        .iter()
        .map(|s| (s.id.as_str(), s.stack.as_str()))
        .collect();
    let mut listed: BTreeSet<String> = BTreeSet::new();
    let mut listed_text = String::new();
    for artifact in &stacks {
        listed.insert(artifact.template.clone());
        let path = dir.join(&artifact.template);
        listed_text.push_str(&std::fs::read_to_string(&path).unwrap_or_default());
        let mut input = TemplateInput::new(path, root, Format::Cdk);
        input.stack.clone_from(&artifact.stack);
        for (construct, logical) in &artifact.logical_ids {
            input
                .construct_paths
                .entry(logical.clone())
                .or_default()
                .push(construct.clone());
        }
        for path in &tree_paths {
            if let Some(logical) = artifact.logical_ids.get(path) {
                let paths = input.construct_paths.entry(logical.clone()).or_default();
                if !paths.contains(path) {
                    paths.push(path.clone());
                }
            }
        }
        inputs.push(input);
        for dependency in &artifact.dependencies {
            if let Some(other) = artifact_stacks.get(dependency.as_str()) {
                fragment.edges.push(Edge::new(
                    NodeId::new(format!("cfn:{}", artifact.stack)),
                    NodeId::new(format!("cfn:{other}")),
                    EdgeKind::DependsOn,
                    Evidence::declared("cdk", format!("artifacts.{}.dependencies", artifact.id))
                        .at(&manifest_display, Some(artifact.line)),
                ));
            }
        }
    }
    let mut orphans: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .filter(|path| {
                    let name = path
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    name.ends_with(".template.json")
                        && !listed.contains(&name)
                        && !listed_text.contains(&name)
                })
                .collect()
        })
        .unwrap_or_default();
    orphans.sort();
    for orphan in orphans {
        fragment.diagnostics.push(Diagnostic::warning(
            display_path(&orphan, root),
            None,
            format!("orphan template: {manifest_display} no longer lists it, so its resources are not declared"),
        ));
    }
}

//! What links stacks: exported outputs and `Fn::ImportValue`, and nested
//! stacks (`AWS::CloudFormation::Stack` with a local `TemplateURL`, SAM's
//! `AWS::Serverless::Application` with a local `Location`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

use super::Template;
use super::refs::{self, RefKind};
use super::resolve::Scope;
use super::value::Value;

/// What every template needs to know about the others.
#[derive(Debug, Default)]
pub(crate) struct Context {
    /// Export name -> the outputs exporting it: (output node id, ids of the
    /// resources its value names).
    pub(crate) exports: BTreeMap<String, Vec<(String, Vec<String>)>>,
    /// (template index, logical id of the nested stack resource) -> child stack name.
    pub(crate) nested: BTreeMap<(usize, String), String>,
    /// Stack name -> the parameter names its template declares.
    pub(crate) parameters: BTreeMap<String, BTreeSet<String>>,
    /// Stack name -> the output names its template declares.
    pub(crate) outputs: BTreeMap<String, BTreeSet<String>>,
}

/// The path with `.` and `..` worked out lexically.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The local template a nested stack resource points to, if it is local.
pub(crate) fn nested_template_path(template: &Path, resource: &Value) -> Option<PathBuf> {
    let resource_type = resource.get("Type")?.as_str()?;
    let properties = resource.get("Properties")?;
    let url = match resource_type {
        "AWS::CloudFormation::Stack" => properties.get("TemplateURL")?.as_str()?,
        "AWS::Serverless::Application" => properties.get("Location")?.as_str()?,
        _ => return None,
    };
    if url.contains("://") || url.is_empty() {
        return None;
    }
    let url = url.strip_prefix("file:").unwrap_or(url);
    let base = template.parent().unwrap_or_else(|| Path::new(""));
    Some(normalize(&base.join(url)))
}

impl Context {
    pub(crate) fn build(templates: &[Template]) -> Context {
        let mut context = Context::default();
        let by_path: BTreeMap<PathBuf, &str> = templates
            .iter()
            .filter(|template| template.root.is_some())
            .map(|template| {
                (
                    normalize(&template.input.path),
                    template.input.stack.as_str(),
                )
            })
            .collect();
        for (index, template) in templates.iter().enumerate() {
            let Some(root) = &template.root else { continue };
            let stack = template.input.stack.as_str();
            let scope = Scope {
                parameters: root.get("Parameters"),
                stack,
            };
            let names = |section: &str| -> BTreeSet<String> {
                root.get(section)
                    .map(|value| value.entries().iter().map(|e| e.key.clone()).collect())
                    .unwrap_or_default()
            };
            context
                .parameters
                .insert(stack.to_owned(), names("Parameters"));
            context.outputs.insert(stack.to_owned(), names("Outputs"));
            for output in root.get("Outputs").map(Value::entries).unwrap_or_default() {
                let export = output.value.get("Export").and_then(|e| e.get("Name"));
                if let Some(name) = export.and_then(|name| scope.string(name)) {
                    let mut found = Vec::new();
                    if let Some(value) = output.value.get("Value") {
                        refs::collect(value, "Value", &mut found);
                    }
                    let resources = root.get("Resources");
                    let mut exported: Vec<String> = found
                        .iter()
                        .filter(|r| matches!(r.kind, RefKind::Ref | RefKind::GetAtt | RefKind::Sub))
                        .filter(|r| resources.and_then(|res| res.get(&r.target)).is_some())
                        .map(|r| format!("cfn:{stack}:{}", r.target))
                        .collect();
                    exported.dedup();
                    context
                        .exports
                        .entry(name)
                        .or_default()
                        .push((format!("cfn:{stack}:Outputs.{}", output.key), exported));
                }
            }
            for resource in root
                .get("Resources")
                .map(Value::entries)
                .unwrap_or_default()
            {
                let Some(child) = nested_template_path(&template.input.path, &resource.value)
                else {
                    continue;
                };
                if let Some(child_stack) = by_path.get(&child) {
                    context
                        .nested
                        .insert((index, resource.key.clone()), (*child_stack).to_owned());
                }
            }
        }
        context
    }
}

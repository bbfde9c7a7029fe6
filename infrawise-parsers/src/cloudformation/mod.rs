//! CloudFormation and SAM templates (JSON or YAML, short-form tags
//! included), and CloudFormation stack observations, into fragments.
//!
//! # What a template becomes
//!
//! - The stack: node `cfn:<stack>` (kind `stack`), which `contains` every
//!   resource. A plain template's stack is named after its file stem
//!   (disambiguated by its path when two templates share a stem); a CDK
//!   template's stack is the one its manifest names.
//! - Resources: `cfn:<stack>:<LogicalId>`, typed, with the logical id, the
//!   physical name (when literal or given by parameter defaults) and the CDK
//!   construct path as aliases, and literal top-level properties as declared
//!   attributes (`Properties.QueueName`; intrinsic-valued ones unknown).
//! - Parameters `cfn:<stack>:Parameters.<Name>` (variable), conditions
//!   `…:Conditions.<Name>` and mappings `…:Mappings.<Name>` (local), outputs
//!   `…:Outputs.<Name>` (output; an export name is an alias
//!   `name[output]:<ExportName>`).
//!
//! # Edges (`A -> B`: A depends on B)
//!
//! - `references`: `Ref`, `Fn::GetAtt`, `${Name}`/`${Name.Attr}` in
//!   `Fn::Sub`, `Fn::FindInMap` (to the mapping), conditions (to the
//!   condition); the evidence detail is the property path holding the
//!   reference and how it is written: `Properties.Environment.Variables.URL (Ref)`.
//! - `depends_on`: `DependsOn`.
//! - `grants`: a policy statement's `Resource` (IAM roles, policies,
//!   resource policies) and SAM policy templates: the role, policy or
//!   function is granted access to the resource.
//! - `configured_by`: a Lambda function's environment variable: function
//!   `-[configured_by]->` env-var node `…:<Function>:env:<NAME>`
//!   `-[references]->` the resource.
//! - `triggers`: the function is triggered by its SAM event source:
//!   function `-[triggers]->` queue, topic, stream, table, bucket, API or
//!   schedule rule. The direction keeps "A depends on B": removing the
//!   queue affects the function, so impact of the queue reaches it.
//! - `imports_value`: a consumer of `Fn::ImportValue` `-[imports_value]->`
//!   the exporting output, which `-[exports_value]->` the resources its
//!   value names, so the chain runs from resource to resource across stacks.
//! - Nested stacks (`AWS::CloudFormation::Stack` with a local
//!   `TemplateURL`): the stack resource `-[contains]->` the child stack node;
//!   each child parameter `-[references]->` what the parent passes it; a
//!   `GetAtt Child.Outputs.X` also `references` the child's output.
//!
//! Bad input never fails the scan: a malformed file, an unknown tag or a
//! reference to a missing logical id is a diagnostic with its line.

mod dynamic;
mod foreach;
pub(crate) mod json;
pub(crate) mod kinds;
mod observed;
mod refs;
mod resolve;
mod sam;
mod sam_generated;
mod stacks;
mod template;
pub(crate) mod value;
mod yaml;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use infrawise_core::{Diagnostic, Format, Fragment, Origin, Severity, Source, SourceStatus};
use rayon::prelude::*;

pub use observed::{
    detect_stack_observation, parse_stack_observation_text, parse_stack_observations,
};

use crate::display_path;
use value::{Kind, Value};

/// Whether `text` looks like a CloudFormation template: it names
/// `AWSTemplateFormatVersion`, or has `Resources` with an `AWS::…` type.
/// A cheap content sniff, independent of the file name.
pub fn detect_template(text: &str) -> bool {
    let resources_key = text.contains("\"Resources\"")
        || text.starts_with("Resources:")
        || text.contains("\nResources:");
    text.contains("AWSTemplateFormatVersion")
        || (resources_key && text.contains("Type") && text.contains("AWS::"))
}

/// Parses one template given as text, shown in the output as `display`
/// (stack name: its file stem). For callers that already hold the text,
/// and for tests; [`parse`] is the entry point for files.
pub fn parse_template_text(text: &str, display: &str) -> Fragment {
    let path = PathBuf::from(display);
    let input = TemplateInput::new(path, Path::new(""), Format::CloudFormation);
    let (root, mut diagnostics) = load_text(text, &input.display);
    let root = check_template(root, &input.display, &mut diagnostics);
    emit_all(&[Template {
        input,
        root,
        diagnostics,
    }])
}

/// Parses templates together, so that exports and imports and nested
/// stacks resolve across them. Paths in the output are relative to `root`.
pub fn parse(files: &[PathBuf], root: &Path) -> Fragment {
    let mut inputs: Vec<TemplateInput> = files
        .iter()
        .map(|path| TemplateInput::new(path.clone(), root, Format::CloudFormation))
        .collect();
    disambiguate_stacks(&mut inputs);
    parse_inputs(inputs)
}

/// One template to read, and what the caller already knows about it.
#[derive(Clone, Debug)]
pub(crate) struct TemplateInput {
    pub(crate) path: PathBuf,
    pub(crate) display: String,
    pub(crate) stack: String,
    pub(crate) format: Format,
    /// CDK construct paths by logical id, from the manifest and tree.json.
    pub(crate) construct_paths: BTreeMap<String, Vec<String>>,
}

impl TemplateInput {
    pub(crate) fn new(path: PathBuf, root: &Path, format: Format) -> Self {
        let display = display_path(&path, root);
        let stack = stem(&path);
        TemplateInput {
            path,
            display,
            stack,
            format,
            construct_paths: BTreeMap::new(),
        }
    }
}

fn stem(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    for suffix in [".template.json", ".template.yaml", ".template.yml"] {
        if let Some(stem) = name.strip_suffix(suffix) {
            return stem.to_owned();
        }
    }
    match name.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem.to_owned(),
        _ => name,
    }
}

/// Two templates with the same stem would share node ids; those are named
/// by their display path without the extension instead.
fn disambiguate_stacks(inputs: &mut [TemplateInput]) {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for input in inputs.iter() {
        *counts.entry(input.stack.clone()).or_default() += 1;
    }
    for input in inputs.iter_mut() {
        if counts.get(&input.stack).copied().unwrap_or(0) > 1 {
            input.stack = match input.display.rsplit_once('.') {
                Some((base, _)) => base.to_owned(),
                None => input.display.clone(),
            };
        }
    }
}

/// A template read from disk: its root value, or the diagnostics saying why not.
#[derive(Debug)]
pub(crate) struct Template {
    pub(crate) input: TemplateInput,
    pub(crate) root: Option<Value>,
    pub(crate) diagnostics: Vec<Diagnostic>,
}

/// Loads a template text: JSON when it starts with `{`, YAML otherwise.
fn load_text(text: &str, display: &str) -> (Option<Value>, Vec<Diagnostic>) {
    let trimmed = text.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
    let loaded = if trimmed.starts_with('{') {
        json::load(text)
    } else {
        yaml::load(text)
    };
    let diagnostics = loaded
        .problems
        .into_iter()
        .map(|(line, is_error, message)| {
            let severity = if is_error {
                Severity::Error
            } else {
                Severity::Warning
            };
            Diagnostic::new(severity, display, line, message)
        })
        .collect();
    (loaded.root, diagnostics)
}

/// Whether a loaded value is a template (see [`detect_template`]).
fn is_template(root: &Value) -> bool {
    if root.get("AWSTemplateFormatVersion").is_some() {
        return true;
    }
    root.get("Resources").is_some_and(|resources| {
        resources.entries().iter().any(|entry| {
            entry
                .value
                .get("Type")
                .and_then(Value::as_str)
                .is_some_and(|t| t.starts_with("AWS::"))
        })
    })
}

fn load(input: TemplateInput) -> Template {
    let text = match std::fs::read(&input.path) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(error) => {
            let diagnostic =
                Diagnostic::error(&input.display, None, format!("cannot read file: {error}"));
            return Template {
                input,
                root: None,
                diagnostics: vec![diagnostic],
            };
        }
    };
    let (root, mut diagnostics) = load_text(&text, &input.display);
    let mut root = check_template(root, &input.display, &mut diagnostics);
    if let Some(root) = &mut root {
        foreach::expand(root, &input.display, &mut diagnostics);
    }
    Template {
        input,
        root,
        diagnostics,
    }
}

/// Keeps a loaded root only if it is a template, saying so otherwise.
fn check_template(
    root: Option<Value>,
    display: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Value> {
    root.filter(|root| {
        let template = is_template(root) && matches!(root.kind, Kind::Map(_));
        if !template && diagnostics.iter().all(|d| d.severity != Severity::Error) {
            diagnostics.push(Diagnostic::info(
                display,
                Some(root.line),
                "not a CloudFormation template: no AWSTemplateFormatVersion and no AWS:: resources",
            ));
        }
        template
    })
}

/// Reads and emits templates: load in parallel, link stacks, emit in parallel.
pub(crate) fn parse_inputs(inputs: Vec<TemplateInput>) -> Fragment {
    let templates: Vec<Template> = inputs.into_par_iter().map(load).collect();
    emit_all(&templates)
}

fn emit_all(templates: &[Template]) -> Fragment {
    let context = stacks::Context::build(templates);
    let parts: Vec<Fragment> = templates
        .par_iter()
        .enumerate()
        .map(|(index, template)| {
            let mut fragment = Fragment::new();
            fragment.diagnostics.extend(template.diagnostics.clone());
            let status = if template.root.is_some() {
                SourceStatus::Complete
            } else {
                SourceStatus::Failed
            };
            let failed_read = template.root.is_none()
                && template
                    .diagnostics
                    .iter()
                    .all(|d| d.severity == Severity::Info);
            if !failed_read {
                let mut source = Source::new(
                    &template.input.display,
                    template.input.format,
                    Origin::Declared,
                );
                source.status = status;
                source.scope = Some(format!("cloudformation:{}", template.input.stack));
                fragment.sources.push(source);
            }
            if let Some(root) = &template.root {
                fragment.extend(template::emit(template, root, index, &context));
            }
            fragment
        })
        .collect();
    let mut fragment = Fragment::new();
    for part in parts {
        fragment.extend(part);
    }
    fragment
}

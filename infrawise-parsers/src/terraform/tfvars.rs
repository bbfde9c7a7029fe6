//! Variable values from `terraform.tfvars`, `*.auto.tfvars` and their JSON
//! forms, and from other `*.tfvars` files where they agree.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use infrawise_core::Diagnostic;

use super::eval::{Evaluator, NoNames};
use super::load::SourceFile;
use super::value::Value;

fn read(path: &Path, root: &Path, diagnostics: &mut Vec<Diagnostic>) -> BTreeMap<String, Value> {
    let display = crate::display_path(path, root);
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) => {
            diagnostics.push(Diagnostic::error(
                &display,
                None,
                format!("cannot read file: {}", e.to_string().to_lowercase()),
            ));
            return BTreeMap::new();
        }
    };
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
    {
        return match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(serde_json::Value::Object(map)) => map
                .iter()
                .map(|(k, v)| (k.clone(), Value::from_json(v)))
                .collect(),
            Ok(_) => {
                diagnostics.push(Diagnostic::error(
                    &display,
                    Some(1),
                    "tfvars json is not an object",
                ));
                BTreeMap::new()
            }
            Err(e) => {
                diagnostics.push(Diagnostic::error(
                    &display,
                    Some(e.line() as u32),
                    "invalid json",
                ));
                BTreeMap::new()
            }
        };
    }
    let file = SourceFile::parse(&display, text, diagnostics);
    let mut out = BTreeMap::new();
    for (_, body) in &file.chunks {
        for attr in body.attributes() {
            let value = Evaluator::new(&NoNames).eval(&attr.value);
            out.insert(attr.key.value().as_str().to_owned(), value);
        }
    }
    out
}

/// Loads the variable values for a root module from its tfvars files.
/// Terraform reads `terraform.tfvars[.json]` and `*.auto.tfvars[.json]` by
/// itself; other `*.tfvars` files need `-var-file`, so their values are
/// used only where all of them agree, and are unknown where they differ.
pub(crate) fn load(files: &[PathBuf], root: &Path) -> (BTreeMap<String, Value>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let mut automatic: Vec<&PathBuf> = Vec::new();
    let mut explicit: Vec<&PathBuf> = Vec::new();
    for file in files {
        let name = file
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if name == "terraform.tfvars"
            || name == "terraform.tfvars.json"
            || name.ends_with(".auto.tfvars")
            || name.ends_with(".auto.tfvars.json")
        {
            automatic.push(file);
        } else {
            explicit.push(file);
        }
    }
    // Terraform's order: terraform.tfvars, terraform.tfvars.json, then *.auto.tfvars in lexical order.
    automatic.sort_by_key(|p| {
        let name = p
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        (!name.starts_with("terraform.tfvars"), name)
    });
    explicit.sort();
    let mut merged: BTreeMap<String, Value> = BTreeMap::new();
    let mut from_explicit: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for file in &explicit {
        for (name, value) in read(file, root, &mut diagnostics) {
            from_explicit.entry(name).or_default().push(value);
        }
    }
    for (name, values) in from_explicit {
        let agree = values.windows(2).all(|w| w[0] == w[1]) && values.len() == explicit.len();
        merged.insert(
            name,
            if agree {
                values.into_iter().next().unwrap_or(Value::Unknown)
            } else {
                Value::Unknown
            },
        );
    }
    for file in automatic {
        merged.extend(read(file, root, &mut diagnostics));
    }
    (merged, diagnostics)
}

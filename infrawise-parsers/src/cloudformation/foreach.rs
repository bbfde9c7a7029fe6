//! `Fn::ForEach` (the `AWS::LanguageExtensions` transform), expanded before
//! the template is read, as CloudFormation expands it before deploying.
//!
//! `"Fn::ForEach::Topics": ["Name", ["Orders", "Refunds"], {"${Name}Topic":
//! {...}}]` in `Resources`, `Outputs` or `Conditions` becomes one entry per
//! item of the collection, with `${Name}` (and `&{Name}`, the item with its
//! non-alphanumeric characters removed) replaced in keys and strings, and
//! `{"Ref": "Name"}` replaced by the item. Loops nest. The collection is
//! expanded when it is known: a literal list, or a `Ref` to a parameter
//! whose `Default` is a list or a comma-delimited string. Otherwise the
//! loop stays unexpanded and an info diagnostic says why; nothing is
//! guessed.

use infrawise_core::Diagnostic;

use super::value::{Entry, Kind, Value};

const PREFIX: &str = "Fn::ForEach::";
/// Expansion stops here, so a loop cannot blow a template up.
const MAX_ENTRIES: usize = 10_000;

/// Expands every `Fn::ForEach` loop of `root`'s sections in place.
pub(crate) fn expand(root: &mut Value, display: &str, diagnostics: &mut Vec<Diagnostic>) {
    let parameters = root.get("Parameters").cloned();
    let Kind::Map(sections) = &mut root.kind else {
        return;
    };
    for section in sections.iter_mut() {
        if !matches!(section.key.as_str(), "Resources" | "Outputs" | "Conditions") {
            continue;
        }
        if let Kind::Map(entries) = &mut section.value.kind {
            let taken = std::mem::take(entries);
            *entries = expand_entries(taken, parameters.as_ref(), display, diagnostics, 0);
        }
    }
}

fn expand_entries(
    entries: Vec<Entry>,
    parameters: Option<&Value>,
    display: &str,
    diagnostics: &mut Vec<Diagnostic>,
    depth: usize,
) -> Vec<Entry> {
    let mut out = Vec::with_capacity(entries.len());
    for entry in entries {
        if !entry.key.starts_with(PREFIX) || depth > 8 {
            out.push(entry);
            continue;
        }
        let Some((identifier, items, template)) = parse_loop(&entry, parameters) else {
            diagnostics.push(Diagnostic::info(
                display,
                Some(entry.line),
                format!(
                    "`{}` is not expanded: its collection is not known statically",
                    entry.key
                ),
            ));
            out.push(entry);
            continue;
        };
        let mut produced = Vec::new();
        for item in &items {
            for inner in template.entries() {
                let key = substitute_text(&inner.key, &identifier, item);
                let value = substitute(&inner.value, &identifier, item);
                produced.push(Entry {
                    key,
                    line: inner.line,
                    value,
                });
            }
        }
        let produced = expand_entries(produced, parameters, display, diagnostics, depth + 1);
        if out.len() + produced.len() > MAX_ENTRIES {
            diagnostics.push(Diagnostic::warning(
                display,
                Some(entry.line),
                format!(
                    "`{}` expands past {MAX_ENTRIES} entries; kept unexpanded",
                    entry.key
                ),
            ));
            out.push(entry);
            continue;
        }
        out.extend(produced);
    }
    out
}

/// `[identifier, collection, template]` with the collection's items.
fn parse_loop(entry: &Entry, parameters: Option<&Value>) -> Option<(String, Vec<String>, Value)> {
    let [identifier, collection, template] = entry.value.items() else {
        return None;
    };
    let identifier = identifier.as_str()?.to_owned();
    let items = collection_items(collection, parameters)?;
    matches!(template.kind, Kind::Map(_)).then(|| (identifier, items, template.clone()))
}

fn collection_items(collection: &Value, parameters: Option<&Value>) -> Option<Vec<String>> {
    if let Kind::Seq(items) = &collection.kind {
        return items
            .iter()
            .map(|i| i.as_str().map(str::to_owned))
            .collect();
    }
    let (function, argument) = collection.intrinsic()?;
    if function != "Ref" {
        return None;
    }
    let parameter = parameters?.get(argument.as_str()?)?;
    if super::resolve::no_echo(parameter) {
        return None;
    }
    let default = parameter.get("Default")?;
    match &default.kind {
        Kind::Seq(items) => items
            .iter()
            .map(|i| i.as_str().map(str::to_owned))
            .collect(),
        Kind::String(text) => Some(text.split(',').map(|s| s.trim().to_owned()).collect()),
        _ => None,
    }
}

fn substitute_text(text: &str, identifier: &str, item: &str) -> String {
    let alphanumeric: String = item.chars().filter(char::is_ascii_alphanumeric).collect();
    text.replace(&format!("${{{identifier}}}"), item)
        .replace(&format!("&{{{identifier}}}"), &alphanumeric)
}

fn substitute(value: &Value, identifier: &str, item: &str) -> Value {
    if let Some(("Ref", argument)) = value.intrinsic()
        && argument.as_str() == Some(identifier)
    {
        return Value::new(value.line, Kind::String(item.to_owned()));
    }
    let kind = match &value.kind {
        Kind::String(text) => Kind::String(substitute_text(text, identifier, item)),
        Kind::Seq(items) => Kind::Seq(
            items
                .iter()
                .map(|i| substitute(i, identifier, item))
                .collect(),
        ),
        Kind::Map(entries) => Kind::Map(
            entries
                .iter()
                .map(|e| Entry {
                    key: substitute_text(&e.key, identifier, item),
                    line: e.line,
                    value: substitute(&e.value, identifier, item),
                })
                .collect(),
        ),
        other => other.clone(),
    };
    let substituted = Value::new(value.line, kind);
    // A `Fn::Sub` left with nothing to substitute is its text, as
    // CloudFormation resolves it (`!GetAtt [!Sub "Bucket${Id}", Arn]`).
    if let Some((
        "Fn::Sub",
        Value {
            kind: Kind::String(text),
            ..
        },
    )) = substituted.intrinsic()
        && !text.contains("${")
    {
        return Value::new(value.line, Kind::String(text.clone()));
    }
    substituted
}

//! Keeping sensitive values out of the graph: what the state marks
//! sensitive, and what is named like a secret, is dropped whole, never
//! stored, not even redacted.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

/// Whether an attribute name says it holds a secret.
pub(crate) fn named_secret(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    [
        "password",
        "secret_string",
        "secret_binary",
        "private_key",
        "secret_access_key",
        "auth_token",
        "access_token",
        "client_secret",
        "ses_smtp_password",
        "plaintext",
    ]
    .iter()
    .any(|word| name.contains(word))
        || name == "token"
        || name == "secret"
        || name == "sensitive_content"
}

/// The top-level attribute names that v4 `sensitive_attributes` paths
/// point into. Any shape is accepted: the first string step of each path.
pub(crate) fn v4_paths(sensitive: Option<&Value>) -> BTreeSet<String> {
    fn first_name(step: &Value) -> Option<String> {
        match step {
            Value::String(s) => Some(s.clone()),
            Value::Array(steps) => steps.iter().find_map(first_name),
            Value::Object(map) => match map.get("value") {
                Some(Value::String(s)) => Some(s.clone()),
                _ => map.get("path").and_then(first_name),
            },
            _ => None,
        }
    }
    let mut out = BTreeSet::new();
    if let Some(Value::Array(paths)) = sensitive {
        for path in paths {
            if let Some(name) = first_name(path) {
                out.insert(name);
            }
        }
    }
    out
}

/// The top-level names marked anywhere in `terraform show -json`'s
/// `sensitive_values` (a mirror of the values with `true` at sensitive leaves).
pub(crate) fn show_paths(sensitive: Option<&Value>) -> BTreeSet<String> {
    fn any_true(value: &Value) -> bool {
        match value {
            Value::Bool(b) => *b,
            Value::Array(items) => items.iter().any(any_true),
            Value::Object(map) => map.values().any(any_true),
            _ => false,
        }
    }
    match sensitive {
        Some(Value::Object(map)) => map
            .iter()
            .filter(|(_, v)| any_true(v))
            .map(|(k, _)| k.clone())
            .collect(),
        _ => BTreeSet::new(),
    }
}

/// Removes marked and secret-named attributes, at any depth for names.
pub(crate) fn scrub(attributes: &mut Map<String, Value>, marked: &BTreeSet<String>) {
    attributes.retain(|name, _| !marked.contains(name) && !named_secret(name));
    for value in attributes.values_mut() {
        scrub_nested(value);
    }
}

fn scrub_nested(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|name, _| !named_secret(name));
            map.values_mut().for_each(scrub_nested);
        }
        Value::Array(items) => items.iter_mut().for_each(scrub_nested),
        _ => {}
    }
}

//! Keeping sensitive values out of the graph: what the state marks
//! sensitive, and what is named like a secret, is replaced by the withheld
//! marker of [`infrawise_core::secret`] before it is stored.

use std::collections::BTreeSet;

use infrawise_core::secret;
use serde_json::{Map, Value};

/// Whether an attribute name says it holds a secret.
pub(crate) fn named_secret(name: &str) -> bool {
    infrawise_core::secret::credential_named(name)
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

/// Replaces marked and secret-named values with the withheld marker
/// (`{"redacted": reason}`), at any depth for names, so the fact that a
/// value exists stays and the value does not.
pub(crate) fn scrub(attributes: &mut Map<String, Value>, marked: &BTreeSet<String>) {
    for (name, value) in attributes.iter_mut() {
        if marked.contains(name) {
            *value = secret::marker(MARKED);
        } else if named_secret(name) && holds_value(value) {
            *value = secret::marker(NAMED);
        } else {
            scrub_nested(value);
        }
    }
}

const MARKED: &str = "marked sensitive in state";
const NAMED: &str = "named like a credential";

fn holds_value(value: &Value) -> bool {
    !matches!(value, Value::Null | Value::Bool(_) | Value::Number(_)) && !secret::is_marker(value)
}

fn scrub_nested(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (name, item) in map.iter_mut() {
                if named_secret(name) && holds_value(item) {
                    *item = secret::marker(NAMED);
                } else {
                    scrub_nested(item);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(scrub_nested),
        _ => {}
    }
}

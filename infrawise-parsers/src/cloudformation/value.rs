//! The located value tree both loaders produce: JSON-like values that keep
//! the 1-based line each one starts on. YAML short-form tags (`!Ref X`) are
//! already rewritten to their long forms (`{"Ref": "X"}`), so the rest of
//! the parser sees one shape whatever the file format.

use serde_json::Value as Json;

/// A value with the line it starts on.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Value {
    /// The 1-based line.
    pub(crate) line: u32,
    /// The value itself.
    pub(crate) kind: Kind,
}

/// One mapping entry: its key, the key's line, and the value.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Entry {
    pub(crate) key: String,
    pub(crate) line: u32,
    pub(crate) value: Value,
}

/// The shapes a value can take. Numbers keep their source text.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Kind {
    Null,
    Bool(bool),
    Number(String),
    String(String),
    Seq(Vec<Value>),
    Map(Vec<Entry>),
}

/// The intrinsic functions CloudFormation knows, by short tag name.
pub(crate) const INTRINSIC_TAGS: &[&str] = &[
    "Ref",
    "GetAtt",
    "Sub",
    "Join",
    "If",
    "Select",
    "ImportValue",
    "FindInMap",
    "Base64",
    "Split",
    "Cidr",
    "GetAZs",
    "Condition",
    "Equals",
    "And",
    "Or",
    "Not",
    "Transform",
    "Length",
    "ToJsonString",
    "ForEach",
];

impl Value {
    pub(crate) fn new(line: u32, kind: Kind) -> Self {
        Value { line, kind }
    }

    /// The value of `key` in a mapping.
    pub(crate) fn get(&self, key: &str) -> Option<&Value> {
        self.entry(key).map(|entry| &entry.value)
    }

    /// The entry of `key` in a mapping.
    pub(crate) fn entry(&self, key: &str) -> Option<&Entry> {
        match &self.kind {
            Kind::Map(entries) => entries.iter().find(|entry| entry.key == key),
            _ => None,
        }
    }

    /// The entries of a mapping, or none.
    pub(crate) fn entries(&self) -> &[Entry] {
        match &self.kind {
            Kind::Map(entries) => entries,
            _ => &[],
        }
    }

    /// The items of a sequence, or none.
    pub(crate) fn items(&self) -> &[Value] {
        match &self.kind {
            Kind::Seq(items) => items,
            _ => &[],
        }
    }

    /// The text of a string (or number) scalar.
    pub(crate) fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::String(text) | Kind::Number(text) => Some(text),
            _ => None,
        }
    }

    /// If this is a one-key mapping whose key is an intrinsic function
    /// (`Ref`, `Condition` or `Fn::…`), the function name and argument.
    pub(crate) fn intrinsic(&self) -> Option<(&str, &Value)> {
        match &self.kind {
            Kind::Map(entries) if entries.len() == 1 => {
                let entry = &entries[0];
                (entry.key == "Ref" || entry.key == "Condition" || entry.key.starts_with("Fn::"))
                    .then_some((entry.key.as_str(), &entry.value))
            }
            _ => None,
        }
    }

    /// Whether the value contains no intrinsic function anywhere.
    pub(crate) fn is_literal(&self) -> bool {
        if self.intrinsic().is_some() {
            return false;
        }
        match &self.kind {
            Kind::Seq(items) => items.iter().all(Value::is_literal),
            Kind::Map(entries) => entries.iter().all(|entry| entry.value.is_literal()),
            _ => true,
        }
    }

    /// The value as JSON (intrinsics stay in their long form).
    pub(crate) fn to_json(&self) -> Json {
        match &self.kind {
            Kind::Null => Json::Null,
            Kind::Bool(b) => Json::Bool(*b),
            Kind::Number(text) => text
                .parse::<serde_json::Number>()
                .map_or_else(|_| Json::String(text.clone()), Json::Number),
            Kind::String(text) => Json::String(text.clone()),
            Kind::Seq(items) => Json::Array(items.iter().map(Value::to_json).collect()),
            Kind::Map(entries) => Json::Object(
                entries
                    .iter()
                    .map(|entry| (entry.key.clone(), entry.value.to_json()))
                    .collect(),
            ),
        }
    }

    /// The number of values in this tree, counting itself.
    pub(crate) fn size(&self) -> usize {
        1 + match &self.kind {
            Kind::Seq(items) => items.iter().map(Value::size).sum(),
            Kind::Map(entries) => entries.iter().map(|entry| entry.value.size()).sum(),
            _ => 0,
        }
    }
}

/// The long-form key of a short tag (`Ref` -> `Ref`, `GetAtt` -> `Fn::GetAtt`).
pub(crate) fn long_form(tag: &str) -> String {
    match tag {
        "Ref" | "Condition" => tag.to_owned(),
        _ => format!("Fn::{tag}"),
    }
}

/// A loaded document, or why it could not be loaded.
#[derive(Debug)]
pub(crate) struct Loaded {
    /// The root value, if the file could be read.
    pub(crate) root: Option<Value>,
    /// Problems: (line, is_error, message).
    pub(crate) problems: Vec<(Option<u32>, bool, String)>,
}

//! The values the evaluator computes: HCL's value types plus an explicit
//! unknown, so that what cannot be worked out statically is carried along
//! instead of guessed.
//!
//! Strings, lists and maps are shared (`Rc`): a value is read far more
//! often than it is built (every `local.x`, `var.y` and `each.value.z`
//! hands on what was evaluated once), so a clone is a count increment, not
//! a copy of the tree. Values never leave the thread of the root module
//! being evaluated.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::rc::Rc;

/// A Terraform value, or [`Value::Unknown`] where it cannot be known before
/// apply (an ARN, a variable without default) or cannot be evaluated here.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    Number(f64),
    String(Rc<str>),
    /// Tuples, lists and sets alike.
    List(Rc<Vec<Value>>),
    /// Objects and maps alike, with sorted keys as Terraform has them.
    Map(Rc<BTreeMap<String, Value>>),
    Unknown,
}

impl Value {
    pub(crate) fn str(text: impl AsRef<str>) -> Self {
        Value::String(Rc::from(text.as_ref()))
    }

    pub(crate) fn list(items: Vec<Value>) -> Self {
        Value::List(Rc::new(items))
    }

    pub(crate) fn map(map: BTreeMap<String, Value>) -> Self {
        Value::Map(Rc::new(map))
    }

    /// The items of a list, owned: taken when this is the only reference,
    /// copied (shallowly) otherwise.
    pub(crate) fn into_items(items: Rc<Vec<Value>>) -> Vec<Value> {
        Rc::unwrap_or_clone(items)
    }

    /// The entries of a map, owned, as [`Value::into_items`].
    pub(crate) fn into_entries(map: Rc<BTreeMap<String, Value>>) -> BTreeMap<String, Value> {
        Rc::unwrap_or_clone(map)
    }

    /// A withheld value: the map `{"redacted": reason}`, which becomes
    /// [`infrawise_core::AttributeValue::Redacted`] when stored, and stays
    /// the same marker inside larger values.
    pub(crate) fn redacted(reason: &str) -> Self {
        let mut map = BTreeMap::new();
        map.insert(infrawise_core::REDACTED_KEY.to_owned(), Value::str(reason));
        Value::map(map)
    }

    /// Whether the value is known all the way down.
    pub(crate) fn is_known(&self) -> bool {
        match self {
            Value::Unknown => false,
            Value::List(items) => items.iter().all(Value::is_known),
            Value::Map(map) => map.values().all(Value::is_known),
            _ => true,
        }
    }

    /// The value as a string, the way Terraform converts primitives to
    /// strings; `None` for collections, null and unknown.
    pub(crate) fn as_string(&self) -> Option<String> {
        match self {
            Value::String(s) => Some(s.to_string()),
            Value::Number(n) => Some(format_number(*n)),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn as_number(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    pub(crate) fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            Value::String(s) if &**s == "true" => Some(true),
            Value::String(s) if &**s == "false" => Some(false),
            _ => None,
        }
    }

    /// Elements of a list, or the values of a map in key order.
    pub(crate) fn elements(&self) -> Option<Vec<Value>> {
        match self {
            Value::List(items) => Some(items.to_vec()),
            Value::Map(map) => Some(map.values().cloned().collect()),
            _ => None,
        }
    }

    /// Indexes a list by number or a map by key.
    pub(crate) fn index(&self, key: &Value) -> Value {
        match (self, key) {
            (Value::Unknown, _) | (_, Value::Unknown) => Value::Unknown,
            (Value::List(items), key) => key
                .as_number()
                .filter(|n| *n >= 0.0 && n.fract() == 0.0)
                .and_then(|n| items.get(n as usize).cloned())
                .unwrap_or(Value::Unknown),
            (Value::Map(map), Value::String(key)) => {
                map.get(&**key).cloned().unwrap_or(Value::Unknown)
            }
            (Value::Map(map), key) => key
                .as_string()
                .and_then(|k| map.get(&k).cloned())
                .unwrap_or(Value::Unknown),
            _ => Value::Unknown,
        }
    }

    /// Converts to JSON; `None` when anything inside is unknown.
    pub(crate) fn to_json(&self) -> Option<serde_json::Value> {
        Some(match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => number_to_json(*n),
            Value::String(s) => serde_json::Value::String(s.to_string()),
            Value::List(items) => {
                serde_json::Value::Array(items.iter().map(Value::to_json).collect::<Option<_>>()?)
            }
            Value::Map(map) => serde_json::Value::Object(
                map.iter()
                    .map(|(k, v)| Some((k.clone(), v.to_json()?)))
                    .collect::<Option<_>>()?,
            ),
            Value::Unknown => return None,
        })
    }

    /// Converts from JSON (tfvars.json, jsondecode).
    pub(crate) fn from_json(json: &serde_json::Value) -> Self {
        match json {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => n.as_f64().map_or(Value::Unknown, Value::Number),
            serde_json::Value::String(s) => Value::str(s),
            serde_json::Value::Array(items) => {
                Value::list(items.iter().map(Value::from_json).collect())
            }
            serde_json::Value::Object(map) => Value::map(
                map.iter()
                    .map(|(k, v)| (k.clone(), Value::from_json(v)))
                    .collect(),
            ),
        }
    }
}

/// Formats a number as Terraform prints it: integers without a fraction.
pub(crate) fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        let mut text = String::new();
        let _ = write!(text, "{n}");
        text
    }
}

fn number_to_json(n: f64) -> serde_json::Value {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        serde_json::Value::from(n as i64)
    } else {
        serde_json::Number::from_f64(n).map_or(serde_json::Value::Null, serde_json::Value::Number)
    }
}

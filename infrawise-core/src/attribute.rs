//! Attribute values, including the ones nobody could work out.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// The key an unknown value is written under in JSON.
pub const UNKNOWN_KEY: &str = "$unknown";

/// The key a withheld value's reason is written under in JSON.
pub const REDACTED_KEY: &str = "redacted";

/// The value of one attribute as one origin states it.
///
/// Unknown is a value: an expression that cannot be evaluated statically
/// (`aws_sqs_queue.q.arn` before apply, a variable with no default) is kept
/// as [`AttributeValue::Unknown`] with its source text, never dropped and
/// never guessed. In JSON it is `{"$unknown": "var.name"}`.
#[derive(Clone, Debug, PartialEq)]
pub enum AttributeValue {
    /// A value known statically or observed.
    Known(Value),
    /// A value that could not be evaluated, with the expression that gives it.
    Unknown {
        /// The expression, as written (scrubbed of secrets; see [`crate::secret`]).
        expression: String,
    },
    /// A value that exists but is withheld because it is secret; in JSON
    /// `{"redacted": "<reason>"}`. See [`crate::secret`].
    Redacted {
        /// Why the value is withheld (`NoEcho parameter`, `RDS master password`).
        reason: String,
    },
}

impl AttributeValue {
    /// An unknown value given by `expression`.
    pub fn unknown(expression: impl Into<String>) -> Self {
        AttributeValue::Unknown {
            expression: expression.into(),
        }
    }

    /// A value withheld for `reason`.
    pub fn redacted(reason: impl Into<String>) -> Self {
        AttributeValue::Redacted {
            reason: reason.into(),
        }
    }

    /// The known value, if it is known (a withheld value is not).
    pub fn known(&self) -> Option<&Value> {
        match self {
            AttributeValue::Known(value) => Some(value),
            AttributeValue::Unknown { .. } | AttributeValue::Redacted { .. } => None,
        }
    }

    /// Reads a JSON value as written in the contract: `{"$unknown": …}` is
    /// unknown, `{"redacted": …}` is withheld, anything else is known.
    pub fn from_json(value: Value) -> Self {
        if let Value::Object(map) = &value
            && map.len() == 1
        {
            if let Some(Value::String(expression)) = map.get(UNKNOWN_KEY) {
                return AttributeValue::unknown(expression.clone());
            }
            if let Some(Value::String(reason)) = map.get(REDACTED_KEY) {
                return AttributeValue::redacted(reason.clone());
            }
        }
        AttributeValue::Known(value)
    }
}

impl From<Value> for AttributeValue {
    fn from(value: Value) -> Self {
        AttributeValue::Known(value)
    }
}

impl Serialize for AttributeValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            AttributeValue::Known(value) => value.serialize(serializer),
            AttributeValue::Unknown { expression } => {
                use serde::ser::SerializeMap;
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry(UNKNOWN_KEY, expression)?;
                map.end()
            }
            AttributeValue::Redacted { reason } => {
                use serde::ser::SerializeMap;
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry(REDACTED_KEY, reason)?;
                map.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for AttributeValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Value::deserialize(deserializer).map(AttributeValue::from_json)
    }
}

//! Attribute values, including the ones nobody could work out.

use std::collections::BTreeMap;
use std::num::NonZeroU64;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::one_or_many::OneOrMany;
use crate::{NodeKind, Origin, Text};

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

/// One attribute's values, by origin: `{"declared": 30, "observed": 60}`.
///
/// Decision: one value held inline, or a short vector sorted by origin,
/// read like a map, not a `BTreeMap`. Rationale: nearly every attribute
/// has one origin; a map's first node has room for eleven (close to a
/// kilobyte with a JSON value in it), and even a vector of one is an
/// allocation per attribute of every node a parser makes. Trade-off:
/// inserting is linear, over at most three origins.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OriginValues(OneOrMany<(Origin, AttributeValue)>);

impl OriginValues {
    fn as_slice(&self) -> &[(Origin, AttributeValue)] {
        self.0.as_slice()
    }

    /// The value `origin` states.
    pub fn get(&self, origin: &Origin) -> Option<&AttributeValue> {
        self.as_slice()
            .iter()
            .find(|(o, _)| o == origin)
            .map(|(_, v)| v)
    }

    /// Whether `origin` states a value.
    pub fn contains_key(&self, origin: &Origin) -> bool {
        self.get(origin).is_some()
    }

    /// The values with their origins, in origin order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&Origin, &AttributeValue)> + '_ {
        self.as_slice().iter().map(|(o, v)| (o, v))
    }

    /// The origins, in order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &Origin> + '_ {
        self.as_slice().iter().map(|(o, _)| o)
    }

    /// The values, in origin order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &AttributeValue> + '_ {
        self.as_slice().iter().map(|(_, v)| v)
    }

    /// How many origins state a value.
    pub fn len(&self) -> usize {
        self.as_slice().len()
    }

    /// Whether no origin states a value.
    pub fn is_empty(&self) -> bool {
        self.as_slice().is_empty()
    }

    /// Sets the value `origin` states.
    fn insert(&mut self, origin: Origin, value: AttributeValue) {
        self.0
            .insert_sorted_by((origin, value), |a, b| a.0.cmp(&b.0));
    }

    fn values_mut(&mut self) -> impl Iterator<Item = &mut AttributeValue> + '_ {
        self.0.as_mut_slice().iter_mut().map(|(_, v)| v)
    }
}

impl<'a> IntoIterator for &'a OriginValues {
    type Item = (&'a Origin, &'a AttributeValue);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (Origin, AttributeValue)>,
        fn(&'a (Origin, AttributeValue)) -> (&'a Origin, &'a AttributeValue),
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.as_slice().iter().map(|(o, v)| (o, v))
    }
}

impl IntoIterator for OriginValues {
    type Item = (Origin, AttributeValue);
    type IntoIter = std::vec::IntoIter<(Origin, AttributeValue)>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_vec().into_iter()
    }
}

impl Serialize for OriginValues {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

impl<'de> Deserialize<'de> for OriginValues {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map = BTreeMap::<Origin, AttributeValue>::deserialize(deserializer)?;
        let mut values = OriginValues::default();
        for (origin, value) in map {
            values.insert(origin, value);
        }
        Ok(values)
    }
}

/// The node kind and provider type every value of a node's attributes was
/// withheld under (see [`crate::secret::redact_node`]), packed in one word
/// (a graph holds millions of nodes): the interned type's address, which
/// is one per distinct text, with the kind above it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RedactedFor(NonZeroU64);

impl RedactedFor {
    /// The stamp of `kind` and `raw_type`; none (so nothing is ever
    /// skipped) where an address would not leave room for the kind.
    pub(crate) fn of(kind: NodeKind, raw_type: Option<Text>) -> Option<Self> {
        let address = raw_type.map_or(0, |t| t.as_str().as_ptr() as u64);
        if address >> 56 != 0 {
            return None;
        }
        NonZeroU64::new(address | ((kind as u64 + 1) << 56)).map(RedactedFor)
    }
}

/// A node's attribute values, by name and then by origin:
/// `{"visibility_timeout": {"declared": 30, "observed": 60}}`.
///
/// Decision: values enter only through [`crate::Node::set_attribute`]
/// (which withholds secrets as a value enters), deserialisation, or
/// [`Attributes::merge`]; nothing hands out a value to change. Rationale:
/// then the set knows when everything in it was withheld under the node's
/// current kind and type, and the graph build's pass over every attribute
/// of every node ([`crate::secret::redact_node`]) can skip a node
/// that was, rather than read every value again. Trade-off: a parser
/// cannot edit a value in place; it sets it again.
///
/// Stored as a vector sorted by name, which a node's few attributes fit
/// better than a tree.
#[derive(Clone, Default)]
pub struct Attributes {
    entries: Vec<(String, OriginValues)>,
    /// Set while every value was withheld under this kind and type.
    pub(crate) redacted_for: Option<RedactedFor>,
}

impl Attributes {
    /// An empty set.
    pub const fn new() -> Self {
        Attributes {
            entries: Vec::new(),
            redacted_for: None,
        }
    }

    fn position(&self, name: &str) -> Result<usize, usize> {
        // Values mostly arrive in name order: the last entry first.
        match self.entries.last() {
            Some((last, _)) if last.as_str() < name => Err(self.entries.len()),
            _ => self.entries.binary_search_by(|(n, _)| n.as_str().cmp(name)),
        }
    }

    /// The values of attribute `name`.
    pub fn get(&self, name: &str) -> Option<&OriginValues> {
        self.position(name).ok().map(|at| &self.entries[at].1)
    }

    /// Whether the node has attribute `name`.
    pub fn contains_key(&self, name: &str) -> bool {
        self.position(name).is_ok()
    }

    /// The attributes with their values, in name order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&String, &OriginValues)> + '_ {
        self.entries.iter().map(|(n, v)| (n, v))
    }

    /// The attribute names, in order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &String> + '_ {
        self.entries.iter().map(|(n, _)| n)
    }

    /// The values of each attribute, in name order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &OriginValues> + '_ {
        self.entries.iter().map(|(_, v)| v)
    }

    /// How many attributes there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Makes room for `additional` more attributes at once: a parser that
    /// knows how many it will set saves the vector growing step by step.
    pub fn reserve(&mut self, additional: usize) {
        self.entries.reserve_exact(additional);
    }

    /// Sets what `origin` states of `name`, as given (the caller has
    /// withheld what must be).
    pub(crate) fn insert(&mut self, name: String, origin: Origin, value: AttributeValue) {
        match self.position(&name) {
            Ok(at) => self.entries[at].1.insert(origin, value),
            Err(at) => {
                let mut values = OriginValues::default();
                values.insert(origin, value);
                // Most nodes have one attribute: room for one, not the four
                // a vector's first growth makes (a 100-byte entry each).
                if self.entries.capacity() == 0 {
                    self.entries.reserve_exact(1);
                }
                self.entries.insert(at, (name, values));
            }
        }
    }

    /// Every value, to be withheld where it stands, with its attribute's name.
    pub(crate) fn for_each_value_mut(&mut self, mut f: impl FnMut(&str, &mut AttributeValue)) {
        for (name, values) in &mut self.entries {
            for value in values.values_mut() {
                f(name, value);
            }
        }
    }

    /// Takes in another node's attributes (one real thing's contributions
    /// being merged): a value `other` states for an origin this set has no
    /// value for is added; one it has is replaced when `replaces(existing,
    /// new)`. Each value was withheld as it entered `other`.
    pub fn merge(
        &mut self,
        other: Attributes,
        replaces: impl Fn(&AttributeValue, &AttributeValue) -> bool,
    ) {
        // What was withheld under two nodes' kinds and types is not known
        // to be under either: the next pass reads everything.
        self.redacted_for = None;
        for (name, values) in other.entries {
            let at = match self.position(&name) {
                Ok(at) => at,
                Err(at) => {
                    self.entries.insert(at, (name, OriginValues::default()));
                    at
                }
            };
            let slot = &mut self.entries[at].1;
            for (origin, value) in values {
                if slot
                    .get(&origin)
                    .is_none_or(|existing| replaces(existing, &value))
                {
                    slot.insert(origin, value);
                }
            }
        }
    }
}

impl PartialEq for Attributes {
    fn eq(&self, other: &Self) -> bool {
        self.entries == other.entries
    }
}

impl std::fmt::Debug for Attributes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<'a> IntoIterator for &'a Attributes {
    type Item = (&'a String, &'a OriginValues);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (String, OriginValues)>,
        fn(&'a (String, OriginValues)) -> (&'a String, &'a OriginValues),
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter().map(|(n, v)| (n, v))
    }
}

impl Serialize for Attributes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

impl<'de> Deserialize<'de> for Attributes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map = BTreeMap::<String, OriginValues>::deserialize(deserializer)?;
        Ok(Attributes {
            entries: map.into_iter().collect(),
            redacted_for: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::{AttributeValue, Attributes, Node, NodeKind, Origin, OriginValues};

    #[test]
    fn attributes_read_and_write_as_maps() {
        let mut node = Node::new("n", NodeKind::Queue, "n");
        node.set_attribute(Origin::Observed, "visibility_timeout", json!(60));
        node.set_attribute(Origin::Declared, "visibility_timeout", json!(30));
        node.set_attribute(
            Origin::Declared,
            "arn",
            AttributeValue::unknown("aws_sqs_queue.q.arn"),
        );
        let text = serde_json::to_string(&node.attributes).expect("serialises");
        assert_eq!(
            text,
            r#"{"arn":{"declared":{"$unknown":"aws_sqs_queue.q.arn"}},"visibility_timeout":{"declared":30,"observed":60}}"#
        );
        let back: Attributes = serde_json::from_str(&text).expect("deserialises");
        assert_eq!(back, node.attributes);
        let names: Vec<&String> = back.keys().collect();
        assert_eq!(names, ["arn", "visibility_timeout"]);
        let timeout = back.get("visibility_timeout").expect("present");
        assert_eq!(
            timeout.keys().copied().collect::<Vec<_>>(),
            [Origin::Declared, Origin::Observed]
        );
        assert_eq!(
            timeout.get(&Origin::Observed),
            Some(&AttributeValue::Known(json!(60)))
        );
        assert!(back.get("missing").is_none());
    }

    #[test]
    fn merging_adds_missing_values_and_replaces_by_the_rule_given() {
        let mut a = Node::new("a", NodeKind::Queue, "a");
        a.set_attribute(Origin::Declared, "name", json!("zeta"));
        let mut b = Node::new("b", NodeKind::Queue, "b");
        b.set_attribute(Origin::Declared, "name", json!("alpha"));
        b.set_attribute(Origin::Observed, "name", json!("observed"));
        b.set_attribute(Origin::Declared, "fifo", json!(true));
        a.attributes.merge(b.attributes, |existing, new| {
            new.known().map(ToString::to_string) < existing.known().map(ToString::to_string)
        });
        let name = a.attributes.get("name").expect("present");
        assert_eq!(
            name.get(&Origin::Declared),
            Some(&AttributeValue::Known(json!("alpha")))
        );
        assert_eq!(
            name.get(&Origin::Observed),
            Some(&AttributeValue::Known(json!("observed")))
        );
        assert!(a.attributes.contains_key("fifo"));
        assert_eq!(a.attributes.len(), 2);
        // Merged values are read again by the next redaction pass.
        assert_eq!(a.attributes.redacted_for, None);
    }

    #[test]
    fn origin_values_stay_sorted_whether_one_or_several() {
        let mut node = Node::new("n", NodeKind::Queue, "n");
        node.set_attribute(Origin::Observed, "timeout", json!(60));
        node.set_attribute(Origin::Observed, "timeout", json!(61));
        let one = node.attributes.get("timeout").cloned().expect("set");
        assert_eq!(one.len(), 1);
        assert_eq!(
            one.get(&Origin::Observed),
            Some(&AttributeValue::Known(json!(61)))
        );
        node.set_attribute(Origin::Declared, "timeout", json!(30));
        node.set_attribute(Origin::Inferred, "timeout", json!(45));
        node.set_attribute(Origin::Declared, "timeout", json!(31));
        let values = node.attributes.get("timeout").expect("set");
        assert_eq!(
            values.keys().copied().collect::<Vec<_>>(),
            [Origin::Declared, Origin::Inferred, Origin::Observed]
        );
        assert_eq!(
            values.get(&Origin::Declared),
            Some(&AttributeValue::Known(json!(31)))
        );
        assert_ne!(&one, values);
        for values in [&one, values] {
            let text = serde_json::to_string(values).expect("serialises");
            let back: OriginValues = serde_json::from_str(&text).expect("deserialises");
            assert_eq!(&back, values);
            let owned: Vec<(Origin, AttributeValue)> = back.into_iter().collect();
            assert_eq!(owned.len(), values.len());
        }
    }

    #[test]
    fn the_redaction_record_costs_one_word() {
        // Every node holds one: a million-edge graph has 200k nodes, and
        // the memory bar is per edge.
        assert_eq!(
            std::mem::size_of::<Attributes>(),
            std::mem::size_of::<Vec<u8>>() + std::mem::size_of::<u64>()
        );
    }
}

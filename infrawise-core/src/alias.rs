//! Node identity: ids and aliases.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::one_or_many::OneOrMany;
use crate::{Error, NodeKind, Text};

/// The stable id of a node, e.g. `terraform:aws_sqs_queue.orders`.
///
/// Ids are chosen by the parser that produced the node. When nodes merge,
/// the merged node takes the id of its representative (the most specific
/// kind, then declared before inferred before observed, then the smallest
/// id), so the result does not depend on the order inputs were read in; the
/// other ids stay valid for lookups.
///
/// Decision: an id is a shared, immutable string (`Arc<str>`) with its
/// hash, not an owned `String`. Rationale: an id is named again by every
/// edge that starts or ends at its node; sharing it makes those copies a
/// count rather than an allocation, an edge end that shares its node's id
/// is recognised as equal without reading the text, and the graph build,
/// which hashes every id once more, does not read the text for that
/// either (it was the build's largest cost: first reads of ids made long
/// before, on other threads). Trade-off: an id is 24 bytes and cannot be
/// edited in place (none is), its allocation carries two counts beside
/// the text, and it hashes unlike its text (look ids up by id, not by
/// `&str`).
#[derive(Clone)]
pub struct NodeId {
    text: Arc<str>,
    /// [`NodeId::hash_text`] of `text`.
    hash: u64,
}

impl NodeId {
    /// Makes an id from text.
    pub fn new(id: impl AsRef<str>) -> Self {
        let text = id.as_ref();
        NodeId {
            hash: NodeId::hash_text(text),
            text: Arc::from(text),
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The hash an id of this text carries (what [`Hash`] feeds a hasher),
    /// for callers that keep ids by it:
    ///
    /// ```
    /// use infrawise_core::NodeId;
    ///
    /// let id = NodeId::new("tf:.:aws_sqs_queue.orders");
    /// assert_eq!(id.text_hash(), NodeId::hash_text("tf:.:aws_sqs_queue.orders"));
    /// ```
    pub fn hash_text(text: &str) -> u64 {
        use std::hash::BuildHasher;
        rustc_hash::FxBuildHasher.hash_one(text)
    }

    /// This id's [`NodeId::hash_text`], stored with it.
    pub fn text_hash(&self) -> u64 {
        self.hash
    }
}

impl PartialEq for NodeId {
    fn eq(&self, other: &Self) -> bool {
        // Shared ids are equal unread; different hashes, unequal unread.
        Arc::ptr_eq(&self.text, &other.text) || (self.hash == other.hash && self.text == other.text)
    }
}

impl Eq for NodeId {}

impl PartialOrd for NodeId {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// By text.
impl Ord for NodeId {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        if Arc::ptr_eq(&self.text, &other.text) {
            return std::cmp::Ordering::Equal;
        }
        self.text.cmp(&other.text)
    }
}

impl std::hash::Hash for NodeId {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

impl fmt::Debug for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("NodeId").field(&&*self.text).finish()
    }
}

impl From<&str> for NodeId {
    fn from(id: &str) -> Self {
        NodeId::new(id)
    }
}

impl From<&String> for NodeId {
    fn from(id: &String) -> Self {
        NodeId::new(id)
    }
}

impl From<String> for NodeId {
    fn from(id: String) -> Self {
        NodeId::new(id)
    }
}

impl Serialize for NodeId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for NodeId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(NodeId::new)
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

string_enum! {
    /// What sort of name an alias is; this decides how far it reaches.
    pub enum AliasKind {
        /// An Amazon Resource Name: global, needs no scope.
        Arn => "arn",
        /// A URL (an SQS queue URL, an API endpoint): global.
        Url => "url",
        /// A Terraform address (`module.a.aws_sqs_queue.q`), scoped by root module.
        Address => "address",
        /// A physical name (queue name, table name), scoped by node kind.
        Name => "name",
        /// A provider-assigned id (`sg-0abc`, `i-0123`), scoped by node kind.
        Id => "id",
        /// A CloudFormation logical id, scoped by stack.
        LogicalId => "logical_id",
        /// A CDK construct path (`MyStack/Orders/Queue`), global within an app.
        ConstructPath => "construct_path",
        /// A function handler key, `<code path without extension>.<function>`
        /// relative to the scan root (`app/orders.handler`). Code symbols
        /// carry it; a function's `implemented_by` edge names it. It never
        /// merges nodes: two symbols with one key are an ambiguity, reported.
        Handler => "handler",
        /// "The resource of kind `scope` whose name, URL or ARN is the value
        /// of environment variable `value`": the target code names when it
        /// reads a resource name from the environment. The graph resolves it
        /// through the declarations that set that variable; it never becomes
        /// a node of its own.
        EnvValue => "env_value",
    }
}

/// Another name for a node. Two nodes whose aliases are equal (same kind,
/// same scope, same value) are one real thing and merge.
///
/// Aliases print and parse as `kind[scope]:value` (or `kind:value` without
/// a scope); an ARN prints as itself.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Alias {
    /// What sort of name this is.
    pub kind: AliasKind,
    /// Where the name is unique: a node kind for names, a stack for logical
    /// ids; `None` for global names. Interned: a graph has millions of
    /// aliases but few distinct scopes.
    pub scope: Option<Text>,
    /// The name itself.
    pub value: String,
}

impl Alias {
    /// An alias of `kind` with an optional scope. A `]` in the scope
    /// would make the printed form ambiguous, so it is replaced by `)`.
    pub fn new(kind: AliasKind, scope: Option<&str>, value: impl Into<String>) -> Self {
        Alias {
            kind,
            scope: scope.map(|s| {
                if s.contains(']') {
                    Text::from(s.replace(']', ")"))
                } else {
                    Text::new(s)
                }
            }),
            value: value.into(),
        }
    }

    /// An ARN: global.
    pub fn arn(value: impl Into<String>) -> Self {
        Alias::new(AliasKind::Arn, None, value)
    }

    /// A URL: global.
    pub fn url(value: impl Into<String>) -> Self {
        Alias::new(AliasKind::Url, None, value)
    }

    /// A physical name, unique only among nodes of the same kind.
    pub fn name(kind: NodeKind, value: impl Into<String>) -> Self {
        Alias::new(AliasKind::Name, Some(kind.as_str()), value)
    }

    /// A provider-assigned id, unique only among nodes of the same kind.
    pub fn id(kind: NodeKind, value: impl Into<String>) -> Self {
        Alias::new(AliasKind::Id, Some(kind.as_str()), value)
    }

    /// A Terraform address within the root module named by `scope`.
    pub fn address(scope: Option<&str>, value: impl Into<String>) -> Self {
        Alias::new(AliasKind::Address, scope, value)
    }

    /// A CloudFormation logical id within `stack`.
    pub fn logical_id(stack: &str, value: impl Into<String>) -> Self {
        Alias::new(AliasKind::LogicalId, Some(stack), value)
    }

    /// A CDK construct path.
    pub fn construct_path(value: impl Into<String>) -> Self {
        Alias::new(AliasKind::ConstructPath, None, value)
    }

    /// The node kind a scoped name or id implies, if any.
    pub fn implied_node_kind(&self) -> Option<NodeKind> {
        match self.kind {
            AliasKind::Name | AliasKind::Id => self.scope.as_deref()?.parse().ok(),
            _ => None,
        }
    }
}

impl fmt::Display for Alias {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.kind, &self.scope) {
            (AliasKind::Arn, None) if self.value.starts_with("arn:") => f.write_str(&self.value),
            (kind, Some(scope)) => write!(f, "{kind}[{scope}]:{}", self.value),
            (kind, None) => write!(f, "{kind}:{}", self.value),
        }
    }
}

impl FromStr for Alias {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.starts_with("arn:") {
            return Ok(Alias::arn(s));
        }
        let invalid = || Error::InvalidAlias(s.to_owned());
        let head_end = s.find([':', '[']).ok_or_else(invalid)?;
        let kind: AliasKind = s[..head_end].parse().map_err(|_| invalid())?;
        let rest = &s[head_end..];
        if let Some(scoped) = rest.strip_prefix('[') {
            let close = scoped.find("]:").ok_or_else(invalid)?;
            Ok(Alias::new(
                kind,
                Some(&scoped[..close]),
                &scoped[close + 2..],
            ))
        } else {
            Ok(Alias::new(kind, None, &rest[1..]))
        }
    }
}

impl Serialize for Alias {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Alias {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// The aliases of one node: a sorted vector without duplicates.
///
/// Decision: a sorted `Vec`, not a `BTreeSet`. Rationale: a node has one to
/// a handful of aliases, and a B-tree leaf reserves room for eleven (about
/// 600 bytes per node whatever it holds); a vector holds exactly what is
/// there, and a binary search over a few entries is as fast as a tree.
/// Trade-off: inserting is linear in the number of aliases, which is small.
///
/// ```
/// use infrawise_core::{Alias, AliasSet, NodeKind};
///
/// let mut aliases = AliasSet::new();
/// assert!(aliases.insert(Alias::name(NodeKind::Queue, "orders")));
/// assert!(aliases.insert(Alias::arn("arn:aws:sqs:eu-west-1:123456789012:orders")));
/// assert!(!aliases.insert(Alias::name(NodeKind::Queue, "orders")));
/// assert_eq!(aliases.len(), 2);
/// assert_eq!(aliases.iter().next().map(|a| a.to_string()).as_deref(),
///            Some("arn:aws:sqs:eu-west-1:123456789012:orders"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct AliasSet(OneOrMany<Alias>);

impl AliasSet {
    /// An empty set.
    pub const fn new() -> Self {
        AliasSet(OneOrMany::new())
    }

    /// Adds `alias`; false if it was there already.
    pub fn insert(&mut self, alias: Alias) -> bool {
        self.0.insert_sorted_by(alias, Ord::cmp).is_none()
    }

    /// Removes `alias`; false if it was not there.
    pub fn remove(&mut self, alias: &Alias) -> bool {
        if !self.contains(alias) {
            return false;
        }
        self.0.edit(|aliases| aliases.retain(|a| a != alias));
        true
    }

    /// Removes every alias.
    pub fn clear(&mut self) {
        self.0 = OneOrMany::new();
    }

    /// Whether `alias` is in the set.
    pub fn contains(&self, alias: &Alias) -> bool {
        self.as_slice().binary_search(alias).is_ok()
    }

    /// The aliases in order.
    pub fn iter(&self) -> std::slice::Iter<'_, Alias> {
        self.as_slice().iter()
    }

    /// The aliases in order, as a slice.
    pub fn as_slice(&self) -> &[Alias] {
        self.0.as_slice()
    }

    /// How many aliases there are.
    pub fn len(&self) -> usize {
        self.as_slice().len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.as_slice().is_empty()
    }

    /// The aliases in both sets, in order.
    pub fn intersection<'a>(&'a self, other: &'a AliasSet) -> impl Iterator<Item = &'a Alias> {
        self.iter().filter(|alias| other.contains(alias))
    }

    /// Keeps only the aliases `keep` accepts.
    pub fn retain(&mut self, keep: impl FnMut(&Alias) -> bool) {
        self.0.edit(|aliases| aliases.retain(keep));
    }

    /// Gives back spare capacity.
    pub fn shrink_to_fit(&mut self) {
        self.0.shrink_to_fit();
    }
}

impl Extend<Alias> for AliasSet {
    fn extend<I: IntoIterator<Item = Alias>>(&mut self, iter: I) {
        let mut iter = iter.into_iter().peekable();
        if iter.peek().is_none() {
            return;
        }
        self.0.edit(|aliases| {
            aliases.extend(iter);
            aliases.sort_unstable();
            aliases.dedup();
        });
    }
}

impl FromIterator<Alias> for AliasSet {
    fn from_iter<I: IntoIterator<Item = Alias>>(iter: I) -> Self {
        let mut set = AliasSet::new();
        set.extend(iter);
        set
    }
}

impl IntoIterator for AliasSet {
    type Item = Alias;
    type IntoIter = std::vec::IntoIter<Alias>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_vec().into_iter()
    }
}

impl<'a> IntoIterator for &'a AliasSet {
    type Item = &'a Alias;
    type IntoIter = std::slice::Iter<'a, Alias>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl Serialize for AliasSet {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.as_slice())
    }
}

impl<'de> Deserialize<'de> for AliasSet {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Vec::<Alias>::deserialize(deserializer)?
            .into_iter()
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::{Alias, AliasKind, AliasSet, NodeId};
    use crate::NodeKind;

    #[test]
    fn ids_compare_hash_and_print_by_their_text_whether_shared_or_not() {
        use std::hash::BuildHasher;
        let hash = |id: &NodeId| rustc_hash::FxBuildHasher.hash_one(id);
        let a = NodeId::new("tf:.:aws_sqs_queue.a");
        let shared = a.clone();
        let separate = NodeId::new(String::from("tf:.:aws_sqs_queue.a"));
        let b = NodeId::from("tf:.:aws_sqs_queue.b");
        assert_eq!(a, shared);
        assert_eq!(a, separate);
        assert_ne!(a, b);
        assert_eq!(hash(&a), hash(&separate));
        assert_ne!(hash(&a), hash(&b));
        assert!(a < b && separate < b && b > shared);
        assert_eq!(a.cmp(&separate), std::cmp::Ordering::Equal);
        assert_eq!(format!("{a:?}"), r#"NodeId("tf:.:aws_sqs_queue.a")"#);
        assert_eq!(a.to_string(), "tf:.:aws_sqs_queue.a");
        let json = serde_json::to_string(&a).expect("serialises");
        assert_eq!(json, r#""tf:.:aws_sqs_queue.a""#);
        let back: NodeId = serde_json::from_str(&json).expect("parses");
        assert_eq!(back, a);
        assert_eq!(back.text_hash(), a.text_hash());
        // Ids of equal text made apart, in a set, are one.
        let set: std::collections::HashSet<NodeId> = [a, shared, separate, b].into();
        assert_eq!(set.len(), 2);
    }

    #[test]
    fn alias_sets_stay_sorted_and_equal_whether_one_or_several() {
        let (a, b, c) = (
            Alias::arn("arn:aws:sqs:eu-west-1:123456789012:orders"),
            Alias::name(NodeKind::Queue, "orders"),
            Alias::name(NodeKind::Queue, "payments"),
        );
        let mut set = AliasSet::new();
        assert!(set.insert(b.clone()));
        assert!(!set.insert(b.clone()));
        assert!(set.insert(c.clone()));
        assert!(set.insert(a.clone()));
        assert_eq!(set.as_slice(), [a.clone(), b.clone(), c.clone()]);
        assert!(set.remove(&a));
        assert!(!set.remove(&a));
        set.retain(|alias| *alias != c);
        let one: AliasSet = [b.clone()].into_iter().collect();
        assert_eq!(set, one);
        // Equal sets hash alike, however they were reached.
        let state = std::collections::hash_map::RandomState::new();
        assert_eq!(
            std::hash::BuildHasher::hash_one(&state, &set),
            std::hash::BuildHasher::hash_one(&state, &one)
        );
        set.extend([c.clone(), b.clone()]);
        assert_eq!(set.len(), 2);
        let text = serde_json::to_string(&set).expect("serialises");
        let back: AliasSet = serde_json::from_str(&text).expect("deserialises");
        assert_eq!(back, set);
        assert_eq!(back.into_iter().collect::<Vec<_>>(), [b, c]);
        set.retain(|_| false);
        assert!(set.is_empty());
        assert_eq!(set, AliasSet::new());
    }

    #[test]
    fn aliases_round_trip_through_text() {
        let aliases = [
            Alias::arn("arn:aws:sqs:eu-west-1:123456789012:orders"),
            Alias::url("https://sqs.eu-west-1.amazonaws.com/123456789012/orders"),
            Alias::name(NodeKind::Queue, "orders:with:colons"),
            Alias::address(None, "module.a.aws_sqs_queue.q[\"x\"]"),
            Alias::address(Some("infra/prod"), "aws_sqs_queue.q"),
            Alias::logical_id("stack]odd", "OrdersQueue"),
        ];
        for alias in aliases {
            let text = alias.to_string();
            let back: Alias = text.parse().unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(back, alias, "{text}");
        }
        assert_eq!(
            Alias::name(NodeKind::Queue, "orders").to_string(),
            "name[queue]:orders"
        );
    }

    #[test]
    fn a_queue_and_a_table_of_the_same_name_differ() {
        assert_ne!(
            Alias::name(NodeKind::Queue, "orders"),
            Alias::name(NodeKind::Table, "orders")
        );
        assert_eq!(
            Alias::name(NodeKind::Table, "orders").implied_node_kind(),
            Some(NodeKind::Table)
        );
    }

    #[test]
    fn alias_sets_stay_sorted_and_without_duplicates() {
        let queue = Alias::name(NodeKind::Queue, "orders");
        let arn = Alias::arn("arn:aws:sqs:eu-west-1:123456789012:orders");
        let url = Alias::url("https://sqs.eu-west-1.amazonaws.com/123456789012/orders");
        let mut set: AliasSet = [queue.clone(), arn.clone()].into_iter().collect();
        set.extend([url.clone(), queue.clone(), arn.clone()]);
        assert!(!set.insert(url.clone()));
        let mut expected = vec![queue.clone(), arn.clone(), url.clone()];
        expected.sort();
        assert_eq!(set.as_slice(), expected.as_slice());
        assert!(set.contains(&queue) && set.contains(&url));
        assert!(!set.contains(&Alias::name(NodeKind::Table, "orders")));
        let other: AliasSet = [url.clone()].into_iter().collect();
        assert_eq!(set.intersection(&other).collect::<Vec<_>>(), [&url]);
        let json = serde_json::to_string(&set).unwrap_or_default();
        let back: AliasSet = serde_json::from_str(&json).unwrap_or_default();
        assert_eq!(back, set);
    }

    #[test]
    fn malformed_aliases_are_errors() {
        for bad in ["", "orders", "bogus:x", "name[queue:x", "name"] {
            assert!(bad.parse::<Alias>().is_err(), "{bad:?}");
        }
        assert_eq!(
            "name[queue]:".parse::<Alias>().map(|a| a.kind).ok(),
            Some(AliasKind::Name)
        );
    }
}

//! Interned text: one copy of each distinct string in the process.
//!
//! Decision: evidence paths, extractor names and details, node scopes and
//! raw types, and alias scopes are [`Text`], an 8-byte handle to an
//! interned string, not an owned `String`. Rationale: a graph of a million
//! edges holds a million evidence records, but only a few thousand distinct
//! files, details and types; an owned string costs 24 bytes plus its heap
//! copy each time, a handle costs 8, and equal handles compare by pointer.
//! Trade-off: interned strings live until the process ends (they are shared
//! by every graph it builds). Their number is bounded by the distinct texts
//! of the inputs read, not by how often they are read, so a long-running
//! server that rescans the same repository interns nothing new;
//! [`interned_bytes`] reports what they hold.

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use ustr::Ustr;

/// An interned, immutable string: 8 bytes, `Copy`, compared and ordered
/// by its text.
///
/// ```
/// use infrawise_core::Text;
///
/// let a = Text::from("main.tf");
/// let b = Text::from(String::from("main.tf"));
/// assert_eq!(a, b);
/// assert_eq!(a, "main.tf");
/// assert!(a < Text::from("variables.tf"));
/// assert_eq!(a.len(), 7);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Text(Ustr);

impl Text {
    /// Interns `text`.
    pub fn new(text: &str) -> Self {
        Text(Ustr::from(text))
    }

    /// The text.
    pub fn as_str(&self) -> &'static str {
        self.0.as_str()
    }
}

/// The bytes the process's interned texts occupy (their arenas' capacity),
/// which a heap counter wrapping the global allocator does not see.
pub fn interned_bytes() -> usize {
    ustr::total_capacity()
}

impl Default for Text {
    fn default() -> Self {
        Text::new("")
    }
}

impl Deref for Text {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Self {
        Text::new(text)
    }
}

impl From<&String> for Text {
    fn from(text: &String) -> Self {
        Text::new(text)
    }
}

impl From<String> for Text {
    fn from(text: String) -> Self {
        Text::new(&text)
    }
}

impl From<Arc<str>> for Text {
    fn from(text: Arc<str>) -> Self {
        Text::new(&text)
    }
}

impl From<&Text> for Text {
    fn from(text: &Text) -> Self {
        *text
    }
}

impl From<Text> for String {
    fn from(text: Text) -> Self {
        text.as_str().to_owned()
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<Text> for str {
    fn eq(&self, other: &Text) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<Text> for &str {
    fn eq(&self, other: &Text) -> bool {
        *self == other.as_str()
    }
}

impl PartialEq<Text> for String {
    fn eq(&self, other: &Text) -> bool {
        self == other.as_str()
    }
}

impl Serialize for Text {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Text;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }

            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Text, E> {
                Ok(Text::new(text))
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::Text;

    #[test]
    fn equal_texts_are_one_handle_and_order_by_text() {
        let a = Text::from("b-queue");
        let b = Text::from(format!("b-{}", "queue"));
        assert_eq!(a, b);
        assert_eq!(std::mem::size_of::<Text>(), 8);
        assert_eq!(std::mem::size_of::<Option<Text>>(), 8);
        let mut texts = vec![Text::from("c"), Text::from("a"), Text::from("b")];
        texts.sort();
        assert_eq!(texts, ["a", "b", "c"]);
    }

    #[test]
    fn texts_round_trip_through_json() {
        let text = Text::from("Properties.QueueName (Ref)");
        let json = serde_json::to_string(&text).unwrap_or_default();
        assert_eq!(json, "\"Properties.QueueName (Ref)\"");
        let back: Text = serde_json::from_str(&json).unwrap_or_default();
        assert_eq!(back, text);
    }
}

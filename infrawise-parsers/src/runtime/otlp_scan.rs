//! A direct scanner for spans in the compact layout OTLP exporters write
//! (protobuf's JSON mapping without whitespace: `{"traceId":"…","spanId":"…",
//! …,"attributes":[{"key":"…","value":{"stringValue":"…"}}…],…}`).
//!
//! Going through serde's visitors costs a call chain per key of every
//! attribute object, which makes a span several times dearer than skipping
//! it. The scanner reads the same text with plain byte searches instead.
//! It only ever sees text serde_json has already checked to be one JSON
//! value, and gives up (`None`) on anything outside the layout it knows
//! (whitespace, escapes, unexpected types), in which case the caller
//! parses the text with serde: the scanner is a fast path, never the only
//! one, and what it yields is what parsing would.

use std::borrow::Cow;

use super::otlp_de::AttrSink;
use super::spans::{AttrValue, Resource, Span, SpanKind, id_key_bytes};

/// A position in JSON text.
pub(super) struct Cursor<'de> {
    text: &'de str,
    at: usize,
}

impl<'de> Cursor<'de> {
    pub(super) fn new(text: &'de str) -> Self {
        Cursor { text, at: 0 }
    }

    pub(super) fn at_end(&self) -> bool {
        self.at == self.text.len()
    }

    fn rest(&self) -> Option<&'de str> {
        self.text.get(self.at..)
    }

    fn eat(&mut self, literal: &str) -> Option<()> {
        self.rest()?
            .starts_with(literal)
            .then(|| self.at += literal.len())
    }

    fn try_eat(&mut self, literal: &str) -> bool {
        self.eat(literal).is_some()
    }

    /// A string's content up to its closing quote (the opening one eaten);
    /// `None` for a string with escapes, left to the parser.
    fn plain_string(&mut self) -> Option<&'de str> {
        let rest = self.rest()?;
        let end = memchr::memchr2(b'"', b'\\', rest.as_bytes())?;
        if rest.as_bytes().get(end) != Some(&b'"') {
            return None;
        }
        self.at += end + 1;
        rest.get(..end)
    }

    /// The text of a number or literal, up to the next `,`, `}` or `]`.
    fn scalar(&mut self) -> Option<&'de str> {
        let rest = self.rest()?;
        let end = rest.find([',', '}', ']'])?;
        self.at += end;
        rest.get(..end)
    }

    /// Skips one value of any kind. The text is valid JSON, so only
    /// strings (which may hold brackets and escaped quotes) need care.
    fn skip_value(&mut self) -> Option<()> {
        let bytes = self.text.as_bytes();
        let mut depth = 0usize;
        loop {
            match *bytes.get(self.at)? {
                b'"' => {
                    self.at += 1;
                    loop {
                        let end = memchr::memchr2(b'"', b'\\', bytes.get(self.at..)?)?;
                        self.at += end;
                        if bytes.get(self.at) == Some(&b'\\') {
                            self.at += 2;
                        } else {
                            self.at += 1;
                            break;
                        }
                    }
                }
                b'{' | b'[' => {
                    depth += 1;
                    self.at += 1;
                }
                b'}' | b']' => {
                    depth = depth.checked_sub(1)?;
                    self.at += 1;
                }
                _ if depth == 0 => {
                    self.scalar()?;
                }
                _ => self.at += 1,
            }
            if depth == 0 {
                return Some(());
            }
        }
    }

    /// A 64-bit integer written as a string or a number.
    fn integer(&mut self) -> Option<u64> {
        let digits = if self.try_eat("\"") {
            self.plain_string()?
        } else {
            self.scalar()?
        };
        digits.parse().ok()
    }

    /// One AnyValue object's content after its `{`, through its `}`.
    fn any_value(&mut self) -> Option<AttrValue<'de>> {
        let value = if self.try_eat(r#""stringValue":""#) {
            AttrValue::Str(Cow::Borrowed(self.plain_string()?))
        } else if self.try_eat(r#""intValue":"#) {
            AttrValue::Int(i64::try_from(self.integer()?).ok()?)
        } else if self.try_eat(r#""boolValue":"#) {
            AttrValue::Bool(self.scalar()?.parse().ok()?)
        } else if self.try_eat(r#""doubleValue":"#) {
            AttrValue::Double(self.scalar()?.parse().ok()?)
        } else if self.try_eat(r#""arrayValue":{"values":["#) {
            let mut values = Vec::new();
            if !self.try_eat("]") {
                loop {
                    self.eat("{")?;
                    values.push(self.any_value()?);
                    if self.try_eat("]") {
                        break;
                    }
                    self.eat(",")?;
                }
            }
            self.eat("}")?;
            AttrValue::Array(values)
        } else if self.rest()?.starts_with('}') {
            AttrValue::Other
        } else {
            return None;
        };
        self.eat("}")?;
        Some(value)
    }
}

/// Scans an attribute list `[{"key":"…","value":{…}},…]` (compact, `key`
/// before `value`, no escapes), recording the wanted attributes. `None`
/// when the text departs from that layout.
pub(super) fn scan_attributes<'de, S: AttrSink<'de>>(
    cursor: &mut Cursor<'de>,
    sink: &mut S,
) -> Option<()> {
    cursor.eat("[")?;
    if cursor.try_eat("]") {
        return Some(());
    }
    loop {
        cursor.eat(r#"{"key":""#)?;
        let key = cursor.plain_string()?;
        cursor.eat(r#","value":{"#)?;
        let value = cursor.any_value()?;
        cursor.eat("}")?;
        if S::wants(key.as_bytes()) {
            sink.set(key, value);
        }
        if cursor.try_eat("]") {
            return Some(());
        }
        cursor.eat(",")?;
    }
}

/// One `resourceSpans` entry as scanned: the resource and its spans.
pub(super) struct Batch<'de> {
    pub(super) resource: Resource<'de>,
    pub(super) spans: Vec<Span<'de>>,
}

/// The fields of an object, each handed to `field` with the cursor on its
/// value, which `field` must consume.
fn object<'de>(
    cursor: &mut Cursor<'de>,
    mut field: impl FnMut(&mut Cursor<'de>, &'de str) -> Option<()>,
) -> Option<()> {
    cursor.eat("{")?;
    if cursor.try_eat("}") {
        return Some(());
    }
    loop {
        cursor.eat("\"")?;
        let key = cursor.plain_string()?;
        cursor.eat(":")?;
        field(cursor, key)?;
        if cursor.try_eat("}") {
            return Some(());
        }
        cursor.eat(",")?;
    }
}

/// The elements of an array, each handed to `element`, which must consume it.
fn array<'de>(
    cursor: &mut Cursor<'de>,
    mut element: impl FnMut(&mut Cursor<'de>) -> Option<()>,
) -> Option<()> {
    cursor.eat("[")?;
    if cursor.try_eat("]") {
        return Some(());
    }
    loop {
        element(cursor)?;
        if cursor.try_eat("]") {
            return Some(());
        }
        cursor.eat(",")?;
    }
}

/// Scans one whole document, `{"resourceSpans":[…]}`, as one JSON line;
/// `None` when any part departs from the compact layout.
pub(super) fn scan_document(text: &str) -> Option<Vec<Batch<'_>>> {
    let mut cursor = Cursor::new(text);
    let mut batches = Vec::new();
    object(&mut cursor, |cursor, key| match key {
        "resourceSpans" => array(cursor, |cursor| {
            batches.push(scan_resource_spans(cursor)?);
            Some(())
        }),
        _ => cursor.skip_value(),
    })?;
    cursor.at_end().then_some(batches)
}

fn scan_resource_spans<'de>(cursor: &mut Cursor<'de>) -> Option<Batch<'de>> {
    let mut batch = Batch {
        resource: Resource::default(),
        spans: Vec::new(),
    };
    object(cursor, |cursor, key| match key {
        "resource" => object(cursor, |cursor, key| match key {
            "attributes" => scan_attributes(cursor, &mut batch.resource),
            _ => cursor.skip_value(),
        }),
        "scopeSpans" | "instrumentationLibrarySpans" => array(cursor, |cursor| {
            object(cursor, |cursor, key| match key {
                "spans" => array(cursor, |cursor| {
                    batch.spans.push(scan_span_at(cursor)?);
                    Some(())
                }),
                _ => cursor.skip_value(),
            })
        }),
        _ => cursor.skip_value(),
    })?;
    Some(batch)
}

/// Scans one span object; `None` when it departs from the compact layout.
pub(super) fn scan_span(text: &str) -> Option<Span<'_>> {
    let mut cursor = Cursor::new(text);
    let span = scan_span_at(&mut cursor)?;
    cursor.at_end().then_some(span)
}

fn scan_span_at<'de>(cursor: &mut Cursor<'de>) -> Option<Span<'de>> {
    let mut span = Span::default();
    object(cursor, |cursor, key| {
        match key {
            "traceId" | "spanId" | "parentSpanId" => {
                cursor.eat("\"")?;
                let id = id_key_bytes(cursor.plain_string()?.as_bytes());
                match key {
                    "traceId" => span.trace = id.unwrap_or(0),
                    "spanId" => span.span = id.unwrap_or(0),
                    _ => span.parent = id,
                }
            }
            "name" => {
                cursor.eat("\"")?;
                span.name = Cow::Borrowed(cursor.plain_string()?);
            }
            "kind" => {
                span.kind = if cursor.try_eat("\"") {
                    SpanKind::from_name(cursor.plain_string()?)
                } else {
                    SpanKind::from_number(cursor.scalar()?.parse().ok()?)
                };
            }
            "startTimeUnixNano" => span.start_ns = Some(cursor.integer()?),
            "endTimeUnixNano" => span.end_ns = Some(cursor.integer()?),
            "attributes" => scan_attributes(cursor, &mut span.attrs)?,
            "status" => object(cursor, |cursor, field| {
                if field == "code" {
                    span.error = if cursor.try_eat("\"") {
                        cursor.plain_string()?.ends_with("ERROR")
                    } else {
                        cursor.scalar()? == "2"
                    };
                    Some(())
                } else {
                    cursor.skip_value()
                }
            })?,
            _ => cursor.skip_value()?,
        }
        Some(())
    })?;
    Some(span)
}

#[cfg(test)]
mod tests {
    use super::scan_span;
    use crate::runtime::spans::SpanKind;

    #[test]
    fn compact_spans_are_scanned_and_anything_else_is_left_to_the_parser() {
        let text = r#"{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"00f067aa0ba902b7","parentSpanId":"","flags":257,"name":"GET","kind":3,"startTimeUnixNano":"1714564800000000000","endTimeUnixNano":"1714564801000000000","attributes":[{"key":"http.request.method","value":{"stringValue":"GET"}},{"key":"thread.id","value":{"intValue":"12"}},{"key":"aws.dynamodb.table_names","value":{"arrayValue":{"values":[{"stringValue":"a"},{"stringValue":"b"}]}}},{"key":"odd","value":{"kvlistValue":{"values":[]}}}],"events":[{"name":"x \"}]","attributes":[]}],"status":{"message":"bad","code":2}}"#;
        // The kvlist value is outside the layout: the parser takes over.
        assert!(scan_span(text).is_none());
        let text = text.replace(
            r#",{"key":"odd","value":{"kvlistValue":{"values":[]}}}"#,
            "",
        );
        let span = scan_span(&text).unwrap_or_default();
        assert_eq!(span.kind, SpanKind::Client);
        assert_eq!(span.parent, None);
        assert_eq!(span.start_ns, Some(1_714_564_800_000_000_000));
        assert!(span.error);
        assert_eq!(span.attrs.http_method.as_deref(), Some("GET"));
        assert_eq!(span.attrs.dynamodb_tables, ["a", "b"]);
        assert!(scan_span(r#"{ "traceId": "x" }"#).is_none(), "whitespace");
        assert!(scan_span(r#"{"name":"a\"b"}"#).is_none(), "escapes");
    }
}

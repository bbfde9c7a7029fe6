//! Streaming deserialization of OTLP JSON (`ExportTraceServiceRequest` as
//! protobuf's JSON mapping writes it): each span is handed to the
//! [`SpanReader`] as soon as it is read, so nothing holds more than one
//! `resourceSpans` entry (and then only the spans read before their
//! `resource`, which exporters write first).
//!
//! Accepted spellings, per the JSON mapping: 64-bit integers as strings or
//! numbers, enums as numbers or names (`2`, `SPAN_KIND_SERVER`), the old
//! `instrumentationLibrarySpans` beside `scopeSpans`. Unknown fields are
//! skipped without being built.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use super::classify::SpanReader;
use super::otlp_scan::{Cursor, scan_attributes, scan_span};
use super::spans::{AttrValue, Resource, Span, SpanAttrs, SpanKind, id_key_bytes};

/// A string, borrowed from the input where it has no escapes.
struct Str<'de>(Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Str<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StrVisitor;
        impl<'de> Visitor<'de> for StrVisitor {
            type Value = Str<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Str(Cow::Owned(v)))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Str(Cow::Borrowed("")))
            }
        }
        deserializer.deserialize_str(StrVisitor)
    }
}

/// A string's raw bytes, borrowed where it has no escapes. Keys and ids
/// are read this way: serde_json then skips UTF-8 validation, which is most
/// of what reading a string costs beyond skipping it.
struct Bytes<'de>(Cow<'de, [u8]>);

impl<'de> de::Deserialize<'de> for Bytes<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct BytesVisitor;
        impl<'de> Visitor<'de> for BytesVisitor {
            type Value = Bytes<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_bytes<E: de::Error>(self, v: &'de [u8]) -> Result<Self::Value, E> {
                Ok(Bytes(Cow::Borrowed(v)))
            }
            fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Self::Value, E> {
                Ok(Bytes(Cow::Owned(v.to_vec())))
            }
            fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Self::Value, E> {
                Ok(Bytes(Cow::Owned(v)))
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Bytes(Cow::Borrowed(v.as_bytes())))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Bytes(Cow::Owned(v.as_bytes().to_vec())))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Bytes(Cow::Borrowed(b"")))
            }
        }
        deserializer.deserialize_bytes(BytesVisitor)
    }
}

/// An integer written as a number or a string (protobuf JSON's 64-bit form).
struct Loose(Option<i128>);

impl<'de> de::Deserialize<'de> for Loose {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct LooseVisitor;
        impl Visitor<'_> for LooseVisitor {
            type Value = Loose;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an integer or a string holding one")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Loose(Some(i128::from(v))))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Loose(Some(i128::from(v))))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(Loose(v.is_finite().then_some(v as i128)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                // Nanosecond times are the common case: try u64 first.
                Ok(Loose(
                    v.parse::<u64>()
                        .map(i128::from)
                        .ok()
                        .or_else(|| v.trim().parse().ok()),
                ))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Loose(None))
            }
        }
        deserializer.deserialize_any(LooseVisitor)
    }
}

/// An enum written as a number or a name: the number, or the name's text.
enum Enum<'de> {
    Number(i64),
    Name(Cow<'de, str>),
}

impl<'de> de::Deserialize<'de> for Enum<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EnumVisitor;
        impl<'de> Visitor<'de> for EnumVisitor {
            type Value = Enum<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an enum number or name")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Enum::Number(i64::try_from(v).unwrap_or(-1)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Enum::Number(v))
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Enum::Name(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Enum::Name(Cow::Owned(v.to_owned())))
            }
        }
        deserializer.deserialize_any(EnumVisitor)
    }
}

/// An `AnyValue`: `{"stringValue": …}`, `{"intValue": …}`, `{"arrayValue": {"values": […]}}`…
struct Any<'de>(AttrValue<'de>);

impl<'de> de::Deserialize<'de> for Any<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct AnyVisitor;
        impl<'de> Visitor<'de> for AnyVisitor {
            type Value = Any<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an OTLP AnyValue")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut value = AttrValue::Other;
                while let Some(key) = map.next_key::<Bytes<'de>>()? {
                    value = match key.0.as_ref() {
                        b"stringValue" => AttrValue::Str(map.next_value::<Str<'de>>()?.0),
                        b"intValue" => match map.next_value::<Loose>()?.0 {
                            Some(n) => AttrValue::Int(i64::try_from(n).unwrap_or(i64::MAX)),
                            None => AttrValue::Other,
                        },
                        b"boolValue" => AttrValue::Bool(map.next_value::<bool>()?),
                        b"doubleValue" => match map.next_value::<serde_json::Value>()? {
                            serde_json::Value::Number(n) => {
                                n.as_f64().map_or(AttrValue::Other, AttrValue::Double)
                            }
                            _ => AttrValue::Other,
                        },
                        b"arrayValue" => AttrValue::Array(map.next_value::<Array<'de>>()?.0),
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                            AttrValue::Other
                        }
                    };
                }
                Ok(Any(value))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Any(AttrValue::Other))
            }
        }
        deserializer.deserialize_map(AnyVisitor)
    }
}

/// An `ArrayValue`: `{"values": [AnyValue…]}`.
struct Array<'de>(Vec<AttrValue<'de>>);

impl<'de> de::Deserialize<'de> for Array<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ArrayVisitor;
        impl<'de> Visitor<'de> for ArrayVisitor {
            type Value = Array<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an OTLP ArrayValue")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut values = Vec::new();
                while let Some(key) = map.next_key::<Bytes<'de>>()? {
                    if *key.0 == *b"values" {
                        values = map
                            .next_value::<Vec<Any<'de>>>()?
                            .into_iter()
                            .map(|any| any.0)
                            .collect();
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(Array(values))
            }
        }
        deserializer.deserialize_map(ArrayVisitor)
    }
}

/// Something attributes are recorded into.
pub(super) trait AttrSink<'de> {
    /// Whether an attribute of this name is recorded at all (the value of
    /// one that is not is skipped unbuilt).
    fn wants(key: &[u8]) -> bool;
    fn set(&mut self, key: &str, value: AttrValue<'de>);
}

impl<'de> AttrSink<'de> for Resource<'de> {
    fn wants(key: &[u8]) -> bool {
        matches!(
            key,
            b"service.name" | b"faas.name" | b"cloud.resource_id" | b"k8s.deployment.name"
        )
    }
    fn set(&mut self, key: &str, value: AttrValue<'de>) {
        Resource::set(self, key, value);
    }
}

impl<'de> AttrSink<'de> for SpanAttrs<'de> {
    fn wants(key: &[u8]) -> bool {
        // Every attribute `SpanAttrs::set` records: the well-known prefixes.
        key.starts_with(b"db.")
            || key.starts_with(b"http.")
            || key.starts_with(b"url.")
            || key.starts_with(b"rpc.")
            || key.starts_with(b"messaging.")
            || key.starts_with(b"aws.")
            || key.starts_with(b"server.")
            || key.starts_with(b"net.peer.")
            || matches!(
                key,
                b"peer.service" | b"faas.invoked_name" | b"otel.status_code" | b"error"
            )
    }
    fn set(&mut self, key: &str, value: AttrValue<'de>) {
        SpanAttrs::set(self, key, value);
    }
}

/// `[{"key": …, "value": AnyValue}…]` recorded into a sink, element by element.
struct Attributes<'s, S> {
    sink: &'s mut S,
}

impl<'de, S: AttrSink<'de>> DeserializeSeed<'de> for Attributes<'_, S> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de, S: AttrSink<'de>> Visitor<'de> for Attributes<'_, S> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of attributes")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(KeyValue(&mut *self.sink))?.is_some() {}
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
}

/// Records the attributes of a span's `attributes` array given as its JSON
/// text: scanned directly when it has the compact layout every OTLP
/// exporter writes (see [`scan_attributes`]), parsed element by element
/// otherwise. Scanning sets only what parsing would set, so a scan that
/// gives up midway and hands over to the parser changes nothing.
fn attributes_from_raw<'de, S: AttrSink<'de>>(text: &'de str, sink: &mut S) {
    let mut cursor = Cursor::new(text);
    if scan_attributes(&mut cursor, sink).is_none() || !cursor.at_end() {
        let mut de = serde_json::Deserializer::from_str(text);
        // The text is one JSON value already checked by serde_json; a shape
        // that is not a list of attributes is skipped like unknown content.
        let _ = Attributes { sink }.deserialize(&mut de);
    }
}

/// One `{"key": …, "value": …}`.
struct KeyValue<'s, S>(&'s mut S);

impl<'de, S: AttrSink<'de>> DeserializeSeed<'de> for KeyValue<'_, S> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, S: AttrSink<'de>> Visitor<'de> for KeyValue<'_, S> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an attribute")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut key: Option<Cow<'de, [u8]>> = None;
        let mut value: Option<AttrValue<'de>> = None;
        while let Some(field) = map.next_key::<Bytes<'de>>()? {
            match field.0.as_ref() {
                b"key" => key = Some(map.next_value::<Bytes<'de>>()?.0),
                // Exporters write the key first: a value nobody wants is skipped unbuilt.
                b"value" if key.as_deref().is_some_and(|key| !S::wants(key)) => {
                    map.next_value::<IgnoredAny>()?;
                }
                b"value" => value = Some(map.next_value::<Any<'de>>()?.0),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if let (Some(key), Some(value)) = (key, value)
            && let Ok(key) = std::str::from_utf8(&key)
        {
            self.0.set(key, value);
        }
        Ok(())
    }
}

/// One span, read whole (it is small) into [`Span`]; `raw` as on [`Document`].
#[derive(Clone, Copy)]
struct SpanSeed {
    raw: bool,
}

impl<'de> DeserializeSeed<'de> for SpanSeed {
    type Value = Span<'de>;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Span<'de>, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for SpanSeed {
    type Value = Span<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an OTLP span")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Span<'de>, A::Error> {
        let mut span = Span::default();
        let time = |loose: Loose| loose.0.and_then(|n| u64::try_from(n).ok());
        while let Some(key) = map.next_key::<Bytes<'de>>()? {
            match key.0.as_ref() {
                b"traceId" => {
                    span.trace = id_key_bytes(&map.next_value::<Bytes<'de>>()?.0).unwrap_or(0);
                }
                b"spanId" => {
                    span.span = id_key_bytes(&map.next_value::<Bytes<'de>>()?.0).unwrap_or(0);
                }
                b"parentSpanId" => {
                    span.parent = id_key_bytes(&map.next_value::<Bytes<'de>>()?.0);
                }
                b"name" => span.name = map.next_value::<Str<'de>>()?.0,
                b"kind" => {
                    span.kind = match map.next_value::<Enum<'de>>()? {
                        Enum::Number(n) => SpanKind::from_number(n),
                        Enum::Name(name) => SpanKind::from_name(&name),
                    };
                }
                b"startTimeUnixNano" => span.start_ns = time(map.next_value()?),
                b"endTimeUnixNano" => span.end_ns = time(map.next_value()?),
                b"attributes" if self.raw => {
                    let text = map.next_value::<&'de RawValue>()?.get();
                    attributes_from_raw(text, &mut span.attrs);
                }
                b"attributes" => map.next_value_seed(Attributes {
                    sink: &mut span.attrs,
                })?,
                b"status" => span.error = map.next_value::<Status>()?.0,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(span)
    }
}

/// A span status: whether its code is `ERROR` (2).
struct Status(bool);

impl<'de> de::Deserialize<'de> for Status {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StatusVisitor;
        impl<'de> Visitor<'de> for StatusVisitor {
            type Value = Status;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a span status")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Status, A::Error> {
                let mut error = false;
                while let Some(key) = map.next_key::<Bytes<'de>>()? {
                    if *key.0 == *b"code" {
                        error = match map.next_value::<Enum<'de>>()? {
                            Enum::Number(n) => n == 2,
                            Enum::Name(name) => name.ends_with("ERROR"),
                        };
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(Status(error))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Status, E> {
                Ok(Status(false))
            }
        }
        deserializer.deserialize_map(StatusVisitor)
    }
}

/// The top of one document: `{"resourceSpans": […]}`. `raw` says the
/// input is a slice that can lend raw values (JSON lines read line by line).
pub(crate) struct Document<'r> {
    pub(crate) reader: &'r mut SpanReader,
    pub(crate) raw: bool,
}

impl<'de> DeserializeSeed<'de> for Document<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Document<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an OTLP traces document")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Bytes<'de>>()? {
            if *key.0 == *b"resourceSpans" {
                map.next_value_seed(Each(ResourceSpans {
                    reader: &mut *self.reader,
                    raw: self.raw,
                }))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// A seed that can be used once per element of an array.
trait Reseed<'de> {
    type Seed<'s>: DeserializeSeed<'de, Value = ()>
    where
        Self: 's;
    fn seed(&mut self) -> Self::Seed<'_>;
}

/// An array, each element read with a fresh seed.
struct Each<R>(R);

impl<'de, R: Reseed<'de>> DeserializeSeed<'de> for Each<R> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de, R: Reseed<'de>> Visitor<'de> for Each<R> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array")
    }
    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(self.0.seed())?.is_some() {}
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
}

/// Elements of `resourceSpans`.
struct ResourceSpans<'r> {
    reader: &'r mut SpanReader,
    raw: bool,
}

impl Reseed<'_> for ResourceSpans<'_> {
    type Seed<'s>
        = OneResource<'s>
    where
        Self: 's;
    fn seed(&mut self) -> OneResource<'_> {
        OneResource {
            reader: &mut *self.reader,
            raw: self.raw,
        }
    }
}

/// One `{"resource": …, "scopeSpans": […]}`.
struct OneResource<'r> {
    reader: &'r mut SpanReader,
    raw: bool,
}

impl<'de> DeserializeSeed<'de> for OneResource<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for OneResource<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a resourceSpans entry")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let (reader, raw) = (self.reader, self.raw);
        let mut service: Option<u32> = None;
        let mut waiting: Vec<Span<'de>> = Vec::new();
        while let Some(key) = map.next_key::<Bytes<'de>>()? {
            match key.0.as_ref() {
                b"resource" => {
                    let mut resource = Resource::default();
                    map.next_value_seed(ResourceSeed(&mut resource))?;
                    let node = reader.service(&resource);
                    for span in waiting.drain(..) {
                        reader.span(node, &span);
                    }
                    service = Some(node);
                }
                b"scopeSpans" | b"instrumentationLibrarySpans" => {
                    map.next_value_seed(Each(Scopes {
                        reader: &mut *reader,
                        service,
                        waiting: &mut waiting,
                        raw,
                    }))?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if !waiting.is_empty() {
            let node = reader.service(&Resource::default());
            for span in waiting.drain(..) {
                reader.span(node, &span);
            }
        }
        Ok(())
    }
}

/// `{"attributes": […]}` of a resource.
struct ResourceSeed<'s, 'de>(&'s mut Resource<'de>);

impl<'de> DeserializeSeed<'de> for ResourceSeed<'_, 'de> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ResourceSeed<'_, 'de> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a resource")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Bytes<'de>>()? {
            if *key.0 == *b"attributes" {
                map.next_value_seed(Attributes { sink: &mut *self.0 })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// Elements of `scopeSpans`: each `{"scope": …, "spans": […]}`.
struct Scopes<'r, 'w, 'de> {
    reader: &'r mut SpanReader,
    service: Option<u32>,
    waiting: &'w mut Vec<Span<'de>>,
    raw: bool,
}

impl<'de> Reseed<'de> for Scopes<'_, '_, 'de> {
    type Seed<'s>
        = OneScope<'s, 'de>
    where
        Self: 's;
    fn seed(&mut self) -> OneScope<'_, 'de> {
        OneScope {
            reader: &mut *self.reader,
            service: self.service,
            waiting: &mut *self.waiting,
            raw: self.raw,
        }
    }
}

struct OneScope<'s, 'de> {
    reader: &'s mut SpanReader,
    service: Option<u32>,
    waiting: &'s mut Vec<Span<'de>>,
    raw: bool,
}

impl<'de> DeserializeSeed<'de> for OneScope<'_, 'de> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for OneScope<'_, 'de> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a scopeSpans entry")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Bytes<'de>>()? {
            if *key.0 == *b"spans" {
                map.next_value_seed(Spans {
                    reader: &mut *self.reader,
                    service: self.service,
                    waiting: &mut *self.waiting,
                    raw: self.raw,
                })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// `spans: […]`, each handed on as soon as it is read.
struct Spans<'s, 'de> {
    reader: &'s mut SpanReader,
    service: Option<u32>,
    waiting: &'s mut Vec<Span<'de>>,
    raw: bool,
}

impl<'de> DeserializeSeed<'de> for Spans<'_, 'de> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Spans<'_, 'de> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of spans")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let seed = SpanSeed { raw: self.raw };
        if self.raw {
            // Each span as its text: scanned directly in the layout exporters
            // write, parsed when it departs from it.
            while let Some(raw) = seq.next_element::<&'de RawValue>()? {
                let text = raw.get();
                let span = if let Some(span) = scan_span(text) {
                    span
                } else {
                    let mut de = serde_json::Deserializer::from_str(text);
                    seed.deserialize(&mut de).map_err(de::Error::custom)?
                };
                match self.service {
                    Some(service) => self.reader.span(service, &span),
                    None => self.waiting.push(span),
                }
            }
            return Ok(());
        }
        while let Some(span) = seq.next_element_seed(seed)? {
            match self.service {
                Some(service) => self.reader.span(service, &span),
                None => self.waiting.push(span),
            }
        }
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
}

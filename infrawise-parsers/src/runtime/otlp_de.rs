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

use super::classify::SpanReader;
use super::spans::{AttrValue, Resource, Span, SpanAttrs, SpanKind, id_key};

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
                Ok(Loose(v.trim().parse().ok()))
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
                while let Some(key) = map.next_key::<Str<'de>>()? {
                    value = match key.0.as_ref() {
                        "stringValue" => AttrValue::Str(map.next_value::<Str<'de>>()?.0),
                        "intValue" => match map.next_value::<Loose>()?.0 {
                            Some(n) => AttrValue::Int(i64::try_from(n).unwrap_or(i64::MAX)),
                            None => AttrValue::Other,
                        },
                        "boolValue" => AttrValue::Bool(map.next_value::<bool>()?),
                        "doubleValue" => match map.next_value::<serde_json::Value>()? {
                            serde_json::Value::Number(n) => {
                                n.as_f64().map_or(AttrValue::Other, AttrValue::Double)
                            }
                            _ => AttrValue::Other,
                        },
                        "arrayValue" => AttrValue::Array(map.next_value::<Array<'de>>()?.0),
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
                while let Some(key) = map.next_key::<Str<'de>>()? {
                    if key.0 == "values" {
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
trait AttrSink<'de> {
    /// Whether an attribute of this name is recorded at all (the value of
    /// one that is not is skipped unbuilt).
    fn wants(key: &str) -> bool;
    fn set(&mut self, key: &str, value: AttrValue<'de>);
}

impl<'de> AttrSink<'de> for Resource<'de> {
    fn wants(key: &str) -> bool {
        matches!(
            key,
            "service.name" | "faas.name" | "cloud.resource_id" | "k8s.deployment.name"
        )
    }
    fn set(&mut self, key: &str, value: AttrValue<'de>) {
        Resource::set(self, key, value);
    }
}

impl<'de> AttrSink<'de> for SpanAttrs<'de> {
    fn wants(key: &str) -> bool {
        // Every attribute `SpanAttrs::set` records: the well-known prefixes.
        key.starts_with("db.")
            || key.starts_with("http.")
            || key.starts_with("url.")
            || key.starts_with("rpc.")
            || key.starts_with("messaging.")
            || key.starts_with("aws.")
            || key.starts_with("server.")
            || key.starts_with("net.peer.")
            || matches!(
                key,
                "peer.service" | "faas.invoked_name" | "otel.status_code" | "error"
            )
    }
    fn set(&mut self, key: &str, value: AttrValue<'de>) {
        SpanAttrs::set(self, key, value);
    }
}

/// `[{"key": …, "value": AnyValue}…]` recorded into a sink.
struct Attributes<'s, S>(&'s mut S);

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
        while seq.next_element_seed(KeyValue(&mut *self.0))?.is_some() {}
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
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
        let mut key: Option<Cow<'de, str>> = None;
        let mut value: Option<AttrValue<'de>> = None;
        while let Some(field) = map.next_key::<Str<'de>>()? {
            match field.0.as_ref() {
                "key" => key = Some(map.next_value::<Str<'de>>()?.0),
                // Exporters write the key first: a value nobody wants is skipped unbuilt.
                "value" if key.as_deref().is_some_and(|key| !S::wants(key)) => {
                    map.next_value::<IgnoredAny>()?;
                }
                "value" => value = Some(map.next_value::<Any<'de>>()?.0),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if let (Some(key), Some(value)) = (key, value) {
            self.0.set(&key, value);
        }
        Ok(())
    }
}

/// One span, read whole (it is small) into [`Span`].
struct SpanDe<'de>(Span<'de>);

impl<'de> de::Deserialize<'de> for SpanDe<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SpanVisitor;
        impl<'de> Visitor<'de> for SpanVisitor {
            type Value = SpanDe<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an OTLP span")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut span = Span::default();
                let time = |loose: Loose| loose.0.and_then(|n| u64::try_from(n).ok());
                while let Some(key) = map.next_key::<Str<'de>>()? {
                    match key.0.as_ref() {
                        "traceId" => {
                            span.trace = id_key(&map.next_value::<Str<'de>>()?.0).unwrap_or(0);
                        }
                        "spanId" => {
                            span.span = id_key(&map.next_value::<Str<'de>>()?.0).unwrap_or(0);
                        }
                        "parentSpanId" => span.parent = id_key(&map.next_value::<Str<'de>>()?.0),
                        "name" => span.name = map.next_value::<Str<'de>>()?.0,
                        "kind" => {
                            span.kind = match map.next_value::<Enum<'de>>()? {
                                Enum::Number(n) => SpanKind::from_number(n),
                                Enum::Name(name) => SpanKind::from_name(&name),
                            };
                        }
                        "startTimeUnixNano" => span.start_ns = time(map.next_value()?),
                        "endTimeUnixNano" => span.end_ns = time(map.next_value()?),
                        "attributes" => map.next_value_seed(Attributes(&mut span.attrs))?,
                        "status" => span.error = map.next_value::<Status>()?.0,
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(SpanDe(span))
            }
        }
        deserializer.deserialize_map(SpanVisitor)
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
                while let Some(key) = map.next_key::<Str<'de>>()? {
                    if key.0 == "code" {
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

/// The top of one document: `{"resourceSpans": […]}`.
pub(crate) struct Document<'r>(pub(crate) &'r mut SpanReader);

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
        while let Some(key) = map.next_key::<Str<'de>>()? {
            if key.0 == "resourceSpans" {
                map.next_value_seed(Each(ResourceSpans(&mut *self.0)))?;
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
struct ResourceSpans<'r>(&'r mut SpanReader);

impl Reseed<'_> for ResourceSpans<'_> {
    type Seed<'s>
        = OneResource<'s>
    where
        Self: 's;
    fn seed(&mut self) -> OneResource<'_> {
        OneResource(&mut *self.0)
    }
}

/// One `{"resource": …, "scopeSpans": […]}`.
struct OneResource<'r>(&'r mut SpanReader);

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
        let reader = self.0;
        let mut service: Option<u32> = None;
        let mut waiting: Vec<Span<'de>> = Vec::new();
        while let Some(key) = map.next_key::<Str<'de>>()? {
            match key.0.as_ref() {
                "resource" => {
                    let mut resource = Resource::default();
                    map.next_value_seed(ResourceSeed(&mut resource))?;
                    let node = reader.service(&resource);
                    for span in waiting.drain(..) {
                        reader.span(node, &span);
                    }
                    service = Some(node);
                }
                "scopeSpans" | "instrumentationLibrarySpans" => {
                    map.next_value_seed(Each(Scopes {
                        reader: &mut *reader,
                        service,
                        waiting: &mut waiting,
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
        while let Some(key) = map.next_key::<Str<'de>>()? {
            if key.0 == "attributes" {
                map.next_value_seed(Attributes(&mut *self.0))?;
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
        }
    }
}

struct OneScope<'s, 'de> {
    reader: &'s mut SpanReader,
    service: Option<u32>,
    waiting: &'s mut Vec<Span<'de>>,
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
        while let Some(key) = map.next_key::<Str<'de>>()? {
            if key.0 == "spans" {
                map.next_value_seed(Spans {
                    reader: &mut *self.reader,
                    service: self.service,
                    waiting: &mut *self.waiting,
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
        while let Some(SpanDe(span)) = seq.next_element::<SpanDe<'de>>()? {
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

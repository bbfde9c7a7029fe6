//! Jaeger JSON exports: what the query API (`/api/traces`) returns and the
//! UI downloads, `{"data": [{"traceID", "spans": […], "processes": {…}}]}`,
//! or one such trace object on its own; gzip-compressed or not.
//!
//! A span's service is its process's `serviceName` (process tags give the
//! same aliases as OTLP resource attributes: `faas.name`,
//! `cloud.resource_id`, `k8s.deployment.name`); its kind is the
//! `span.kind` tag; its parent is its first `CHILD_OF` reference (or the
//! old `parentSpanID`); times are microseconds; an `error` tag set to true
//! or `otel.status_code` = `ERROR` marks it failed. Tags are read as OTLP
//! attributes, by the same rules ([`classify`](super::classify)).
//!
//! # Limits
//!
//! A Jaeger export is read whole (the query API caps how many traces one
//! response holds); OTLP is the format for large volumes.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::Path;

use infrawise_core::{Diagnostic, Format, Fragment, Origin, Source, SourceStatus};
use serde::Deserialize;

use super::SAMPLED_CAVEAT;
use super::classify::SpanReader;
use super::input::{self, io_message, json_message};
use super::spans::{AttrValue, Resource, Span, SpanKind, id_key};

/// The extractor name on Jaeger evidence.
pub const EXTRACTOR: &str = "jaeger";

#[derive(Deserialize)]
struct Export<'a> {
    #[serde(borrow, default)]
    data: Option<Vec<Trace<'a>>>,
    #[serde(flatten, borrow)]
    single: Trace<'a>,
}

#[derive(Deserialize, Default)]
struct Trace<'a> {
    #[serde(borrow, default)]
    spans: Vec<JaegerSpan<'a>>,
    #[serde(borrow, default)]
    processes: BTreeMap<Cow<'a, str>, Process<'a>>,
}

#[derive(Deserialize, Default)]
struct Process<'a> {
    #[serde(rename = "serviceName", borrow, default)]
    service_name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    tags: Vec<Tag<'a>>,
}

#[derive(Deserialize)]
struct JaegerSpan<'a> {
    #[serde(rename = "traceID", borrow, default)]
    trace_id: Cow<'a, str>,
    #[serde(rename = "spanID", borrow, default)]
    span_id: Cow<'a, str>,
    #[serde(rename = "parentSpanID", borrow, default)]
    parent_span_id: Option<Cow<'a, str>>,
    #[serde(rename = "operationName", borrow, default)]
    operation_name: Cow<'a, str>,
    #[serde(borrow, default)]
    references: Vec<Reference<'a>>,
    #[serde(rename = "startTime", default)]
    start_time: Option<u64>,
    #[serde(default)]
    duration: Option<u64>,
    #[serde(borrow, default)]
    tags: Vec<Tag<'a>>,
    #[serde(rename = "processID", borrow, default)]
    process_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    process: Option<Process<'a>>,
}

#[derive(Deserialize)]
struct Reference<'a> {
    #[serde(rename = "refType", borrow, default)]
    ref_type: Cow<'a, str>,
    #[serde(rename = "spanID", borrow, default)]
    span_id: Cow<'a, str>,
}

#[derive(Deserialize)]
struct Tag<'a> {
    #[serde(borrow)]
    key: Cow<'a, str>,
    #[serde(default)]
    value: serde_json::Value,
}

impl Tag<'_> {
    fn value(&self) -> AttrValue<'static> {
        match &self.value {
            serde_json::Value::String(text) => AttrValue::Str(Cow::Owned(text.clone())),
            serde_json::Value::Bool(value) => AttrValue::Bool(*value),
            serde_json::Value::Number(n) => n
                .as_i64()
                .map(AttrValue::Int)
                .or_else(|| n.as_f64().map(AttrValue::Double))
                .unwrap_or(AttrValue::Other),
            _ => AttrValue::Other,
        }
    }
}

/// Reads one Jaeger export (gzip or not), shown as `display` in the output.
pub fn parse_file(path: &Path, display: &str) -> Fragment {
    let mut text = String::new();
    match input::open(path).and_then(|mut reader| reader.read_to_string(&mut text)) {
        Ok(_) => parse_text(&text, display),
        Err(error) => {
            let mut source = Source::new(display, Format::Traces, Origin::Observed);
            source.status = SourceStatus::Failed;
            Fragment {
                sources: vec![source],
                diagnostics: vec![Diagnostic::error(display, None, io_message(&error))],
                ..Fragment::new()
            }
        }
    }
}

/// Reads a Jaeger export from text, shown as `display`.
pub fn parse_text(text: &str, display: &str) -> Fragment {
    let mut spans = SpanReader::new(EXTRACTOR, display);
    let mut diagnostics = Vec::new();
    let mut status = SourceStatus::Partial;
    match serde_json::from_str::<Export<'_>>(text) {
        Ok(export) => {
            let traces = match export.data {
                Some(traces) => traces,
                None => vec![export.single],
            };
            for trace in &traces {
                read_trace(trace, &mut spans);
            }
        }
        Err(error) => {
            status = SourceStatus::Failed;
            diagnostics.push(Diagnostic::error(
                display,
                Some(error.line() as u32),
                json_message(&error),
            ));
        }
    }
    spans.flush();
    let mut source = Source::new(display, Format::Traces, Origin::Observed);
    source.status = status;
    source.caveat = Some(SAMPLED_CAVEAT.to_owned());
    source.window_start = spans.observations.window.first;
    source.window_end = spans.observations.window.last;
    source.read_at = source.window_end;
    if spans.spans == 0 && diagnostics.is_empty() {
        diagnostics.push(Diagnostic::warning(display, None, "no spans in file"));
    }
    let mut fragment = spans.observations.finish(source);
    fragment.diagnostics = diagnostics;
    fragment
}

fn resource<'a>(process: &'a Process<'a>) -> Resource<'a> {
    let mut resource = Resource::default();
    for tag in &process.tags {
        resource.set(&tag.key, tag.value());
    }
    if let Some(name) = &process.service_name {
        resource.service_name = Some(Cow::Borrowed(name.as_ref()));
    }
    resource
}

fn read_trace(trace: &Trace<'_>, reader: &mut SpanReader) {
    let mut services: BTreeMap<&str, u32> = BTreeMap::new();
    for (id, process) in &trace.processes {
        services.insert(id.as_ref(), reader.service(&resource(process)));
    }
    for span in &trace.spans {
        let known = span
            .process_id
            .as_deref()
            .and_then(|id| services.get(id).copied());
        let service = match (&span.process, known) {
            (Some(process), _) => reader.service(&resource(process)),
            (None, Some(service)) => service,
            (None, None) => reader.service(&Resource::default()),
        };
        let mut out = Span {
            trace: id_key(&span.trace_id).unwrap_or(0),
            span: id_key(&span.span_id).unwrap_or(0),
            parent: span
                .references
                .iter()
                .find(|r| r.ref_type == "CHILD_OF")
                .or(span.references.first())
                .and_then(|r| id_key(&r.span_id))
                .or_else(|| span.parent_span_id.as_deref().and_then(id_key)),
            name: Cow::Borrowed(span.operation_name.as_ref()),
            start_ns: span.start_time.map(|us| us.saturating_mul(1000)),
            end_ns: span.start_time.map(|us| {
                us.saturating_add(span.duration.unwrap_or(0))
                    .saturating_mul(1000)
            }),
            ..Span::default()
        };
        for tag in &span.tags {
            if tag.key == "span.kind" {
                if let serde_json::Value::String(kind) = &tag.value {
                    out.kind = SpanKind::from_name(kind);
                }
            } else {
                out.attrs.set(&tag.key, tag.value());
            }
        }
        reader.span(service, &out);
    }
}

//! OpenTelemetry traces as OTLP JSON: one `{"resourceSpans": […]}`
//! document (pretty-printed or not), or JSON lines of them as the
//! Collector's `file` exporter writes, gzip-compressed or not.
//!
//! Spans become observed nodes and edges by the rules in
//! [`classify`](super::classify); the attributes read are listed in
//! [`spans`](super::spans).
//!
//! # Streaming
//!
//! A file is read line by line when its first line is a whole document
//! (JSON lines), else as one stream of documents. Either way spans are
//! aggregated as they are parsed (see `otlp_de`): memory holds one line,
//! the aggregated edges, and the bounded maps that match client spans to
//! server spans ([`PENDING_LIMIT`](super::classify::PENDING_LIMIT) each),
//! never the spans of the file.
//!
//! # Limits
//!
//! A file stands alone: client and server spans are matched within one
//! file (a collector writes every service it receives into the same file);
//! across files, `peer.service` and the client's address name the peer.
//! A line that is not valid JSON costs that line (its spans up to the
//! error count, the rest do not), with a diagnostic; after
//! [`MAX_LINE_DIAGNOSTICS`] such lines, one summary says how many more.

use std::io::{BufRead, Read};
use std::path::Path;

use infrawise_core::{Diagnostic, Format, Fragment, Origin, Source, SourceStatus};
use serde::de::DeserializeSeed as _;

use super::SAMPLED_CAVEAT;
use super::classify::SpanReader;
use super::input::{self, io_message, json_message};
use super::otlp_de::Document;
use super::otlp_scan::scan_document;

/// How many bad lines of one file are reported one by one.
pub const MAX_LINE_DIAGNOSTICS: usize = 20;

/// The extractor name on OTLP evidence.
pub const EXTRACTOR: &str = "otlp";

/// Reads one OTLP file (gzip or not), shown as `display` in the output.
pub fn parse_file(path: &Path, display: &str) -> Fragment {
    match input::open(path) {
        Ok(reader) => read(reader, display),
        Err(error) => failed(display, &io_message(&error)),
    }
}

fn failed(display: &str, message: &str) -> Fragment {
    let mut source = Source::new(display, Format::Traces, Origin::Observed);
    source.status = SourceStatus::Failed;
    Fragment {
        sources: vec![source],
        diagnostics: vec![Diagnostic::error(display, None, message)],
        ..Fragment::new()
    }
}

/// Reads OTLP JSON or JSON lines from `reader`, shown as `display`.
pub fn read(reader: impl BufRead, display: &str) -> Fragment {
    let mut spans = SpanReader::new(EXTRACTOR, display);
    let mut diagnostics = Vec::new();
    stream(reader, display, &mut spans, &mut diagnostics);
    spans.flush();
    let mut source = Source::new(display, Format::Traces, Origin::Observed);
    source.status = SourceStatus::Partial;
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

/// Feeds every document of `reader` to `spans`.
fn stream(
    mut reader: impl BufRead,
    display: &str,
    spans: &mut SpanReader,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut line = Vec::new();
    let mut number: u32 = 0;
    let mut bad_lines = 0usize;
    let mut decided = false;
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) => break,
            Ok(_) => number += 1,
            Err(error) => {
                diagnostics.push(Diagnostic::error(
                    display,
                    Some(number + 1),
                    io_message(&error),
                ));
                break;
            }
        }
        let text = line.trim_ascii();
        if text.is_empty() {
            continue;
        }
        // The first line decides: a whole document means JSON lines.
        if !decided {
            decided = true;
            if !(text.starts_with(b"{") && text.ends_with(b"}")) {
                let rest = std::io::Cursor::new(std::mem::take(&mut line)).chain(reader);
                documents(rest, display, number, spans, diagnostics);
                return;
            }
        }
        // One UTF-8 check of the whole line (fast over ASCII) spares
        // serde_json a check of every string it lends.
        let Ok(text) = std::str::from_utf8(text) else {
            bad_lines += 1;
            if bad_lines <= MAX_LINE_DIAGNOSTICS {
                diagnostics.push(Diagnostic::error(
                    display,
                    Some(number),
                    "line is not utf-8",
                ));
            }
            continue;
        };
        if let Some(batches) = scan_document(text) {
            for batch in &batches {
                let service = spans.service(&batch.resource);
                for span in &batch.spans {
                    spans.span(service, span);
                }
            }
            continue;
        }
        let mut de = serde_json::Deserializer::from_str(text);
        let parsed = Document {
            reader: &mut *spans,
            raw: true,
        }
        .deserialize(&mut de)
        .and_then(|()| de.end());
        if let Err(error) = parsed {
            bad_lines += 1;
            if bad_lines <= MAX_LINE_DIAGNOSTICS {
                diagnostics.push(Diagnostic::error(
                    display,
                    Some(number),
                    json_message(&error),
                ));
            }
        }
    }
    if bad_lines > MAX_LINE_DIAGNOSTICS {
        diagnostics.push(Diagnostic::error(
            display,
            None,
            format!(
                "{} more lines are not valid json",
                bad_lines - MAX_LINE_DIAGNOSTICS
            ),
        ));
    }
}

/// Reads documents one after another from a stream (pretty-printed JSON),
/// the first starting at line `first_line`.
fn documents(
    reader: impl Read,
    display: &str,
    first_line: u32,
    spans: &mut SpanReader,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut de = serde_json::Deserializer::from_reader(reader);
    loop {
        let document = Document {
            reader: &mut *spans,
            raw: false,
        };
        if let Err(error) = document.deserialize(&mut de) {
            let line = first_line.saturating_sub(1) + error.line() as u32;
            diagnostics.push(Diagnostic::error(display, Some(line), json_message(&error)));
            return;
        }
        if de.end().is_ok() {
            return;
        }
    }
}

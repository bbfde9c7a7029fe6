//! Snapshot tests for the runtime readers (OTLP, Jaeger, CloudTrail) over
//! samples shaped like the tools' own output, plus the guarantees that
//! matter most: payloads never reach the output, client spans find their
//! server through span ids within a bounded memory, and no input makes a
//! reader panic.

use std::fmt::Write as _;
use std::path::Path;

use infrawise_core::{EdgeKind, Format, Fragment, NodeRef, SourceStatus};
use infrawise_parsers::runtime::{self, cloudtrail, jaeger, otlp};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/runtime");

/// The format the facade would give the file, by the same detection.
fn format_of(path: &Path) -> Option<Format> {
    runtime::detect_file(path).or_else(|| {
        let text = std::fs::read_to_string(path).ok()?;
        runtime::detect(&text)
    })
}

fn parse(path: &Path) -> Fragment {
    let root = path.parent().unwrap_or(Path::new("."));
    match format_of(path) {
        Some(Format::Traces) => runtime::parse_traces(&[path.to_path_buf()], root),
        Some(Format::CloudTrail) => runtime::parse_cloudtrail(&[path.to_path_buf()], root),
        other => panic!("{}: not recognised ({other:?})", path.display()),
    }
}

fn check(path: &Path) -> String {
    let fragment = parse(path);
    let mut out = format!("format {:?}\n", format_of(path));
    let _ = write!(out, "{}", fragment.render());
    out
}

#[test]
fn fixtures() {
    insta::glob!(
        "../../tests/fixtures/runtime",
        "{otlp,jaeger,cloudtrail}/*.{json,jsonl,gz}",
        |path| {
            insta::assert_snapshot!(check(path));
        }
    );
}

#[test]
fn payloads_and_raw_urls_never_reach_the_output() {
    let leaks = [
        "cust-4711-payload",
        "HIDDEN",
        "hunter2-leak",
        "10.1.2.3",
        "Boto3",
        "T000/B000",
        "customer=123",
        "INSERT INTO",
        "customer_id = c.id",
        "payment_intents",
        "728,326",
        "GitHubActions",
        "9f8e7d6c5b4a",
    ];
    for file in [
        "cloudtrail/123456789012_CloudTrail_eu-west-1_20240501T1205Z_Xb3dPq9rT2aLmN0c.json.gz",
        "cloudtrail/lookup-events-page-1.json",
        "otlp/collector.jsonl",
        "otlp/legacy-export.json",
        "jaeger/hotrod-trace.json",
    ] {
        let fragment = parse(&Path::new(FIXTURES).join(file));
        assert!(!fragment.edges.is_empty(), "{file}: nothing was read");
        let rendered = fragment.render();
        let json = serde_json::to_string(&fragment).unwrap_or_default();
        for leak in leaks {
            assert!(
                !rendered.contains(leak),
                "{file}: {leak} in rendered output"
            );
            assert!(!json.contains(leak), "{file}: {leak} in json output");
        }
    }
}

fn line(resource: &str, spans: &[String]) -> String {
    format!(
        r#"{{"resourceSpans":[{{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"{resource}"}}}}]}},"scopeSpans":[{{"spans":[{}]}}]}}]}}"#,
        spans.join(",")
    )
}

fn span(trace: usize, id: usize, parent: usize, kind: u8, attrs: &str) -> String {
    format!(
        r#"{{"traceId":"{trace:032x}","spanId":"{id:016x}","parentSpanId":"{parent:016x}","name":"GET","kind":{kind},"startTimeUnixNano":"1714564800000000000","endTimeUnixNano":"1714564801000000000","attributes":[{attrs}],"status":{{}}}}"#
    )
}

const CLIENT_ATTRS: &str = r#"{"key":"http.request.method","value":{"stringValue":"GET"}},{"key":"server.address","value":{"stringValue":"orders"}}"#;
const SERVER_ATTRS: &str = r#"{"key":"http.request.method","value":{"stringValue":"GET"}},{"key":"http.route","value":{"stringValue":"/orders/{id}"}}"#;

/// Counts of the `calls` edges from `checkout`, by target id.
fn calls(fragment: &Fragment) -> Vec<(String, u64)> {
    fragment
        .edges
        .iter()
        .filter(|edge| edge.kind == EdgeKind::Calls)
        .map(|edge| {
            let NodeRef::Id(to) = &edge.to else {
                panic!("runtime edges name their ends by id")
            };
            let count = edge
                .evidence
                .iter()
                .filter_map(infrawise_core::Evidence::count)
                .sum();
            (to.to_string(), count)
        })
        .collect()
}

#[test]
fn client_spans_find_their_server_in_either_order() {
    let n = 500;
    let clients: Vec<String> = (1..=n).map(|t| span(t, t, 0, 3, CLIENT_ATTRS)).collect();
    let servers: Vec<String> = (1..=n)
        .map(|t| span(t, 100_000 + t, t, 2, SERVER_ATTRS))
        .collect();
    // Servers before clients for the first half, after for the second.
    let text = [
        line("orders-api", &servers[..n / 2]),
        line("checkout", &clients),
        line("orders-api", &servers[n / 2..]),
    ]
    .join("\n");
    let fragment = otlp::read(text.as_bytes(), "matched.jsonl");
    assert_eq!(
        calls(&fragment),
        [("runtime:service:orders-api".to_owned(), n as u64)]
    );
    assert!(
        fragment.edges[0].evidence[0]
            .detail
            .starts_with("GET /orders/{id}"),
        "the server's route names the operation"
    );
}

#[test]
fn waiting_client_spans_are_bounded_and_fall_back_to_their_endpoint() {
    let limit = runtime::classify::PENDING_LIMIT;
    let n = limit + 1_000;
    let clients: Vec<String> = (1..=n).map(|t| span(t, t, 0, 3, CLIENT_ATTRS)).collect();
    let servers: Vec<String> = (1..=n)
        .map(|t| span(t, 10_000_000 + t, t, 2, SERVER_ATTRS))
        .collect();
    let text = [line("checkout", &clients), line("orders-api", &servers)].join("\n");
    let fragment = otlp::read(text.as_bytes(), "bounded.jsonl");
    // The 1,000 oldest clients were dropped from the waiting map when it
    // filled, so they count against the endpoint their address names.
    assert_eq!(
        calls(&fragment),
        [
            ("runtime:endpoint:orders".to_owned(), 1_000),
            ("runtime:service:orders-api".to_owned(), limit as u64),
        ]
    );
}

#[test]
fn sources_state_their_window_and_completeness() {
    let page = parse(&Path::new(FIXTURES).join("cloudtrail/lookup-events-page-1.json"));
    let last = parse(&Path::new(FIXTURES).join("cloudtrail/lookup-events-page-2.json"));
    let traces = parse(&Path::new(FIXTURES).join("otlp/collector.jsonl"));
    assert_eq!(page.sources[0].status, SourceStatus::Partial, "NextToken");
    assert_eq!(last.sources[0].status, SourceStatus::Complete);
    assert_eq!(traces.sources[0].status, SourceStatus::Partial, "sampled");
    for fragment in [&page, &last, &traces] {
        let source = &fragment.sources[0];
        assert!(source.window_start.is_some() && source.window_end >= source.window_start);
        assert!(source.caveat.is_some());
    }
    assert_eq!(
        last.sources[0].scope.as_deref(),
        Some("aws:123456789012/eu-west-1")
    );
}

#[test]
fn no_input_makes_a_reader_panic() {
    for file in [
        "otlp/collector.jsonl",
        "otlp/legacy-export.json",
        "jaeger/hotrod-trace.json",
        "cloudtrail/lookup-events-page-1.json",
    ] {
        let text = std::fs::read_to_string(Path::new(FIXTURES).join(file)).unwrap_or_default();
        let bytes = text.as_bytes();
        for cut in (0..bytes.len()).step_by(53) {
            let part = String::from_utf8_lossy(&bytes[..cut]);
            let _ = otlp::read(part.as_bytes(), "cut");
            let _ = jaeger::parse_text(&part, "cut");
            let _ = cloudtrail::parse_text(&part, "cut");
            // Same text with a byte flipped: structure errors mid-document.
            let mut flipped = bytes.to_vec();
            if let Some(byte) = flipped.get_mut(cut) {
                *byte = b'{';
            }
            let flipped = String::from_utf8_lossy(&flipped);
            let _ = otlp::read(flipped.as_bytes(), "flipped");
            let _ = jaeger::parse_text(&flipped, "flipped");
            let _ = cloudtrail::parse_text(&flipped, "flipped");
        }
    }
}

/// JSON lines in the exporters' compact layout take a fast scanning path;
/// the same documents pretty-printed take serde's. Both must say the same.
#[test]
fn the_compact_scanner_and_the_parser_agree() {
    let mut text = std::fs::read_to_string(Path::new(FIXTURES).join("otlp/collector.jsonl"))
        .unwrap_or_default();
    let generated: Vec<String> = (1..=50)
        .map(|t| {
            line(
                if t % 2 == 0 { "checkout" } else { "orders-api" },
                &[
                    span(t, t, 0, 3, CLIENT_ATTRS),
                    span(t, 1000 + t, t, 2, SERVER_ATTRS),
                ],
            )
        })
        .collect();
    text.push_str(&generated.join("\n"));
    let documents: Vec<serde_json::Value> = text
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect();
    assert_eq!(documents.len(), 55, "every whole line is a document");
    let compact: String = documents.iter().fold(String::new(), |mut out, d| {
        let _ = writeln!(out, "{d}");
        out
    });
    let pretty: String = documents
        .iter()
        .map(|d| serde_json::to_string_pretty(d).unwrap_or_default() + "\n")
        .collect();
    let scanned = otlp::read(compact.as_bytes(), "same.jsonl");
    let parsed = otlp::read(pretty.as_bytes(), "same.jsonl");
    assert!(scanned.diagnostics.is_empty() && parsed.diagnostics.is_empty());
    assert!(scanned.edges.len() > 10);
    assert_eq!(scanned.render(), parsed.render());
}

//! Runtime evidence: traces and audit logs, read from the files that
//! pipelines export with standard tools. Nothing here calls a cloud API.
//!
//! | format | files | module |
//! |---|---|---|
//! | [`Format::Traces`] | OTLP JSON (`{"resourceSpans": …}`), one document or JSON lines as the OpenTelemetry Collector's `file` exporter writes them, gzip too | [`otlp`] |
//! | [`Format::Traces`] | Jaeger JSON exports (`{"data": [{"traceID", "spans", "processes"}]}`, the query API and the UI's download) | [`jaeger`] |
//! | [`Format::Metrics`] | `aws cloudwatch get-metric-data` and `get-metric-statistics` output joined with its query (same file or a `<name>.query.json` sidecar) | [`metrics`] |
//! | [`Format::CloudTrail`] | CloudTrail log files (`{"Records": […]}`, usually `.json.gz`) and `aws cloudtrail lookup-events` output (`{"Events": […], "NextToken"}`) | [`cloudtrail`] |
//!
//! # What they give
//!
//! Every reader aggregates what it sees into *observed* nodes and edges:
//! one edge per `(from, to, kind)`, with one evidence record per operation
//! (`GET /orders/{id}`, `SendMessage`) carrying the number of observations
//! (`count`), how many failed (`errors`), and when the first and last were
//! seen. Nodes carry evidence of the same shape for their own activity.
//! Node ids are `runtime:<kind>:<name>`, shared by every runtime reader, and
//! each node carries the aliases that make it merge with what IaC declares
//! (see [`spans`] and [`cloudtrail`] for the rules).
//!
//! # Time and completeness are facts
//!
//! Every file is one [`Source`](infrawise_core::Source) with its window (`window_start`,
//! `window_end`: the earliest and latest timestamp in the file), `read_at`
//! (the end of the window, so the output does not depend on file times),
//! and a status:
//!
//! - traces are always [`SourceStatus::Partial`](infrawise_core::SourceStatus::Partial): a trace set is sampled
//!   (head or tail sampling, dropped spans, an exporter's batch limits), so
//!   counts are of recorded spans and absence proves nothing;
//! - a CloudTrail log file is complete for its window; a `lookup-events`
//!   page with a `NextToken` is partial (more pages exist), one without is
//!   complete but, as the API returns management events only, its
//!   `caveat` says so;
//! - a file cut short (bad JSON midway) is partial whatever its format.
//!
//! The `caveat` field says in words why a source is partial or what it
//! leaves out, for findings to quote. Request and response payloads are
//! never stored: readers take resource names from them and drop the rest.

pub mod cloudtrail;
pub mod jaeger;
pub mod metrics;
pub mod otlp;
pub mod spans;

pub mod classify;

mod aggregate;
mod input;
mod otlp_de;
mod otlp_scan;

use std::path::{Path, PathBuf};

use infrawise_core::{Format, Fragment, NodeKind};
use rayon::prelude::*;

pub use aggregate::node_id;
pub use input::open;

/// The caveat every trace source carries.
pub const SAMPLED_CAVEAT: &str =
    "sampled traces: counts are of recorded spans, absence proves nothing";

/// The CloudFormation type of an AWS resource of `kind`, as the raw type of
/// observed nodes whatever runtime source names them (CloudTrail lists
/// resources by these types).
pub(crate) fn aws_type(kind: NodeKind) -> Option<&'static str> {
    Some(match kind {
        NodeKind::Queue => "AWS::SQS::Queue",
        NodeKind::Topic => "AWS::SNS::Topic",
        NodeKind::Table => "AWS::DynamoDB::Table",
        NodeKind::Bucket => "AWS::S3::Bucket",
        NodeKind::Function => "AWS::Lambda::Function",
        NodeKind::StateMachine => "AWS::StepFunctions::StateMachine",
        NodeKind::Secret => "AWS::SecretsManager::Secret",
        NodeKind::Parameter => "AWS::SSM::Parameter",
        NodeKind::Stream => "AWS::Kinesis::Stream",
        NodeKind::Role => "AWS::IAM::Role",
        NodeKind::LogGroup => "AWS::Logs::LogGroup",
        NodeKind::EventRule => "AWS::Events::Rule",
        _ => return None,
    })
}

/// The runtime format of a JSON document whose beginning is `head`, by
/// content: OTLP (`resourceSpans`), Jaeger (`data` with `spans` and
/// `processes`), a CloudTrail log file (`Records` with `eventVersion` and
/// `eventSource`) or `lookup-events` output (`Events` with `CloudTrailEvent`).
pub fn detect(head: &str) -> Option<Format> {
    let start = head.trim_start();
    if !start.starts_with('{') {
        return None;
    }
    if head.contains("\"resourceSpans\"") || head.contains("\"instrumentationLibrarySpans\"") {
        return Some(Format::Traces);
    }
    if head.contains("\"data\"")
        && head.contains("\"spans\"")
        && head.contains("\"traceID\"")
        && head.contains("\"processes\"")
    {
        return Some(Format::Traces);
    }
    if head.contains("\"Records\"")
        && head.contains("\"eventVersion\"")
        && head.contains("\"eventSource\"")
    {
        return Some(Format::CloudTrail);
    }
    if head.contains("\"Events\"") && head.contains("\"CloudTrailEvent\"") {
        return Some(Format::CloudTrail);
    }
    None
}

/// The runtime format of a file that only a runtime reader would take: a
/// gzip-compressed JSON file (`.gz`) or JSON lines (`.jsonl`, `.ndjson`),
/// sniffed by content (decompressed first). `None` for anything else,
/// including plain `.json` files, which the caller sniffs once for every
/// format and hands to [`detect`].
pub fn detect_file(path: &Path) -> Option<Format> {
    let extension = path.extension()?.to_str()?;
    if !["jsonl", "ndjson", "gz"]
        .iter()
        .any(|known| extension.eq_ignore_ascii_case(known))
    {
        return None;
    }
    detect(&input::sniff(path)?)
}

/// Reads trace files (OTLP JSON or JSON lines, Jaeger JSON; gzip or not);
/// paths in the output are relative to `root`. Each file is read in a
/// streaming fashion and stands alone (see [`otlp`] for what that bounds).
pub fn parse_traces(files: &[PathBuf], root: &Path) -> Fragment {
    parse_each(files, root, |path, display| {
        let head = input::sniff(path).unwrap_or_default();
        if head.contains("\"resourceSpans\"") || head.contains("\"instrumentationLibrarySpans\"") {
            otlp::parse_file(path, &display)
        } else {
            jaeger::parse_file(path, &display)
        }
    })
}

/// Reads CloudTrail log files and `lookup-events` output (gzip or not);
/// paths in the output are relative to `root`.
pub fn parse_cloudtrail(files: &[PathBuf], root: &Path) -> Fragment {
    parse_each(files, root, |path, display| {
        cloudtrail::parse_file(path, &display)
    })
}

fn parse_each(
    files: &[PathBuf],
    root: &Path,
    parse: impl Fn(&Path, String) -> Fragment + Sync,
) -> Fragment {
    let parts: Vec<Fragment> = files
        .par_iter()
        .map(|path| parse(path, crate::display_path(path, root)))
        .collect();
    let mut out = Fragment::new();
    for part in parts {
        out.extend(part);
    }
    out
}

#[cfg(test)]
mod tests {
    use infrawise_core::Format;

    use super::detect;

    #[test]
    fn formats_are_recognised_by_content() {
        assert_eq!(
            detect(r#"{"resourceSpans":[{"resource":{}}]}"#),
            Some(Format::Traces)
        );
        assert_eq!(
            detect(r#"{"data":[{"traceID":"a","spans":[],"processes":{}}]}"#),
            Some(Format::Traces)
        );
        assert_eq!(
            detect(r#"{"Records":[{"eventVersion":"1.08","eventSource":"sqs.amazonaws.com"}]}"#),
            Some(Format::CloudTrail)
        );
        assert_eq!(
            detect(r#"{"Events":[{"EventId":"x","CloudTrailEvent":"{}"}],"NextToken":"t"}"#),
            Some(Format::CloudTrail)
        );
        assert_eq!(
            detect(r#"{"Resources":{"Q":{"Type":"AWS::SQS::Queue"}}}"#),
            None
        );
        assert_eq!(detect("resourceSpans"), None);
    }
}

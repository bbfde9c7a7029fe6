//! The `tfstate` parser: Terraform state (observed).
//!
//! Reads state v4 (Terraform 0.12 and later), state v3 (older; read in part,
//! with a diagnostic) and the JSON that `terraform show -json` prints. Every
//! resource instance becomes a node with the same id the HCL parser gives
//! the declared resource (`tf:<dir>:<address>`, where `<dir>` is the
//! directory the state file sits in), with observed evidence, attributes,
//! aliases from its physical ids and ARNs, and observed edges from its
//! recorded dependencies.
//!
//! Sensitive values are never stored: attributes named in
//! `sensitive_attributes` or `sensitive_values`, sensitive outputs, and
//! attributes whose names say they hold secrets are left out entirely.

mod build;
mod sensitive;
mod show;
mod v3;
mod v4;

use std::path::{Path, PathBuf};

use infrawise_core::{Diagnostic, Format, Fragment, Origin, Source, SourceStatus, Timestamp};
use rayon::prelude::*;

use self::build::Builder;

/// Whether `text` looks like a Terraform state document (v3 or v4) or the
/// output of `terraform show -json`; a cheap content sniff.
pub fn detect(text: &str) -> bool {
    let head = text.trim_start();
    head.starts_with('{')
        && text.contains("\"terraform_version\"")
        && !text.contains("\"planned_values\"")
        && (text.contains("\"lineage\"")
            || text.contains("\"values\"")
            || text.contains("\"resources\"")
            || text.contains("\"modules\""))
}

/// Parses the state files found under `root`. Each file's modification
/// time is the time of its observation.
pub fn parse(files: &[PathBuf], root: &Path) -> Fragment {
    let fragments: Vec<Fragment> = files
        .par_iter()
        .map(|file| parse_file(file, root))
        .collect();
    let mut out = Fragment::new();
    for fragment in fragments {
        out.extend(fragment);
    }
    out
}

fn parse_file(file: &Path, root: &Path) -> Fragment {
    let display = crate::display_path(file, root);
    let read_at = std::fs::metadata(file)
        .and_then(|m| m.modified())
        .ok()
        .map(Timestamp::from_system_time);
    match std::fs::read(file) {
        Ok(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            parse_state(&text, &display, read_at)
        }
        Err(e) => failed(
            &display,
            read_at,
            Diagnostic::error(
                &display,
                None,
                format!("cannot read file: {}", e.to_string().to_lowercase()),
            ),
        ),
    }
}

/// The directory a state file sits in, as displayed: the root module the
/// state belongs to in the usual `terraform.tfstate` layout.
fn state_dir(display_path: &str) -> String {
    match display_path.rsplit_once('/') {
        Some((dir, _)) if !dir.is_empty() => dir.to_owned(),
        _ => ".".to_owned(),
    }
}

fn source(display_path: &str, read_at: Option<Timestamp>, status: SourceStatus) -> Source {
    let mut source = Source::new(display_path, Format::TerraformState, Origin::Observed);
    source.status = status;
    source.read_at = read_at;
    source.scope = Some(format!("terraform:{}", state_dir(display_path)));
    source
}

fn failed(display_path: &str, read_at: Option<Timestamp>, diagnostic: Diagnostic) -> Fragment {
    Fragment {
        sources: vec![source(display_path, read_at, SourceStatus::Failed)],
        diagnostics: vec![diagnostic],
        ..Fragment::new()
    }
}

/// Parses one state document. `display_path` names it in evidence and
/// diagnostics; `read_at` is when it was observed (the file's modification
/// time, usually).
///
/// ```
/// let state = r#"{"version": 4, "terraform_version": "1.6.0", "serial": 3, "lineage": "abc",
///   "resources": [{"mode": "managed", "type": "aws_sqs_queue", "name": "q",
///     "instances": [{"attributes": {"name": "orders", "arn": "arn:aws:sqs:eu-west-1:1:orders"}}]}]}"#;
/// let fragment = infrawise_parsers::tfstate::parse_state(state, "terraform.tfstate", None);
/// assert!(fragment.render().contains("node tf:.:aws_sqs_queue.q [queue aws_sqs_queue]"));
/// ```
pub fn parse_state(text: &str, display_path: &str, read_at: Option<Timestamp>) -> Fragment {
    let json: serde_json::Value = match serde_json::from_str(text) {
        Ok(json) => json,
        Err(e) => {
            return failed(
                display_path,
                read_at,
                Diagnostic::error(
                    display_path,
                    Some(e.line() as u32),
                    format!("invalid json: {}", strip_position(&e.to_string())),
                ),
            );
        }
    };
    let mut builder = Builder::new(display_path, &state_dir(display_path), read_at);
    let status = if json.get("format_version").is_some() && json.get("values").is_some() {
        show::read(&json, &mut builder);
        SourceStatus::Complete
    } else {
        match json.get("version").and_then(serde_json::Value::as_u64) {
            Some(4) => {
                v4::read(&json, &mut builder);
                SourceStatus::Complete
            }
            Some(3) => {
                builder.diagnostic(Diagnostic::warning(
                    display_path,
                    None,
                    "state format v3 is read in part: flattened attributes, no sensitivity marks",
                ));
                v3::read(&json, &mut builder);
                SourceStatus::Complete
            }
            Some(version) => {
                builder.diagnostic(Diagnostic::error(
                    display_path,
                    None,
                    format!("unsupported state version {version}"),
                ));
                SourceStatus::Failed
            }
            None if json.get("format_version").is_some() => {
                // `terraform show -json` of an empty state has no `values`.
                SourceStatus::Complete
            }
            None => {
                builder.diagnostic(Diagnostic::error(
                    display_path,
                    None,
                    "not a terraform state document",
                ));
                SourceStatus::Failed
            }
        }
    };
    let mut fragment = builder.finish();
    fragment.sources.push(source(display_path, read_at, status));
    fragment
}

/// serde_json appends "at line X column Y"; the line is already in the diagnostic.
fn strip_position(message: &str) -> String {
    message
        .split(" at line ")
        .next()
        .unwrap_or(message)
        .to_lowercase()
}

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
//! # Which root module a state file observes
//!
//! A state file observes the root module of the directory it sits in, so
//! its instances meet the HCL's nodes (`tf:<dir>:<address>`) — but only
//! when it is *that* directory's state. In one directory, the files of one
//! lineage are one deployment observed at several times
//! (`terraform.tfstate` and its `.backup`): they share the directory's ids
//! and scope. The primary lineage is that of `terraform.tfstate`, else of
//! `terraform.tfstate.backup`, else the only lineage there is. A file of any
//! other lineage (a copy of another environment's state, a fixture) is an
//! observation of its own, `<dir>@<file name>`, so unrelated deployments
//! never merge. Workspace states (`<dir>/terraform.tfstate.d/<workspace>/`)
//! are the same code deployed again: each workspace is its own scope,
//! `<dir>@<workspace>`, and never proves anything about the default one.
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
/// time is the time of its observation; which root module each observes is
/// decided from the directory layout and the files' lineages (module docs).
pub fn parse(files: &[PathBuf], root: &Path) -> Fragment {
    let read: Vec<StateFile> = files.par_iter().map(|file| read_file(file, root)).collect();
    let roots = observed_roots(&read);
    let fragments: Vec<Fragment> = read
        .into_par_iter()
        .zip(roots)
        .map(|(file, observed_root)| match file.text {
            Ok(text) => parse_state_of(&text, &file.display, file.read_at, &observed_root),
            Err(message) => failed(
                &file.display,
                file.read_at,
                &observed_root,
                Diagnostic::error(&file.display, None, message),
            ),
        })
        .collect();
    let mut out = Fragment::new();
    for fragment in fragments {
        out.extend(fragment);
    }
    out
}

/// A state file read from disk, before it is parsed.
struct StateFile {
    display: String,
    read_at: Option<Timestamp>,
    text: Result<String, String>,
    lineage: Option<String>,
}

fn read_file(file: &Path, root: &Path) -> StateFile {
    let display = crate::display_path(file, root);
    let read_at = std::fs::metadata(file)
        .and_then(|m| m.modified())
        .ok()
        .map(Timestamp::from_system_time);
    let text = std::fs::read(file)
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .map_err(|e| format!("cannot read file: {}", e.to_string().to_lowercase()));
    let lineage = text.as_deref().ok().and_then(lineage_of);
    StateFile {
        display,
        read_at,
        text,
        lineage,
    }
}

/// The `lineage` of a state document, without building its whole tree.
fn lineage_of(text: &str) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Head {
        lineage: Option<String>,
    }
    serde_json::from_str::<Head>(text).ok()?.lineage
}

/// The root module each file observes (see the module docs), in file order.
fn observed_roots(files: &[StateFile]) -> Vec<String> {
    use std::collections::{BTreeMap, BTreeSet};
    let placed: Vec<(String, &str)> = files
        .iter()
        .map(|file| {
            let (dir, name) = split_display(&file.display);
            match workspace_of(dir) {
                Some((module_dir, workspace)) => (format!("{module_dir}@{workspace}"), name),
                None => (dir.to_owned(), name),
            }
        })
        .collect();
    let mut primary: BTreeMap<&str, Option<&str>> = BTreeMap::new();
    let mut lineages: BTreeMap<&str, BTreeSet<Option<&str>>> = BTreeMap::new();
    for ((dir, _), file) in placed.iter().zip(files) {
        lineages
            .entry(dir.as_str())
            .or_default()
            .insert(file.lineage.as_deref());
    }
    for preferred in ["terraform.tfstate.backup", "terraform.tfstate"] {
        for ((dir, name), file) in placed.iter().zip(files) {
            if *name == preferred {
                primary.insert(dir.as_str(), file.lineage.as_deref());
            }
        }
    }
    placed
        .iter()
        .zip(files)
        .map(|((dir, name), file)| {
            let primary_lineage = if let Some(lineage) = primary.get(dir.as_str()) {
                *lineage
            } else {
                let all = lineages.get(dir.as_str()).cloned().unwrap_or_default();
                if all.len() != 1 {
                    // No file is the directory's state by name and the
                    // lineages disagree: every file stands alone.
                    return format!("{dir}@{name}");
                }
                all.into_iter().next().flatten()
            };
            if file.lineage.as_deref() == primary_lineage
                || (file.lineage.is_none() && *name == "terraform.tfstate")
            {
                dir.clone()
            } else {
                format!("{dir}@{name}")
            }
        })
        .collect()
}

/// `(directory, file name)` of a display path.
fn split_display(display_path: &str) -> (&str, &str) {
    match display_path.rsplit_once('/') {
        Some((dir, name)) if !dir.is_empty() => (dir, name),
        _ => (".", display_path),
    }
}

/// `(module dir, workspace)` when `dir` is a workspace state directory,
/// `<module dir>/terraform.tfstate.d/<workspace>`.
fn workspace_of(dir: &str) -> Option<(&str, &str)> {
    let (parent, workspace) = dir.rsplit_once('/')?;
    let module_dir = match parent.rsplit_once('/') {
        Some((module_dir, "terraform.tfstate.d")) => module_dir,
        None if parent == "terraform.tfstate.d" => ".",
        _ => return None,
    };
    Some((module_dir, workspace))
}

/// The directory a state file sits in, as displayed: the root module the
/// state belongs to in the usual `terraform.tfstate` layout.
fn state_dir(display_path: &str) -> String {
    split_display(display_path).0.to_owned()
}

fn source(
    display_path: &str,
    read_at: Option<Timestamp>,
    observed_root: &str,
    status: SourceStatus,
) -> Source {
    let mut source = Source::new(display_path, Format::TerraformState, Origin::Observed);
    source.status = status;
    source.read_at = read_at;
    source.scope = Some(format!("terraform:{observed_root}"));
    source
}

fn failed(
    display_path: &str,
    read_at: Option<Timestamp>,
    observed_root: &str,
    diagnostic: Diagnostic,
) -> Fragment {
    Fragment {
        sources: vec![source(
            display_path,
            read_at,
            observed_root,
            SourceStatus::Failed,
        )],
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
    parse_state_of(text, display_path, read_at, &state_dir(display_path))
}

/// [`parse_state`] for a file observing the root module `observed_root`.
fn parse_state_of(
    text: &str,
    display_path: &str,
    read_at: Option<Timestamp>,
    observed_root: &str,
) -> Fragment {
    let json: serde_json::Value = match serde_json::from_str(text) {
        Ok(json) => json,
        Err(e) => {
            return failed(
                display_path,
                read_at,
                observed_root,
                Diagnostic::error(
                    display_path,
                    Some(e.line() as u32),
                    format!("invalid json: {}", strip_position(&e.to_string())),
                ),
            );
        }
    };
    let mut builder = Builder::new(display_path, observed_root, read_at);
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
    fragment
        .sources
        .push(source(display_path, read_at, observed_root, status));
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

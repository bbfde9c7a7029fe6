//! Findings as SARIF 2.1.0, for code-scanning uploads and CI annotations.
//!
//! One run, tool `infrawise`, one rule per finding code that occurs (the
//! rule id is the stable code, `declared-not-observed`, …). A result's
//! physical location is the first declared or inferred evidence with a
//! file and line — the place a developer can change; a finding whose
//! evidence is only observed (a state file, a stack listing) has no line to
//! point at and carries the nodes as logical locations instead. Every
//! result names its nodes as logical locations and has a stable partial
//! fingerprint (code and nodes), so re-uploads track the same finding.
//!
//! GitHub code scanning's upload limits are respected: at most 25,000
//! results per run (the rest are counted in a notification), 1,000
//! logical locations per result, and relative `uri`s under `%SRCROOT%`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use infrawise_core::{Origin, Severity};
use serde_json::{Value, json};

use crate::findings::Finding;

/// GitHub code scanning's limit of results per run.
pub const MAX_RESULTS: usize = 25_000;
const MAX_LOCATIONS: usize = 1_000;

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// `declared-not-observed` → `DeclaredNotObserved`, SARIF's rule `name`.
fn rule_name(code: &str) -> String {
    code.split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

/// FNV-1a, 64 bits: a fingerprint stable across runs and platforms.
fn fingerprint(text: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// A path as a SARIF artifact URI: relative paths stay relative (to
/// `%SRCROOT%`), absolute ones become `file://` URIs, and characters URIs
/// may not hold are percent-encoded.
fn artifact_uri(path: &str) -> (String, bool) {
    let mut encoded = String::with_capacity(path.len());
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                encoded.push(byte as char);
            }
            _ => {
                let _ = write!(encoded, "%{byte:02X}");
            }
        }
    }
    if path.starts_with('/') {
        (format!("file://{encoded}"), false)
    } else {
        (encoded, true)
    }
}

fn result(finding: &Finding, rule_index: usize) -> Value {
    let mut result = json!({
        "ruleId": finding.rule_id(),
        "ruleIndex": rule_index,
        "level": level(finding.severity),
        "message": {"text": finding.message},
        "partialFingerprints": {
            "infrawiseFinding/v1": fingerprint(&format!(
                "{}|{}",
                finding.rule_id(),
                finding.nodes.iter().map(infrawise_core::NodeId::as_str).collect::<Vec<_>>().join("|")
            )),
        },
    });
    let place = finding.evidence.iter().find(|e| {
        e.origin != Origin::Observed && e.path.is_some() && e.line().is_some_and(|l| l > 0)
    });
    if let (Some(evidence), Some(map)) = (place, result.as_object_mut()) {
        let (uri, relative) = artifact_uri(evidence.path.as_deref().unwrap_or_default());
        let mut artifact = json!({"uri": uri});
        if relative {
            artifact["uriBaseId"] = json!("%SRCROOT%");
        }
        map.insert(
            "locations".to_owned(),
            json!([{
                "physicalLocation": {
                    "artifactLocation": artifact,
                    "region": {"startLine": evidence.line().unwrap_or(1)},
                },
            }]),
        );
    }
    let logical: Vec<Value> = finding
        .nodes
        .iter()
        .take(MAX_LOCATIONS)
        .map(|id| json!({"fullyQualifiedName": id.as_str(), "kind": "resource"}))
        .collect();
    if let (false, Some(map)) = (logical.is_empty(), result.as_object_mut()) {
        // A result either has physical locations, or its logical ones
        // stand for them (SARIF allows logical locations inside a
        // location object).
        match map.get_mut("locations").and_then(Value::as_array_mut) {
            Some(locations) => {
                if let Some(first) = locations.first_mut() {
                    first["logicalLocations"] = Value::Array(logical);
                }
            }
            None => {
                map.insert(
                    "locations".to_owned(),
                    json!([{ "logicalLocations": logical }]),
                );
            }
        }
    }
    result
}

/// `findings` as one SARIF 2.1.0 log. `tool_version` names the version of
/// the tool that ran.
///
/// ```
/// let log = infrawise_graph::export::findings_sarif(&[], "0.1.0");
/// assert_eq!(log["version"], "2.1.0");
/// assert_eq!(log["runs"][0]["tool"]["driver"]["name"], "infrawise");
/// ```
pub fn findings_sarif(findings: &[Finding], tool_version: &str) -> Value {
    // One rule per finding code that occurs, and one per policy rule.
    let mut rules: BTreeMap<String, (Severity, Option<&str>)> = BTreeMap::new();
    for finding in findings {
        rules
            .entry(finding.rule_id())
            .or_insert((finding.severity, finding.rule.as_deref()));
    }
    let rule_index: BTreeMap<&str, usize> = rules
        .keys()
        .enumerate()
        .map(|(index, id)| (id.as_str(), index))
        .collect();
    let rules_json: Vec<Value> = rules
        .iter()
        .map(|(id, (severity, policy))| {
            let (name, description) = match policy {
                Some(rule) => ((*rule).to_owned(), format!("policy rule {rule}")),
                None => (rule_name(id), id.replace('-', " ")),
            };
            json!({
                "id": id,
                "name": name,
                "shortDescription": {"text": description},
                "defaultConfiguration": {"level": level(*severity)},
            })
        })
        .collect();
    let results: Vec<Value> = findings
        .iter()
        .take(MAX_RESULTS)
        .map(|f| {
            result(
                f,
                rule_index.get(f.rule_id().as_str()).copied().unwrap_or(0),
            )
        })
        .collect();
    let mut invocation = json!({"executionSuccessful": true});
    if findings.len() > MAX_RESULTS {
        invocation["toolExecutionNotifications"] = json!([{
            "level": "warning",
            "message": {"text": format!(
                "{} finding(s) left out: a run holds at most {MAX_RESULTS} results",
                findings.len() - MAX_RESULTS
            )},
        }]);
    }
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "infrawise",
                "version": tool_version,
                "informationUri": "https://example.invalid/infrawise",
                "rules": rules_json,
            }},
            "invocations": [invocation],
            "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "the scanned directory"}}},
            "results": results,
        }],
    })
}

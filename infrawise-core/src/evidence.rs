//! Evidence: why the graph believes a node exists or an edge holds.

use std::cmp::Ordering;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::{Origin, Timestamp};

/// One piece of evidence for a node or an edge.
///
/// Every fact in the graph carries at least one. Merging never drops
/// evidence: the same queue seen in HCL, in state and in Python code ends up
/// as one node with three records, each with its own origin and source.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// Declared, inferred or observed.
    pub origin: Origin,
    /// The file (or snapshot record) the fact was read from.
    pub path: Option<Arc<str>>,
    /// The 1-based line in `path`, where there is one.
    pub line: Option<u32>,
    /// The extractor that produced the fact (`terraform`, `cloudformation`, …).
    pub extractor: Arc<str>,
    /// A short human-readable detail: which attribute, which call.
    pub detail: String,
    /// For inferred evidence, how sure the extractor is, from 0 to 1.
    pub confidence: Option<f64>,
    /// For observed evidence, when the fact was first seen.
    pub first_seen: Option<Timestamp>,
    /// For observed evidence, when the fact was last seen.
    pub last_seen: Option<Timestamp>,
    /// For observed evidence, how many times it was seen, where the source says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    /// For observed evidence, how many of those `count` observations
    /// failed (spans with an error status, API calls with an error code),
    /// where the source says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errors: Option<u64>,
}

impl Evidence {
    fn new(origin: Origin, extractor: &str, detail: impl Into<String>) -> Self {
        Evidence {
            origin,
            path: None,
            line: None,
            extractor: Arc::from(extractor),
            detail: detail.into(),
            confidence: None,
            first_seen: None,
            last_seen: None,
            count: None,
            errors: None,
        }
    }

    /// Declared evidence from `extractor`, e.g. `Evidence::declared("terraform", "attribute queue_url")`.
    pub fn declared(extractor: &str, detail: impl Into<String>) -> Self {
        Evidence::new(Origin::Declared, extractor, detail)
    }

    /// Inferred evidence with a confidence between 0 and 1 (clamped).
    pub fn inferred(extractor: &str, detail: impl Into<String>, confidence: f64) -> Self {
        let mut evidence = Evidence::new(Origin::Inferred, extractor, detail);
        evidence.confidence = Some(if confidence.is_nan() {
            0.0
        } else {
            confidence.clamp(0.0, 1.0)
        });
        evidence
    }

    /// Observed evidence, seen at `seen` (first and last seen alike).
    pub fn observed(extractor: &str, detail: impl Into<String>, seen: Option<Timestamp>) -> Self {
        let mut evidence = Evidence::new(Origin::Observed, extractor, detail);
        evidence.first_seen = seen;
        evidence.last_seen = seen;
        evidence
    }

    /// Sets the source path.
    pub fn at(mut self, path: impl AsRef<str>, line: Option<u32>) -> Self {
        self.path = Some(Arc::from(path.as_ref()));
        self.line = line;
        self
    }

    /// Sets the observation count.
    pub fn with_count(mut self, count: u64) -> Self {
        self.count = Some(count);
        self
    }

    /// Sets how many of the observations failed.
    pub fn with_errors(mut self, errors: u64) -> Self {
        self.errors = Some(errors);
        self
    }

    /// The confidence a filter should use: declared and observed evidence
    /// are certain, inferred evidence is as sure as its extractor says.
    pub fn effective_confidence(&self) -> f64 {
        match self.origin {
            Origin::Inferred => self.confidence.unwrap_or(0.0),
            Origin::Declared | Origin::Observed => 1.0,
        }
    }

    /// The total order used to sort evidence in output: origin, path, line,
    /// extractor, detail, then the rest.
    pub fn canonical_cmp(&self, other: &Self) -> Ordering {
        self.origin
            .cmp(&other.origin)
            .then_with(|| self.path.cmp(&other.path))
            .then_with(|| self.line.cmp(&other.line))
            .then_with(|| self.extractor.cmp(&other.extractor))
            .then_with(|| self.detail.cmp(&other.detail))
            .then_with(|| {
                let a = self.confidence.unwrap_or(-1.0);
                let b = other.confidence.unwrap_or(-1.0);
                a.total_cmp(&b)
            })
            .then_with(|| self.first_seen.cmp(&other.first_seen))
            .then_with(|| self.last_seen.cmp(&other.last_seen))
            .then_with(|| self.count.cmp(&other.count))
            .then_with(|| self.errors.cmp(&other.errors))
    }
}

/// Sorts evidence canonically, removes exact duplicates, and gives back
/// spare capacity (a graph holds millions of these short vectors).
pub fn normalize_evidence(evidence: &mut Vec<Evidence>) {
    evidence.sort_by(Evidence::canonical_cmp);
    evidence.dedup_by(|a, b| a.canonical_cmp(b) == Ordering::Equal);
    evidence.shrink_to_fit();
}

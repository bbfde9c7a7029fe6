//! Evidence: why the graph believes a node exists or an edge holds.

use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

use crate::{Origin, Text, Timestamp};

/// One piece of evidence for a node or an edge.
///
/// Every fact in the graph carries at least one. Merging never drops
/// evidence: the same queue seen in HCL, in state and in Python code ends up
/// as one node with three records, each with its own origin and source.
///
/// Decision: the line, the confidence and what only observed evidence has
/// (first/last seen, count, errors) sit behind accessors: the line packed
/// into a `u32` (0 for none), the confidence into a `u16` of ten-thousandths,
/// the observation facts in one optional box. Rationale: a graph holds one
/// record per edge and per source of each node; with those fields inline
/// as options every record took 120 bytes, packed it takes 40 (plus 32 for
/// observed records). Trade-off: reading them is a method call, setting
/// them goes through the builders, and a confidence keeps four decimals.
#[derive(Clone, Debug, PartialEq)]
pub struct Evidence {
    /// Declared, inferred or observed.
    pub origin: Origin,
    /// The file (or snapshot record) the fact was read from.
    pub path: Option<Text>,
    /// The 1-based line in `path`, 0 for none (see [`Evidence::line`]).
    line: u32,
    /// The confidence in ten-thousandths, `u16::MAX` for none (see
    /// [`Evidence::confidence`]).
    confidence: u16,
    /// The extractor that produced the fact (`terraform`, `cloudformation`, …).
    pub extractor: Text,
    /// A short human-readable detail: which attribute, which call.
    pub detail: Text,
    /// Observation facts, when there are any.
    extra: Option<Box<Extra>>,
}

/// The facts only observed evidence has, packed: `None` is a sentinel
/// (`i64::MIN`, `u64::MAX`) rather than a tag.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Extra {
    first_seen: i64,
    last_seen: i64,
    count: u64,
    errors: u64,
}

impl Extra {
    const EMPTY: Extra = Extra {
        first_seen: i64::MIN,
        last_seen: i64::MIN,
        count: u64::MAX,
        errors: u64::MAX,
    };

    fn is_empty(&self) -> bool {
        self.first_seen == i64::MIN
            && self.last_seen == i64::MIN
            && self.count == u64::MAX
            && self.errors == u64::MAX
    }
}

/// Confidences are kept in ten-thousandths.
const CONFIDENCE_SCALE: f64 = 10_000.0;
const NO_CONFIDENCE: u16 = u16::MAX;

fn time_of(seconds: i64) -> Option<Timestamp> {
    (seconds != i64::MIN).then(|| Timestamp::from_unix_seconds(seconds))
}

fn seconds_of(time: Option<Timestamp>) -> i64 {
    time.map_or(i64::MIN, |t| t.unix_seconds().max(i64::MIN + 1))
}

fn number_of(value: u64) -> Option<u64> {
    (value != u64::MAX).then_some(value)
}

/// The JSON shape of evidence (flat, as the contract has it).
#[derive(Serialize, Deserialize)]
struct Flat {
    origin: Origin,
    path: Option<Text>,
    line: Option<u32>,
    extractor: Text,
    detail: Text,
    #[serde(default)]
    confidence: Option<f64>,
    #[serde(default)]
    first_seen: Option<Timestamp>,
    #[serde(default)]
    last_seen: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    count: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    errors: Option<u64>,
}

impl Serialize for Evidence {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Flat {
            origin: self.origin,
            path: self.path,
            line: self.line(),
            extractor: self.extractor,
            detail: self.detail,
            confidence: self.confidence(),
            first_seen: self.first_seen(),
            last_seen: self.last_seen(),
            count: self.count(),
            errors: self.errors(),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Evidence {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let flat = Flat::deserialize(deserializer)?;
        let mut evidence = Evidence::new(flat.origin, flat.extractor, flat.detail);
        evidence.path = flat.path;
        evidence.set_line(flat.line);
        evidence.set_confidence(flat.confidence);
        evidence.set_seen(flat.first_seen, flat.last_seen);
        evidence.set_count(flat.count);
        evidence.set_errors(flat.errors);
        Ok(evidence)
    }
}

impl Evidence {
    fn new(origin: Origin, extractor: impl Into<Text>, detail: impl Into<Text>) -> Self {
        Evidence {
            origin,
            path: None,
            line: 0,
            confidence: NO_CONFIDENCE,
            extractor: extractor.into(),
            detail: detail.into(),
            extra: None,
        }
    }

    fn extra(&self) -> &Extra {
        self.extra.as_deref().unwrap_or(&Extra::EMPTY)
    }

    fn update(&mut self, change: impl FnOnce(&mut Extra)) {
        let mut extra = *self.extra();
        change(&mut extra);
        if extra.is_empty() {
            self.extra = None;
        } else if let Some(boxed) = &mut self.extra {
            **boxed = extra;
        } else {
            self.extra = Some(Box::new(extra));
        }
    }

    /// The 1-based line in [`path`](Self::path), where there is one.
    pub fn line(&self) -> Option<u32> {
        (self.line != 0).then_some(self.line)
    }

    /// Sets the line (`Some(0)` is taken as no line: lines are 1-based).
    pub fn set_line(&mut self, line: Option<u32>) {
        self.line = line.unwrap_or(0);
    }

    /// For inferred evidence, how sure the extractor is, from 0 to 1, to
    /// four decimals.
    pub fn confidence(&self) -> Option<f64> {
        (self.confidence != NO_CONFIDENCE).then(|| f64::from(self.confidence) / CONFIDENCE_SCALE)
    }

    /// For observed evidence, when the fact was first seen.
    pub fn first_seen(&self) -> Option<Timestamp> {
        time_of(self.extra().first_seen)
    }

    /// For observed evidence, when the fact was last seen.
    pub fn last_seen(&self) -> Option<Timestamp> {
        time_of(self.extra().last_seen)
    }

    /// For observed evidence, how many times it was seen, where the source says.
    pub fn count(&self) -> Option<u64> {
        number_of(self.extra().count)
    }

    /// For observed evidence, how many of those [`count`](Self::count)
    /// observations failed (spans with an error status, API calls with an
    /// error code), where the source says.
    pub fn errors(&self) -> Option<u64> {
        number_of(self.extra().errors)
    }

    /// Sets the confidence (clamped to 0..=1, NaN counts as 0; kept to
    /// four decimals).
    pub fn set_confidence(&mut self, confidence: Option<f64>) {
        self.confidence = confidence.map_or(NO_CONFIDENCE, |c| {
            let c = if c.is_nan() { 0.0 } else { c.clamp(0.0, 1.0) };
            // In 0..=10_000 after the clamp, so the cast is exact.
            (c * CONFIDENCE_SCALE).round() as u16
        });
    }

    /// Sets when the fact was first and last seen.
    pub fn set_seen(&mut self, first: Option<Timestamp>, last: Option<Timestamp>) {
        self.update(|extra| {
            extra.first_seen = seconds_of(first);
            extra.last_seen = seconds_of(last);
        });
    }

    /// Sets the observation count (`u64::MAX` is taken as unknown).
    pub fn set_count(&mut self, count: Option<u64>) {
        self.update(|extra| extra.count = count.unwrap_or(u64::MAX));
    }

    /// Sets how many observations failed (`u64::MAX` is taken as unknown).
    pub fn set_errors(&mut self, errors: Option<u64>) {
        self.update(|extra| extra.errors = errors.unwrap_or(u64::MAX));
    }

    /// Declared evidence from `extractor`, e.g. `Evidence::declared("terraform", "attribute queue_url")`.
    pub fn declared(extractor: impl Into<Text>, detail: impl Into<Text>) -> Self {
        Evidence::new(Origin::Declared, extractor, detail)
    }

    /// Inferred evidence with a confidence between 0 and 1 (clamped).
    pub fn inferred(extractor: impl Into<Text>, detail: impl Into<Text>, confidence: f64) -> Self {
        let mut evidence = Evidence::new(Origin::Inferred, extractor, detail);
        evidence.set_confidence(Some(confidence));
        evidence
    }

    /// Observed evidence, seen at `seen` (first and last seen alike).
    pub fn observed(
        extractor: impl Into<Text>,
        detail: impl Into<Text>,
        seen: Option<Timestamp>,
    ) -> Self {
        let mut evidence = Evidence::new(Origin::Observed, extractor, detail);
        evidence.set_seen(seen, seen);
        evidence
    }

    /// Sets the source path.
    pub fn at(mut self, path: impl AsRef<str>, line: Option<u32>) -> Self {
        self.path = Some(Text::new(path.as_ref()));
        self.set_line(line);
        self
    }

    /// Sets the observation count.
    pub fn with_count(mut self, count: u64) -> Self {
        self.set_count(Some(count));
        self
    }

    /// Sets how many of the observations failed.
    pub fn with_errors(mut self, errors: u64) -> Self {
        self.set_errors(Some(errors));
        self
    }

    /// The confidence a filter should use: declared and observed evidence
    /// are certain, inferred evidence is as sure as its extractor says.
    pub fn effective_confidence(&self) -> f64 {
        match self.origin {
            Origin::Inferred => self.confidence().unwrap_or(0.0),
            Origin::Declared | Origin::Observed => 1.0,
        }
    }

    /// The total order used to sort evidence in output: origin, path, line,
    /// extractor, detail, then the rest.
    pub fn canonical_cmp(&self, other: &Self) -> Ordering {
        self.origin
            .cmp(&other.origin)
            .then_with(|| self.path.cmp(&other.path))
            .then_with(|| self.line().cmp(&other.line()))
            .then_with(|| self.extractor.cmp(&other.extractor))
            .then_with(|| self.detail.cmp(&other.detail))
            .then_with(|| {
                let a = self.confidence().unwrap_or(-1.0);
                let b = other.confidence().unwrap_or(-1.0);
                a.total_cmp(&b)
            })
            .then_with(|| self.first_seen().cmp(&other.first_seen()))
            .then_with(|| self.last_seen().cmp(&other.last_seen()))
            .then_with(|| self.count().cmp(&other.count()))
            .then_with(|| self.errors().cmp(&other.errors()))
    }
}

/// Sorts evidence canonically, removes exact duplicates, and gives back
/// spare capacity (a graph holds millions of these short vectors).
pub fn normalize_evidence(evidence: &mut Vec<Evidence>) {
    evidence.sort_by(Evidence::canonical_cmp);
    evidence.dedup_by(|a, b| a.canonical_cmp(b) == Ordering::Equal);
    evidence.shrink_to_fit();
}

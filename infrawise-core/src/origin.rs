//! Where a fact comes from, and how sure we are of it.

use serde::{Deserialize, Serialize};

string_enum! {
    /// The provenance of a fact. The three are never blurred: a declared
    /// edge and an observed edge between the same nodes are one edge with
    /// two pieces of evidence, each keeping its origin.
    pub enum Origin {
        /// Written down as intended: Terraform HCL, CloudFormation, CDK output, DDL.
        Declared => "declared",
        /// Derived by static analysis of code.
        Inferred => "inferred",
        /// Seen in a runtime snapshot taken at a known time.
        Observed => "observed",
    }
}

impl Origin {
    /// The bit of this origin in an [`OriginSet`].
    pub const fn bit(self) -> u8 {
        match self {
            Origin::Declared => 1,
            Origin::Inferred => 2,
            Origin::Observed => 4,
        }
    }
}

/// A small set of origins, used by filters and by the graph's hot paths.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct OriginSet(u8);

impl OriginSet {
    /// The empty set.
    pub const EMPTY: OriginSet = OriginSet(0);
    /// All three origins.
    pub const ALL: OriginSet = OriginSet(7);

    /// The set holding just `origin`.
    pub const fn only(origin: Origin) -> Self {
        OriginSet(origin.bit())
    }

    /// Adds `origin` to the set.
    pub fn insert(&mut self, origin: Origin) {
        self.0 |= origin.bit();
    }

    /// Whether `origin` is in the set.
    pub const fn contains(self, origin: Origin) -> bool {
        self.0 & origin.bit() != 0
    }

    /// Whether the two sets share an origin.
    pub const fn intersects(self, other: OriginSet) -> bool {
        self.0 & other.0 != 0
    }

    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The origins in the set, in order.
    pub fn iter(self) -> impl Iterator<Item = Origin> {
        Origin::ALL
            .iter()
            .copied()
            .filter(move |o| self.contains(*o))
    }
}

impl FromIterator<Origin> for OriginSet {
    fn from_iter<I: IntoIterator<Item = Origin>>(iter: I) -> Self {
        let mut set = OriginSet::EMPTY;
        for origin in iter {
            set.insert(origin);
        }
        set
    }
}

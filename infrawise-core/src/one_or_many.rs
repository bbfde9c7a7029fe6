//! A short sorted list that holds a lone item inline.

use std::cmp::Ordering;

/// Items kept sorted, a lone one held inline rather than in a vector
/// allocated for it alone: most nodes have one alias, and nearly every
/// attribute one origin, so a vector of one was an allocation per alias
/// and per attribute of every node a parser makes.
///
/// Never `Many` of exactly one: every change goes through
/// [`OneOrMany::edit`] or [`OneOrMany::insert_sorted_by`], which put a
/// lone item back inline.
#[derive(Clone)]
pub(crate) enum OneOrMany<T> {
    One(T),
    /// None, or several.
    Many(Vec<T>),
}

impl<T> Default for OneOrMany<T> {
    fn default() -> Self {
        OneOrMany::new()
    }
}

impl<T> OneOrMany<T> {
    pub(crate) const fn new() -> Self {
        OneOrMany::Many(Vec::new())
    }

    pub(crate) fn as_slice(&self) -> &[T] {
        match self {
            OneOrMany::One(item) => std::slice::from_ref(item),
            OneOrMany::Many(items) => items,
        }
    }

    pub(crate) fn as_mut_slice(&mut self) -> &mut [T] {
        match self {
            OneOrMany::One(item) => std::slice::from_mut(item),
            OneOrMany::Many(items) => items,
        }
    }

    /// Changes the items as a vector, then holds a lone one inline again.
    pub(crate) fn edit<R>(&mut self, change: impl FnOnce(&mut Vec<T>) -> R) -> R {
        let mut items = match std::mem::take(self) {
            OneOrMany::One(item) => {
                let mut items = Vec::with_capacity(2);
                items.push(item);
                items
            }
            OneOrMany::Many(items) => items,
        };
        let result = change(&mut items);
        *self = match items.len() {
            1 => OneOrMany::One(items.swap_remove(0)),
            _ => OneOrMany::Many(items),
        };
        result
    }

    /// Puts `item` in its place in the order `cmp` gives; an item equal
    /// to it is replaced, and returned.
    pub(crate) fn insert_sorted_by(
        &mut self,
        item: T,
        cmp: impl Fn(&T, &T) -> Ordering,
    ) -> Option<T> {
        match self {
            OneOrMany::Many(items) if items.is_empty() => {
                *self = OneOrMany::One(item);
                None
            }
            OneOrMany::One(one) if cmp(one, &item).is_eq() => Some(std::mem::replace(one, item)),
            _ => self.edit(
                |items| match items.binary_search_by(|probe| cmp(probe, &item)) {
                    Ok(at) => Some(std::mem::replace(&mut items[at], item)),
                    Err(at) => {
                        items.insert(at, item);
                        None
                    }
                },
            ),
        }
    }

    /// Gives back a vector's spare capacity.
    pub(crate) fn shrink_to_fit(&mut self) {
        if let OneOrMany::Many(items) = self {
            items.shrink_to_fit();
        }
    }

    pub(crate) fn into_vec(self) -> Vec<T> {
        match self {
            OneOrMany::One(item) => vec![item],
            OneOrMany::Many(items) => items,
        }
    }
}

impl<T: PartialEq> PartialEq for OneOrMany<T> {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl<T: Eq> Eq for OneOrMany<T> {}

impl<T: std::hash::Hash> std::hash::Hash for OneOrMany<T> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_slice().hash(state);
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for OneOrMany<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.as_slice().fmt(f)
    }
}

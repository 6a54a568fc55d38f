//! One table of API objects of a kind: rows by id (dense, never reused, so an id stays
//! valid for the whole run and a deleted object keeps its row for the record) and the
//! index by name that `kubectl get KIND NAME` would use. The store's tables are all this
//! type, so adding, finding and removing an object are written once.

use std::collections::BTreeMap;
use std::ops::{Deref, DerefMut, Index, IndexMut};

/// A row of a table: the name it is found by (usually namespace and name).
pub trait Row {
    type Key: Ord;
    fn key(&self) -> Self::Key;
}

/// An id of a table's rows (the store's are in `model::ids`).
pub trait RowId: Copy {
    fn from_index(i: usize) -> Self;
    fn index(self) -> usize;
}

/// Rows by id, and the live ones by name.
#[derive(Clone, Debug)]
pub struct Table<I, T: Row> {
    rows: Vec<T>,
    by_name: BTreeMap<T::Key, I>,
}

impl<I, T: Row> Default for Table<I, T> {
    fn default() -> Self {
        Table { rows: Vec::new(), by_name: BTreeMap::new() }
    }
}

impl<I: RowId, T: Row> Table<I, T> {
    /// Adds `row` under its name (a newer object of the same name takes the name over; the
    /// loader never lets two live objects share one) and returns its id.
    pub fn add(&mut self, row: T) -> I {
        let id = I::from_index(self.rows.len());
        self.by_name.insert(row.key(), id);
        self.rows.push(row);
        id
    }

    /// The ids of all rows, the deleted ones included, in order.
    pub fn ids(&self) -> impl Iterator<Item = I> {
        (0..self.rows.len()).map(I::from_index)
    }

    /// The ids of the live rows (those with a name), in name order.
    pub fn live(&self) -> impl Iterator<Item = I> + '_ {
        self.by_name.values().copied()
    }

    /// The live rows whose keys fall in `range`, in name order (a namespace's objects, for
    /// tables keyed by (namespace, name)).
    pub fn live_in<R: std::ops::RangeBounds<T::Key>>(&self, range: R) -> impl Iterator<Item = I> + '_ {
        self.by_name.range(range).map(|(_, &id)| id)
    }

    /// The live object named `key`.
    pub fn find(&self, key: &T::Key) -> Option<I> {
        self.by_name.get(key).copied()
    }

    /// Forgets the name of the object at `row` (it is gone from the API); the row stays,
    /// for the record, and the caller marks it deleted.
    pub fn forget_name(&mut self, id: I) {
        let key = self.rows[id.index()].key();
        // Only this row's own entry goes: a newer object that took the name keeps it.
        if self.by_name.get(&key).is_some_and(|&named| named.index() == id.index()) {
            self.by_name.remove(&key);
        }
    }
}

/// The rows, as a slice: read and change rows in place; only `add` makes a new one.
impl<I, T: Row> Deref for Table<I, T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.rows
    }
}

impl<I, T: Row> DerefMut for Table<I, T> {
    fn deref_mut(&mut self) -> &mut [T] {
        &mut self.rows
    }
}

/// The row of an id: `store.pods[pod]`.
impl<I: RowId, T: Row> Index<I> for Table<I, T> {
    type Output = T;
    #[inline]
    fn index(&self, id: I) -> &T {
        &self.rows[id.index()]
    }
}

impl<I: RowId, T: Row> IndexMut<I> for Table<I, T> {
    #[inline]
    fn index_mut(&mut self, id: I) -> &mut T {
        &mut self.rows[id.index()]
    }
}

impl<'a, I, T: Row> IntoIterator for &'a Table<I, T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.rows.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ids::PodId;

    #[derive(Debug, PartialEq)]
    struct Thing {
        namespace: &'static str,
        name: &'static str,
        deleted: bool,
    }

    impl Row for Thing {
        type Key = (&'static str, &'static str);
        fn key(&self) -> Self::Key {
            (self.namespace, self.name)
        }
    }

    fn thing(namespace: &'static str, name: &'static str) -> Thing {
        Thing { namespace, name, deleted: false }
    }

    #[test]
    fn objects_are_found_by_name_until_they_are_gone_and_ids_are_never_reused() {
        let mut table: Table<PodId, Thing> = Table::default();
        let web = table.add(thing("default", "web"));
        let other = table.add(thing("prod", "web"));
        assert_eq!((web, other), (PodId(0), PodId(1)));
        assert_eq!(table.find(&("default", "web")), Some(web));
        assert_eq!(table.find(&("prod", "web")), Some(other));
        table.forget_name(web);
        table[web].deleted = true;
        assert_eq!(table.find(&("default", "web")), None);
        assert_eq!(table.len(), 2, "the deleted object keeps its row");
        let again = table.add(thing("default", "web"));
        assert_eq!(again, PodId(2), "a new object of the same name gets a new id");
        assert_eq!(table.find(&("default", "web")), Some(again));
        assert!(table[web].deleted && !table[again].deleted);
        table.forget_name(web);
        assert_eq!(table.find(&("default", "web")), Some(again), "forgetting the old row leaves the new one's name");
    }
}

//! [`Map`]: string ids to values, kept sorted by id, as a sorted `Vec`.
//!
//! Crumb's maps are small (a site's categories and services, the texts of one language) and are
//! built once and read often. `BTreeMap` did the job, but every key and value type got its own
//! copy of the B-tree's code: about 39 KB of the widget's wasm before optimizing (issue 10). A
//! sorted vector does the same lookups by binary search in a few hundred bytes per type, keeps
//! the same order (ids sorted), and reads and writes as the same JSON object.

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, Serializer};

/// String ids to values, sorted by id; one value per id.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Map<V> {
    entries: Vec<(String, V)>,
}

impl<V> Default for Map<V> {
    fn default() -> Self {
        Map { entries: Vec::new() }
    }
}

impl<V> Map<V> {
    /// An empty map.
    pub const fn new() -> Self {
        Map { entries: Vec::new() }
    }

    fn find(&self, key: &str) -> Result<usize, usize> {
        self.entries.binary_search_by(|(k, _)| k.as_str().cmp(key))
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&V> {
        self.find(key).ok().map(|i| &self.entries[i].1)
    }

    /// Whether `key` has a value.
    pub fn contains_key(&self, key: &str) -> bool {
        self.find(key).is_ok()
    }

    /// Sets `key` to `value`; returns the value it replaces.
    pub fn insert(&mut self, key: String, value: V) -> Option<V> {
        match self.find(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            Err(i) => {
                self.entries.insert(i, (key, value));
                None
            }
        }
    }

    /// Removes `key`; returns its value.
    pub fn remove(&mut self, key: &str) -> Option<V> {
        self.find(key).ok().map(|i| self.entries.remove(i).1)
    }

    /// Removes every entry.
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// Keeps the entries for which `keep` is true.
    pub fn retain(&mut self, mut keep: impl FnMut(&String, &mut V) -> bool) {
        self.entries.retain_mut(|(k, v)| keep(k, v));
    }

    /// The entries, by id.
    pub fn iter(&self) -> Iter<'_, V> {
        Iter(self.entries.iter())
    }

    /// The ids, sorted.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &String> + ExactSizeIterator {
        self.entries.iter().map(|(k, _)| k)
    }

    /// The values, by id.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> + ExactSizeIterator {
        self.entries.iter().map(|(_, v)| v)
    }

    /// How many entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// The entries of a [`Map`], by id.
#[derive(Clone)]
pub struct Iter<'a, V>(std::slice::Iter<'a, (String, V)>);

impl<'a, V> Iterator for Iter<'a, V> {
    type Item = (&'a String, &'a V);

    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(k, v)| (k, v))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl<V> DoubleEndedIterator for Iter<'_, V> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.0.next_back().map(|(k, v)| (k, v))
    }
}

impl<V> ExactSizeIterator for Iter<'_, V> {}

impl<'a, V> IntoIterator for &'a Map<V> {
    type Item = (&'a String, &'a V);
    type IntoIter = Iter<'a, V>;

    fn into_iter(self) -> Iter<'a, V> {
        self.iter()
    }
}

impl<V> IntoIterator for Map<V> {
    type Item = (String, V);
    type IntoIter = std::vec::IntoIter<(String, V)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<V> Map<V> {
    /// Entries in any order, a later value for the same id winning (as in `BTreeMap`). Sorted
    /// input (what Crumb itself writes) is taken as it is; anything else is sorted once, so a
    /// stored value or a config with many ids in reverse order costs `n log n`, not the `n²` of
    /// inserting one by one.
    pub(crate) fn from_entries(entries: Vec<(String, V)>) -> Self {
        let Some(keep) = kept_in_order(&entries.iter().map(|(key, _)| key.as_str()).collect::<Vec<_>>()) else {
            return Map { entries };
        };
        let mut slots: Vec<Option<(String, V)>> = entries.into_iter().map(Some).collect();
        Map { entries: keep.into_iter().filter_map(|i| slots.get_mut(i).and_then(Option::take)).collect() }
    }
}

/// The positions of the entries a map keeps, in id order (the last of equal ids), or `None` when
/// `keys` are sorted and distinct already. Not generic: its code is in the wasm once.
fn kept_in_order(keys: &[&str]) -> Option<Vec<usize>> {
    if keys.windows(2).all(|pair| pair[0] < pair[1]) {
        return None;
    }
    let mut keep = sorted_order(keys);
    // Equal ids come later one first: keep the first of each run.
    keep.dedup_by(|next, kept| keys.get(*next) == keys.get(*kept));
    Some(keep)
}

/// The positions of `keys` in sorted order, the later of equal keys first. Not generic, so the
/// sort's code is in the wasm once whatever the maps hold (the config's id checks use it too).
pub(crate) fn sorted_order(keys: &[&str]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_unstable_by(|&a, &b| keys.get(a).cmp(&keys.get(b)).then(b.cmp(&a)));
    order
}

/// A later value for the same id wins, as in `BTreeMap`.
impl<V> Extend<(String, V)> for Map<V> {
    fn extend<I: IntoIterator<Item = (String, V)>>(&mut self, entries: I) {
        let mut all = std::mem::take(&mut self.entries);
        all.extend(entries);
        *self = Map::from_entries(all);
    }
}

impl<V> FromIterator<(String, V)> for Map<V> {
    fn from_iter<I: IntoIterator<Item = (String, V)>>(entries: I) -> Self {
        Map::from_entries(entries.into_iter().collect())
    }
}

impl<V, const N: usize> From<[(String, V); N]> for Map<V> {
    fn from(entries: [(String, V); N]) -> Self {
        entries.into_iter().collect()
    }
}

impl<V: fmt::Debug> fmt::Debug for Map<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<V: Serialize> Serialize for Map<V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.len()))?;
        for (key, value) in self {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Map<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MapVisitor<V>(std::marker::PhantomData<V>);

        impl<'de, V: Deserialize<'de>> Visitor<'de> for MapVisitor<V> {
            type Value = Map<V>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Map<V>, A::Error> {
                let mut entries = Vec::with_capacity(access.size_hint().unwrap_or(0).min(1024));
                while let Some(entry) = access.next_entry::<String, V>()? {
                    entries.push(entry);
                }
                Ok(Map::from_entries(entries))
            }
        }

        deserializer.deserialize_map(MapVisitor(std::marker::PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_ids_sorted_and_one_value_each() {
        let mut map: Map<bool> = [("b".to_owned(), true), ("a".to_owned(), false), ("b".to_owned(), false)].into();
        assert_eq!(map.keys().collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(map.get("b"), Some(&false));
        assert_eq!(map.insert("c".into(), true), None);
        assert_eq!(map.insert("a".into(), true), Some(false));
        assert_eq!(map.remove("b"), Some(false));
        assert!(!map.contains_key("b") && map.get("zz").is_none());
        assert_eq!(map.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>(), ["a=true", "c=true"]);
        map.retain(|k, _| k != "a");
        assert_eq!(map.len(), 1);
    }

    #[test]
    fn many_ids_in_any_order_are_sorted_once_and_the_last_value_wins() {
        let reversed: Map<usize> = (0..20_000).rev().map(|i| (format!("{i:05}"), i)).collect();
        assert_eq!(reversed.len(), 20_000);
        assert!(reversed.keys().zip(reversed.keys().skip(1)).all(|(a, b)| a < b));
        assert_eq!(reversed.get("00042"), Some(&42));
        let repeated: Map<u8> = [("b".to_owned(), 1), ("a".to_owned(), 2), ("b".to_owned(), 3), ("a".to_owned(), 4)].into();
        assert_eq!(repeated.iter().map(|(k, v)| (k.as_str(), *v)).collect::<Vec<_>>(), [("a", 4), ("b", 3)]);
        let mut extended = repeated.clone();
        extended.extend([("a".to_owned(), 5), ("c".to_owned(), 6)]);
        assert_eq!(extended.iter().map(|(k, v)| (k.as_str(), *v)).collect::<Vec<_>>(), [("a", 5), ("b", 3), ("c", 6)]);
        let read: Map<u8> = serde_json::from_str(r#"{"z": 1, "a": 2, "z": 3}"#).unwrap();
        assert_eq!(read.iter().map(|(k, v)| (k.as_str(), *v)).collect::<Vec<_>>(), [("a", 2), ("z", 3)]);
    }

    #[test]
    fn the_order_is_sorted_and_stable_later_first() {
        let keys = ["b", "a", "c", "a", "b", "a"];
        assert_eq!(sorted_order(&keys), [5, 3, 1, 4, 0, 2]);
        assert_eq!(sorted_order(&[]), Vec::<usize>::new());
        assert_eq!(sorted_order(&["x"]), [0]);
    }

    #[test]
    fn reads_and_writes_as_a_json_object() {
        let map: Map<bool> = serde_json::from_str(r#"{"z": true, "a": false}"#).unwrap();
        assert_eq!(serde_json::to_string(&map).unwrap(), r#"{"a":false,"z":true}"#);
        assert_eq!(format!("{map:?}"), r#"{"a": false, "z": true}"#);
        assert!(serde_json::from_str::<Map<bool>>("[]").is_err());
    }
}

//! A map keyed by client id, for the per-command lookups on a replica's hot path (the store's
//! exactly-once sessions, a leader's uncommitted commands).
//!
//! Drivers number their clients from 0 (at most [`crate::limits::CLIENTS`] of them), so the ids a
//! replica sees are dense: those below [`ClientMap::DENSE`] index a vector, a lookup with no
//! hashing and no tree walk. Any id beyond goes to a `BTreeMap`, so an algorithm that makes up
//! large ids costs memory only for the ids it uses. Iteration, equality and serialization follow
//! client order, so a store's snapshot bytes are the same as a `BTreeMap<u32, V>`'s.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Values by client id; see the module doc.
#[derive(Clone)]
pub struct ClientMap<V> {
    dense: Vec<Option<V>>,
    sparse: BTreeMap<u32, V>,
    len: usize,
}

impl<V> Default for ClientMap<V> {
    fn default() -> Self {
        ClientMap { dense: Vec::new(), sparse: BTreeMap::new(), len: 0 }
    }
}

impl<V> ClientMap<V> {
    /// Ids below this are kept in a vector indexed by id.
    pub const DENSE: u32 = 1 << 17;

    pub fn new() -> Self {
        Self::default()
    }

    /// How many clients have a value.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn get(&self, client: u32) -> Option<&V> {
        if client < Self::DENSE {
            self.dense.get(client as usize).and_then(Option::as_ref)
        } else {
            self.sparse.get(&client)
        }
    }

    /// The value of `client`, inserted with `make` if it has none.
    pub fn get_or_insert_with(&mut self, client: u32, make: impl FnOnce() -> V) -> &mut V {
        if client < Self::DENSE {
            let slot = client as usize;
            if slot >= self.dense.len() {
                self.dense.resize_with(slot + 1, || None);
            }
            let entry = &mut self.dense[slot];
            if entry.is_none() {
                self.len += 1;
            }
            entry.get_or_insert_with(make)
        } else {
            let len = &mut self.len;
            self.sparse.entry(client).or_insert_with(|| {
                *len += 1;
                make()
            })
        }
    }

    /// Sets `client`'s value, returning the one it replaces.
    pub fn insert(&mut self, client: u32, value: V) -> Option<V> {
        let old = if client < Self::DENSE {
            let slot = client as usize;
            if slot >= self.dense.len() {
                self.dense.resize_with(slot + 1, || None);
            }
            self.dense[slot].replace(value)
        } else {
            self.sparse.insert(client, value)
        };
        if old.is_none() {
            self.len += 1;
        }
        old
    }

    /// Every client's value, in client order.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &V)> {
        let dense = self.dense.iter().enumerate().filter_map(|(client, v)| v.as_ref().map(|v| (client as u32, v)));
        dense.chain(self.sparse.iter().map(|(client, v)| (*client, v)))
    }

    pub fn clear(&mut self) {
        self.dense.clear();
        self.sparse.clear();
        self.len = 0;
    }
}

impl<V: PartialEq> PartialEq for ClientMap<V> {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

impl<V: Eq> Eq for ClientMap<V> {}

impl<V: std::fmt::Debug> std::fmt::Debug for ClientMap<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// As a map from client id to value, like `BTreeMap<u32, V>`.
impl<V: Serialize> Serialize for ClientMap<V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for ClientMap<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let read = BTreeMap::<u32, V>::deserialize(deserializer)?;
        let mut map = ClientMap::new();
        for (client, value) in read {
            map.insert(client, value);
        }
        Ok(map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dense_and_sparse_ids_read_back_in_client_order() {
        let mut map = ClientMap::new();
        let far = ClientMap::<&str>::DENSE + 5;
        assert_eq!(map.insert(far, "far"), None);
        assert_eq!(map.insert(3, "three"), None);
        assert_eq!(map.insert(0, "zero"), None);
        assert_eq!(map.insert(3, "THREE"), Some("three"));
        *map.get_or_insert_with(7, || "seven") = "SEVEN";
        assert_eq!(*map.get_or_insert_with(7, || "other"), "SEVEN");
        assert_eq!(map.len(), 4);
        assert_eq!(map.get(3), Some(&"THREE"));
        assert_eq!(map.get(far), Some(&"far"));
        assert_eq!(map.get(1), None);
        assert_eq!(map.get(u32::MAX), None);
        let order: Vec<u32> = map.iter().map(|(client, _)| client).collect();
        assert_eq!(order, vec![0, 3, 7, far]);
        map.clear();
        assert!(map.is_empty() && map.iter().next().is_none());
    }

    #[test]
    fn it_serializes_and_compares_as_a_btree_map_does() {
        let mut map = ClientMap::new();
        let mut tree = BTreeMap::new();
        for client in [9, 2, ClientMap::<u64>::DENSE, 40, u32::MAX] {
            map.insert(client, u64::from(client) * 2);
            tree.insert(client, u64::from(client) * 2);
        }
        let bytes = serde_json::to_string(&map).unwrap();
        assert_eq!(bytes, serde_json::to_string(&tree).unwrap());
        let back: ClientMap<u64> = serde_json::from_str(&bytes).unwrap();
        assert_eq!(back, map);
        // The same pairs compare equal however the vector was grown.
        let mut grown = ClientMap::new();
        grown.insert(1000, 0);
        grown.clear();
        for (client, value) in tree {
            grown.insert(client, value);
        }
        assert_eq!(grown, map);
        grown.insert(3, 1);
        assert_ne!(grown, map);
    }
}

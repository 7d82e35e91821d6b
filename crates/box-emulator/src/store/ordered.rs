//! A sorted set that also finds the n-th element quickly, for the
//! name-ordered children index: a listing page at offset 50,000 of a
//! 100,000-item folder must not walk the 50,000 entries before it, which a
//! `BTreeSet` (no rank or select) has to do.
//!
//! Written by hand because no well-kept crate offers an ordered set with
//! positional access: the standard library's B-tree keeps no subtree
//! counts. The layout is the one Python's `sortedcontainers` made common:
//! sorted chunks of bounded length, so an insert or removal moves at most
//! one chunk's worth of keys, and finding position `n` sums chunk lengths
//! (a few hundred per 100,000 keys), not keys.

/// Chunks split when they grow past this many keys.
const CHUNK: usize = 512;

/// A set of distinct keys in ascending order with positional iteration.
#[derive(Debug)]
pub(crate) struct OrderedSet<K> {
    /// Non-empty, each sorted, every key of a chunk below every key of the
    /// next.
    chunks: Vec<Vec<K>>,
    len: usize,
}

impl<K> Default for OrderedSet<K> {
    fn default() -> Self {
        Self {
            chunks: Vec::new(),
            len: 0,
        }
    }
}

impl<K: Ord> OrderedSet<K> {
    /// Number of keys.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The chunk a key belongs in: the first whose last key is not below
    /// it, or the last chunk. `None` when empty.
    fn chunk_for(&self, key: &K) -> Option<usize> {
        if self.chunks.is_empty() {
            return None;
        }
        let i = self
            .chunks
            .partition_point(|c| c.last().is_some_and(|last| last < key));
        Some(i.min(self.chunks.len() - 1))
    }

    /// Adds a key; false if it was there.
    pub(crate) fn insert(&mut self, key: K) -> bool {
        let Some(ci) = self.chunk_for(&key) else {
            self.chunks.push(vec![key]);
            self.len = 1;
            return true;
        };
        let chunk = &mut self.chunks[ci];
        let Err(pos) = chunk.binary_search(&key) else {
            return false;
        };
        chunk.insert(pos, key);
        self.len += 1;
        if chunk.len() > CHUNK {
            let tail = chunk.split_off(chunk.len() / 2);
            self.chunks.insert(ci + 1, tail);
        }
        true
    }

    /// Removes a key; false if it was not there.
    pub(crate) fn remove(&mut self, key: &K) -> bool {
        let Some(ci) = self.chunk_for(key) else {
            return false;
        };
        let chunk = &mut self.chunks[ci];
        let Ok(pos) = chunk.binary_search(key) else {
            return false;
        };
        chunk.remove(pos);
        self.len -= 1;
        if chunk.is_empty() {
            self.chunks.remove(ci);
        }
        true
    }

    /// (chunk, position in it) of the key at ascending position `n`
    /// (`n < len`).
    fn locate(&self, mut n: usize) -> (usize, usize) {
        for (ci, c) in self.chunks.iter().enumerate() {
            if n < c.len() {
                return (ci, n);
            }
            n -= c.len();
        }
        (self.chunks.len(), 0)
    }

    /// The keys from ascending position `offset` on.
    pub(crate) fn iter_from(&self, offset: usize) -> impl Iterator<Item = &K> + '_ {
        let (ci, pos) = self.locate(offset.min(self.len));
        let first = self.chunks.get(ci).map_or(&[][..], |c| &c[pos..]);
        first
            .iter()
            .chain(self.chunks.iter().skip(ci + 1).flatten())
    }

    /// The keys in descending order, from descending position `offset` on
    /// (0 is the greatest key).
    pub(crate) fn iter_rev_from(&self, offset: usize) -> impl Iterator<Item = &K> + '_ {
        // Descending position `offset` is ascending position len-1-offset;
        // the keys wanted are those below ascending position len-offset.
        let end = self.len - offset.min(self.len);
        let (ci, pos) = if end == 0 {
            (0, 0)
        } else {
            let (ci, pos) = self.locate(end - 1);
            (ci, pos + 1)
        };
        let first = self.chunks.get(ci).map_or(&[][..], |c| &c[..pos]);
        let before = &self.chunks[..ci.min(self.chunks.len())];
        first
            .iter()
            .rev()
            .chain(before.iter().rev().flat_map(|c| c.iter().rev()))
    }

    /// The keys not below `from`, ascending.
    pub(crate) fn iter_at_least<'a>(&'a self, from: &K) -> impl Iterator<Item = &'a K> + 'a {
        let (ci, pos) = match self.chunk_for(from) {
            Some(ci) => (ci, self.chunks[ci].partition_point(|k| k < from)),
            None => (0, 0),
        };
        let first = self.chunks.get(ci).map_or(&[][..], |c| &c[pos..]);
        first
            .iter()
            .chain(self.chunks.iter().skip(ci + 1).flatten())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    use super::*;

    /// Random inserts and removals (enough to split chunks and empty them
    /// again) leave the set equal to a `BTreeSet` given the same
    /// operations, read from every offset in both directions and from
    /// keys present and absent.
    #[test]
    fn matches_a_btreeset() {
        let mut rng = StdRng::seed_from_u64(14);
        let mut ours = OrderedSet::default();
        let mut theirs = BTreeSet::new();
        for round in 0..6 {
            // Grow past several chunks, then shrink most of the way.
            let (ops, insert_bias) = if round % 2 == 0 {
                (3000, 0.8)
            } else {
                (3000, 0.2)
            };
            for _ in 0..ops {
                let k: u32 = rng.gen_range(0..4000);
                if rng.gen_bool(insert_bias) {
                    assert_eq!(ours.insert(k), theirs.insert(k), "insert {k}");
                } else {
                    assert_eq!(ours.remove(&k), theirs.remove(&k), "remove {k}");
                }
            }
            assert_eq!(ours.len(), theirs.len());
            assert!(ours
                .chunks
                .iter()
                .all(|c| !c.is_empty() && c.len() <= CHUNK));
            let all: Vec<u32> = theirs.iter().copied().collect();
            let n = all.len();
            for offset in (0..=n + 1)
                .step_by(97)
                .chain([0, 1, n.saturating_sub(1), n])
            {
                let got: Vec<u32> = ours.iter_from(offset).copied().collect();
                assert_eq!(got, all[offset.min(n)..], "ascending from {offset}");
                let got: Vec<u32> = ours.iter_rev_from(offset).copied().collect();
                let want: Vec<u32> = all.iter().rev().skip(offset).copied().collect();
                assert_eq!(got, want, "descending from {offset}");
            }
            for from in (0..4100).step_by(89) {
                let got: Vec<u32> = ours.iter_at_least(&from).copied().collect();
                let want: Vec<u32> = theirs.range(from..).copied().collect();
                assert_eq!(got, want, "from key {from}");
            }
        }
        let empty: OrderedSet<u32> = OrderedSet::default();
        assert_eq!(empty.iter_from(0).count(), 0);
        assert_eq!(empty.iter_rev_from(3).count(), 0);
        assert_eq!(empty.iter_at_least(&1).count(), 0);
    }
}

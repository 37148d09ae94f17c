//! The native twin of the credential-set tree: keys, intervals, the root and membership paths.

use super::MAX_SET_DEPTH;
use crate::gadgets::fr_u128;
use crate::Fr;
use snark_verifier::loader::native::NativeLoader;
use stakeproof_beacon::pool_set::CredentialKeys;
use std::sync::{Arc, Mutex, OnceLock};

/// A credential as a 256-bit key, big-endian limbs; ordered as the number `hi·2^128 + lo`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SetKey {
    /// Bytes 0..16, big-endian.
    pub hi: u128,
    /// Bytes 16..32, big-endian.
    pub lo: u128,
}

impl SetKey {
    /// The key as 32 bytes.
    pub fn to_bytes(&self) -> [u8; 32] {
        let mut b = [0u8; 32];
        b[..16].copy_from_slice(&self.hi.to_be_bytes());
        b[16..].copy_from_slice(&self.lo.to_be_bytes());
        b
    }

    /// The key of 32 bytes read big-endian.
    pub fn from_bytes(b: &[u8; 32]) -> Self {
        SetKey {
            hi: u128::from_be_bytes(b[..16].try_into().expect("16 bytes")),
            lo: u128::from_be_bytes(b[16..].try_into().expect("16 bytes")),
        }
    }
}

/// The key of withdrawal credentials `wc`: `0x01‖wc[1..]` for a `0x01` or `0x02` credential
/// (both pay the address), `wc` itself otherwise.
pub fn key_of(wc: &[u8; 32]) -> SetKey {
    SetKey::from_bytes(&stakeproof_beacon::pool_set::set_key(wc))
}

/// One leaf: the half-open interval `[low, high)`, `high = None` meaning 2^256; `member` says
/// whether `low` is in the set (false only for leaf 0, `[0, s_0)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interval {
    /// Inclusive low end.
    pub low: SetKey,
    /// Exclusive high end (`None`: 2^256).
    pub high: Option<SetKey>,
    /// `low` is a member.
    pub member: bool,
}

/// `2^128`: the `hi` limb that stands for 2^256 as a high end.
pub fn top_hi() -> Fr {
    fr_u128(u128::MAX) + Fr::one()
}

impl Interval {
    /// The five field elements the leaf hashes: `low_hi, low_lo, high_hi, high_lo, flag`.
    pub fn fields(&self) -> [Fr; 5] {
        let (hh, hl) = match self.high {
            Some(h) => (fr_u128(h.hi), fr_u128(h.lo)),
            None => (top_hi(), Fr::zero()),
        };
        [
            fr_u128(self.low.hi),
            fr_u128(self.low.lo),
            hh,
            hl,
            Fr::from(self.member as u64),
        ]
    }

    /// The leaf hash.
    pub fn hash(&self) -> Fr {
        poseidon(&self.fields())
    }

    /// Whether `low ≤ k < high`.
    pub fn contains(&self, k: &SetKey) -> bool {
        self.low <= *k && self.high.is_none_or(|h| *k < h)
    }
}

fn poseidon(xs: &[Fr]) -> Fr {
    type Hasher = snark_verifier::util::hash::Poseidon<
        Fr,
        Fr,
        { crate::poseidon::T },
        { crate::poseidon::RATE },
    >;
    thread_local! {
        static HASHER: std::cell::RefCell<Hasher> = std::cell::RefCell::new(
            Hasher::from_spec(&NativeLoader, crate::accounts::poseidon_spec().clone()),
        );
    }
    HASHER.with(|h| {
        let mut p = h.borrow_mut();
        p.clear();
        p.update(xs);
        p.squeeze()
    })
}

/// A parent of the set tree.
pub fn parent(l: &Fr, r: &Fr) -> Fr {
    poseidon(&[*l, *r])
}

/// A set that cannot be built.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SetError {
    /// The same key twice (e.g. an address and one of its credentials, or a `0x01` and a
    /// `0x02` credential of one address).
    #[error("credential set: 0x{} appears twice (0x01 and 0x02 credentials of one address are one entry)", hex::encode(.0.to_bytes()))]
    Duplicate(SetKey),
    /// More entries than a tree of this depth holds (`2^depth − 1`).
    #[error("credential set: {entries} entries do not fit a tree of depth {depth} (at most {})", (1u64 << .depth) - 1)]
    TooMany {
        /// Entries given.
        entries: usize,
        /// Tree depth.
        depth: u32,
    },
    /// A depth outside `1..=MAX_SET_DEPTH`.
    #[error("credential set: depth {0} is outside 1..={MAX_SET_DEPTH}")]
    BadDepth(u32),
}

/// A membership (or non-membership) path: the leaf containing a key and its siblings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetPath {
    /// Leaf index.
    pub index: u64,
    /// The leaf's interval.
    pub interval: Interval,
    /// Siblings, bottom up (`depth` of them).
    pub siblings: Vec<Fr>,
}

/// Sets built in this process, by their pool-file keys.
type SetCache = Vec<(CredentialKeys, Arc<CredentialSet>)>;

/// A credential set as its sorted keys and its tree. Two sets are equal when their depth and
/// root are (Poseidon collision resistance).
#[derive(Clone, Debug)]
pub struct CredentialSet {
    keys: Vec<SetKey>,
    depth: u32,
    /// `levels[h]`: the non-zero prefix of height `h` (slots past it are the zero subtree).
    levels: Vec<Vec<Fr>>,
    zeros: Vec<Fr>,
}

impl CredentialSet {
    /// Smallest depth that holds `entries` (at least 1): the pool file's rule.
    pub fn depth_for(entries: usize) -> u32 {
        CredentialKeys::depth_for(entries)
    }

    /// The set of `keys` (any order; a duplicate is an error) in a tree of `depth`.
    pub fn new(mut keys: Vec<SetKey>, depth: u32) -> Result<Self, SetError> {
        if !(1..=MAX_SET_DEPTH).contains(&depth) {
            return Err(SetError::BadDepth(depth));
        }
        keys.sort_unstable();
        if let Some(w) = keys.windows(2).find(|w| w[0] == w[1]) {
            return Err(SetError::Duplicate(w[0]));
        }
        if keys.len() as u64 >= 1u64 << depth {
            return Err(SetError::TooMany {
                entries: keys.len(),
                depth,
            });
        }
        let leaves: Vec<Fr> = intervals(&keys).iter().map(Interval::hash).collect();
        let mut zeros = vec![Fr::zero()];
        for h in 0..depth as usize {
            zeros.push(parent(&zeros[h], &zeros[h]));
        }
        let mut levels = vec![leaves];
        for h in 0..depth as usize {
            let up = levels[h]
                .chunks(2)
                .map(|c| parent(&c[0], c.get(1).unwrap_or(&zeros[h])))
                .collect();
            levels.push(up);
        }
        Ok(CredentialSet {
            keys,
            depth,
            levels,
            zeros,
        })
    }

    /// The set of a pool file's keys, built once per process and shared (a 100,000-entry tree
    /// is about 200,000 Poseidon hashes; every registry leaf of a report needs it).
    pub fn cached(keys: &CredentialKeys) -> Arc<CredentialSet> {
        static CACHE: OnceLock<Mutex<SetCache>> = OnceLock::new();
        let mut cache = CACHE
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some((_, s)) = cache.iter().find(|(k, _)| k == keys) {
            return s.clone();
        }
        let set = CredentialSet::new(
            keys.keys().iter().map(SetKey::from_bytes).collect(),
            keys.depth(),
        )
        // CredentialKeys already refused duplicates, empty sets and bad depths.
        .expect("pool-file keys form a set");
        let set = Arc::new(set);
        cache.push((keys.clone(), set.clone()));
        set
    }

    /// The root as 32 big-endian bytes (the pool's public `(hi, lo)`).
    pub fn root_bytes(&self) -> [u8; 32] {
        let mut b = self.root().to_bytes();
        b.reverse();
        b
    }

    /// The sorted keys.
    pub fn keys(&self) -> &[SetKey] {
        &self.keys
    }

    /// Tree depth.
    pub fn depth(&self) -> u32 {
        self.depth
    }

    /// The root (the pool's public commitment).
    pub fn root(&self) -> Fr {
        self.node(self.depth as usize, 0)
    }

    fn node(&self, h: usize, j: u64) -> Fr {
        self.levels[h]
            .get(j as usize)
            .copied()
            .unwrap_or(self.zeros[h])
    }

    /// Whether withdrawal credentials `wc` belong to the set.
    pub fn contains(&self, wc: &[u8; 32]) -> bool {
        self.keys.binary_search(&key_of(wc)).is_ok()
    }

    /// The path for credentials `wc`: the one leaf whose interval contains their key.
    pub fn path(&self, wc: &[u8; 32]) -> SetPath {
        let k = key_of(wc);
        // Leaf j ≥ 1 starts at keys[j − 1]; leaf 0 holds everything below keys[0].
        let index = self.keys.partition_point(|s| *s <= k) as u64;
        let interval = intervals_at(&self.keys, index as usize);
        debug_assert!(interval.contains(&k));
        let siblings = (0..self.depth as usize)
            .map(|h| self.node(h, (index >> h) ^ 1))
            .collect();
        SetPath {
            index,
            interval,
            siblings,
        }
    }
}

/// The `m + 1` intervals of sorted distinct keys.
pub fn intervals(keys: &[SetKey]) -> Vec<Interval> {
    (0..=keys.len()).map(|j| intervals_at(keys, j)).collect()
}

fn intervals_at(keys: &[SetKey], j: usize) -> Interval {
    Interval {
        low: if j == 0 {
            SetKey::default()
        } else {
            keys[j - 1]
        },
        high: keys.get(j).copied(),
        member: j > 0,
    }
}

/// The root reached from a leaf hash at `index` along `siblings` (natively).
pub fn lift(leaf: Fr, index: u64, siblings: &[Fr]) -> Fr {
    siblings.iter().enumerate().fold(leaf, |cur, (h, s)| {
        if (index >> h) & 1 == 0 {
            parent(&cur, s)
        } else {
            parent(s, &cur)
        }
    })
}

impl PartialEq for CredentialSet {
    fn eq(&self, other: &Self) -> bool {
        self.depth == other.depth && self.root() == other.root()
    }
}

impl Eq for CredentialSet {}

impl std::hash::Hash for CredentialSet {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.depth.hash(h);
        self.root_bytes().hash(h);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cred(prefix: u8, tail: u64) -> [u8; 32] {
        let mut c = [0u8; 32];
        c[0] = prefix;
        c[24..].copy_from_slice(&tail.to_be_bytes());
        c
    }

    #[test]
    fn every_key_lies_in_exactly_one_leaf_and_its_path_reaches_the_root() {
        let members: Vec<_> = [3u64, 9, 10, 400]
            .iter()
            .map(|&t| key_of(&cred(1, t)))
            .collect();
        let set = CredentialSet::new(members, 3).unwrap();
        let leaves = intervals(set.keys());
        for wc in [
            cred(1, 3),
            cred(2, 3),
            cred(1, 4),
            cred(0, 9),
            cred(1, 401),
            [0u8; 32],
            [0xff; 32],
        ] {
            let k = key_of(&wc);
            assert_eq!(leaves.iter().filter(|l| l.contains(&k)).count(), 1);
            let p = set.path(&wc);
            assert!(p.interval.contains(&k));
            assert_eq!(p.interval.member && p.interval.low == k, set.contains(&wc));
            assert_eq!(lift(p.interval.hash(), p.index, &p.siblings), set.root());
        }
        assert!(set.contains(&cred(2, 400)));
        assert!(!set.contains(&cred(0, 400)));
    }

    #[test]
    fn duplicates_overfull_and_bad_depths_are_refused() {
        let a = key_of(&cred(1, 5));
        let b = key_of(&cred(2, 5));
        assert_eq!(
            CredentialSet::new(vec![a, b], 4).unwrap_err(),
            SetError::Duplicate(a)
        );
        let three: Vec<_> = (0..3).map(|t| key_of(&cred(1, t))).collect();
        assert!(matches!(
            CredentialSet::new(three.clone(), 1),
            Err(SetError::TooMany {
                entries: 3,
                depth: 1
            })
        ));
        assert!(CredentialSet::new(three, 2).is_ok());
        assert_eq!(
            CredentialSet::new(vec![], 0).unwrap_err(),
            SetError::BadDepth(0)
        );
        assert_eq!(CredentialSet::depth_for(0), 1);
        assert_eq!(CredentialSet::depth_for(1), 1);
        assert_eq!(CredentialSet::depth_for(1000), 10);
        assert_eq!(CredentialSet::depth_for(100_000), 17);
    }

    #[test]
    fn the_root_follows_the_keys_not_their_order() {
        let k: Vec<_> = (0..5).map(|t| key_of(&cred(1, t * 7))).collect();
        let mut r = k.clone();
        r.reverse();
        assert_eq!(
            CredentialSet::new(k.clone(), 4).unwrap().root(),
            CredentialSet::new(r, 4).unwrap().root()
        );
        assert_ne!(
            CredentialSet::new(k.clone(), 4).unwrap().root(),
            CredentialSet::new(k[1..].to_vec(), 4).unwrap().root()
        );
    }
}

//! Native twin of the delta leaf, and the native registry model it is built from.
//!
//! - [`ChainState`] `(D, L, A)` (the chain aggregation's) and [`DeltaPublic`], the leaf's statement (13 instances,
//!   [`super`]'s layout);
//! - [`transition`] / [`instances`]: what the circuit checks and computes, in plain Rust (an
//!   error where the circuit would be unsatisfiable);
//! - [`Registry`]: validators' containers and a pool, with both trees (SHA-256 `D`, Poseidon
//!   `A`) kept in step; [`Registry::apply`] makes one update's witness (siblings from the
//!   current trees, then the write), [`Registry::leaf`] a whole leaf, and
//!   [`Registry::leaves_to`] every leaf from the current registry to another one;
//! - [`updates_between`]: the updates a report needs between two validator lists.

use super::param::DeltaParams;
use super::witness::{DeltaUpdate, DeltaWitness};
use super::DELTA_INSTANCES;
use crate::accounts::{self, zero_nodes, AccNode, AccountsTree, ACCOUNTS_DEPTH};
use crate::gadgets::{node_from_limbs, node_limbs, u64_from_fr};
use crate::pool::PoolSpec;
use crate::poseidon::Account;
use crate::registry::witness::account_of;
use crate::Fr;
use stakeproof_beacon::beacon::Validator;
use stakeproof_beacon::hash::{hash_layer, hash_pair, merkleize, zero_hash, Node};
use std::collections::HashSet;

/// Slots of both trees: `2^24`.
pub const SLOTS: u64 = 1 << ACCOUNTS_DEPTH;

/// Why a delta leaf (or an update of the registry model) cannot be made.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum DeltaError {
    /// A range of the whole tree or more.
    #[error("an update range of 2^{log_n} slots: must be below 2^24")]
    RangeTooLarge {
        /// `log2(n)`.
        log_n: u32,
    },
    /// A leaf without updates.
    #[error("a delta leaf needs at least one update")]
    NoUpdates,
    /// A registry length at or past `2^24`.
    #[error("registry length {len} is not below 2^24")]
    TooLarge {
        /// The length.
        len: u64,
    },
    /// A registry that shrinks.
    #[error("the registry shrinks from {old} to {new} validators")]
    Shrinks {
        /// `L_old`.
        old: u64,
        /// `L_new`.
        new: u64,
    },
    /// A range position past the tree.
    #[error("update position {position} is past the tree for ranges of 2^{log_n} slots")]
    PositionOutOfTree {
        /// `p`.
        position: u64,
        /// `log2(n)`.
        log_n: u32,
    },
    /// A witness of the wrong shape.
    #[error("update {update}: {found} {what}, expected {expected}")]
    Shape {
        /// Update number.
        update: usize,
        /// What is miscounted.
        what: &'static str,
        /// Found.
        found: usize,
        /// Expected.
        expected: usize,
    },
    /// An `append` update of a range that is not wholly past `L_old`.
    #[error("append update at position {position} is not wholly past L = {len}")]
    NotFresh {
        /// `p`.
        position: u64,
        /// `L_old`.
        len: u64,
    },
    /// An update whose old slots do not open the current state (stale or wrong).
    #[error("update {update}: its old range does not open the current D and A")]
    StaleOld {
        /// Update number.
        update: usize,
    },
    /// More updates than the leaf holds.
    #[error("{found} updates for a leaf of {k}")]
    TooManyUpdates {
        /// `K`.
        k: usize,
        /// Updates given.
        found: usize,
    },
    /// An update of another size or variant than the leaf's.
    #[error("an update of 2^{log_n} slots (fresh: {fresh}) in a leaf of another kind")]
    WrongKind {
        /// Its `log2(n)`.
        log_n: u32,
        /// Its variant.
        fresh: bool,
    },
    /// A slot of `[L_old, L_new)` written twice in one leaf (its second old value would have
    /// to be empty).
    #[error("slot {index} (at or past L_old, below L_new) is written twice in one leaf")]
    Rewritten {
        /// The slot.
        index: u64,
    },
    /// A slot of `[L_old, L_new)` that no update of the leaf writes (it would stay empty).
    #[error("slot {index} (at or past L_old, below L_new) is not written by the leaf")]
    Unfilled {
        /// The slot.
        index: u64,
    },
    /// The new length is past the target list.
    #[error("L_new = {l_new} is past the {len} validators given")]
    TargetTooShort {
        /// `L_new`.
        l_new: u64,
        /// Validators given.
        len: usize,
    },
    /// No range past `L_new` for identity (padding) updates.
    #[error("no range past L = {l_new} for padding updates")]
    NoPaddingRange {
        /// `L_new`.
        l_new: u64,
    },
    /// Public instances that are not a delta leaf's.
    #[error("not delta-leaf instances: {0}")]
    Instances(&'static str),
}

/// A registry chain state `(D, L, A)`: the chain aggregation's type, shared
/// ([`crate::chain::ChainState`]; `cold()` is `D = zero_hash(24)`, `L = 0`,
/// `A = zero_nodes()[24]`, and `instances()` its five instances `d_hi, d_lo, l, a_hash,
/// a_count`).
pub use crate::chain::ChainState;

/// Decodes a state's five instances.
fn state_from_instances(x: &[Fr]) -> Result<ChainState, DeltaError> {
    let d = node_from_limbs(&x[0], &x[1]).ok_or(DeltaError::Instances("D limb too wide"))?;
    let l = u64_from_fr(&x[2]).ok_or(DeltaError::Instances("L not a u64"))?;
    let count = u64_from_fr(&x[4]).ok_or(DeltaError::Instances("count not a u64"))?;
    Ok(ChainState {
        d,
        l,
        a: AccNode { hash: x[3], count },
    })
}

/// A delta leaf's statement: the pool, `S_old` and `S_new`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeltaPublic {
    /// The pool.
    pub pool: PoolSpec,
    /// Before the leaf.
    pub old: ChainState,
    /// After the leaf.
    pub new: ChainState,
}

impl DeltaPublic {
    /// The instance column, in [`super`]'s layout.
    pub fn to_instances(&self) -> Vec<Fr> {
        let (ph, pl) = node_limbs(&self.pool.credentials);
        let mut v = vec![Fr::from(self.pool.mode()), ph, pl];
        v.extend(self.old.instances());
        v.extend(self.new.instances());
        v
    }

    /// Decodes an instance column.
    pub fn from_instances(x: &[Fr]) -> Result<Self, DeltaError> {
        if x.len() != DELTA_INSTANCES {
            return Err(DeltaError::Instances("not 13 instances"));
        }
        let exact = match u64_from_fr(&x[0]) {
            Some(0) => false,
            Some(1) => true,
            _ => return Err(DeltaError::Instances("pool_exact not a bit")),
        };
        let credentials =
            node_from_limbs(&x[1], &x[2]).ok_or(DeltaError::Instances("pool limb too wide"))?;
        Ok(DeltaPublic {
            pool: PoolSpec::single(exact, credentials),
            old: state_from_instances(&x[3..8])?,
            new: state_from_instances(&x[8..13])?,
        })
    }
}

/// What one slot contributes: its SHA-256 leaf and its account (empty: zero chunk, default).
fn slot_leaves(pool: &PoolSpec, v: Option<&Validator>) -> (Node, Account) {
    match v {
        Some(v) => (
            v.hash_tree_root(),
            account_of(v, pool.matches(&v.withdrawal_credentials)),
        ),
        None => ([0u8; 32], Account::default()),
    }
}

/// Roots of a range's two subtrees; slot `i` is non-empty iff `base + i < len`.
fn subtrees(pool: &PoolSpec, slots: &[Validator], base: u64, len: u64) -> (Node, AccNode) {
    let (leaves, accts): (Vec<Node>, Vec<Account>) = slots
        .iter()
        .enumerate()
        .map(|(i, v)| slot_leaves(pool, (base + (i as u64) < len).then_some(v)))
        .unzip();
    let mut layer: Vec<AccNode> = accts.iter().map(accounts::leaf).collect();
    while layer.len() > 1 {
        layer = layer
            .chunks(2)
            .map(|c| accounts::parent(&c[0], &c[1]))
            .collect();
    }
    let log_n = slots.len().trailing_zeros() as usize;
    (merkleize(&leaves, log_n), layer[0])
}

/// Lifts a SHA-256 node with index `j` along `siblings` (bottom up).
fn lift_sha(node: Node, j: u64, siblings: &[Node]) -> Node {
    siblings.iter().enumerate().fold(node, |cur, (h, s)| {
        if (j >> h) & 1 == 0 {
            hash_pair(&cur, s)
        } else {
            hash_pair(s, &cur)
        }
    })
}

/// `S_new` of a leaf, checking everything its circuit constrains: the shape, `L_old ≤ L_new <
/// 2^24`, each position in the tree, each old range (empty for `append`) opening the current
/// `D` and `A` along its siblings. An error is a witness the circuit cannot prove.
pub fn transition(w: &DeltaWitness) -> Result<ChainState, DeltaError> {
    let p = w.check_shape()?;
    if w.l_new >= SLOTS {
        return Err(DeltaError::TooLarge { len: w.l_new });
    }
    if w.old.l > w.l_new {
        return Err(DeltaError::Shrinks {
            old: w.old.l,
            new: w.l_new,
        });
    }
    let n = p.n() as u64;
    let (mut d, mut a) = (w.old.d, w.old.a);
    for (j, u) in w.updates.iter().enumerate() {
        if u.position >> p.levels() != 0 {
            return Err(DeltaError::PositionOutOfTree {
                position: u.position,
                log_n: w.log_n,
            });
        }
        let base = u.position * n;
        let (old_d, old_a) = if w.fresh {
            if base < w.old.l {
                return Err(DeltaError::NotFresh {
                    position: u.position,
                    len: w.old.l,
                });
            }
            (zero_hash(w.log_n as usize), zero_nodes()[w.log_n as usize])
        } else {
            subtrees(&w.pool, &u.old, base, w.old.l)
        };
        if lift_sha(old_d, u.position, &u.sha_siblings) != d
            || accounts::lift(old_a, u.position, &u.acc_siblings) != a
        {
            return Err(DeltaError::StaleOld { update: j });
        }
        let (new_d, new_a) = subtrees(&w.pool, &u.new, base, w.l_new);
        d = lift_sha(new_d, u.position, &u.sha_siblings);
        a = accounts::lift(new_a, u.position, &u.acc_siblings);
    }
    Ok(ChainState { d, l: w.l_new, a })
}

/// The leaf's statement, computed natively ([`transition`]'s checks included).
pub fn delta_public(w: &DeltaWitness) -> Result<DeltaPublic, DeltaError> {
    Ok(DeltaPublic {
        pool: w.pool.clone(),
        old: w.old,
        new: transition(w)?,
    })
}

/// The 13 public instances of the leaf, computed natively.
pub fn instances(w: &DeltaWitness) -> Result<Vec<Fr>, DeltaError> {
    Ok(delta_public(w)?.to_instances())
}

/// The SHA-256 tree of depth 24 over a prefix of slots (past it: zero chunks).
#[derive(Clone, Debug)]
struct ShaTree {
    levels: Vec<Vec<Node>>,
}

impl ShaTree {
    fn new(leaves: Vec<Node>) -> Self {
        let mut levels = vec![leaves];
        for d in 0..ACCOUNTS_DEPTH {
            let up = hash_layer(&levels[d], d);
            levels.push(up);
        }
        ShaTree { levels }
    }

    fn node(&self, d: usize, j: u64) -> Node {
        self.levels[d]
            .get(j as usize)
            .copied()
            .unwrap_or(zero_hash(d))
    }

    fn branch(&self, d: usize, j: u64) -> Vec<Node> {
        (d..ACCOUNTS_DEPTH)
            .map(|h| self.node(h, (j >> (h - d)) ^ 1))
            .collect()
    }

    fn set(&mut self, i: u64, leaf: Node) {
        let mut j = i as usize;
        for d in 0..=ACCOUNTS_DEPTH {
            let v = if d == 0 {
                leaf
            } else {
                hash_pair(
                    &self.node(d - 1, 2 * j as u64),
                    &self.node(d - 1, 2 * j as u64 + 1),
                )
            };
            let level = &mut self.levels[d];
            if level.len() <= j {
                level.resize(j + 1, zero_hash(d));
            }
            level[j] = v;
            j /= 2;
        }
    }
}

/// One update a report needs: the range `[p·n, p·n + n)`, `n = 2^log_n`, and whether it is
/// wholly past the old length (an `append` update).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct UpdateSpec {
    /// `log2(n)`.
    pub log_n: u32,
    /// `p`.
    pub position: u64,
    /// Wholly past `L_old`: proven by an `append` leaf.
    pub fresh: bool,
}

/// The updates that take validator list `old` to `new` (which must not be shorter): each
/// changed index below `old.len()` as an `n = 1` update, then the appended indices as aligned
/// ranges of `2^log_n` — the first one general (not fresh) when it straddles `old.len()`, and
/// then it also covers the changed indices it holds, which are not listed again.
pub fn updates_between(
    old: &[Validator],
    new: &[Validator],
    log_n: u32,
) -> Result<Vec<UpdateSpec>, DeltaError> {
    if log_n as usize >= ACCOUNTS_DEPTH {
        return Err(DeltaError::RangeTooLarge { log_n });
    }
    let (lo, hi) = (old.len() as u64, new.len() as u64);
    if hi >= SLOTS {
        return Err(DeltaError::TooLarge { len: hi });
    }
    if hi < lo {
        return Err(DeltaError::Shrinks { old: lo, new: hi });
    }
    let n = 1u64 << log_n;
    // Indices from here on are covered by a range update.
    let covered_from = if hi > lo { lo / n * n } else { lo };
    let mut out: Vec<UpdateSpec> = (0..covered_from)
        .filter(|&i| old[i as usize] != new[i as usize])
        .map(|i| UpdateSpec {
            log_n: 0,
            position: i,
            fresh: false,
        })
        .collect();
    if hi > lo {
        out.extend((lo / n..=(hi - 1) / n).map(|p| UpdateSpec {
            log_n,
            position: p,
            fresh: p * n >= lo,
        }));
    }
    Ok(out)
}

/// The native registry: validators' containers, the pool, and both trees over them.
#[derive(Clone, Debug)]
pub struct Registry {
    pool: PoolSpec,
    /// Slot contents (`None`: empty); past the end, empty.
    slots: Vec<Option<Validator>>,
    len: u64,
    sha: ShaTree,
    acc: AccountsTree,
}

impl Registry {
    /// The empty registry (its state is [`ChainState::cold`]).
    pub fn cold(pool: PoolSpec) -> Self {
        Registry {
            pool,
            slots: Vec::new(),
            len: 0,
            sha: ShaTree::new(Vec::new()),
            acc: AccountsTree::new(&[]),
        }
    }

    /// The registry holding `validators` (slots `[0, L)`).
    pub fn from_validators(pool: PoolSpec, validators: &[Validator]) -> Result<Self, DeltaError> {
        let len = validators.len() as u64;
        if len >= SLOTS {
            return Err(DeltaError::TooLarge { len });
        }
        let (leaves, accts): (Vec<Node>, Vec<Account>) = validators
            .iter()
            .map(|v| slot_leaves(&pool, Some(v)))
            .unzip();
        Ok(Registry {
            pool,
            slots: validators.iter().cloned().map(Some).collect(),
            len,
            sha: ShaTree::new(leaves),
            acc: AccountsTree::new(&accts),
        })
    }

    /// `S = (D, L, A)`.
    pub fn state(&self) -> ChainState {
        ChainState {
            d: self.sha.node(ACCOUNTS_DEPTH, 0),
            l: self.len,
            a: self.acc.root(),
        }
    }

    /// The pool.
    pub fn pool(&self) -> PoolSpec {
        self.pool.clone()
    }

    /// `L`.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// `L = 0`.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The validators `[0, L)`.
    pub fn validators(&self) -> Vec<Validator> {
        self.slots
            .iter()
            .take(self.len as usize)
            .map(|s| s.clone().unwrap_or_default())
            .collect()
    }

    /// One update: replaces slots `[p·n, p·n + n)` with `new` (`None`: empty) in both trees and
    /// returns its witness (old slots and siblings from the trees before the write). It does not
    /// change `L`: a leaf ([`Registry::leaf`]) sets it, and checks which slots may be empty.
    pub fn apply(
        &mut self,
        log_n: u32,
        position: u64,
        new: &[Option<Validator>],
    ) -> Result<DeltaUpdate, DeltaError> {
        if log_n as usize >= ACCOUNTS_DEPTH {
            return Err(DeltaError::RangeTooLarge { log_n });
        }
        if position >> (ACCOUNTS_DEPTH - log_n as usize) != 0 {
            return Err(DeltaError::PositionOutOfTree { position, log_n });
        }
        let n = 1usize << log_n;
        if new.len() != n {
            return Err(DeltaError::Shape {
                update: 0,
                what: "new slots",
                found: new.len(),
                expected: n,
            });
        }
        let base = position * n as u64;
        let slot = |s: &Self, i: u64| s.slots.get(i as usize).cloned().flatten();
        let old = (0..n as u64)
            .map(|i| slot(self, base + i).unwrap_or_default())
            .collect();
        let update = DeltaUpdate {
            position,
            old,
            new: new.iter().map(|v| v.clone().unwrap_or_default()).collect(),
            sha_siblings: self.sha.branch(log_n as usize, position),
            acc_siblings: self.acc.branch(log_n as usize, position),
        };
        for (i, v) in new.iter().enumerate() {
            let idx = base + i as u64;
            let (leaf, acct) = slot_leaves(&self.pool, v.as_ref());
            self.sha.set(idx, leaf);
            self.acc.set(idx, &acct);
            if v.is_some() || (idx as usize) < self.slots.len() {
                if self.slots.len() <= idx as usize {
                    self.slots.resize(idx as usize + 1, None);
                }
                self.slots[idx as usize] = v.clone();
            }
        }
        Ok(update)
    }

    /// A leaf of `params`: `updates` (at most `K`, all of the leaf's size and variant), each
    /// range taking its new contents from `target` (slots below `l_new`; the rest empty), then
    /// identity updates on the last range of the tree up to `K`; the registry's length becomes
    /// `l_new`. Every slot of `[L, l_new)` must be written exactly once (a second write would
    /// need an empty old value, and an unwritten one would stay empty in `D`). Checked before
    /// anything is written: on error the registry is unchanged.
    pub fn leaf(
        &mut self,
        params: &DeltaParams,
        target: &[Validator],
        l_new: u64,
        updates: &[UpdateSpec],
    ) -> Result<DeltaWitness, DeltaError> {
        params.check()?;
        let l_old = self.len;
        if l_new >= SLOTS {
            return Err(DeltaError::TooLarge { len: l_new });
        }
        if l_new < l_old {
            return Err(DeltaError::Shrinks {
                old: l_old,
                new: l_new,
            });
        }
        if l_new > target.len() as u64 {
            return Err(DeltaError::TargetTooShort {
                l_new,
                len: target.len(),
            });
        }
        if updates.len() > params.updates {
            return Err(DeltaError::TooManyUpdates {
                k: params.updates,
                found: updates.len(),
            });
        }
        let n = params.n() as u64;
        let last = (1u64 << params.levels()) - 1;
        if updates.len() < params.updates && last * n < l_new {
            return Err(DeltaError::NoPaddingRange { l_new });
        }
        let mut grown = HashSet::new();
        for u in updates {
            if (u.log_n, u.fresh) != (params.log_n, params.fresh) {
                return Err(DeltaError::WrongKind {
                    log_n: u.log_n,
                    fresh: u.fresh,
                });
            }
            if u.position > last {
                return Err(DeltaError::PositionOutOfTree {
                    position: u.position,
                    log_n: u.log_n,
                });
            }
            let base = u.position * n;
            if u.fresh && base < l_old {
                return Err(DeltaError::NotFresh {
                    position: u.position,
                    len: l_old,
                });
            }
            for index in (base..base + n).filter(|i| (l_old..l_new).contains(i)) {
                if !grown.insert(index) {
                    return Err(DeltaError::Rewritten { index });
                }
            }
        }
        if let Some(index) = (l_old..l_new).find(|i| !grown.contains(i)) {
            return Err(DeltaError::Unfilled { index });
        }
        let old = self.state();
        let mut out = Vec::with_capacity(params.updates);
        for u in updates {
            let base = u.position * n;
            let new: Vec<Option<Validator>> = (base..base + n)
                .map(|i| (i < l_new).then(|| target[i as usize].clone()))
                .collect();
            out.push(self.apply(params.log_n, u.position, &new)?);
        }
        while out.len() < params.updates {
            out.push(self.apply(params.log_n, last, &vec![None; n as usize])?);
        }
        self.len = l_new;
        self.slots.truncate(l_new as usize);
        Ok(DeltaWitness {
            log_n: params.log_n,
            fresh: params.fresh,
            pool: self.pool.clone(),
            old,
            l_new,
            updates: out,
        })
    }

    /// Every leaf that takes this registry to `target` ([`updates_between`] with ranges of
    /// `2^log_n` for appends, `k` updates per leaf), in chain order: `delta-1xk` leaves for the
    /// changed validators (`L` unchanged), a `delta-{n}xk` leaf for a range straddling `L`
    /// (up to its end), then `append-{n}xk` leaves (each up to its last range's end, the last
    /// one to `target.len()`). Afterwards the registry holds `target`.
    pub fn leaves_to(
        &mut self,
        target: &[Validator],
        log_n: u32,
        k: usize,
    ) -> Result<Vec<DeltaWitness>, DeltaError> {
        let specs = updates_between(&self.validators(), target, log_n)?;
        let end = target.len() as u64;
        let n = 1u64 << log_n;
        let range_end = |u: &UpdateSpec| end.min((u.position + 1) * n);
        let mut leaves = Vec::new();
        let groups: [Vec<UpdateSpec>; 3] = [
            specs
                .iter()
                .filter(|u| u.log_n == 0 && !u.fresh && u.position < self.len)
                .copied()
                .collect(),
            specs
                .iter()
                .filter(|u| !u.fresh && u.position * (1 << u.log_n) + (1 << u.log_n) > self.len)
                .copied()
                .collect(),
            specs.iter().filter(|u| u.fresh).copied().collect(),
        ];
        for (g, group) in groups.iter().enumerate() {
            for chunk in group.chunks(k.max(1)) {
                let (chunk_log_n, fresh) = (chunk[0].log_n, chunk[0].fresh);
                let params = DeltaParams::new(chunk_log_n, k, fresh)?;
                let l_new = if g == 0 {
                    self.len
                } else {
                    chunk.iter().map(range_end).max().unwrap_or(self.len)
                };
                leaves.push(self.leaf(&params, target, l_new, chunk)?);
            }
        }
        Ok(leaves)
    }
}

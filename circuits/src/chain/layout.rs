//! Statements of the registry-chain tree and how its nodes combine them.
//!
//! Instance layouts after the 12 accumulator limbs of every aggregation proof:
//!
//! - **Chain** (a wrapped `delta`/`append` leaf, or a join of two): `[empty, pool_exact,
//!   pool_hi, pool_lo, old(d_hi, d_lo, l, a_hash, a_count), new(…5)]` — the registry went from
//!   chain state `old` to `new` ([`ChainState`]; `A` is [`crate::accounts`]' tree;
//!   `docs/ARCHITECTURE.md`, "Registry chain", says why this is sound).
//! - **PoolSum** (a wrapped `pool-balance` leaf, or a join): `[empty, start, end, L, epoch,
//!   slot, block_hi, block_lo, d_hi, d_lo, a_hash, a_count, count, total, active, exited,
//!   slashed]` — the pool's totals over the proven ranges inside `[start, end)`.
//! - **Final** ([`FINAL_CHAIN_LEN`]): `[block_hi, block_lo, slot, pool_exact, pool_hi, pool_lo,
//!   L, count, total, active, exited, slashed, anchor_old, anchor_new]`: today's final layout
//!   plus the two registry anchors the oracle chains reports by.
//!
//! `empty = 1` marks a *neutral* statement (every other instance 0): the padding of the
//! fixed-depth trees, so that the final circuit's shape, and its verifying key, never follow
//! `L` or the number of changes. A join passes the other child through when one is neutral.

use crate::accounts::{AccNode, ACCOUNTS_DEPTH};
use crate::gadgets::node_limbs;
use crate::poseidon::{RATE, R_F, R_P, T};
use crate::Fr;
use snark_verifier::loader::native::NativeLoader;

/// Instances of a chain statement.
pub const CHAIN_LEN: usize = 14;
/// Instances of a pool-sum statement.
pub const POOL_SUM_LEN: usize = 17;
/// Instances of the chain design's final statement.
pub const FINAL_CHAIN_LEN: usize = 14;
/// Instances of a chain state inside a statement: `d_hi, d_lo, l, a_hash, a_count`.
pub const STATE_LEN: usize = 5;

/// Positions in a chain statement.
pub mod chain_at {
    /// 1 for a neutral statement.
    pub const EMPTY: usize = 0;
    /// Pool mode, then credentials (hi, lo).
    pub const POOL: usize = 1;
    /// The state before (5 instances).
    pub const OLD: usize = 4;
    /// The state after (5 instances).
    pub const NEW: usize = 9;
}

/// Positions in a pool-sum statement.
pub mod sum_at {
    /// 1 for a neutral statement.
    pub const EMPTY: usize = 0;
    /// First index of the first proven range.
    pub const START: usize = 1;
    /// End (exclusive) of the last proven range.
    pub const END: usize = 2;
    /// Registry length L, epoch, slot, block root (hi, lo), D (hi, lo), A (hash, count): the
    /// values every proven range shares.
    pub const SHARED: usize = 3;
    /// Number of shared values.
    pub const SHARED_LEN: usize = 9;
    /// D (hi, lo) inside the shared values.
    pub const D: usize = 8;
    /// A's hash, then its count.
    pub const A: usize = 10;
    /// The five totals: count, total gwei, active, exited, slashed.
    pub const TOTALS: usize = 12;
}

/// Positions in a pool-balance leaf's instances (before wrapping).
pub mod leaf_at {
    /// Range start; then L, epoch, slot, block (2), D (2), A (2), totals (5).
    pub const START: usize = 0;
}

/// A chain state: the depth-24 `validators` data root `D`, the length `L` and the accounts
/// tree root `A`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChainState {
    /// `D`.
    pub d: [u8; 32],
    /// `L`.
    pub l: u64,
    /// `A`.
    pub a: AccNode,
}

impl ChainState {
    /// The empty registry: the state a cold report's chain starts from.
    pub fn cold() -> Self {
        ChainState {
            d: stakeproof_beacon::hash::zero_hash(ACCOUNTS_DEPTH),
            l: 0,
            a: crate::accounts::zero_nodes()[ACCOUNTS_DEPTH],
        }
    }

    /// The state's five instances.
    pub fn instances(&self) -> [Fr; STATE_LEN] {
        let (hi, lo) = node_limbs(&self.d);
        [
            hi,
            lo,
            Fr::from(self.l),
            self.a.hash,
            Fr::from(self.a.count),
        ]
    }
}

/// The pool as three instances: `exact, hi, lo`.
pub type PoolInstances = [Fr; 3];

/// The registry anchor of a pool's chain state: `Poseidon(pool(3), state(5))`. The oracle
/// stores the anchor of each accepted report; the next report's chain must start there (or
/// cold, whose anchor is published as 0).
pub fn anchor(pool: &PoolInstances, state: &[Fr]) -> Fr {
    debug_assert_eq!(state.len(), STATE_LEN);
    let mut p =
        snark_verifier::util::hash::Poseidon::<Fr, Fr, T, RATE>::new::<R_F, R_P, 0>(&NativeLoader);
    let mut input = pool.to_vec();
    input.extend_from_slice(state);
    p.update(&input);
    p.squeeze()
}

/// A wrapped delta/append leaf's chain statement from the leaf's 13 instances
/// (`pool(3), old(5), new(5)`).
pub fn chain_from_delta_leaf(leaf: &[Fr]) -> Vec<Fr> {
    let mut out = vec![Fr::zero()];
    out.extend_from_slice(leaf);
    out
}

/// A wrapped pool-balance leaf's sum statement from the leaf's 15 instances and its size.
pub fn sum_from_pool_balance_leaf(leaf: &[Fr], n_b: u64) -> Vec<Fr> {
    let mut out = vec![Fr::zero(), leaf[0], leaf[0] + Fr::from(n_b)];
    out.extend_from_slice(&leaf[1..]);
    out
}

/// The neutral statement of a tree: `empty = 1`, all else 0.
pub fn neutral(len: usize) -> Vec<Fr> {
    let mut v = vec![Fr::zero(); len];
    v[0] = Fr::one();
    v
}

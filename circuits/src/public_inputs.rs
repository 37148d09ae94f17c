//! The public-input layout of every circuit, in one place. The aggregation circuit and the
//! verifier read instances by these positions; change them here only.
//!
//! Conventions: a 32-byte root is two field elements `(hi, lo)`, each the big-endian integer of
//! 16 bytes; indices, lengths, epochs, counts are plain integers; a commitment is a field
//! element (Poseidon, see [`crate::poseidon`]).
//!
//! **Registry proof** (`registry-{n_r}`), 8 instances:
//!
//! | # | value |
//! |---|---|
//! | 0 | `start`: first validator index `a` (a multiple of `n_r`) |
//! | 1 | `fill`: entries of the range that are real validators, `clamp(L − a, 0, n_r)`; the rest are zero leaves |
//! | 2 | `pool_exact`: 1 for an exact-credential pool, 0 for an address pool |
//! | 3, 4 | `pool_hi`, `pool_lo`: the pool's 32 credential bytes (address pools: the `0x01` form) |
//! | 5, 6 | `root_hi`, `root_lo`: root of the aligned subtree of `validators` covering `[a, a+n_r)` |
//! | 7 | `commitment`: Poseidon of the range's packed accounts |
//!
//! `fill` rather than `L` keeps a registry proof valid when the registry grows: a full range
//! (`fill = n_r`) holds for every `L ≥ a + n_r`. The aggregation checks `fill` against `L`.
//!
//! **Balance proof** (`balance-{n_b}-{n_r}`), `10 + n_b/n_r` instances:
//!
//! | # | value |
//! |---|---|
//! | 0 | `start`: first balance index `b` (a multiple of `n_b`) |
//! | 1 | `L`: registry length (balances at indices ≥ L must be zero) |
//! | 2 | `epoch` the counts refer to |
//! | 3, 4 | `root_hi`, `root_lo`: root of the aligned subtree of `balances` chunks covering `[b, b+n_b)` |
//! | 5 .. 5+m | the `m = n_b/n_r` registry commitments of the ranges `[b + j·n_r, b + (j+1)·n_r)` |
//! | 5+m | `validator_count` |
//! | 6+m | `total_balance_gwei` |
//! | 7+m | `active_count` |
//! | 8+m | `exited_count` |
//! | 9+m | `slashed_count` |

use crate::gadgets::node_limbs;
use crate::pool::PoolSpec;
use crate::Fr;
use stakeproof_prover::hash::Node;
use stakeproof_prover::report::PoolTotals;

/// Number of registry-proof instances.
pub const REGISTRY_INSTANCES: usize = 8;

/// Public inputs of a registry proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegistryPublic {
    /// First validator index.
    pub start: u64,
    /// Real entries in the range.
    pub fill: u64,
    /// The pool.
    pub pool: PoolSpec,
    /// Subtree root.
    pub root: Node,
    /// Accounts commitment.
    pub commitment: Fr,
}

impl RegistryPublic {
    /// The instance column, in the documented order.
    pub fn to_instances(&self) -> Vec<Fr> {
        let (ph, pl) = node_limbs(&self.pool.credentials);
        let (rh, rl) = node_limbs(&self.root);
        vec![
            Fr::from(self.start),
            Fr::from(self.fill),
            Fr::from(self.pool.exact as u64),
            ph,
            pl,
            rh,
            rl,
            self.commitment,
        ]
    }
}

/// Public inputs of a balance proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BalancePublic {
    /// First balance index.
    pub start: u64,
    /// Registry length.
    pub registry_len: u64,
    /// Epoch of the counts.
    pub epoch: u64,
    /// Subtree root of the balances chunks.
    pub root: Node,
    /// Registry commitments used, in range order.
    pub commitments: Vec<Fr>,
    /// The pool's totals over the range.
    pub totals: PoolTotals,
}

impl BalancePublic {
    /// The instance column, in the documented order.
    pub fn to_instances(&self) -> Vec<Fr> {
        let (rh, rl) = node_limbs(&self.root);
        let mut v = vec![
            Fr::from(self.start),
            Fr::from(self.registry_len),
            Fr::from(self.epoch),
            rh,
            rl,
        ];
        v.extend_from_slice(&self.commitments);
        v.extend([
            Fr::from(self.totals.validator_count),
            crate::gadgets::fr_u128(self.totals.total_balance_gwei),
            Fr::from(self.totals.active_count),
            Fr::from(self.totals.exited_count),
            Fr::from(self.totals.slashed_count),
        ]);
        v
    }
}

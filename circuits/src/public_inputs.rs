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
//! **Balance proof** (`balance-{n_b}-{n_r}-d{depth}`), `11 + 3m` instances, `m = n_b/n_r`:
//!
//! | # | value |
//! |---|---|
//! | 0 | `start`: first balance index `b` (a multiple of `n_b`) |
//! | 1 | `L`: registry length (balances at indices ≥ L must be zero), bound by both list roots |
//! | 2 | `epoch` the counts refer to: `slot / SLOTS_PER_EPOCH` |
//! | 3 | `slot` of the block |
//! | 4, 5 | `block_hi`, `block_lo`: the beacon block root the range is opened in |
//! | 6+3j, 7+3j | root of the registry range `[b + j·n_r, b + (j+1)·n_r)` (hi, lo) |
//! | 8+3j | that range's registry commitment |
//! | 6+3m | `validator_count` |
//! | 7+3m | `total_balance_gwei` |
//! | 8+3m | `active_count` |
//! | 9+3m | `exited_count` |
//! | 10+3m | `slashed_count` |
//!
//! A balance proof is re-made for every report (balances change every epoch), so it carries the
//! per-report binding to the block root; registry proofs expose only their subtree root and stay
//! valid while their range is unchanged. The aggregation matches each balance proof's registry
//! roots and commitments with registry proofs.

use crate::gadgets::node_limbs;
use crate::pool::PoolSpec;
use crate::Fr;
use stakeproof_beacon::hash::Node;
use stakeproof_beacon::hexfmt::{self, HexError};
use stakeproof_beacon::report::PoolTotals;

/// A public input as text: the 32-byte big-endian word an EVM verifier reads, `0x`-hex. The
/// one display form of a field element (final artifacts, the native tree's commitments).
pub fn fr_hex(x: &Fr) -> String {
    let mut b = x.to_bytes();
    b.reverse();
    hexfmt::encode(b)
}

/// A field element that is not a public input's text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrHexError {
    /// Not 32 bytes of hex.
    #[error(transparent)]
    Hex(#[from] HexError),
    /// 32 bytes, but not below the field modulus.
    #[error("{0:?}: not below the scalar field modulus")]
    NotCanonical(String),
}

/// Parses [`fr_hex`] (the `0x` is optional, as for every hex input).
pub fn fr_from_hex(s: &str) -> Result<Fr, FrHexError> {
    let mut b = hexfmt::parse_fixed::<32>(s)?;
    b.reverse();
    Option::from(Fr::from_bytes(&b)).ok_or_else(|| FrHexError::NotCanonical(s.into()))
}

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
            Fr::from(self.pool.mode()),
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
    /// Slot of the block.
    pub slot: u64,
    /// The beacon block root.
    pub block_root: Node,
    /// Roots of the registry ranges of the balance range, in order.
    pub registry_roots: Vec<Node>,
    /// Registry commitments used, in range order.
    pub commitments: Vec<Fr>,
    /// The pool's totals over the range.
    pub totals: PoolTotals,
}

/// Number of balance-proof instances for `m` registry ranges per balance range.
pub fn balance_instances(m: usize) -> usize {
    11 + 3 * m
}

impl BalancePublic {
    /// The instance column, in the documented order.
    pub fn to_instances(&self) -> Vec<Fr> {
        let (bh, bl) = node_limbs(&self.block_root);
        let mut v = vec![
            Fr::from(self.start),
            Fr::from(self.registry_len),
            Fr::from(self.epoch),
            Fr::from(self.slot),
            bh,
            bl,
        ];
        for (r, c) in self.registry_roots.iter().zip(&self.commitments) {
            let (rh, rl) = node_limbs(r);
            v.extend([rh, rl, *c]);
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fr_hex_is_the_big_endian_word_and_parses_back() {
        let x = Fr::from(0x0102u64);
        let h = fr_hex(&x);
        assert_eq!(h, format!("0x{}0102", "0".repeat(60)));
        assert_eq!(fr_from_hex(&h), Ok(x));
        assert_eq!(fr_from_hex(&h[2..]), Ok(x));
        assert!(matches!(
            fr_from_hex(&format!("0x{}", "f".repeat(64))),
            Err(FrHexError::NotCanonical(_))
        ));
        assert!(matches!(fr_from_hex("0x01"), Err(FrHexError::Hex(_))));
    }
}

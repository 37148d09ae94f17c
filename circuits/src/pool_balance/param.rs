//! Pool-balance circuit parameters.

use super::witness::PoolBalanceError;
use super::D_DEPTH;
use crate::balance::witness::VALIDATORS_DEPTH;
use crate::leaf_size::{sha_min_k, MIN_BALANCE_K};

/// Size and layout of a pool-balance proof.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PoolBalanceParams {
    /// `log2(n_b)`: the range covers `2^log_n` balances (at least 4: one chunk; at most 2^24).
    pub log_n: u32,
    /// Depth of the state's field tree: 5 (phase0 … Deneb) or 6 (Electra, Fulu).
    pub state_depth: u32,
    /// Slots per epoch of the preset (32 mainnet, 8 minimal).
    pub slots_per_epoch: u64,
    /// The circuit has `2^k` rows.
    pub k: u32,
}

impl PoolBalanceParams {
    /// Parameters for ranges of `n_b` balances, at `k` (default: the smallest `k` that holds
    /// the SHA-256 region, and at least [`MIN_BALANCE_K`]).
    pub fn new(
        n_b: usize,
        state_depth: u32,
        slots_per_epoch: u64,
        k: Option<u32>,
    ) -> Result<Self, PoolBalanceError> {
        check_size(n_b)?;
        let mut p = PoolBalanceParams {
            log_n: n_b.trailing_zeros(),
            state_depth,
            slots_per_epoch,
            k: 0,
        };
        p.k = k.unwrap_or_else(|| sha_min_k(p.compressions()).max(MIN_BALANCE_K));
        Ok(p)
    }

    /// Balances per proof.
    pub fn n(&self) -> usize {
        1 << self.log_n
    }

    /// SHA-256 compressions (two per 64-byte node): the `n_b/4 − 1` balance subtree nodes, the
    /// balances lift (`40 − log2 n_b` levels), the 16 constant levels above `D`, two length
    /// mix-ins, two field openings and four header nodes.
    pub fn compressions(&self) -> usize {
        let levels = (VALIDATORS_DEPTH - self.log_n) as usize;
        let d_levels = VALIDATORS_DEPTH as usize - D_DEPTH;
        2 * (self.n() / 4 - 1 + levels + d_levels + 2 + 2 * self.state_depth as usize + 4)
    }

    /// Poseidon parents: the `n_b − 1` nodes of the accounts subtree and its `24 − log2 n_b`
    /// lift levels.
    pub fn poseidon_parents(&self) -> usize {
        self.n() - 1 + D_DEPTH - self.log_n as usize
    }

    /// The circuit's name in pinnings.
    pub fn name(&self) -> String {
        Self::name_of(self.n(), self.state_depth as usize, self.slots_per_epoch)
    }

    /// `pool-balance-{n_b}-d{depth}`, with `-s{slots}` for presets other than 32 slots per
    /// epoch.
    pub fn name_of(n_b: usize, depth: usize, slots_per_epoch: u64) -> String {
        let mut s = format!("pool-balance-{n_b}-d{depth}");
        if slots_per_epoch != 32 {
            s.push_str(&format!("-s{slots_per_epoch}"));
        }
        s
    }
}

/// `n_b` must be a power of two in `[4, 2^24]`.
pub(crate) fn check_size(n_b: usize) -> Result<(), PoolBalanceError> {
    if !n_b.is_power_of_two() || !(4..=1 << D_DEPTH).contains(&n_b) {
        return Err(PoolBalanceError::BadSize { n_b });
    }
    Ok(())
}

//! Balance circuit parameters.

use super::witness::VALIDATORS_DEPTH;

/// Size and layout of a balance proof.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BalanceParams {
    /// `log2(n_b)`: the range covers `2^log_n` balances (at least 4: one chunk).
    pub log_n: u32,
    /// `log2(n_r)` of the registry proofs whose commitments it consumes.
    pub log_registry: u32,
    /// Depth of the state's field tree: 5 (phase0 … Deneb) or 6 (Electra, Fulu).
    pub state_depth: u32,
    /// Slots per epoch of the preset (32 mainnet, 8 minimal).
    pub slots_per_epoch: u64,
    /// The circuit has `2^k` rows.
    pub k: u32,
}

impl BalanceParams {
    /// Balances per proof.
    pub fn n(&self) -> usize {
        1 << self.log_n
    }

    /// Registry range size.
    pub fn n_registry(&self) -> usize {
        1 << self.log_registry
    }

    /// SHA-256 compressions (two per 64-byte node): the `n_b/4 − 1` balance subtree nodes, the
    /// `n_b/n_r − 1` nodes over the registry roots, two lifts of `40 − log2 n_b` levels, two
    /// length mix-ins, two field openings and four header nodes.
    pub fn compressions(&self) -> usize {
        let levels = (VALIDATORS_DEPTH - self.log_n) as usize;
        let m = self.n() / self.n_registry();
        2 * (self.n() / 4 - 1 + m - 1 + 2 * levels + 2 + 2 * self.state_depth as usize + 4)
    }

    /// The circuit's name in pinnings.
    pub fn name(&self) -> String {
        Self::name_of(
            self.n(),
            self.n_registry(),
            self.state_depth as usize,
            self.slots_per_epoch,
        )
    }

    /// `balance-{n_b}-{n_r}-d{depth}`, with `-s{slots}` for presets other than 32 slots per
    /// epoch.
    pub fn name_of(n_b: usize, n_r: usize, depth: usize, slots_per_epoch: u64) -> String {
        let mut s = format!("balance-{n_b}-{n_r}-d{depth}");
        if slots_per_epoch != 32 {
            s.push_str(&format!("-s{slots_per_epoch}"));
        }
        s
    }
}

//! Balance circuit parameters.

/// Size of a balance proof.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BalanceParams {
    /// `log2(n_b)`: the range covers `2^log_n` balances (at least 4: one chunk).
    pub log_n: u32,
    /// `log2(n_r)` of the registry proofs whose commitments it consumes.
    pub log_registry: u32,
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

    /// SHA-256 compressions: `n_b/4 − 1` subtree nodes, two compressions each.
    pub fn compressions(&self) -> usize {
        2 * (self.n() / 4 - 1)
    }

    /// The circuit's name in pinnings.
    pub fn name(&self) -> String {
        format!("balance-{}-{}", self.n(), self.n_registry())
    }
}

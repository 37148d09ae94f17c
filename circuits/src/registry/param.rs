//! Registry circuit parameters.

/// Size of a registry proof.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RegistryParams {
    /// `log2(n_r)`: the range covers `2^log_n` validators.
    pub log_n: u32,
    /// The circuit has `2^k` rows.
    pub k: u32,
}

impl RegistryParams {
    /// Validators per proof.
    pub fn n(&self) -> usize {
        1 << self.log_n
    }

    /// SHA-256 compressions per proof: 8 hashes per container (pubkey leaf + 7 nodes) and
    /// `n_r − 1` subtree nodes, two compressions each.
    pub fn compressions(&self) -> usize {
        2 * (8 * self.n() + self.n() - 1)
    }

    /// The circuit's name in pinnings.
    pub fn name(&self) -> String {
        format!("registry-{}", self.n())
    }
}

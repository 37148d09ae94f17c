//! Pending-deposit circuit parameters.

/// SHA-256 compressions per queue entry: the pubkey's root (one 64-byte hash), the signature's
/// (three), the container's eight leaves (seven); two compressions per 64-byte hash.
pub const COMPRESSIONS_PER_ENTRY: usize = 2 * (1 + 3 + 7);

/// Size and layout of a pending-deposit proof.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PendingParams {
    /// `log2(n)`: the range covers `2^log_n` queue entries.
    pub log_n: u32,
    /// Depth of the queue's data tree (27: `PENDING_DEPOSITS_LIMIT = 2^27`).
    pub list_depth: u32,
    /// Depth of the state's field tree (6 from Electra on).
    pub state_depth: u32,
    /// Depth of the pool's credential-set tree (0 for an address or one credential).
    pub set_depth: u32,
}

impl PendingParams {
    /// Entries per proof.
    pub fn n(&self) -> usize {
        1 << self.log_n
    }

    /// SHA-256 compressions: the entries, the range's `n − 1` subtree nodes, the lift of
    /// `list_depth − log_n` levels, the length mix-in, the field opening and four header nodes.
    pub fn compressions(&self) -> usize {
        let levels = (self.list_depth - self.log_n) as usize;
        self.n() * COMPRESSIONS_PER_ENTRY
            + 2 * (self.n() - 1 + levels + 1 + self.state_depth as usize + 4)
    }

    /// The circuit's name in pinnings.
    pub fn name(&self) -> String {
        Self::name_of(self.n(), self.state_depth as usize, self.set_depth)
    }

    /// `pending-{n}-d{depth}`, with `-set{d}` for a credential-set pool.
    pub fn name_of(n: usize, state_depth: usize, set_depth: u32) -> String {
        let mut s = format!("pending-{n}-d{state_depth}");
        if set_depth > 0 {
            s.push_str(&format!("-set{set_depth}"));
        }
        s
    }
}

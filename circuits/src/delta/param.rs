//! Delta leaf parameters: the range size, the number of updates, the variant and `k`.

use super::native::DeltaError;
use crate::accounts::ACCOUNTS_DEPTH;
use crate::leaf_size::sha_min_k;

/// Size of a delta leaf: `K` sequential updates of aligned ranges of `n = 2^log_n` slots.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct DeltaParams {
    /// `log2(n)`: each update replaces `2^log_n` slots (below [`ACCOUNTS_DEPTH`]).
    pub log_n: u32,
    /// `K`: updates per leaf (at least one; unused ones are identity updates).
    pub updates: usize,
    /// The `append` variant: every update's old range is empty (`p·n ≥ L_old`), so no old
    /// container is witnessed or hashed.
    pub fresh: bool,
    /// The circuit has `2^k` rows.
    pub k: u32,
}

impl DeltaParams {
    /// The parameters at the smallest `k` that holds the SHA-256 region.
    pub fn new(log_n: u32, updates: usize, fresh: bool) -> Result<Self, DeltaError> {
        let mut p = DeltaParams {
            log_n,
            updates,
            fresh,
            k: 0,
        };
        p.check()?;
        p.k = sha_min_k(p.compressions());
        Ok(p)
    }

    /// Refuses a range size of the whole tree or more, or no update at all.
    pub fn check(&self) -> Result<(), DeltaError> {
        if self.log_n as usize >= ACCOUNTS_DEPTH {
            return Err(DeltaError::RangeTooLarge { log_n: self.log_n });
        }
        if self.updates == 0 {
            return Err(DeltaError::NoUpdates);
        }
        Ok(())
    }

    /// Slots per update.
    pub fn n(&self) -> usize {
        1 << self.log_n
    }

    /// Levels above an update's range: `24 − log_n` siblings per tree.
    pub fn levels(&self) -> usize {
        ACCOUNTS_DEPTH - self.log_n as usize
    }

    /// SHA-256 compressions (vanilla-circuit blocks) per leaf, each hash two of them. Per
    /// update: the old range (unless `fresh`) and the new range, `8n` container hashes and
    /// `n − 1` subtree nodes each, and two lifts of `24 − log_n` nodes (old and new roots along
    /// the same siblings). `n = 1`: 64 hashes = 128 compressions.
    pub fn compressions(&self) -> usize {
        let n = self.n();
        let range = 9 * n - 1;
        let ranges = if self.fresh { range } else { 2 * range };
        2 * self.updates * (ranges + 2 * self.levels())
    }

    /// The circuit's name in pinnings: `delta-{n}x{K}` or `append-{n}x{K}`.
    pub fn name(&self) -> String {
        let kind = if self.fresh { "append" } else { "delta" };
        format!("{kind}-{}x{}", self.n(), self.updates)
    }
}

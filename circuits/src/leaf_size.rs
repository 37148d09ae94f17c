//! Which leaf circuit, at which size: [`LeafSize`] names a registry or balance circuit by its
//! size parameters and picks the smallest `k` that holds its SHA-256 region; [`LeafWitness`]
//! is either kind's witness, so that code driving both kinds is written once.
//!
//! What a leaf circuit costs to key, prove and verify (time, memory, columns, cells) is measured
//! outside this crate, by `stakeproof_prover::circuit_cost`.

use crate::balance::{BalanceParams, BalanceWitness};
use crate::registry::{RegistryParams, RegistryWitness};
use crate::sha256::{ShaCalls, ROWS_PER_BLOCK};
use crate::util::circuit::{CircuitLogic, UNUSABLE_ROWS};
use crate::Fr;
use halo2_base::gates::RangeChip;
use halo2_base::{AssignedValue, Context};
use serde::{Deserialize, Serialize};

/// Smallest `k` [`LeafSize::balance`] picks: below it halo2-base spreads a balance proof's
/// cells over many short columns, which costs more than the rows it saves.
pub const MIN_BALANCE_K: u32 = 12;

/// Which leaf circuit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LeafKind {
    /// Registry proof (validator containers, `validators` subtree, accounts commitment).
    Registry,
    /// Balance proof (balances subtree, pool sums and counts).
    Balance,
}

impl LeafKind {
    /// `registry` or `balance`.
    pub fn name(&self) -> &'static str {
        match self {
            LeafKind::Registry => "registry",
            LeafKind::Balance => "balance",
        }
    }
}

/// A leaf circuit of a given size: the kind and its size parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LeafSize {
    /// A registry proof of `n_r` validators.
    Registry(RegistryParams),
    /// A balance proof of `n_b` balances consuming registry ranges of `n_r`.
    Balance(BalanceParams),
}

/// A size that is not a valid leaf shape: a range size that is not a power of two, or a balance
/// size that does not split into registry ranges.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct LeafSizeError(pub String);

/// Smallest `k` whose usable rows hold `blocks` SHA-256 blocks.
pub fn sha_min_k(blocks: usize) -> u32 {
    let rows = blocks * ROWS_PER_BLOCK + UNUSABLE_ROWS;
    rows.next_power_of_two().trailing_zeros()
}

fn log2_exact(n: usize, what: &str) -> Result<u32, LeafSizeError> {
    if n == 0 || !n.is_power_of_two() {
        return Err(LeafSizeError(format!("{what} {n} is not a power of two")));
    }
    Ok(n.trailing_zeros())
}

impl LeafSize {
    /// A registry proof of `n` validators at `k` (default: the smallest `k` that holds its
    /// SHA-256 region, e.g. 13 for 4 validators).
    pub fn registry(n: usize, k: Option<u32>) -> Result<Self, LeafSizeError> {
        let log_n = log2_exact(n, "registry size")?;
        let mut p = RegistryParams { log_n, k: 0 };
        p.k = k.unwrap_or_else(|| sha_min_k(p.compressions()));
        Ok(LeafSize::Registry(p))
    }

    /// A balance proof of `n_b` balances consuming registry ranges of `n_r`, for the Electra
    /// layout and mainnet preset, at `k` (default: the smallest `k` that holds its SHA-256
    /// region, at least [`MIN_BALANCE_K`]).
    pub fn balance(n_b: usize, n_r: usize, k: Option<u32>) -> Result<Self, LeafSizeError> {
        Self::balance_for(n_b, n_r, 6, 32, k)
    }

    /// A balance proof for a state layout of field-tree depth `state_depth` (5 up to Deneb, 6
    /// from Electra) and a preset of `slots_per_epoch`.
    pub fn balance_for(
        n_b: usize,
        n_r: usize,
        state_depth: u32,
        slots_per_epoch: u64,
        k: Option<u32>,
    ) -> Result<Self, LeafSizeError> {
        let log_n = log2_exact(n_b, "balance size")?;
        let log_registry = log2_exact(n_r, "registry size")?;
        if n_b < 4 || n_b < n_r {
            return Err(LeafSizeError(format!(
                "balance size {n_b} must be at least 4 and a multiple of the registry size {n_r}"
            )));
        }
        let mut p = BalanceParams {
            log_n,
            log_registry,
            state_depth,
            slots_per_epoch,
            k: 0,
        };
        p.k = k.unwrap_or_else(|| sha_min_k(p.compressions()).max(MIN_BALANCE_K));
        Ok(LeafSize::Balance(p))
    }

    /// The kind.
    pub fn kind(&self) -> LeafKind {
        match self {
            LeafSize::Registry(_) => LeafKind::Registry,
            LeafSize::Balance(_) => LeafKind::Balance,
        }
    }

    /// Validators (registry) or balances (balance) one proof covers.
    pub fn n(&self) -> usize {
        match self {
            LeafSize::Registry(p) => p.n(),
            LeafSize::Balance(p) => p.n(),
        }
    }

    /// Registry range size a balance proof consumes; `None` for a registry proof.
    pub fn n_registry(&self) -> Option<usize> {
        match self {
            LeafSize::Registry(_) => None,
            LeafSize::Balance(p) => Some(p.n_registry()),
        }
    }

    /// `k`: the circuit has `2^k` rows.
    pub fn k(&self) -> u32 {
        match self {
            LeafSize::Registry(p) => p.k,
            LeafSize::Balance(p) => p.k,
        }
    }

    /// SHA-256 compressions (vanilla-circuit blocks) per proof.
    pub fn compressions(&self) -> usize {
        match self {
            LeafSize::Registry(p) => p.compressions(),
            LeafSize::Balance(p) => p.compressions(),
        }
    }

    /// The circuit's name, e.g. `registry-4` or `balance-16-4`.
    pub fn name(&self) -> String {
        match self {
            LeafSize::Registry(p) => p.name(),
            LeafSize::Balance(p) => p.name(),
        }
    }
}

/// The witness of either leaf kind, so that code driving both kinds is written once.
#[derive(Clone, Debug)]
pub enum LeafWitness {
    /// A registry proof's witness.
    Registry(RegistryWitness),
    /// A balance proof's witness (boxed: it carries the Merkle paths to the block root).
    Balance(Box<BalanceWitness>),
}

impl CircuitLogic for LeafWitness {
    fn name(&self) -> String {
        match self {
            LeafWitness::Registry(w) => w.name(),
            LeafWitness::Balance(w) => w.name(),
        }
    }

    fn build(
        &self,
        ctx: &mut Context<Fr>,
        range: &RangeChip<Fr>,
        sha: &mut ShaCalls,
    ) -> Vec<AssignedValue<Fr>> {
        match self {
            LeafWitness::Registry(w) => w.build(ctx, range, sha),
            LeafWitness::Balance(w) => w.build(ctx, range, sha),
        }
    }
}

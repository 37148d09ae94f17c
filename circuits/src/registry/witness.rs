//! Registry witness: the range's validator containers, its fill and the pool.

use crate::pool::PoolSpec;
use crate::poseidon::Account;
use stakeproof_beacon::beacon::{BeaconState, Validator};
use stakeproof_beacon::report::Pool;

/// A witness that cannot be built.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum WitnessError {
    /// The range is not a power-of-two size aligned on its size.
    #[error("range start {start} is not aligned on the range size {size} (a power of two)")]
    Unaligned {
        /// Range start.
        start: u64,
        /// Range size.
        size: usize,
    },
    /// A balance range that does not split into whole registry ranges.
    #[error(
        "balance range size {n_b} is not a multiple of the registry range size {n_r}, or below 4"
    )]
    BadGrouping {
        /// Balance range size.
        n_b: usize,
        /// Registry range size.
        n_r: usize,
    },
}

pub(crate) fn check_aligned(start: u64, size: usize) -> Result<(), WitnessError> {
    if !size.is_power_of_two() || start % size as u64 != 0 {
        return Err(WitnessError::Unaligned { start, size });
    }
    Ok(())
}

/// Witness of one registry proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegistryWitness {
    /// First validator index `a`.
    pub start: u64,
    /// Real entries: `clamp(L − a, 0, n_r)`.
    pub fill: u64,
    /// The pool.
    pub pool: PoolSpec,
    /// `n_r` containers; those at positions ≥ `fill` are ignored (zero leaves) and set to the
    /// default validator.
    pub validators: Vec<Validator>,
}

impl RegistryWitness {
    /// The witness for validators `[start, start + n)` of `state`.
    pub fn from_state(
        state: &BeaconState,
        pool: &Pool,
        start: u64,
        n: usize,
    ) -> Result<Self, WitnessError> {
        check_aligned(start, n)?;
        let len = state.validator_count();
        let fill = len.saturating_sub(start).min(n as u64);
        let validators = (0..n as u64)
            .map(|i| {
                if i < fill {
                    state.validator(start + i).expect("index below L")
                } else {
                    Validator::default()
                }
            })
            .collect();
        Ok(RegistryWitness {
            start,
            fill,
            pool: PoolSpec::from(pool),
            validators,
        })
    }

    /// Range size `n_r`.
    pub fn n(&self) -> usize {
        self.validators.len()
    }

    /// The accounts the commitment covers (native).
    pub fn accounts(&self) -> Vec<Account> {
        self.validators
            .iter()
            .enumerate()
            .map(|(i, v)| {
                account_of(
                    v,
                    (i as u64) < self.fill && self.pool.matches(&v.withdrawal_credentials),
                )
            })
            .collect()
    }
}

/// The account of a validator, given whether it counts for the pool.
pub fn account_of(v: &Validator, member: bool) -> Account {
    Account {
        member,
        slashed: v.slashed,
        activation_epoch: v.activation_epoch,
        exit_epoch: v.exit_epoch,
    }
}

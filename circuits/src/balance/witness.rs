//! Balance witness: the range's balances and the accounts behind its registry commitments.

use crate::pool::PoolSpec;
use crate::poseidon::Account;
use crate::registry::witness::{account_of, check_aligned, WitnessError};
use stakeproof_prover::beacon::{BeaconState, Validator};
use stakeproof_prover::report::Pool;

/// Witness of one balance proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BalanceWitness {
    /// First balance index `b`.
    pub start: u64,
    /// Registry length L.
    pub registry_len: u64,
    /// Epoch of the counts.
    pub epoch: u64,
    /// `n_b` balances (zero at indices ≥ L).
    pub balances: Vec<u64>,
    /// `n_b` accounts, as the registry proofs of the range committed to them.
    pub accounts: Vec<Account>,
    /// Registry range size `n_r` (accounts are committed in groups of this size).
    pub group: usize,
}

impl BalanceWitness {
    /// The witness for balances `[start, start + n_b)` of `state` at `epoch`, consuming
    /// registry ranges of size `n_r`.
    pub fn from_state(
        state: &BeaconState,
        pool: &Pool,
        start: u64,
        n_b: usize,
        n_r: usize,
        epoch: u64,
    ) -> Result<Self, WitnessError> {
        check_aligned(start, n_b)?;
        if n_b < 4 || !n_r.is_power_of_two() || n_b % n_r != 0 {
            return Err(WitnessError::BadGrouping { n_b, n_r });
        }
        let spec = PoolSpec::from(pool);
        let len = state.validator_count();
        let bal_len = state.balance_count();
        let balances_all = state.balances_ssz();
        let mut balances = Vec::with_capacity(n_b);
        let mut accounts = Vec::with_capacity(n_b);
        for i in start..start + n_b as u64 {
            balances.push(if i < bal_len.min(len) {
                u64::from_le_bytes(
                    balances_all[i as usize * 8..i as usize * 8 + 8]
                        .try_into()
                        .expect("8 bytes"),
                )
            } else {
                0
            });
            accounts.push(if i < len {
                let v = state.validator(i).expect("index below L");
                let member = spec.matches(&v.withdrawal_credentials);
                account_of(&v, member)
            } else {
                account_of(&Validator::default(), false)
            });
        }
        Ok(BalanceWitness {
            start,
            registry_len: len,
            epoch,
            balances,
            accounts,
            group: n_r,
        })
    }

    /// Range size `n_b`.
    pub fn n(&self) -> usize {
        self.balances.len()
    }
}

//! Native twin of the balance circuit.

use super::BalanceWitness;
use crate::poseidon::commit_native;
use crate::public_inputs::BalancePublic;
use stakeproof_prover::hash::merkleize;
use stakeproof_prover::report::PoolTotals;
use stakeproof_prover::ssz::pack;

/// The balance proof's public inputs for `w`, computed natively.
pub fn balance_public(w: &BalanceWitness) -> BalancePublic {
    let bytes: Vec<u8> = w.balances.iter().flat_map(|b| b.to_le_bytes()).collect();
    let chunks = pack(&bytes);
    let mut totals = PoolTotals::default();
    for (a, &b) in w.accounts.iter().zip(&w.balances) {
        if a.member {
            totals.validator_count += 1;
            totals.total_balance_gwei += b as u128;
            totals.active_count += (a.activation_epoch <= w.epoch && w.epoch < a.exit_epoch) as u64;
            totals.exited_count += (a.exit_epoch <= w.epoch) as u64;
            totals.slashed_count += a.slashed as u64;
        }
    }
    BalancePublic {
        start: w.start,
        registry_len: w.registry_len,
        epoch: w.epoch,
        root: merkleize(&chunks, (w.n() / 4).trailing_zeros() as usize),
        commitments: w.accounts.chunks(w.group).map(commit_native).collect(),
        totals,
    }
}

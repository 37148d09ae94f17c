//! Shared by `pending.rs` and `tamper_pending.rs`: a devnet state with a pending-deposit queue,
//! its witnesses, and the mock-stage circuit with its MockProver verdict.
#![allow(dead_code)]

#[path = "mock.rs"]
mod shared;

pub use shared::{accepts, mock};
use stakeproof_beacon::beacon::BeaconState;
use stakeproof_beacon::devnet::{self, DevnetSpec};
use stakeproof_beacon::report::Pool;
use stakeproof_circuits::pending::PendingWitness;

/// Entries per pending-deposit proof under test.
pub const N_P: usize = 4;
/// `k` of the 4-entry circuit: 166 SHA-256 blocks of 72 rows.
pub const K_PENDING: usize = 14;
/// The queue's length in the test state: 9 ranges of 4, the last with one real entry.
pub const QUEUE: usize = 33;

/// The devnet spec of the test state: 16 validators, a queue of [`QUEUE`] entries.
pub fn spec() -> DevnetSpec {
    DevnetSpec {
        validators: 16,
        pending_deposits: QUEUE,
        ..Default::default()
    }
}

/// The test state.
pub fn state(spec: &DevnetSpec) -> BeaconState {
    devnet::build(spec).unwrap()
}

/// The witness of entries `[start, start + n)` of `st` for `pool`.
pub fn witness(st: &BeaconState, pool: &Pool, start: u64, n: usize) -> PendingWitness {
    let tree = st.tree().unwrap();
    let queue = st.pending_deposits_tree().unwrap();
    PendingWitness::from_state(st, &tree, &queue, pool, start, n).unwrap()
}

/// The first range of the test state holding a pool entry and a non-pool one, and their
/// positions in it.
pub fn mixed_range(st: &BeaconState, pool: &Pool) -> (u64, usize, usize) {
    let entries = st.pending_deposit_entries().unwrap();
    for s in (0..entries.len()).step_by(N_P) {
        let end = (s + N_P).min(entries.len());
        let is = |i: &usize| pool.matches(entries[*i][48..80].try_into().unwrap());
        let member = (s..end).find(is);
        let other = (s..end).find(|i| !is(i));
        if let (Some(m), Some(o)) = (member, other) {
            return (s as u64, m - s, o - s);
        }
    }
    panic!("the test queue has a range with both kinds of entry")
}

//! The pending-deposit circuit against its native twin and the beacon-data layer: every range
//! of a devnet queue (a full one, the partial last one, one past the length), an empty queue, a
//! credential set, and a state before Electra. Tampered witnesses and public inputs:
//! `tamper_pending.rs`; a real KZG proof under the committed pinning and its tampered
//! statements: `tamper_kzg.rs`.

#[path = "common/pending.rs"]
mod common;

use common::{accepts, mock, spec, state, witness, K_PENDING, N_P, QUEUE};
use stakeproof_beacon::beacon::{BeaconState, Fork};
use stakeproof_beacon::devnet::{self, DevnetSpec};
use stakeproof_beacon::pool_set::{set_key, CredentialKeys};
use stakeproof_beacon::report::{pending_deposits, Pool};
use stakeproof_circuits::pending::{
    pending_public, PendingError, PendingWitness, PENDING_INSTANCES,
};
use std::sync::Arc;

/// Σ over every range of the queue (natively) equals the beacon report's pending deposits.
fn native_sum(st: &BeaconState, pool: &Pool, n: usize) -> (u64, u128) {
    let len = st.pending_deposits_tree().unwrap().length;
    let ranges = len.div_ceil(n as u64).max(1);
    (0..ranges)
        .map(|r| pending_public(&witness(st, pool, r * n as u64, n)))
        .fold((0, 0), |(c, g), p| (c + p.count, g + p.total_gwei))
}

#[test]
fn native_twin_sums_to_the_report_on_every_range() {
    let spec = spec();
    let st = state(&spec);
    let block = st.tree().unwrap().block_root();
    for pool in [
        Pool::Address(spec.pool),
        Pool::Address([0xee; 20]),
        Pool::Credentials(
            st.pending_deposit_entries().unwrap()[3][48..80]
                .try_into()
                .unwrap(),
        ),
    ] {
        let want = pending_deposits(&st, &pool);
        for n in [1, 4, 16, 64] {
            assert_eq!(
                native_sum(&st, &pool, n),
                (want.pending_deposit_count, want.pending_deposit_gwei),
                "{pool} at ranges of {n}"
            );
        }
        let p = pending_public(&witness(&st, &pool, 0, N_P));
        assert_eq!(p.block_root, block, "the range opens to the block root");
        assert_eq!(p.queue_len, QUEUE as u64);
        assert_eq!(p.to_instances().len(), PENDING_INSTANCES);
    }
    assert!(pending_deposits(&st, &Pool::Address(spec.pool)).pending_deposit_count >= 5);
}

#[test]
fn circuit_equals_native_on_full_partial_and_empty_ranges() {
    let spec = spec();
    let st = state(&spec);
    let pool = Pool::Address(spec.pool);
    // A full range with pool entries, the last one (1 of 4 real), one past the length.
    let (mixed, _, _) = common::mixed_range(&st, &pool);
    for start in [mixed, 32, 36] {
        let w = witness(&st, &pool, start, N_P);
        let (c, inst) = mock(&w, K_PENDING);
        assert_eq!(inst, pending_public(&w).to_instances(), "range at {start}");
        assert!(accepts(&c, inst), "range at {start}");
    }
    // An empty queue: one range proves the length 0 and counts nothing.
    let empty = devnet::build(&DevnetSpec {
        validators: 16,
        ..Default::default()
    })
    .unwrap();
    let w = witness(&empty, &pool, 0, N_P);
    let (c, inst) = mock(&w, K_PENDING);
    let p = pending_public(&w);
    assert_eq!((p.queue_len, p.count, p.total_gwei), (0, 0, 0));
    assert_eq!(inst, p.to_instances());
    assert!(accepts(&c, inst));
}

#[test]
fn a_credential_set_pool_matches_its_members() {
    let spec = spec();
    let st = state(&spec);
    let entries = st.pending_deposit_entries().unwrap();
    let cred = |i: usize| -> [u8; 32] { entries[i][48..80].try_into().unwrap() };
    // Entries 0 and 2 in the set (a key reads 0x02 as 0x01), plus an address in neither.
    let keys = vec![set_key(&cred(0)), set_key(&cred(2)), set_key(&[0x01; 32])];
    let pool = Pool::Set(Arc::new(CredentialKeys::new(keys, None).unwrap()));
    let w = witness(&st, &pool, 0, N_P);
    let p = pending_public(&w);
    assert!(p.count >= 2, "both set members counted");
    let (c, inst) = mock(&w, K_PENDING + 1);
    assert_eq!(inst, p.to_instances());
    assert!(accepts(&c, inst));
    assert!(w.params().name().contains("-set"));
}

#[test]
fn before_electra_and_beyond_the_limit_are_refused() {
    let deneb = devnet::build(&DevnetSpec {
        fork: Fork::Deneb,
        validators: 8,
        ..Default::default()
    })
    .unwrap();
    let tree = deneb.tree().unwrap();
    let st = state(&spec());
    let queue = st.pending_deposits_tree().unwrap();
    let pool = Pool::Address([1; 20]);
    let e = PendingWitness::from_state(&deneb, &tree, &queue, &pool, 0, 4).unwrap_err();
    assert!(
        matches!(e, PendingError::NoQueue { fork: Fork::Deneb }),
        "{e}"
    );
    assert!(e.to_string().contains("deneb"), "{e}");
    let tree = st.tree().unwrap();
    for (start, n) in [(2, 4), (0, 3)] {
        let e = PendingWitness::from_state(&st, &tree, &queue, &pool, start, n).unwrap_err();
        assert!(matches!(e, PendingError::Range(_)), "{e}");
    }
    let e = PendingWitness::from_state(&st, &tree, &queue, &pool, 1 << 27, 4).unwrap_err();
    assert!(matches!(e, PendingError::BeyondLimit { .. }), "{e}");
}

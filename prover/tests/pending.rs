//! The pending-deposit leaves through the prover: every range of a devnet queue proven (real
//! KZG proofs on an unsafe local setup), their sums equal to the native report, a second run
//! reusing every proof, an empty queue proven by one leaf, and no leaf before Electra.

use stakeproof_beacon::beacon::Fork;
use stakeproof_beacon::devnet::{self, DevnetSpec};
use stakeproof_beacon::report::{pending_deposits, Pool};
use stakeproof_prover::leaves::{LeafConfig, WorkDir};
use stakeproof_prover::options::ProveOptions;
use stakeproof_prover::pending::prove_pending;
use stakeproof_prover::srs::Srs;

#[test]
fn a_queue_is_proven_range_by_range_and_reused() {
    let spec = DevnetSpec {
        validators: 8,
        pending_deposits: 3,
        ..Default::default()
    };
    let st = devnet::build(&spec).unwrap();
    let pool = Pool::Address(spec.pool);
    let dir = tempfile::tempdir().unwrap();
    let work = WorkDir {
        root: dir.path().to_path_buf(),
    };
    let srs = Srs::unsafe_local(13, 42, Some(&work.srs())).unwrap();
    let opts = ProveOptions::new(LeafConfig::small());
    // Ranges of one entry (k = 13: the smallest circuit, the shortest test).
    let first = prove_pending(&st, &pool, &srs, &work, &opts, 1)
        .unwrap()
        .expect("an Electra queue");
    assert_eq!(first.leaves.len(), 3);
    assert_eq!((first.queue_len, first.k), (3, 13));
    assert!(first.leaves.iter().all(|l| !l.reused));
    assert_eq!(first.leaves[2].start, 2);
    assert_eq!(first.leaves[0].circuit, "pending-1-d6");
    let native = pending_deposits(&st, &pool);
    assert!(
        native.pending_deposit_count >= 1,
        "the queue holds a pool entry"
    );
    assert_eq!(
        (first.pending_deposit_count, first.pending_deposit_gwei),
        (native.pending_deposit_count, native.pending_deposit_gwei)
    );
    let again = prove_pending(&st, &pool, &srs, &work, &opts, 1)
        .unwrap()
        .unwrap();
    assert!(
        again.leaves.iter().all(|l| l.reused),
        "nothing proven twice"
    );

    // An empty queue: one leaf proves the length 0.
    let empty = devnet::build(&DevnetSpec {
        validators: 8,
        ..Default::default()
    })
    .unwrap();
    let e = prove_pending(&empty, &pool, &srs, &work, &opts, 1)
        .unwrap()
        .unwrap();
    assert_eq!(
        (e.leaves.len(), e.queue_len, e.pending_deposit_count),
        (1, 0, 0)
    );

    // Before Electra: no queue, nothing to prove.
    let deneb = devnet::build(&DevnetSpec {
        fork: Fork::Deneb,
        validators: 8,
        ..Default::default()
    })
    .unwrap();
    assert!(prove_pending(&deneb, &pool, &srs, &work, &opts, 1)
        .unwrap()
        .is_none());
}

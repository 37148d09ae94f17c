//! The aggregation's combination (what a node checks between its children) in-circuit against
//! its native twin, on real leaf statements of devnet states. The snark verification around it
//! is snark-verifier's and is exercised by the real proofs of the end-to-end tests. Foreign
//! children, rejected by both twins: `tamper_aggregation.rs`.

#[path = "common/aggregation.rs"]
mod common;

use common::{
    both, covers_both, final_pending_spec, join_spec, pending_join_spec, queue_run, seg_spec,
    Fixture,
};
use stakeproof_beacon::report::pending_deposits;
use stakeproof_beacon::report::pool_totals;
use stakeproof_circuits::pending::aggregate::run_at;
use stakeproof_circuits::pending::aggregate::RunTreeShape;
use stakeproof_circuits::Fr;

#[test]
fn a_whole_registry_combines_to_the_native_report() {
    // L = 37: three balance ranges of 16 (the last one partial), four registry ranges of 4 each.
    let f = Fixture::new(37, 5);
    let segs: Vec<Vec<Fr>> = [0u64, 16, 32]
        .iter()
        .map(|&s| {
            both(
                &seg_spec(16, 4, false),
                &[f.registry(s, 4, 4), f.balance(s, 16, 4)],
            )
            .unwrap()
        })
        .collect();
    let left = both(&join_spec(false), &[segs[0].clone(), segs[1].clone()]).unwrap();
    let fin = both(&join_spec(true), &[left, segs[2].clone()]).unwrap();
    let t = pool_totals(&f.state, &f.pool, f.state.epoch(), 0..37).unwrap();
    let tree = f.state.tree().unwrap();
    let (bh, bl) = stakeproof_circuits::gadgets::node_limbs(&tree.block_root());
    assert_eq!(fin[0], bh);
    assert_eq!(fin[1], bl);
    assert_eq!(fin[2], Fr::from(f.state.slot()));
    assert_eq!(fin[6], Fr::from(37));
    assert_eq!(fin[7], Fr::from(t.validator_count));
    assert_eq!(
        fin[8],
        stakeproof_circuits::gadgets::fr_u128(t.total_balance_gwei)
    );
    assert_eq!(fin[9], Fr::from(t.active_count));
    assert_eq!(fin[10], Fr::from(t.exited_count));
    assert_eq!(fin[11], Fr::from(t.slashed_count));
}

#[test]
fn one_segment_can_be_final() {
    for len in [1usize, 7, 8] {
        let f = Fixture::new(len, 9);
        let fin = both(
            &seg_spec(8, 8, true),
            &[f.registry(0, 8, 1), f.balance(0, 8, 8)],
        )
        .unwrap();
        assert_eq!(fin[6], Fr::from(len as u64));
    }
}

#[test]
fn a_whole_queue_combines_to_the_native_pending_sum() {
    // A queue of 37: five leaves of 8 (the last holds 5), joined left to right.
    let f = Fixture::with_queue(8, 37, 5);
    let mut run = f.pending_run(0, 8);
    for s in [8u64, 16, 24, 32] {
        assert!(!covers_both(&run), "[0, {s}) does not cover 37 entries");
        run = both(&pending_join_spec(), &[run, f.pending_run(s, 8)]).unwrap();
    }
    assert!(covers_both(&run));
    let want = pending_deposits(&f.state, &f.pool);
    assert!(want.pending_deposit_count > 0);
    assert_eq!(run[run_at::END], Fr::from(40));
    assert_eq!(run[run_at::QUEUE_LEN], Fr::from(37));
    assert_eq!(run[run_at::COUNT], Fr::from(want.pending_deposit_count));
    assert_eq!(
        run[run_at::TOTAL],
        stakeproof_circuits::gadgets::fr_u128(want.pending_deposit_gwei)
    );
    let (bh, _) = stakeproof_circuits::gadgets::node_limbs(&f.state.tree().unwrap().block_root());
    assert_eq!(run[run_at::BLOCK_ROOT], bh);
    // An empty queue: one leaf covers it, and counts nothing.
    let empty = Fixture::with_queue(8, 0, 5);
    let run = empty.pending_run(0, 8);
    assert!(covers_both(&run));
    assert_eq!(run[run_at::COUNT], Fr::zero());
}

/// The queue's runs in a fixed-depth tree padded with neutral runs, built by the prover's own
/// fold (`fold_run_tree`, each node checked by both twins): the top covers the queue with the
/// native sums at any depth, and the fold makes the nodes `RunTreeShape` counts.
#[test]
fn a_fixed_depth_run_tree_with_padding_combines_to_the_native_pending_sum() {
    use stakeproof_circuits::pending::aggregate::fold_run_tree;
    let f = Fixture::with_queue(8, 37, 5);
    let want = pending_deposits(&f.state, &f.pool);
    // The padding leaf: any leaf of the circuit (here another state's), its values unused.
    let pad = Fixture::with_queue(8, 0, 9);
    for depth in [3u32, 4] {
        let wraps: Vec<Vec<Fr>> = (0..5).map(|i| f.pending_run(8 * i, 8)).collect();
        let (mut neutral_wraps, mut joins) = (0u64, 0u64);
        let shape = RunTreeShape::new(5, depth).unwrap();
        let top = fold_run_tree(
            wraps,
            &shape,
            || {
                neutral_wraps += 1;
                Ok::<_, String>(pad.neutral_pending_run(0, 8))
            },
            |a, b| {
                joins += 1;
                both(&pending_join_spec(), &[a, b])
            },
        )
        .unwrap();
        assert!(covers_both(&top), "depth {depth}");
        assert_eq!(top[run_at::END], Fr::from(40));
        assert_eq!(top[run_at::COUNT], Fr::from(want.pending_deposit_count));
        assert_eq!(
            top[run_at::TOTAL],
            stakeproof_circuits::gadgets::fr_u128(want.pending_deposit_gwei)
        );
        assert_eq!(neutral_wraps, 1);
        assert_eq!(joins, shape.real_nodes() - 5 + u64::from(shape.neutral - 1));
    }
}

/// The final node `[Summary, Pending]`: the registry's final statement with the pool's pending
/// count and sum appended, equal to the native report's; `describe` names them.
#[test]
fn the_final_node_appends_the_pools_pending_deposits() {
    use stakeproof_circuits::aggregation::layout::{Statement, FINAL_LEN};
    for queue in [0usize, 37] {
        let f = Fixture::with_queue(8, queue, 5);
        let summary = both(
            &seg_spec(8, 8, false),
            &[f.registry(0, 8, 1), f.balance(0, 8, 8)],
        )
        .unwrap();
        let registry_only = both(
            &seg_spec(8, 8, true),
            &[f.registry(0, 8, 1), f.balance(0, 8, 8)],
        )
        .unwrap();
        let run = queue_run(&f, 8);
        let fin = both(&final_pending_spec(), &[summary, run]).unwrap();
        assert_eq!(
            final_pending_spec().output().unwrap(),
            Statement::FinalPending
        );
        assert_eq!(fin.len(), FINAL_LEN + 2);
        assert_eq!(fin[..FINAL_LEN], registry_only[..]);
        let want = pending_deposits(&f.state, &f.pool);
        assert_eq!(queue == 0, want.pending_deposit_count == 0);
        assert_eq!(fin[FINAL_LEN], Fr::from(want.pending_deposit_count));
        assert_eq!(
            fin[FINAL_LEN + 1],
            stakeproof_circuits::gadgets::fr_u128(want.pending_deposit_gwei)
        );
        let d = Statement::FinalPending.describe(&fin);
        assert_eq!(d["pending_deposit_count"], want.pending_deposit_count);
        assert_eq!(d["slot"], f.state.slot());
    }
}

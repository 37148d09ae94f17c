//! Unit tests of the cost model (`model.rs`): the issue's mainnet figures, pool placement, bounds.

use super::*;
use crate::estimate::profile::Profile;

fn sizes() -> Sizes {
    Profile::builtin("24g").unwrap().sizes
}

#[test]
fn compressions_per_leaf() {
    let s = sizes();
    assert_eq!(compressions(Kind::RegistryLeaf, &s, 24), 4606);
    assert_eq!(compressions(Kind::RegistryLeaf, &s, 24), 2 * (9 * 256 - 1));
    // n_b/4 − 1 + m − 1 + 2·29 + 2 + 2·6 + 4 hashes.
    assert_eq!(compressions(Kind::BalanceLeaf, &s, 24), 2 * 594);
    assert_eq!(compressions(Kind::DeltaLeaf, &s, 24), 32 * 128);
    assert_eq!(compressions(Kind::AppendLeaf, &s, 24), 4606 + 4 * 16);
    // Old and new containers, the two lifts as in an append.
    assert_eq!(compressions(Kind::BoundaryLeaf, &s, 24), 2 * 4606 + 4 * 16);
    // 511 + 29 + 1 + 16 + 1 + 12 + 4 hashes.
    assert_eq!(compressions(Kind::PoolBalanceLeaf, &s, 24), 2 * 574);
    assert_eq!(compressions(Kind::DeltaJoin, &s, 24), 0);
    assert_eq!(leaf_k(Kind::RegistryLeaf, &s, 24), Some(19));
    assert_eq!(leaf_k(Kind::DeltaLeaf, &s, 24), Some(19));
    assert_eq!(leaf_k(Kind::BoundaryLeaf, &s, 24), Some(20));
    assert_eq!(leaf_k(Kind::RunPair, &s, 24), None);
}

#[test]
fn trees_join_left_to_right() {
    assert_eq!(tree_nodes(1, 2), 0);
    assert_eq!(tree_nodes(8, 2), 7);
    assert_eq!(tree_nodes(1024, 2), 1023);
    assert_eq!(tree_nodes(5, 2), 4);
    assert_eq!(tree_levels(5, 2).len(), 3);
    assert_eq!(tree_nodes(16, 4), 5);
    assert_eq!(tree_nodes(5, 4), 2);
    assert_eq!(tree_levels(8192, 2).len(), 13);
    let l = tree_levels(5, 2);
    assert_eq!(
        l[2],
        Level {
            full: 0,
            width: 8,
            tail: Some(5)
        }
    );
    assert_eq!(ceil_log2(1), 0);
    assert_eq!(ceil_log2(5), 3);
    assert_eq!(ceil_log2(1 << 21), 21);
}

#[test]
fn mainnet_today_matches_the_issue() {
    let r = today(&Inputs::default(), &sizes()).unwrap();
    // 8192 leaves and wraps, 1024 × 7 runs, 1024 × 3 balance proofs, 1023 joins.
    assert_eq!(r.cold.proofs(), 27_647.0);
    assert_eq!(r.cold.of(Kind::RunPair), 7168.0);
    let later = r.later.proofs();
    assert!((14_100.0..14_300.0).contains(&later), "{later}");
    // ~32% of 8192 ranges plus the 9 appended ones.
    let touched = r.later.of(Kind::RegistryLeaf);
    assert!((2650.0..2660.0).contains(&touched), "{touched}");
}

#[test]
fn mainnet_new_design() {
    let r = new_design(&Inputs::default(), &sizes()).unwrap();
    let l = &r.later;
    assert_eq!(l.of(Kind::DeltaLeaf), 100.0);
    assert_eq!(l.of(Kind::AppendLeaf), 8.0);
    assert_eq!(l.of(Kind::BoundaryLeaf), 1.0);
    assert_eq!(l.of(Kind::DeltaWrap), 109.0);
    assert_eq!(l.of(Kind::DeltaJoin), 108.0);
    // A 30% pool in runs of 100 touches nearly every one of the 1024 balance ranges.
    let leaves = l.of(Kind::PoolBalanceLeaf);
    assert!((1015.0..1024.0).contains(&leaves), "{leaves}");
    // The fixed tree over 8192 slots: ~1023 nodes under the registry plus the spine.
    let joins = l.of(Kind::BalanceJoin);
    assert!((1015.0..1027.0).contains(&joins), "{joins}");
    assert_eq!(r.cold.of(Kind::AppendLeaf), 8192.0);
    assert_eq!(r.cold.of(Kind::DeltaJoin), 8191.0);
}

#[test]
fn pool_placement() {
    let mut i = Inputs::default();
    assert_eq!(i.hit(1 << 21, 2048), 0.0);
    i.pool_share = 0.0;
    assert_eq!(i.hit(0, 2048), 0.0);
    // Spread 1%: a range of 2048 almost surely holds a member.
    i.pool_share = 0.01;
    i.layout = Layout::Spread;
    assert!((i.hit(0, 2048) - (1.0 - 0.99f64.powi(2048))).abs() < 1e-12);
    // Runs 1%: ~210 runs, each meeting a given range with probability 2147/N.
    i.layout = Layout::Runs;
    let runs = 0.01 * (1u64 << 21) as f64 / 100.0;
    let q = 2147.0 / ((1u64 << 21) - 99) as f64;
    assert!((i.hit(0, 2048) - (1.0 - (1.0 - q).powf(runs))).abs() < 1e-12);
    let r = new_design(&i, &sizes()).unwrap();
    let leaves = r.later.of(Kind::PoolBalanceLeaf);
    assert!((190.0..205.0).contains(&leaves), "{leaves}");
    // A member in the one range of a tiny registry.
    let tiny = Inputs {
        validators: 1,
        run_length: 1,
        pool_share: 1.0,
        ..Inputs::default()
    };
    assert_eq!(tiny.hit(0, 2048), 1.0);
}

#[test]
fn no_change_reproves_no_registry_range() {
    let i = Inputs {
        exits: 0,
        appended: 0,
        balance_changes: 0,
        ..Inputs::default()
    };
    let r = today(&i, &sizes()).unwrap();
    assert_eq!(r.later.of(Kind::RegistryLeaf), 0.0);
    assert_eq!(r.later.of(Kind::RunPair), 0.0);
    assert_eq!(r.later.branches.len(), 1);
    let n = new_design(&i, &sizes()).unwrap();
    assert_eq!(n.later.of(Kind::DeltaLeaf), 0.0);
    assert_eq!(n.later.of(Kind::DeltaJoin), 0.0);
}

#[test]
fn bounds_are_checked() {
    let s = sizes();
    for bad in [
        Inputs {
            validators: 0,
            ..Inputs::default()
        },
        Inputs {
            validators: MAX_VALIDATORS + 1,
            ..Inputs::default()
        },
        Inputs {
            pool_share: 1.5,
            ..Inputs::default()
        },
        Inputs {
            pool_share: f64::NAN,
            ..Inputs::default()
        },
        Inputs {
            run_length: 0,
            ..Inputs::default()
        },
        Inputs {
            exits: MAX_CHURN + 1,
            ..Inputs::default()
        },
        Inputs {
            validators: 10,
            run_length: 1,
            appended: 11,
            ..Inputs::default()
        },
    ] {
        assert!(today(&bad, &s).is_err(), "{bad:?}");
        assert!(new_design(&bad, &s).is_err(), "{bad:?}");
    }
    // The largest registry and churn: finite figures, no overflow.
    let big = Inputs {
        validators: MAX_VALIDATORS,
        exits: MAX_CHURN,
        appended: MAX_CHURN,
        balance_changes: MAX_CHURN,
        run_length: MAX_VALIDATORS,
        pool_share: 1.0,
        ..Inputs::default()
    };
    let t = today(&big, &s).unwrap();
    assert_eq!(t.cold.of(Kind::RegistryLeaf), (1u64 << 32) as f64);
    assert!(t.later.proofs().is_finite());
    let n = new_design(&big, &s).unwrap();
    assert!(n.later.proofs().is_finite() && n.cold.proofs().is_finite());
    assert_eq!(big.slot_depth(), 40);
}

type Design = fn(&Inputs, &Sizes) -> Result<Reports, InputError>;

#[test]
fn pending_deposits_add_their_own_branch_every_report() {
    let s = sizes();
    // 256 entries a leaf: 22 compressions an entry, 255 subtree nodes, a lift of 19, the
    // length, 6 field levels and 4 header nodes (hashes).
    assert_eq!(
        compressions(Kind::PendingLeaf, &s, 24),
        256 * 22 + 2 * (255 + 19 + 1 + 6 + 4)
    );
    assert_eq!(leaf_k(Kind::PendingLeaf, &s, 24), Some(19));
    let base = Inputs::default();
    let with = |q| Inputs {
        pending_deposits: Some(q),
        ..Inputs::default()
    };
    // The join of the queue's run with the balance side: today's final node itself, the new
    // design's own pending join.
    for (design, own_join) in [(today as Design, 0.0), (new_design, 1.0)] {
        let (a, b) = (
            design(&base, &s).unwrap(),
            design(&with(10_000), &s).unwrap(),
        );
        // ⌈10,000 / 256⌉ = 40 leaves, 40 wraps, and the joins of a run tree of depth 12
        // (2^20 entries): 20 + 10 + 5 + 3 + 2 + 1 real joins on levels 1 to 6, then one on each
        // of levels 7 to 12, 47 in all; then the join with the balance side.
        let shape = RunTreeShape::new(40, 12).unwrap();
        assert_eq!(shape.real_nodes() - 40, 47);
        // Levels 3 (5 runs), 4 (3 runs) and 6 to 11 (one run each) are padded: neutral nodes on
        // levels 0..12, proven once with their padding leaf (cold only).
        assert_eq!(shape.neutral, 12);
        for (x, y, pad) in [(&a.cold, &b.cold, 1.0), (&a.later, &b.later, 0.0)] {
            assert_eq!(y.of(Kind::PendingLeaf), 40.0 + pad);
            assert_eq!(y.of(Kind::PendingWrap), 40.0 + pad);
            assert_eq!(y.of(Kind::PendingPair), 47.0 + 11.0 * pad + own_join);
            assert_eq!(
                y.proofs() - x.proofs(),
                40.0 + 40.0 + 47.0 + 1.0 + pad * (1.0 + 1.0 + 11.0)
            );
            assert_eq!(x.of(Kind::PendingLeaf), 0.0);
        }
        // Later reports re-prove the whole queue: it shifts as it is processed (only the
        // padding is reused).
        assert_eq!(
            b.cold.of(Kind::PendingLeaf),
            b.later.of(Kind::PendingLeaf) + 1.0
        );
        // An empty queue is still proven empty: one leaf.
        assert_eq!(
            design(&with(0), &s).unwrap().later.of(Kind::PendingLeaf),
            1.0
        );
    }
    // A single-segment registry: the segment node is no longer the final one.
    let small = Inputs {
        validators: 1000,
        run_length: 10,
        exits: 1,
        appended: 1,
        balance_changes: 1,
        pending_deposits: Some(3),
        ..Inputs::default()
    };
    let p = today(&small, &s).unwrap().cold;
    assert_eq!(p.of(Kind::SegmentJoin), 1.0);
    assert_eq!(p.of(Kind::Final), 1.0);
    assert_eq!(
        p.of(Kind::PendingPair),
        12.0 + 11.0,
        "one leaf: its run joins a neutral run on each of 12 levels (11 neutral joins, cold), \
         then the final joins it"
    );
    // Before Electra there is no queue.
    let deneb = Sizes {
        state_depth: 5,
        ..s
    };
    assert_eq!(
        today(&with(10_000), &deneb)
            .unwrap()
            .cold
            .of(Kind::PendingLeaf),
        0.0
    );
    for q in [1 << 28, (1 << 20) + 1] {
        assert!(matches!(
            with(q).validate(),
            Err(InputError::PendingDeposits(_))
        ));
    }
    assert!(with(1 << 20).validate().is_ok());
}

//! The chain design's plan and native tree on devnet states (no proving): a chain of three
//! reports through the work directory's cache, anchors chaining, leaf counts following the
//! changes, fixed node shapes, and the cache's refusals.

use stakeproof_beacon::beacon::{BeaconState, Fork, Validator};
use stakeproof_beacon::devnet::{self, DevnetSpec};
use stakeproof_beacon::report::{pool_report, Pool};
use stakeproof_circuits::chain::ChainState;
use stakeproof_prover::chain::{
    check_report, native_chain, plan, ChainCache, ChainError, ChainPlan, ChainSizes,
    PreviousRegistry, Role,
};

const ZERO: &str = "0x0000000000000000000000000000000000000000000000000000000000000000";

fn spec() -> DevnetSpec {
    DevnetSpec {
        validators: 22,
        pool_permille: 400,
        seed: 15,
        ..Default::default()
    }
}

fn state(vals: &[Validator], bals: &[u64], slot: u64) -> BeaconState {
    let at = DevnetSpec {
        validators: vals.len(),
        slot,
        ..spec()
    };
    BeaconState::decode(
        devnet::state_ssz(&at, vals, bals),
        Fork::Electra,
        &at.preset,
    )
    .unwrap()
}

fn pool() -> Pool {
    Pool::Address(spec().pool)
}

fn sizes() -> ChainSizes {
    ChainSizes {
        delta_updates: 2,
        append_n: 4,
        pool_balance_n: 4,
        delta_depth: 2,
        append_depth: 3,
        sum_depth: 3,
    }
}

/// Plans `st` from `prev`, checks the native tree against the native report, returns both the
/// plan and the anchors `(old, new)`.
fn report(prev: Option<&PreviousRegistry>, st: &BeaconState) -> (ChainPlan, String, String) {
    let tree = st.tree().unwrap();
    let p = plan(prev, st, &tree, &pool(), &sizes()).unwrap();
    let t = native_chain(&p).unwrap();
    check_report(&t, &p, st, &tree, &pool()).unwrap();
    // The same values, spelled out.
    let native = pool_report(st, &pool()).unwrap();
    let f = &t.final_statement;
    assert_eq!(f.registry_length, native.registry_length);
    assert_eq!(f.slot, native.slot);
    assert_eq!(f.validator_count, native.totals.validator_count);
    assert_eq!(f.total_balance_gwei, native.totals.total_balance_gwei);
    assert_eq!(f.active_count, native.totals.active_count);
    assert_eq!(f.exited_count, native.totals.exited_count);
    assert_eq!(f.slashed_count, native.totals.slashed_count);
    assert_eq!(
        f.block_root,
        format!("0x{}", hex::encode(tree.block_root()))
    );
    assert_eq!(t.nodes.len(), p.nodes.len());
    (p, t.anchor_old, t.anchor_new)
}

fn credentials_of_pool() -> [u8; 32] {
    pool().credentials(0x01)
}

#[test]
fn a_chain_of_three_reports_continues_through_the_cache() {
    let work = tempfile::tempdir().unwrap();
    let (mut vals, mut bals) = devnet::validators(&spec());

    // Report 1: cold.
    assert!(ChainCache::load(work.path(), &pool()).previous.is_none());
    let s1 = state(&vals, &bals, 320_000);
    let (p1, old1, new1) = report(None, &s1);
    assert!(p1.cold);
    assert_eq!(old1, ZERO, "a cold chain's anchor_old is 0");
    assert_eq!(p1.old, ChainState::cold());
    let c1 = p1.counts();
    assert_eq!((c1.delta_leaves, c1.delta_updates), (0, 0));
    assert_eq!(
        c1.append_leaves,
        22usize.div_ceil(4),
        "cold: one append per range"
    );
    assert!(c1.pool_balance_leaves >= 1);
    // An empty delta tree is one neutral node per level.
    let neutral_delta = p1
        .nodes
        .iter()
        .filter(|n| n.role == Role::Delta && n.neutral)
        .count();
    assert_eq!(neutral_delta, sizes().delta_depth as usize + 1);
    ChainCache::save(work.path(), &p1).unwrap();

    // Report 2: three scattered changes and two validators appended (inside the partly
    // filled range [20, 24)).
    vals[1].exit_epoch = 10_001;
    vals[9].slashed = !vals[9].slashed;
    vals[17].withdrawal_credentials = credentials_of_pool();
    for i in 0..2 {
        let mut v = vals[3].clone();
        v.pubkey[0] ^= 0x40 + i;
        vals.push(v);
        bals.push(32_000_000_000 + i as u64);
    }
    let s2 = state(&vals, &bals, 320_032);
    let load = ChainCache::load(work.path(), &pool());
    assert!(load.note.is_none(), "{:?}", load.note);
    let prev = load.previous.unwrap();
    assert_eq!(prev.state, p1.new);
    let (p2, old2, new2) = report(Some(&prev), &s2);
    assert!(!p2.cold);
    assert_eq!(old2, new1, "report 2 starts where report 1 ended");
    assert_eq!(load.cache.unwrap().anchor, new1);
    let c2 = p2.counts();
    assert_eq!(c2.delta_updates, 3 + 2, "the changes, not the ranges");
    assert_eq!(c2.delta_leaves, 5usize.div_ceil(2));
    assert_eq!(c2.append_leaves, 0);
    ChainCache::save(work.path(), &p2).unwrap();

    // Report 3: one change, five appended past an aligned length (two fresh ranges).
    vals[4].activation_epoch = 9_000;
    for i in 0..5 {
        let mut v = vals[5].clone();
        v.pubkey[1] ^= 0x10 + i;
        vals.push(v);
        bals.push(31_000_000_000);
    }
    let s3 = state(&vals, &bals, 320_064);
    let prev = ChainCache::load(work.path(), &pool()).previous.unwrap();
    let (p3, old3, new3) = report(Some(&prev), &s3);
    assert_eq!(old3, new2);
    assert_ne!(new3, new2);
    let c3 = p3.counts();
    assert_eq!((c3.delta_leaves, c3.delta_updates), (1, 1));
    assert_eq!(c3.append_leaves, 2);

    // A report with no change keeps the anchor.
    ChainCache::save(work.path(), &p3).unwrap();
    let prev = ChainCache::load(work.path(), &pool()).previous.unwrap();
    let s4 = state(&vals, &bals, 320_096);
    let (p4, old4, new4) = report(Some(&prev), &s4);
    assert_eq!(
        (old4.as_str(), new4.as_str()),
        (new3.as_str(), new3.as_str())
    );
    let c4 = p4.counts();
    assert_eq!((c4.delta_leaves, c4.append_leaves), (0, 0));

    // Padding keeps one circuit per level, whatever L and the changes.
    for p in [&p2, &p3, &p4] {
        assert_eq!(p.level_specs(), p1.level_specs());
    }
}

#[test]
fn node_shapes_do_not_follow_l() {
    let shapes = |n: usize| {
        let s = DevnetSpec {
            validators: n,
            ..spec()
        };
        let (vals, bals) = devnet::validators(&s);
        let st = state(&vals, &bals, 320_000);
        let (p, old, _) = report(None, &st);
        assert_eq!(old, ZERO);
        p.level_specs()
    };
    let a = shapes(5);
    assert_eq!(a, shapes(22));
    assert_eq!(a, shapes(31));
    // One spec per level of each tree, plus the chain and final nodes.
    let s = sizes();
    let expected = (s.delta_depth + s.append_depth + s.sum_depth) as usize + 3 + 2;
    assert_eq!(a.len(), expected, "{a:#?}");
}

#[test]
fn a_plan_that_does_not_fit_names_the_sizes() {
    let (vals, bals) = devnet::validators(&spec());
    let st = state(&vals, &bals, 320_000);
    let small = ChainSizes {
        append_depth: 2,
        ..sizes()
    };
    let e = plan(None, &st, &st.tree().unwrap(), &pool(), &small).unwrap_err();
    assert!(
        matches!(
            e,
            ChainError::DoesNotFit {
                tree: "append",
                leaves: 6,
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("append ranges of 4"), "{e}");
    let bad = ChainSizes {
        pool_balance_n: 6,
        ..sizes()
    };
    assert!(matches!(
        plan(None, &st, &st.tree().unwrap(), &pool(), &bad),
        Err(ChainError::Sizes(_))
    ));
    let prod = ChainSizes::production(8, 256, 64, 10).unwrap();
    assert_eq!((prod.append_depth, prod.sum_depth), (16, 18));
}

#[test]
fn the_cache_of_another_pool_or_a_corrupt_snapshot_means_cold() {
    let work = tempfile::tempdir().unwrap();
    let (vals, bals) = devnet::validators(&spec());
    let st = state(&vals, &bals, 320_000);
    let (p, _, _) = report(None, &st);
    let cache = ChainCache::save(work.path(), &p).unwrap();
    assert!(ChainCache::load(work.path(), &pool()).previous.is_some());

    let other = Pool::Address([7u8; 20]);
    let l = ChainCache::load(work.path(), &other);
    assert!(l.previous.is_none());
    assert!(l.note.unwrap().contains("another pool"));

    let snap = work.path().join("chain").join(&cache.snapshot);
    let mut bytes = std::fs::read(&snap).unwrap();
    bytes[5] ^= 1;
    std::fs::write(&snap, &bytes).unwrap();
    let l = ChainCache::load(work.path(), &pool());
    assert!(l.previous.is_none());
    assert!(l.note.unwrap().contains("digest"));

    std::fs::write(work.path().join("chain/last.json"), b"{not json").unwrap();
    let l = ChainCache::load(work.path(), &pool());
    assert!(l.previous.is_none() && l.note.unwrap().contains("unreadable"));

    // A previous registry whose validators do not give its recorded state is refused.
    let mut wrong = PreviousRegistry {
        validators: vals.clone(),
        state: p.new,
    };
    wrong.validators[0].effective_balance ^= 1;
    let e = plan(Some(&wrong), &st, &st.tree().unwrap(), &pool(), &sizes()).unwrap_err();
    assert!(matches!(e, ChainError::PreviousState), "{e}");
}

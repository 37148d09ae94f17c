//! Soundness of the aggregation's combination: each kind of foreign child (another range, pool,
//! epoch or block, a swapped pair, a gap, a wrong `L`, a wrong block root, a final proof that
//! does not cover the registry) is rejected by both twins — the native `combine_native` with an
//! error, and the in-circuit `combine` under MockProver, whatever outputs a prover claims (see
//! `common::both`).
//!
//! `rejected_by` is the native twin's error (its `what`), observed; the circuit enforces the same
//! relation with copy constraints. The assertion is that both reject.

#[path = "common/aggregation.rs"]
mod common;

use common::{
    both, circuit_accepts, covers_both, final_pending_spec, foreign_queues, join_spec,
    pending_join_spec, pending_wrap_spec, queue_run, seg_spec, Fixture, ForeignQueues,
};
use stakeproof_beacon::devnet::{self, DevnetSpec};
use stakeproof_beacon::report::Pool;
use stakeproof_circuits::aggregation::layout::NodeWitness;
use stakeproof_circuits::aggregation::layout::{NodeSpec, Statement};
use stakeproof_circuits::aggregation::native::combine_native;
use stakeproof_circuits::pending::aggregate::{neutral_run, run_at};
use stakeproof_circuits::Fr;

/// A node offered foreign children, and the check that rejects them.
struct Foreign {
    what: &'static str,
    rejected_by: &'static str,
    /// The native error must name one of these (none: any error).
    mentions: &'static [&'static str],
    spec: NodeSpec,
    children: Vec<Vec<Fr>>,
}

/// The final node over a single summary.
fn finalize_one() -> NodeSpec {
    NodeSpec {
        children: vec![Statement::Summary],
        finalize: true,
    }
}

#[test]
fn foreign_children_are_rejected_by_both_twins() {
    let f = Fixture::new(40, 3);
    let reg = |s| f.registry(s, 4, 4);
    let bal = |s| f.balance(s, 16, 4);
    let seg = |s| combine_native(&seg_spec(16, 4, false), &[reg(s), bal(s)]).unwrap();
    // Another pool: a registry proof for other credentials.
    let other = Fixture {
        state: f.state.clone(),
        pool: Pool::Address([0x11; 20]),
    };
    // Another epoch / block: a later state with the same validators.
    let later = Fixture {
        state: devnet::build(&DevnetSpec {
            validators: 40,
            pool_permille: 500,
            seed: 3,
            slot: f.state.slot() + 64,
            ..Default::default()
        })
        .unwrap(),
        pool: f.pool.clone(),
    };
    let later_seg = combine_native(
        &seg_spec(16, 4, false),
        &[later.registry(16, 4, 4), later.balance(16, 16, 4)],
    )
    .unwrap();
    // A wrong L: a registry proof whose fill says the registry is longer.
    let mut longer = reg(32);
    longer[4 + 4 * 2] += Fr::one(); // range [40, 44) claims one validator
                                    // A wrong block root in one half.
    let mut other_root = seg(16);
    other_root[5] += Fr::one();

    let table = vec![
        Foreign {
            what: "a registry run of another range under a balance proof",
            rejected_by: "registry and balance ranges start together",
            mentions: &[],
            spec: seg_spec(16, 4, false),
            children: vec![reg(16), bal(0)],
        },
        Foreign {
            what: "another pool: a registry proof for other credentials",
            rejected_by: "registry range 1 commitment used by the balance proof",
            mentions: &[],
            spec: seg_spec(16, 4, false),
            children: vec![other.registry(0, 4, 4), bal(0)],
        },
        Foreign {
            what: "another epoch / block: a later state with the same validators",
            rejected_by: "epoch of both halves",
            mentions: &["epoch", "slot", "block root"],
            spec: join_spec(false),
            children: vec![seg(0), later_seg],
        },
        Foreign {
            what: "a swapped pair of children",
            rejected_by: "summaries are adjacent (end = next start)",
            mentions: &[],
            spec: join_spec(false),
            children: vec![seg(16), seg(0)],
        },
        Foreign {
            what: "a gap: ranges 0 and 32",
            rejected_by: "summaries are adjacent (end = next start)",
            mentions: &[],
            spec: join_spec(false),
            children: vec![seg(0), seg(32)],
        },
        Foreign {
            what: "a wrong L: a registry fill that says the registry is longer",
            rejected_by: "registry range 2 fill against L",
            mentions: &[],
            spec: seg_spec(16, 4, false),
            children: vec![longer, bal(32)],
        },
        Foreign {
            what: "a wrong block root in one half",
            rejected_by: "block root (hi) of both halves",
            mentions: &[],
            spec: join_spec(false),
            children: vec![seg(0), other_root],
        },
        Foreign {
            what: "a final proof that misses the tail of the registry (L = 40 > end = 32)",
            rejected_by: "the final range reaches L (L ≤ end)",
            mentions: &[],
            spec: finalize_one(),
            children: vec![combine_native(&join_spec(false), &[seg(0), seg(16)]).unwrap()],
        },
        Foreign {
            what: "a final proof that does not start at 0",
            rejected_by: "the final range starts at 0",
            mentions: &[],
            spec: finalize_one(),
            children: vec![combine_native(&join_spec(false), &[seg(16), seg(32)]).unwrap()],
        },
    ];
    for row in &table {
        let e = match both(&row.spec, &row.children) {
            Ok(_) => panic!(
                "{}: accepted (must be rejected by {})",
                row.what, row.rejected_by
            ),
            Err(e) => e,
        };
        assert!(
            row.mentions.is_empty() || row.mentions.iter().any(|m| e.contains(m)),
            "{}: {e}",
            row.what
        );
    }
}

/// Pending runs: another range, block or pool, a gap, a swapped pair, a queue length that
/// differs; and runs that do not cover the queue.
#[test]
fn foreign_pending_runs_are_rejected_by_both_twins() {
    let f = Fixture::with_queue(8, 37, 3);
    let run = |s| f.pending_run(s, 8);
    // Another pool; another block at a later slot, or at the same slot (other validators and
    // a queue of the same length).
    let ForeignQueues {
        other_pool,
        later,
        same_slot,
    } = foreign_queues(&f, 37, 3);
    // The same entries, but the queue one longer (another state).
    let longer = Fixture::with_queue(8, 38, 3);
    let table = [
        ("a gap: runs 0 and 16", "adjacent", vec![run(0), run(16)]),
        ("a swapped pair", "adjacent", vec![run(8), run(0)]),
        (
            "another block: a later state's run",
            "slot",
            vec![run(0), later.pending_run(8, 8)],
        ),
        (
            "another block at the same slot",
            "block root",
            vec![run(0), same_slot.pending_run(8, 8)],
        ),
        (
            "another pool's run",
            "pool",
            vec![run(0), other_pool.pending_run(8, 8)],
        ),
        (
            "a run of a longer queue",
            "queue length",
            vec![run(0), longer.pending_run(8, 8)],
        ),
    ];
    for (what, mention, children) in table {
        let e = both(&pending_join_spec(), &children)
            .err()
            .unwrap_or_else(|| panic!("{what}: accepted"));
        assert!(e.contains(mention), "{what}: {e}");
    }
    // Coverage: the queue's head missing, or its tail.
    let tail = both(&pending_join_spec(), &[run(8), run(16)]).unwrap();
    assert!(!covers_both(&tail), "a run from 8 does not cover the queue");
    let head = both(&pending_join_spec(), &[run(0), run(8)]).unwrap();
    assert!(!covers_both(&head), "[0, 16) does not cover 37 entries");
}

/// Padding: a neutral wrap outputs zeros (it cannot keep a range's count, sum or position
/// behind its flag, nor can a real wrap claim neutral), so a neutral run takes no range and
/// adds nothing. A range replaced by padding leaves a gap the next join refuses; padding at the
/// head or a neutral top does not cover the queue; a neutral run with values and a flag that
/// is not a bit are refused.
#[test]
fn pending_padding_hides_nothing_and_takes_no_range() {
    let f = Fixture::with_queue(8, 37, 3);
    let run = |s| f.pending_run(s, 8);
    let leaf = f.pending_leaf(8, 8);
    let wrap = pending_wrap_spec(8);
    let w = |neutral| NodeWitness {
        neutral,
        pool: None,
    };
    let real = run(8);
    assert!(
        real[run_at::COUNT] != Fr::zero(),
        "the range counts something"
    );
    assert!(circuit_accepts(
        &wrap,
        std::slice::from_ref(&leaf),
        &real,
        &w(false)
    ));
    assert!(circuit_accepts(
        &wrap,
        std::slice::from_ref(&leaf),
        &neutral_run(),
        &w(true)
    ));
    let mut hidden = real.clone();
    hidden[run_at::EMPTY] = Fr::one();
    assert!(
        !circuit_accepts(&wrap, std::slice::from_ref(&leaf), &hidden, &w(true)),
        "a neutral wrap kept the range's values"
    );
    assert!(
        !circuit_accepts(
            &wrap,
            std::slice::from_ref(&leaf),
            &neutral_run(),
            &w(false)
        ),
        "a real range claimed neutral"
    );
    let pad = f.neutral_pending_run(0, 8);
    assert_eq!(pad, neutral_run());
    // A middle range replaced by padding: the gap is refused at the next real join.
    let head = both(&pending_join_spec(), &[run(0), pad.clone()]).unwrap();
    assert_eq!(head, run(0), "padding passes the other run through");
    let e = both(&pending_join_spec(), &[head, run(16)]).unwrap_err();
    assert!(e.contains("adjacent"), "{e}");
    // Padding in place of the head: what is left does not start at 0.
    let no_head = both(&pending_join_spec(), &[pad.clone(), run(8)]).unwrap();
    assert!(!covers_both(&no_head));
    // A neutral top covers nothing, even of an empty queue.
    assert!(!covers_both(&pad));
    let empty = Fixture::with_queue(8, 0, 3);
    assert!(!covers_both(&empty.neutral_pending_run(0, 8)));
    assert!(covers_both(&empty.pending_run(0, 8)));
    // A neutral run that carries values (no wrap makes one): refused by both twins, whether
    // the prover claims the merged output or the other run passed through.
    let mut carrying = neutral_run();
    carrying[run_at::COUNT] = Fr::from(5u64);
    let e = both(&pending_join_spec(), &[carrying.clone(), run(8)]).unwrap_err();
    assert!(e.contains("neutral flag"), "{e}");
    assert!(!circuit_accepts(
        &pending_join_spec(),
        &[carrying, run(8)],
        &run(8),
        &w(false)
    ));
    // A flag that is not a bit.
    let mut two = run(0);
    two[run_at::EMPTY] = Fr::from(2);
    let e = both(&pending_join_spec(), &[two, run(8)]).unwrap_err();
    assert!(e.contains("neutral flag"), "{e}");
}

/// The final node `[Summary, Pending]` refuses a queue's run of another block (a later slot, or
/// the same slot), of another pool, one that misses the queue's tail or head, a neutral run,
/// and a summary that misses the registry's tail.
#[test]
fn the_final_node_refuses_a_foreign_queue_run() {
    let f = Fixture::with_queue(8, 20, 3);
    let summary = both(
        &seg_spec(8, 8, false),
        &[f.registry(0, 8, 1), f.balance(0, 8, 8)],
    )
    .unwrap();
    let run = queue_run(&f, 8);
    assert!(both(&final_pending_spec(), &[summary.clone(), run.clone()]).is_ok());
    let ForeignQueues {
        other_pool,
        later,
        same_slot,
    } = foreign_queues(&f, 20, 3);
    let head = both(
        &pending_join_spec(),
        &[f.pending_run(0, 8), f.pending_run(8, 8)],
    )
    .unwrap();
    let tail = both(
        &pending_join_spec(),
        &[f.pending_run(8, 8), f.pending_run(16, 8)],
    )
    .unwrap();
    // A registry of 12: the summary of [0, 8) misses its tail.
    let longer = Fixture::with_queue(12, 20, 3);
    let short_summary = both(
        &seg_spec(8, 8, false),
        &[longer.registry(0, 8, 1), longer.balance(0, 8, 8)],
    )
    .unwrap();
    let table = [
        (
            "a later block's run",
            "slot",
            vec![summary.clone(), queue_run(&later, 8)],
        ),
        (
            "another block at the same slot",
            "block root",
            vec![summary.clone(), queue_run(&same_slot, 8)],
        ),
        (
            "another pool's run",
            "pool",
            vec![summary.clone(), queue_run(&other_pool, 8)],
        ),
        (
            "a run without the tail",
            "covers the queue",
            vec![summary.clone(), head],
        ),
        (
            "a run without the head",
            "covers the queue",
            vec![summary.clone(), tail],
        ),
        (
            "a neutral run",
            "covers the queue",
            vec![summary.clone(), neutral_run()],
        ),
        (
            "a summary without the registry's tail",
            "reaches L",
            vec![short_summary, queue_run(&longer, 8)],
        ),
    ];
    for (what, mention, children) in table {
        let e = both(&final_pending_spec(), &children)
            .err()
            .unwrap_or_else(|| panic!("{what}: accepted"));
        assert!(e.contains(mention), "{what}: {e}");
    }
}

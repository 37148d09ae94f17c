//! Shared by `aggregation_logic.rs` and `tamper_aggregation.rs`: the in-circuit combination
//! checked with MockProver against its native twin, and leaf statements of devnet states.

#[path = "mock.rs"]
mod shared;

use shared::gadget_accepts;
use stakeproof_beacon::beacon::BeaconState;
use stakeproof_beacon::devnet::{self, DevnetSpec};
use stakeproof_beacon::report::Pool;
use stakeproof_circuits::aggregation::constraints::combine_with;
use stakeproof_circuits::aggregation::layout::{NodeSpec, NodeWitness, Statement};
use stakeproof_circuits::aggregation::native::{combine_native, combine_native_with};
use stakeproof_circuits::balance::native::balance_public;
use stakeproof_circuits::balance::BalanceWitness;
use stakeproof_circuits::pending::{pending_public, PendingWitness};
use stakeproof_circuits::registry::native::registry_public;
use stakeproof_circuits::registry::RegistryWitness;
use stakeproof_circuits::Fr;

const K: usize = 12;

/// Runs the in-circuit combination on `children` and checks it with MockProver against
/// `expected` public outputs. Returns whether the circuit is satisfied.
#[allow(dead_code)]
pub fn circuit_accepts(
    spec: &NodeSpec,
    children: &[Vec<Fr>],
    expected: &[Fr],
    w: &NodeWitness,
) -> bool {
    gadget_accepts(K, children, expected, |ctx, range, cells| {
        let refs: Vec<&[_]> = cells.iter().map(|c| c.as_slice()).collect();
        combine_with(ctx, range, spec, &refs, w)
    })
}

/// Both twins agree: accept with the native output, or both reject.
pub fn both(spec: &NodeSpec, children: &[Vec<Fr>]) -> Result<Vec<Fr>, String> {
    both_with(spec, children, &NodeWitness::default())
}

/// [`both`] with the node's witnesses (a pending wrap's neutral flag).
pub fn both_with(
    spec: &NodeSpec,
    children: &[Vec<Fr>],
    w: &NodeWitness,
) -> Result<Vec<Fr>, String> {
    match combine_native_with(spec, children, w) {
        Ok(out) => {
            assert!(
                circuit_accepts(spec, children, &out, w),
                "native accepts {spec:?} but the circuit rejects"
            );
            Ok(out)
        }
        Err(e) => {
            // Whatever outputs a prover would claim, the circuit is unsatisfiable: try the
            // outputs of the relation-free combination (what a cheating prover would expose).
            let out = loose_output(spec, children);
            assert!(
                !circuit_accepts(spec, children, &out, w),
                "native rejects ({e}) but the circuit accepts"
            );
            Err(e.to_string())
        }
    }
}

/// Whether `run` covers its whole queue, by both twins (`covers_queue` natively,
/// `assert_covers_queue` under MockProver), which must agree.
#[allow(dead_code)]
pub fn covers_both(run: &[Fr]) -> bool {
    use stakeproof_circuits::pending::aggregate::{assert_covers_queue, covers_queue};
    let native = covers_queue(run);
    let circuit = gadget_accepts(K, &[run.to_vec()], &[], |ctx, range, cells| {
        assert_covers_queue(ctx, range, &cells[0]);
        vec![]
    });
    assert_eq!(native, circuit, "the twins disagree on coverage of {run:?}");
    native
}

/// The output layout filled from the children without checking anything.
fn loose_output(spec: &NodeSpec, children: &[Vec<Fr>]) -> Vec<Fr> {
    use Statement::*;
    let out: Vec<Fr> = match (spec.children.as_slice(), children) {
        ([Registry { .. }, Registry { .. }], [a, b]) => {
            let mut o = a.clone();
            o.extend_from_slice(&b[4..]);
            o
        }
        ([Registry { .. }, Balance { n_b, n_r }], [r, b]) => {
            let m = (n_b / n_r) as usize;
            let mut o = vec![
                b[0],
                b[0] + Fr::from(*n_b),
                b[1],
                b[2],
                b[3],
                b[4],
                b[5],
                r[1],
                r[2],
                r[3],
            ];
            o.extend_from_slice(&b[6 + 3 * m..11 + 3 * m]);
            o
        }
        ([Summary, Summary], [a, b]) => {
            let mut o = vec![a[0], b[1]];
            o.extend_from_slice(&a[2..10]);
            o.extend((10..15).map(|i| a[i] + b[i]));
            o
        }
        ([Summary], [a]) => a.clone(),
        ([Summary, Pending], [a, b]) => {
            // The summary's final statement, then the run's count and sum.
            let mut f = vec![a[5], a[6], a[4], a[7], a[8], a[9], a[2]];
            f.extend_from_slice(&a[10..15]);
            f.extend([b[10], b[11]]);
            return f;
        }
        ([Pending, Pending], [a, b]) => {
            let mut o = vec![Fr::zero(), a[1], b[2]];
            o.extend_from_slice(&a[3..10]);
            o.extend([a[10] + b[10], a[11] + b[11]]);
            o
        }
        _ => unreachable!(),
    };
    if spec.finalize {
        let mut f = vec![out[5], out[6], out[4], out[7], out[8], out[9], out[2]];
        f.extend_from_slice(&out[10..15]);
        f
    } else {
        out
    }
}

pub struct Fixture {
    pub state: BeaconState,
    pub pool: Pool,
}

impl Fixture {
    pub fn new(n: usize, seed: u64) -> Self {
        Fixture {
            state: devnet::build(&DevnetSpec {
                validators: n,
                pool_permille: 500,
                seed,
                ..Default::default()
            })
            .unwrap(),
            pool: Pool::Address(devnet::DEFAULT_POOL),
        }
    }

    /// The registry run statement of ranges `[start, start + count·n_r)`.
    pub fn registry(&self, start: u64, n_r: usize, count: usize) -> Vec<Fr> {
        let mut run: Option<Vec<Fr>> = None;
        for j in 0..count {
            let w =
                RegistryWitness::from_state(&self.state, &self.pool, start + (j * n_r) as u64, n_r)
                    .unwrap();
            let leaf = registry_public(&w).to_instances();
            let one = combine_native(
                &NodeSpec {
                    children: vec![Statement::RegistryLeaf { n_r: n_r as u64 }],
                    finalize: false,
                },
                &[leaf],
            )
            .unwrap();
            run = Some(match run {
                None => one,
                Some(r) => combine_native(
                    &NodeSpec {
                        children: vec![
                            Statement::Registry {
                                n_r: n_r as u64,
                                ranges: j,
                            },
                            Statement::Registry {
                                n_r: n_r as u64,
                                ranges: 1,
                            },
                        ],
                        finalize: false,
                    },
                    &[r, one],
                )
                .unwrap(),
            });
        }
        run.unwrap()
    }

    /// A fixture whose state also holds a pending-deposit queue of `queue` entries.
    pub fn with_queue(n: usize, queue: usize, seed: u64) -> Self {
        Fixture {
            state: devnet::build(&DevnetSpec {
                validators: n,
                pool_permille: 500,
                seed,
                pending_deposits: queue,
                ..Default::default()
            })
            .unwrap(),
            pool: Pool::Address(devnet::DEFAULT_POOL),
        }
    }

    /// The pending-deposit leaf statement of queue entries `[start, start + n)`.
    pub fn pending_leaf(&self, start: u64, n: usize) -> Vec<Fr> {
        let tree = self.state.tree().unwrap();
        let queue = self.state.pending_deposits_tree().unwrap();
        let w =
            PendingWitness::from_state(&self.state, &tree, &queue, &self.pool, start, n).unwrap();
        pending_public(&w).to_instances()
    }

    /// The pending run of the leaf at `start` (wrapped, checked by both twins).
    pub fn pending_run(&self, start: u64, n: usize) -> Vec<Fr> {
        both(&pending_wrap_spec(n as u64), &[self.pending_leaf(start, n)]).unwrap()
    }

    /// The neutral run of a wrap over the leaf at `start` (checked by both twins).
    #[allow(dead_code)]
    pub fn neutral_pending_run(&self, start: u64, n: usize) -> Vec<Fr> {
        let neutral = NodeWitness {
            neutral: true,
            pool: None,
        };
        both_with(
            &pending_wrap_spec(n as u64),
            &[self.pending_leaf(start, n)],
            &neutral,
        )
        .unwrap()
    }

    pub fn balance(&self, start: u64, n_b: usize, n_r: usize) -> Vec<Fr> {
        let tree = self.state.tree().unwrap();
        let w =
            BalanceWitness::from_state(&self.state, &tree, &self.pool, start, n_b, n_r).unwrap();
        balance_public(&w).to_instances()
    }
}

pub fn seg_spec(n_b: u64, n_r: u64, finalize: bool) -> NodeSpec {
    NodeSpec {
        children: vec![
            Statement::Registry {
                n_r,
                ranges: (n_b / n_r) as usize,
            },
            Statement::Balance { n_b, n_r },
        ],
        finalize,
    }
}

/// The wrap of a pending leaf of `n` entries.
pub fn pending_wrap_spec(n: u64) -> NodeSpec {
    NodeSpec {
        children: vec![Statement::PendingLeaf { n }],
        finalize: false,
    }
}

/// Fixtures foreign to `f` (8 validators, a queue of `queue`, built with `seed`): the same
/// state for another pool, a later state (64 slots on) with the same validators and queue, and
/// another state at the same slot (`seed + 1`).
#[allow(dead_code)]
pub struct ForeignQueues {
    pub other_pool: Fixture,
    pub later: Fixture,
    pub same_slot: Fixture,
}

#[allow(dead_code)]
pub fn foreign_queues(f: &Fixture, queue: usize, seed: u64) -> ForeignQueues {
    ForeignQueues {
        other_pool: Fixture {
            state: f.state.clone(),
            pool: Pool::Address([0x11; 20]),
        },
        later: Fixture {
            state: devnet::build(&DevnetSpec {
                validators: 8,
                pool_permille: 500,
                seed,
                pending_deposits: queue,
                slot: f.state.slot() + 64,
                ..Default::default()
            })
            .unwrap(),
            pool: f.pool.clone(),
        },
        same_slot: Fixture::with_queue(8, queue, seed + 1),
    }
}

/// The final node over the registry's summary and the queue's run.
#[allow(dead_code)]
pub fn final_pending_spec() -> NodeSpec {
    NodeSpec {
        children: vec![Statement::Summary, Statement::Pending],
        finalize: true,
    }
}

/// The whole queue's run of `f`, leaves of `n` joined left to right.
#[allow(dead_code)]
pub fn queue_run(f: &Fixture, n: u64) -> Vec<Fr> {
    let len = f.state.pending_deposits_tree().unwrap().length;
    let mut run = f.pending_run(0, n as usize);
    for s in (n..len).step_by(n as usize) {
        run = both(&pending_join_spec(), &[run, f.pending_run(s, n as usize)]).unwrap();
    }
    run
}

/// The join of two pending runs.
pub fn pending_join_spec() -> NodeSpec {
    NodeSpec {
        children: vec![Statement::Pending, Statement::Pending],
        finalize: false,
    }
}

pub fn join_spec(finalize: bool) -> NodeSpec {
    NodeSpec {
        children: vec![Statement::Summary, Statement::Summary],
        finalize,
    }
}

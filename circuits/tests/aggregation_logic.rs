//! The aggregation's combination (what a node checks between its children) in-circuit against
//! its native twin, on real leaf statements of devnet states; each kind of foreign child is
//! rejected by both. The snark verification around it is snark-verifier's and is exercised by
//! the real proofs of the end-to-end tests.

use halo2_base::gates::circuit::builder::BaseCircuitBuilder;
use halo2_base::gates::circuit::CircuitBuilderStage;
use halo2_base::halo2_proofs::dev::MockProver;
use stakeproof_beacon::beacon::BeaconState;
use stakeproof_beacon::devnet::{self, DevnetSpec};
use stakeproof_beacon::report::{pool_totals, Pool};
use stakeproof_circuits::aggregation::constraints::combine;
use stakeproof_circuits::aggregation::layout::{NodeSpec, Statement};
use stakeproof_circuits::aggregation::native::combine_native;
use stakeproof_circuits::balance::native::balance_public;
use stakeproof_circuits::balance::BalanceWitness;
use stakeproof_circuits::registry::native::registry_public;
use stakeproof_circuits::registry::RegistryWitness;
use stakeproof_circuits::Fr;

const K: usize = 12;

/// Runs the in-circuit combination on `children` and checks it with MockProver against
/// `expected` public outputs. Returns whether the circuit is satisfied.
fn circuit_accepts(spec: &NodeSpec, children: &[Vec<Fr>], expected: &[Fr]) -> bool {
    let mut b = BaseCircuitBuilder::from_stage(CircuitBuilderStage::Mock)
        .use_k(K)
        .use_lookup_bits(K - 1)
        .use_instance_columns(1);
    let range = b.range_chip();
    let ctx = b.main(0);
    let cells: Vec<Vec<_>> = children
        .iter()
        .map(|c| ctx.assign_witnesses(c.clone()))
        .collect();
    let refs: Vec<&[_]> = cells.iter().map(|c| c.as_slice()).collect();
    let out = combine(ctx, &range, spec, &refs);
    b.assigned_instances[0].extend(out);
    b.calculate_params(Some(9));
    MockProver::run(K as u32, &b, vec![expected.to_vec()])
        .unwrap()
        .verify()
        .is_ok()
}

/// Both twins agree: accept with the native output, or both reject.
fn both(spec: &NodeSpec, children: &[Vec<Fr>]) -> Result<Vec<Fr>, String> {
    match combine_native(spec, children) {
        Ok(out) => {
            assert!(
                circuit_accepts(spec, children, &out),
                "native accepts {spec:?} but the circuit rejects"
            );
            Ok(out)
        }
        Err(e) => {
            // Whatever outputs a prover would claim, the circuit is unsatisfiable: try the
            // outputs of the relation-free combination (what a cheating prover would expose).
            let out = loose_output(spec, children);
            assert!(
                !circuit_accepts(spec, children, &out),
                "native rejects ({e}) but the circuit accepts"
            );
            Err(e.to_string())
        }
    }
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

struct Fixture {
    state: BeaconState,
    pool: Pool,
}

impl Fixture {
    fn new(n: usize, seed: u64) -> Self {
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
    fn registry(&self, start: u64, n_r: usize, count: usize) -> Vec<Fr> {
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

    fn balance(&self, start: u64, n_b: usize, n_r: usize) -> Vec<Fr> {
        let tree = self.state.tree().unwrap();
        let w =
            BalanceWitness::from_state(&self.state, &tree, &self.pool, start, n_b, n_r).unwrap();
        balance_public(&w).to_instances()
    }
}

fn seg_spec(n_b: u64, n_r: u64, finalize: bool) -> NodeSpec {
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

fn join_spec(finalize: bool) -> NodeSpec {
    NodeSpec {
        children: vec![Statement::Summary, Statement::Summary],
        finalize,
    }
}

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
fn foreign_children_are_rejected_by_both_twins() {
    let f = Fixture::new(40, 3);
    let reg = |s| f.registry(s, 4, 4);
    let bal = |s| f.balance(s, 16, 4);
    let seg = |s| combine_native(&seg_spec(16, 4, false), &[reg(s), bal(s)]).unwrap();

    // A registry run of another range under a balance proof.
    assert!(both(&seg_spec(16, 4, false), &[reg(16), bal(0)]).is_err());
    // Another pool: a registry proof for other credentials.
    let other = Fixture {
        state: f.state.clone(),
        pool: Pool::Address([0x11; 20]),
    };
    assert!(both(&seg_spec(16, 4, false), &[other.registry(0, 4, 4), bal(0)]).is_err());
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
        pool: f.pool,
    };
    let later_seg = combine_native(
        &seg_spec(16, 4, false),
        &[later.registry(16, 4, 4), later.balance(16, 16, 4)],
    )
    .unwrap();
    let e = both(&join_spec(false), &[seg(0), later_seg]).unwrap_err();
    assert!(
        e.contains("epoch") || e.contains("slot") || e.contains("block root"),
        "{e}"
    );
    // A swapped pair of children.
    assert!(both(&join_spec(false), &[seg(16), seg(0)]).is_err());
    // A gap: ranges 0 and 32.
    assert!(both(&join_spec(false), &[seg(0), seg(32)]).is_err());
    // A wrong L: a registry proof whose fill says the registry is longer.
    let mut r = reg(32);
    r[4 + 4 * 2] += Fr::one(); // range [40, 44) claims one validator
    assert!(both(&seg_spec(16, 4, false), &[r, bal(32)]).is_err());
    // A wrong block root in one half.
    let mut s = seg(16);
    s[5] += Fr::one();
    assert!(both(&join_spec(false), &[seg(0), s]).is_err());
    // A final proof that misses the tail of the registry (L = 40 > end = 32).
    let left = combine_native(&join_spec(false), &[seg(0), seg(16)]).unwrap();
    assert!(both(
        &NodeSpec {
            children: vec![Statement::Summary],
            finalize: true
        },
        &[left]
    )
    .is_err());
    // Or that does not start at 0.
    let right = combine_native(&join_spec(false), &[seg(16), seg(32)]).unwrap();
    assert!(both(
        &NodeSpec {
            children: vec![Statement::Summary],
            finalize: true
        },
        &[right]
    )
    .is_err());
}

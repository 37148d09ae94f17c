//! Soundness of the pool-balance leaf: a tampered witness proven against the honest statement,
//! or a tampered public input, is rejected by MockProver; three of them also by the real
//! prover/verifier (keygen, SHPLONK proof, `verify_proof`).
//!
//! The honest witness is range `[8, 16)` (`n_b = 8`) of a 40-validator Electra devnet state,
//! which holds members and non-members. `rejected_by` names the checks that fail:
//! - `A`: the accounts subtree lifted along the siblings is not the public `A` (instances 8, 9);
//! - `ONE_STATE_ROOT`: the `balances` lift and the validators root from `D` open different state
//!   roots (a relation of the circuit: unsatisfiable whatever the instances);
//! - an instance: the circuit computes another value than the honest one.

#[path = "common/mock.rs"]
mod shared;

use halo2_base::gates::circuit::CircuitBuilderStage;
use shared::accepts;
use stakeproof_beacon::beacon::{BeaconState, Fork};
use stakeproof_beacon::devnet::{self, DevnetSpec};
use stakeproof_beacon::report::Pool;
use stakeproof_circuits::pool::PoolSpec;
use stakeproof_circuits::pool_balance::witness::{state_accounts_tree, state_d};
use stakeproof_circuits::pool_balance::{
    pool_balance_public, PoolBalanceWitness, POOL_BALANCE_INSTANCES,
};
use stakeproof_circuits::util::circuit::{build_circuit, ShaCircuit, Shape};
use stakeproof_circuits::util::proving::{keygen, prove, unsafe_setup, verify};
use stakeproof_circuits::Fr;
use std::sync::OnceLock;

const K: usize = 14;
const N_B: usize = 8;
const START: u64 = 8;

fn state(seed: u64) -> BeaconState {
    devnet::build(&DevnetSpec {
        fork: Fork::Electra,
        validators: 40,
        pool_permille: 600,
        seed,
        ..Default::default()
    })
    .unwrap()
}

/// The honest witness, and `D` of another state of the same length.
fn honest() -> &'static (PoolBalanceWitness, [u8; 32]) {
    static W: OnceLock<(PoolBalanceWitness, [u8; 32])> = OnceLock::new();
    W.get_or_init(|| {
        let st = state(3);
        let tree = st.tree().unwrap();
        let spec = PoolSpec::from(&Pool::Address(devnet::DEFAULT_POOL));
        let acc = state_accounts_tree(&st, &spec).unwrap();
        let w = PoolBalanceWitness::from_state(&st, &tree, &spec, &acc, START, N_B).unwrap();
        let members = w.accounts.iter().filter(|a| a.member).count();
        assert!(
            (1..N_B).contains(&members),
            "the range holds members and non-members"
        );
        let other = state_d(&state(4).tree().unwrap()).unwrap();
        assert_ne!(other, w.validators_data);
        (w, other)
    })
}

fn mock(w: &PoolBalanceWitness) -> (ShaCircuit, Vec<Fr>) {
    shared::mock(w, K)
}

/// A named change to a witness, and the check that rejects it.
struct Tamper {
    what: &'static str,
    rejected_by: &'static str,
    /// A relation of the circuit fails: unsatisfiable even against the instances it computes
    /// itself (so against the honest ones too).
    unsatisfiable: bool,
    spoil: fn(&mut PoolBalanceWitness),
}

const A: &str = "instances: a_hash, a_count (8, 9) — the A opening";
const ONE_STATE_ROOT: &str = "relation: both lists open one state root";

fn first(w: &PoolBalanceWitness, member: bool) -> usize {
    w.accounts.iter().position(|a| a.member == member).unwrap()
}

const TAMPERS: &[Tamper] = &[
    Tamper {
        what: "a member dropped (member bit off)",
        rejected_by: "instances: A, count, total (8-11)",
        unsatisfiable: false,
        spoil: |w| {
            let i = first(w, true);
            w.accounts[i].member = false;
        },
    },
    Tamper {
        what: "a non-member added (member bit on)",
        rejected_by: "instances: A, count, total (8-11)",
        unsatisfiable: false,
        spoil: |w| {
            let i = first(w, false);
            w.accounts[i].member = true;
        },
    },
    Tamper {
        what: "a member's exit epoch",
        rejected_by: A,
        unsatisfiable: false,
        spoil: |w| {
            let i = first(w, true);
            w.accounts[i].exit_epoch = w.epoch;
        },
    },
    Tamper {
        what: "a member's balance",
        rejected_by: "relation: one state root; instance: total (11)",
        unsatisfiable: true,
        spoil: |w| {
            let i = first(w, true);
            w.balances[i] += 1;
        },
    },
    Tamper {
        what: "a non-member's balance",
        rejected_by: ONE_STATE_ROOT,
        unsatisfiable: true,
        spoil: |w| {
            let i = first(w, false);
            w.balances[i] += 1_000_000_000;
        },
    },
    Tamper {
        what: "an accounts sibling's hash",
        rejected_by: A,
        unsatisfiable: false,
        spoil: |w| w.account_siblings[1].hash += Fr::one(),
    },
    Tamper {
        what: "an accounts sibling's count",
        rejected_by: A,
        unsatisfiable: false,
        spoil: |w| w.account_siblings[0].count += 1,
    },
    Tamper {
        what: "the top accounts sibling",
        rejected_by: A,
        unsatisfiable: false,
        spoil: |w| {
            let top = w.account_siblings.len() - 1;
            w.account_siblings[top].count += 1;
        },
    },
    Tamper {
        what: "a balances SHA sibling (position levels)",
        rejected_by: ONE_STATE_ROOT,
        unsatisfiable: true,
        spoil: |w| w.balances_branch[0][3] ^= 1,
    },
    Tamper {
        what: "a balances SHA sibling (levels above 2^24)",
        rejected_by: ONE_STATE_ROOT,
        unsatisfiable: true,
        spoil: |w| w.balances_branch[30][31] ^= 0x80,
    },
    Tamper {
        what: "a validators field sibling",
        rejected_by: ONE_STATE_ROOT,
        unsatisfiable: true,
        spoil: |w| w.validators_field_branch[2][0] ^= 1,
    },
    Tamper {
        what: "direction bits of another range (the range's siblings kept)",
        rejected_by: "relation: one state root; instances: start, A (0, 8, 9)",
        unsatisfiable: true,
        spoil: |w| w.start += N_B as u64,
    },
    Tamper {
        what: "D of another state",
        rejected_by: "relation: one state root; instances: d (6, 7)",
        unsatisfiable: true,
        spoil: |w| w.validators_data = honest().1,
    },
    Tamper {
        what: "the length",
        rejected_by: "relation: one state root; instance: L (1)",
        unsatisfiable: true,
        spoil: |w| w.registry_len += 1,
    },
    Tamper {
        what: "the slot",
        rejected_by: "instances: slot, block root (3-5)",
        unsatisfiable: false,
        spoil: |w| w.header.slot += 1,
    },
    Tamper {
        what: "the epoch (same slot)",
        rejected_by: "relation: slot = epoch · 32 + r; instance: epoch (2)",
        unsatisfiable: true,
        spoil: |w| w.epoch += 1,
    },
];

#[test]
fn tampered_witnesses_are_rejected() {
    let (w0, _) = honest();
    let expected = pool_balance_public(w0).unwrap().to_instances();
    let (c, inst) = mock(w0);
    assert_eq!(inst, expected);
    assert!(accepts(&c, inst), "the honest witness is accepted");
    for t in TAMPERS {
        let mut w = w0.clone();
        (t.spoil)(&mut w);
        let (c, inst) = mock(&w);
        if t.unsatisfiable {
            // A relation fails: rejected whatever the instances (the honest ones included),
            // so one run against the circuit's own instances shows it.
            assert!(
                !accepts(&c, inst),
                "tampered {}: satisfiable (must be rejected by {})",
                t.what,
                t.rejected_by
            );
        } else {
            assert_ne!(inst, expected, "tampered {}: same statement", t.what);
            assert!(
                !accepts(&c, expected.clone()),
                "tampered {} accepted (must be rejected by {})",
                t.what,
                t.rejected_by
            );
        }
    }
}

const NAMES: [&str; POOL_BALANCE_INSTANCES] = [
    "start", "L", "epoch", "slot", "block_hi", "block_lo", "d_hi", "d_lo", "a_hash", "a_count",
    "count", "total", "active", "exited", "slashed",
];

#[test]
fn tampered_public_inputs_are_rejected() {
    let (w, _) = honest();
    let (c, inst) = mock(w);
    assert_eq!(inst.len(), NAMES.len());
    for (i, name) in NAMES.iter().enumerate() {
        let mut bad = inst.clone();
        bad[i] += Fr::one();
        assert!(
            !accepts(&c, bad),
            "instance {i} ({name}) tampered but accepted (instance copy constraint)"
        );
    }
}

/// The real prover and verifier: keygen on the honest witness; an honest proof verifies; a
/// proof made from a dropped member, or from `D` of another state, against the honest
/// instances does not; nor does the honest proof with `a_count` changed.
#[test]
fn real_prover_rejects_tampers() {
    let (w0, _) = honest();
    let expected = pool_balance_public(w0).unwrap().to_instances();
    let params = unsafe_setup(K as u32, 7);
    let kc = build_circuit(CircuitBuilderStage::Keygen, w0, Shape::K(K)).unwrap();
    let pk = keygen(&params, &kc).unwrap();
    let pinning = kc.pinning();
    let proof_of = |w: &PoolBalanceWitness| {
        let pc = build_circuit(CircuitBuilderStage::Prover, w, Shape::Pinned(&pinning)).unwrap();
        prove(&params, &pk, pc, &expected).unwrap()
    };
    let honest_proof = proof_of(w0);
    verify(&params, pk.get_vk(), &honest_proof, &expected).expect("honest proof verifies");
    let mut bad = expected.clone();
    bad[9] += Fr::one();
    assert!(
        verify(&params, pk.get_vk(), &honest_proof, &bad).is_err(),
        "a_count changed, the proof still verifies"
    );
    for t in TAMPERS
        .iter()
        .filter(|t| t.what == "a member dropped (member bit off)" || t.what == "D of another state")
    {
        let mut w = w0.clone();
        (t.spoil)(&mut w);
        let proof = proof_of(&w);
        assert!(
            verify(&params, pk.get_vk(), &proof, &expected).is_err(),
            "real prover: tampered {} verifies (must be rejected by {})",
            t.what,
            t.rejected_by
        );
    }
}

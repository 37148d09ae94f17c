//! Shared by `leaves.rs` and `tamper_leaves.rs`: the leaf sizes under test, a synthetic devnet
//! state, and the mock-stage circuit with its MockProver verdict.

use halo2_base::gates::circuit::CircuitBuilderStage;
use halo2_base::halo2_proofs::dev::MockProver;
use stakeproof_beacon::beacon::BeaconState;
use stakeproof_beacon::devnet::{self, DevnetSpec};
use stakeproof_circuits::util::circuit::{build_circuit, CircuitLogic, ShaCircuit, Shape};
use stakeproof_circuits::Fr;

pub const N_R: usize = 4;
pub const N_B: usize = 16;
pub const K_REGISTRY: usize = 13;
pub const K_BALANCE: usize = 14;

pub fn devnet_state(n: usize) -> BeaconState {
    devnet::build(&DevnetSpec {
        validators: n,
        pool_permille: 600,
        ..Default::default()
    })
    .unwrap()
}

pub fn mock(logic: &impl CircuitLogic, k: usize) -> (ShaCircuit, Vec<Fr>) {
    let c = build_circuit(CircuitBuilderStage::Mock, logic, Shape::K(k)).unwrap();
    let inst = c.instances();
    (c, inst)
}

pub fn accepts(c: &ShaCircuit, instances: Vec<Fr>) -> bool {
    MockProver::run(c.k(), c, vec![instances])
        .unwrap()
        .verify()
        .is_ok()
}

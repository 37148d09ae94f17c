//! MockProver helpers shared by the circuit tests: a leaf circuit at the mock stage with its
//! instances and verdict, a gadget run on witnessed children, and the test pools. Each test
//! uses some of them.
#![allow(dead_code)]

use halo2_base::gates::circuit::builder::BaseCircuitBuilder;
use halo2_base::gates::circuit::CircuitBuilderStage;
use halo2_base::gates::RangeChip;
use halo2_base::halo2_proofs::dev::MockProver;
use halo2_base::{AssignedValue, Context};
use stakeproof_circuits::pool::PoolSpec;
use stakeproof_circuits::util::circuit::{build_circuit, CircuitLogic, ShaCircuit, Shape};
use stakeproof_circuits::Fr;

/// The mock-stage circuit of `logic` at `k`, and the instances it computes.
pub fn mock(logic: &impl CircuitLogic, k: usize) -> (ShaCircuit, Vec<Fr>) {
    let c = build_circuit(CircuitBuilderStage::Mock, logic, Shape::K(k)).unwrap();
    let inst = c.instances();
    (c, inst)
}

/// Whether MockProver accepts `c` against `instances`.
pub fn accepts(c: &ShaCircuit, instances: Vec<Fr>) -> bool {
    MockProver::run(c.k(), c, vec![instances])
        .unwrap()
        .verify()
        .is_ok()
}

/// Witnesses `children`, runs `node` on them at `k` and checks its outputs with MockProver
/// against `expected`. Returns whether the circuit is satisfied.
pub fn gadget_accepts(
    k: usize,
    children: &[Vec<Fr>],
    expected: &[Fr],
    node: impl FnOnce(
        &mut Context<Fr>,
        &RangeChip<Fr>,
        &[Vec<AssignedValue<Fr>>],
    ) -> Vec<AssignedValue<Fr>>,
) -> bool {
    let mut b = BaseCircuitBuilder::from_stage(CircuitBuilderStage::Mock)
        .use_k(k)
        .use_lookup_bits(k - 1)
        .use_instance_columns(1);
    let range = b.range_chip();
    let ctx = b.main(0);
    let cells: Vec<Vec<_>> = children
        .iter()
        .map(|c| ctx.assign_witnesses(c.clone()))
        .collect();
    let out = node(ctx, &range, &cells);
    b.assigned_instances[0].extend(out);
    b.calculate_params(Some(9));
    MockProver::run(k as u32, &b, vec![expected.to_vec()])
        .unwrap()
        .verify()
        .is_ok()
}

/// The pool of withdrawal address `addr`: `0x01` credentials (address match), or `0x02` ones
/// matched exactly when `exact`.
pub fn address_pool(addr: [u8; 20], exact: bool) -> PoolSpec {
    let mut c = [0u8; 32];
    c[0] = if exact { 2 } else { 1 };
    c[12..].copy_from_slice(&addr);
    PoolSpec::single(exact, c)
}

//! What the pending-deposit proof costs per queue entry (issue #17 asks for it): cells, not
//! seconds, so the figures hold on any machine.
//!
//! - **Per entry**: `pending-{n}` leaves at n = 4 and n = 8 for an address pool and for a
//!   credential set of 1,000 (depth 10); the difference per entry is the marginal cost, and the
//!   rest of a leaf (lift to the data root, length, field, header) is its fixed cost.
//! - **For scale**: a registry leaf's cells per validator (the same measure).
//!
//! `cargo run -p stakeproof-circuits --example pending_cost [-- OUT.json]` (mock stage only,
//! no keys; about a minute). Writes the JSON report to OUT.json when given.

use stakeproof_beacon::devnet::{self, DevnetSpec};
use stakeproof_beacon::pool_set::{address_key, CredentialKeys};
use stakeproof_beacon::report::Pool;
use stakeproof_circuits::halo2_base::gates::circuit::CircuitBuilderStage;
use stakeproof_circuits::halo2_proofs::plonk::ConstraintSystem;
use stakeproof_circuits::pending::PendingWitness;
use stakeproof_circuits::registry::RegistryWitness;
use stakeproof_circuits::sha256::ROWS_PER_BLOCK;
use stakeproof_circuits::util::circuit::{build_circuit, CircuitLogic, Shape};
use stakeproof_circuits::zkevm_hashes::sha256::vanilla::columns::Sha256CircuitConfig;
use stakeproof_circuits::Fr;
use std::sync::Arc;

const K: usize = 17;

/// halo2-base cells (gate and lookup copies) plus SHA-256 region cells of `logic` at `k`, and
/// its SHA-256 blocks.
fn cells(logic: &impl CircuitLogic) -> (usize, usize) {
    let c = build_circuit(CircuitBuilderStage::Mock, logic, Shape::K(K)).expect("fits");
    let mut sha_only = ConstraintSystem::<Fr>::default();
    let _ = Sha256CircuitConfig::new(&mut sha_only);
    let sha = c.sha_blocks() * ROWS_PER_BLOCK * sha_only.num_advice_columns();
    (c.base_cells() + c.base_lookup_cells() + sha, c.sha_blocks())
}

fn main() {
    let spec = DevnetSpec {
        validators: 8,
        pending_deposits: 16,
        ..Default::default()
    };
    let st = devnet::build(&spec).expect("devnet state");
    let tree = st.tree().expect("post-block state");
    let queue = st.pending_deposits_tree().expect("Electra");
    let set_keys: Vec<[u8; 32]> = (0..1_000u64)
        .map(|i| {
            let mut a = spec.pool;
            if i > 0 {
                a[..8].copy_from_slice(&i.to_be_bytes());
            }
            address_key(&a)
        })
        .collect();
    let pools = [
        ("address", Pool::Address(spec.pool)),
        (
            "set of 1,000",
            Pool::Set(Arc::new(
                CredentialKeys::new(set_keys, None).expect("a set"),
            )),
        ),
    ];
    let mut rows = Vec::new();
    for (name, pool) in &pools {
        let at = |n: usize| {
            let w = PendingWitness::from_state(&st, &tree, &queue, pool, 0, n).expect("aligned");
            cells(&w)
        };
        let ((c4, b4), (c8, b8)) = (at(4), at(8));
        let per_entry = (c8 - c4) as f64 / 4.0;
        rows.push(serde_json::json!({
            "pool": name,
            "cells_per_entry": per_entry,
            "sha256_blocks_per_entry": (b8 - b4) as f64 / 4.0,
            "fixed_cells_per_leaf": c4 as f64 - 4.0 * per_entry,
            "leaf_4_cells": c4,
            "leaf_8_cells": c8,
        }));
    }
    let reg = RegistryWitness::from_state(&st, &Pool::Address(spec.pool), 0, 8).expect("aligned");
    let (reg_cells, _) = cells(&reg);
    let report = serde_json::json!({
        "what": "the pending-deposit leaf's cells per queue entry (halo2-base gate and lookup cells plus SHA-256 region cells)",
        "per_entry": rows,
        "registry_leaf_cells_per_validator": reg_cells as f64 / 8.0,
        "machine": "cells are machine-independent",
    });
    let text = serde_json::to_string_pretty(&report).expect("json");
    println!("{text}");
    if let Some(out) = std::env::args().nth(1) {
        stakeproof_beacon::atomic::write_file(std::path::Path::new(&out), text.as_bytes())
            .expect("write the report");
    }
}

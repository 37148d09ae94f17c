//! What a credential set costs (issue #17 asks for the cost per validator for sets of 1, 1,000
//! and 100,000): cells, not seconds, so the figures hold on any machine.
//!
//! - **Per validator**: a registry leaf of `n_r` validators for a single-address pool and for a
//!   set of each size (depths 1, 10 and 17); the difference per validator is what the set
//!   membership adds. Both leaves' SHA-256 cells (the same in both) are shown for scale.
//! - **Per entry of the set circuit**: its halo2-base cells at depths 3..=8, per slot.
//! - **Native**: time to build each set's tree (this machine).
//!
//! `cargo run --release -p stakeproof-circuits --example pool_set_cost [-- OUT.json]`
//! (seconds; mock stage only, no keys). Writes the JSON report to OUT.json when given.

use stakeproof_beacon::devnet::{self, DevnetSpec};
use stakeproof_beacon::pool_set::{address_key, CredentialKeys};
use stakeproof_beacon::report::Pool;
use stakeproof_circuits::halo2_base::gates::circuit::CircuitBuilderStage;
use stakeproof_circuits::halo2_proofs::plonk::ConstraintSystem;
use stakeproof_circuits::pool_set::{CredentialSet, PoolSetWitness};
use stakeproof_circuits::registry::RegistryWitness;
use stakeproof_circuits::sha256::ROWS_PER_BLOCK;
use stakeproof_circuits::util::circuit::{build_circuit, CircuitLogic, Shape};
use stakeproof_circuits::zkevm_hashes::sha256::vanilla::columns::Sha256CircuitConfig;
use stakeproof_circuits::Fr;
use std::sync::Arc;
use std::time::Instant;

const N_R: usize = 8;
const K: usize = 17;

/// halo2-base cells (gate and lookup copies) and SHA-256 region cells of `logic` at `k`.
fn cells(logic: &impl CircuitLogic, k: usize) -> (usize, usize) {
    let c = build_circuit(CircuitBuilderStage::Mock, logic, Shape::K(k)).expect("fits");
    let mut sha_only = ConstraintSystem::<Fr>::default();
    let _ = Sha256CircuitConfig::new(&mut sha_only);
    let sha = c.sha_blocks() * ROWS_PER_BLOCK * sha_only.num_advice_columns();
    (c.base_cells() + c.base_lookup_cells(), sha)
}

fn main() {
    let st = devnet::build(&DevnetSpec {
        validators: N_R,
        ..Default::default()
    })
    .expect("devnet state");
    let single = RegistryWitness::from_state(&st, &Pool::Address(devnet::DEFAULT_POOL), 0, N_R)
        .expect("aligned");
    let (base_single, sha) = cells(&single, K);
    let mut per_set = Vec::new();
    for entries in [1usize, 1_000, 100_000] {
        // The pool's address and `entries − 1` others.
        let keys: Vec<[u8; 32]> = (0..entries as u64)
            .map(|i| {
                let mut a = devnet::DEFAULT_POOL;
                if i > 0 {
                    a[..8].copy_from_slice(&i.to_be_bytes());
                }
                address_key(&a)
            })
            .collect();
        let keys = CredentialKeys::new(keys, None).expect("a set");
        let t = Instant::now();
        let set = CredentialSet::cached(&keys);
        let build_s = t.elapsed().as_secs_f64();
        let w =
            RegistryWitness::from_state(&st, &Pool::Set(Arc::new(keys)), 0, N_R).expect("aligned");
        let (base_set, sha_set) = cells(&w, K);
        assert_eq!(sha, sha_set, "a set adds no SHA-256");
        let added = (base_set - base_single) as f64 / N_R as f64;
        per_set.push(serde_json::json!({
            "entries": entries,
            "depth": set.depth(),
            "added_cells_per_validator": added,
            "registry_cells_per_validator": (base_set + sha) as f64 / N_R as f64,
            "added_share_of_leaf": added / ((base_set + sha) as f64 / N_R as f64),
            "native_tree_build_seconds": build_s,
        }));
    }
    let mut set_circuit = Vec::new();
    for depth in 3..=8u32 {
        let keys: Vec<_> = (1..(1u64 << depth))
            .map(|i| stakeproof_circuits::pool_set::SetKey {
                hi: 1 << 120,
                lo: i as u128,
            })
            .collect();
        let set = CredentialSet::new(keys, depth).expect("fits");
        let (base, _) = cells(&PoolSetWitness::new(&set), K);
        set_circuit.push(serde_json::json!({
            "depth": depth,
            "slots": 1u64 << depth,
            "cells": base,
            "cells_per_slot": base as f64 / (1u64 << depth) as f64,
        }));
    }
    let report = serde_json::json!({
        "what": "credential sets: cells a set adds per validator of a registry leaf, and the set circuit's cells per slot",
        "registry_leaf": {
            "n_r": N_R,
            "single_pool_base_cells_per_validator": base_single as f64 / N_R as f64,
            "sha256_cells_per_validator": sha as f64 / N_R as f64,
        },
        "per_validator": per_set,
        "set_circuit": set_circuit,
        "machine": "native build times from the machine that ran it; cells are machine-independent",
    });
    let text = serde_json::to_string_pretty(&report).expect("json");
    println!("{text}");
    if let Some(out) = std::env::args().nth(1) {
        stakeproof_beacon::atomic::write_file(std::path::Path::new(&out), text.as_bytes())
            .expect("write the report");
    }
}

//! Measures what snark-verifier aggregation of leaf proofs costs on this machine: advice cells,
//! chosen columns, keygen and proving time, peak memory. Issue "Proof tree" asks to measure the
//! aggregation circuits first; this is that measurement.
//!
//! `cargo run --release -p stakeproof-circuits --example aggregation_cost -- [K_AGG] [CHILDREN]`
//! (defaults 20 and 1). Expensive: on 2 cores, K_AGG=20 with one registry-4 child took 14 min
//! wall (5 of them generating the unsafe 2^20 setup) and 13 GB peak.

use halo2_base::gates::circuit::CircuitBuilderStage;
use snark_verifier_sdk::halo2::aggregation::{
    AggregationCircuit, AggregationConfigParams, VerifierUniversality,
};
use snark_verifier_sdk::halo2::gen_snark_shplonk;
use snark_verifier_sdk::{gen_pk, SHPLONK};
use stakeproof_circuits::registry::RegistryWitness;
use stakeproof_circuits::util::circuit::{build_circuit, Shape};
use stakeproof_circuits::util::proving::{params_for, unsafe_setup};
use stakeproof_prover::devnet::{self, DevnetSpec};
use stakeproof_prover::report::Pool;
use std::time::Instant;

/// Peak resident memory of this process so far, in MiB.
fn peak_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let k_agg: u32 = args.next().and_then(|s| s.parse().ok()).unwrap_or(20);
    let children: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(1);
    let st = devnet::build(&DevnetSpec {
        validators: 4 * children,
        ..Default::default()
    })
    .expect("devnet state");
    let pool = Pool::Address(devnet::DEFAULT_POOL);
    let t = Instant::now();
    let params = unsafe_setup(k_agg, 1);
    let setup_s = t.elapsed().as_secs_f64();
    let child_params = params_for(&params, 13);
    let first = RegistryWitness::from_state(&st, &pool, 0, 4).expect("witness");
    let kc = build_circuit(CircuitBuilderStage::Keygen, &first, Shape::K(13)).expect("circuit");
    let pk = gen_pk(&child_params, &kc, None);
    let pin = kc.pinning();
    let snarks: Vec<_> = (0..children)
        .map(|j| {
            let w = RegistryWitness::from_state(&st, &pool, 4 * j as u64, 4).expect("witness");
            let pc = build_circuit(CircuitBuilderStage::Prover, &w, Shape::Pinned(&pin))
                .expect("circuit");
            gen_snark_shplonk(&child_params, &pk, pc, None::<&str>)
        })
        .collect();
    let cfg = AggregationConfigParams {
        degree: k_agg,
        lookup_bits: k_agg as usize - 1,
        ..Default::default()
    };
    let mut agg = AggregationCircuit::new::<SHPLONK>(
        CircuitBuilderStage::Keygen,
        cfg,
        &params,
        snarks.clone(),
        VerifierUniversality::None,
    );
    let cfg = agg.calculate_params(Some(20));
    let cells: usize = agg
        .builder
        .statistics()
        .gate
        .total_advice_per_phase
        .iter()
        .sum();
    let t = Instant::now();
    let apk = gen_pk(&params, &agg, None);
    let keygen_s = t.elapsed().as_secs_f64();
    let bp = agg.break_points();
    let agg = AggregationCircuit::new::<SHPLONK>(
        CircuitBuilderStage::Prover,
        cfg,
        &params,
        snarks,
        VerifierUniversality::None,
    )
    .use_break_points(bp);
    let t = Instant::now();
    let _snark = gen_snark_shplonk(&params, &apk, agg, None::<&str>);
    let prove_s = t.elapsed().as_secs_f64();
    let report = serde_json::json!({
        "children": children,
        "child": "registry-4 (k=13)",
        "k": k_agg,
        "advice_cells": cells,
        "num_advice": cfg.num_advice,
        "num_lookup_advice": cfg.num_lookup_advice,
        "setup_s": setup_s,
        "keygen_s": keygen_s,
        "prove_s": prove_s,
        "peak_mib": peak_mib(),
        "threads": rayon::current_num_threads(),
    });
    println!("{}", serde_json::to_string_pretty(&report).expect("json"));
}

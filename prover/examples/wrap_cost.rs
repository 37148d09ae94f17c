//! Measures what snark-verifier aggregation of leaf proofs costs (issue "Proof tree" asks to
//! measure the aggregation circuits first), over two levels: each registry leaf is first
//! "wrapped" (aggregated alone, which turns a 113-column SHA proof into a ~20-column one), then
//! two wrapped proofs are aggregated together. Prints advice cells, columns, times and peak
//! memory of each level.
//!
//! `cargo run --release -p stakeproof-prover --example wrap_cost -- [K] [SRS_CACHE_DIR]`
//! (defaults 20 and /tmp/stakeproof-srs). Expensive: tens of minutes on 2 cores.

use stakeproof_beacon::devnet::{self, DevnetSpec};
use stakeproof_beacon::report::Pool;
use stakeproof_circuits::halo2_base::gates::circuit::CircuitBuilderStage;
use stakeproof_circuits::registry::RegistryWitness;
use stakeproof_circuits::snark_verifier_sdk::halo2::aggregation::{
    AggregationCircuit, AggregationConfigParams, VerifierUniversality,
};
use stakeproof_circuits::snark_verifier_sdk::halo2::gen_snark_shplonk;
use stakeproof_circuits::snark_verifier_sdk::{gen_pk, Snark, SHPLONK};
use stakeproof_circuits::util::circuit::{build_circuit, Shape};
use stakeproof_prover::srs::Srs;
use std::path::PathBuf;
use std::time::Instant;

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

/// Aggregates `snarks` at `k`; returns the new snark and a JSON line of its costs.
fn aggregate(srs: &Srs, k: u32, snarks: Vec<Snark>, label: &str) -> Snark {
    let params = srs.for_circuit(label, k).expect("setup large enough");
    let cfg = AggregationConfigParams {
        degree: k,
        lookup_bits: k as usize - 1,
        ..Default::default()
    };
    let t = Instant::now();
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
    let witness_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let pk = gen_pk(&params, &agg, None);
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
    let snark = gen_snark_shplonk(&params, &pk, agg, None::<&str>);
    let prove_s = t.elapsed().as_secs_f64();
    println!(
        "{}",
        serde_json::json!({
            "level": label, "k": k, "advice_cells": cells, "num_advice": cfg.num_advice,
            "num_lookup_advice": cfg.num_lookup_advice, "witness_s": witness_s,
            "keygen_s": keygen_s, "prove_s": prove_s, "peak_mib": peak_mib(),
        })
    );
    snark
}

fn main() {
    let mut args = std::env::args().skip(1);
    let k: u32 = args.next().and_then(|s| s.parse().ok()).unwrap_or(20);
    let cache: PathBuf = args
        .next()
        .map(PathBuf::from)
        .unwrap_or_else(|| "/tmp/stakeproof-srs".into());
    let srs = Srs::unsafe_local(k, 1, Some(&cache)).expect("setup");
    let st = devnet::build(&DevnetSpec {
        validators: 8,
        ..Default::default()
    })
    .expect("devnet");
    let pool = Pool::Address(devnet::DEFAULT_POOL);
    let leaf_params = srs.for_circuit("registry-4", 13).expect("setup");
    let first = RegistryWitness::from_state(&st, &pool, 0, 4).expect("witness");
    let kc = build_circuit(CircuitBuilderStage::Keygen, &first, Shape::K(13)).expect("circuit");
    let pk = gen_pk(&leaf_params, &kc, None);
    let pin = kc.pinning();
    let leaves: Vec<Snark> = [0u64, 4]
        .iter()
        .map(|&s| {
            let w = RegistryWitness::from_state(&st, &pool, s, 4).expect("witness");
            let pc = build_circuit(CircuitBuilderStage::Prover, &w, Shape::Pinned(&pin))
                .expect("circuit");
            gen_snark_shplonk(&leaf_params, &pk, pc, None::<&str>)
        })
        .collect();
    let wrapped: Vec<Snark> = leaves
        .into_iter()
        .enumerate()
        .map(|(i, s)| aggregate(&srs, k, vec![s], &format!("wrap-{i}")))
        .collect();
    aggregate(&srs, k, wrapped, "pair-of-wraps");
}

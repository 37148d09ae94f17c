//! Leaf-circuit proving cost: what a registry and a balance proof cost, and how it scales.
//!
//! - criterion group `leaves`: proving time of `registry-4` (k=13) and `balance-16-4` (k=12);
//!   key generation runs once, outside the timed loop; each timed iteration is one
//!   `create_proof` (the prover-stage circuit is built untimed before it), 10 samples.
//! - scaling (not criterion loops: one measured keygen + prove + verify each, through
//!   `stakeproof_prover::circuit_cost::measure`): registry sizes 4, 8, 16 at their smallest k
//!   (13, 14, 15) and balance sizes 16, 64, 256 (registry range 4) at theirs (12, 12, 14). Each
//!   entry is the full `circuit-info` report (columns, cells and compressions per validator,
//!   keygen / prove / verify times, peak memory, proof size) plus the per-validator proving cost
//!   and SHA-256 compressions per core-second.
//!
//! Everything is written to `target/criterion-reports/leaves.json`, together with the
//! criterion medians and the proving time per advice-area cell (`columns × 2^k`), the quantity
//! to extrapolate to k=18 and k=20 from.
//!
//! `cargo bench --bench leaves` runs everything (about 3 to 5 minutes on 2 cores);
//! `cargo bench --bench leaves -- registry` runs only the registry criterion bench (no scaling
//! run, no report); `STAKEPROOF_BENCH_SCALING=0` skips the scaling run.
//!
//! Peak memory is the resident-set high-water mark of this process, reset before each
//! measurement (see `stakeproof_prover::circuit_cost`); the bench process also holds the
//! criterion benches' keys while scaling runs, which `rss_before_bytes` shows.

mod common;

use criterion::{Criterion, SamplingMode};
use stakeproof_prover::circuit_cost::{measure, CircuitCost, KeyedLeaf, LeafSize};
use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Criterion samples per benchmark (its minimum).
const SAMPLE_SIZE: usize = 10;
/// Registry range size the balance proofs consume.
const N_R: usize = 4;

/// Per benchmark id: the seconds of every timed proof, in call order (warm-up first).
type Records = Mutex<BTreeMap<String, Vec<f64>>>;

fn records() -> &'static Records {
    static R: OnceLock<Records> = OnceLock::new();
    R.get_or_init(Default::default)
}

/// Median seconds per proof over the last `SAMPLE_SIZE` recorded proofs of `id`.
fn median(id: &str) -> Option<f64> {
    let r = records().lock().expect("records lock");
    let v = r.get(id)?;
    let mut s = v[v.len().saturating_sub(SAMPLE_SIZE)..].to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    (!s.is_empty()).then(|| s[s.len() / 2])
}

/// The criterion proving bench of one size; returns its id.
fn bench_prove(c: &mut Criterion, size: LeafSize) -> String {
    let id = format!("prove/{}/k{}", size.name(), size.k());
    let keyed = KeyedLeaf::new(size).expect("keygen");
    // One checked proof up front: it verifies, and its time sizes criterion's budget (a bit
    // under 10 proofs, so that flat sampling runs one proof per sample, not two).
    let t = Instant::now();
    let (proof, instances) = keyed
        .prove(keyed.prover_circuit().expect("prover circuit"))
        .expect("prove");
    let once = t.elapsed();
    keyed.verify(&proof, &instances).expect("verifies");

    let mut g = c.benchmark_group("leaves");
    g.sample_size(SAMPLE_SIZE)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(1))
        .measurement_time(once.mul_f64(SAMPLE_SIZE as f64 * 0.8));
    g.bench_function(&id, |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let circuit = keyed.prover_circuit().expect("prover circuit");
                let t = Instant::now();
                let out = keyed.prove(circuit).expect("prove");
                let dt = t.elapsed();
                criterion::black_box(out);
                records()
                    .lock()
                    .expect("records lock")
                    .entry(id.clone())
                    .or_default()
                    .push(dt.as_secs_f64());
                total += dt;
            }
            total
        })
    });
    g.finish();
    id
}

/// One scaling point: the full cost report, printed as it comes.
fn scaling_point(size: LeafSize) -> CircuitCost {
    let c = measure(size).unwrap_or_else(|e| panic!("{}: {e}", size.name()));
    eprintln!(
        "  {:<14} k={:<2} advice {:>3} (base {:>2}+{}) cells/v {:>7.0} compr/v {:>6.3}  \
         keygen {:>6.2}s prove {:>6.2}s (cpu {:>6.2}s; {:.3} s/v, {:>5.1} compr/core-s, \
         {:>5.1} compr/cpu-s) verify {:>5.1}ms \
         proof {}B peak {:.0} MiB",
        c.circuit,
        c.k,
        c.columns.advice,
        c.columns.base_advice,
        c.columns.base_lookup_advice,
        c.cells_per_validator,
        c.compressions_per_validator,
        c.timings.keygen_s,
        c.timings.prove_s,
        c.timings.prove_cpu_s,
        c.prove_s_per_validator,
        c.compressions_per_core_second,
        c.compressions_per_cpu_second,
        c.timings.verify_ms,
        c.proof_bytes,
        c.memory.peak_rss_bytes as f64 / (1 << 20) as f64,
    );
    c
}

fn point_json(c: &CircuitCost) -> serde_json::Value {
    serde_json::json!({
        "circuit": c.circuit,
        "k": c.k,
        "n": c.n,
        "prove_s": c.timings.prove_s,
        "prove_s_per_validator": c.prove_s_per_validator,
        "compressions_per_validator": c.compressions_per_validator,
        "compressions_per_core_second": c.compressions_per_core_second,
        "prove_cpu_s": c.timings.prove_cpu_s,
        "compressions_per_cpu_second": c.compressions_per_cpu_second,
        "cpu_share": c.timings.prove_cpu_s / (c.timings.prove_s * c.threads as f64),
        "advice_columns": c.columns.advice,
        "advice_area": c.advice_area,
        "prove_ns_per_area_cell": c.timings.prove_s * 1e9 / c.advice_area as f64,
        "peak_rss_bytes": c.memory.peak_rss_bytes,
        "report": c,
    })
}

fn report(criterion_ids: &[String], scaling: &[CircuitCost], wall: Duration) {
    let medians: serde_json::Map<String, serde_json::Value> = criterion_ids
        .iter()
        .map(|id| (id.clone(), serde_json::json!(median(id))))
        .collect();
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let json = serde_json::json!({
        "bench": "leaves",
        "machine": {
            "threads": rayon::current_num_threads(),
            "os": std::env::consts::OS,
            "arch": std::env::consts::ARCH,
            "loadavg_at_end": load.trim(),
        },
        "setup": "unsafe local KZG setup (ChaCha20 seed), SHPLONK, Blake2b transcript",
        "criterion_samples": SAMPLE_SIZE,
        "criterion_median_prove_s": medians,
        "scaling": scaling.iter().map(point_json).collect::<Vec<_>>(),
        "notes": [
            "scaling entries are one measured keygen + prove + verify each, not criterion loops",
            "prove_ns_per_area_cell = prove_s / (advice columns x 2^k): extrapolate proving time at k=18/20 from it (FFTs add a k/k_measured factor)",
            "peak_rss_bytes: this process's resident-set high-water mark, reset before each measurement (rss_before_bytes is what the process already held)",
            "other processes may have shared the cores: cpu_share = prove_cpu_s / (prove_s x threads) shows the share the prover got; compressions_per_cpu_second is robust to it",
        ],
        "wall_s": wall.as_secs_f64(),
    });
    common::write_report("leaves", &json);
}

fn main() {
    let t0 = Instant::now();
    let args: Vec<String> = std::env::args().collect();
    // `cargo test --benches` passes no `--bench`; `--list` lists; neither proves anything big.
    let benching = args.iter().any(|a| a == "--bench") && !args.iter().any(|a| a == "--list");
    let filtered = args.iter().skip(1).any(|a| !a.starts_with('-'));
    let mut c = Criterion::default().configure_from_args();
    let mut ids = Vec::new();
    let sizes = [
        LeafSize::registry(N_R, Some(13)).expect("registry-4"),
        LeafSize::balance(16, N_R, Some(12)).expect("balance-16"),
    ];
    for size in sizes {
        // Keygen is minutes of nothing when a filter excludes the bench: skip it here too.
        let id = format!("leaves/prove/{}/k{}", size.name(), size.k());
        let wanted = !filtered
            || args
                .iter()
                .skip(1)
                .filter(|a| !a.starts_with('-'))
                .any(|f| id.contains(f.as_str()));
        if wanted && (benching || args.iter().any(|a| a == "--test")) {
            ids.push(bench_prove(&mut c, size));
        }
    }
    c.final_summary();
    // A filtered run is a quick look: it leaves the last full report in place.
    if !benching || filtered {
        return;
    }
    let mut points = Vec::new();
    if std::env::var("STAKEPROOF_BENCH_SCALING").map_or(true, |v| v != "0") {
        eprintln!("scaling (one keygen + prove + verify each):");
        for n in [4, 8, 16] {
            points.push(scaling_point(LeafSize::registry(n, None).expect("size")));
        }
        for n in [16, 64, 256] {
            points.push(scaling_point(
                LeafSize::balance(n, N_R, None).expect("size"),
            ));
        }
    }
    report(&ids, &points, t0.elapsed());
}

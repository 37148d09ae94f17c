//! Merkleization throughput: the validators list root of a synthetic registry, in nanoseconds
//! per SHA-256 compression, next to the machine's raw `sha2::compress256` rate.
//!
//! Groups:
//! - `sha256_compress`: the raw `sha2::compress256` rate, 1 thread and across the rayon pool,
//!   two ways: `chained` (one 1024-block call: each block waits on the previous state, so it is
//!   latency-bound) and `independent` (1024 one-block compressions from the IV through
//!   `hash::compress_once`, which the CPU overlaps); plus `hash64` (the 64-byte node hash,
//!   2 compressions) for context. The "raw" rate of the ratios is the better of the two.
//! - `validators_root/2^16` (quick) and `validators_root/2^21` (mainnet-sized): the
//!   `BeaconState::validators_tree().root()` path of the prover on a synthetic Electra state,
//!   on a 1-thread rayon pool and on the global pool (all cores).
//!
//! Compressions per validators root are counted exactly: 16 per validator (8 64-byte hashes of
//! 2 compressions each: the pubkey leaf and the 7 nodes of the 8-leaf container), and 2 per
//! internal node of the list tree (every non-trivial layer, the zero-padded levels up to depth
//! 40, and the length mix-in).
//!
//! Besides criterion's own report, the ratio fast ns/compression ÷ raw ns/compression is
//! printed and written to `target/criterion-reports/merkleization.json`.
//!
//! `cargo bench --bench merkleization` runs everything (a couple of minutes on 2 cores);
//! `cargo bench --bench merkleization -- 'sha256|2\^16'` skips the mainnet-sized registry.

mod common;

use criterion::{black_box, BenchmarkId, Criterion, SamplingMode, Throughput};
use rayon::prelude::*;
use sha2::digest::generic_array::{typenum::U64, GenericArray};
use stakeproof_beacon::beacon::{schema, BeaconState, Fork, Preset, FAR_FUTURE_EPOCH};
use stakeproof_beacon::hash::{compress_once, hash64};
use stakeproof_beacon::ssz::{encode_container, Ty};
use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Criterion's minimum; every sample of the large registry is one root (~1 s).
const SAMPLE_SIZE: usize = 10;
/// Blocks in the raw-compression buffer (64 KiB: stays in L2).
const RAW_BLOCKS: usize = 1024;
/// Buffers compressed per rayon task in the multi-thread raw baseline.
const RAW_REPS_PER_TASK: usize = 4;
/// Rayon tasks per thread in the multi-thread raw baseline (evens out scheduling).
const RAW_TASKS_PER_THREAD: usize = 8;
/// The SHA-256 initial hash value.
const IV: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

type Block = GenericArray<u8, U64>;

// ---------------------------------------------------------------------------------------------
// Timing records (what criterion measured, kept for the ratio report).
// ---------------------------------------------------------------------------------------------

/// Per benchmark key: (iterations, elapsed ns) of every routine call, in call order. Criterion
/// calls the routine for warm-up first and then once per sample, so the last `SAMPLE_SIZE`
/// entries are the measurement samples.
type Records = Mutex<BTreeMap<String, Vec<(u64, f64)>>>;

fn records() -> &'static Records {
    static R: OnceLock<Records> = OnceLock::new();
    R.get_or_init(Default::default)
}

/// Runs `f` `iters` times, records and returns the elapsed time.
fn timed(key: &str, iters: u64, mut f: impl FnMut()) -> Duration {
    let start = Instant::now();
    for _ in 0..iters {
        f();
    }
    let elapsed = start.elapsed();
    records()
        .lock()
        .expect("records lock")
        .entry(key.to_string())
        .or_default()
        .push((iters, elapsed.as_nanos() as f64));
    elapsed
}

/// Median ns per iteration over the measurement samples of `key`.
fn ns_per_iter(key: &str) -> Option<f64> {
    let r = records().lock().expect("records lock");
    let v = r.get(key)?;
    let samples = &v[v.len().saturating_sub(SAMPLE_SIZE)..];
    let mut per: Vec<f64> = samples.iter().map(|&(i, ns)| ns / i as f64).collect();
    per.sort_by(f64::total_cmp);
    let m = per.len();
    Some(if m % 2 == 1 {
        per[m / 2]
    } else {
        (per[m / 2 - 1] + per[m / 2]) / 2.0
    })
}

// ---------------------------------------------------------------------------------------------
// Inputs.
// ---------------------------------------------------------------------------------------------

fn splitmix64(x: &mut u64) -> u64 {
    *x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *x;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// SSZ bytes of `n` synthetic validators (random keys, 0x01 credentials, active, 32 ETH),
/// generated in parallel straight into the 121-byte records.
fn registry_ssz(n: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; n * schema::VALIDATOR_SIZE];
    bytes
        .par_chunks_exact_mut(schema::VALIDATOR_SIZE)
        .enumerate()
        .for_each(|(i, b)| {
            let mut s = 0x5741_4b45 ^ (i as u64).wrapping_mul(0x2545_f491_4f6c_dd1d);
            for w in b[0..48].chunks_exact_mut(8) {
                w.copy_from_slice(&splitmix64(&mut s).to_le_bytes());
            }
            b[0..8].copy_from_slice(&(i as u64).to_le_bytes());
            b[48] = 0x01;
            b[60..68].copy_from_slice(&splitmix64(&mut s).to_le_bytes());
            b[68..76].copy_from_slice(&splitmix64(&mut s).to_le_bytes());
            b[76..80].copy_from_slice(&splitmix64(&mut s).to_le_bytes()[..4]);
            b[80..88].copy_from_slice(&32_000_000_000u64.to_le_bytes());
            b[88] = 0;
            let eligible = splitmix64(&mut s) % 300_000;
            b[89..97].copy_from_slice(&eligible.to_le_bytes());
            b[97..105].copy_from_slice(&(eligible + 1).to_le_bytes());
            b[105..113].copy_from_slice(&FAR_FUTURE_EPOCH.to_le_bytes());
            b[113..121].copy_from_slice(&FAR_FUTURE_EPOCH.to_le_bytes());
        });
    bytes
}

/// A mainnet-preset Electra state whose registry holds `n` synthetic validators (other fields
/// default), decoded and validated by the prover.
fn synthetic_state(n: usize) -> BeaconState {
    let preset = Preset::mainnet();
    let fork = Fork::Electra;
    let layout = schema::beacon_state(fork, &preset);
    let parts: Vec<Vec<u8>> = layout
        .fields
        .iter()
        .map(|(name, ty)| match *name {
            "validators" => registry_ssz(n),
            _ => ty.default_bytes(),
        })
        .collect();
    let bytes = encode_container(&layout, &parts);
    drop(parts);
    let state = BeaconState::decode(bytes, fork, &preset).expect("synthetic state decodes");
    assert_eq!(state.validator_count(), n as u64);
    state
}

fn state_for(log2: u32) -> &'static BeaconState {
    static STATES: OnceLock<Mutex<BTreeMap<u32, &'static BeaconState>>> = OnceLock::new();
    let mut m = STATES
        .get_or_init(Default::default)
        .lock()
        .expect("states lock");
    m.entry(log2).or_insert_with(|| {
        let t = Instant::now();
        let s = synthetic_state(1 << log2);
        eprintln!(
            "built a synthetic state of 2^{log2} validators ({} MiB) in {:.2?}",
            s.as_ssz().len() >> 20,
            t.elapsed()
        );
        Box::leak(Box::new(s))
    })
}

/// Exact SHA-256 compressions of the validators list root of `n` validators under a depth-
/// `depth` list tree (as `MerkleTree::new` + `ListTree::root` hash it).
fn root_compressions(n: u64, depth: usize) -> u64 {
    let mut hashes = 8 * n;
    let mut len = n;
    let mut height = 0;
    while len > 1 {
        len = len.div_ceil(2);
        hashes += len;
        height += 1;
    }
    hashes += (depth - height) as u64; // zero-padded levels above the filled subtree
    hashes += 1; // length mix-in
    2 * hashes
}

fn single_pool() -> &'static rayon::ThreadPool {
    static P: OnceLock<rayon::ThreadPool> = OnceLock::new();
    P.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .expect("1-thread pool")
    })
}

fn raw_blocks() -> &'static [Block] {
    static B: OnceLock<Vec<Block>> = OnceLock::new();
    B.get_or_init(|| {
        let mut s = 42u64;
        (0..RAW_BLOCKS)
            .map(|_| {
                let mut b = Block::default();
                for w in b.chunks_exact_mut(8) {
                    w.copy_from_slice(&splitmix64(&mut s).to_le_bytes());
                }
                b
            })
            .collect()
    })
}

// ---------------------------------------------------------------------------------------------
// Benchmarks.
// ---------------------------------------------------------------------------------------------

/// One chain of 1024 blocks per `compress256` call: each block waits for the previous state
/// (latency-bound; the classic "bulk hashing" rate).
const CHAINED: &str = "compress256 chained";
/// 1024 independent one-block compressions from the IV (`hash::compress_once`): consecutive
/// compressions overlap in the pipeline (throughput-bound; the best raw rate).
const INDEPENDENT: &str = "compress256 independent";
/// `hash::hash64` over 1024 independent 64-byte messages (2 compressions each): the node hash
/// the fast path calls.
const HASH64: &str = "hash64";

fn raw_key(kind: &str, all: bool) -> String {
    format!(
        "sha256_compress/{kind}/{}",
        if all { "all threads" } else { "1 thread" }
    )
}

/// Compressions per timed iteration of a raw benchmark.
fn raw_compressions(kind: &str, all: bool, threads: usize) -> u64 {
    let per_task = if kind == HASH64 { 2 } else { 1 } * RAW_BLOCKS * RAW_REPS_PER_TASK;
    if all {
        (per_task * threads * RAW_TASKS_PER_THREAD) as u64
    } else {
        per_task as u64
    }
}

/// One task of a raw benchmark: `RAW_REPS_PER_TASK` passes over the block buffer.
fn raw_task(kind: &str, blocks: &[Block], salt: u32) {
    for _ in 0..RAW_REPS_PER_TASK {
        match kind {
            CHAINED => {
                let mut state = IV;
                state[0] ^= salt;
                sha2::compress256(&mut state, blocks);
                black_box(state);
            }
            INDEPENDENT => {
                for blk in blocks {
                    let blk: &[u8; 64] = blk.as_slice().try_into().expect("64 bytes");
                    let mut state = IV;
                    compress_once(&mut state, blk);
                    black_box(state);
                }
            }
            _ => {
                for blk in blocks {
                    let blk: &[u8; 64] = blk.as_slice().try_into().expect("64 bytes");
                    black_box(hash64(blk));
                }
            }
        }
    }
}

fn root_key(log2: u32, all: bool) -> String {
    format!(
        "validators_root/2^{log2}/{}",
        if all { "all threads" } else { "1 thread" }
    )
}

fn bench_raw(c: &mut Criterion) {
    let threads = rayon::current_num_threads();
    let mut g = c.benchmark_group("sha256_compress");
    g.sample_size(SAMPLE_SIZE)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    for kind in [CHAINED, INDEPENDENT, HASH64] {
        for all in [false, true] {
            let key = raw_key(kind, all);
            g.throughput(Throughput::Elements(raw_compressions(kind, all, threads)));
            let id = BenchmarkId::new(kind, if all { "all threads" } else { "1 thread" });
            g.bench_function(id, |b| {
                let blocks = raw_blocks();
                b.iter_custom(|iters| {
                    if all {
                        let tasks = threads * RAW_TASKS_PER_THREAD;
                        timed(&key, iters, || {
                            (0..tasks)
                                .into_par_iter()
                                .for_each(|t| raw_task(kind, blocks, t as u32))
                        })
                    } else {
                        single_pool().install(|| timed(&key, iters, || raw_task(kind, blocks, 0)))
                    }
                })
            });
        }
    }
    g.finish();
}

fn bench_roots(c: &mut Criterion, log2: u32, measurement: Duration) {
    let n = 1u64 << log2;
    let mut g = c.benchmark_group(format!("validators_root/2^{log2}"));
    g.sample_size(SAMPLE_SIZE)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(measurement)
        .throughput(Throughput::Elements(root_compressions(
            n,
            Preset::mainnet().validators_depth(),
        )));
    for all in [false, true] {
        let key = root_key(log2, all);
        let id = BenchmarkId::from_parameter(if all { "all threads" } else { "1 thread" });
        g.bench_function(id, |b| {
            let state = state_for(log2);
            b.iter_custom(|iters| {
                let run = || {
                    timed(&key, iters, || {
                        black_box(state.validators_tree().root());
                    })
                };
                if all {
                    run()
                } else {
                    single_pool().install(run)
                }
            })
        });
    }
    g.finish();
}

// ---------------------------------------------------------------------------------------------
// Report.
// ---------------------------------------------------------------------------------------------

fn report(threads: usize) {
    let depth = Preset::mainnet().validators_depth();
    let raw = |kind: &str, all: bool| {
        ns_per_iter(&raw_key(kind, all)).map(|ns| ns / raw_compressions(kind, all, threads) as f64)
    };
    let best = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    };
    let chained = [raw(CHAINED, false), raw(CHAINED, true)];
    let independent = [raw(INDEPENDENT, false), raw(INDEPENDENT, true)];
    let hash64s = [raw(HASH64, false), raw(HASH64, true)];
    let raw_best = [
        best(chained[0], independent[0]),
        best(chained[1], independent[1]),
    ];

    let sha_ni = {
        #[cfg(target_arch = "x86_64")]
        {
            std::arch::is_x86_feature_detected!("sha")
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            false
        }
    };
    eprintln!(
        "\n== merkleization: ns per SHA-256 compression ({threads} threads, SHA-NI: {sha_ni}) =="
    );
    let show = |name: &str, v: Option<f64>| {
        if let Some(v) = v {
            eprintln!("  {name:<44} {v:>8.2} ns/compression");
        }
    };
    for (i, t) in [(0usize, 1usize), (1, threads)] {
        show(
            &format!("raw compress256 chained, {t} thread(s)"),
            chained[i],
        );
        show(
            &format!("raw compress256 independent, {t} thread(s)"),
            independent[i],
        );
        show(&format!("hash64 (64-byte node), {t} thread(s)"), hash64s[i]);
    }
    eprintln!(
        "  (ratios below: fast ÷ best raw rate for the same thread count; ÷ chained in brackets)"
    );

    let mut roots = Vec::new();
    for log2 in [16u32, 21] {
        let n = 1u64 << log2;
        let compressions = root_compressions(n, depth);
        for all in [false, true] {
            let Some(ns) = ns_per_iter(&root_key(log2, all)) else {
                continue;
            };
            let per = ns / compressions as f64;
            let i = all as usize;
            let ratio = raw_best[i].map(|r| per / r);
            let ratio_chained = chained[i].map(|r| per / r);
            let t = if all { threads } else { 1 };
            eprintln!(
                "  validators root 2^{log2:<2} {t} thread(s): {:>9.3} ms, {compressions} compressions, {per:>6.2} ns/compression{}{}",
                ns / 1e6,
                ratio.map_or(String::new(), |r| format!(", {r:.3}× raw")),
                ratio_chained.map_or(String::new(), |r| format!(" ({r:.3}× chained)"))
            );
            roots.push(serde_json::json!({
                "validators": n,
                "log2_validators": log2,
                "threads": t,
                "compressions": compressions,
                "ns_per_root": ns,
                "ns_per_compression": per,
                "raw_ns_per_compression": raw_best[i],
                "ratio_vs_raw": ratio,
                "ratio_vs_raw_chained": ratio_chained,
            }));
        }
    }

    let json = serde_json::json!({
        "bench": "merkleization",
        "unit": "ns per SHA-256 compression (wall time / compressions; all-thread figures are aggregate)",
        "machine": {
            "threads": threads,
            "sha_ni": sha_ni,
            "os": std::env::consts::OS,
            "arch": std::env::consts::ARCH,
        },
        "samples": SAMPLE_SIZE,
        "statistic": "median over criterion's measurement samples",
        "raw": {
            "compress256_chained_1_thread": chained[0],
            "compress256_chained_all_threads": chained[1],
            "compress256_independent_1_thread": independent[0],
            "compress256_independent_all_threads": independent[1],
            "hash64_1_thread": hash64s[0],
            "hash64_all_threads": hash64s[1],
            "best_1_thread": raw_best[0],
            "best_all_threads": raw_best[1],
        },
        "validators_root": roots,
    });
    if roots.is_empty() {
        // A filtered run without any validators root: keep the last full report.
        return;
    }
    common::write_report("merkleization", &json);
}

/// Cheap checks that the benchmark measures what it claims: the compression count formula, and
/// the synthetic registry's root through the prover's fast path equals the generic SSZ root.
fn sanity_checks() {
    // 2^21 validators: 16 each, 2^21 - 1 filled nodes, 19 zero-padded levels, 1 mix-in.
    assert_eq!(
        root_compressions(1 << 21, 40),
        16 * (1 << 21) + 2 * ((1 << 21) - 1 + 19 + 1)
    );
    assert_eq!(root_compressions(0, 40), 2 * (40 + 1));
    assert_eq!(root_compressions(3, 40), 2 * (24 + 2 + 1 + 38 + 1));
    let s = synthetic_state(1000);
    let ty = Ty::list(
        schema::validator(),
        Preset::mainnet().validator_registry_limit,
    );
    assert_eq!(
        s.validators_tree().root(),
        ty.hash_tree_root(s.validators_ssz()),
        "fast validators root differs from the generic SSZ root"
    );
}

fn main() {
    // Criterion measures only under `cargo bench` (`--bench` without `--test`); `cargo test
    // --benches` runs each benchmark once, and `--list` runs none.
    let args: Vec<String> = std::env::args().collect();
    let has = |flag: &str| args.iter().any(|a| a == flag);
    let measuring = has("--bench") && !has("--test") && !has("--list");
    sanity_checks();
    let mut c = Criterion::default().configure_from_args();
    let threads = rayon::current_num_threads();
    bench_raw(&mut c);
    bench_roots(&mut c, 16, Duration::from_secs(2));
    if measuring || has("--list") {
        // Skipped in test mode: one mainnet-sized root (and its 244 MiB state) proves nothing
        // that 2^16 does not.
        bench_roots(&mut c, 21, Duration::from_secs(5));
    }
    c.final_summary();
    if measuring {
        report(threads);
    }
}

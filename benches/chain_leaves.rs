//! Unit costs of the chain design's leaves against today's registry leaf, measured on this
//! machine: keygen and one real proof (KZG, SHPLONK) of each, its `k`, SHA-256 compressions,
//! seconds per compression and peak resident memory. The ratios calibrate `stakeproof estimate`
//! (whose new-design leaves are modelled from the registry leaf's seconds per compression).
//!
//! ```sh
//! cargo bench --bench chain_leaves                       # small sizes (minutes): R=16, K=4, B=64
//! CHAIN_BENCH=mainnet cargo bench --bench chain_leaves   # mainnet sizes: R=256, K=32, B=2048
//! ```
//!
//! Writes `chain_leaves.json` in the target directory (and prints it). One leaf at a time, so the peaks are each
//! leaf's own (the process's high-water mark is reset between leaves where Linux allows it).

use halo2_base::gates::circuit::CircuitBuilderStage;
use serde_json::json;
use stakeproof_beacon::beacon::{BeaconState, Fork};
use stakeproof_beacon::devnet::{self, DevnetSpec};
use stakeproof_beacon::report::Pool;
use stakeproof_circuits::delta::native::Registry;
use stakeproof_circuits::halo2_base;
use stakeproof_circuits::leaf_size::LeafSize;
use stakeproof_circuits::pool::PoolSpec;
use stakeproof_circuits::pool_balance::witness::state_accounts_tree;
use stakeproof_circuits::pool_balance::PoolBalanceParams;
use stakeproof_circuits::pool_balance::PoolBalanceWitness;
use stakeproof_circuits::registry::RegistryWitness;
use stakeproof_circuits::util::circuit::{build_circuit, CircuitLogic, Shape};
use stakeproof_circuits::util::proving::{keygen, prove, unsafe_setup, verify};
use stakeproof_prover::circuit_cost::{peak_rss_bytes, reset_peak_rss};
use std::time::Instant;

struct Sizes {
    registry: usize,
    updates: usize,
    balance: usize,
}

fn state(validators: usize, seed: u64) -> BeaconState {
    devnet::build(&DevnetSpec {
        fork: Fork::Electra,
        validators,
        pool_permille: 300,
        seed,
        ..Default::default()
    })
    .expect("devnet state")
}

/// Keygen, one proof and its verification of `logic` at `k` (the circuit's smallest).
fn measure(
    name: &str,
    k: u32,
    compressions: usize,
    logic: &impl CircuitLogic,
) -> serde_json::Value {
    reset_peak_rss();
    let params = unsafe_setup(k, 7);
    let t = Instant::now();
    let kc = build_circuit(CircuitBuilderStage::Keygen, logic, Shape::K(k as usize)).expect("kg");
    let pk = keygen(&params, &kc).expect("keygen");
    let pinning = kc.pinning();
    let keygen_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let c = build_circuit(CircuitBuilderStage::Prover, logic, Shape::Pinned(&pinning)).expect("p");
    let inst = c.instances();
    let proof = prove(&params, &pk, c, &inst).expect("prove");
    let prove_s = t.elapsed().as_secs_f64();
    verify(&params, pk.get_vk(), &proof, &inst).expect("the proof verifies");
    let peak = peak_rss_bytes().map(|b| b as f64 / (1u64 << 30) as f64);
    eprintln!(
        "{name}: k={k} {compressions} compressions, keygen {keygen_s:.1} s, prove {prove_s:.1} s"
    );
    json!({
        "circuit": name, "k": k, "compressions": compressions,
        "keygen_s": keygen_s, "prove_s": prove_s,
        "prove_s_per_compression": prove_s / compressions as f64,
        "peak_gib": peak,
    })
}

fn main() {
    let sizes = match std::env::var("CHAIN_BENCH").as_deref() {
        Ok("mainnet") => Sizes {
            registry: 256,
            updates: 32,
            balance: 2048,
        },
        _ => Sizes {
            registry: 16,
            updates: 4,
            balance: 64,
        },
    };
    // Registry of 4 ranges plus room to grow; a pool of ~30%.
    let n = 4 * sizes.registry.max(sizes.balance);
    let st = state(n, 11);
    let pool = Pool::Address(devnet::DEFAULT_POOL);
    let spec = PoolSpec::from(&pool);
    let mut rows = Vec::new();

    // Today's registry leaf over the range at 0.
    let log_r = sizes.registry.trailing_zeros();
    let reg = RegistryWitness::from_state(&st, &pool, 0, sizes.registry).expect("registry");
    let size = LeafSize::registry(sizes.registry, None).expect("registry size");
    rows.push(measure(&size.name(), size.k(), size.compressions(), &reg));

    // A delta leaf of K scattered changes (n = 1), and an append leaf of one fresh range.
    let vals: Vec<_> = (0..n as u64)
        .map(|i| st.validator(i).expect("validator"))
        .collect();
    let mut changed = vals.clone();
    for j in 0..sizes.updates {
        let i = (j * 7 + 3) % n;
        changed[i].exit_epoch = 1000 + j as u64;
    }
    let mut r = Registry::from_validators(spec.clone(), &vals).expect("registry model");
    let leaves = r
        .leaves_to(&changed, 0, sizes.updates)
        .expect("delta leaves");
    let delta = &leaves[0];
    let p = delta.params().expect("delta params");
    rows.push(measure(&p.name(), p.k, p.compressions(), delta));
    let head = &vals[..n - sizes.registry];
    let mut r = Registry::from_validators(spec.clone(), head).expect("registry model");
    let leaves = r.leaves_to(&vals, log_r, 1).expect("append leaves");
    let append = leaves.last().expect("an append leaf");
    let p = append.params().expect("append params");
    rows.push(measure(&p.name(), p.k, p.compressions(), append));

    // A pool-balance leaf over the range at 0.
    let tree = st.tree().expect("state tree");
    let acc = state_accounts_tree(&st, &spec).expect("accounts tree");
    let pb = PoolBalanceWitness::from_state(&st, &tree, &spec, &acc, 0, sizes.balance)
        .expect("pool-balance witness");
    let p = PoolBalanceParams::new(sizes.balance, 6, 32, None).expect("pool-balance size");
    rows.push(measure(&p.name(), p.k, p.compressions(), &pb));

    let base = rows[0]["prove_s_per_compression"]
        .as_f64()
        .unwrap_or(f64::NAN);
    for row in rows.iter_mut() {
        let per = row["prove_s_per_compression"].as_f64().unwrap_or(f64::NAN);
        row["per_compression_vs_registry"] = json!(per / base);
    }
    let report = json!({
        "machine": format!("{} logical CPUs", std::thread::available_parallelism().map_or(0, |n| n.get())),
        "setup": "unsafe local (timing only)",
        "leaves": rows,
    });
    let text = serde_json::to_string_pretty(&report).expect("json");
    let dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let out = dir.join("chain_leaves.json");
    if let Err(e) = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&out, &text)) {
        eprintln!("could not write {}: {e}", out.display());
    }
    println!("{text}");
}

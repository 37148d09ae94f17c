//! Larger proof trees, `#[ignore]`d by default (each aggregation proof takes minutes and
//! ~15 GiB); run with
//!
//! ```sh
//! cargo test --release --test deep_trees -- --ignored --nocapture
//! ```
//!
//! The two tests take a lock and run one after the other: together they would not fit in
//! 24 GiB.
//!
//! - a 20-validator devnet with ranges of 8: four leaves per segment pair (two segments, so
//!   two aggregation levels above the wraps: segment nodes, then the final join), and a
//!   later state where one registry range changed and every balance changed, proven again
//!   reusing the unchanged registry range's leaf and wrap;
//! - the Sepolia genesis state (1,570 validators, phase0 layout) proven whole against its
//!   published block root.

use stakeproof::beacon::beacon::{BeaconState, Fork, NetworkConfig};
use stakeproof::beacon::devnet::{self, DevnetSpec};
use stakeproof::beacon::report::{pool_report, Pool};
use stakeproof_prover::leaves::{LeafConfig, Silent, WorkDir};
use stakeproof_prover::srs::Srs;
use stakeproof_prover::tree::{ProveOptions, ReportProof, TreeOptions, DEFAULT_NODE_K};
use std::time::Instant;

/// The tree with every node at [`DEFAULT_NODE_K`] (the final one too), proving keys kept, on
/// halo2's CPU prover.
fn prove_report(
    st: &BeaconState,
    pool: &Pool,
    cfg: &LeafConfig,
    srs: &Srs,
    work: &WorkDir,
) -> ReportProof {
    let opts = ProveOptions {
        tree: TreeOptions {
            node_k: DEFAULT_NODE_K,
            final_k: DEFAULT_NODE_K,
            keep_proving_keys: true,
        },
        progress: &Silent,
        ..ProveOptions::new(*cfg)
    };
    stakeproof_prover::tree::prove(st, pool, srs, work, &opts).unwrap()
}

fn work() -> (tempfile::TempDir, WorkDir) {
    let tmp = tempfile::tempdir().unwrap();
    let root = std::env::var_os("STAKEPROOF_E2E_WORK")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| tmp.path().to_path_buf());
    (tmp, WorkDir { root })
}

/// One test at a time: each aggregation proof peaks at 13–15 GiB.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

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

/// Each leaf's and node's circuit, seconds and reuse (the process's peak memory is
/// `peak_mib`: the high-water mark of everything run so far in this test binary).
fn detail(p: &stakeproof_prover::tree::ReportProof) -> serde_json::Value {
    let row = |c: &str, s: f64, r: bool| serde_json::json!([c, (s * 10.0).round() / 10.0, r]);
    serde_json::json!({
        "leaves": p.leaves.registry.iter().chain(&p.leaves.balance)
            .map(|l| row(&l.circuit, l.seconds, l.reused)).collect::<Vec<_>>(),
        "nodes": p.nodes.iter().map(|n| row(&n.circuit, n.seconds, n.reused)).collect::<Vec<_>>(),
    })
}

#[test]
#[ignore = "two aggregation levels: about an hour on 2 cores"]
fn two_segments_two_levels_and_an_incremental_report() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (_tmp, work) = work();
    let spec = DevnetSpec {
        validators: 12,
        pool_permille: 500,
        seed: 8,
        ..Default::default()
    };
    let pool = Pool::Address(spec.pool);
    let cfg = LeafConfig::for_sizes(8, 8).unwrap();
    let srs = Srs::unsafe_local(DEFAULT_NODE_K, 1, Some(&work.srs())).unwrap();
    let (vals, bals) = devnet::validators(&spec);
    let st = BeaconState::decode(
        devnet::state_ssz(&spec, &vals, &bals),
        Fork::Electra,
        &spec.preset,
    )
    .unwrap();
    let t = Instant::now();
    let first = prove_report(&st, &pool, &cfg, &srs, &work);
    let first_s = t.elapsed().as_secs_f64();
    assert_eq!(first.leaves.registry.len(), 2);
    assert_eq!(first.leaves.balance.len(), 2);
    // 4 wraps, 2 segments, 1 final join.
    assert_eq!(first.nodes.len(), 7);
    let native = pool_report(&st, &pool).unwrap();
    assert_eq!(
        first.artifact.statement.total_balance_gwei,
        native.totals.total_balance_gwei
    );
    first.artifact.verify(&srs, None).unwrap();

    // A later epoch: validator 9's container changes (range [8, 16)), every balance changes.
    let later_spec = DevnetSpec {
        slot: spec.slot + 32,
        ..spec.clone()
    };
    let (mut vals2, mut bals2) = (vals.clone(), bals.clone());
    vals2[9].slashed = true;
    for b in bals2.iter_mut() {
        *b += 1_000;
    }
    let st2 = BeaconState::decode(
        devnet::state_ssz(&later_spec, &vals2, &bals2),
        Fork::Electra,
        &spec.preset,
    )
    .unwrap();
    let t = Instant::now();
    let second = prove_report(&st2, &pool, &cfg, &srs, &work);
    let second_s = t.elapsed().as_secs_f64();
    let reused_leaves = second
        .leaves
        .registry
        .iter()
        .chain(&second.leaves.balance)
        .filter(|o| o.reused)
        .count();
    let reused_nodes = second.nodes.iter().filter(|n| n.reused).count();
    eprintln!(
        "{}",
        serde_json::json!({
            "first_report_s": first_s, "second_report_s": second_s,
            "leaves_reused": reused_leaves, "nodes_reused": reused_nodes,
            "nodes": second.nodes.len(), "peak_mib": peak_mib(),
            "first": detail(&first), "second": detail(&second),
        })
    );
    assert_eq!(reused_leaves, 1, "registry range [0, 8) is unchanged");
    assert_eq!(reused_nodes, 1, "and so is its wrap");
    second.artifact.verify(&srs, None).unwrap();
    assert_eq!(
        second.artifact.statement.slashed_count,
        pool_report(&st2, &pool).unwrap().totals.slashed_count
    );
}

#[test]
#[ignore = "the whole Sepolia genesis registry: hours on 2 cores"]
fn sepolia_genesis_whole_against_its_published_block_root() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/genesis/sepolia");
    let cfg_net = NetworkConfig::from_yaml_file(&dir.join("config.yaml")).unwrap();
    let st =
        BeaconState::decode_any(std::fs::read(dir.join("genesis.ssz")).unwrap(), &cfg_net).unwrap();
    // A pool of Sepolia genesis depositors: validator 1's credentials.
    let pool = Pool::from_credentials(st.validator(1).unwrap().withdrawal_credentials);
    let sizes: Vec<usize> = std::env::var("STAKEPROOF_SEPOLIA_SIZES")
        .ok()
        .map(|s| s.split(',').map(|x| x.parse().unwrap()).collect())
        .unwrap_or_else(|| vec![256, 2048]);
    let cfg = LeafConfig::for_sizes(sizes[0], sizes[1]).unwrap();
    let (_tmp, work) = work();
    let srs = Srs::unsafe_local(DEFAULT_NODE_K.max(cfg.registry_k), 1, Some(&work.srs())).unwrap();
    let t = Instant::now();
    let out = prove_report(&st, &pool, &cfg, &srs, &work);
    eprintln!(
        "{}",
        serde_json::json!({"seconds": t.elapsed().as_secs_f64(), "peak_mib": peak_mib(),
            "leaves": out.leaves.registry.len() + out.leaves.balance.len(), "nodes": out.nodes.len(),
            "detail": detail(&out)})
    );
    let tree = st.tree().unwrap();
    assert_eq!(
        out.artifact.statement.block_root,
        format!("0x{}", hex::encode(tree.block_root()))
    );
    let native = pool_report(&st, &pool).unwrap();
    assert_eq!(
        out.artifact.statement.validator_count,
        native.totals.validator_count
    );
    assert_eq!(
        out.artifact.statement.total_balance_gwei,
        native.totals.total_balance_gwei
    );
    out.artifact.verify(&srs, None).unwrap();
}

//! The chain design proven for real, `#[ignore]`d by default (every node is an aggregation
//! proof at k = 20: minutes and ~15 GiB each); run alone with
//!
//! ```sh
//! cargo test --release --test chain_prove -- --ignored --nocapture --test-threads 1
//! ```
//!
//! (`STAKEPROOF_CHAIN_WORK=DIR` keeps setup, keys and proofs between runs.) One cold report of
//! 12 validators with ranges of 16 and trees without joins (five aggregation proofs); and a
//! tiny chain of two reports (ranges of 8, trees of depth 0–1): a cold report of 12
//! validators, then one validator changed, continued from the work directory's chain cache.
//! Both final proofs verify; the second starts at the first's anchor; the final verifying key
//! is the same for both (the padding fixes the shape). On-chain (revm, solc-js): one generated
//! verifier, scheduled as the oracle's chain verifier, takes both reports through
//! `submitChainReport` in order; the later one first is refused (its anchor is unknown).

use stakeproof::beacon::beacon::{BeaconState, Fork};
use stakeproof::beacon::devnet::{self, DevnetSpec};
use stakeproof::beacon::report::{pool_report, Pool};
use stakeproof_contracts::{verifier, B256, U256};
use stakeproof_prover::chain::{plan, prove_chain, ChainCache, ChainProof, ChainSizes};
use stakeproof_prover::final_artifact::{word_fr, FinalArtifact};
use stakeproof_prover::leaves::{LeafConfig, Silent, WorkDir};
use stakeproof_prover::srs::Srs;
use stakeproof_prover::tree::{ProveOptions, TreeOptions, DEFAULT_NODE_K};

mod common;

const ZERO: &str = "0x0000000000000000000000000000000000000000000000000000000000000000";

/// Ranges of 8 in trees of one join level (the 12-validator registry spans two append ranges).
fn sizes() -> ChainSizes {
    ChainSizes {
        delta_updates: 1,
        append_n: 8,
        pool_balance_n: 8,
        delta_depth: 0,
        append_depth: 1,
        sum_depth: 1,
    }
}

/// The smallest chain: ranges of 16 and trees without joins (a wrap per tree, the chain
/// node, the final).
fn flat_sizes() -> ChainSizes {
    ChainSizes {
        append_n: 16,
        pool_balance_n: 16,
        append_depth: 0,
        sum_depth: 0,
        ..sizes()
    }
}

/// The work directory: `STAKEPROOF_CHAIN_WORK=DIR` keeps the setup, keys and proofs between
/// runs (a killed run resumes there); a temporary one otherwise.
fn work_dir() -> (WorkDir, Option<tempfile::TempDir>) {
    match std::env::var_os("STAKEPROOF_CHAIN_WORK") {
        Some(d) => (WorkDir { root: d.into() }, None),
        None => {
            let tmp = tempfile::tempdir().unwrap();
            let root = tmp.path().to_path_buf();
            (WorkDir { root }, Some(tmp))
        }
    }
}

/// A work directory without a chain cache (every test starts cold), the 12-validator devnet
/// spec, its pool and the setup.
fn setup() -> (WorkDir, Option<tempfile::TempDir>, DevnetSpec, Pool, Srs) {
    let (work, tmp) = work_dir();
    let cache = work.root.join(stakeproof_prover::chain::CACHE_FILE);
    if cache.exists() {
        std::fs::remove_file(&cache).unwrap();
    }
    let spec = DevnetSpec {
        validators: 12,
        pool_permille: 500,
        seed: 15,
        ..Default::default()
    };
    let pool = Pool::Address(spec.pool);
    let srs = Srs::unsafe_local(DEFAULT_NODE_K, 1, Some(&work.srs())).unwrap();
    (work, tmp, spec, pool, srs)
}

fn prove(
    st: &BeaconState,
    pool: &Pool,
    srs: &Srs,
    work: &WorkDir,
    sizes: &ChainSizes,
) -> ChainProof {
    let tree = st.tree().unwrap();
    let prev = ChainCache::load(&work.root, pool);
    assert!(prev.note.is_none(), "{:?}", prev.note);
    let p = plan(prev.previous.as_ref(), st, &tree, pool, sizes).unwrap();
    let opts = ProveOptions {
        tree: TreeOptions {
            node_k: DEFAULT_NODE_K,
            final_k: DEFAULT_NODE_K,
            keep_proving_keys: true,
        },
        progress: &Silent,
        ..ProveOptions::new(LeafConfig::for_sizes(8, 8).unwrap())
    };
    let out = prove_chain(&p, st, &tree, pool, srs, work, &opts).unwrap();
    out.artifact.verify(srs, None).unwrap();
    let native = pool_report(st, pool).unwrap();
    let s = &out.artifact.statement;
    assert_eq!(s.registry_length, native.registry_length);
    assert_eq!(s.total_balance_gwei, native.totals.total_balance_gwei);
    assert_eq!(s.validator_count, native.totals.validator_count);
    out
}

#[test]
#[ignore = "one cold chain report proven for real: about 45 min on 2 cores, ~15 GiB"]
fn a_cold_report_proves_and_lands_on_chain() {
    let (work, _tmp, spec, pool, srs) = setup();
    let st = BeaconState::decode(
        devnet::build(&spec).unwrap().as_ssz().to_vec(),
        Fork::Electra,
        &spec.preset,
    )
    .unwrap();
    let t = std::time::Instant::now();
    let out = prove(&st, &pool, &srs, &work, &flat_sizes());
    let chain = out.artifact.chain.clone().expect("a chain proof");
    assert!(chain.cold);
    assert_eq!(chain.anchor_old, ZERO);
    assert_eq!(out.native.counts.append_leaves, 1);
    on_chain(&[&out.artifact], &srs);
    eprintln!(
        "{}",
        serde_json::json!({
            "seconds": t.elapsed().as_secs_f64(),
            "leaves": out.leaves,
            "nodes": out.nodes,
            "final": {"k": out.artifact.circuit.params.degree, "vk": out.artifact.circuit.vk_digest,
                      "anchor_new": chain.anchor_new},
        })
    );
}

#[test]
#[ignore = "a chain of two reports proven for real: about two hours on 2 cores, ~15 GiB"]
fn two_reports_prove_and_chain() {
    let (work, _tmp, spec, pool, srs) = setup();
    let (mut vals, bals) = devnet::validators(&spec);
    let state = |spec: &DevnetSpec, vals: &[_]| {
        BeaconState::decode(
            devnet::state_ssz(spec, vals, &bals),
            Fork::Electra,
            &spec.preset,
        )
        .unwrap()
    };

    let first = prove(&state(&spec, &vals), &pool, &srs, &work, &sizes());
    let anchors = |p: &ChainProof| p.artifact.chain.clone().expect("a chain proof");
    assert!(anchors(&first).cold);
    assert_eq!(anchors(&first).anchor_old, ZERO);
    assert_eq!(first.native.counts.append_leaves, 2);

    vals[5].exit_epoch = 10_001;
    let later = DevnetSpec {
        slot: spec.slot + 32,
        ..spec.clone()
    };
    let second = prove(&state(&later, &vals), &pool, &srs, &work, &sizes());
    assert!(!anchors(&second).cold);
    assert_eq!(anchors(&second).anchor_old, anchors(&first).anchor_new);
    assert_eq!(
        (
            second.native.counts.delta_leaves,
            second.native.counts.append_leaves
        ),
        (1, 0)
    );
    assert_eq!(
        second.artifact.circuit.vk_digest, first.artifact.circuit.vk_digest,
        "one final verifying key whatever L and the changes"
    );
    on_chain(&[&first.artifact, &second.artifact], &srs);
    eprintln!(
        "{}",
        serde_json::json!({
            "first": {"leaves": first.leaves.len(), "nodes": first.nodes},
            "second": {"leaves": second.leaves.len(), "nodes": second.nodes},
        })
    );
}

/// Parts of `submitChainReport` from an artifact.
fn call_parts(art: &FinalArtifact) -> (stakeproof_contracts::Report, [U256; 12], U256, U256) {
    let inst: Vec<U256> = art
        .instances
        .iter()
        .map(|w| verifier::fr_to_u256(&word_fr(w).unwrap()))
        .collect();
    let report = stakeproof::oracle_report(&art.statement);
    (report, inst[..12].try_into().unwrap(), inst[24], inst[25])
}

/// Both reports through one chain verifier and the oracle, in order.
fn on_chain(arts: &[&FinalArtifact], srs: &Srs) {
    let (mut d, _) = common::deploy_final_verifier(arts[0], srs, 10_000_000);
    let ts0 = 1_800_000_000u64;
    d.chain.set_block(1000, ts0 + 12 * 64);
    for (i, a) in arts.iter().enumerate() {
        let root: [u8; 32] = hex::decode(&a.statement.block_root[2..])
            .unwrap()
            .try_into()
            .unwrap();
        d.write_beacon_root(ts0 + 12 * i as u64, B256::from(root))
            .unwrap();
    }
    // The later report first: its old anchor is not known yet.
    if let Some(later) = arts.get(1) {
        let (r, acc, old, new) = call_parts(later);
        let proof = later.proof_bytes().unwrap();
        let e = d
            .submit_chain(&r, ts0 + 12, old, new, &acc, &proof)
            .expect_err("an unknown anchor is refused");
        assert_eq!(e.revert_name(), Some("UnknownAnchor"));
    }
    for (i, a) in arts.iter().enumerate() {
        let (r, acc, old, new) = call_parts(a);
        let receipt = d
            .submit_chain(
                &r,
                ts0 + 12 * i as u64,
                old,
                new,
                &acc,
                &a.proof_bytes().unwrap(),
            )
            .expect("the oracle accepts the report");
        eprintln!("report {i}: submitChainReport {} gas", receipt.gas_used);
        assert_eq!(d.latest_report().unwrap(), r);
        assert_eq!(d.latest_anchor().unwrap(), new);
    }
}

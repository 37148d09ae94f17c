//! A report with the pool's pending deposits, proven to one final proof: the small state of
//! `end_to_end.rs` with a queue of three deposits, the registry's summary and the queue's run
//! joined by the final node `[Summary, Pending]`, whose statement appends the pool's pending
//! count and sum (26 public inputs).
//!
//! The whole run ([`a_state_with_a_queue_to_one_final_proof_with_its_pending_deposits`],
//! `#[ignore]`d) proves three leaves, three wraps, the segment and the final node with their
//! keygens on an unsafe local setup; its final proof is committed as [`FIXTURE`], and the
//! default run checks that proof ([`the_committed_pending_final_proof`]): its statement is the
//! native report and the native pending deposits of the state at its block root, it verifies
//! natively and through the generated Solidity verifier in revm, and a tampered pending count
//! or sum is rejected by both. `STAKEPROOF_WRITE_FIXTURE=1` writes a new proof over the fixture;
//! without it the run checks that the fixture's key is today's. `STAKEPROOF_E2E_WORK=DIR` keeps
//! keys, setup and proofs between runs.

mod common;

use stakeproof::beacon::beacon::BeaconState;
use stakeproof::beacon::devnet::{self, DevnetSpec};
use stakeproof::beacon::report::{pending_deposits, pool_report, Pool};
use stakeproof_contracts::{verifier, B256, U256};
use stakeproof_prover::final_artifact::{word_fr, FinalArtifact, PendingTotals};
use stakeproof_prover::leaves::{LeafConfig, Silent, WorkDir};
use stakeproof_prover::options::PendingConfig;
use stakeproof_prover::srs::Srs;
use stakeproof_prover::tree::{prove, ProveOptions, TreeOptions, DEFAULT_FINAL_K};
use std::path::{Path, PathBuf};

/// The final proof of the small state with its queue, made by the ignored full run.
const FIXTURE: &str = "tests/fixtures/e2e-final-pending.json";

fn fixture_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE)
}

/// The small state with a queue of three deposits (deterministic).
fn state_with_queue() -> (BeaconState, Pool) {
    let spec = DevnetSpec {
        validators: 6,
        pool_permille: 600,
        seed: 4,
        pending_deposits: 3,
        ..Default::default()
    };
    (devnet::build(&spec).unwrap(), Pool::Address(spec.pool))
}

/// Leaves of 8 (registry and balance) and of 4 queue entries under a run tree of no joins:
/// the queue's one wrap is its run (a demo-sized capacity of 4 entries).
fn config() -> LeafConfig {
    LeafConfig {
        pending: Some(PendingConfig::new(4, Some(0)).unwrap()),
        ..LeafConfig::for_sizes(8, 8).unwrap()
    }
}

/// The statement is the native report of the state at its block root, and the pending
/// values the native pending deposits.
fn statement_is_the_native_report(art: &FinalArtifact, st: &BeaconState, pool: &Pool) {
    let native = pool_report(st, pool).unwrap();
    let s = &art.statement;
    let root = format!("0x{}", hex::encode(st.tree().unwrap().block_root()));
    assert_eq!(s.block_root, root);
    assert_eq!((s.slot, s.registry_length), (st.slot(), 6));
    assert_eq!(s.validator_count, native.totals.validator_count);
    assert_eq!(s.total_balance_gwei, native.totals.total_balance_gwei);
    let want = pending_deposits(st, pool);
    assert!(
        want.pending_deposit_count >= 1,
        "the queue holds a pool entry"
    );
    assert_eq!(
        art.pending,
        Some(PendingTotals {
            pending_deposit_count: want.pending_deposit_count,
            pending_deposit_gwei: want.pending_deposit_gwei,
        })
    );
    assert_eq!(art.instances.len(), 26);
    assert_eq!(art.circuit.leaves.pending, config().pending);
}

/// The artifact with its public input `i` (after the accumulator) replaced by `f(old)`, the
/// decoded values following, so only the proof can tell.
fn tampered(art: &FinalArtifact, i: usize, f: impl Fn(U256) -> U256) -> FinalArtifact {
    let mut t = art.clone();
    let old = verifier::fr_to_u256(&word_fr(&t.instances[12 + i]).unwrap());
    let new = f(old);
    t.instances[12 + i] = format!("0x{}", hex::encode(new.to_be_bytes::<32>()));
    let values: Vec<_> = t.instances[24..]
        .iter()
        .map(|w| word_fr(w).unwrap())
        .collect();
    t.pending = PendingTotals::from_instances(&values);
    assert!(t.pending.is_some(), "the tampered value still decodes");
    t
}

/// Native verification and the generated verifier in revm, honest and tampered.
fn check_pending_final_proof(art: &FinalArtifact, srs: &Srs, st: &BeaconState, pool: &Pool) {
    statement_is_the_native_report(art, st, pool);
    art.verify(srs, Some(&art.circuit.vk_digest))
        .expect("the final proof verifies");
    let (mut d, compiled) = common::deploy_final_verifier(art, srs, 500);
    eprintln!("pending final verifier: {} bytes", compiled.deployed_size);
    let words = |a: &FinalArtifact| -> Vec<U256> {
        a.instances
            .iter()
            .map(|w| verifier::fr_to_u256(&word_fr(w).unwrap()))
            .collect()
    };
    let proof = art.proof_bytes().unwrap();
    let ok = d
        .call_verifier(d.verifier, &words(art), &proof)
        .expect("the generated verifier accepts the proof");
    eprintln!("pending final verification: {} gas", ok.gas_used);
    // Through the oracle: the proven root under a timestamp, the report with its pending
    // values, stored beside it; the LSD pools them.
    let s = &art.statement;
    let block_root: [u8; 32] = hex::decode(&s.block_root[2..]).unwrap().try_into().unwrap();
    let ts = 1_800_000_000u64;
    d.chain.set_block(1000, ts + 12);
    d.write_beacon_root(ts, B256::from(block_root)).unwrap();
    let report = stakeproof::oracle_report(s);
    let acc: [U256; 12] = words(art)[..12].try_into().unwrap();
    let p = art.pending.unwrap();
    let pending = (p.pending_deposit_count, p.pending_deposit_gwei);
    let mut wrong = pending;
    wrong.1 += 1;
    let err = d
        .submit_pending(&report, ts, wrong, &acc, &proof)
        .unwrap_err();
    assert_eq!(err.revert_name(), Some("ProofRejected"), "{err}");
    let receipt = d
        .submit_pending(&report, ts, pending, &acc, &proof)
        .expect("the oracle accepts the pending report");
    eprintln!("submitPendingReport: {} gas", receipt.gas_used);
    assert_eq!(d.pending_deposits_at(s.slot).unwrap(), pending);
    assert_eq!(d.latest_report().unwrap(), report);
    d.lsd_sync().unwrap();
    assert_eq!(
        d.lsd_total_pooled().unwrap(),
        U256::from(s.total_balance_gwei + p.pending_deposit_gwei) * U256::from(1_000_000_000u64)
    );
    let one = U256::from(1u8);
    for (what, t) in [
        ("count + 1", tampered(art, 12, |v| v + one)),
        ("count 0", tampered(art, 12, |_| U256::ZERO)),
        ("sum + 1 gwei", tampered(art, 13, |v| v + one)),
        (
            "sum − 32 ETH",
            tampered(art, 13, |v| v.saturating_sub(U256::from(32_000_000_000u64))),
        ),
    ] {
        assert!(t.verify(srs, None).is_err(), "{what}: native verification");
        assert!(
            d.call_verifier(d.verifier, &words(&t), &proof).is_err(),
            "{what}: the generated verifier"
        );
    }
}

#[test]
fn the_committed_pending_final_proof() {
    let tmp = tempfile::tempdir().unwrap();
    let work = WorkDir {
        root: tmp.path().to_path_buf(),
    };
    let (st, pool) = state_with_queue();
    let srs = Srs::unsafe_local(DEFAULT_FINAL_K, 1, Some(&work.srs())).unwrap();
    let art = FinalArtifact::read(&fixture_path()).unwrap();
    check_pending_final_proof(&art, &srs, &st, &pool);
    // The binary's calldata calls submitPendingReport with the artifact's values.
    let out = common::stakeproof()
        .args(["calldata", "--json", "--timestamp", "1800000000"])
        .arg(fixture_path())
        .assert()
        .success();
    let j: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(
        j["function"],
        stakeproof_contracts::calldata::SUBMIT_PENDING_REPORT_SIGNATURE
    );
    let p = art.pending.unwrap();
    assert_eq!(
        j["pending"]["pending_deposit_count"],
        p.pending_deposit_count
    );
    let acc: [U256; 12] =
        std::array::from_fn(|i| verifier::fr_to_u256(&word_fr(&art.instances[i]).unwrap()));
    let want = stakeproof_contracts::calldata::submit_pending_report(
        &stakeproof::oracle_report(&art.statement),
        1_800_000_000,
        (p.pending_deposit_count, p.pending_deposit_gwei),
        &acc,
        &art.proof_bytes().unwrap(),
    );
    assert_eq!(j["calldata"], format!("0x{}", hex::encode(want)));
}

#[test]
#[ignore = "three leaves, three wraps, the segment and the final node with their keygens: about an hour and ~22 GiB on 2 cores"]
fn a_state_with_a_queue_to_one_final_proof_with_its_pending_deposits() {
    let keep = std::env::var_os("STAKEPROOF_E2E_WORK").map(PathBuf::from);
    let tmp = tempfile::tempdir().unwrap();
    let work = WorkDir {
        root: keep.clone().unwrap_or_else(|| tmp.path().to_path_buf()),
    };
    let (st, pool) = state_with_queue();
    let srs = Srs::unsafe_local(DEFAULT_FINAL_K, 1, Some(&work.srs())).unwrap();
    let opts = ProveOptions {
        tree: TreeOptions {
            keep_proving_keys: keep.is_some(),
            ..TreeOptions::default()
        },
        progress: &Silent,
        ..ProveOptions::new(config())
    };
    let out = prove(&st, &pool, &srs, &work, &opts).unwrap();
    for n in &out.nodes {
        eprintln!("{} {:.1}s reused={}", n.circuit, n.seconds, n.reused);
    }
    let run = out.pending.as_ref().expect("the queue's run");
    assert_eq!(run.leaves.leaves.len(), 1);
    assert_eq!(run.nodes.len(), 1, "the queue's wrap is its run");
    assert_eq!(
        out.nodes.len(),
        5,
        "three wraps, the segment and the final node"
    );
    let art = FinalArtifact::read(&out.path).unwrap();
    // Written (or compared) first: the checks below need solc-js.
    common::write_or_check_fixture(&out.path, &fixture_path(), &art);
    check_pending_final_proof(&art, &srs, &st, &pool);
}

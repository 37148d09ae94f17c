//! The whole system on a small state: from a state file to a final proof bound to the beacon
//! block root, checked natively and by the generated Solidity verifier through the oracle
//! contract in revm, which updates the example LSD's rate.
//!
//! Two leaf proofs (one registry range, one balance range of 8; L = 6, so both are partial)
//! are each wrapped and aggregated into the final proof: three aggregation proofs at
//! k = 20/22 on an unsafe local setup, 35–45 min and ~20 GiB peak on 2 cores with their keygens.
//! That whole run is [`a_state_file_to_an_lsd_rate_through_one_final_proof`], `#[ignore]`d:
//! alone it was more than half of the default test run. Its final proof is committed as
//! [`FIXTURE`], and the default run checks that one proof
//! ([`the_committed_final_proof_of_the_small_state`], about two minutes, most of it the k = 22
//! setup): its statement is the native report of today's devnet state at its block root, it
//! verifies natively and through `stakeproof verify` (a tampered copy exits 5), the binary
//! exports its verifier (only with `--allow-unsafe-srs`) and prints the oracle calldata;
//! tampered copies (statement, block root, accumulator limb, proof byte) are rejected natively
//! and on-chain, and a wrong timestamp (the root of another block) reverts: the tables of
//! `tamper_final_proof.rs`; then, on a real node (anvil), `stakeproof submit` lands it and the
//! LSD's rate moves, and a second submit is refused with the oracle's error named
//! (`anvil_submit.rs`). Verification gas (with where it goes: precompiles, keccak, calldata)
//! and the verifier's size go to `target/contract-reports/final-verifier.json`.
//!
//! The ignored run proves the tree again and checks that its verifying key is the fixture's
//! (keygen is deterministic), so a circuit change that makes the fixture stale fails it;
//! `STAKEPROOF_WRITE_FIXTURE=1` writes the new proof over the fixture instead.
//! `STAKEPROOF_E2E_WORK=DIR` keeps keys, setup and proofs between runs. A second run reuses
//! every proof.

#[path = "tamper_final_proof.rs"]
mod tamper_final_proof;

#[path = "anvil_submit.rs"]
mod anvil_submit;

mod common;

use stakeproof::beacon::beacon::BeaconState;
use stakeproof::beacon::devnet::{self, DevnetSpec};
use stakeproof::beacon::report::{pool_report, Pool};
use stakeproof_contracts::{verifier, B256, U256};
use stakeproof_prover::final_artifact::{word_fr, FinalArtifact};
use stakeproof_prover::leaves::{LeafConfig, Silent, WorkDir};
use stakeproof_prover::srs::Srs;
use stakeproof_prover::tree::{prove, ProveOptions, TreeOptions, DEFAULT_FINAL_K};
use std::path::{Path, PathBuf};

/// The final proof of the small state, made by the ignored full run (see the module docs).
const FIXTURE: &str = "tests/fixtures/e2e-final.json";

fn fixture_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE)
}

/// The small state (deterministic), written to `dir/state.ssz` and read back from it.
fn small_state(dir: &Path) -> (BeaconState, Pool) {
    let spec = DevnetSpec {
        validators: 6,
        pool_permille: 600,
        seed: 4,
        ..Default::default()
    };
    let state_file = dir.join("state.ssz");
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(&state_file, devnet::build(&spec).unwrap().as_ssz()).unwrap();
    let st =
        BeaconState::decode(std::fs::read(&state_file).unwrap(), spec.fork, &spec.preset).unwrap();
    (st, Pool::Address(spec.pool))
}

/// The statement is the native report of the state, at its block root.
fn statement_is_the_native_report(art: &FinalArtifact, st: &BeaconState, pool: &Pool) {
    let native = pool_report(st, pool).unwrap();
    let tree = st.tree().unwrap();
    let s = &art.statement;
    assert_eq!(
        s.block_root,
        format!("0x{}", hex::encode(tree.block_root()))
    );
    assert_eq!(s.slot, st.slot());
    assert_eq!(s.registry_length, 6);
    assert_eq!(s.validator_count, native.totals.validator_count);
    assert_eq!(s.total_balance_gwei, native.totals.total_balance_gwei);
    assert_eq!(s.active_count, native.totals.active_count);
    assert_eq!(s.exited_count, native.totals.exited_count);
    assert_eq!(s.slashed_count, native.totals.slashed_count);
    assert!(!s.pool_exact);
    assert!(native.totals.validator_count > 0);
}

/// Everything shown on a final proof file of the small state: native verification and the
/// tamper tables, the binary, the EVM.
fn check_final_proof(path: &Path, work: &Path, srs: &Srs, st: &BeaconState, pool: &Pool) {
    let art = FinalArtifact::read(path).unwrap();
    statement_is_the_native_report(&art, st, pool);
    art.verify(srs, None).expect("the final proof verifies");
    art.verify(srs, Some(&art.circuit.vk_digest)).unwrap();
    tamper_final_proof::rejected_natively(&art, srs);
    cli_checks(path, work, &art);
    let verifier_creation = evm_checks(&art, srs, st);
    anvil_submit::submit_on_anvil(path, &art, &verifier_creation, work);
}

#[test]
fn the_committed_final_proof_of_the_small_state() {
    let tmp = tempfile::tempdir().unwrap();
    let work = WorkDir {
        root: tmp.path().to_path_buf(),
    };
    let (st, pool) = small_state(&work.root);
    let srs = Srs::unsafe_local(DEFAULT_FINAL_K, 1, Some(&work.srs())).unwrap();
    // A copy in the work directory: the binary's checks write beside it.
    let path = work.root.join("final.json");
    std::fs::copy(fixture_path(), &path).unwrap();
    check_final_proof(&path, &work.root, &srs, &st, &pool);
}

#[test]
#[ignore = "the whole tree proven: three aggregation proofs with their keygens, 35-45 min and ~20 GiB on 2 cores"]
fn a_state_file_to_an_lsd_rate_through_one_final_proof() {
    let keep = std::env::var_os("STAKEPROOF_E2E_WORK").map(PathBuf::from);
    let keep_keys = keep.is_some();
    let tmp = tempfile::tempdir().unwrap();
    let work = WorkDir {
        root: keep.unwrap_or_else(|| tmp.path().to_path_buf()),
    };
    let (st, pool) = small_state(&work.root);
    let cfg = LeafConfig::for_sizes(8, 8).unwrap();
    let srs = Srs::unsafe_local(DEFAULT_FINAL_K, 1, Some(&work.srs())).unwrap();

    // Node proving keys (~3 GB each at k = 20, more for the final node) stay in memory only,
    // unless the work directory is kept: a test run writes little to disk.
    let opts = ProveOptions {
        tree: TreeOptions {
            keep_proving_keys: keep_keys,
            ..TreeOptions::default()
        },
        progress: &Silent,
        ..ProveOptions::new(cfg)
    };
    let out = prove(&st, &pool, &srs, &work, &opts).unwrap();
    if !keep_keys {
        let agg_pks = std::fs::read_dir(work.root.join("keys"))
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("agg-") && n.ends_with(".pk"))
            .count();
        assert_eq!(agg_pks, 0, "node proving keys are not written");
    }
    for n in &out.nodes {
        eprintln!("{} {:.1}s reused={}", n.circuit, n.seconds, n.reused);
    }
    assert_eq!(out.leaves.registry.len(), 1);
    assert_eq!(out.leaves.balance.len(), 1);
    assert_eq!(out.nodes.len(), 3, "two wraps and the final node");
    check_final_proof(&out.path, &work.root, &srs, &st, &pool);
    let art = FinalArtifact::read(&out.path).unwrap();

    // The committed fixture: rewritten on request, otherwise its key must be today's.
    common::write_or_check_fixture(&out.path, &fixture_path(), &art);

    // Run again: every proof is found in the work directory and re-verified, none redone.
    // Without proving keys on disk too: verifying keys and pinnings are enough to reuse.
    let again = prove(&st, &pool, &srs, &work, &opts).unwrap();
    assert!(again.nodes.iter().all(|n| n.reused));
    assert_eq!(again.artifact.statement, art.statement);
}

/// The generated verifier through the oracle in revm; returns the verifier's creation code.
fn evm_checks(art: &FinalArtifact, srs: &Srs, st: &BeaconState) -> Vec<u8> {
    let (mut d, compiled) = common::deploy_final_verifier(art, srs, 500);
    assert!(art.setup.unsafe_local);
    let fits = compiled.deployed_size <= 24_576;
    let s = &art.statement;
    let root: [u8; 32] = hex::decode(&s.block_root[2..]).unwrap().try_into().unwrap();
    let ts = 1_800_000_000u64;
    d.chain.set_block(1000, ts + 12);
    d.write_beacon_root(ts, B256::from(root)).unwrap();
    let mut other_root = root;
    other_root[0] ^= 1;
    d.write_beacon_root(ts - 12, B256::from(other_root))
        .unwrap();

    let report = stakeproof::oracle_report(s);
    let inst: Vec<U256> = art
        .instances
        .iter()
        .map(|w| verifier::fr_to_u256(&word_fr(w).unwrap()))
        .collect();
    let acc: [U256; 12] = inst[..12].try_into().unwrap();
    let proof = art.proof_bytes().unwrap();
    // The verifier alone, on the artifact's public inputs.
    let direct = d
        .call_verifier(d.verifier, &inst, &proof)
        .expect("the verifier accepts the proof");

    // Rejections first (nothing is stored by any of them): tamper_final_proof::ON_CHAIN.
    let honest = tamper_final_proof::Submission {
        report,
        timestamp: ts,
        accumulator: acc,
        proof: proof.clone(),
    };
    tamper_final_proof::rejected_on_chain(&mut d, &honest);
    let revert = |r: Result<stakeproof_contracts::Receipt, stakeproof_contracts::TxError>| {
        r.expect_err("must revert")
            .revert_name()
            .unwrap_or("?")
            .to_string()
    };

    // Where the gas goes, in the verifier alone and in submitReport (neither is kept).
    let verify_gas = d
        .chain
        .profile(
            stakeproof_contracts::deployment::SUBMITTER,
            d.verifier,
            stakeproof_contracts::calldata::verifier_calldata(&inst, &proof),
        )
        .unwrap();
    assert_eq!(verify_gas.total, direct.gas_used);
    let submit_gas = d
        .chain
        .profile(
            stakeproof_contracts::deployment::SUBMITTER,
            d.oracle,
            stakeproof_contracts::calldata::submit_report(&report, ts, &acc, &proof),
        )
        .unwrap();
    for b in [&verify_gas, &submit_gas] {
        assert_eq!(b.precompiles["ecPairing"].calls, 1, "one pairing check");
        assert!(b.precompiles["ecMul"].calls > 0 && b.keccak_ops > 0);
    }
    eprintln!(
        "verifier:\n{}\nsubmitReport:\n{}",
        verify_gas.table(),
        submit_gas.table()
    );

    let rate_before = d.lsd_rate().unwrap();
    d.lsd_deposit(
        stakeproof_contracts::deployment::SUBMITTER,
        U256::from(10u128.pow(18)),
    )
    .unwrap();
    let receipt = d
        .submit(&report, ts, &acc, &proof)
        .expect("the oracle accepts the report");
    assert_eq!(d.latest_report().unwrap(), report);
    assert_eq!(
        submit_gas.total, receipt.gas_used,
        "the profile ran the same transaction"
    );
    d.lsd_sync().unwrap();
    let rate_after = d.lsd_rate().unwrap();
    assert_ne!(
        rate_before, rate_after,
        "the LSD's rate follows the proven balance"
    );
    // The same slot twice.
    assert_eq!(
        revert(d.submit(&report, ts, &acc, &proof)),
        "ReportAlreadySubmitted"
    );
    let report_json = serde_json::json!({
        "machine": "2 vCPU x86-64 dev VM (revm 18, Cancun)",
        "circuit": art.circuit.name,
        "k": art.circuit.params.degree,
        "num_advice": art.circuit.params.num_advice,
        "public_inputs": art.instances.len(),
        "proof_bytes": proof.len(),
        "verifier_runtime_bytes": compiled.deployed_size,
        "fits_eip170": fits,
        "verify_tx_gas": direct.gas_used,
        "submit_report_gas": receipt.gas_used,
        "verify_gas_breakdown": verify_gas,
        "submit_report_gas_breakdown": submit_gas,
        "slot": st.slot(),
        "lsd_rate_before": rate_before.to_string(),
        "lsd_rate_after": rate_after.to_string(),
    });
    eprintln!("{report_json:#}");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/contract-reports");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("final-verifier.json"),
        serde_json::to_vec_pretty(&report_json).unwrap(),
    )
    .unwrap();
    compiled.bytecode
}

/// The binary on the real artifact: `verify`, `export-verifier`, `calldata`; a tampered copy
/// fails `verify` with exit code 5 (`tamper_final_proof::rejected_by_the_cli`).
fn cli_checks(path: &Path, work: &Path, art: &FinalArtifact) {
    let bin = || assert_cmd::Command::cargo_bin("stakeproof").unwrap();
    let w = work.to_str().unwrap();
    let p = path.to_str().unwrap();
    let out = bin()
        .args(["verify", p, "--unsafe-srs", "--work-dir", w, "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["verified"], true, "{v}");
    // Its key is the one published for its circuit and setup (prover/published-keys.json).
    assert_eq!(v["key"], "published", "{v}");
    // Another expected key is refused after the proof verified: exit 5, both digests named.
    let other = format!("0x{}", "ab".repeat(32));
    let out = bin()
        .args([
            "verify",
            p,
            "--unsafe-srs",
            "--work-dir",
            w,
            "--expect-vk",
            &other,
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{err}");
    assert!(
        err.contains(&other) && err.contains(&art.circuit.vk_digest),
        "{err}"
    );

    // The same proof under a circuit name nothing is published for: refused without a flag
    // (exit 5, naming the flags), accepted with --any-key and reported as unpublished.
    let mut renamed = art.clone();
    renamed.circuit.name = format!("agg-own-sizes-to-final-{}", "0".repeat(12));
    let rp = work.join("renamed.json");
    renamed.write(&rp).unwrap();
    let r = rp.to_str().unwrap();
    let out = bin()
        .args(["verify", r, "--unsafe-srs", "--work-dir", w])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{err}");
    assert!(
        err.contains("not one this release publishes") && err.contains("--any-key"),
        "{err}"
    );
    let out = bin()
        .args([
            "verify",
            r,
            "--unsafe-srs",
            "--work-dir",
            w,
            "--any-key",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["key"], "unpublished", "{v}");

    tamper_final_proof::rejected_by_the_cli(work, art);

    let dir = work.join("exported");
    let _ = std::fs::remove_dir_all(&dir);
    let d = dir.to_str().unwrap();
    // Refused without the explicit flag: the setup is unsafe.
    let refused = bin()
        .args([
            "export-verifier",
            "--proof",
            p,
            "--out",
            d,
            "--unsafe-srs",
            "--work-dir",
            w,
        ])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(!dir.exists(), "nothing written when refused");
    let out = bin()
        .args([
            "export-verifier",
            "--proof",
            p,
            "--out",
            d,
            "--unsafe-srs",
            "--work-dir",
            w,
            "--allow-unsafe-srs",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sol = std::fs::read_to_string(dir.join("Halo2Verifier.sol")).unwrap();
    assert!(sol.contains("UNSAFE"));

    let out = bin()
        .args(["calldata", p, "--timestamp", "1800000000"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = &art.statement;
    let report = stakeproof::oracle_report(s);
    let acc: [U256; 12] = art.instances[..12]
        .iter()
        .map(|w| verifier::fr_to_u256(&word_fr(w).unwrap()))
        .collect::<Vec<_>>()
        .try_into()
        .unwrap();
    let expected = stakeproof_contracts::calldata::submit_report(
        &report,
        1_800_000_000,
        &acc,
        &art.proof_bytes().unwrap(),
    );
    let printed = String::from_utf8(out.stdout).unwrap();
    assert_eq!(printed.trim(), format!("0x{}", hex::encode(expected)));
}

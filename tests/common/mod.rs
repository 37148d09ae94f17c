//! Helpers shared by the binary's proving tests (`prove.rs`, `kill_resume.rs`).

#![allow(dead_code)]

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The pool of the devnet states (its 0x01/0x02 credentials).
pub const POOL: &str = "0x57a4e0005a4e0000000000000000000000000001";

/// The `stakeproof` binary built for these tests.
pub fn stakeproof() -> Command {
    Command::cargo_bin("stakeproof").expect("binary built")
}

/// A deterministic devnet state of `n` validators written by `demo --write-state`, with the
/// native report the demo printed for it.
pub fn devnet_state(dir: &Path, n: usize) -> (PathBuf, Value) {
    let state = dir.join("devnet.ssz");
    let out = stakeproof()
        .args([
            "demo",
            "--json",
            "--no-prove",
            "--validators",
            &n.to_string(),
            "--write-state",
        ])
        .arg(&state)
        .assert()
        .success();
    let v: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    (state, v["report"].clone())
}

/// The generated Solidity verifier of a final proof file's circuit, compiled with solc-js and
/// deployed in revm with EIP-4788, the oracle (for the artifact's pool) and the example LSD. A
/// chain proof's verifier is scheduled as the oracle's chain verifier (its reports carry
/// anchors), a proof with pending deposits' as its pending verifier. A verifier above the EIP-170 limit is placed as runtime code.
pub fn deploy_final_verifier(
    art: &stakeproof_prover::final_artifact::FinalArtifact,
    srs: &stakeproof_prover::srs::Srs,
    max_change_bps_per_day: u64,
) -> (
    stakeproof_contracts::Deployment,
    stakeproof_contracts::solc::Compiled,
) {
    deploy_final_verifier_with_vault(art, srs, max_change_bps_per_day, None)
}

/// [`deploy_final_verifier`] with an oracle that has a withdrawal vault: `(vault, gindex of the
/// payload header's state root)`, its initial vault verifier deployed for that layout.
pub fn deploy_final_verifier_with_vault(
    art: &stakeproof_prover::final_artifact::FinalArtifact,
    srs: &stakeproof_prover::srs::Srs,
    max_change_bps_per_day: u64,
    vault: Option<(stakeproof_contracts::Address, u64)>,
) -> (
    stakeproof_contracts::Deployment,
    stakeproof_contracts::solc::Compiled,
) {
    use stakeproof_contracts::deployment::{Deployment, OracleConfig, VerifierCode};
    use stakeproof_contracts::{verifier, B256};
    let params = srs.for_circuit("final", art.circuit.params.degree).unwrap();
    let source = verifier::export_verifier(
        &params,
        &art.verifying_key().unwrap(),
        &art.circuit.name,
        art.instances.len(),
        Some((0..12).map(|i| (0, i)).collect()),
        art.setup.unsafe_local,
    )
    .unwrap();
    assert_eq!(source.contains("UNSAFE"), art.setup.unsafe_local);
    let compiled = verifier::compile_verifier(&source).unwrap();
    let code = if compiled.deployed_size <= stakeproof_contracts::evm::MAX_CODE_SIZE {
        VerifierCode::Creation(compiled.bytecode.clone())
    } else {
        VerifierCode::Runtime(compiled.deployed_bytecode.clone())
    };
    let s = &art.statement;
    let creds: [u8; 32] = hex::decode(&s.pool_credentials[2..])
        .unwrap()
        .try_into()
        .unwrap();
    // The devnet settings (OWNER, 12-second slots, no timelock) with the proof's pool; a set
    // pool's root is scheduled from slot 0 below.
    let (withdrawal_vault, vault_state_root_gindex) =
        vault.unwrap_or((stakeproof_contracts::Address::ZERO, 0));
    let config = OracleConfig {
        max_change_bps_per_day,
        withdrawal_vault,
        vault_state_root_gindex,
        ..OracleConfig::for_address(stakeproof_contracts::Address::ZERO)
    }
    .with_pool(s.pool_exact, s.pool_set, B256::from(creds));
    let mut d = match (&art.chain, &art.pending) {
        (Some(_), _) => Deployment::new_chain(code, config),
        (None, Some(_)) => Deployment::new_pending(code, config),
        (None, None) => Deployment::new(code, config),
    }
    .unwrap();
    // A credential-set pool: the owner, as pool admin, schedules its root from slot 0.
    if s.pool_set {
        let owner = stakeproof_contracts::deployment::OWNER;
        d.set_pool_admin(owner).unwrap();
        d.schedule_pool_set(owner, B256::from(creds), 0).unwrap();
    }
    (d, compiled)
}

/// The last step of an ignored whole-tree run that remakes a committed fixture: with
/// `STAKEPROOF_WRITE_FIXTURE` set, the proof just made (`made`, read as `art`) is copied over
/// `fixture`; otherwise the fixture's final key and statement must be the new proof's (keygen
/// is deterministic, so a circuit change that makes the fixture stale fails here).
pub fn write_or_check_fixture(
    made: &Path,
    fixture: &Path,
    art: &stakeproof_prover::final_artifact::FinalArtifact,
) {
    use stakeproof_prover::final_artifact::FinalArtifact;
    if std::env::var_os("STAKEPROOF_WRITE_FIXTURE").is_some() {
        std::fs::create_dir_all(fixture.parent().unwrap()).unwrap();
        std::fs::copy(made, fixture).unwrap();
    } else {
        let committed = FinalArtifact::read(fixture).unwrap();
        assert_eq!(
            committed.circuit.vk_digest,
            art.circuit.vk_digest,
            "{} is stale (its final key is not today's): rerun this test with STAKEPROOF_WRITE_FIXTURE=1",
            fixture.display()
        );
        assert_eq!(committed.statement, art.statement);
    }
}

/// A final proof's report made ready for the oracle on `d`: its block root written into
/// EIP-4788 under timestamp 1,800,000,000 (the chain set just after it), and what
/// `submitReport` takes beside the proof bytes: (timestamp, report, accumulator limbs).
pub fn publish_final_report(
    d: &mut stakeproof_contracts::Deployment,
    art: &stakeproof_prover::final_artifact::FinalArtifact,
) -> (
    u64,
    stakeproof_contracts::Report,
    [stakeproof_contracts::U256; 12],
) {
    use stakeproof_contracts::{verifier, B256, U256};
    let s = &art.statement;
    let root: [u8; 32] = hex::decode(&s.block_root[2..]).unwrap().try_into().unwrap();
    let ts = 1_800_000_000u64;
    d.chain.set_block(1000, ts + 12);
    d.write_beacon_root(ts, B256::from(root)).unwrap();
    let acc: Vec<U256> = art.instances[..12]
        .iter()
        .map(|w| verifier::fr_to_u256(&stakeproof_prover::final_artifact::word_fr(w).unwrap()))
        .collect();
    (ts, stakeproof::oracle_report(s), acc.try_into().unwrap())
}

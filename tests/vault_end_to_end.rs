//! The withdrawal vault end to end, with a real final proof: the small state of
//! `end_to_end.rs`, its payload header naming an execution state whose account trie holds the
//! pool's vault, is proven to one final proof (the `#[ignore]`d run, whose proof is committed
//! as [`FIXTURE`]). The default run checks that proof: its statement is the native report of the
//! state at its block root and it verifies natively; then, in revm, the proof's generated
//! verifier and an oracle with the vault are deployed, the real report goes through
//! `submitReport`, and the vault's balance through `submitVaultBalance` with the proof that
//! `stakeproof report --vault --json` writes for the same state file; Lido's `getReport`
//! answers with both, and not before the vault is proven. A tampered account proof and the
//! account proof of another address are refused first.
//!
//! `STAKEPROOF_WRITE_FIXTURE=1` makes the ignored run write its proof over the fixture; without
//! it the run checks that the fixture's key and statement are today's.

mod common;
#[path = "../beacon/tests/common/execution_fixtures.rs"]
mod execution_fixtures;

use execution_fixtures::{answer_json, build, random_accounts, with_payload};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use stakeproof::beacon::beacon::{BeaconState, Fork};
use stakeproof::beacon::devnet::{self, DevnetSpec};
use stakeproof::beacon::execution::{payload_gindices, Account};
use stakeproof::beacon::report::{pool_report, Pool};
use stakeproof_contracts::vault::VaultProof;
use stakeproof_contracts::{Address, U256};
use stakeproof_prover::final_artifact::FinalArtifact;
use stakeproof_prover::leaves::{LeafConfig, Silent, WorkDir};
use stakeproof_prover::srs::Srs;
use stakeproof_prover::tree::{prove, ProveOptions, TreeOptions, DEFAULT_FINAL_K};
use std::path::{Path, PathBuf};

/// The final proof of the small state with an execution payload, made by the ignored run.
const FIXTURE: &str = "tests/fixtures/e2e-final-vault.json";
/// The pool's withdrawal vault.
const VAULT: [u8; 20] = [0xa5; 20];
const VAULT_WEI: u128 = 2_718_281_828_459_045_235_360;

fn fixture_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE)
}

/// 500 seeded accounts and the vault's.
fn accounts() -> Vec<([u8; 20], Account)> {
    let mut a = random_accounts(&mut ChaCha8Rng::seed_from_u64(0x7661_756c), 500);
    a.push((
        VAULT,
        Account {
            nonce: 3,
            balance_wei: VAULT_WEI,
            ..Account::absent()
        },
    ));
    a
}

/// The end-to-end test's small state whose payload header names the trie of [`accounts`]
/// (written to `dir/state.ssz`), its pool, and the vault's account proof in that trie.
fn vault_state(dir: &Path) -> (BeaconState, Pool, Vec<Vec<u8>>) {
    let spec = DevnetSpec {
        validators: 6,
        pool_permille: 600,
        seed: 4,
        ..Default::default()
    };
    let (root, proofs) = build(&accounts(), &[VAULT]);
    let st = with_payload(devnet::build(&spec).unwrap(), root, 21_000_777, [0x77; 32]);
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("state.ssz"), st.as_ssz()).unwrap();
    let nodes = proofs.into_iter().next().unwrap();
    (st, Pool::Address(spec.pool), nodes)
}

/// `stakeproof report --vault --account-proof --json` on the state file: the vault proof the
/// oracle takes, and the slot it is for.
fn vault_proof_from_the_cli(dir: &Path, st: &BeaconState, nodes: &[Vec<u8>]) -> (u64, VaultProof) {
    let answer = dir.join("answer.json");
    let vault = accounts().pop().unwrap().1;
    std::fs::write(&answer, answer_json(&VAULT, &vault, nodes)).unwrap();
    let pool = format!("0x{}", hex::encode(DevnetSpec::default().pool));
    let out = common::stakeproof()
        .args(["report", "--json", "--fork", "electra", "--state"])
        .arg(dir.join("state.ssz"))
        .args(["--withdrawal-address", &pool])
        .args(["--vault", &format!("0x{}", hex::encode(VAULT))])
        .arg("--account-proof")
        .arg(&answer)
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let w = &v["withdrawal_vault"];
    assert_eq!(w["account"]["balance_wei"], VAULT_WEI.to_string());
    assert_eq!(w["slot"], st.slot());
    let hex_proof = w["oracle_proof"].as_str().unwrap();
    let proof = VaultProof::decode(&hex::decode(&hex_proof[2..]).unwrap()).unwrap();
    (w["slot"].as_u64().unwrap(), proof)
}

/// The proof's statement is the native report of the state at its block root.
fn statement_is_the_native_report(art: &FinalArtifact, st: &BeaconState, pool: &Pool) {
    let native = pool_report(st, pool).unwrap();
    let s = &art.statement;
    assert_eq!(
        s.block_root,
        format!("0x{}", hex::encode(st.tree().unwrap().block_root()))
    );
    assert_eq!(s.slot, st.slot());
    assert_eq!(s.validator_count, native.totals.validator_count);
    assert_eq!(s.total_balance_gwei, native.totals.total_balance_gwei);
    assert!(native.totals.validator_count > 0);
}

/// The report and the vault balance of one block on-chain: the real final proof through
/// `submitReport`, the vault through `submitVaultBalance`, Lido's `getReport` reading both.
fn on_chain(art: &FinalArtifact, srs: &Srs, slot: u64, proof: &VaultProof) {
    let electra = payload_gindices(Fork::Electra).unwrap()[0];
    let (mut d, _) = common::deploy_final_verifier_with_vault(
        art,
        srs,
        500,
        Some((Address::from(VAULT), electra)),
    );
    let s = &art.statement;
    let (ts, report, acc) = common::publish_final_report(&mut d, art);
    let submitted = d
        .submit(&report, ts, &acc, &art.proof_bytes().unwrap())
        .expect("the oracle accepts the proven report");
    assert!(
        !d.get_report(slot).unwrap().success,
        "not complete before its vault balance"
    );
    let revert = |r: Result<stakeproof_contracts::Receipt, stakeproof_contracts::TxError>| {
        r.expect_err("must revert")
            .revert_name()
            .unwrap_or("?")
            .to_string()
    };
    // A flipped byte in the last node, and another account's proof in the same trie.
    let mut bad = proof.clone();
    let last = bad.nodes.len() - 1;
    bad.nodes[last][7] ^= 0x40;
    assert_eq!(
        revert(d.submit_vault_balance(slot, ts, &bad)),
        "NodeHashMismatch"
    );
    let other = accounts()[17].0;
    let (_, proofs) = build(&accounts(), &[other]);
    let foreign = VaultProof {
        nodes: proofs[0].clone(),
        ..proof.clone()
    };
    assert_eq!(
        revert(d.submit_vault_balance(slot, ts, &foreign)),
        "NodeHashMismatch"
    );

    let vault = d
        .submit_vault_balance(slot, ts, proof)
        .expect("the vault's balance at the report's block");
    let answer = d.get_report(slot).unwrap();
    assert!(answer.success);
    assert_eq!(answer.cl_balance_gwei, U256::from(s.total_balance_gwei));
    assert_eq!(answer.withdrawal_vault_balance_wei, U256::from(VAULT_WEI));
    assert_eq!(
        answer.total_deposited_validators,
        U256::from(s.validator_count)
    );
    eprintln!(
        "vault end to end: submitReport {} gas, submitVaultBalance {} gas ({} account-proof nodes)",
        submitted.gas_used,
        vault.gas_used,
        proof.nodes.len()
    );
}

#[test]
fn the_committed_final_proof_and_the_vault_balance_of_its_block() {
    let tmp = tempfile::tempdir().unwrap();
    let work = WorkDir {
        root: tmp.path().to_path_buf(),
    };
    let (st, pool, nodes) = vault_state(&work.root);
    let art = FinalArtifact::read(&fixture_path()).unwrap();
    statement_is_the_native_report(&art, &st, &pool);
    let srs = Srs::unsafe_local(DEFAULT_FINAL_K, 1, Some(&work.srs())).unwrap();
    art.verify(&srs, None).expect("the final proof verifies");
    let (slot, proof) = vault_proof_from_the_cli(&work.root, &st, &nodes);
    on_chain(&art, &srs, slot, &proof);
}

#[test]
#[ignore = "the whole tree proven: two leaves, two wraps and the final node with their keygens, 35-45 min and ~20 GiB on 2 cores"]
fn a_state_with_an_execution_payload_to_one_final_proof() {
    let keep = std::env::var_os("STAKEPROOF_E2E_WORK").map(PathBuf::from);
    let tmp = tempfile::tempdir().unwrap();
    let work = WorkDir {
        root: keep.clone().unwrap_or_else(|| tmp.path().to_path_buf()),
    };
    let (st, pool, nodes) = vault_state(&work.root);
    let srs = Srs::unsafe_local(DEFAULT_FINAL_K, 1, Some(&work.srs())).unwrap();
    let opts = ProveOptions {
        tree: TreeOptions {
            keep_proving_keys: keep.is_some(),
            ..TreeOptions::default()
        },
        progress: &Silent,
        ..ProveOptions::new(LeafConfig::for_sizes(8, 8).unwrap())
    };
    let out = prove(&st, &pool, &srs, &work, &opts).unwrap();
    for n in &out.nodes {
        eprintln!("{} {:.1}s reused={}", n.circuit, n.seconds, n.reused);
    }
    let art = FinalArtifact::read(&out.path).unwrap();
    common::write_or_check_fixture(&out.path, &fixture_path(), &art);
    statement_is_the_native_report(&art, &st, &pool);
    art.verify(&srs, None).expect("the final proof verifies");
    let (slot, proof) = vault_proof_from_the_cli(&work.root, &st, &nodes);
    on_chain(&art, &srs, slot, &proof);
}

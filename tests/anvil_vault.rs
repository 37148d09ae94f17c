//! The withdrawal vault's balance through the command line and a real node: `stakeproof report
//! --vault --account-proof … --json` checks a saved `eth_getProof` answer against a beacon state
//! whose payload header names the account trie's root and writes the oracle's proof of it;
//! `stakeproof submit --vault-proof` sends it to an oracle with a vault on anvil, after a report
//! of the same block is stored there; `getReport` then answers with the vault's balance. A
//! second submission, and a tampered proof, are refused before signing with the oracle's (and
//! the vault verifier's) error named.
//!
//! The report stored first is checked by a stand-in verifier that accepts any proof (the final
//! proof is `end_to_end`'s business): what is under test is the vault's path, and the vault
//! proof is real.

#[path = "anvil_submit.rs"]
mod anvil_submit;
mod common;
#[path = "../beacon/tests/common/execution_fixtures.rs"]
mod execution_fixtures;

use anvil_submit::{Anvil, DEPLOYER, DEPLOYER_KEY};
use common::stakeproof;
use execution_fixtures::{answer_json, build, with_payload};
use serde_json::Value;
use stakeproof_beacon::devnet::{self, DevnetSpec, DEFAULT_POOL};
use stakeproof_beacon::execution::Account;
use stakeproof_contracts::calldata::{self, call};
use stakeproof_contracts::deployment::OracleConfig;
use stakeproof_contracts::evm::BEACON_ROOTS_ADDRESS;
use stakeproof_contracts::{vault, Address, Report, U256};

const VAULT: [u8; 20] = [0x7a; 20];
const VAULT_WEI: u128 = 4_321_000_000_000_000_007;

/// Creation code of a contract whose every call returns the word 1: a verifier that accepts.
const ACCEPT_ALL: &str = "600a600c600039600a6000f3600160005260206000f3";

#[test]
fn submit_vault_proof_stores_the_vault_balance_of_the_reports_block() {
    let dir = tempfile::tempdir().unwrap();
    // The beacon state, whose payload header names the trie holding the vault.
    let accounts: Vec<([u8; 20], Account)> = (1u8..=60)
        .map(|i| {
            (
                [i; 20],
                Account {
                    balance_wei: u128::from(i) * 10u128.pow(15),
                    ..Account::absent()
                },
            )
        })
        .chain([(
            VAULT,
            Account {
                balance_wei: VAULT_WEI,
                ..Account::absent()
            },
        )])
        .collect();
    let (exec_root, proofs) = build(&accounts, &[VAULT]);
    let state = devnet::build(&DevnetSpec {
        validators: 16,
        ..DevnetSpec::default()
    })
    .unwrap();
    let slot = state.slot();
    let state = with_payload(state, exec_root, 21_000_321, [0xe1; 32]);
    let block_root = state.tree().unwrap().block_root();
    let state_file = dir.path().join("state.ssz");
    std::fs::write(&state_file, state.into_ssz()).unwrap();
    let answer = dir.path().join("answer.json");
    std::fs::write(&answer, answer_json(&VAULT, &accounts[60].1, &proofs[0])).unwrap();

    // `report --vault --json`: the balance checked natively, and the oracle's proof.
    let vault_hex = format!("0x{}", hex::encode(VAULT));
    let out = stakeproof()
        .args(["report", "--json", "--state"])
        .arg(&state_file)
        .args(["--fork", "electra", "--withdrawal-address"])
        .arg(format!("0x{}", hex::encode(DEFAULT_POOL)))
        .args(["--vault", &vault_hex, "--account-proof"])
        .arg(&answer)
        .assert()
        .success();
    let v: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let w = &v["withdrawal_vault"];
    assert_eq!(w["account"]["balance_wei"], VAULT_WEI.to_string());
    assert_eq!(w["slot"], slot);
    let vault_file = dir.path().join("vault.json");
    std::fs::write(&vault_file, serde_json::to_string(&v).unwrap()).unwrap();

    // The chain: an accepting verifier, EIP-4788, a vault verifier, the oracle with the vault.
    let anvil = Anvil::start();
    let artifacts = stakeproof_contracts::contracts::artifacts().expect("solc-js");
    let verifier = anvil.deploy("stand-in verifier", &hex::decode(ACCEPT_ALL).unwrap());
    anvil.install_beacon_roots();
    let electra =
        stakeproof_beacon::execution::payload_gindices(stakeproof_beacon::beacon::Fork::Electra)
            .unwrap()[0];
    let vault_verifier = anvil.deploy(
        "vault verifier",
        &vault::vault_verifier_creation(&artifacts.vault_verifier.bytecode, electra, u64::MAX),
    );
    let config = OracleConfig {
        owner: DEPLOYER,
        withdrawal_vault: Address::from(VAULT),
        vault_state_root_gindex: electra,
        ..OracleConfig::for_address(Address::from(DEFAULT_POOL))
    };
    let mut code = artifacts.oracle.bytecode.clone();
    code.extend(calldata::oracle_constructor_args(
        &config,
        verifier,
        BEACON_ROOTS_ADDRESS,
        vault_verifier,
    ));
    let oracle = anvil.deploy("oracle", &code);
    let ts = anvil.publish_root(block_root);
    let report = Report {
        slot,
        registry_length: 16,
        validator_count: 5,
        total_balance_gwei: 160_000_000_000,
        active_count: 5,
        exited_count: 0,
        slashed_count: 0,
    };
    let accumulator = [U256::ZERO; calldata::NUM_ACCUMULATOR_LIMBS];
    anvil.send(
        "report",
        DEPLOYER,
        Some(oracle),
        &calldata::submit_report(&report, ts, &accumulator, &[]),
        0,
    );
    let get_report = || {
        anvil.view(
            oracle,
            &call("getReport(uint256)", &[U256::from(slot).into()]),
        )
    };
    assert_eq!(
        get_report()[0],
        U256::ZERO,
        "incomplete until the vault is proven"
    );

    let key_file = dir.path().join("anvil.key");
    std::fs::write(&key_file, DEPLOYER_KEY).unwrap();
    let submit = |file: &std::path::Path| {
        anvil.stakeproof_submit("--vault-proof", file, ts, oracle, &key_file)
    };
    // A tampered account proof first: refused before signing, the walk's error named.
    let mut bad = v.clone();
    let hex_proof = bad["withdrawal_vault"]["oracle_proof"]
        .as_str()
        .unwrap()
        .to_string();
    let mut bytes = hex::decode(&hex_proof[2..]).unwrap();
    let n = bytes.len();
    bytes[n - 40] ^= 0x01; // inside the last node
    bad["withdrawal_vault"]["oracle_proof"] = format!("0x{}", hex::encode(bytes)).into();
    let bad_file = dir.path().join("bad.json");
    std::fs::write(&bad_file, bad.to_string()).unwrap();
    let out = submit(&bad_file);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("NodeHashMismatch"), "{stderr}");

    let last = anvil_submit::included(&submit(&vault_file));
    assert_eq!(last["submits"], "vault balance");
    let answer = get_report();
    assert_eq!(answer[0], U256::from(1));
    assert_eq!(answer[1], U256::from(160_000_000_000u64));
    assert_eq!(answer[2], U256::from(VAULT_WEI));

    // Again: refused before signing, the oracle's error named.
    let out = submit(&vault_file);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains(&format!("VaultBalanceAlreadySubmitted(slot: {slot})")),
        "{stderr}"
    );
    eprintln!(
        "anvil: vault balance for slot {slot} submitted ({} gas used)",
        last["gas_used"]
    );
}

//! `report --vault`: the withdrawal vault's balance at the state's execution block, from a
//! saved `eth_getProof` answer or a (fake) execution node, checked against the payload header
//! the beacon state commits to; a tampered answer, another address and another block's proof
//! are refused with a message naming what is wrong.

mod common;
#[path = "../beacon/tests/common/execution_fixtures.rs"]
mod execution_fixtures;

use common::{devnet_state, stakeproof, POOL};
use execution_fixtures::{answer_json, build, with_payload};
use serde_json::Value;
use stakeproof_beacon::beacon::{BeaconState, Fork, Preset};
use stakeproof_beacon::devnet::{self, DevnetSpec};
use stakeproof_beacon::execution::Account;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

const VAULT: [u8; 20] = [0xb9; 20];
const BLOCK: u64 = 21_000_123;
const BLOCK_HASH: [u8; 32] = [0xbc; 32];

fn accounts() -> Vec<([u8; 20], Account)> {
    (0u8..40)
        .map(|i| {
            let mut a = [i; 20];
            a[0] = 0x11;
            (
                a,
                Account {
                    balance_wei: u128::from(i) * 1_000_000_007,
                    ..Account::absent()
                },
            )
        })
        .chain([(
            VAULT,
            Account {
                balance_wei: 1_234_567_890_123_456_789_012,
                nonce: 1,
                ..Account::absent()
            },
        )])
        .collect()
}

/// The devnet state with its payload header naming `root`, [`BLOCK`] and [`BLOCK_HASH`],
/// written to a file.
fn state_with_execution_root(dir: &Path, root: [u8; 32]) -> PathBuf {
    let (path, _) = devnet_state(dir, 16);
    let bytes = std::fs::read(&path).unwrap();
    let state = BeaconState::decode(bytes, Fork::Electra, &Preset::mainnet()).unwrap();
    let out = dir.join("with-execution.ssz");
    std::fs::write(
        &out,
        with_payload(state, root, BLOCK, BLOCK_HASH).into_ssz(),
    )
    .unwrap();
    out
}

fn vault_hex() -> String {
    format!("0x{}", hex::encode(VAULT))
}

fn report(state: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    stakeproof()
        .args(["report", "--json", "--withdrawal-address", POOL, "--state"])
        .arg(state)
        .args(["--fork", "electra", "--vault", &vault_hex()])
        .args(extra)
        .assert()
}

#[test]
fn a_saved_answer_gives_the_vault_balance_at_the_states_execution_block() {
    let dir = tempfile::tempdir().unwrap();
    let accounts = accounts();
    let (root, proofs) = build(&accounts, &[VAULT]);
    let state = state_with_execution_root(dir.path(), root);
    let vault = &accounts.last().unwrap().1;
    let answer = dir.path().join("proof.json");
    std::fs::write(&answer, answer_json(&VAULT, vault, &proofs[0])).unwrap();
    let out = report(&state, &["--account-proof", answer.to_str().unwrap()]).success();
    let v: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let w = &v["withdrawal_vault"];
    assert_eq!(w["account"]["balance_wei"], "1234567890123456789012");
    assert_eq!(w["exists"], true);
    assert_eq!(w["anchor"]["block_number"], BLOCK);
    assert_eq!(
        w["anchor"]["block_hash"],
        format!("0x{}", hex::encode(BLOCK_HASH))
    );
    assert_eq!(
        w["anchor"]["state_root"],
        format!("0x{}", hex::encode(root))
    );
    assert_eq!(w["anchor"]["beacon_block_root"], v["block_root"]);
    assert_eq!(w["anchor"]["state_root_proof"]["gindex"], 23298);
    assert_eq!(w["proven_by_final_proof"], false);
    // What the oracle's submitVaultBalance takes: the state's slot and the vault proof, whose
    // account proof is the answer's and whose state root is the anchor's.
    assert_eq!(w["slot"], v["slot"]);
    let bytes = hex::decode(&w["oracle_proof"].as_str().unwrap()[2..]).unwrap();
    let onchain = stakeproof_contracts::vault::VaultProof::decode(&bytes).unwrap();
    assert_eq!(onchain.nodes, proofs[0]);
    assert_eq!(onchain.state_root.0, root);
    assert_eq!(onchain.state_root_branch.len(), 14);
    // The text output says where the figure comes from and that the final proof lacks it.
    let out = stakeproof()
        .args(["report", "--withdrawal-address", POOL, "--state"])
        .arg(&state)
        .args([
            "--fork",
            "electra",
            "--vault",
            &vault_hex(),
            "--account-proof",
        ])
        .arg(&answer)
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(text.contains("1234567890123456789012 wei"), "{text}");
    assert!(
        text.contains(&format!("execution block     {BLOCK}")),
        "{text}"
    );
    assert!(text.contains("submitVaultBalance"), "{text}");
}

#[test]
fn tampered_foreign_or_missing_answers_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let accounts = accounts();
    let (root, proofs) = build(&accounts, &[VAULT, accounts[3].0]);
    let state = state_with_execution_root(dir.path(), root);
    let vault = accounts.last().unwrap().1.clone();
    let write = |name: &str, text: String| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let refused = |file: &Path, says: &str| {
        let out = report(&state, &["--account-proof", file.to_str().unwrap()]).code(1);
        let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert!(err.contains(says), "expected {says:?} in: {err}");
        assert!(!err.contains("panicked"), "{err}");
    };
    // A byte of the leaf changed.
    let mut nodes = proofs[0].clone();
    let last = nodes.len() - 1;
    let n = nodes[last].len();
    nodes[last][n - 40] ^= 0x01;
    refused(
        &write("tampered.json", answer_json(&VAULT, &vault, &nodes)),
        &format!("account proof node {last} hashes to"),
    );
    // Another account's proof.
    refused(
        &write(
            "other.json",
            answer_json(&accounts[3].0, &accounts[3].1, &proofs[1]),
        ),
        "but the vault is",
    );
    // A richer vault than the trie holds.
    let rich = Account {
        balance_wei: vault.balance_wei + 1,
        ..vault.clone()
    };
    refused(
        &write("rich.json", answer_json(&VAULT, &rich, &proofs[0])),
        "the account's balance is",
    );
    // The proof of the state one block later.
    let mut later = accounts.clone();
    later[0].1.balance_wei += 1;
    let (_, later_proofs) = build(&later, &[VAULT]);
    refused(
        &write("later.json", answer_json(&VAULT, &vault, &later_proofs[0])),
        "another block",
    );
    // Not JSON at all.
    refused(&write("junk.json", "{ nope".into()), "eth_getProof answer");
    // --vault alone is a usage error.
    let out = report(&state, &[]).code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("--execution-rpc"), "{err}");
}

#[test]
fn a_state_before_capella_has_no_vault_to_open() {
    let dir = tempfile::tempdir().unwrap();
    let (root, proofs) = build(&accounts(), &[VAULT]);
    let answer = dir.path().join("proof.json");
    std::fs::write(
        &answer,
        answer_json(&VAULT, &accounts().last().unwrap().1, &proofs[0]),
    )
    .unwrap();
    let _ = root;
    let state = dir.path().join("bellatrix.ssz");
    let spec = DevnetSpec {
        fork: Fork::Bellatrix,
        validators: 16,
        ..DevnetSpec::default()
    };
    std::fs::write(&state, devnet::build(&spec).unwrap().into_ssz()).unwrap();
    let out = stakeproof()
        .args(["report", "--withdrawal-address", POOL, "--state"])
        .arg(&state)
        .args([
            "--fork",
            "bellatrix",
            "--vault",
            &vault_hex(),
            "--account-proof",
        ])
        .arg(&answer)
        .assert()
        .code(1);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("Capella"), "{err}");
}

/// A fake execution node answering `eth_getProof` with `answer`, recording the block asked for.
fn fake_node(answer: String) -> (String, Arc<Mutex<Vec<Value>>>) {
    let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
    let url = format!("http://{}", server.server_addr().to_ip().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for mut req in server.incoming_requests() {
            let mut body = String::new();
            req.as_reader().read_to_string(&mut body).unwrap();
            let call: Value = serde_json::from_str(&body).unwrap();
            log.lock().unwrap().push(call.clone());
            let mut a: Value = serde_json::from_str(&answer).unwrap();
            a["id"] = call["id"].clone();
            let resp = tiny_http::Response::from_string(a.to_string()).with_header(
                "Content-Type: application/json"
                    .parse::<tiny_http::Header>()
                    .unwrap(),
            );
            let _ = req.respond(resp);
        }
    });
    (url, seen)
}

/// A state naming the accounts' trie, the vault's account, and a fake node answering its proof
/// (with the calls it saw).
type NodeFixture = (PathBuf, Account, String, Arc<Mutex<Vec<Value>>>);

fn state_and_node(dir: &Path) -> NodeFixture {
    let accounts = accounts();
    let (root, proofs) = build(&accounts, &[VAULT]);
    let state = state_with_execution_root(dir, root);
    let vault = accounts.last().unwrap().1.clone();
    let (url, seen) = fake_node(answer_json(&VAULT, &vault, &proofs[0]));
    (state, vault, url, seen)
}

#[test]
fn an_execution_node_is_asked_at_the_states_execution_block() {
    let dir = tempfile::tempdir().unwrap();
    let (state, vault, url, seen) = state_and_node(dir.path());
    let out = report(&state, &["--execution-rpc", &url]).success();
    let v: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(
        v["withdrawal_vault"]["account"]["balance_wei"],
        vault.balance_wei.to_string()
    );
    let calls = seen.lock().unwrap().clone();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0]["method"], "eth_getProof");
    assert_eq!(calls[0]["params"][0], vault_hex());
    // Asked by the block hash the beacon block commits to (EIP-1898), not by number.
    assert_eq!(
        calls[0]["params"][2]["blockHash"],
        format!("0x{}", hex::encode(BLOCK_HASH)),
        "{calls:?}"
    );
    // A node that answers with an error says so.
    let (url, _) = fake_node(r#"{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"historical state not available"}}"#.into());
    let out = report(&state, &["--execution-rpc", &url]).code(1);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        err.contains("eth_getProof") && err.contains("historical state"),
        "{err}"
    );
}

#[test]
fn the_config_names_the_vault_and_its_node() {
    let dir = tempfile::tempdir().unwrap();
    let (state, vault, url, seen) = state_and_node(dir.path());
    let cfg = dir.path().join("stakeproof.toml");
    std::fs::write(
        &cfg,
        format!(
            "withdrawal_address = \"{POOL}\"\nvault = \"{}\"\nexecution_rpc = \"{url}\"\n",
            vault_hex()
        ),
    )
    .unwrap();
    let out = stakeproof()
        .args(["report", "--json", "--fork", "electra", "--config"])
        .arg(&cfg)
        .arg("--state")
        .arg(&state)
        .assert()
        .success();
    let v: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(
        v["withdrawal_vault"]["account"]["balance_wei"],
        vault.balance_wei.to_string()
    );
    assert_eq!(seen.lock().unwrap().len(), 1);
    // A source without a vault is a usage error.
    let out = stakeproof()
        .args([
            "report",
            "--withdrawal-address",
            POOL,
            "--fork",
            "electra",
            "--account-proof",
            "p.json",
            "--state",
        ])
        .arg(&state)
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("need --vault"), "{err}");
    // Flags that cannot work are refused before the state is fetched (port 9 answers nothing).
    let out = stakeproof()
        .args([
            "report",
            "--withdrawal-address",
            POOL,
            "--beacon-url",
            "http://127.0.0.1:9",
        ])
        .args(["--vault", &vault_hex(), "--retries", "0"])
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("--vault needs"), "{err}");
}

//! `stakeproof submit` against a JSON-RPC stub on 127.0.0.1: the raw transaction it sends is an
//! EIP-1559 transaction to the oracle, carrying exactly `stakeproof calldata`'s bytes, signed by
//! the key in the key file; a node that says the oracle would revert, and an unreachable node,
//! are clear errors.

use serde_json::{json, Value};
use sha3::{Digest, Keccak256};
use stakeproof_prover::final_artifact::{fr_word, FinalStatement};
use std::sync::{Arc, Mutex};

const KEY: &str = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";
const ORACLE: &str = "0x00000000000000000000000000000000000c0de1";

fn artifact(dir: &std::path::Path) -> std::path::PathBuf {
    let s = FinalStatement {
        block_root: format!("0x{}", "ab".repeat(32)),
        slot: 320_000,
        pool_exact: false,
        pool_credentials: format!("0x01{}{}", "00".repeat(11), "57".repeat(20)),
        registry_length: 6,
        validator_count: 3,
        total_balance_gwei: 96_000_000_000,
        active_count: 3,
        exited_count: 0,
        slashed_count: 0,
    };
    let mut instances: Vec<String> = (1..=12u64)
        .map(|i| fr_word(&stakeproof_circuits::Fr::from(i)))
        .collect();
    instances.extend(s.to_instances().unwrap().iter().map(fr_word));
    let v = json!({
        "format": "stakeproof-final-proof", "version": 1, "statement": s, "fork": "electra",
        "epoch": 10_000, "instances": instances, "proof": format!("0x{}", "5a".repeat(64)),
        "circuit": {
            "name": "final", "vk": "0x00", "vk_digest": "0x01", "circuits_version": 1,
            "params": {"degree": 8, "num_advice": 1, "num_lookup_advice": 1, "num_fixed": 1, "lookup_bits": 7},
            "leaves": {"registry_size": 8, "registry_k": 14, "balance_size": 8, "balance_k": 14, "max_parallel": 1}
        },
        "setup": {"id": "file-00", "unsafe_local": false}, "prover_seconds": 1.0
    });
    let p = dir.join("proof.json");
    std::fs::write(&p, serde_json::to_vec(&v).unwrap()).unwrap();
    p
}

/// A JSON-RPC stub; `revert` makes eth_estimateGas fail. Returns its URL and the raw
/// transactions it received.
fn node(revert: bool) -> (String, Arc<Mutex<Vec<Vec<u8>>>>) {
    let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
    let url = format!("http://{}", server.server_addr());
    let sent = Arc::new(Mutex::new(Vec::new()));
    let log = sent.clone();
    std::thread::spawn(move || {
        for mut req in server.incoming_requests() {
            let mut body = String::new();
            req.as_reader().read_to_string(&mut body).unwrap();
            let call: Value = serde_json::from_str(&body).unwrap();
            let result = match call["method"].as_str().unwrap() {
                "eth_chainId" => json!("0xaa36a7"),
                "eth_getTransactionCount" => json!("0x5"),
                "eth_maxPriorityFeePerGas" => json!("0x3b9aca00"),
                "eth_getBlockByNumber" => json!({"baseFeePerGas": "0x7"}),
                "eth_estimateGas" if revert => {
                    let e = json!({"jsonrpc": "2.0", "id": 1, "error": {"code": 3,
                        "message": "execution reverted", "data": "0x4f0c2d8a"}});
                    req.respond(tiny_http::Response::from_string(e.to_string()))
                        .unwrap();
                    continue;
                }
                "eth_estimateGas" => json!("0x927c0"),
                "eth_sendRawTransaction" => {
                    let raw =
                        hex::decode(call["params"][0].as_str().unwrap().trim_start_matches("0x"))
                            .unwrap();
                    let h = format!("0x{}", hex::encode(Keccak256::digest(&raw)));
                    log.lock().unwrap().push(raw);
                    json!(h)
                }
                "eth_getTransactionReceipt" => json!({"status": "0x1", "gasUsed": "0x94c1e"}),
                m => panic!("unexpected {m}"),
            };
            let r = json!({"jsonrpc": "2.0", "id": call["id"], "result": result});
            req.respond(tiny_http::Response::from_string(r.to_string()))
                .unwrap();
        }
    });
    (url, sent)
}

fn stakeproof() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("stakeproof").unwrap()
}

#[test]
fn submit_sends_the_calldata_signed_by_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let proof = artifact(dir.path());
    let key_file = dir.path().join("key");
    std::fs::write(&key_file, format!("0x{KEY}\n")).unwrap();
    let (url, sent) = node(false);
    let out = stakeproof()
        .args([
            "submit",
            "--timestamp",
            "1800000000",
            "--oracle",
            ORACLE,
            "--json",
        ])
        .arg("--proof")
        .arg(&proof)
        .arg("--key-file")
        .arg(&key_file)
        .args(["--rpc-url", &url])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["status"], "0x1");
    assert_eq!(summary["nonce"], 5);
    assert_eq!(summary["gas_limit"], 600_000 * 6 / 5);

    let raw = sent.lock().unwrap()[0].clone();
    assert_eq!(raw[0], 2, "an EIP-1559 transaction");
    let tx = rlp::Rlp::new(&raw[1..]);
    assert_eq!(tx.item_count().unwrap(), 12);
    assert_eq!(tx.val_at::<u64>(0).unwrap(), 0xaa36a7);
    assert_eq!(tx.val_at::<u64>(1).unwrap(), 5);
    let to: Vec<u8> = tx.val_at(5).unwrap();
    assert_eq!(format!("0x{}", hex::encode(to)), ORACLE);
    let data: Vec<u8> = tx.val_at(7).unwrap();
    let calldata = stakeproof()
        .args(["calldata", "--timestamp", "1800000000"])
        .arg(&proof)
        .output()
        .unwrap();
    assert_eq!(
        format!("0x{}", hex::encode(&data)),
        String::from_utf8(calldata.stdout).unwrap().trim()
    );
    // The signature recovers to the key's address.
    let mut payload = rlp::RlpStream::new_list(9);
    for i in 0..9 {
        payload.append_raw(tx.at(i).unwrap().as_raw(), 1);
    }
    let mut pre = vec![2u8];
    pre.extend_from_slice(&payload.out());
    let hash = Keccak256::digest(&pre);
    let parity: u8 = tx.val_at(9).unwrap();
    let r: Vec<u8> = tx.val_at(10).unwrap();
    let s: Vec<u8> = tx.val_at(11).unwrap();
    let mut rs = [0u8; 64];
    rs[32 - r.len()..32].copy_from_slice(&r);
    rs[64 - s.len()..].copy_from_slice(&s);
    let sig = k256::ecdsa::Signature::from_slice(&rs).unwrap();
    assert!(sig.normalize_s().is_none(), "low-s signature");
    let recid = k256::ecdsa::RecoveryId::new(parity == 1, false);
    let vk = k256::ecdsa::VerifyingKey::recover_from_prehash(&hash, &sig, recid).unwrap();
    let point = vk.to_encoded_point(false);
    let addr = &Keccak256::digest(&point.as_bytes()[1..])[12..];
    assert_eq!(summary["from"], format!("0x{}", hex::encode(addr)));
    let key = k256::ecdsa::SigningKey::from_slice(&hex::decode(KEY).unwrap()).unwrap();
    assert_eq!(&vk, key.verifying_key());
}

#[test]
fn submit_names_a_revert_and_an_unreachable_node() {
    let dir = tempfile::tempdir().unwrap();
    let proof = artifact(dir.path());
    let key_file = dir.path().join("key");
    std::fs::write(&key_file, KEY).unwrap();
    let (url, sent) = node(true);
    let out = stakeproof()
        .args(["submit", "--timestamp", "1", "--oracle", ORACLE])
        .arg("--proof")
        .arg(&proof)
        .arg("--key-file")
        .arg(&key_file)
        .args(["--rpc-url", &url])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("would reject") && err.contains("execution reverted"),
        "{err}"
    );
    assert!(sent.lock().unwrap().is_empty(), "nothing sent");

    let out = stakeproof()
        .args([
            "submit",
            "--timestamp",
            "1",
            "--oracle",
            ORACLE,
            "--rpc-url",
            "http://127.0.0.1:9",
        ])
        .arg("--proof")
        .arg(&proof)
        .arg("--key-file")
        .arg(&key_file)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("eth_chainId"));
    // A key file that is not a key.
    std::fs::write(&key_file, "hello").unwrap();
    let out = stakeproof()
        .args([
            "submit",
            "--timestamp",
            "1",
            "--oracle",
            ORACLE,
            "--rpc-url",
            &url,
        ])
        .arg("--proof")
        .arg(&proof)
        .arg("--key-file")
        .arg(&key_file)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("not hex"));
}

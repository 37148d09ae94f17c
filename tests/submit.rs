//! `stakeproof submit` against a JSON-RPC stub on 127.0.0.1: the raw transaction it sends is an
//! EIP-1559 transaction to the oracle, carrying exactly `stakeproof calldata`'s bytes, signed by
//! the key in the key file; a node that says the oracle would revert, and an unreachable node,
//! are clear errors. Hostile input: a key file that is not exactly 32 bytes, node quantities
//! that do not fit the width they are signed as or fees above the cap are refused before
//! anything is sent; once the node took the transaction its hash is printed before waiting, and
//! a failure after that exits 6 saying the transaction was sent.

use serde_json::{json, Value};
use sha3::{Digest, Keccak256};
use stakeproof_prover::final_artifact::{fr_word, FinalStatement};
use std::collections::HashMap;
use std::io::BufRead;
use std::process::Output;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const KEY: &str = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";
const ORACLE: &str = "0x00000000000000000000000000000000000c0de1";
/// The order of secp256k1's group.
const ORDER: &str = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";
const GWEI: u128 = 1_000_000_000;

fn artifact(dir: &std::path::Path) -> std::path::PathBuf {
    let s = FinalStatement {
        block_root: format!("0x{}", "ab".repeat(32)),
        slot: 320_000,
        pool_exact: false,
        pool_set: false,
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

/// What the stub answers to one method, in place of its default.
#[derive(Clone)]
enum Reply {
    /// `{"result": …}`.
    Result(Value),
    /// A JSON-RPC error object with this message.
    Error(&'static str),
    /// An HTTP error status with an empty body.
    Http(u16),
    /// The default answer, held back until the flag is set (or 10 s passed); the second flag
    /// is set once it was answered.
    Hold(Arc<AtomicBool>, Arc<AtomicBool>),
    /// The transaction's receipt, with status 0 (reverted).
    Reverted,
    /// The transaction's receipt with a pre-Byzantium post-state root and no status.
    RootOnly,
}

/// A JSON-RPC stub on 127.0.0.1.
struct Node {
    url: String,
    /// The raw transactions it received.
    sent: Arc<Mutex<Vec<Vec<u8>>>>,
    /// The methods it was asked, in order.
    calls: Arc<Mutex<Vec<String>>>,
}

/// The latest block as a node answers `eth_getBlockByNumber("latest", false)`, with
/// `baseFeePerGas` set to `base` (removed when `Null`).
fn block(base: Value) -> Value {
    let word = |b: &str| format!("0x{}", b.repeat(32));
    let mut b = json!({
        "hash": word("12"), "parentHash": word("11"),
        "sha3Uncles": "0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347",
        "miner": format!("0x{}", "00".repeat(20)), "stateRoot": word("21"),
        "transactionsRoot": word("22"), "receiptsRoot": word("23"),
        "logsBloom": format!("0x{}", "00".repeat(256)), "difficulty": "0x0", "number": "0x10",
        "gasLimit": "0x1c9c380", "gasUsed": "0x0", "timestamp": "0x6b49d200", "extraData": "0x",
        "mixHash": word("00"), "nonce": "0x0000000000000000", "baseFeePerGas": base,
        "uncles": [], "transactions": [], "size": "0x220",
    });
    if b["baseFeePerGas"].is_null() {
        b.as_object_mut().unwrap().remove("baseFeePerGas");
    }
    b
}

/// The receipt of the transaction `hash`, as a node answers it, with `status`.
fn receipt(hash: &Value, status: &str) -> Value {
    json!({
        "type": "0x2", "status": status, "cumulativeGasUsed": "0x94c1e", "logs": [],
        "logsBloom": format!("0x{}", "00".repeat(256)), "transactionHash": hash,
        "transactionIndex": "0x0", "blockHash": format!("0x{}", "12".repeat(32)),
        "blockNumber": "0x10", "gasUsed": "0x94c1e", "effectiveGasPrice": "0x3b9aca0e",
        "from": format!("0x{}", "00".repeat(20)), "to": ORACLE, "contractAddress": null,
    })
}

fn default_result(method: &str, params: &Value) -> Value {
    match method {
        "eth_chainId" => json!("0xaa36a7"),
        "eth_getTransactionCount" => json!("0x5"),
        "eth_maxPriorityFeePerGas" => json!("0x3b9aca00"),
        "eth_getBlockByNumber" => block(json!("0x7")),
        "eth_estimateGas" => json!("0x927c0"),
        "eth_sendRawTransaction" => json!(tx_hash(&raw_of(params))),
        "eth_getTransactionReceipt" => receipt(&params[0], "0x1"),
        m => panic!("unexpected {m}"),
    }
}

fn raw_of(params: &Value) -> Vec<u8> {
    hex::decode(params[0].as_str().unwrap().trim_start_matches("0x")).unwrap()
}

fn tx_hash(raw: &[u8]) -> String {
    format!("0x{}", hex::encode(Keccak256::digest(raw)))
}

/// A stub answering the defaults above except for `replies`.
fn node_with(replies: &[(&str, Reply)]) -> Node {
    let replies: HashMap<String, Reply> = replies
        .iter()
        .map(|(m, r)| (m.to_string(), r.clone()))
        .collect();
    let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
    let url = format!("http://{}", server.server_addr());
    let sent = Arc::new(Mutex::new(Vec::new()));
    let calls = Arc::new(Mutex::new(Vec::new()));
    let (log, called) = (sent.clone(), calls.clone());
    std::thread::spawn(move || {
        for mut req in server.incoming_requests() {
            let mut body = String::new();
            req.as_reader().read_to_string(&mut body).unwrap();
            let call: Value = serde_json::from_str(&body).unwrap();
            let method = call["method"].as_str().unwrap().to_string();
            called.lock().unwrap().push(method.clone());
            if method == "eth_sendRawTransaction" {
                log.lock().unwrap().push(raw_of(&call["params"]));
            }
            let answer = match replies.get(&method) {
                None => json!({"result": default_result(&method, &call["params"])}),
                Some(Reply::Result(v)) => json!({ "result": v }),
                Some(Reply::Reverted) => json!({"result": receipt(&call["params"][0], "0x0")}),
                Some(Reply::RootOnly) => {
                    let mut r = receipt(&call["params"][0], "0x1");
                    r.as_object_mut().unwrap().remove("status");
                    r["root"] = json!(format!("0x{}", "77".repeat(32)));
                    json!({ "result": r })
                }
                Some(Reply::Error(m)) => json!({"error": {"code": -32000, "message": m}}),
                Some(Reply::Http(code)) => {
                    req.respond(tiny_http::Response::empty(*code)).unwrap();
                    continue;
                }
                Some(Reply::Hold(release, answered)) => {
                    let (release, answered) = (release.clone(), answered.clone());
                    let result = default_result(&method, &call["params"]);
                    let id = call["id"].clone();
                    // Answer from another thread so that other calls are not held.
                    std::thread::spawn(move || {
                        let t = Instant::now();
                        while !release.load(Ordering::SeqCst) && t.elapsed().as_secs() < 10 {
                            std::thread::sleep(Duration::from_millis(10));
                        }
                        answered.store(true, Ordering::SeqCst);
                        let r = json!({"jsonrpc": "2.0", "id": id, "result": result});
                        let _ = req.respond(tiny_http::Response::from_string(r.to_string()));
                    });
                    continue;
                }
            };
            let mut r = json!({"jsonrpc": "2.0", "id": call["id"]});
            r.as_object_mut()
                .unwrap()
                .extend(answer.as_object().unwrap().clone());
            req.respond(tiny_http::Response::from_string(r.to_string()))
                .unwrap();
        }
    });
    Node { url, sent, calls }
}

/// The stub with its defaults; `revert` makes eth_estimateGas fail. Returns its URL and the
/// raw transactions it received.
fn node(revert: bool) -> (String, Arc<Mutex<Vec<Vec<u8>>>>) {
    let n = if revert {
        node_with(&[("eth_estimateGas", Reply::Error("execution reverted"))])
    } else {
        node_with(&[])
    };
    (n.url, n.sent)
}

fn stakeproof() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("stakeproof").unwrap()
}

/// A proof file and a key file holding `key` in a fresh directory.
fn files(key: &str) -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let proof = artifact(dir.path());
    let key_file = dir.path().join("key");
    std::fs::write(&key_file, key).unwrap();
    (dir, proof, key_file)
}

/// `stakeproof submit` against `url` with the key text `key` and `extra` flags.
fn submit(url: &str, key: &str, extra: &[&str]) -> Output {
    let (_dir, proof, key_file) = files(key);
    stakeproof()
        .args(["submit", "--timestamp", "1800000000", "--oracle", ORACLE])
        .args(["--rpc-url", url])
        .arg("--proof")
        .arg(&proof)
        .arg("--key-file")
        .arg(&key_file)
        .args(extra)
        .output()
        .unwrap()
}

/// The `--json` output's lines.
fn json_lines(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?}: {e}")))
        .collect()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
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
    // JSON lines: what was sent (printed before waiting), then the outcome.
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(lines[0]["outcome"], "sent");
    let summary = &lines[1];
    assert_eq!(summary["outcome"], "included");
    assert_eq!(summary["status"], "0x1");
    assert_eq!(
        (summary["gas_used"].as_u64(), summary["block"].as_u64()),
        (Some(0x94c1e), Some(16))
    );
    assert_eq!(summary["nonce"], 5);
    assert_eq!(summary["gas_limit"], 600_000 * 6 / 5);

    let raw = sent.lock().unwrap()[0].clone();
    assert_eq!(raw[0], 2, "an EIP-1559 transaction");
    // The hash printed is the transaction's own (keccak of the raw bytes).
    assert_eq!(lines[0]["transaction"], tx_hash(&raw));
    assert_eq!(summary["transaction"], tx_hash(&raw));
    assert_eq!(summary["max_fee_per_gas"], (2 * 7 + GWEI).to_string());
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

/// Item 9: a key file holds exactly 32 bytes, a valid secp256k1 scalar; nothing else is padded
/// or signed with, nothing is asked of the node, and the key never appears in the output.
#[test]
fn submit_refuses_a_key_file_that_is_not_exactly_32_bytes() {
    let n = node_with(&[]);
    let cases = [
        // Left-padded, this was private key 1.
        (format!("{}01", "00".repeat(30)), "31 bytes"),
        (KEY[..48].to_string(), "24 bytes"),
        (format!("0x{}", &KEY[..62]), "31 bytes"),
        (format!("{KEY}01"), "33 bytes"),
        ("00".repeat(32), "zero"),
        (ORDER.to_string(), "curve order"),
        ("ff".repeat(32), "curve order"),
        (format!("{KEY} {KEY}"), "not hex"),
        (format!("0x0x{KEY}"), "0x prefix is given twice"),
        (format!("{}\n", &KEY[..63]), "63 hex digits, an odd number"),
        (String::new(), "0 bytes"),
    ];
    for (key, expected) in &cases {
        let out = submit(&n.url, key, &[]);
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        assert_eq!(out.status.code(), Some(1), "{key:?}: {stderr}");
        assert!(stderr.contains(expected), "{key:?}: {stderr}");
        let digits = key.trim().trim_start_matches("0x");
        if !digits.is_empty() {
            for shown in [&stdout, &stderr] {
                assert!(!shown.contains(digits), "{key:?} printed: {shown}");
                assert!(!shown.contains(&digits[..16]), "{key:?} printed: {shown}");
            }
        }
    }
    assert!(n.calls.lock().unwrap().is_empty(), "the node was asked");
    assert!(n.sent.lock().unwrap().is_empty(), "something was sent");
    // A file too big to be a key is not read whole.
    let out = submit(&n.url, &"0".repeat(1 << 20), &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("not a key file"),
        "{}",
        text(&out.stderr)
    );

    // Surrounding whitespace, a 0x prefix and upper case are fine: the same key.
    let want = {
        let key = k256::ecdsa::SigningKey::from_slice(&hex::decode(KEY).unwrap()).unwrap();
        let point = key.verifying_key().to_encoded_point(false);
        format!(
            "0x{}",
            hex::encode(&Keccak256::digest(&point.as_bytes()[1..])[12..])
        )
    };
    for key in [
        format!("  0x{KEY}\n\n"),
        format!("\t{}\r\n", KEY.to_uppercase()),
    ] {
        let out = submit(&n.url, &key, &["--json"]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert_eq!(json_lines(&out)[0]["from"], want);
    }
}

/// Item 10: every quantity from the node is parsed, with checked arithmetic, into the width it
/// is signed as; an overflow or an absurd fee is refused before signing, naming the field.
#[test]
fn submit_refuses_node_quantities_that_do_not_fit() {
    let r = |v: &str| Reply::Result(json!(v));
    let base = |v: &str| Reply::Result(block(json!(v)));
    let cases: Vec<(&str, Reply, Vec<&str>)> = vec![
        // Was signed as chain 1.
        (
            "eth_chainId",
            r("0x10000000000000001"),
            vec!["eth_chainId", "chain id of 64 bits"],
        ),
        ("eth_chainId", r("0x"), vec!["eth_chainId", "chain id"]),
        (
            "eth_getTransactionCount",
            r("0x10000000000000005"),
            vec!["nonce of 64 bits"],
        ),
        (
            "eth_estimateGas",
            r("0x10000000000000000"),
            vec!["eth_estimateGas", "64 bits"],
        ),
        // Plus 20% does not fit 64 bits (was saturated).
        (
            "eth_estimateGas",
            r("0xffffffffffffffff"),
            vec!["gas limit", "64 bits"],
        ),
        // 2 × base fee + a 128-bit tip overflows.
        (
            "eth_maxPriorityFeePerGas",
            r(&format!("0x{}", "f".repeat(32))),
            vec!["overflows"],
        ),
        (
            "eth_getBlockByNumber",
            base(&format!("0x1{}", "0".repeat(16))),
            vec!["eth_getBlockByNumber", "baseFeePerGas of 64 bits"],
        ),
        (
            "eth_getBlockByNumber",
            base("0xzz"),
            vec!["eth_getBlockByNumber", "baseFeePerGas of 64 bits"],
        ),
        (
            "eth_getBlockByNumber",
            Reply::Result(block(Value::Null)),
            vec!["no baseFeePerGas"],
        ),
        (
            "eth_getBlockByNumber",
            Reply::Result(json!({})),
            vec!["eth_getBlockByNumber", "not a block"],
        ),
        // 2 × 600 + 1 gwei is above the default cap of 1000 gwei.
        (
            "eth_getBlockByNumber",
            base(&format!("{:#x}", 600 * GWEI)),
            vec!["1201 gwei", "--max-fee-gwei 1000"],
        ),
        (
            "eth_maxPriorityFeePerGas",
            r(&format!("{:#x}", 1u128 << 100)),
            vec!["--max-fee-gwei"],
        ),
        // A node that answers more than 1 MiB is cut off.
        (
            "eth_chainId",
            r(&format!("0x{}", "0".repeat(2 << 20))),
            vec!["eth_chainId", "exceeds 1048576 bytes"],
        ),
        // A malformed tip is an error, not the 1 gwei default.
        (
            "eth_maxPriorityFeePerGas",
            r("0xzz"),
            vec!["eth_maxPriorityFeePerGas", "priority fee of 128 bits"],
        ),
    ];
    for (method, reply, expected) in cases {
        let n = node_with(&[(method, reply)]);
        let out = submit(&n.url, KEY, &[]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{method}: {err}");
        for e in expected {
            assert!(err.contains(e), "{method}: {e:?} not in {err}");
        }
        assert!(n.sent.lock().unwrap().is_empty(), "{method}: sent");
    }

    // Above the default cap but below --max-fee-gwei: signed with exactly 2 × base + tip.
    let n = node_with(&[("eth_getBlockByNumber", base(&format!("{:#x}", 600 * GWEI)))]);
    let out = submit(&n.url, KEY, &["--max-fee-gwei", "2000"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let raw = n.sent.lock().unwrap()[0].clone();
    let tx = rlp::Rlp::new(&raw[1..]);
    assert_eq!(tx.val_at::<u64>(2).unwrap() as u128, GWEI);
    assert_eq!(tx.val_at::<u64>(3).unwrap() as u128, 1201 * GWEI);
    // A node without eth_maxPriorityFeePerGas: 1 gwei.
    let n = node_with(&[("eth_maxPriorityFeePerGas", Reply::Error("method not found"))]);
    let out = submit(&n.url, KEY, &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let raw = n.sent.lock().unwrap()[0].clone();
    assert_eq!(
        rlp::Rlp::new(&raw[1..]).val_at::<u64>(2).unwrap() as u128,
        GWEI
    );
    // --max-fee-gwei 0 is a bad command line.
    let out = submit(&n.url, KEY, &["--max-fee-gwei", "0"]);
    assert_eq!(out.status.code(), Some(2));
    let out = submit(&n.url, KEY, &["--wait", "18446744073709551615"]);
    assert_eq!(out.status.code(), Some(2));
}

/// Item 11: the hash (keccak of the raw transaction) is printed as soon as the node took the
/// transaction, before the receipt is waited for.
#[test]
fn submit_prints_the_hash_before_waiting_for_the_receipt() {
    for json in [false, true] {
        let (release, answered) = (
            Arc::new(AtomicBool::new(false)),
            Arc::new(AtomicBool::new(false)),
        );
        let n = node_with(&[(
            "eth_getTransactionReceipt",
            Reply::Hold(release.clone(), answered.clone()),
        )]);
        let (_dir, proof, key_file) = files(KEY);
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("stakeproof"))
            .args([
                "submit",
                "--timestamp",
                "1",
                "--oracle",
                ORACLE,
                "--rpc-url",
                &n.url,
            ])
            .args(json.then_some("--json"))
            .arg("--proof")
            .arg(&proof)
            .arg("--key-file")
            .arg(&key_file)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        stdout.read_line(&mut first).unwrap();
        assert!(
            !answered.load(Ordering::SeqCst),
            "printed only after the receipt: {first}"
        );
        let hash = tx_hash(&n.sent.lock().unwrap()[0]);
        assert!(first.contains(&hash), "{first}");
        if json {
            let v: Value = serde_json::from_str(&first).unwrap();
            assert_eq!(
                (v["outcome"].as_str(), v["transaction"].as_str()),
                (Some("sent"), Some(hash.as_str()))
            );
        }
        release.store(true, Ordering::SeqCst);
        assert!(child.wait().unwrap().success());
    }
}

/// Item 11: once the node took the transaction, a failed or timed-out receipt query, a hash
/// that is not the transaction's, or an ambiguous failure of the send itself exit 6, saying the
/// transaction was (or may have been) sent, with its hash, and not to resubmit blindly.
#[test]
fn submit_exits_6_with_the_hash_when_the_node_fails_after_sending() {
    let other = format!("0x{}", "11".repeat(32));
    let cases: Vec<(&str, Reply, &[&str], &str)> = vec![
        (
            "eth_getTransactionReceipt",
            Reply::Error("boom"),
            &["--wait", "1"],
            "boom",
        ),
        (
            "eth_getTransactionReceipt",
            Reply::Http(503),
            &["--wait", "1"],
            "503",
        ),
        (
            "eth_getTransactionReceipt",
            Reply::Result(Value::Null),
            &["--wait", "1"],
            "no receipt within 1 s",
        ),
        (
            "eth_getTransactionReceipt",
            Reply::Result(json!({"status": "0x1"})),
            &[],
            "not a receipt",
        ),
        (
            "eth_sendRawTransaction",
            Reply::Result(json!(other)),
            &[],
            &other,
        ),
        (
            "eth_sendRawTransaction",
            Reply::Http(502),
            &[],
            "may have been sent",
        ),
        (
            "eth_sendRawTransaction",
            Reply::Result(json!(7)),
            &[],
            "may have been sent",
        ),
        // A success status without a JSON-RPC answer: the node may have taken it.
        (
            "eth_sendRawTransaction",
            Reply::Http(202),
            &[],
            "may have been sent",
        ),
        // A receipt without a status says nothing of the outcome.
        (
            "eth_getTransactionReceipt",
            Reply::RootOnly,
            &[],
            "post-state root",
        ),
    ];
    for (method, reply, flags, reason) in cases {
        for json in [false, true] {
            let n = node_with(&[(method, reply.clone())]);
            let mut args = flags.to_vec();
            if json {
                args.push("--json");
            }
            let out = submit(&n.url, KEY, &args);
            let (stdout, err) = (text(&out.stdout), text(&out.stderr));
            assert_eq!(out.status.code(), Some(6), "{method} {flags:?}: {err}");
            let hash = tx_hash(&n.sent.lock().unwrap()[0]);
            for e in [hash.as_str(), reason, "sent", "do not resubmit"] {
                assert!(err.contains(e), "{method} {flags:?}: {e:?} not in {err}");
            }
            assert!(err.contains("second transaction"), "the retry risk: {err}");
            if method == "eth_getTransactionReceipt" {
                assert!(err.contains("WAS sent"), "{err}");
                assert!(stdout.contains(&hash), "hash not on stdout: {stdout}");
            }
            if json {
                let lines = json_lines(&out);
                let last = lines.last().unwrap();
                assert_eq!(last["outcome"], "unknown", "{stdout}");
                assert_eq!(last["transaction"], hash.as_str());
            }
        }
    }
    // The node refused the transaction (a JSON-RPC error), or it reverted: exit 1, and the
    // messages say so.
    let n = node_with(&[("eth_sendRawTransaction", Reply::Error("nonce too low"))]);
    let out = submit(&n.url, KEY, &[]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("nonce too low") && err.contains("was not sent"),
        "{err}"
    );
    let n = node_with(&[("eth_getTransactionReceipt", Reply::Reverted)]);
    let out = submit(&n.url, KEY, &[]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let hash = tx_hash(&n.sent.lock().unwrap()[0]);
    assert!(err.contains("reverted") && err.contains(&hash), "{err}");
    // A 4xx refusal of the send: not sent, exit 1.
    let n = node_with(&[("eth_sendRawTransaction", Reply::Http(403))]);
    let out = submit(&n.url, KEY, &[]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("was not sent") && err.contains("403"), "{err}");
    // The node already holds these very bytes: sent; the receipt is waited for as usual.
    let n = node_with(&[("eth_sendRawTransaction", Reply::Error("already known"))]);
    let out = submit(&n.url, KEY, &["--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(json_lines(&out).last().unwrap()["outcome"], "included");
    // --wait 0: sent, not waited for, exit 0.
    let n = node_with(&[("eth_getTransactionReceipt", Reply::Error("not asked"))]);
    let out = submit(&n.url, KEY, &["--wait", "0"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!n
        .calls
        .lock()
        .unwrap()
        .iter()
        .any(|m| m == "eth_getTransactionReceipt"));
}

/// `--vault-proof`: exactly one of it and `--proof` (usage errors, exit 2); a file that is not
/// `report --vault --json`'s output is named before the node is asked anything; a good one is
/// sent as `submitVaultBalance(slot, timestamp, proof)` with its bytes.
#[test]
fn submit_vault_proof_sends_submit_vault_balance_and_refuses_other_files() {
    let dir = tempfile::tempdir().unwrap();
    let proof = artifact(dir.path());
    let key_file = dir.path().join("key");
    std::fs::write(&key_file, KEY).unwrap();
    let (url, sent) = node(false);
    let run = |flags: &[&str], files: &[(&str, &std::path::Path)]| {
        let mut c = stakeproof();
        c.args([
            "submit",
            "--json",
            "--wait",
            "0",
            "--timestamp",
            "1800000000",
        ])
        .args(["--oracle", ORACLE, "--rpc-url", &url])
        .arg("--key-file")
        .arg(&key_file)
        .args(flags);
        for (flag, path) in files {
            c.arg(flag).arg(path);
        }
        c.output().unwrap()
    };
    // Neither, or both.
    assert_eq!(run(&[], &[]).status.code(), Some(2));
    let vault_file = dir.path().join("vault.json");
    assert_eq!(
        run(&[], &[("--proof", &proof), ("--vault-proof", &vault_file)])
            .status
            .code(),
        Some(2)
    );
    // Files that are not a vault proof.
    let onchain = stakeproof_contracts::vault::VaultProof {
        slot_branch: [stakeproof_contracts::B256::repeat_byte(1); 3],
        state_root: stakeproof_contracts::B256::repeat_byte(2),
        state_root_branch: vec![stakeproof_contracts::B256::repeat_byte(3); 14],
        nodes: vec![vec![0xc0; 40]],
    };
    let good = serde_json::json!({"slot": 320000, "withdrawal_vault": {
        "slot": 320000, "oracle_proof": format!("0x{}", hex::encode(onchain.encode()))}});
    for (body, says) in [
        ("not json".to_string(), "not JSON"),
        ("{\"slot\": 1}".to_string(), "no `withdrawal_vault`"),
        (
            serde_json::json!({"withdrawal_vault": {"slot": "x", "oracle_proof": "0x"}})
                .to_string(),
            "not a slot",
        ),
        (
            serde_json::json!({"withdrawal_vault": {"slot": 5, "oracle_proof": "0xzz"}})
                .to_string(),
            "oracle_proof",
        ),
        (
            serde_json::json!({"withdrawal_vault": {"slot": 5, "oracle_proof": "0x0102"}})
                .to_string(),
            "not a vault proof",
        ),
    ] {
        std::fs::write(&vault_file, &body).unwrap();
        let out = run(&[], &[("--vault-proof", &vault_file)]);
        assert_eq!(out.status.code(), Some(1), "{body}");
        let err = text(&out.stderr);
        assert!(
            err.contains(says) && err.contains("--vault-proof"),
            "{body}: {err}"
        );
    }
    assert!(sent.lock().unwrap().is_empty(), "nothing sent");
    // The report's output: sent as submitVaultBalance with the proof's bytes.
    std::fs::write(&vault_file, good.to_string()).unwrap();
    let out = run(&[], &[("--vault-proof", &vault_file)]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines = json_lines(&out);
    assert_eq!(lines[0]["submits"], "vault balance");
    assert_eq!(lines[0]["slot"], 320000);
    assert!(lines[0].get("unsafe_srs").is_none());
    let raw = sent.lock().unwrap()[0].clone();
    let want = stakeproof_contracts::vault::submit_vault_balance(320000, 1800000000, &onchain);
    assert!(
        raw.windows(want.len()).any(|w| w == want.as_slice()),
        "the transaction carries submitVaultBalance's calldata"
    );
}

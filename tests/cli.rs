//! The `stakeproof` binary driven as a user would: demo, report from a state file, proofs,
//! and the errors bad input must produce.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use std::path::PathBuf;

fn stakeproof() -> Command {
    Command::cargo_bin("stakeproof").expect("binary built")
}

fn testdata() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata")
}

const POOL: &str = "0x57a4e0005a4e0000000000000000000000000001";

#[test]
fn demo_prints_the_report_and_verifies_proofs() {
    let work = tempfile::tempdir().unwrap();
    let out = stakeproof()
        .args(["demo", "--json", "--validators", "1024", "--no-prove"])
        .assert()
        .success();
    let v: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v["leaf_proofs"], Value::Null);
    assert_eq!(v["final_proof"], Value::Null);
    let r = &v["report"];
    assert_eq!(r["fork"], "electra");
    assert_eq!(r["registry_length"], 1024);
    let n = r["validator_count"].as_u64().unwrap();
    assert!(n > 250 && n < 450, "about a third of 1024 in the pool: {n}");
    assert!(r["exited_count"].as_u64().unwrap() > 0);
    assert!(r["slashed_count"].as_u64().unwrap() > 0);
    assert!(r["active_count"].as_u64().unwrap() < n);
    assert_eq!(v["merkle_proofs_verified"].as_u64().unwrap(), 2 * n + 1);
    assert!(r["block_root"].as_str().unwrap().starts_with("0x"));
    // Deterministic: the same bytes, the same report.
    let again = stakeproof()
        .args(["demo", "--json", "--validators", "1024", "--no-prove"])
        .assert()
        .success();
    let w: Value = serde_json::from_slice(&again.get_output().stdout).unwrap();
    assert_eq!(v["report"], w["report"]);

    // The demo's quick mode: zero-knowledge leaf proofs only (the default demo also aggregates
    // them, 15+ minutes: see tests/end_to_end.rs for the same pipeline), on half the default
    // devnet (32 validators: half the proving time of the default 64).
    let out = stakeproof()
        .args(["demo", "--leaves-only", "--validators", "32", "--work-dir"])
        .arg(work.path())
        .assert()
        .success()
        .stdout(predicate::str::contains("pool validators"))
        .stdout(predicate::str::contains(
            "zero-knowledge leaf proofs: 8 registry + 2 balance (0 reused",
        ))
        .stdout(predicate::str::contains("--leaves-only: no aggregation"))
        .stdout(predicate::str::contains("UNSAFE"))
        // stderr is captured, not a terminal: plain progress lines instead of bars (which
        // indicatif hides there), one per finished proof with its circuit, index and time.
        .stderr(predicate::str::contains(
            "stakeproof: registry proofs 8/8 finished",
        ))
        .stderr(predicate::str::contains(
            "stakeproof: balance proofs 2/2 finished",
        ))
        .stderr(
            predicate::str::is_match(
                r"stakeproof: proof balance-\S+ at 16: generated in \d+\.\d s",
            )
            .unwrap(),
        );
    drop(out);
    let again = stakeproof()
        .args([
            "demo",
            "--leaves-only",
            "--json",
            "--validators",
            "32",
            "--work-dir",
        ])
        .arg(work.path())
        .assert()
        .success()
        .stderr(predicate::str::is_match(r"stakeproof: proof registry-\S+ at 28: reused").unwrap());
    let v: Value = serde_json::from_slice(&again.get_output().stdout).unwrap();
    assert_eq!(
        v["leaf_proofs"]["reused"], 10,
        "a second demo reuses every proof"
    );
    assert_eq!(v["final_proof"], Value::Null);
    assert_eq!(v["unsafe_srs"], true);
    for k in [
        "validator_count",
        "total_balance_gwei",
        "active_count",
        "exited_count",
        "slashed_count",
    ] {
        assert_eq!(v["leaf_proofs"]["proven_totals"][k], v["report"][k]);
    }
}

#[test]
fn report_from_a_state_file_matches_the_demo() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("devnet.ssz");
    let demo = stakeproof()
        .args([
            "demo",
            "--json",
            "--no-prove",
            "--validators",
            "300",
            "--write-state",
        ])
        .arg(&state)
        .assert()
        .success();
    let d: Value = serde_json::from_slice(&demo.get_output().stdout).unwrap();
    for fork_args in [vec![], vec!["--fork", "electra"]] {
        let out = stakeproof()
            .args(["report", "--json", "--withdrawal-address", POOL, "--state"])
            .arg(&state)
            .args(&fork_args)
            .assert()
            .success();
        let r: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
        assert_eq!(r, d["report"]);
    }
    // The same pool named by its 0x02 credentials, and by its 0x01 ones.
    for prefix in ["01", "02"] {
        let cred = format!("0x{prefix}0000000000000000000000{}", &POOL[2..]);
        let out = stakeproof()
            .args([
                "report",
                "--json",
                "--withdrawal-credentials",
                &cred,
                "--state",
            ])
            .arg(&state)
            .assert()
            .success();
        let r: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
        assert_eq!(r["validator_count"], d["report"]["validator_count"]);
    }
    // A Merkle proof of validator 7 to the block root.
    let out = stakeproof()
        .args(["proof", "--json", "--validator", "7", "--state"])
        .arg(&state)
        .assert()
        .success();
    let p: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(
        p["proof"]["gindex"].as_u64().unwrap(),
        1430 * (1u64 << 40) + 7
    );
    assert_eq!(p["proof"]["branch"].as_array().unwrap().len(), 50);
    assert_eq!(p["block_root"], d["report"]["block_root"]);
    // The proof tree computed natively: 300 validators in ranges of 64 and 128 make 3
    // segments (the last partly filled, its last registry range empty); its final node states
    // the report.
    let out = stakeproof()
        .args([
            "tree",
            "--json",
            "--registry-size",
            "64",
            "--balance-size",
            "128",
        ])
        .args(["--withdrawal-address", POOL, "--state"])
        .arg(&state)
        .assert()
        .success();
    let t: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let tree = &t["tree"];
    assert_eq!(tree["balance_leaves"].as_array().unwrap().len(), 3);
    let reg = tree["registry_leaves"].as_array().unwrap();
    assert_eq!(reg.len(), 6);
    let fills: Vec<u64> = reg
        .iter()
        .map(|l| l["fields"]["fill"].as_u64().unwrap())
        .collect();
    assert_eq!(fills, [64, 64, 64, 64, 44, 0]);
    let nodes = tree["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 3 * 5 + 2);
    let fin = &nodes.last().unwrap()["fields"];
    assert_eq!(nodes.last().unwrap()["statement"]["kind"], "final");
    for k in [
        "validator_count",
        "active_count",
        "exited_count",
        "slashed_count",
        "block_root",
    ] {
        assert_eq!(fin[k], d["report"][k], "{k}");
    }
    assert_eq!(
        fin["total_balance_gwei"].to_string(),
        d["report"]["total_balance_gwei"].to_string()
    );
    // With the pool's pending deposits: the final node takes the registry's summary and the
    // queue's run (here an empty queue, proven by one leaf, in a run tree of 2 levels: its
    // wrap, two joins and the two neutral nodes that pad them), and states the count and sum.
    let out = stakeproof()
        .args([
            "tree",
            "--json",
            "--registry-size",
            "64",
            "--balance-size",
            "128",
        ])
        .args(["--pending-size", "4", "--pending-depth", "2"])
        .args(["--withdrawal-address", POOL, "--state"])
        .arg(&state)
        .assert()
        .success();
    let t: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(t["pending"]["depth"], 2);
    let (with, nodes) = (&t["tree"], t["tree"]["nodes"].as_array().unwrap());
    assert_eq!(nodes.len(), 3 * 5 + 3);
    assert_eq!(with["pending_leaves"].as_array().unwrap().len(), 1);
    assert_eq!(with["pending_nodes"].as_array().unwrap().len(), 5);
    let last = nodes.last().unwrap();
    assert_eq!(last["children"][1]["kind"], "pending_run");
    assert_eq!(last["fields"]["pending_deposit_count"], 0);
    assert_eq!(
        last["fields"]["validator_count"],
        d["report"]["validator_count"]
    );
    // A pending size that is not a power of two is a usage error naming the flag's rule.
    stakeproof()
        .args([
            "tree",
            "--pending-size",
            "3",
            "--withdrawal-address",
            POOL,
            "--state",
        ])
        .arg(&state)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "pending size 3 is not a power of two",
        ));
    // A run tree beyond the queue's own limit or the chain design with the queue: usage errors
    // before anything is proven.
    for (args, says) in [
        (
            &["prove", "--pending-size", "2", "--pending-depth", "27"][..],
            "above the queue's limit of 2^27",
        ),
        (
            &["prove", "--design", "chain", "--pending-size", "4"][..],
            "the chain design does not take the pending-deposit queue yet",
        ),
    ] {
        stakeproof()
            .args(args)
            .args(["--unsafe-srs", "--withdrawal-address", POOL, "--state"])
            .arg(&state)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(says));
    }
    // Human output names every node and its children.
    stakeproof()
        .args(["tree", "--registry-size", "64", "--balance-size", "128"])
        .args(["--withdrawal-address", POOL, "--state"])
        .arg(&state)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "node   16 agg-sum+sum-to-final ← node 15 + node 14",
        ));
}

#[test]
fn report_on_the_sepolia_genesis_state() {
    let dir = testdata().join("genesis/sepolia");
    let out = stakeproof()
        .args(["report", "--json", "--withdrawal-credentials"])
        .arg("0x00aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
        .arg("--state")
        .arg(dir.join("genesis.ssz"))
        .arg("--network-config")
        .arg(dir.join("config.yaml"))
        .assert()
        .success();
    let r: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(r["fork"], "phase0");
    assert_eq!(r["registry_length"], 1570);
    assert_eq!(r["validator_count"], 0);
    assert_eq!(
        r["block_root"],
        "0xfb9b64fe445f76696407e1e3cc390371edff147bf712db86db6197d4b31ede43"
    );
}

#[test]
fn bad_input_gets_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    // No pool given.
    stakeproof()
        .args(["report", "--state", "x.ssz"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("--withdrawal-address"));
    // A 19-byte address.
    stakeproof()
        .args([
            "report",
            "--state",
            "x.ssz",
            "--withdrawal-address",
            "0x0102030405060708090a0b0c0d0e0f1011121314"[..40]
                .to_string()
                .as_str(),
        ])
        .assert()
        .failure()
        .stderr(predicate::str::contains("expected 20"));
    // A missing file.
    stakeproof()
        .args(["report", "--withdrawal-address", POOL, "--state"])
        .arg(dir.path().join("missing.ssz"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("cannot read state file"));
    // Corrupt SSZ: a valid state cut short.
    let state = dir.path().join("s.ssz");
    stakeproof()
        .args(["demo", "--no-prove", "--validators", "16", "--write-state"])
        .arg(&state)
        .assert()
        .success();
    let bytes = std::fs::read(&state).unwrap();
    let cut = dir.path().join("cut.ssz");
    std::fs::write(&cut, &bytes[..bytes.len() - 5]).unwrap();
    stakeproof()
        .args([
            "report",
            "--withdrawal-address",
            POOL,
            "--fork",
            "electra",
            "--state",
        ])
        .arg(&cut)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("not a valid electra BeaconState"));
    // The wrong fork for the file.
    stakeproof()
        .args([
            "report",
            "--withdrawal-address",
            POOL,
            "--fork",
            "deneb",
            "--state",
        ])
        .arg(&state)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("not a valid deneb BeaconState"));
    // An unknown preset value.
    stakeproof()
        .args([
            "report",
            "--withdrawal-address",
            POOL,
            "--preset",
            "holesky",
            "--state",
        ])
        .arg(&state)
        .assert()
        .failure()
        .stderr(predicate::str::contains("invalid value 'holesky'"));
    // A beacon node that is not there.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    stakeproof()
        .args([
            "report",
            "--withdrawal-address",
            POOL,
            "--retries",
            "0",
            "--timeout",
            "2",
            "--slot",
            "64",
            "--beacon-url",
        ])
        .arg(format!("http://127.0.0.1:{port}"))
        .arg("--cache-dir")
        .arg(dir.path().join("cache"))
        .assert()
        .code(3)
        .stderr(predicate::str::contains(format!("127.0.0.1:{port}")));
    // Block choices belong to a beacon node.
    stakeproof()
        .args([
            "report",
            "--withdrawal-address",
            POOL,
            "--slot",
            "64",
            "--state",
        ])
        .arg(&state)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--slot"));
    // Quick and skipped demos do not mix; exit codes are documented.
    stakeproof()
        .args(["demo", "--no-prove", "--leaves-only"])
        .assert()
        .code(2);
    stakeproof()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("Exit codes"))
        .stdout(predicate::str::contains("3  the beacon node failed"));
}

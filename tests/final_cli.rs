//! `stakeproof verify`, `export-verifier` and `calldata` on final proof files, and the
//! deployment config file (`--config`), through the binary. Cheap only: the final artifacts here
//! are written by hand (a real statement with a garbage proof and key), so every error path is
//! reached without an aggregation proof; a real artifact, tampered or not, is covered by
//! `tests/end_to_end.rs`.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::{json, Value};
use stakeproof_prover::final_artifact::{fr_word, word_fr, FinalStatement};
use std::path::{Path, PathBuf};
use std::time::Duration;

const POOL: &str = "0x57a4e0005a4e0000000000000000000000000001";

fn stakeproof() -> Command {
    let mut c = Command::cargo_bin("stakeproof").expect("binary built");
    c.timeout(Duration::from_secs(120));
    c
}

fn statement() -> FinalStatement {
    FinalStatement {
        block_root: format!("0x{}", "ab".repeat(32)),
        slot: 320_000,
        pool_exact: false,
        pool_set: false,
        pool_credentials: format!("0x01{}{}", "00".repeat(11), &POOL[2..]),
        registry_length: 64,
        validator_count: 21,
        total_balance_gwei: 672_000_000_000,
        active_count: 18,
        exited_count: 2,
        slashed_count: 1,
    }
}

/// A syntactically valid final artifact: the statement and its public inputs agree, the
/// accumulator limbs, the proof and the verifying key are garbage.
fn artifact(setup_id: &str) -> Value {
    artifact_of(statement(), setup_id)
}

/// [`artifact`] with another statement (its public inputs follow it).
fn artifact_of(s: FinalStatement, setup_id: &str) -> Value {
    let mut instances: Vec<String> = (1..=12u64)
        .map(|i| fr_word(&stakeproof_circuits::Fr::from(i * 1000 + 7)))
        .collect();
    instances.extend(s.to_instances().unwrap().iter().map(fr_word));
    json!({
        "format": "stakeproof-final-proof",
        "version": 1,
        "statement": s,
        "fork": "electra",
        "epoch": 10_000,
        "instances": instances,
        "proof": format!("0x{}", "5a".repeat(1000)),
        "circuit": {
            "name": "final-0123456789ab",
            "params": {"degree": 8, "num_advice": 2, "num_lookup_advice": 1, "num_fixed": 1, "lookup_bits": 7},
            "vk": "0x00112233",
            "vk_digest": "0x0000000000000000000000000000000000000000000000000000000000000001",
            "circuits_version": 1,
            "leaves": {"registry_size": 64, "registry_k": 17, "balance_size": 64, "balance_k": 14, "max_parallel": 1}
        },
        "setup": {"id": setup_id, "unsafe_local": setup_id.starts_with("unsafe")},
        "prover_seconds": 1.0
    })
}

/// An artifact's public inputs as the verifier's words.
fn words_of(v: &Value) -> Vec<stakeproof_contracts::U256> {
    v["instances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| stakeproof_contracts::verifier::fr_to_u256(&word_fr(w.as_str().unwrap()).unwrap()))
        .collect()
}

fn write(dir: &Path, name: &str, v: &Value) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, serde_json::to_vec_pretty(v).unwrap()).unwrap();
    p
}

#[test]
fn verify_names_what_is_wrong_with_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    // Missing, not JSON, not an artifact, another version.
    stakeproof()
        .arg("verify")
        .arg(dir.path().join("missing.json"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("no such file"));
    let junk = dir.path().join("junk.json");
    std::fs::write(&junk, b"{\"format\": \"stakeproof-final-proof\", \"ver").unwrap();
    stakeproof()
        .arg("verify")
        .arg(&junk)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("not a proof artifact"));
    let mut v = artifact("unsafe-k8-seed1");
    v["version"] = json!(99);
    let other = write(dir.path(), "v99.json", &v);
    stakeproof()
        .arg("verify")
        .arg(&other)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("v99"));

    // A statement edited without its public inputs: rejected (5) before any setup is needed.
    let mut v = artifact("unsafe-k8-seed1");
    v["statement"]["total_balance_gwei"] = json!(672_000_000_001u64);
    let edited = write(dir.path(), "edited.json", &v);
    stakeproof()
        .arg("verify")
        .arg(&edited)
        .assert()
        .code(5)
        .stderr(predicate::str::contains(
            "the decoded statement does not match the public inputs",
        ));
    // ...and a public input edited without the statement.
    let mut v = artifact("unsafe-k8-seed1");
    v["instances"][20] = json!(fr_word(&stakeproof_circuits::Fr::from(5u64)));
    let edited = write(dir.path(), "edited2.json", &v);
    stakeproof().arg("verify").arg(&edited).assert().code(5);
    // Too few public inputs.
    let mut v = artifact("unsafe-k8-seed1");
    v["instances"].as_array_mut().unwrap().pop();
    let short = write(dir.path(), "short.json", &v);
    stakeproof()
        .arg("verify")
        .arg(&short)
        .assert()
        .code(5)
        .stderr(predicate::str::contains("23 public inputs"));

    // A consistent file made with an unsafe setup: the user must say the setup may be unsafe.
    let file = write(dir.path(), "proof.json", &artifact("unsafe-k8-seed1"));
    stakeproof()
        .arg("verify")
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--unsafe-srs"));
    // Then the garbage key is found (the setup is regenerated from the artifact's id).
    let out = stakeproof()
        .args(["verify", "--json", "--unsafe-srs", "--work-dir"])
        .arg(&work)
        .arg(&file)
        .assert()
        .code(5)
        // The key's header is checked before anything is configured from it.
        .stderr(predicate::str::contains(
            "the verifying key's header is not a version-2 key",
        ))
        .stderr(predicate::str::contains("UNSAFE"));
    let v: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v["verified"], false);
    // A ceremony file that is not one.
    let bogus = dir.path().join("bogus.srs");
    std::fs::write(&bogus, b"not a setup").unwrap();
    stakeproof()
        .args(["verify", "--srs"])
        .arg(&bogus)
        .arg(&file)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("SRS file"));
    // --unsafe-srs for a proof made with a ceremony setup.
    let ceremony = write(
        dir.path(),
        "ceremony.json",
        &artifact("file-0123456789abcdef"),
    );
    stakeproof()
        .args(["verify", "--unsafe-srs", "--work-dir"])
        .arg(&work)
        .arg(&ceremony)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--srs FILE"));
    // An unsafe setup is regenerated at the circuit's size (ids no longer carry k; an older
    // `unsafe-k4-seed1` id still names seed 1): here the hand-made verifying key is refused.
    let old_id = write(dir.path(), "old-id.json", &artifact("unsafe-k4-seed1"));
    stakeproof()
        .args(["verify", "--unsafe-srs", "--work-dir"])
        .arg(&work)
        .arg(&old_id)
        .assert()
        .code(5)
        .stderr(predicate::str::contains(
            "the verifying key's header is not a version-2 key",
        ));
    // A circuit too large for a locally generated setup.
    let mut huge = artifact("unsafe-seed1");
    huge["circuit"]["params"]["degree"] = 30.into();
    let huge = write(dir.path(), "huge.json", &huge);
    stakeproof()
        .args(["verify", "--unsafe-srs", "--work-dir"])
        .arg(&work)
        .arg(&huge)
        .assert()
        .code(5)
        .stderr(predicate::str::contains("cannot hold"));
    // Exit codes are documented.
    stakeproof()
        .args(["verify", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "5  a proof artifact does not verify",
        ));
}

#[test]
fn export_verifier_refuses_an_unsafe_setup_before_loading_anything() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("verifier");
    // A 2^24 setup would take minutes to make: the refusal must come first.
    let file = write(dir.path(), "proof.json", &artifact("unsafe-k24-seed1"));
    stakeproof()
        .args(["export-verifier", "--proof"])
        .arg(&file)
        .arg("--out")
        .arg(&out)
        .timeout(Duration::from_secs(20))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("refusing"))
        .stderr(predicate::str::contains("--allow-unsafe-srs"));
    // Also when the user asks for the unsafe setup for a ceremony-setup proof.
    let ceremony = write(
        dir.path(),
        "ceremony.json",
        &artifact("file-0123456789abcdef"),
    );
    stakeproof()
        .args(["export-verifier", "--unsafe-srs", "--proof"])
        .arg(&ceremony)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("refusing"));
    assert!(!out.exists());
    // Allowed, the garbage key is found; nothing is written.
    let file = write(dir.path(), "proof8.json", &artifact("unsafe-k8-seed1"));
    stakeproof()
        .args([
            "export-verifier",
            "--allow-unsafe-srs",
            "--unsafe-srs",
            "--proof",
        ])
        .arg(&file)
        .arg("--out")
        .arg(&out)
        .arg("--work-dir")
        .arg(dir.path().join("work"))
        .assert()
        .code(5);
    assert!(!out.exists(), "nothing half-written");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty());
    // Required arguments.
    stakeproof()
        .args(["export-verifier", "--proof"])
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--out"));
}

#[test]
fn calldata_of_submit_report() {
    let dir = tempfile::tempdir().unwrap();
    let v = artifact("unsafe-k20-seed1");
    let file = write(dir.path(), "proof.json", &v);
    let out = stakeproof()
        .args(["calldata", "--timestamp", "1800000000"])
        .arg(&file)
        .assert()
        .success()
        .stderr(predicate::str::contains("UNSAFE"));
    let printed = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let s = statement();
    let report = stakeproof::oracle_report(&s);
    let words = words_of(&v);
    let acc: [_; 12] = std::array::from_fn(|i| words[i]);
    let expected = stakeproof_contracts::calldata::submit_report(
        &report,
        1_800_000_000,
        &acc,
        &vec![0x5a; 1000],
    );
    assert_eq!(printed.trim(), format!("0x{}", hex::encode(&expected)));
    let out = stakeproof()
        .args(["calldata", "--json", "--timestamp", "1800000000"])
        .arg(&file)
        .assert()
        .success();
    let j: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(j["calldata"], printed.trim());
    assert_eq!(j["report"]["total_balance_gwei"], 672_000_000_000u64);
    // A tampered statement has no calldata.
    let mut t = v.clone();
    t["statement"]["slot"] = json!(320_001);
    let bad = write(dir.path(), "bad.json", &t);
    stakeproof()
        .args(["calldata", "--timestamp", "1"])
        .arg(&bad)
        .assert()
        .code(5);
    stakeproof()
        .arg("calldata")
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--timestamp"));
}

/// An address pool given in its 0x02 form (or with bytes in its padding) would match no
/// validator, and the oracle's constructor refuses it: no calldata for such a file, exit 5,
/// with the form it must have. The same bytes as exact credentials are fine.
#[test]
fn an_address_pool_must_be_in_its_0x01_form() {
    let dir = tempfile::tempdir().unwrap();
    for bad in [
        format!("0x02{}{}", "00".repeat(11), &POOL[2..]),
        format!("0x01{}01{}", "00".repeat(10), &POOL[2..]),
    ] {
        let s = FinalStatement {
            pool_credentials: bad.clone(),
            ..statement()
        };
        let file = write(
            dir.path(),
            "second-form.json",
            &artifact_of(s.clone(), "unsafe-k20-seed1"),
        );
        stakeproof()
            .args(["calldata", "--timestamp", "1800000000"])
            .arg(&file)
            .assert()
            .code(5)
            .stderr(predicate::str::contains("0x01 form").and(predicate::str::contains(&bad)));
        let exact = FinalStatement {
            pool_exact: true,
            ..s
        };
        let file = write(
            dir.path(),
            "exact.json",
            &artifact_of(exact, "unsafe-k20-seed1"),
        );
        stakeproof()
            .args(["calldata", "--timestamp", "1800000000"])
            .arg(&file)
            .assert()
            .success();
    }
}

/// [`artifact`] as a proof of the chain design: two anchors after the statement.
fn chain_artifact(setup_id: &str) -> Value {
    let mut v = artifact(setup_id);
    let old = fr_word(&stakeproof_circuits::Fr::from(41u64));
    let new = fr_word(&stakeproof_circuits::Fr::from(42u64));
    let inst = v["instances"].as_array_mut().unwrap();
    inst.push(json!(old));
    inst.push(json!(new));
    v["chain"] = json!({
        "anchor_old": old,
        "anchor_new": new,
        "cold": false,
        "sizes": {"delta_updates": 32, "append_n": 256, "pool_balance_n": 2048,
                  "delta_depth": 4, "append_depth": 16, "sum_depth": 13}
    });
    v
}

#[test]
fn a_chain_proof_file_calls_submit_chain_report_with_its_anchors() {
    let dir = tempfile::tempdir().unwrap();
    let v = chain_artifact("unsafe-k20-seed1");
    let file = write(dir.path(), "chain-proof.json", &v);
    let out = stakeproof()
        .args(["calldata", "--json", "--timestamp", "1800000000"])
        .arg(&file)
        .assert()
        .success();
    let j: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(
        j["function"],
        stakeproof_contracts::calldata::SUBMIT_CHAIN_REPORT_SIGNATURE
    );
    assert_eq!(j["chain"]["anchor_new"], v["chain"]["anchor_new"]);
    let words = words_of(&v);
    let acc: [_; 12] = std::array::from_fn(|i| words[i]);
    let expected = stakeproof_contracts::calldata::submit_chain_report(
        &stakeproof::oracle_report(&statement()),
        1_800_000_000,
        words[24],
        words[25],
        &acc,
        &vec![0x5a; 1000],
    );
    assert_eq!(j["calldata"], format!("0x{}", hex::encode(&expected)));

    // Anchors that are not the public inputs', or a chain file with today's 24 inputs:
    // rejected (5) before any setup is needed, by verify and by calldata.
    let mut t = v.clone();
    t["chain"]["anchor_old"] = json!(fr_word(&stakeproof_circuits::Fr::from(0u64)));
    let edited = write(dir.path(), "edited.json", &t);
    for cmd in [vec!["verify"], vec!["calldata", "--timestamp", "1"]] {
        stakeproof()
            .args(&cmd)
            .arg(&edited)
            .assert()
            .code(5)
            .stderr(predicate::str::contains("anchors do not match"));
    }
    let mut t = v.clone();
    t["instances"].as_array_mut().unwrap().truncate(24);
    let short = write(dir.path(), "short.json", &t);
    stakeproof()
        .arg("verify")
        .arg(&short)
        .assert()
        .code(5)
        .stderr(predicate::str::contains(
            "24 public inputs, the final statement has 26",
        ));
}

fn devnet_state(dir: &Path) -> (PathBuf, Value) {
    let state = dir.join("devnet.ssz");
    let out = stakeproof()
        .args([
            "demo",
            "--json",
            "--no-prove",
            "--validators",
            "48",
            "--write-state",
        ])
        .arg(&state)
        .assert()
        .success();
    let v: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    (state, v["report"].clone())
}

#[test]
fn a_config_file_supplies_settings_that_flags_override() {
    let dir = tempfile::tempdir().unwrap();
    let (state, report) = devnet_state(dir.path());
    let cfg = dir.path().join("stakeproof.toml");
    std::fs::write(
        &cfg,
        format!("withdrawal_address = \"{POOL}\"\nwork_dir = \"w\"\nregistry_size = 8\nbalance_size = 4\n"),
    )
    .unwrap();
    // The pool from the file.
    let out = stakeproof()
        .args(["report", "--json", "--config"])
        .arg(&cfg)
        .arg("--state")
        .arg(&state)
        .assert()
        .success();
    let r: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(r, report);
    // --config after or before the subcommand; a flag overrides the file's pool.
    let other = "0x00000000000000000000000000000000000000ff";
    let out = stakeproof()
        .arg("--config")
        .arg(&cfg)
        .args(["report", "--json", "--withdrawal-address", other, "--state"])
        .arg(&state)
        .assert()
        .success();
    let r: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(r["validator_count"], 0);
    assert!(r["pool"].as_str().unwrap().contains(&other[2..]));
    // The file's sizes reach `setup` (8 does not divide 4), and flags override them.
    stakeproof()
        .args(["setup", "--unsafe-srs", "--config"])
        .arg(&cfg)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "must be a multiple of the registry size",
        ));
    // The file's srs path, relative to the file.
    std::fs::write(dir.path().join("bogus.srs"), b"nope").unwrap();
    std::fs::write(&cfg, "srs = \"bogus.srs\"\n").unwrap();
    stakeproof()
        .args(["setup", "--config"])
        .arg(&cfg)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("SRS file").and(predicate::str::contains("bogus.srs")));
    // The file's beacon node (not there): exit code 3.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    std::fs::write(
        &cfg,
        format!("beacon_url = \"http://127.0.0.1:{port}\"\nwithdrawal_address = \"{POOL}\"\ncache_dir = \"cache\"\n"),
    )
    .unwrap();
    stakeproof()
        .args(["report", "--retries", "0", "--timeout", "2", "--config"])
        .arg(&cfg)
        .assert()
        .code(3)
        .stderr(predicate::str::contains(format!("127.0.0.1:{port}")));
    // ...unless --state is given.
    stakeproof()
        .args(["report", "--config"])
        .arg(&cfg)
        .arg("--state")
        .arg(&state)
        .assert()
        .success();
    // The example file in the repository parses (its pool is the demo's).
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("stakeproof.example.toml");
    let out = stakeproof()
        .args(["report", "--json", "--config"])
        .arg(&example)
        .arg("--state")
        .arg(&state)
        .assert()
        .success();
    let r: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(r, report);
}

#[test]
fn a_bad_config_file_gets_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.toml");
    let run = |text: &str| {
        std::fs::write(&cfg, text).unwrap();
        stakeproof()
            .args(["report", "--state", "x.ssz", "--config"])
            .arg(&cfg)
            .assert()
            .code(1)
    };
    run("registy_size = 4\n")
        .stderr(
            predicate::str::contains("unknown field").and(predicate::str::contains("registy_size")),
        )
        .stderr(predicate::str::contains("c.toml"));
    run("registry_size = \"four\"\n").stderr(predicate::str::contains("registry_size"));
    run("work_dir = \n").stderr(predicate::str::contains("line 1"));
    run("withdrawal_address = \"0x1234\"\n").stderr(predicate::str::contains("withdrawal_address"));
    run(&format!(
        "withdrawal_address = \"{POOL}\"\nwithdrawal_credentials = \"0x{}\"\n",
        "00".repeat(32)
    ))
    .stderr(predicate::str::contains("not both"));
    run("beacon_url = \"localhost:5052\"\n").stderr(predicate::str::contains("http://"));
    // A network config.yaml given to --config.
    let yaml = dir.path().join("config.yaml");
    std::fs::write(&yaml, "PRESET_BASE: mainnet\n").unwrap();
    stakeproof()
        .args([
            "report",
            "--withdrawal-address",
            POOL,
            "--state",
            "x.ssz",
            "--config",
        ])
        .arg(&yaml)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("--network-config"));
    stakeproof()
        .args(["report", "--state", "x.ssz", "--config"])
        .arg(dir.path().join("missing.toml"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("cannot read config file"));
    // Nothing anywhere: the missing setting is named, exit code 2.
    std::fs::write(&cfg, "# empty\n").unwrap();
    stakeproof()
        .args(["report", "--state", "x.ssz", "--config"])
        .arg(&cfg)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--withdrawal-address"));
    stakeproof()
        .args(["report", "--withdrawal-address", POOL, "--config"])
        .arg(&cfg)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--state").and(predicate::str::contains("--beacon-url")));
}

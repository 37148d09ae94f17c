//! The binary under hostile or careless input (issue "Hostile input"): every bad index, size,
//! flag, config and state gets a clear message and a documented exit code (1 bad input, 2 bad
//! command line), never a panic (101) nor an abort, and local mistakes are named before any
//! beacon node is contacted (not exit 3, "the beacon node failed").

use assert_cmd::Command;
use predicates::prelude::*;
use stakeproof::beacon::devnet::{self, DevnetSpec};
use std::path::{Path, PathBuf};

const POOL: &str = "0x57a4e0005a4e0000000000000000000000000001";

fn stakeproof() -> Command {
    Command::cargo_bin("stakeproof").expect("binary built")
}

/// A small devnet state written to `dir` (64 validators, Electra, mainnet preset).
fn devnet_state(dir: &Path) -> PathBuf {
    let spec = DevnetSpec {
        validators: 64,
        ..DevnetSpec::default()
    };
    let (vals, bals) = devnet::validators(&spec);
    write(dir, "state.ssz", &devnet::state_ssz(&spec, &vals, &bals))
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// Runs `stakeproof ARGS… --state STATE`, expecting exit `code` and every one of `needles` in
/// stderr.
fn refuses(args: &[&str], state: &Path, code: i32, needles: &[&str]) {
    let mut cmd = stakeproof();
    cmd.args(args).arg("--state").arg(state);
    let out = cmd.assert().code(code);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    for n in needles {
        assert!(err.contains(n), "{args:?}: stderr lacks {n:?}: {err}");
    }
}

/// Issue item 1: an index at or past the registry limit (2^40 under the mainnet preset) is
/// refused with the index and the limit, for every proof target; the last index is proven.
#[test]
fn proof_indices_past_the_limit_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let state = devnet_state(dir.path());
    let limit = "1099511627776";
    for target in ["--validator", "--balance"] {
        for i in [limit, "1099511627777", "18446744073709551615"] {
            refuses(&["proof", target, i], &state, 1, &[i, limit]);
        }
        stakeproof()
            .args(["proof", "--json", target, "1099511627775", "--state"])
            .arg(&state)
            .assert()
            .success();
    }
    for target in ["--validators-subtree", "--balances-subtree"] {
        refuses(
            &["proof", target, "0:18446744073709551615"],
            &state,
            1,
            &["outside"],
        );
        refuses(&["proof", target, "200:0"], &state, 1, &["exceeds"]);
    }
    // Not a number at all: clap's error, exit 2.
    stakeproof()
        .args(["proof", "--validator", "-1", "--state"])
        .arg(&state)
        .assert()
        .code(2);
}

/// Issue item 2 (command line): leaf sizes are powers of two from 1 (registry) or 4 (balance)
/// to 2^20, refused by the parser (exit 2) with the rule, before anything is allocated; the
/// same rule holds for the config file's values.
#[test]
fn leaf_sizes_out_of_range_fail_fast() {
    let dir = tempfile::tempdir().unwrap();
    let state = devnet_state(dir.path());
    for (flag, n) in [
        ("--registry-size", "1073741824"),
        ("--balance-size", "1073741824"),
        ("--registry-size", "4611686018427387904"),
        ("--balance-size", "1099511627776"),
        ("--balance-size", "20"),
        ("--balance-size", "2"),
        ("--registry-size", "0"),
        ("--registry-size", "2^40"),
        ("--registry-size", "99999999999999999999999"),
    ] {
        let rule = if n.contains('^') || n.len() > 20 {
            "not a whole number"
        } else {
            "a power of two from"
        };
        for cmd in [&["tree"][..], &["prove", "--unsafe-srs"]] {
            let out = stakeproof()
                .args(cmd)
                .args([flag, n, "--withdrawal-address", POOL, "--state"])
                .arg(&state)
                .assert()
                .code(2);
            let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
            assert!(
                err.contains(flag) && err.contains(rule),
                "{cmd:?} {flag} {n}: {err}"
            );
        }
    }
    let cfg = write(
        dir.path(),
        "sp.toml",
        b"registry_size = 1073741824\nbalance_size = 1073741824\n",
    );
    stakeproof()
        .args(["tree", "--withdrawal-address", POOL, "--config"])
        .arg(&cfg)
        .arg("--state")
        .arg(&state)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("registry_size in --config"));
    // Other sizes of `prove` are bounded too.
    for args in [
        ["--node-k", "40"],
        ["--final-k", "4000000000"],
        ["--max-parallel", "0"],
    ] {
        stakeproof()
            .args(["prove", "--withdrawal-address", POOL, "--unsafe-srs"])
            .args(args)
            .arg("--state")
            .arg(&state)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(args[0]));
    }
}

/// Local mistakes are usage errors named before any node is contacted (the URL below would
/// fail with exit 3 if it were tried: nothing listens on port 9).
#[test]
fn local_mistakes_are_not_beacon_node_failures() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "a-file", b"x");
    let base = ["report", "--withdrawal-address", POOL, "--retries", "0"];
    let node = "http://127.0.0.1:9";
    stakeproof()
        .args(base)
        .args(["--timeout", "0", "--beacon-url", node])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--timeout"));
    stakeproof()
        .args(base)
        .args(["--beacon-url", node, "--cache-dir"])
        .arg(&file)
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("--cache-dir")
                .and(predicate::str::contains("is not a directory")),
        );
    for (url, why) in [
        ("localhost:5052", "not an http:// or https:// URL"),
        ("ftp://localhost:5052", "not an http:// or https:// URL"),
        ("http://", "no host"),
        ("http://:5052", "no host"),
        ("http://local host:5052", "whitespace"),
        ("http://localhost:99999", "port"),
        ("http://localhost:0", "port"),
        ("http://localhost:x", "port"),
        ("http://[::1:5052", "IPv6"),
        ("http://exa$mple.org", "not a host name"),
    ] {
        stakeproof()
            .args(base)
            .args(["--beacon-url", url])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("--beacon-url").and(predicate::str::contains(why)));
    }
    // A directory where a file is expected is named as such.
    let d = dir.path();
    stakeproof()
        .args(["report", "--withdrawal-address", POOL, "--state"])
        .arg(d)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is a directory"));
    stakeproof()
        .arg("calldata")
        .arg(d)
        .args(["--timestamp", "1"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("is a directory"));
    stakeproof()
        .arg("verify")
        .arg(d)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("is a directory"));
    stakeproof()
        .args(["export-verifier", "--unsafe-srs", "--out"])
        .arg(d.join("out"))
        .arg("--proof")
        .arg(d)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("is a directory"));
    stakeproof()
        .args(["submit", "--timestamp", "1", "--rpc-url", node])
        .args(["--oracle", "0x0000000000000000000000000000000000000001"])
        .arg("--key-file")
        .arg(&file)
        .arg("--proof")
        .arg(d)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("is a directory"));
}

/// A network config.yaml with `lines` over the mainnet preset.
fn config_yaml(dir: &Path, lines: &str) -> PathBuf {
    write(
        dir,
        "config.yaml",
        format!("PRESET_BASE: mainnet\n{lines}\n").as_bytes(),
    )
}

/// Runs `report`, `proof` and `tree` on `state` with `extra` flags, each expected to fail
/// with exit 1 naming `needle` (never 101).
fn all_refuse(state: &Path, extra: &[&str], needle: &str) {
    for cmd in [
        &["report", "--withdrawal-address", POOL][..],
        &["proof", "--validator", "0"],
        &["tree", "--withdrawal-address", POOL],
    ] {
        let mut c = stakeproof();
        c.args(cmd).args(extra).arg("--state").arg(state);
        let out = c.assert().code(1);
        let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(err.contains(needle), "{cmd:?} {extra:?}: {err}");
    }
}

/// Issue items 4 and 5: a registry limit the circuits cannot take, and one whose layout
/// overflows.
#[test]
fn registry_limits_that_do_not_fit_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let state = devnet_state(dir.path());
    let cfg = config_yaml(dir.path(), "VALIDATOR_REGISTRY_LIMIT: 9223372036854775808");
    let cfg = cfg.to_str().unwrap();
    all_refuse(
        &state,
        &["--network-config", cfg],
        "VALIDATOR_REGISTRY_LIMIT",
    );
    // 2^20: a valid network for the native report, but not for the proof tree's circuits.
    let cfg = config_yaml(dir.path(), "VALIDATOR_REGISTRY_LIMIT: 1048576");
    let out = stakeproof()
        .args(["tree", "--withdrawal-address", POOL, "--network-config"])
        .arg(&cfg)
        .arg("--state")
        .arg(&state)
        .assert()
        .code(1);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(err.contains("VALIDATOR_REGISTRY_LIMIT"), "{err}");
}

/// Issue item 6 and the `SLOTS_PER_EPOCH: 12` risk: preset values that wrap or break the
/// layout are refused where the config is read.
#[test]
fn preset_values_that_wrap_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let state = devnet_state(dir.path());
    let cfg = config_yaml(dir.path(), "MIN_SEED_LOOKAHEAD: 18446744073709551615");
    all_refuse(
        &state,
        &["--network-config", cfg.to_str().unwrap()],
        "MIN_SEED_LOOKAHEAD",
    );
    let cfg = config_yaml(dir.path(), "SLOTS_PER_EPOCH: 12");
    let out = stakeproof()
        .args(["tree", "--withdrawal-address", POOL, "--network-config"])
        .arg(&cfg)
        .arg("--state")
        .arg(&state)
        .assert()
        .code(1);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(err.contains("SLOTS_PER_EPOCH"), "{err}");
}

/// Issue items 3 and 7: a state whose balances list is shorter than its validators list, and
/// one whose slot differs from its latest block header's, are refused where it is decoded.
#[test]
fn inconsistent_states_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let spec = DevnetSpec {
        validators: 64,
        ..DevnetSpec::default()
    };
    let (vals, bals) = devnet::validators(&spec);
    let short = write(
        dir.path(),
        "short.ssz",
        &devnet::state_ssz(&spec, &vals, &bals[..63]),
    );
    all_refuse(&short, &[], "balances");
    // `slot` is the third field (after genesis_time and genesis_validators_root): bytes 40..48.
    let mut bytes = devnet::state_ssz(&spec, &vals, &bals);
    bytes[40..48].copy_from_slice(&(spec.slot + 1).to_le_bytes());
    let moved = write(dir.path(), "moved.ssz", &bytes);
    all_refuse(&moved, &[], "slot");
}

#[test]
fn demo_validator_counts_out_of_range_fail_fast() {
    for n in ["0", "4194305", "18446744073709551616", "x"] {
        Command::cargo_bin("stakeproof")
            .unwrap()
            .args(["demo", "--no-prove", "--validators", n])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("--validators"));
    }
}

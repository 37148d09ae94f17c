//! `stakeproof setup` and `stakeproof prove` as a user runs them: leaf proofs from a state
//! file, a second run that reuses everything, bad arguments. Runs killed midway and resumed
//! are `kill_resume.rs`'s.

use predicates::prelude::*;
use serde_json::Value;

mod common;
use common::{devnet_state, stakeproof, POOL};

/// `prove --leaves-only` (the aggregation above the leaves is covered by tests/end_to_end.rs, ignored, and its committed final proof).
fn prove_json(state: &std::path::Path, work: &std::path::Path) -> Value {
    let out = stakeproof()
        .args([
            "prove",
            "--leaves-only",
            "--json",
            "--unsafe-srs",
            "--withdrawal-address",
            POOL,
            "--state",
        ])
        .arg(state)
        .arg("--work-dir")
        .arg(work)
        .assert()
        .success()
        .stderr(predicate::str::contains("UNSAFE"));
    serde_json::from_slice(&out.get_output().stdout).unwrap()
}

#[test]
fn prove_leaves_then_reuse_them() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    let (state, report) = devnet_state(dir.path(), 24);

    let setup = stakeproof()
        .args(["setup", "--json", "--unsafe-srs", "--work-dir"])
        .arg(&work)
        .assert()
        .success();
    let s: Value = serde_json::from_slice(&setup.get_output().stdout).unwrap();
    assert_eq!(s["unsafe_srs"], true);
    assert_eq!(s["circuits"][0]["circuit"], "registry-4");

    let first = prove_json(&state, &work);
    for k in [
        "validator_count",
        "total_balance_gwei",
        "active_count",
        "exited_count",
        "slashed_count",
    ] {
        assert_eq!(
            first["totals"][k], report[k],
            "{k} proven equals the native report"
        );
    }
    assert_eq!(first["block_root"], report["block_root"]);
    // 24 validators: 2 balance ranges of 16, each over 4 registry ranges of 4 (the last two
    // wholly beyond L, proven as empty ranges so that every segment has its full run).
    assert_eq!(first["registry"].as_array().unwrap().len(), 8);
    assert_eq!(first["balance"].as_array().unwrap().len(), 2);
    assert_eq!(first["proofs_generated"], 8 + 2);
    assert_eq!(first["aggregated"], false);
    let again = prove_json(&state, &work);
    assert_eq!(again["proofs_generated"], 0);
    assert_eq!(again["proofs_reused"], 8 + 2);
    assert!(work
        .join(format!("summary-slot-{}.json", report["slot"]))
        .is_file());
}

#[test]
fn prove_refuses_bad_arguments() {
    // No setup source: the user must choose a ceremony file or say the setup may be unsafe.
    stakeproof()
        .args(["prove", "--withdrawal-address", POOL, "--state", "x.ssz"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--srs").and(predicate::str::contains("--unsafe-srs")));
    // --leaves-only has no aggregation nodes to size.
    stakeproof()
        .args([
            "prove",
            "--leaves-only",
            "--node-k",
            "20",
            "--unsafe-srs",
            "--withdrawal-address",
            POOL,
            "--state",
            "x.ssz",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--node-k"));
    // Sizes that do not nest.
    stakeproof()
        .args([
            "setup",
            "--unsafe-srs",
            "--registry-size",
            "8",
            "--balance-size",
            "4",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("multiple of the registry size"));
    // A setup file that is not one.
    let dir = tempfile::tempdir().unwrap();
    let bogus = dir.path().join("bogus.srs");
    std::fs::write(&bogus, b"not a setup").unwrap();
    stakeproof()
        .args(["setup", "--srs"])
        .arg(&bogus)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("SRS file"));
}

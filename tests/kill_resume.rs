//! Faults during proving: a leaf-stage run killed (SIGKILL) at seeded random points (3 by
//! default, `STAKEPROOF_KILLS=20` for the long run), each time started again, always resumes
//! to the proofs a run that was never killed makes, and never leaves a file that looks like a
//! finished artifact but is not one.
//!
//! The kill points mix wall-clock delays (during setup, keygen or a proof) with kills a few
//! milliseconds after a new proof file appears (during the next write). "The proofs a run never
//! killed makes" are the leaves `stakeproof plan` lists for the same state and settings (no
//! proving: a reference run cost as much as the killed ones), with the native report's totals
//! and the block root; every proof the resumed run reuses it re-verified first, and each leaf's
//! content address (the hash of its statement) names a whole artifact in the store.

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

mod common;
use common::{devnet_state, POOL};
/// Kills per run: 3 in the default test run (each restart re-reads the setup and keys: about
/// 30 s a kill on 2 cores); `STAKEPROOF_KILLS=20` for the long run.
fn kill_count() -> usize {
    std::env::var("STAKEPROOF_KILLS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3)
}

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("stakeproof")
}

fn prove_args(state: &Path, work: &Path) -> Vec<std::ffi::OsString> {
    let mut v: Vec<std::ffi::OsString> = [
        "prove",
        "--leaves-only",
        "--unsafe-srs",
        "--max-parallel",
        "1",
        "--withdrawal-address",
        POOL,
        "--state",
    ]
    .iter()
    .map(Into::into)
    .collect();
    v.push(state.into());
    v.push("--work-dir".into());
    v.push(work.into());
    v
}

/// The leaf proofs of a finished run: (side, start, content address), in plan order.
fn leaves_of(summary: &Value) -> Vec<(String, u64, String)> {
    ["registry", "balance"]
        .iter()
        .flat_map(|side| {
            summary[side]
                .as_array()
                .expect("leaf list")
                .iter()
                .map(move |l| {
                    (
                        side.to_string(),
                        l["start"].as_u64().unwrap(),
                        l["key"].as_str().unwrap().to_string(),
                    )
                })
        })
        .collect()
}

/// The leaves of `stakeproof plan` for the same settings: (side, start), in plan order.
fn planned_leaves(plan: &Value) -> Vec<(String, u64)> {
    plan["jobs"]
        .as_array()
        .expect("job list")
        .iter()
        .map(|j| {
            let side = match j["kind"].as_str().unwrap() {
                "registry_leaf" => "registry",
                "balance_leaf" => "balance",
                other => panic!("a leaves-only plan has no {other} job"),
            };
            (side.to_string(), j["start"].as_u64().unwrap())
        })
        .collect()
}

fn plan(state: &Path, work: &Path) -> Value {
    let mut args = prove_args(state, work);
    args[0] = "plan".into();
    let out = Command::new(bin())
        .args(args)
        .arg("--json")
        .assert()
        .success();
    serde_json::from_slice(&out.get_output().stdout).expect("JSON plan")
}

fn finish(state: &Path, work: &Path) -> Value {
    let out = Command::new(bin())
        .args(prove_args(state, work))
        .arg("--json")
        .assert()
        .success();
    serde_json::from_slice(&out.get_output().stdout).expect("JSON summary")
}

/// Every file in the proof store that carries an artifact's name holds a whole artifact.
fn assert_no_partial_artifact(proofs: &Path) {
    let Ok(dir) = std::fs::read_dir(proofs) else {
        return;
    };
    for e in dir {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "json") {
            serde_json::from_slice::<Value>(&std::fs::read(&p).unwrap())
                .unwrap_or_else(|e| panic!("{} is a partial artifact: {e}", p.display()));
        }
    }
}

fn proof_files(proofs: &Path) -> usize {
    std::fs::read_dir(proofs)
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
                .count()
        })
        .unwrap_or(0)
}

/// xorshift64*: a seeded source of kill points without another dependency.
struct Points(u64);

impl Points {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

#[test]
fn killed_runs_resume_to_the_same_proofs() {
    let dir = tempfile::tempdir().unwrap();
    let (state, _) = devnet_state(dir.path(), 24);

    let work = dir.path().join("killed");
    // The reference: the leaves a run that nobody kills proves.
    let reference = plan(&state, &work);
    let expected = planned_leaves(&reference);
    assert!(
        expected.len() >= 10,
        "a leaf stage of {} proofs",
        expected.len()
    );

    let proofs = work.join("proofs");
    let mut points = Points(0x5741_4b45_0000_0014);
    let (mut kills, mut during_writes, mut finished_early) = (0, 0, 0);
    let t0 = Instant::now();
    let wanted = kill_count();
    while kills < wanted {
        let mut child = std::process::Command::new(bin())
            .args(prove_args(&state, &work))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let r = points.next();
        let start = Instant::now();
        if r % 2 == 0 {
            // A wall-clock point: setup, keygen or the middle of a proof.
            let delay = Duration::from_millis(300 + r % 6_000);
            while start.elapsed() < delay && child.try_wait().unwrap().is_none() {
                std::thread::sleep(Duration::from_millis(20));
            }
        } else {
            // Just after the next proof lands: the following proof or its write.
            let before = proof_files(&proofs);
            while proof_files(&proofs) == before
                && child.try_wait().unwrap().is_none()
                && start.elapsed() < Duration::from_secs(120)
            {
                std::thread::sleep(Duration::from_millis(5));
            }
            std::thread::sleep(Duration::from_millis(r % 200));
            during_writes += 1;
        }
        if child.try_wait().unwrap().is_some() {
            // The run finished before the kill point: start over from an empty store so the
            // remaining kills still land mid-run.
            finished_early += 1;
            std::fs::remove_dir_all(&work).unwrap();
            continue;
        }
        child.kill().unwrap();
        child.wait().unwrap();
        kills += 1;
        assert_no_partial_artifact(&proofs);
    }
    let done_before = proof_files(&proofs) as u64;
    let resumed = finish(&state, &work);
    assert_no_partial_artifact(&proofs);
    assert!(
        resumed["proofs_reused"].as_u64().unwrap() >= done_before,
        "every proof finished before the last kill is reused, none redone"
    );
    let got = leaves_of(&resumed);
    assert_eq!(
        got.iter()
            .map(|(side, start, _)| (side.clone(), *start))
            .collect::<Vec<_>>(),
        expected,
        "the resumed run proves the leaves a run never killed proves"
    );
    let keys: std::collections::BTreeSet<_> = got.iter().map(|(_, _, key)| key).collect();
    assert_eq!(keys.len(), got.len(), "one statement per leaf");
    for key in keys {
        let file = proofs.join(format!("{key}.json"));
        serde_json::from_slice::<Value>(&std::fs::read(&file).unwrap())
            .unwrap_or_else(|e| panic!("{} is not a whole artifact: {e}", file.display()));
    }
    assert_eq!(resumed["totals"], reference["totals"]);
    assert_eq!(resumed["block_root"], reference["block_root"]);
    eprintln!(
        "{{\"kills\": {kills}, \"kills_after_a_write\": {during_writes}, \"runs_finished_before_their_kill\": {finished_early}, \"leaves\": {}, \"reused_by_the_last_run\": {}, \"seconds\": {:.0}}}",
        expected.len(),
        resumed["proofs_reused"],
        t0.elapsed().as_secs_f64()
    );
}

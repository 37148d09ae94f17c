//! `stakeproof plan` and `stakeproof job` as a scheduler uses them: the plan's jobs and
//! resources, one leaf job run and run again (idempotent), and the specs and child results a
//! job refuses: another plan, a malformed file, a tampered or foreign child (exit code 5,
//! before any node key is made).

use serde_json::{json, Value};
use std::path::{Path, PathBuf};

mod common;
use common::{devnet_state, stakeproof, POOL};

fn plan(state: &Path, extra: &[&str]) -> Value {
    let out = stakeproof()
        .args([
            "plan",
            "--json",
            "--unsafe-srs",
            "--withdrawal-address",
            POOL,
        ])
        .arg("--state")
        .arg(state)
        .args(extra)
        .assert()
        .success();
    serde_json::from_slice(&out.get_output().stdout).unwrap()
}

/// A spec for `job` of `plan`, written to `dir/{job}.spec.json`.
fn spec(dir: &Path, plan: &Value, job: &str, work: &Path, children: &[PathBuf]) -> PathBuf {
    let s = json!({
        "version": 1,
        "setup": plan["setup"],
        "plan_id": plan["plan_id"],
        "job": job,
        "work_dir": work,
        "children": children,
        "output": dir.join(format!("{job}.result.json")),
    });
    let path = dir.join(format!("{job}.spec.json"));
    std::fs::write(&path, serde_json::to_vec_pretty(&s).unwrap()).unwrap();
    path
}

fn run_job(spec: &Path) -> Value {
    let out = stakeproof()
        .args(["job", "--json", "--spec"])
        .arg(spec)
        .assert()
        .success();
    serde_json::from_slice(&out.get_output().stdout).unwrap()
}

/// Runs `job` of `plan` with `child` (a result, written to `dir/bad.json`) as its only child:
/// it must be refused with exit code 5; its message.
fn refused_child(dir: &Path, plan: &Value, job: &str, work: &Path, child: &Value) -> String {
    let path = dir.join("bad.json");
    std::fs::write(&path, serde_json::to_vec(child).unwrap()).unwrap();
    job_fails(&spec(dir, plan, job, work, &[path]), 5)
}

/// Whether `work` holds a key file whose name contains `part`.
fn has_key(work: &Path, part: &str) -> bool {
    work.join("keys")
        .read_dir()
        .unwrap()
        .any(|e| e.unwrap().file_name().to_string_lossy().contains(part))
}

fn job_fails(spec: &Path, code: i32) -> String {
    let out = stakeproof()
        .args(["job", "--spec"])
        .arg(spec)
        .assert()
        .code(code);
    String::from_utf8_lossy(&out.get_output().stderr).into_owned()
}

#[test]
fn a_plan_lists_every_job_with_its_children_and_resources() {
    let dir = tempfile::tempdir().unwrap();
    let (state, report) = devnet_state(dir.path(), 24);
    let p = plan(&state, &[]);
    // 24 validators at 4/16: 2 segments of 4 registry ranges, 2 balance ranges, and
    // 2·(2·4 + 1) + 1 nodes.
    let jobs = p["jobs"].as_array().unwrap();
    assert_eq!(jobs.len(), 8 + 2 + 19);
    assert_eq!(p["jobs_total"], 29);
    assert_eq!(p["depth"], 6);
    assert_eq!(p["width"], json!([10, 10, 4, 2, 2, 1]));
    for f in ["validator_count", "total_balance_gwei", "active_count"] {
        assert_eq!(p["totals"][f], report[f], "{f}");
    }
    let last = jobs.last().unwrap();
    assert_eq!(
        (
            last["id"].as_str(),
            last["statement"].as_str(),
            last["k"].as_u64()
        ),
        (Some("node-18"), Some("final"), Some(22))
    );
    assert_eq!(last["memory_bytes"], 20u64 << 30);
    assert!(jobs.iter().all(|j| j["gpus"] == 0));
    assert_eq!(p["setup"]["node_k"], 20);
    assert_eq!(p["setup"]["srs"], Value::Null);
    // The id digests what the proofs depend on, not where files are.
    assert_eq!(plan(&state, &[])["plan_id"], p["plan_id"]);
    let copy = dir.path().join("copy.ssz");
    std::fs::copy(&state, &copy).unwrap();
    assert_eq!(plan(&copy, &[])["plan_id"], p["plan_id"]);
    let leaves = plan(&state, &["--leaves-only"]);
    assert_ne!(leaves["plan_id"], p["plan_id"]);
    assert_eq!(
        (leaves["jobs_total"].as_u64(), leaves["depth"].as_u64()),
        (Some(10), Some(1))
    );
    assert_eq!(leaves["setup"]["node_k"], Value::Null);
    let cuda = plan(&state, &["--leaves-only", "--backend", "cuda"]);
    assert!(cuda["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .all(|j| j["gpus"] == 1));
}

#[test]
fn a_plan_of_a_beacon_node_state_needs_a_file_for_its_jobs() {
    let out = stakeproof()
        .args(["plan", "--unsafe-srs", "--withdrawal-address", POOL])
        .args(["--beacon-url", "http://127.0.0.1:1"])
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr);
    assert!(err.contains("--save-state FILE"), "{err}");
}

#[test]
fn a_leaf_job_proves_once_then_is_reused_and_a_node_job_checks_its_children_first() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (state, _) = devnet_state(d, 24);
    let work = d.join("work");
    // Small node k: every node job below is refused before any node key is made.
    let p = plan(&state, &["--node-k", "14", "--final-k", "14"]);
    let leaf = spec(d, &p, "registry-0", &work, &[]);
    let first = run_job(&leaf);
    assert_eq!(
        (first["reused"].as_bool(), first["final"].as_bool()),
        (Some(false), Some(false))
    );
    let again = run_job(&leaf);
    assert_eq!(again["reused"], true);
    assert_eq!(again["key"], first["key"]);
    let result_path = d.join("registry-0.result.json");
    let result: Value = serde_json::from_slice(&std::fs::read(&result_path).unwrap()).unwrap();
    assert_eq!(result["job"], "registry-0");
    assert_eq!(result["plan_id"], p["plan_id"]);
    assert_eq!(result["key"], first["key"]);
    assert_eq!(result["artifact"]["circuit"], "registry-4");
    // Stored under the single-machine prover's key, in its store.
    assert!(work
        .join("proofs")
        .join(format!("{}.json", first["key"].as_str().unwrap()))
        .is_file());
    let stray: Vec<_> = std::fs::read_dir(d)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.contains(".tmp-"))
        .collect();
    assert!(stray.is_empty(), "{stray:?}");

    // node-0 wraps registry-0. A child whose proof was tampered with: exit 5.
    let mut bad = result.clone();
    let proof = bad["artifact"]["proof"].as_str().unwrap().to_string();
    let flipped = if proof.ends_with('0') { "1" } else { "0" };
    bad["artifact"]["proof"] = json!(format!("{}{flipped}", &proof[..proof.len() - 1]));
    let err = refused_child(d, &p, "node-0", &work, &bad);
    assert!(
        err.contains(
            "job node-0: the result of its child registry-0 has a proof that does not verify"
        ),
        "{err}"
    );
    // Public inputs that are not the state's: exit 5.
    let mut other = result.clone();
    other["artifact"]["instances"][0] = json!("01".repeat(32));
    let err = refused_child(d, &p, "node-0", &work, &other);
    assert!(
        err.contains("states other public inputs than the state's range"),
        "{err}"
    );
    // A child of another plan: exit 5.
    let mut foreign = result.clone();
    foreign["plan_id"] = json!("00".repeat(32));
    let err = refused_child(d, &p, "node-0", &work, &foreign);
    assert!(err.contains("is of another plan"), "{err}");
    // No child at all.
    let err = job_fails(&spec(d, &p, "node-0", &work, &[]), 5);
    assert!(err.contains("child registry-0 was not given"), "{err}");
    assert!(!has_key(&work, "reg4x1"), "no node key was made");
}

#[test]
fn a_spec_of_another_plan_or_a_malformed_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (state, _) = devnet_state(d, 24);
    let p = plan(&state, &["--leaves-only"]);
    let work = d.join("work");
    // Other sizes than planned: another plan.
    let mut q = p.clone();
    q["setup"]["registry_size"] = json!(8);
    let err = job_fails(&spec(d, &q, "registry-0", &work, &[]), 1);
    assert!(
        err.contains("the state and settings it names make plan"),
        "{err}"
    );
    // A job the plan does not have.
    let err = job_fails(&spec(d, &p, "node-0", &work, &[]), 1);
    assert!(err.contains("has no job \"node-0\""), "{err}");
    // Not JSON, an unknown field, a missing child file.
    let path = d.join("x.spec.json");
    std::fs::write(&path, b"{").unwrap();
    let err = job_fails(&path, 1);
    assert!(err.contains("x.spec.json is malformed"), "{err}");
    let s = spec(d, &p, "registry-0", &work, &[d.join("missing.json")]);
    let err = job_fails(&s, 1);
    assert!(err.contains("cannot read child result"), "{err}");
    let mut v: Value = serde_json::from_slice(&std::fs::read(&s).unwrap()).unwrap();
    v["extra"] = json!(1);
    std::fs::write(&s, serde_json::to_vec(&v).unwrap()).unwrap();
    let err = job_fails(&s, 1);
    assert!(err.contains("unknown field `extra`"), "{err}");
    assert!(!work.join("proofs").exists(), "nothing was proven");
}

/// A devnet state of 24 validators whose queue holds 3 deposits, written to `dir`, with the
/// pool's native pending totals.
fn state_with_queue(dir: &Path) -> (PathBuf, stakeproof::beacon::report::PendingDeposits) {
    use stakeproof::beacon::devnet::{build, DevnetSpec};
    let spec = DevnetSpec {
        validators: 24,
        pool_permille: 600,
        seed: 4,
        pending_deposits: 3,
        ..Default::default()
    };
    assert_eq!(hex::encode(spec.pool), POOL[2..], "the tests' pool");
    let st = build(&spec).unwrap();
    let path = dir.join("queue.ssz");
    std::fs::write(&path, st.as_ssz()).unwrap();
    let pool = stakeproof::beacon::report::Pool::Address(spec.pool);
    (
        path,
        stakeproof::beacon::report::pending_deposits(&st, &pool),
    )
}

#[test]
fn a_plan_with_the_queue_runs_its_pending_jobs_and_checks_their_children() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (state, native) = state_with_queue(d);
    assert!(
        native.pending_deposit_count > 0,
        "the queue holds pool deposits"
    );
    let pending = ["--pending-size", "2", "--pending-depth", "2"];
    let small = ["--node-k", "14", "--final-k", "14"];
    let p = plan(&state, &[&pending[..], &small[..]].concat());
    let jobs = p["jobs"].as_array().unwrap();
    let of = |kind: &str| {
        jobs.iter()
            .filter(|j| j["kind"] == kind)
            .map(|j| j["id"].as_str().unwrap())
            .collect::<Vec<_>>()
    };
    // 3 entries in leaves of 2: two leaves; a tree of 2 levels over them pads its second level
    // with a neutral run (the padding leaf, its neutral wrap and their join).
    assert_eq!(of("pending_leaf"), ["pending-0", "pending-1"]);
    assert_eq!(of("pending_padding"), ["pending-padding"]);
    assert_eq!(of("pending_node").len(), 2 + 1 + 1 + 2);
    let neutral: Vec<_> = jobs.iter().filter(|j| j["neutral"] == true).collect();
    assert_eq!(neutral.len(), 1);
    assert_eq!(neutral[0]["children"], json!(["pending-padding"]));
    // The final node takes the registry's summary and the queue's run, and the plan carries
    // the totals the final proof will state.
    let last = jobs.last().unwrap();
    assert_eq!(last["statement"], "finalpend");
    let run = jobs
        .iter()
        .find(|j| j["id"] == last["children"][1])
        .unwrap();
    assert_eq!(
        (run["kind"].as_str(), run["level"].as_u64()),
        (Some("pending_node"), Some(3))
    );
    assert_eq!(
        p["pending"]["pending_deposit_count"],
        native.pending_deposit_count
    );
    assert_eq!(
        p["pending"]["pending_deposit_gwei"],
        native.pending_deposit_gwei.to_string()
    );
    assert_eq!(p["setup"]["pending"], json!({"size": 2, "depth": 2}));
    // The queue is part of the plan's identity.
    assert_ne!(plan(&state, &small)["plan_id"], p["plan_id"]);

    // A pending leaf job: proven, then reused; the padding leaf is of the same circuit.
    let work = d.join("work");
    let leaf = spec(d, &p, "pending-1", &work, &[]);
    let first = run_job(&leaf);
    assert_eq!(first["reused"], false);
    assert_eq!(run_job(&leaf)["reused"], true);
    let result_path = d.join("pending-1.result.json");
    let result: Value = serde_json::from_slice(&std::fs::read(&result_path).unwrap()).unwrap();
    let circuit = result["artifact"]["circuit"].as_str().unwrap().to_string();
    assert!(circuit.starts_with("pending-2-"), "{circuit}");
    let padding = run_job(&spec(d, &p, "pending-padding", &work, &[]));
    assert_eq!(padding["circuit"], circuit.as_str());
    assert_ne!(padding["key"], first["key"]);

    // The wrap of pending-1 refuses a child that states other entries: exit 5, before any
    // node key is made.
    let wrap = jobs
        .iter()
        .find(|j| j["children"] == json!(["pending-1"]))
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut other = result.clone();
    other["artifact"]["instances"][3] = json!("02".repeat(32));
    let err = refused_child(d, &p, &wrap, &work, &other);
    assert!(
        err.contains(&format!("job {wrap}: the result of its child pending-1"))
            && err.contains("states other public inputs than the state's range"),
        "{err}"
    );
    // The result of pending-0's job named as pending-1's: refused too.
    let mut swapped = result.clone();
    swapped["job"] = json!("pending-0");
    let err = refused_child(d, &p, &wrap, &work, &swapped);
    assert!(err.contains("child pending-1 was not given"), "{err}");
    assert!(!has_key(&work, "agg-"), "no node key was made");

    // `prove --leaves-only` proves the queue's leaves too, under the keys the jobs stored
    // them: pending-1 is reused, and the proven sums are the native ones.
    let out = stakeproof()
        .args(["prove", "--leaves-only", "--json", "--unsafe-srs"])
        .args(["--withdrawal-address", POOL])
        .args(&pending[..2])
        .arg("--work-dir")
        .arg(&work)
        .arg("--state")
        .arg(&state)
        .assert()
        .success();
    let v: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let pl = &v["pending_leaves"];
    let reused: Vec<_> = pl["leaves"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["reused"].as_bool().unwrap())
        .collect();
    assert_eq!(reused, [false, true]);
    assert_eq!(pl["leaves"][1]["key"], first["key"]);
    assert_eq!(pl["pending_deposit_count"], native.pending_deposit_count);
    assert_eq!(
        pl["pending_deposit_gwei"].to_string(),
        native.pending_deposit_gwei.to_string()
    );

    // Without --pending-size the queue's deposits are not proven, and the summary says so.
    let out = stakeproof()
        .args(["prove", "--leaves-only", "--json", "--unsafe-srs"])
        .args(["--withdrawal-address", POOL, "--work-dir"])
        .arg(&work)
        .arg("--state")
        .arg(&state)
        .assert()
        .success();
    let v: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v["pending_leaves"], Value::Null);
    assert_eq!(
        v["pending_unproven"],
        json!({
            "pending_deposit_count": native.pending_deposit_count,
            "pending_deposit_gwei": native.pending_deposit_gwei.to_string(),
        })
    );

    // A queue beyond the run tree: refused when planning.
    let out = stakeproof()
        .args(["plan", "--unsafe-srs", "--withdrawal-address", POOL])
        .args(["--pending-size", "1", "--pending-depth", "1", "--state"])
        .arg(&state)
        .assert()
        .code(1);
    let err = String::from_utf8_lossy(&out.get_output().stderr);
    assert!(
        err.contains("the pending-deposit queue holds 3 entries"),
        "{err}"
    );
    // And before any leaf is proven, in `prove --leaves-only` too.
    let fresh = d.join("fresh");
    let out = stakeproof()
        .args([
            "prove",
            "--leaves-only",
            "--unsafe-srs",
            "--withdrawal-address",
            POOL,
        ])
        .args(["--pending-size", "1", "--pending-depth", "1", "--work-dir"])
        .arg(&fresh)
        .arg("--state")
        .arg(&state)
        .assert()
        .code(1);
    let err = String::from_utf8_lossy(&out.get_output().stderr);
    assert!(
        err.contains("the pending-deposit queue holds 3 entries"),
        "{err}"
    );
    assert!(!fresh.join("proofs").exists(), "no leaf was proven");
}

#[test]
fn a_credential_set_pool_travels_with_its_jobs_as_a_file_checked_against_its_root() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (state, _) = devnet_state(d, 24);
    let set = d.join("pool.toml");
    std::fs::write(
        &set,
        format!("addresses = [\"{POOL}\", \"0x9999999999999999999999999999999999999999\"]\n"),
    )
    .unwrap();
    let out = stakeproof()
        .args([
            "plan",
            "--json",
            "--unsafe-srs",
            "--leaves-only",
            "--pool-file",
        ])
        .arg(&set)
        .arg("--state")
        .arg(&state)
        .assert()
        .success();
    let p: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let root = stakeproof()
        .args(["pool-root", "--json", "--pool-file"])
        .arg(&set)
        .assert()
        .success();
    let root: Value = serde_json::from_slice(&root.get_output().stdout).unwrap();
    assert_eq!(
        p["setup"]["pool"],
        format!("set:{}", root["root"].as_str().unwrap())
    );
    assert_eq!(
        p["setup"]["pool_file"],
        json!(std::path::absolute(&set).unwrap())
    );
    // A leaf job proves the set's circuit.
    let work = d.join("work");
    let first = run_job(&spec(d, &p, "registry-0", &work, &[]));
    assert!(
        first["circuit"].as_str().unwrap().contains("-set"),
        "{}",
        first["circuit"]
    );
    // Another set under the plan's name, or no file at all: refused before any proving.
    let other = d.join("other.toml");
    std::fs::write(&other, format!("addresses = [\"{POOL}\"]\n")).unwrap();
    let mut q = p.clone();
    q["setup"]["pool_file"] = json!(other);
    let err = job_fails(&spec(d, &q, "registry-1", &work, &[]), 1);
    assert!(err.contains("not the plan's set:"), "{err}");
    q["setup"]
        .as_object_mut()
        .unwrap()
        .remove("pool_file")
        .unwrap();
    let err = job_fails(&spec(d, &q, "registry-1", &work, &[]), 1);
    assert!(err.contains("names no pool_file"), "{err}");
    let proofs = std::fs::read_dir(work.join("proofs")).unwrap().count();
    assert_eq!(proofs, 1, "only registry-0 was proven");
}

/// An instance's value (the artifact's little-endian hex), when it fits 128 bits.
fn small(v: &Value) -> u128 {
    let b = hex::decode(v.as_str().unwrap().trim_start_matches("0x")).unwrap();
    assert!(b[16..].iter().all(|&x| x == 0), "fits 128 bits");
    u128::from_le_bytes(b[..16].try_into().unwrap())
}

/// The queue's run tree proven for real through `stakeproof job`, as a Ray worker runs it: a
/// queue of 3 in one leaf of 4 under a tree of one level, so the leaf's wrap joins the neutral
/// wrap of the padding leaf. The join's run covers the queue with the native count and sum.
/// Three node proofs at k = 20: about 25 minutes and 15 GB on 2 vCPU.
#[test]
#[ignore = "three aggregation proofs at k = 20 (~25 min, ~15 GB)"]
fn a_queue_run_tree_is_proven_for_real_through_jobs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (state, native) = state_with_queue(d);
    let p = plan(&state, &["--pending-size", "4", "--pending-depth", "1"]);
    let work = d.join("work");
    let mut results: std::collections::HashMap<String, PathBuf> = std::collections::HashMap::new();
    for id in [
        "pending-0",
        "pending-padding",
        "pending-node-0",
        "pending-node-1",
        "pending-node-2",
    ] {
        let job = p["jobs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|j| j["id"] == id)
            .unwrap();
        let children: Vec<PathBuf> = job["children"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| results[c.as_str().unwrap()].clone())
            .collect();
        let t = std::time::Instant::now();
        let out = run_job(&spec(d, &p, id, &work, &children));
        eprintln!(
            "{id}: {} in {:.0} s",
            out["circuit"],
            t.elapsed().as_secs_f64()
        );
        results.insert(id.to_string(), d.join(format!("{id}.result.json")));
    }
    let neutral = &p["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["id"] == "pending-node-1")
        .unwrap();
    assert_eq!(neutral["neutral"], true);
    let top: Value =
        serde_json::from_slice(&std::fs::read(&results["pending-node-2"]).unwrap()).unwrap();
    let inst = top["artifact"]["instances"].as_array().unwrap();
    // After the 12 accumulator limbs: empty, start, end, queue length, ..., count, total.
    assert_eq!((small(&inst[12]), small(&inst[13])), (0, 0), "real, from 0");
    assert_eq!(small(&inst[15]), 3, "the queue's length");
    assert!(small(&inst[14]) >= 3, "reaches the length");
    assert_eq!(small(&inst[22]), u128::from(native.pending_deposit_count));
    assert_eq!(small(&inst[23]), native.pending_deposit_gwei);
    assert!(top["node_vk"]["vk"].is_string());
}

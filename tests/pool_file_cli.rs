//! Credential-set pools as a user meets them: `--pool-file` (TOML or JSON) counts the same
//! validators as the single-address flags when it names that address; a set of several
//! addresses counts each; bad pool files exit 1 naming the entry; the leaves of a set pool are
//! proven for real and their totals equal the native report; `plan` carries a set pool by its
//! root and its file.

use serde_json::Value;
use std::path::Path;

mod common;
use common::{stakeproof, POOL};

fn devnet(dir: &Path, n: &str) -> std::path::PathBuf {
    let state = dir.join("devnet.ssz");
    stakeproof()
        .args(["demo", "--no-prove", "--validators", n, "--write-state"])
        .arg(&state)
        .assert()
        .success();
    state
}

fn report(state: &Path, pool: &[&str]) -> Value {
    let out = stakeproof()
        .args(["report", "--json", "--state"])
        .arg(state)
        .args(pool)
        .assert()
        .success();
    serde_json::from_slice(&out.get_output().stdout).unwrap()
}

const COUNTS: [&str; 5] = [
    "validator_count",
    "total_balance_gwei",
    "active_count",
    "exited_count",
    "slashed_count",
];

#[test]
fn a_pool_file_counts_its_addresses_and_bad_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let state = devnet(dir.path(), "64");
    let single = report(&state, &["--withdrawal-address", POOL]);
    assert!(single["validator_count"].as_u64().unwrap() > 0);
    let toml = dir.path().join("pool.toml");
    let other = format!("0x{}", "99".repeat(20));
    std::fs::write(
        &toml,
        format!("addresses = [\"{POOL}\", \"{other}\"]\ndepth = 10\n"),
    )
    .unwrap();
    let json = dir.path().join("pool.json");
    std::fs::write(
        &json,
        format!("{{\"addresses\": [\"{other}\", \"{POOL}\"]}}"),
    )
    .unwrap();
    for f in [&toml, &json] {
        let r = report(&state, &["--pool-file", f.to_str().unwrap()]);
        for k in COUNTS {
            assert_eq!(r[k], single[k], "{k} of {}", f.display());
        }
        assert!(
            r["pool"].as_str().unwrap().contains("set of 2"),
            "{}",
            r["pool"]
        );
    }
    // Both files name one set (order does not matter, the depth does): one root, which
    // `pool-root` prints for the oracle's pool admin.
    let root_of = |f: &Path| -> Value {
        let out = stakeproof()
            .args(["pool-root", "--json", "--pool-file"])
            .arg(f)
            .assert()
            .success();
        serde_json::from_slice(&out.get_output().stdout).unwrap()
    };
    let (t, j) = (root_of(&toml), root_of(&json));
    assert_eq!(
        (t["entries"].as_u64(), t["depth"].as_u64()),
        (Some(2), Some(10))
    );
    assert_eq!(j["depth"], 2);
    assert_ne!(t["root"], j["root"], "another depth is another tree");
    std::fs::write(
        &json,
        format!("{{\"addresses\": [\"{other}\", \"{POOL}\"], \"depth\": 10}}"),
    )
    .unwrap();
    assert_eq!(root_of(&json)["root"], t["root"]);
    assert_eq!(t["root"].as_str().unwrap().len(), 66);
    // The pool's 0x02 credential in the file is the same entry as its address: listed twice.
    let cred02 = format!("0x020000000000000000000000{}", &POOL[2..]);
    for (text, says) in [
        (
            format!("addresses = [\"{POOL}\"]\ncredentials = [\"{cred02}\"]\n"),
            "listed twice",
        ),
        ("addresses = [\"0x1234\"]\n".to_string(), "addresses[0]"),
        ("adresses = []\n".to_string(), "adresses"),
        (String::new(), "no addresses or credentials"),
        (
            format!("addresses = [\"{POOL}\"]\ndepth = 40\n"),
            "depth 40",
        ),
    ] {
        std::fs::write(&toml, text).unwrap();
        stakeproof()
            .args(["report", "--pool-file"])
            .arg(&toml)
            .arg("--state")
            .arg(&state)
            .assert()
            .code(1)
            .stderr(predicates::str::contains(says));
    }
    stakeproof()
        .args(["report", "--pool-file", "/nonexistent/pool.toml", "--state"])
        .arg(&state)
        .assert()
        .code(1)
        .stderr(predicates::str::contains("/nonexistent/pool.toml"));
    // Two pool flags at once are a usage error.
    stakeproof()
        .args(["report", "--withdrawal-address", POOL, "--pool-file"])
        .arg(&json)
        .arg("--state")
        .arg(&state)
        .assert()
        .code(2);
}

#[test]
fn the_leaves_of_a_set_pool_prove_the_native_totals() {
    let dir = tempfile::tempdir().unwrap();
    let state = devnet(dir.path(), "16");
    let pool = dir.path().join("pool.toml");
    std::fs::write(
        &pool,
        format!(
            "addresses = [\"{POOL}\", \"0x{}\"]\ndepth = 4\n",
            "99".repeat(20)
        ),
    )
    .unwrap();
    let native = report(&state, &["--pool-file", pool.to_str().unwrap()]);
    let out = stakeproof()
        .args(["prove", "--json", "--unsafe-srs", "--leaves-only"])
        .args([
            "--registry-size",
            "4",
            "--balance-size",
            "16",
            "--pool-file",
        ])
        .arg(&pool)
        .arg("--state")
        .arg(&state)
        .arg("--work-dir")
        .arg(dir.path().join("work"))
        .assert()
        .success()
        .stderr(predicates::str::contains("registry-4-set4"));
    let v: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    for k in COUNTS {
        assert_eq!(v["totals"][k], native[k], "{k}");
    }
    assert_eq!(v["proofs_generated"], 5);
    // A plan carries a set pool by its root and its file (`tests/plan_job.rs` runs its jobs).
    let out = stakeproof()
        .args(["plan", "--json", "--unsafe-srs", "--pool-file"])
        .arg(&pool)
        .arg("--state")
        .arg(&state)
        .assert()
        .success();
    let plan: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert!(
        plan["setup"]["pool"]
            .as_str()
            .unwrap()
            .starts_with("set:0x"),
        "{}",
        plan["setup"]
    );
    assert!(plan["setup"]["pool_file"].is_string());
}

//! `stakeproof estimate`: the cost model of issue #15 through the binary: the mainnet figures
//! the issue checks, the 1% pool, the JSON shape, profile files, and refused input.

use assert_cmd::Command;
use serde_json::Value;

fn estimate(args: &[&str]) -> assert_cmd::assert::Assert {
    Command::cargo_bin("stakeproof")
        .expect("binary built")
        .arg("estimate")
        .args(args)
        .assert()
}

fn json(args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let out = estimate(&all).success();
    serde_json::from_slice(&out.get_output().stdout).expect("one JSON object")
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("a number: {v}"))
}

#[test]
fn mainnet_default_matches_the_issue() {
    let v = json(&[]);
    let today = &v["designs"]["today"];
    // Cold: 8192 registry leaves and wraps, 7168 run pairs, 1024 × (balance leaf, wrap,
    // segment), 1023 summary joins — what `stakeproof tree` plans on a 2^21 state.
    assert_eq!(f(&today["cold"]["proofs"]), 27_647.0);
    let later = &today["later"];
    assert!(
        (14_100.0..14_300.0).contains(&f(&later["proofs"])),
        "{later}"
    );
    assert!((930.0..980.0).contains(&f(&later["machine_hours"])));
    let c = f(&later["compressions"]);
    assert!((13.0e6..13.8e6).contains(&c), "≈ 12M + 1.2M: {c}");
    // The issue's must: compressions per later report drop at least 8×.
    let new = f(&v["designs"]["new"]["later"]["compressions"]);
    assert!(c / new >= 8.0, "{c} / {new}");
    let r = f(&v["ratios"]["later"]["compressions"]);
    assert!((r - new / c).abs() < 1e-12 && r <= 0.125, "{r}");

    let out = estimate(&[]).success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(text.contains("27,647"), "{text}");
    assert!(text.contains("expected values"), "{text}");
    assert!(text.contains("later  new/today"), "{text}");
}

#[test]
fn a_one_percent_pool_in_runs_and_spread() {
    let runs = json(&["--pool-share", "0.01"]);
    let spread = json(&["--pool-share", "0.01", "--layout", "spread"]);
    let leaves = |v: &Value| {
        v["designs"]["new"]["later"]["by_kind"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["kind"] == "pool_balance_leaf")
            .map_or(0.0, |l| f(&l["count"]))
    };
    // ~210 runs of 100 meet ~19% of the 1024 balance ranges; spread members meet them all.
    assert!((190.0..205.0).contains(&leaves(&runs)), "{}", leaves(&runs));
    assert!(leaves(&spread) > 1023.0, "{}", leaves(&spread));
    let drop = |v: &Value| 1.0 / f(&v["ratios"]["later"]["compressions"]);
    assert!(drop(&runs) > 15.0, "{}", drop(&runs));
    assert!(drop(&spread) >= 8.0, "{}", drop(&spread));
    // Today's design does not depend on the pool.
    assert_eq!(
        runs["designs"]["today"]["later"]["proofs"],
        spread["designs"]["today"]["later"]["proofs"]
    );
}

#[test]
fn json_has_every_part_and_labels_sources() {
    let v = json(&["--validators", "2^16", "--profile", "128g"]);
    for key in [
        "model", "inputs", "profile", "derived", "designs", "ratios", "notes",
    ] {
        assert!(!v[key].is_null(), "{key}");
    }
    assert!(v["model"].as_str().unwrap().starts_with("expected values"));
    assert_eq!(v["inputs"]["validators"], 1 << 16);
    assert_eq!(v["profile"]["name"], "128g");
    assert_eq!(v["profile"]["sizes"]["registry_size"], 1024);
    for design in ["today", "new"] {
        for report in ["cold", "later"] {
            let r = &v["designs"][design][report];
            for key in [
                "proofs",
                "compressions",
                "machine_hours",
                "modelled_share",
                "latency_s",
            ] {
                assert!(f(&r[key]) >= 0.0, "{design} {report} {key}");
            }
            assert!(!r["longest_chain"].as_array().unwrap().is_empty());
            for line in r["by_kind"].as_array().unwrap() {
                for fig in ["seconds_each", "peak_gb"] {
                    let src = line[fig]["source"].as_str().unwrap();
                    assert!(src == "measured" || src == "modelled", "{line}");
                }
            }
        }
        for key in ["proofs", "compressions", "machine_hours", "latency_s"] {
            assert!(f(&v["ratios"]["later"][key]) > 0.0, "{key}");
        }
    }
    // 128g: nothing on it is measured yet.
    assert_eq!(f(&v["designs"]["today"]["cold"]["modelled_share"]), 1.0);
    // The default profile: today's unit costs are the measured ones.
    let d = json(&[]);
    assert_eq!(
        d["profile"]["costs"]["registry_leaf"]["seconds"],
        serde_json::json!({"value": 407.0, "source": "measured"})
    );
    assert_eq!(
        d["profile"]["costs"]["delta_leaf"]["seconds"]["source"],
        "modelled"
    );
    assert_eq!(f(&d["designs"]["today"]["later"]["modelled_share"]), 0.0);
}

#[test]
fn a_profile_file_calibrates_the_model() {
    let mut p = json(&[])["profile"].clone();
    p["name"] = "calibrated".into();
    p["costs"]["delta_leaf"]["seconds"] = serde_json::json!({"value": 100.0, "source": "measured"});
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("calibrated.json");
    std::fs::write(&path, p.to_string()).unwrap();
    let v = json(&["--profile", path.to_str().unwrap()]);
    assert_eq!(v["profile"]["name"], "calibrated");
    let line = &v["designs"]["new"]["later"]["by_kind"][0];
    assert_eq!(line["kind"], "delta_leaf");
    assert_eq!(line["seconds_each"]["source"], "measured");
    assert_eq!(f(&line["seconds_each"]["value"]), 100.0);
}

#[test]
fn a_profile_file_from_before_pending_deposits_still_loads() {
    let full = json(&[])["profile"].clone();
    let mut p = full.clone();
    p["sizes"].as_object_mut().unwrap().remove("pending_size");
    for k in ["pending_leaf", "pending_wrap", "pending_pair"] {
        p["costs"].as_object_mut().unwrap().remove(k);
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.json");
    std::fs::write(&path, p.to_string()).unwrap();
    let v = json(&[
        "--profile",
        path.to_str().unwrap(),
        "--pending-deposits",
        "1000",
    ]);
    // The 24g model's figures fill in what the file does not have.
    assert_eq!(v["profile"]["sizes"]["pending_size"], 256);
    assert_eq!(
        v["profile"]["costs"]["pending_leaf"],
        full["costs"]["pending_leaf"]
    );
    assert_eq!(
        v["profile"]["costs"]["pending_pair"],
        full["costs"]["pending_pair"]
    );
}

/// Runs `estimate` with `args`, expects exit `code` and stderr naming each of `words`.
fn refused(args: &[&str], code: i32, words: &[&str]) {
    let out = estimate(args).failure().code(code);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    for w in words {
        assert!(err.contains(w), "{args:?}: {w:?} not in {err}");
    }
}

#[test]
fn bad_input_is_refused_with_its_exit_code() {
    // Bad command lines: exit code 2 (src/exit.rs), the flag and the value named.
    refused(
        &["--pool-share", "1.5"],
        2,
        &["--pool-share", "1.5", "0 to 1"],
    );
    refused(
        &["--validators", "0"],
        2,
        &["--validators", "not from 1 to 2^40"],
    );
    refused(
        &["--validators", "2^41"],
        2,
        &["--validators", "above 2^40"],
    );
    refused(&["--validators", "1099511627777"], 2, &["--validators"]);
    refused(&["--layout", "diagonal"], 2, &["--layout"]);
    refused(&["--exits=-5"], 2, &["--exits", "-5"]);
    refused(
        &["--validators", "1000", "--run-length", "2000"],
        2,
        &["run length 2000", "registry size 1000"],
    );
    refused(
        &["--validators", "1000", "--appended", "1001"],
        2,
        &["1001 appended"],
    );
    refused(
        &["--pending-deposits", "1048577"],
        2,
        &["1048577 pending deposits", "2^20"],
    );
    // The largest registry is accepted, with the churn at its bound: no overflow.
    estimate(&["--validators", "2^40", "--exits", "1099511627776", "--json"]).success();

    // Bad profile files: bad input, exit code 1, the file and the problem named.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.json");
    let p = path.to_str().unwrap();
    std::fs::write(&path, "{ not json").unwrap();
    refused(&["--profile", p], 1, &["bad.json", "not a valid profile"]);
    std::fs::write(
        &path,
        r#"{"name": "x", "description": "", "memory_gb": 24}"#,
    )
    .unwrap();
    refused(&["--profile", p], 1, &["missing field `sizes`"]);
    let mut prof = json(&[])["profile"].clone();
    prof["sizes"]["registry_size"] = 300.into();
    std::fs::write(&path, prof.to_string()).unwrap();
    refused(
        &["--profile", p],
        1,
        &["sizes.registry_size = 300", "power of two"],
    );
    refused(
        &["--profile", "/nonexistent/profile.json"],
        1,
        &["/nonexistent/profile.json", "24g, 128g, gpu"],
    );
}

#[test]
fn a_pending_deposit_queue_adds_its_proofs_to_every_report() {
    let base = json(&[]);
    let v = json(&["--pending-deposits", "10000"]);
    assert_eq!(v["inputs"]["pending_deposits"], 10000);
    assert_eq!(v["profile"]["sizes"]["pending_size"], 256);
    for design in ["today", "new"] {
        for report in ["cold", "later"] {
            let r = &v["designs"][design][report];
            let line = |kind: &str| {
                r["by_kind"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|l| l["kind"] == kind)
                    .unwrap_or_else(|| panic!("{design} {report}: no {kind}"))
                    .clone()
            };
            // ⌈10,000 / 256⌉ = 40 leaves of pending-256 at k = 19, each wrapped.
            let leaf = line("pending_leaf");
            assert_eq!(leaf["circuit"], "pending-256-d6");
            assert_eq!(leaf["k"], 19);
            assert_eq!(leaf["seconds_each"]["source"], "modelled");
            // The cold report also proves the run tree's padding once: a padding leaf, its
            // neutral wrap and the neutral joins of levels 1 to 11 (depth 12: 2^20 entries).
            let pad = if report == "cold" { 1.0 } else { 0.0 };
            assert_eq!(leaf["count"], 40.0 + pad);
            assert_eq!(line("pending_wrap")["count"], 40.0 + pad);
            // 40 leaves, 40 wraps, 47 run joins up the 12 levels, one join with the balance
            // side.
            let added = f(&r["proofs"]) - f(&base["designs"][design][report]["proofs"]);
            let want = 128.0 + pad * 13.0;
            assert!((added - want).abs() < 1e-6, "{design} {report}: {added}");
        }
    }
    let notes = v["notes"].as_array().unwrap();
    assert!(notes
        .iter()
        .any(|n| n.as_str().unwrap().contains("re-proven every report")));
    // Without the flag: today's prover, no pending proof.
    assert!(base["designs"]["today"]["later"]["by_kind"]
        .as_array()
        .unwrap()
        .iter()
        .all(|l| !l["kind"].as_str().unwrap().starts_with("pending")));
    estimate(&["--pending-deposits", "10000"])
        .success()
        .stdout(predicates::str::contains(
            "pending_deposits queue: 10,000 entries",
        ));
}

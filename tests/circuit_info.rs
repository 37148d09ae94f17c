//! `stakeproof circuit-info`: a real keygen, proof and verification of the registry leaf, and
//! a cost report whose numbers agree with the circuit's definition.

use assert_cmd::Command;
use serde_json::Value;

#[test]
fn circuit_info_reports_the_registry_leaf() {
    let out = Command::cargo_bin("stakeproof")
        .expect("binary built")
        .args(["circuit-info", "--kind", "registry", "--json"])
        .assert()
        .success();
    let v: Value = serde_json::from_slice(&out.get_output().stdout).expect("JSON output");
    let reports = v.as_array().expect("an array of reports");
    assert_eq!(reports.len(), 1, "--kind registry measures one circuit");
    let r = &reports[0];
    assert_eq!(r["circuit"], "registry-4");
    assert_eq!(r["kind"], "registry");
    assert_eq!(r["n"], 4);
    assert_eq!(r["k"], 13, "the smallest k holding 70 SHA-256 blocks");
    assert_eq!(r["rows"], 1 << 13);
    // 8 hashes per container and 3 subtree nodes, two compressions each, over 4 validators.
    assert_eq!(r["sha_compressions"], 2 * (8 * 4 + 3));
    assert_eq!(r["compressions_per_validator"].as_f64(), Some(17.5));
    assert_eq!(r["sha_rows"], 70 * 72);

    let cols = &r["columns"];
    let advice = cols["advice"].as_u64().unwrap();
    let sha = cols["sha_advice"].as_u64().unwrap();
    assert!(
        (100..160).contains(&sha),
        "the vanilla SHA-256 region: {sha}"
    );
    assert_eq!(
        advice,
        sha + cols["base_advice"].as_u64().unwrap() + cols["base_lookup_advice"].as_u64().unwrap(),
        "advice columns are the SHA region's plus halo2-base's"
    );
    assert!(cols["base_advice"].as_u64().unwrap() >= 1);
    assert!(cols["fixed"].as_u64().unwrap() >= 1);
    assert_eq!(cols["instance"], 1);
    assert!(cols["lookup_arguments"].as_u64().unwrap() >= 1);

    let base = r["base_advice_cells"].as_u64().unwrap();
    let usable = r["usable_rows"].as_u64().unwrap();
    assert!(base > 0);
    assert!(r["base_rows_used"].as_u64().unwrap() <= usable);
    let per_v = r["cells_per_validator"].as_f64().unwrap();
    assert!(per_v * 4.0 >= (70 * 72 * sha + base) as f64);

    let t = &r["timings"];
    for key in ["setup_s", "keygen_s", "prove_s", "prove_cpu_s", "verify_ms"] {
        assert!(t[key].as_f64().unwrap() > 0.0, "{key} > 0");
    }
    assert!(r["prove_s_per_validator"].as_f64().unwrap() > 0.0);
    assert!(r["compressions_per_core_second"].as_f64().unwrap() > 0.0);
    assert_eq!(r["verified"], true);
    let proof = r["proof_bytes"].as_u64().unwrap();
    assert!(
        (1_000..200_000).contains(&proof),
        "a SHPLONK proof of ~120 columns: {proof} bytes"
    );
    let mem = &r["memory"];
    let peak = mem["peak_rss_bytes"].as_u64().unwrap();
    assert!(peak >= mem["prove_peak_rss_bytes"].as_u64().unwrap());
    assert!(
        peak > 10 << 20 && peak < 8 << 30,
        "peak resident set {peak} bytes"
    );
}

#[test]
fn circuit_info_refuses_bad_sizes() {
    Command::cargo_bin("stakeproof")
        .expect("binary built")
        .args(["circuit-info", "--kind", "registry", "--registry-size", "6"])
        .assert()
        .failure()
        .stderr(predicates::str::contains("not a power of two"));
    Command::cargo_bin("stakeproof")
        .expect("binary built")
        .args([
            "circuit-info",
            "--kind",
            "balance",
            "--balance-size",
            "8",
            "--registry-size",
            "16",
        ])
        .assert()
        .failure()
        .stderr(predicates::str::contains("multiple of the registry size"));
}

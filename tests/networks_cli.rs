//! Networks and presets as a user meets them: a Gnosis state read with `--network gnosis`
//! (reported with the network's name and preset), with its config.yaml over a preset
//! directory, and refused or mis-rooted when read otherwise; a preset directory missing a
//! layout value is an error naming it.

use serde_json::Value;
use std::path::Path;

mod common;
use common::{stakeproof, POOL};

/// A Gnosis-preset devnet state, and its state root as the generator reports it.
fn gnosis_state(dir: &Path) -> (std::path::PathBuf, String) {
    let state = dir.join("gnosis.ssz");
    let out = stakeproof()
        .args([
            "demo",
            "--json",
            "--no-prove",
            "--validators",
            "40",
            "--preset",
            "gnosis",
        ])
        .arg("--write-state")
        .arg(&state)
        .assert()
        .success();
    let v: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    (
        state,
        v["report"]["state_root"].as_str().unwrap().to_string(),
    )
}

fn report(state: &Path, flags: &[&str]) -> Value {
    let out = stakeproof()
        .args(["report", "--json", "--withdrawal-address", POOL, "--state"])
        .arg(state)
        .args(flags)
        .assert()
        .success();
    serde_json::from_slice(&out.get_output().stdout).unwrap()
}

/// `presets/gnosis/` as consensus-specs lays it out: the layout values over three files.
fn gnosis_preset_dir(root: &Path, drop: Option<&str>) -> std::path::PathBuf {
    let dir = root.join("presets").join("gnosis");
    std::fs::create_dir_all(&dir).unwrap();
    let files = [
        (
            "phase0.yaml",
            "SLOTS_PER_EPOCH: 16\nSLOTS_PER_HISTORICAL_ROOT: 8192\nHISTORICAL_ROOTS_LIMIT: 16777216\n\
             EPOCHS_PER_ETH1_VOTING_PERIOD: 64\nVALIDATOR_REGISTRY_LIMIT: 1099511627776\n\
             EPOCHS_PER_HISTORICAL_VECTOR: 65536\nEPOCHS_PER_SLASHINGS_VECTOR: 8192\n\
             MAX_ATTESTATIONS: 128\nMAX_VALIDATORS_PER_COMMITTEE: 2048\nMIN_SEED_LOOKAHEAD: 1\n\
             BASE_REWARD_FACTOR: 25\n",
        ),
        ("altair.yaml", "SYNC_COMMITTEE_SIZE: 512\nEPOCHS_PER_SYNC_COMMITTEE_PERIOD: 512\n"),
        ("bellatrix.yaml", "BYTES_PER_LOGS_BLOOM: 256\nMAX_EXTRA_DATA_BYTES: 32\n"),
        (
            "electra.yaml",
            "PENDING_DEPOSITS_LIMIT: 134217728\nPENDING_PARTIAL_WITHDRAWALS_LIMIT: 134217728\n\
             PENDING_CONSOLIDATIONS_LIMIT: 262144\n",
        ),
    ];
    for (name, text) in files {
        let text: String = text
            .lines()
            .filter(|l| drop.is_none_or(|d| !l.starts_with(d)))
            .map(|l| format!("{}\n", l.trim()))
            .collect();
        std::fs::write(dir.join(name), text).unwrap();
    }
    dir
}

#[test]
fn a_gnosis_state_reads_with_its_network_and_not_as_mainnet() {
    let tmp = tempfile::tempdir().unwrap();
    let (state, root) = gnosis_state(tmp.path());
    let r = report(&state, &["--network", "gnosis"]);
    assert_eq!(r["network"], "gnosis");
    assert_eq!(r["preset"], "gnosis");
    assert_eq!(r["state_root"], root.as_str());
    let plain = report(&state, &["--preset", "gnosis"]);
    assert_eq!(plain["state_root"], root.as_str());
    assert!(plain.get("network").is_none());
    // Read under mainnet's limits it decodes, but to another root: its proof could never
    // match the chain's beacon root.
    let wrong = report(&state, &["--preset", "mainnet"]);
    assert_ne!(wrong["state_root"], root.as_str());
    // The human output names the network and the preset.
    let out = stakeproof()
        .args([
            "report",
            "--withdrawal-address",
            POOL,
            "--network",
            "chiado",
            "--state",
        ])
        .arg(&state)
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout);
    assert!(text.contains("network             chiado"), "{text}");
    assert!(
        text.contains("preset              gnosis(chiado) (SLOTS_PER_EPOCH 16)"),
        "{text}"
    );
    // An unknown network is a usage error listing the built-in ones.
    let out = stakeproof()
        .args([
            "report",
            "--withdrawal-address",
            POOL,
            "--network",
            "holesky",
            "--state",
        ])
        .arg(&state)
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr);
    assert!(
        err.contains("mainnet, sepolia, hoodi, gnosis, chiado"),
        "{err}"
    );
}

#[test]
fn a_config_over_a_preset_directory_reads_the_state_and_a_missing_value_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let (state, root) = gnosis_state(tmp.path());
    let root_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = root_dir.join("testdata/networks/gnosis/config.yaml");
    let dir = gnosis_preset_dir(tmp.path(), None);
    let r = report(
        &state,
        &[
            "--network-config",
            config.to_str().unwrap(),
            "--preset-dir",
            dir.to_str().unwrap(),
        ],
    );
    assert_eq!(r["state_root"], root.as_str());
    assert_eq!(r["network"], "gnosis");
    // Without its config, a directory alone is a preset.
    let r = report(&state, &["--preset-dir", dir.to_str().unwrap()]);
    assert_eq!(r["state_root"], root.as_str());
    // A layout value missing from every file: an error naming it.
    let holey = gnosis_preset_dir(&tmp.path().join("b"), Some("SYNC_COMMITTEE_SIZE"));
    let out = stakeproof()
        .args(["report", "--withdrawal-address", POOL, "--state"])
        .arg(&state)
        .arg("--preset-dir")
        .arg(&holey)
        .assert()
        .code(1);
    let err = String::from_utf8_lossy(&out.get_output().stderr);
    assert!(
        err.contains("config key SYNC_COMMITTEE_SIZE: missing in"),
        "{err}"
    );
    // A config built on another preset than the directory's.
    let hoodi = root_dir.join("testdata/networks/hoodi/config.yaml");
    let out = stakeproof()
        .args(["report", "--withdrawal-address", POOL, "--state"])
        .arg(&state)
        .arg("--network-config")
        .arg(&hoodi)
        .arg("--preset-dir")
        .arg(&dir)
        .assert()
        .code(1);
    let err = String::from_utf8_lossy(&out.get_output().stderr);
    assert!(err.contains("the preset directory is \"gnosis\""), "{err}");
}

//! Helpers shared by the binary's proving tests (`prove.rs`, `kill_resume.rs`).

#![allow(dead_code)]

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The pool of the devnet states (its 0x01/0x02 credentials).
pub const POOL: &str = "0x57a4e0005a4e0000000000000000000000000001";

/// The `stakeproof` binary built for these tests.
pub fn stakeproof() -> Command {
    Command::cargo_bin("stakeproof").expect("binary built")
}

/// A deterministic devnet state of `n` validators written by `demo --write-state`, with the
/// native report the demo printed for it.
pub fn devnet_state(dir: &Path, n: usize) -> (PathBuf, Value) {
    let state = dir.join("devnet.ssz");
    let out = stakeproof()
        .args([
            "demo",
            "--json",
            "--no-prove",
            "--validators",
            &n.to_string(),
            "--write-state",
        ])
        .arg(&state)
        .assert()
        .success();
    let v: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    (state, v["report"].clone())
}

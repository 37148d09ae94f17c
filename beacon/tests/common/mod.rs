//! Shared helpers for the tests: where the repository's `testdata/` is, and a fake beacon node
//! ([`fake_node`]).

#![allow(dead_code)]

pub mod execution_fixtures;
pub mod fake_node;

use std::path::PathBuf;

/// The test data directory: `$STAKEPROOF_DATA_DIR`, else the repository's `testdata/`.
pub fn data_dir() -> PathBuf {
    if let Ok(d) = std::env::var("STAKEPROOF_DATA_DIR") {
        return PathBuf::from(d);
    }
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata");
    assert!(
        d.is_dir(),
        "test data not found at {} (it is part of the repository; or set STAKEPROOF_DATA_DIR)",
        d.display()
    );
    d
}

/// Parses a `0x…` 32-byte hex string.
pub fn h32(s: &str) -> [u8; 32] {
    stakeproof_beacon::hex32::parse(s).expect("valid hex root")
}

/// The real mainnet genesis state, unzipped in memory.
pub fn mainnet_genesis_ssz() -> Vec<u8> {
    use std::io::Read;
    let f = std::fs::File::open(data_dir().join("genesis/mainnet/genesis.ssz.zip")).expect("zip");
    let mut z = zip::ZipArchive::new(f).expect("valid zip");
    let mut entry = z.by_name("genesis.ssz").expect("genesis.ssz in the zip");
    let mut out = Vec::new();
    entry.read_to_end(&mut out).expect("unzip");
    out
}

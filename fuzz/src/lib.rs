#![warn(missing_docs)]
//! # stakeproof-fuzz
//!
//! Fuzzing that runs on stable Rust (our machines cannot install nightly for `cargo-fuzz`):
//! [`targets`] drive each reader of untrusted input, [`engine`] mutates a kept corpus under a
//! time budget and reports executions and panics, [`corpus`] loads and saves the corpus kept
//! in `fuzz/corpus/<target>/`. The `stakeproof-fuzz` binary runs a target for a long budget;
//! `tests/budget.rs` gives every target a few seconds in every test run.

pub mod engine;
pub mod targets;

/// The kept corpus: one file per input under `fuzz/corpus/<target>/`.
pub mod corpus {
    use std::path::{Path, PathBuf};

    /// The corpus directory of the repository.
    pub fn root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus")
    }

    /// Every input kept for `target`, in file-name order (empty if none).
    pub fn load(target: &str) -> std::io::Result<Vec<Vec<u8>>> {
        let dir = root().join(target);
        if !dir.is_dir() {
            return Ok(Vec::new());
        }
        let mut files: Vec<_> = std::fs::read_dir(&dir)?
            .map(|e| e.map(|e| e.path()))
            .collect::<Result<_, _>>()?;
        files.sort();
        files.into_iter().map(std::fs::read).collect()
    }

    /// Saves an input under `dir` named by a hash of its content; returns the path.
    pub fn save(dir: &Path, input: &[u8]) -> std::io::Result<PathBuf> {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        input.hash(&mut h);
        let path = dir.join(format!("{:016x}", h.finish()));
        stakeproof_beacon::atomic::write_file(&path, input)?;
        Ok(path)
    }
}

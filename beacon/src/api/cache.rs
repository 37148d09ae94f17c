//! The content-addressed state cache: `<cache_dir>/states/0x<state_root>.<fork>.ssz`, written
//! with [`crate::atomic::write_file`] and re-verified on every read.

use super::{ApiError, BeaconClient};
use crate::beacon::{BeaconState, Fork, StateTree};
use crate::hash::Node;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

impl BeaconClient {
    /// The path a state of `fork` with root `state_root` has in the cache, if caching is on.
    pub fn cache_path(&self, state_root: &Node, fork: Fork) -> Option<PathBuf> {
        self.config
            .cache_dir
            .as_deref()
            .map(|d| cache_file(d, state_root, fork))
    }

    /// Looks for a valid cached copy of `state_root`. Invalid copies are removed; the reasons
    /// are returned.
    #[allow(clippy::type_complexity)]
    pub(super) fn cache_lookup(
        &self,
        dir: &Path,
        state_root: &Node,
    ) -> Result<(Option<(BeaconState, StateTree, PathBuf)>, Option<String>), ApiError> {
        let mut reasons = Vec::new();
        for fork in Fork::ALL.into_iter().rev() {
            let path = cache_file(dir, state_root, fork);
            let bytes = match fs::read(&path) {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(source) => return Err(ApiError::Cache { path, source }),
            };
            let origin = path.display().to_string();
            match self.verify_state(&origin, bytes, fork, state_root) {
                Ok((state, tree)) => return Ok((Some((state, tree, path)), join(reasons))),
                Err(e) => {
                    reasons.push(format!("removed invalid cache file: {e}"));
                    match fs::remove_file(&path) {
                        Ok(()) => {}
                        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                        Err(source) => return Err(ApiError::Cache { path, source }),
                    }
                }
            }
        }
        Ok((None, join(reasons)))
    }
}

fn join(reasons: Vec<String>) -> Option<String> {
    (!reasons.is_empty()).then(|| reasons.join("; "))
}

fn cache_file(dir: &Path, state_root: &Node, fork: Fork) -> PathBuf {
    dir.join("states")
        .join(format!("0x{}.{}.ssz", hex::encode(state_root), fork.name()))
}

/// Writes `bytes` to the cache atomically ([`crate::atomic::write_file`]).
pub(super) fn store(
    dir: &Path,
    state_root: &Node,
    fork: Fork,
    bytes: &[u8],
) -> Result<(), ApiError> {
    let path = cache_file(dir, state_root, fork);
    crate::atomic::write_file(&path, bytes).map_err(|source| ApiError::Cache { path, source })
}

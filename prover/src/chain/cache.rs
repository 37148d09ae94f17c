//! The chain cache in the work directory: after a report, `{work}/chain/last.json` records the
//! chain state it ended at (and its anchor) with a snapshot of the registry's validators, so
//! that the next report, on this machine or another with the same work directory, continues
//! the chain from there. Anything missing, unreadable, of another pool or whose snapshot does
//! not match its digest means a cold start, with a note saying why.

use super::plan::{pool_instances, ChainPlan, PreviousRegistry};
use super::ChainError;
use sha2::{Digest, Sha256};
use stakeproof_beacon::beacon::Validator;
use stakeproof_beacon::hexfmt;
use stakeproof_beacon::report::Pool;
use stakeproof_circuits::accounts::AccNode;
use stakeproof_circuits::chain::{anchor, ChainState};
use stakeproof_circuits::pool::PoolSpec;
use stakeproof_circuits::public_inputs::{fr_from_hex, fr_hex};
use std::path::{Path, PathBuf};

/// Format version of `last.json`.
pub const CACHE_VERSION: u32 = 1;
/// The cache file, relative to the work directory.
pub const CACHE_FILE: &str = "chain/last.json";
/// Bytes of one validator in a snapshot (its SSZ container).
const VALIDATOR_BYTES: usize = 121;

/// What `last.json` records.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ChainCache {
    /// [`CACHE_VERSION`].
    pub version: u32,
    /// Slot of the report.
    pub slot: u64,
    /// Its block root, `0x`-hex.
    pub block_root: String,
    /// Pool mode (exact credentials).
    pub pool_exact: bool,
    /// Pool credentials, `0x`-hex.
    pub pool_credentials: String,
    /// `D`, `0x`-hex.
    pub d: String,
    /// `L`.
    pub l: u64,
    /// `A`'s hash, a field element ([`fr_hex`]).
    pub a_hash: String,
    /// `A`'s count (pool members).
    pub a_count: u64,
    /// The registry anchor of this state (the next report's `anchor_old`).
    pub anchor: String,
    /// The snapshot file (validators' SSZ containers back to back), relative to `chain/`.
    pub snapshot: String,
    /// SHA-256 of the snapshot file, hex.
    pub snapshot_sha256: String,
}

/// What reading the cache gave.
#[derive(Clone, Debug, Default)]
pub struct CacheLoad {
    /// The registry to continue from; `None`: cold.
    pub previous: Option<PreviousRegistry>,
    /// The cache record, when one was used.
    pub cache: Option<ChainCache>,
    /// Why the start is cold, when a cache file was there but not used.
    pub note: Option<String>,
}

fn chain_dir(work: &Path) -> PathBuf {
    work.join("chain")
}

impl ChainCache {
    /// The chain state recorded; `None` if a value does not decode.
    pub fn state(&self) -> Option<ChainState> {
        Some(ChainState {
            d: hexfmt::parse_fixed::<32>(&self.d).ok()?,
            l: self.l,
            a: AccNode {
                hash: fr_from_hex(&self.a_hash).ok()?,
                count: self.a_count,
            },
        })
    }

    /// Records `plan`'s end state and writes its registry snapshot, then `last.json` (each
    /// file atomically, the record last: a crash leaves the previous record valid).
    pub fn save(work: &Path, plan: &ChainPlan) -> Result<Self, ChainError> {
        let dir = chain_dir(work);
        let err = |path: &Path, e: std::io::Error| ChainError::Cache {
            path: path.display().to_string(),
            reason: e.to_string(),
        };
        let mut bytes = Vec::with_capacity(plan.registry.len() as usize * VALIDATOR_BYTES);
        for v in plan.registry.validators() {
            bytes.extend_from_slice(&v.to_ssz());
        }
        let digest = hex::encode(Sha256::digest(&bytes));
        let snapshot = format!("validators-{}.ssz", &digest[..16]);
        let snap_path = dir.join(&snapshot);
        stakeproof_beacon::atomic::write_file(&snap_path, &bytes)
            .map_err(|e| err(&snap_path, e))?;
        let s = plan.new;
        let cache = ChainCache {
            version: CACHE_VERSION,
            slot: plan.slot,
            block_root: hexfmt::encode(plan.block_root),
            pool_exact: plan.pool.exact,
            pool_credentials: hexfmt::encode(plan.pool.credentials),
            d: hexfmt::encode(s.d),
            l: s.l,
            a_hash: fr_hex(&s.a.hash),
            a_count: s.a.count,
            anchor: fr_hex(&anchor(&pool_instances(&plan.pool), &s.instances())),
            snapshot,
            snapshot_sha256: digest,
        };
        let path = work.join(CACHE_FILE);
        let json = serde_json::to_vec_pretty(&cache).expect("cache serializes");
        stakeproof_beacon::atomic::write_file(&path, &json).map_err(|e| err(&path, e))?;
        Ok(cache)
    }

    /// Reads the cache for `pool`: the previous registry, or a cold start with the reason
    /// when a cache is there but cannot be used (unreadable, another version or pool, a
    /// snapshot missing, of the wrong size, or not matching its digest).
    pub fn load(work: &Path, pool: &Pool) -> CacheLoad {
        let path = work.join(CACHE_FILE);
        let Ok(bytes) = std::fs::read(&path) else {
            return CacheLoad::default();
        };
        let cold = |why: String| CacheLoad {
            previous: None,
            cache: None,
            note: Some(format!("{}: {why}; starting cold", path.display())),
        };
        let cache: ChainCache = match serde_json::from_slice(&bytes) {
            Ok(c) => c,
            Err(e) => return cold(format!("unreadable ({e})")),
        };
        if cache.version != CACHE_VERSION {
            return cold(format!(
                "version {} (expected {CACHE_VERSION})",
                cache.version
            ));
        }
        let spec = PoolSpec::from(pool);
        if cache.pool_exact != spec.exact
            || cache.pool_credentials != hexfmt::encode(spec.credentials)
        {
            return cold(format!(
                "the chain of another pool ({})",
                cache.pool_credentials
            ));
        }
        let Some(state) = cache.state() else {
            return cold("a chain state that does not decode".into());
        };
        let name_ok = cache.snapshot.starts_with("validators-")
            && cache.snapshot.ends_with(".ssz")
            && !cache.snapshot.contains(['/', '\\']);
        if !name_ok {
            return cold(format!("snapshot name {:?}", cache.snapshot));
        }
        let snap_path = chain_dir(work).join(&cache.snapshot);
        let snap = match std::fs::read(&snap_path) {
            Ok(b) => b,
            Err(e) => return cold(format!("snapshot {}: {e}", snap_path.display())),
        };
        if hex::encode(Sha256::digest(&snap)) != cache.snapshot_sha256 {
            return cold(format!(
                "snapshot {} does not match its recorded digest",
                snap_path.display()
            ));
        }
        let expected = (cache.l as usize).checked_mul(VALIDATOR_BYTES);
        if expected != Some(snap.len()) {
            return cold(format!(
                "snapshot of {} bytes for L = {}",
                snap.len(),
                cache.l
            ));
        }
        let validators = snap
            .chunks_exact(VALIDATOR_BYTES)
            .map(Validator::from_ssz)
            .collect();
        CacheLoad {
            previous: Some(PreviousRegistry { validators, state }),
            cache: Some(cache),
            note: None,
        }
    }
}

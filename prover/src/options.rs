//! How a report is proven: the options of the leaf stage and the tree, passed as one value
//! ([`ProveOptions`]) instead of positional arguments and process-wide settings.

use crate::backend::ProvingBackend;
use crate::PipelineError;
use stakeproof_circuits::leaf_size::{LeafSize, LeafSizeError};

/// `k` of aggregation nodes measured to hold one wrapped leaf or two aggregation children
/// (17.6–19.5M advice cells, ~15 GiB peak).
pub const DEFAULT_NODE_K: u32 = 20;

/// `k` of the final node: the same cells in fewer columns, so that its Solidity verifier
/// (whose size grows with the number of commitments) fits the 24,576-byte contract limit.
pub const DEFAULT_FINAL_K: u32 = 22;

/// Everything a run of the pipeline is told: leaf sizes, the tree's sizes, where proofs are
/// computed and who hears of progress. The leaf stage reads `leaves`, `backend` and
/// `progress`; the tree reads all of it.
#[derive(Clone)]
pub struct ProveOptions<'a> {
    /// Sizes of the leaf proofs.
    pub leaves: LeafConfig,
    /// Sizes of the aggregation nodes, and whether their proving keys are kept.
    pub tree: TreeOptions,
    /// Where proofs are computed (halo2's CPU prover by default).
    pub backend: ProvingBackend,
    /// Progress callbacks.
    pub progress: &'a dyn Progress,
}

impl<'a> ProveOptions<'a> {
    /// `leaves`, the default tree, halo2's CPU prover, no progress output.
    pub fn new(leaves: LeafConfig) -> Self {
        ProveOptions {
            leaves,
            tree: TreeOptions::default(),
            backend: ProvingBackend::default(),
            progress: &Silent,
        }
    }
}

/// How the tree is proven.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TreeOptions {
    /// `k` of every node but the final one.
    pub node_k: u32,
    /// `k` of the final node.
    pub final_k: u32,
    /// Keep node proving keys (~3 GB at k = 20, more at the final k) in the work directory.
    /// Without them a later run makes a node circuit's proving key again (minutes) when one of
    /// its nodes must be proven; verifying keys and pinnings are always kept, so stored proofs
    /// are reused either way.
    pub keep_proving_keys: bool,
}

impl Default for TreeOptions {
    fn default() -> Self {
        TreeOptions {
            node_k: DEFAULT_NODE_K,
            final_k: DEFAULT_FINAL_K,
            keep_proving_keys: true,
        }
    }
}

/// Sizes of the leaf proofs.
#[derive(Clone, Copy, Debug, serde::Serialize, serde::Deserialize)]
pub struct LeafConfig {
    /// Validators per registry proof (a power of two).
    pub registry_size: usize,
    /// `k` of the registry circuit.
    pub registry_k: u32,
    /// Balances per balance proof (a power of two, at least 4 and `registry_size`).
    pub balance_size: usize,
    /// `k` of the balance circuit.
    pub balance_k: u32,
    /// Upper bound on concurrent proofs (also capped by memory).
    pub max_parallel: usize,
    /// The pending-deposit queue's proof, when the report carries it (Electra on): its leaf
    /// size and run tree. `None`: the final statement has no pending values (and artifacts
    /// made without it read as before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<PendingConfig>,
}

/// How a report proves the pool's pending deposits: entries per `pending-{size}` leaf and the
/// run tree's join levels, which together fix the run's key and so the final verifier's.
/// Capacity `size · 2^depth` entries; a longer queue is refused before proving.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PendingConfig {
    /// Queue entries per leaf (a power of two, at most 2^20).
    pub size: usize,
    /// Join levels of the run tree.
    pub depth: u32,
}

/// log2 of the queue's own limit, `PENDING_DEPOSITS_LIMIT` (2^27): no run tree holds more.
const LOG_QUEUE_LIMIT: u32 = 27;

impl PendingConfig {
    /// Leaves of `size` entries under a tree of `depth` levels, or of the production depth
    /// (`pending::aggregate::run_tree_depth`: 2^20 entries in all) without one. A size that is
    /// not a power of two up to 2^20, or a capacity beyond the queue's limit (2^27), is refused.
    pub fn new(size: usize, depth: Option<u32>) -> Result<Self, PipelineError> {
        check_range_size("pending", size, 1)?;
        let log_size = size.trailing_zeros();
        if log_size > stakeproof_circuits::pending::aggregate::RUN_TREE_LOG_CAPACITY {
            return Err(PipelineError::BadSize(format!(
                "pending range size {size} is above the run tree's capacity, 2^20 entries"
            )));
        }
        let depth = depth.unwrap_or_else(|| {
            stakeproof_circuits::pending::aggregate::run_tree_depth(size as u64)
        });
        if log_size + depth > LOG_QUEUE_LIMIT {
            return Err(PipelineError::BadSize(format!(
                "a run tree of {depth} levels over pending ranges of {size} holds 2^{} entries, \
                 above the queue's limit of 2^{LOG_QUEUE_LIMIT}",
                log_size + depth
            )));
        }
        Ok(PendingConfig { size, depth })
    }

    /// Entries the tree holds: `size · 2^depth`.
    pub fn capacity(&self) -> u64 {
        (self.size as u64) << self.depth
    }
}

/// Largest `k` of a leaf circuit this prover builds: a registry range of 8,192 validators or a
/// balance range of 2^17 balances (2^24 rows each). Larger ranges are refused before anything
/// is allocated.
pub const MAX_LEAF_K: u32 = 24;

/// Largest range size looked at before its `k` is computed (a bound that keeps every product
/// of the size in range; the `k` bound, [`MAX_LEAF_K`], is the one that decides).
const MAX_RANGE_SIZE: usize = 1 << 24;

/// Checks one range size: a power of two in `[min, MAX_RANGE_SIZE]`.
fn check_range_size(what: &str, n: usize, min: usize) -> Result<(), PipelineError> {
    if !n.is_power_of_two() {
        return Err(PipelineError::BadSize(format!(
            "{what} range size {n} is not a power of two (ranges are subtrees of the registry)"
        )));
    }
    if n < min {
        return Err(PipelineError::BadSize(format!(
            "{what} range size {n} is below the smallest, {min}"
        )));
    }
    if n > MAX_RANGE_SIZE {
        return Err(PipelineError::BadSize(format!(
            "{what} range size {n} is far above the largest leaf circuit this prover builds \
             (k <= {MAX_LEAF_K})"
        )));
    }
    Ok(())
}

/// Checks a leaf circuit's `k`: at most [`MAX_LEAF_K`].
fn check_k(what: &str, n: usize, k: u32) -> Result<(), PipelineError> {
    if k == 0 || k > MAX_LEAF_K {
        return Err(PipelineError::BadSize(format!(
            "{what} range size {n} needs a circuit of k = {k}, but the largest leaf circuit this \
             prover builds has k = {MAX_LEAF_K}"
        )));
    }
    Ok(())
}

impl LeafConfig {
    /// Sizes `n_r` and `n_b` at the smallest `k` that fits each circuit's SHA-256 rows.
    /// Both must be powers of two, `n_b` at least 4 and at least `n_r` (so a multiple of it),
    /// and each circuit's `k` at most [`MAX_LEAF_K`]; anything else is refused before
    /// anything is allocated.
    pub fn for_sizes(registry_size: usize, balance_size: usize) -> Result<Self, PipelineError> {
        check_range_size("registry", registry_size, 1)?;
        check_range_size("balance", balance_size, 4)?;
        if balance_size < registry_size {
            return Err(PipelineError::BadSize(format!(
                "balance range size {balance_size} must be a multiple of the registry size \
                 {registry_size} (at least as large)"
            )));
        }
        let registry = LeafSize::registry(registry_size, None).map_err(size_error)?;
        check_k("registry", registry_size, registry.k())?;
        // The deeper (Electra) layout: its k holds the depth-5 layout too.
        let balance = LeafSize::balance(balance_size, registry_size, None).map_err(size_error)?;
        check_k("balance", balance_size, balance.k())?;
        Ok(LeafConfig {
            registry_size,
            registry_k: registry.k(),
            balance_size,
            balance_k: balance.k(),
            max_parallel: rayon::current_num_threads(),
            pending: None,
        })
    }

    /// Checks a configuration built field by field (or read from a file) as
    /// [`LeafConfig::for_sizes`] checks sizes, and its `k`s at most [`MAX_LEAF_K`]: the leaf
    /// stage and the tree call it before planning anything.
    pub fn validate(&self) -> Result<(), PipelineError> {
        Self::for_sizes(self.registry_size, self.balance_size)?;
        check_k("registry", self.registry_size, self.registry_k)?;
        check_k("balance", self.balance_size, self.balance_k)?;
        if let Some(p) = self.pending {
            PendingConfig::new(p.size, Some(p.depth))?;
        }
        Ok(())
    }

    /// Balance ranges of `registry_len` validators (at least one), and registry ranges under
    /// them, with checked arithmetic.
    pub fn range_counts(&self, registry_len: u64) -> Result<(u64, u64), PipelineError> {
        let segments = registry_len.max(1).div_ceil(self.balance_size as u64);
        let m = (self.balance_size / self.registry_size) as u64;
        let registry = segments.checked_mul(m).ok_or_else(|| {
            PipelineError::BadSize(format!(
                "{segments} balance ranges of {m} registry ranges overflow"
            ))
        })?;
        Ok((segments, registry))
    }

    /// The smallest sizes (registry-4 at k=13, balance-16 at k=14): the tests' and demo's.
    pub fn small() -> Self {
        Self::for_sizes(4, 16).expect("4 and 16 nest")
    }
}

fn size_error(e: LeafSizeError) -> PipelineError {
    PipelineError::BadSize(e.to_string())
}

/// Progress callbacks (the CLI draws bars from them).
pub trait Progress: Sync {
    /// A stage starts with `total` items.
    fn stage(&self, name: &str, total: usize);
    /// One item of the current stage finished.
    fn tick(&self);
}

/// No progress output.
pub struct Silent;

impl Progress for Silent {
    fn stage(&self, _: &str, _: usize) {}
    fn tick(&self) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pending_configuration_is_checked_and_defaults_to_the_production_capacity() {
        let p = PendingConfig::new(64, None).unwrap();
        assert_eq!((p.depth, p.capacity()), (14, 1 << 20));
        assert_eq!(PendingConfig::new(4, Some(0)).unwrap().capacity(), 4);
        assert_eq!(PendingConfig::new(1, Some(27)).unwrap().capacity(), 1 << 27);
        for (size, depth) in [(3, None), (0, None), (1 << 21, None), (2, Some(27))] {
            let e = PendingConfig::new(size, depth).unwrap_err().to_string();
            assert!(e.contains("pending"), "{size} {depth:?}: {e}");
        }
        // A configuration read from a file is checked as the flags are.
        let mut cfg = LeafConfig::small();
        cfg.pending = Some(PendingConfig { size: 2, depth: 27 });
        assert!(cfg.validate().is_err());
    }
}

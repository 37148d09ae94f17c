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
    /// Balances per balance proof (a multiple of `registry_size`).
    pub balance_size: usize,
    /// `k` of the balance circuit.
    pub balance_k: u32,
    /// Upper bound on concurrent proofs (also capped by memory).
    pub max_parallel: usize,
}

impl LeafConfig {
    /// Sizes `n_r` and `n_b` at the smallest `k` that fits each circuit's SHA-256 rows.
    pub fn for_sizes(registry_size: usize, balance_size: usize) -> Result<Self, PipelineError> {
        if !registry_size.is_power_of_two()
            || !balance_size.is_power_of_two()
            || balance_size < 4
            || balance_size % registry_size != 0
        {
            return Err(PipelineError::Witness(
                stakeproof_circuits::registry::witness::WitnessError::BadGrouping {
                    n_b: balance_size,
                    n_r: registry_size,
                },
            ));
        }
        let registry = LeafSize::registry(registry_size, None).map_err(size_error)?;
        // The deeper (Electra) layout: its k holds the depth-5 layout too.
        let balance = LeafSize::balance(balance_size, registry_size, None).map_err(size_error)?;
        Ok(LeafConfig {
            registry_size,
            registry_k: registry.k(),
            balance_size,
            balance_k: balance.k(),
            max_parallel: rayon::current_num_threads(),
        })
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

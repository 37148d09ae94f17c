//! The registry-chain design of a report's proof (issue #15): the registry proven as a chain
//! of delta/append leaves from the previous report's chain state (or from the empty registry),
//! balances only for the ranges that hold pool members, in three fixed-depth trees padded with
//! neutral proofs so that the final verifying key never follows `L` or the number of changes.
//!
//! - [`plan`](plan::plan) (`plan.rs`): the leaves and nodes of one report ([`ChainPlan`]);
//! - [`native_chain`] (`native.rs`): every statement computed natively, the final one checked
//!   against the native report;
//! - [`prove_chain`] (`prove.rs`): the plan proven, leaves and nodes content-addressed and
//!   reused, written as `chain-proof-slot-{slot}.json`: a
//!   [`FinalArtifact`](crate::final_artifact::FinalArtifact) whose `chain` field holds the
//!   registry anchors;
//! - [`ChainCache`] (`cache.rs`): the chain state and a snapshot of the registry kept in
//!   `{work}/chain/`, so that the next report (on any machine with the same work directory)
//!   continues the chain.
//!
//! The oracle takes this design's proofs through `submitChainReport`, which accepts a report
//! only when its old anchor is 0 (cold) or one the oracle stored under the same verifier.

mod cache;
mod native;
mod plan;
mod prove;

pub use cache::{CacheLoad, ChainCache, CACHE_FILE, CACHE_VERSION};
pub use native::{check_report, native_chain, ChainNativeNode, ChainNativeTree, LeafStatement};
pub use plan::{
    plan, pool_instances, ChainPlan, ChainSizes, Child, PlanCounts, PlannedNode, PreviousRegistry,
    Role, MAX_DELTA_UPDATES,
};
pub use prove::{prove_chain, ChainNodeOutcome, ChainProof};

use crate::PipelineError;
use stakeproof_circuits::aggregation::native::CombineError;
use stakeproof_circuits::delta::DeltaError;
use stakeproof_circuits::pool_balance::PoolBalanceError;

/// Why a chain report cannot be planned, checked or proven.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    /// Sizes that are not a valid chain shape.
    #[error("chain sizes: {0}")]
    Sizes(String),
    /// More leaves than a fixed-depth tree holds.
    #[error(
        "the {tree} tree of depth {depth} holds {capacity} leaves, the report needs {leaves} \
         ({sizes})"
    )]
    DoesNotFit {
        /// Which tree.
        tree: &'static str,
        /// Its join levels.
        depth: u32,
        /// `2^depth`.
        capacity: u64,
        /// Leaves needed.
        leaves: usize,
        /// The sizes, spelled out.
        sizes: String,
    },
    /// A delta or append leaf that cannot be made.
    #[error("registry chain: {0}")]
    Delta(#[from] DeltaError),
    /// A pool-balance leaf that cannot be made.
    #[error("pool balance: {0}")]
    PoolBalance(#[from] PoolBalanceError),
    /// Statements that do not combine.
    #[error("chain aggregation: {0}")]
    Combine(#[from] CombineError),
    /// The previous registry does not have the chain state it is said to have.
    #[error("the previous registry's validators give another chain state than the one recorded")]
    PreviousState,
    /// The chain cache could not be written.
    #[error("chain cache {path}: {reason}")]
    Cache {
        /// The file.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// An error of the pipeline (keys, proofs, artifacts, a mismatch with the native report).
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
}

impl ChainError {
    /// The pipeline error inside, if this is one (the CLI maps those to their exit codes).
    pub fn into_pipeline(self) -> Result<PipelineError, Self> {
        match self {
            ChainError::Pipeline(p) => Ok(p),
            other => Err(other),
        }
    }
}

impl From<stakeproof_circuits::aggregation::layout::BadNode> for ChainError {
    fn from(e: stakeproof_circuits::aggregation::layout::BadNode) -> Self {
        ChainError::Pipeline(e.into())
    }
}

impl From<stakeproof_beacon::beacon::StateError> for ChainError {
    fn from(e: stakeproof_beacon::beacon::StateError) -> Self {
        ChainError::Pipeline(e.into())
    }
}

impl From<stakeproof_beacon::report::ReportError> for ChainError {
    fn from(e: stakeproof_beacon::report::ReportError) -> Self {
        ChainError::Pipeline(e.into())
    }
}

impl From<stakeproof_circuits::util::circuit::CircuitError> for ChainError {
    fn from(e: stakeproof_circuits::util::circuit::CircuitError) -> Self {
        ChainError::Pipeline(e.into())
    }
}

impl From<stakeproof_circuits::aggregation::circuit::NodeError> for ChainError {
    fn from(e: stakeproof_circuits::aggregation::circuit::NodeError) -> Self {
        ChainError::Pipeline(e.into())
    }
}

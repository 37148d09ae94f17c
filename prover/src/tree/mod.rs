//! The proof tree of a report: leaf proofs wrapped, registry runs joined under each balance
//! range, segments joined pairwise up to the final proof bound to the block root.
//!
//! Shape, for ranges `n_r` (registry) and `n_b = m·n_r` (balance) and `s = ⌈L/n_b⌉` segments:
//! every leaf is first *wrapped* (aggregated alone: a ~120-column SHA-256 proof becomes a
//! ~20-column one, which is what keeps two children per node affordable); the `m` registry
//! wraps of a segment are joined pairwise into one run; the run and the balance wrap make a
//! segment summary; summaries are joined pairwise, left to right, an odd one moving up a level
//! unchanged; the last join (or the only segment) produces the final statement, proven under
//! the EVM transcript.
//!
//! Every node proof is an artifact keyed by its circuit, verifying key and children's keys, so
//! an unchanged registry range reuses its leaf, its wrap and every run above it that has only
//! unchanged ranges below.
//!
//! - [`plan`](plan()): the tree's shape, children before parents (`plan.rs`);
//! - [`prove`](prove()): the one entry point, leaves then nodes to the final artifact, with
//!   every setting in [`ProveOptions`] (`prove.rs`);
//! - [`native_tree`]: the twin, every statement computed natively (`native.rs`).
//!
//! A node's statement is decoded by [`Statement::describe`](stakeproof_circuits::aggregation::layout::Statement::describe),
//! the codec beside the layouts in `stakeproof-circuits`.

mod native;
mod plan;
pub(crate) mod prove;

pub use crate::options::{ProveOptions, TreeOptions, DEFAULT_FINAL_K, DEFAULT_NODE_K};
pub use native::{native_tree, NativeNode, NativeTree};
pub use plan::{node_count, plan, Child, PlannedNode};
pub use prove::{prove, NodeOutcome, ReportProof};

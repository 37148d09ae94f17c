//! Aggregation: snark-verifier proofs that verify one or two child proofs (leaves or earlier
//! aggregations) and combine their statements, up to the final proof an EVM verifier checks.
//!
//! No SHA-256 runs here: balance proofs already open their range in the block root (see
//! [`crate::balance`]), so a node only checks equalities between its children's public inputs
//! and adds their sums. Split as:
//! - [`layout`]: what each proof's public inputs state ([`Statement`]) and how a node combines
//!   its children ([`NodeSpec`]);
//! - [`constraints`]: the combination in-circuit;
//! - [`native`]: the same combination in plain Rust (the twin), with errors that name the
//!   mismatch;
//! - [`circuit`]: the stage-aware entry point that builds a node circuit for keygen or proving
//!   from child snarks and a pinning (config and break points).

pub mod circuit;
pub mod constraints;
pub mod layout;
pub mod native;

pub use circuit::{build_node, build_node_with, NodePinning, NodeShape};
pub use layout::{NodeSpec, NodeWitness, Statement};

#![warn(missing_docs)]
//! # stakeproof
//!
//! Trustless proofs of a liquid-staking pool's beacon-chain balance. This facade crate holds
//! the `stakeproof` command line and re-exports the workspace's libraries:
//!
//! - [`prover`]: beacon data (fork/preset-aware SSZ, merkleization, Merkle proofs to the block
//!   root, beacon API client and cache) and the native pool report.
pub use stakeproof_prover as prover;

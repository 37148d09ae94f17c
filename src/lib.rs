#![warn(missing_docs)]
//! # stakeproof
//!
//! Trustless proofs of a liquid-staking pool's beacon-chain balance. This facade crate holds
//! the `stakeproof` command line and re-exports the workspace's libraries:
//!
//! - [`beacon`]: beacon data (fork/preset-aware SSZ, merkleization, Merkle proofs to the block
//!   root, beacon API client and cache) and the native pool report;
//! - [`prover`]: the proving pipeline (SRS, keys, artifacts, leaf stage, proof tree, final proof);
//! - [`tx`]: the EIP-1559 transaction `submit` signs (quantities, key, fees, RLP), without I/O.
pub use stakeproof_beacon as beacon;
pub use stakeproof_prover as prover;

pub mod tx;

/// The oracle contract's `Report` (what `submitReport` takes beside the proof) for a final
/// proof's statement.
pub fn oracle_report(
    s: &stakeproof_prover::final_artifact::FinalStatement,
) -> stakeproof_contracts::Report {
    stakeproof_contracts::Report {
        slot: s.slot,
        registry_length: s.registry_length,
        validator_count: s.validator_count,
        total_balance_gwei: s.total_balance_gwei,
        active_count: s.active_count,
        exited_count: s.exited_count,
        slashed_count: s.slashed_count,
    }
}

#![warn(missing_docs)]
//! # stakeproof-circuits
//!
//! The leaves of stakeproof's proof tree (see `docs/ARCHITECTURE.md`), as halo2 circuits over
//! BN254 with KZG, built with `halo2-base` and `zkevm-hashes`' SHA-256 circuit:
//!
//! - [`registry`]: for an aligned range of `n_r` validators, the SSZ root of that subtree of
//!   `validators`, and a Poseidon commitment to what accounting needs per validator (pool
//!   membership, slashed, activation and exit epochs). Epoch- and balance-independent, so a
//!   registry proof is reused across reports while its subtree root is unchanged.
//! - [`balance`]: for an aligned range of `n_b` balances, the SSZ root of that subtree of
//!   `balances` and the pool's count, Σ balances, active/exited/slashed counts at an epoch, from
//!   the per-validator data behind the registry commitments of the range.
//!
//! Each circuit has a native twin (`native` modules) computing the same public inputs in plain
//! Rust; [`public_inputs`] documents the layout once. [`util::circuit`] is the one stage-aware
//! entry point (keygen / prover / mock) driven by a pinning (k, columns, break points);
//! [`leaf_size`] names a leaf circuit by its sizes. Module by module, and where the soundness
//! (tamper) tests are: `circuits/README.md`.

pub mod accounts;
pub mod aggregation;
pub mod balance;
mod beacon_open;
pub mod chain;
pub mod delta;
pub mod gadgets;
pub mod leaf_size;
pub mod pending;
pub mod pool;
pub mod pool_balance;
pub mod pool_set;
pub mod poseidon;
pub mod public_inputs;
pub mod registry;
pub mod sha256;
pub mod util;

/// Version of the circuits' constraints. Bump it with any change that alters a verifying key, so
/// cached proving keys of older circuits are never picked up (or, for a circuit no published
/// key depends on yet, rename it: its name is part of every cache path).
pub const CIRCUITS_VERSION: u32 = 1;

pub use halo2_base;
pub use halo2_base::halo2_proofs;
pub use halo2_base::halo2_proofs::halo2curves::bn256::Fr;
pub use snark_verifier;
pub use snark_verifier_sdk;
pub use zkevm_hashes;

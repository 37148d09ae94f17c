//! stakeproof's on-chain side: the Solidity verifier generated from a verifying key
//! ([`verifier`]), the beacon balance oracle and an example LSD ([`contracts`]), the solc-js
//! driver ([`solc`]), an in-memory EVM harness over revm ([`evm`]), the oracle deployment used
//! by tests and tools ([`deployment`]), the ABI encoding of its calls ([`calldata`]) and where a
//! transaction's gas goes ([`gas`]); its errors, decoded ([`errors`]); the withdrawal vault's
//! balance proof and calls ([`vault`]).
//!
//! See `verifier-contracts/README.md`.
#![warn(missing_docs)]

pub mod bindings;
pub mod calldata;
pub mod contracts;
pub mod deployment;
pub mod errors;
pub mod evm;
pub mod gas;
pub mod solc;
pub mod vault;
pub mod verifier;

pub use calldata::Report;
pub use deployment::Deployment;
pub use evm::{Receipt, TestChain, TxError};
pub use gas::GasBreakdown;
/// The EVM word and address types the API uses (revm's).
pub use revm::primitives::{Address, B256, U256};

//! Beacon-chain data: forks, presets, SSZ layouts, the BeaconState and its Merkle proofs,
//! and the beacon API client with its content-addressed cache.

mod fork;
mod preset;
pub mod schema;
mod state;
mod types;

pub use fork::{Fork, UnknownFork};
pub use preset::{ConfigError, NetworkConfig, Preset};
pub use state::{BeaconState, StateError, StateTree};
pub use types::{
    pubkey_root, validator_root_from_ssz, BeaconBlockHeader, Validator, FAR_FUTURE_EPOCH,
};

//! Beacon-chain data: forks, presets and network configs, SSZ layouts, the BeaconState and
//! its Merkle proofs (the beacon API client is [`crate::api`]).

mod fork;
mod networks;
mod pending;
mod preset;
pub mod schema;
mod state;
mod types;

pub use fork::{Fork, UnknownFork};
pub use networks::NETWORK_NAMES;
pub use pending::pending_deposit_root;
pub use preset::{ConfigError, NetworkConfig, Preset};
pub use state::{BeaconState, StateError, StateTree};
pub use types::{
    pubkey_root, validator_root_from_ssz, BeaconBlockHeader, Validator, FAR_FUTURE_EPOCH,
};

//! Shared by `leaves.rs` and `tamper_leaves.rs`: the leaf sizes under test, a synthetic devnet
//! state, and the mock-stage circuit with its MockProver verdict.

#[path = "mock.rs"]
mod shared;

pub use shared::{accepts, mock};
use stakeproof_beacon::beacon::BeaconState;
use stakeproof_beacon::devnet::{self, DevnetSpec};

pub const N_R: usize = 4;
pub const N_B: usize = 16;
pub const K_REGISTRY: usize = 13;
pub const K_BALANCE: usize = 14;

pub fn devnet_state(n: usize) -> BeaconState {
    devnet::build(&DevnetSpec {
        validators: n,
        pool_permille: 600,
        ..Default::default()
    })
    .unwrap()
}

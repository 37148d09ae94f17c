//! Native twin of the registry circuit: the same public inputs, in plain Rust.

use super::RegistryWitness;
use crate::poseidon::commit_native;
use crate::public_inputs::RegistryPublic;
use stakeproof_beacon::hash::merkleize;

/// The registry proof's public inputs for `w`, computed natively.
pub fn registry_public(w: &RegistryWitness) -> RegistryPublic {
    let leaves: Vec<[u8; 32]> = w
        .validators
        .iter()
        .enumerate()
        .map(|(i, v)| {
            if (i as u64) < w.fill {
                v.hash_tree_root()
            } else {
                [0u8; 32]
            }
        })
        .collect();
    RegistryPublic {
        start: w.start,
        fill: w.fill,
        pool: w.pool.clone(),
        root: merkleize(&leaves, w.n().trailing_zeros() as usize),
        commitment: commit_native(&w.accounts()),
    }
}

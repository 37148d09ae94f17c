//! Registry proof: an aligned range of `n_r` validators' containers, hashed with SHA-256 into
//! their `validators` subtree root, and a Poseidon commitment to what accounting needs of them.
//!
//! Split as config/parameters ([`param`]), witness ([`witness`]), constraints
//! ([`constraints`]) and the native twin ([`native`]).

pub mod constraints;
pub mod native;
pub mod param;
pub mod witness;

pub use param::RegistryParams;
pub use witness::RegistryWitness;

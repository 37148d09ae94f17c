//! Balance proof: an aligned range of `n_b` balances hashed into their `balances` subtree root,
//! and the pool's count, Σ balances and active/exited/slashed counts at an epoch, from the
//! per-validator accounts behind the registry commitments of the range.
//!
//! Split as parameters ([`param`]), witness ([`witness`]), constraints ([`constraints`]) and
//! the native twin ([`native`]).

pub mod constraints;
pub mod native;
pub mod param;
pub mod witness;

pub use param::BalanceParams;
pub use witness::BalanceWitness;

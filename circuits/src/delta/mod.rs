//! Delta leaf of the registry chain (`delta-{n}x{K}`, `append-{n}x{K}`): `K` sequential
//! updates of aligned ranges of `n = 2^log_n` slots, each replacing the range in both the
//! SSZ `validators` tree restricted to depth 24 (`D`) and the accounts tree
//! ([`crate::accounts`], `A`), with the same siblings for the old and the new contents. A leaf
//! proves `S_old = (D, L, A) → S_new` for one pool; the invariant "A is the accounts tree of
//! exactly the containers under D" is kept by every update.
//!
//! Split as parameters ([`param`]), witness ([`witness`]), constraints ([`constraints`]) and
//! the native twin with the registry model ([`native`]).
//!
//! # Layout
//!
//! 13 public instances ([`DELTA_INSTANCES`]); 32-byte values as `(hi, lo)` big-endian 128-bit
//! limbs ([`crate::public_inputs`]):
//!
//! | # | value |
//! |---|---|
//! | 0 | `pool_exact`: 1 for an exact-credential pool, 0 for an address pool |
//! | 1, 2 | `pool_hi`, `pool_lo`: the pool's credential bytes |
//! | 3, 4 | `d_old_hi`, `d_old_lo`: `D` before the leaf |
//! | 5 | `l_old`: `L` before (`< 2^24`) |
//! | 6, 7 | `a_old_hash`, `a_old_count`: `A` before |
//! | 8, 9 | `d_new_hi`, `d_new_lo`: `D` after |
//! | 10 | `l_new`: `L` after (`l_old ≤ l_new < 2^24`) |
//! | 11, 12 | `a_new_hash`, `a_new_count`: `A` after (`count` = pool members) |
//!
//! The cold state is `D = zero_hash(24)`, `L = 0`, `A = zero_nodes()[24]`
//! ([`native::ChainState::cold`]). Aggregation joins leaves with `S_new(first) = S_old(second)`
//! and the same pool.

pub mod constraints;
pub mod native;
pub mod param;
pub mod witness;

pub use native::{ChainState, DeltaError, DeltaPublic, Registry, UpdateSpec};
pub use param::DeltaParams;
pub use witness::{DeltaUpdate, DeltaWitness};

/// Number of delta-leaf instances.
pub const DELTA_INSTANCES: usize = 13;

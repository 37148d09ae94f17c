//! Pool-balance proof: an aligned range of `n_b` balances, the pool's count, Σ balances and
//! active/exited/slashed counts at an epoch, with pool membership read from the accounts tree
//! `A` ([`crate::accounts`]) instead of re-hashed registry ranges.
//!
//! Over `[b, b + n_b)` the circuit witnesses the balances and the accounts, builds the accounts
//! subtree and lifts it along witnessed siblings (directions = the bits of `b / n_b`, which
//! recompose `b`) to the public `A = (hash, count)`; it hashes the balance chunks into their
//! SSZ subtree, lifts it to the `balances` list root, computes the `validators` list root from
//! the public depth-24 data root `D` (lifted with constant zero hashes, `L` mixed in), opens
//! both in one state root and hashes the header into the public block root.
//!
//! Public instances (15, in order): `start, L, epoch, slot, block_hi, block_lo, d_hi, d_lo,
//! a_hash, a_count, count, total, active, exited, slashed`.
//!
//! Split as parameters ([`param`]), witness ([`witness`]), constraints ([`constraints`]) and
//! the native twin ([`native`]).

pub mod constraints;
pub mod native;
pub mod param;
pub mod witness;

pub use native::{member_ranges, pool_balance_public, PoolBalancePublic, POOL_BALANCE_INSTANCES};
pub use param::PoolBalanceParams;
pub use witness::{PoolBalanceError, PoolBalanceWitness};

/// Depth of the registry's data tree that `D` covers (`2^24` slots), the same as the
/// accounts tree's.
pub const D_DEPTH: usize = crate::accounts::ACCOUNTS_DEPTH;

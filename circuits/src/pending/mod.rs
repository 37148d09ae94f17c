//! Pending-deposit proof (`pending-{n}`): an aligned range of `n` entries of Electra's
//! `pending_deposits` queue, the pool's count and Σ amount among them, bound to the beacon
//! block root.
//!
//! Over `[s, s + n)` the circuit witnesses each entry's 192 bytes, hashes its SSZ root (the
//! pubkey 1 hash, the signature 3, the eight-leaf container 7: 22 SHA-256 compressions), puts
//! the zero chunk in its place from the queue's length on, decides the pool match of its
//! credentials (the registry leaf's gadget: an address in either `0x01`/`0x02` form, exact
//! credentials, or a credential set proven in or out), lifts the range's subtree along
//! witnessed siblings (directions = the bits of `s / n`, which recompose `s`) to the list's
//! data root, mixes in the length chunk (whose bytes recompose the length), opens the field in
//! the state root and hashes the header into the public block root.
//!
//! Public instances ([`PENDING_INSTANCES`], in order): `start, queue_len, slot, block_hi,
//! block_lo, pool_mode, pool_hi, pool_lo, count, total_gwei`. Every entry of the queue must be
//! read: a report's pending leaves cover `[0, queue_len)`, and the aggregation checks that.
//!
//! Split as parameters ([`param`]), witness ([`witness`]), constraints ([`constraints`]) and
//! the native twin ([`native`]); how aggregation nodes combine the leaves: [`aggregate`].

pub mod aggregate;
pub mod constraints;
pub mod native;
pub mod param;
pub mod witness;

pub use native::{pending_public, PendingPublic, PENDING_INSTANCES};
pub use param::PendingParams;
pub use witness::{PendingError, PendingPaths, PendingWitness};

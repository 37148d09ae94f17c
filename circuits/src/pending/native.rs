//! Native twin of the pending-deposit circuit: the same function in plain Rust, and the codec
//! of its public instances.

use super::witness::PendingWitness;
use crate::balance::native::{header_root, lift};
use crate::gadgets::{fr_u128, node_limbs};
use crate::pool::PoolSpec;
use crate::Fr;
use stakeproof_beacon::beacon::pending_deposit_root;
use stakeproof_beacon::hash::{merkleize, Node};

/// Number of public instances of a pending-deposit proof.
pub const PENDING_INSTANCES: usize = 10;

/// Public inputs of a pending-deposit proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingPublic {
    /// First queue index.
    pub start: u64,
    /// The queue's length.
    pub queue_len: u64,
    /// Slot of the block.
    pub slot: u64,
    /// The beacon block root.
    pub block_root: Node,
    /// The pool.
    pub pool: PoolSpec,
    /// The pool's entries in the range.
    pub count: u64,
    /// Σ their amounts, gwei (at most `n · (2^64 − 1)`).
    pub total_gwei: u128,
}

impl PendingPublic {
    /// The instance column, in the documented order (see [`crate::pending`]).
    pub fn to_instances(&self) -> Vec<Fr> {
        let (bh, bl) = node_limbs(&self.block_root);
        let (ph, pl) = node_limbs(&self.pool.credentials);
        vec![
            Fr::from(self.start),
            Fr::from(self.queue_len),
            Fr::from(self.slot),
            bh,
            bl,
            Fr::from(self.pool.mode()),
            ph,
            pl,
            Fr::from(self.count),
            fr_u128(self.total_gwei),
        ]
    }
}

/// The pending-deposit proof's public inputs for `w`, computed natively.
pub fn pending_public(w: &PendingWitness) -> PendingPublic {
    let mut leaves = Vec::with_capacity(w.n());
    let (mut count, mut total_gwei) = (0u64, 0u128);
    for (i, e) in w.entries.iter().enumerate() {
        let real = w.start + (i as u64) < w.queue_len;
        leaves.push(if real {
            pending_deposit_root(e)
        } else {
            [0u8; 32]
        });
        let creds: [u8; 32] = e[48..80].try_into().expect("32 bytes");
        if real && w.pool.matches(&creds) {
            count += 1;
            total_gwei += u64::from_le_bytes(e[80..88].try_into().expect("8 bytes")) as u128;
        }
    }
    let log_n = w.n().trailing_zeros();
    let sub = merkleize(&leaves, log_n as usize);
    let p = &w.paths;
    let state = lift(
        sub,
        &p.branch,
        w.start >> log_n,
        w.queue_len,
        p.field,
        &p.field_branch,
    );
    PendingPublic {
        start: w.start,
        queue_len: w.queue_len,
        slot: p.header.slot,
        block_root: header_root(&p.header, &state),
        pool: w.pool.clone(),
        count,
        total_gwei,
    }
}

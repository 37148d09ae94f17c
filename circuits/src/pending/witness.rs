//! Pending-deposit witness: the range's queue entries, the pool, and the Merkle paths that bind
//! the range to the beacon block root.

use crate::balance::witness::HeaderWitness;
use crate::pool::PoolSpec;
use crate::registry::witness::{check_aligned, WitnessError};
use stakeproof_beacon::beacon::{BeaconState, Fork, StateTree};
use stakeproof_beacon::hash::Node;
use stakeproof_beacon::merkle::ListTree;
use stakeproof_beacon::report::{Pool, PENDING_DEPOSIT_SIZE};

/// Why a pending-deposit witness cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum PendingError {
    /// The state has no `pending_deposits` queue (before Electra): a report proves none.
    #[error("a {fork} state has no pending_deposits queue (it starts with Electra)")]
    NoQueue {
        /// The state's fork.
        fork: Fork,
    },
    /// The range is not aligned or not a power of two.
    #[error(transparent)]
    Range(#[from] WitnessError),
    /// The range lies beyond the queue's limit.
    #[error("pending range [{start}, {start} + {size}) is beyond the queue's limit of 2^{depth} entries")]
    BeyondLimit {
        /// Range start.
        start: u64,
        /// Range size.
        size: usize,
        /// Depth of the queue's data tree.
        depth: usize,
    },
}

/// Where the range sits in the state: the siblings from its subtree up to the block root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingPaths {
    /// Siblings of the range's subtree up to the queue's data root (`list_depth − log2 n`
    /// nodes, bottom first).
    pub branch: Vec<Node>,
    /// Siblings of the `pending_deposits` field root up to the state root.
    pub field_branch: Vec<Node>,
    /// Field index of `pending_deposits` in the state (34 in Electra and Fulu).
    pub field: u64,
    /// The block header.
    pub header: HeaderWitness,
}

/// Witness of one pending-deposit proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingWitness {
    /// First queue index `s`.
    pub start: u64,
    /// The queue's length.
    pub queue_len: u64,
    /// `n` entries, SSZ bytes (zero at indices ≥ the length; ignored there).
    pub entries: Vec<[u8; PENDING_DEPOSIT_SIZE]>,
    /// The pool.
    pub pool: PoolSpec,
    /// Paths from the range to the block root.
    pub paths: PendingPaths,
}

impl PendingWitness {
    /// The witness for queue entries `[start, start + n)` of `state` (whose trees are `tree`,
    /// and whose queue's tree is `queue`: [`BeaconState::pending_deposits_tree`]).
    pub fn from_state(
        state: &BeaconState,
        tree: &StateTree,
        queue: &ListTree,
        pool: &Pool,
        start: u64,
        n: usize,
    ) -> Result<Self, PendingError> {
        check_aligned(start, n)?;
        if state.field("pending_deposits").is_err() {
            return Err(PendingError::NoQueue { fork: state.fork() });
        }
        let depth = queue.data.depth();
        let log_n = n.trailing_zeros() as usize;
        if log_n > depth || start >> depth != 0 {
            return Err(PendingError::BeyondLimit {
                start,
                size: n,
                depth,
            });
        }
        let entries = (start..start + n as u64)
            .map(|i| {
                state
                    .pending_deposit_entry(i)
                    .copied()
                    .unwrap_or([0u8; PENDING_DEPOSIT_SIZE])
            })
            .collect();
        let field = state
            .field_index("pending_deposits")
            .expect("a state with a queue has the field") as u64;
        let proof = tree.list_proof(queue, field, log_n, start >> log_n);
        let levels = depth - log_n;
        let state_depth = tree.fields.depth();
        // [list levels] [length chunk] [state fields] [header: 3]
        assert_eq!(
            proof.branch.len(),
            levels + 1 + state_depth + 3,
            "branch length"
        );
        Ok(PendingWitness {
            start,
            queue_len: queue.length,
            entries,
            pool: PoolSpec::from(pool),
            paths: PendingPaths {
                branch: proof.branch[..levels].to_vec(),
                field_branch: proof.branch[levels + 1..levels + 1 + state_depth].to_vec(),
                field,
                header: HeaderWitness::of(tree),
            },
        })
    }

    /// Range size `n`.
    pub fn n(&self) -> usize {
        self.entries.len()
    }

    /// Depth of the queue's data tree.
    pub fn list_depth(&self) -> usize {
        self.paths.branch.len() + self.n().trailing_zeros() as usize
    }

    /// The circuit's parameters.
    pub fn params(&self) -> super::PendingParams {
        super::PendingParams {
            log_n: self.n().trailing_zeros(),
            list_depth: self.list_depth() as u32,
            state_depth: self.paths.field_branch.len() as u32,
            set_depth: self.pool.set_depth(),
        }
    }
}

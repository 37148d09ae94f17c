//! Electra's `pending_deposits` queue as Merkle data: each entry's SSZ root, the list's tree
//! and the proofs of its aligned subtrees up to the block root, which the pending-deposit leaf
//! circuit consumes (`stakeproof_circuits::pending`).

use super::state::BeaconState;
use crate::hash::{hash_pair, merkleize, Node};
use crate::merkle::ListTree;
use crate::report::PENDING_DEPOSIT_SIZE;

/// `hash_tree_root` of one SSZ `PendingDeposit` (pubkey 48, withdrawal credentials 32, amount
/// 8, signature 96, slot 8): the pubkey's root (`sha256(pubkey ‖ 0×16)`), the signature's (its
/// three chunks and a zero chunk merkleized), and the container's eight-leaf tree.
pub fn pending_deposit_root(entry: &[u8; PENDING_DEPOSIT_SIZE]) -> Node {
    let chunk = |b: &[u8]| -> Node {
        let mut c = [0u8; 32];
        c[..b.len()].copy_from_slice(b);
        c
    };
    let pubkey = hash_pair(&chunk(&entry[..32]), &chunk(&entry[32..48]));
    let sig = &entry[88..184];
    let signature = merkleize(
        &[chunk(&sig[..32]), chunk(&sig[32..64]), chunk(&sig[64..])],
        2,
    );
    merkleize(
        &[
            pubkey,
            chunk(&entry[48..80]),
            chunk(&entry[80..88]),
            signature,
            chunk(&entry[184..192]),
        ],
        3,
    )
}

impl BeaconState {
    /// Depth of the `pending_deposits` list's data tree (27 for `PENDING_DEPOSITS_LIMIT =
    /// 2^27`, every built-in preset).
    pub fn pending_deposits_depth(&self) -> usize {
        crate::hash::ceil_log2(self.preset().pending_deposits_limit as u64)
    }

    /// The queue's entries, 192 bytes each, borrowed from the state; `None` before Electra,
    /// where there is no queue.
    pub fn pending_deposit_entries(&self) -> Option<Vec<&[u8; PENDING_DEPOSIT_SIZE]>> {
        let queue = self.field("pending_deposits").ok()?;
        // `decode` checked the list's length is a multiple of the element size.
        Some(
            queue
                .chunks_exact(PENDING_DEPOSIT_SIZE)
                .map(|e| e.try_into().expect("192 bytes"))
                .collect(),
        )
    }

    /// Entry `i` of the queue, `None` past its length or before Electra.
    pub fn pending_deposit_entry(&self, i: u64) -> Option<&[u8; PENDING_DEPOSIT_SIZE]> {
        let queue = self.field("pending_deposits").ok()?;
        let at = usize::try_from(i).ok()?.checked_mul(PENDING_DEPOSIT_SIZE)?;
        queue
            .get(at..at.checked_add(PENDING_DEPOSIT_SIZE)?)?
            .try_into()
            .ok()
    }

    /// The tree of the `pending_deposits` list (its root is the field's `hash_tree_root`);
    /// `None` before Electra.
    pub fn pending_deposits_tree(&self) -> Option<ListTree> {
        let entries = self.pending_deposit_entries()?;
        let roots: Vec<Node> = entries.into_iter().map(pending_deposit_root).collect();
        let len = roots.len() as u64;
        Some(ListTree::new(roots, self.pending_deposits_depth(), len))
    }
}

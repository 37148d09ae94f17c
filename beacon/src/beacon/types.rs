//! The two containers the proofs open: `Validator` and `BeaconBlockHeader`, as plain structs
//! with a fast `hash_tree_root` (cross-checked against `ssz_rs` in the tests).

use super::schema::{HEADER_SIZE, VALIDATOR_SIZE};
use crate::hash::{hash64, hash_pair, merkleize, Node};

/// `FAR_FUTURE_EPOCH`: the exit epoch of a validator that has not exited.
pub const FAR_FUTURE_EPOCH: u64 = u64::MAX;

/// A validator record of the registry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Validator {
    /// BLS public key (48 bytes).
    pub pubkey: [u8; 48],
    /// Withdrawal credentials: `0x00‖sha256(bls)[1..]`, `0x01‖0×11‖address` or `0x02‖0×11‖address`.
    pub withdrawal_credentials: [u8; 32],
    /// Effective balance in gwei.
    pub effective_balance: u64,
    /// Whether the validator was slashed.
    pub slashed: bool,
    /// Epoch it became eligible for activation.
    pub activation_eligibility_epoch: u64,
    /// Epoch it was (or will be) activated.
    pub activation_epoch: u64,
    /// Epoch it exits (`FAR_FUTURE_EPOCH` if none scheduled).
    pub exit_epoch: u64,
    /// Epoch its balance becomes withdrawable.
    pub withdrawable_epoch: u64,
}

impl Default for Validator {
    fn default() -> Self {
        Validator {
            pubkey: [0; 48],
            withdrawal_credentials: [0; 32],
            effective_balance: 0,
            slashed: false,
            activation_eligibility_epoch: 0,
            activation_epoch: 0,
            exit_epoch: 0,
            withdrawable_epoch: 0,
        }
    }
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}

fn u64_chunk(x: u64) -> Node {
    let mut n = [0u8; 32];
    n[..8].copy_from_slice(&x.to_le_bytes());
    n
}

/// Root of the pubkey leaf: `sha256(pubkey ‖ 0×16)`, one 64-byte hash.
#[inline]
pub fn pubkey_root(pubkey: &[u8]) -> Node {
    let mut block = [0u8; 64];
    block[..48].copy_from_slice(pubkey);
    hash64(&block)
}

impl Validator {
    /// Decodes the 121-byte SSZ encoding (which must be well-formed: see [`crate::ssz`]).
    pub fn from_ssz(b: &[u8]) -> Self {
        assert_eq!(
            b.len(),
            VALIDATOR_SIZE,
            "a Validator is {VALIDATOR_SIZE} bytes"
        );
        Validator {
            pubkey: b[0..48].try_into().expect("48"),
            withdrawal_credentials: b[48..80].try_into().expect("32"),
            effective_balance: u64_at(b, 80),
            slashed: b[88] == 1,
            activation_eligibility_epoch: u64_at(b, 89),
            activation_epoch: u64_at(b, 97),
            exit_epoch: u64_at(b, 105),
            withdrawable_epoch: u64_at(b, 113),
        }
    }

    /// The 121-byte SSZ encoding.
    pub fn to_ssz(&self) -> [u8; VALIDATOR_SIZE] {
        let mut b = [0u8; VALIDATOR_SIZE];
        b[0..48].copy_from_slice(&self.pubkey);
        b[48..80].copy_from_slice(&self.withdrawal_credentials);
        b[80..88].copy_from_slice(&self.effective_balance.to_le_bytes());
        b[88] = self.slashed as u8;
        b[89..97].copy_from_slice(&self.activation_eligibility_epoch.to_le_bytes());
        b[97..105].copy_from_slice(&self.activation_epoch.to_le_bytes());
        b[105..113].copy_from_slice(&self.exit_epoch.to_le_bytes());
        b[113..121].copy_from_slice(&self.withdrawable_epoch.to_le_bytes());
        b
    }

    /// The 8 leaves of the container's tree.
    pub fn leaves(&self) -> [Node; 8] {
        let mut slashed = [0u8; 32];
        slashed[0] = self.slashed as u8;
        [
            pubkey_root(&self.pubkey),
            self.withdrawal_credentials,
            u64_chunk(self.effective_balance),
            slashed,
            u64_chunk(self.activation_eligibility_epoch),
            u64_chunk(self.activation_epoch),
            u64_chunk(self.exit_epoch),
            u64_chunk(self.withdrawable_epoch),
        ]
    }

    /// `hash_tree_root(Validator)`.
    pub fn hash_tree_root(&self) -> Node {
        root_of_8(&self.leaves())
    }
}

/// `hash_tree_root` of a serialized Validator, straight from its bytes (no struct): the hot
/// path of the validators list root (8 hashes, 16 compressions).
#[inline]
pub fn validator_root_from_ssz(b: &[u8]) -> Node {
    debug_assert_eq!(b.len(), VALIDATOR_SIZE);
    let mut l = [[0u8; 32]; 8];
    l[0] = pubkey_root(&b[0..48]);
    l[1].copy_from_slice(&b[48..80]);
    l[2][..8].copy_from_slice(&b[80..88]);
    l[3][0] = b[88];
    l[4][..8].copy_from_slice(&b[89..97]);
    l[5][..8].copy_from_slice(&b[97..105]);
    l[6][..8].copy_from_slice(&b[105..113]);
    l[7][..8].copy_from_slice(&b[113..121]);
    root_of_8(&l)
}

#[inline]
fn root_of_8(l: &[Node; 8]) -> Node {
    let a = hash_pair(&l[0], &l[1]);
    let b = hash_pair(&l[2], &l[3]);
    let c = hash_pair(&l[4], &l[5]);
    let d = hash_pair(&l[6], &l[7]);
    hash_pair(&hash_pair(&a, &b), &hash_pair(&c, &d))
}

/// A beacon block header: what the block root commits to.
#[derive(Clone, Debug, PartialEq, Eq, Default, serde::Serialize)]
pub struct BeaconBlockHeader {
    /// Slot of the block.
    pub slot: u64,
    /// Index of the proposer.
    pub proposer_index: u64,
    /// Root of the parent block.
    #[serde(with = "crate::hex32")]
    pub parent_root: Node,
    /// Root of the post-state (zero inside that very state: see [`super::BeaconState::block_root`]).
    #[serde(with = "crate::hex32")]
    pub state_root: Node,
    /// Root of the block body.
    #[serde(with = "crate::hex32")]
    pub body_root: Node,
}

impl BeaconBlockHeader {
    /// Generalized index of `slot` in the header tree.
    pub const SLOT_GINDEX: u64 = 8;
    /// Generalized index of `state_root` in the header tree.
    pub const STATE_ROOT_GINDEX: u64 = 11;

    /// Decodes the 112-byte SSZ encoding.
    pub fn from_ssz(b: &[u8]) -> Self {
        assert_eq!(
            b.len(),
            HEADER_SIZE,
            "a BeaconBlockHeader is {HEADER_SIZE} bytes"
        );
        BeaconBlockHeader {
            slot: u64_at(b, 0),
            proposer_index: u64_at(b, 8),
            parent_root: b[16..48].try_into().expect("32"),
            state_root: b[48..80].try_into().expect("32"),
            body_root: b[80..112].try_into().expect("32"),
        }
    }

    /// The 112-byte SSZ encoding.
    pub fn to_ssz(&self) -> [u8; HEADER_SIZE] {
        let mut b = [0u8; HEADER_SIZE];
        b[0..8].copy_from_slice(&self.slot.to_le_bytes());
        b[8..16].copy_from_slice(&self.proposer_index.to_le_bytes());
        b[16..48].copy_from_slice(&self.parent_root);
        b[48..80].copy_from_slice(&self.state_root);
        b[80..112].copy_from_slice(&self.body_root);
        b
    }

    /// The 5 field roots (the tree pads them to 8 leaves).
    pub fn leaves(&self) -> Vec<Node> {
        vec![
            u64_chunk(self.slot),
            u64_chunk(self.proposer_index),
            self.parent_root,
            self.state_root,
            self.body_root,
        ]
    }

    /// `hash_tree_root(BeaconBlockHeader)`: the block root.
    pub fn hash_tree_root(&self) -> Node {
        merkleize(&self.leaves(), 3)
    }
}

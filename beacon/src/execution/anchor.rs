//! The execution block a beacon state commits to: its `latest_execution_payload_header`'s
//! state root, block number and block hash, each with a Merkle proof to the beacon block root.
//!
//! The post-state of a block holds that block's own payload header, so the execution state root
//! it names is the state after the same block's withdrawals: the balances the beacon report
//! proves and the vault balance opened here describe one moment.

use crate::beacon::schema::beacon_state;
use crate::beacon::{BeaconBlockHeader, BeaconState, Fork, Preset, StateTree};
use crate::merkle::{concat_gindices, gindex_of, MerkleProof, MerkleTree};
use crate::ssz::{Path, Ty};

use super::ExecutionError;

/// The execution block of a post-block beacon state, opened from the beacon block root.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ExecutionAnchor {
    /// The beacon block root everything below is proven against.
    #[serde(with = "crate::hex32")]
    pub beacon_block_root: [u8; 32],
    /// The execution block's number.
    pub block_number: u64,
    /// The execution block's hash.
    #[serde(with = "crate::hex32")]
    pub block_hash: [u8; 32],
    /// The execution state root after that block.
    #[serde(with = "crate::hex32")]
    pub state_root: [u8; 32],
    /// `latest_execution_payload_header.state_root` up to the block root.
    pub state_root_proof: MerkleProof,
    /// `latest_execution_payload_header.block_number` (its chunk) up to the block root.
    pub block_number_proof: MerkleProof,
    /// `latest_execution_payload_header.block_hash` up to the block root.
    pub block_hash_proof: MerkleProof,
}

const HEADER_FIELD: &str = "latest_execution_payload_header";

impl ExecutionAnchor {
    /// Opens the payload header of `state` (whose trees are `tree`). Refused before Capella:
    /// earlier states have no payload (phase0, Altair) or no withdrawals to a vault (Bellatrix).
    pub fn open(state: &BeaconState, tree: &StateTree) -> Result<Self, ExecutionError> {
        let fork = state.fork();
        if fork < Fork::Capella {
            return Err(ExecutionError::NoWithdrawals { fork });
        }
        let field = state
            .field_index(HEADER_FIELD)
            .map_err(|_| ExecutionError::NoWithdrawals { fork })? as u64;
        let (_, ty) = &state.schema().fields[field as usize];
        let Ty::Container(header) = ty else {
            unreachable!("the payload header is a container in every fork that has it")
        };
        let bytes = state.field(HEADER_FIELD).expect("the index was found");
        let ranges = ty
            .fields(bytes, &Path::Root(HEADER_FIELD))
            .map_err(|e| ExecutionError::PayloadHeader(e.to_string()))?;
        let roots: Vec<[u8; 32]> = header
            .fields
            .iter()
            .zip(&ranges)
            .map(|((_, t), r)| t.hash_tree_root(&bytes[r.clone()]))
            .collect();
        let fields = MerkleTree::new(roots, header.depth());
        let outer = tree.field_proof(field);
        if fields.root() != outer.leaf {
            return Err(ExecutionError::PayloadHeader(
                "its root is not the state's field root".into(),
            ));
        }
        let proof = |name: &str| -> MerkleProof {
            let i = header.index_of(name).expect("every payload header has it") as u64;
            MerkleProof {
                leaf: fields.node(0, i),
                gindex: gindex_of(fields.depth(), i),
                branch: fields.branch(0, i),
            }
            .then(&outer)
        };
        let state_root_proof = proof("state_root");
        let block_number_proof = proof("block_number");
        let block_hash_proof = proof("block_hash");
        let number = &block_number_proof.leaf[..8];
        Ok(ExecutionAnchor {
            beacon_block_root: tree.block_root(),
            block_number: u64::from_le_bytes(number.try_into().expect("8 bytes")),
            block_hash: block_hash_proof.leaf,
            state_root: state_root_proof.leaf,
            state_root_proof,
            block_number_proof,
            block_hash_proof,
        })
    }

    /// Checks that the anchor is of `block_root` (a root the reader trusts, e.g. the proven
    /// report's), and its three proofs against it at the generalized indices `fork`'s layout
    /// gives them, with the values as their leaves: what a reader of a saved anchor does
    /// before trusting it.
    pub fn verify(&self, fork: Fork, block_root: &[u8; 32]) -> Result<(), ExecutionError> {
        if self.beacon_block_root != *block_root {
            return Err(ExecutionError::AnchorProof {
                field: "beacon_block_root",
                why: format!(
                    "the anchor is of {}, not of {}",
                    crate::hexfmt::encode(self.beacon_block_root),
                    crate::hexfmt::encode(block_root)
                ),
            });
        }
        let gindices = payload_gindices(fork).ok_or(ExecutionError::NoWithdrawals { fork })?;
        let mut number_chunk = [0u8; 32];
        number_chunk[..8].copy_from_slice(&self.block_number.to_le_bytes());
        for ((what, proof, leaf), gindex) in [
            ("state_root", &self.state_root_proof, self.state_root),
            ("block_number", &self.block_number_proof, number_chunk),
            ("block_hash", &self.block_hash_proof, self.block_hash),
        ]
        .into_iter()
        .zip(gindices)
        {
            if proof.gindex != gindex {
                return Err(ExecutionError::AnchorProof {
                    field: what,
                    why: format!(
                        "generalized index {} (the layout's is {gindex})",
                        proof.gindex
                    ),
                });
            }
            if proof.leaf != leaf {
                return Err(ExecutionError::AnchorProof {
                    field: what,
                    why: "the proof's leaf is not the value".into(),
                });
            }
            proof
                .verify(&self.beacon_block_root)
                .map_err(|e| ExecutionError::AnchorProof {
                    field: what,
                    why: e.to_string(),
                })?;
        }
        Ok(())
    }
}

/// Generalized indices below the beacon block root of the payload header's `state_root`,
/// `block_number` and `block_hash` in `fork`'s layout (Capella: 6018, 6022, 6028; Deneb: 12034,
/// 12038, 12044; Electra and Fulu: 23298, 23302, 23308). `None` before Capella.
pub fn payload_gindices(fork: Fork) -> Option<[u64; 3]> {
    if fork < Fork::Capella {
        return None;
    }
    // Field positions do not depend on the preset's sizes.
    let state = beacon_state(fork, &Preset::mainnet());
    let field = state.index_of(HEADER_FIELD)? as u64;
    let (_, Ty::Container(header)) = &state.fields[field as usize] else {
        return None;
    };
    let at = |name: &str| -> Option<u64> {
        Some(concat_gindices(&[
            BeaconBlockHeader::STATE_ROOT_GINDEX,
            gindex_of(state.depth(), field),
            gindex_of(header.depth(), header.index_of(name)? as u64),
        ]))
    };
    Some([at("state_root")?, at("block_number")?, at("block_hash")?])
}

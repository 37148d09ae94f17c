//! A decoded BeaconState of any supported fork, kept as validated SSZ bytes, and its trees.

use super::schema::{self, VALIDATOR_SIZE};
use super::types::{validator_root_from_ssz, BeaconBlockHeader, Validator};
use super::{ConfigError, Fork, NetworkConfig, Preset};
use crate::hash::{merkleize, Node};
use crate::merkle::{concat_gindices, gindex_of, ListTree, MerkleProof, MerkleTree};
use crate::ssz::{pack, Container, Path, SszError, Ty};
use rayon::prelude::*;
use std::ops::Range;

/// Errors decoding or using a BeaconState.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The input is empty.
    #[error("the state is empty (0 bytes)")]
    Empty,
    /// The bytes are not a valid state of the requested fork and preset.
    #[error("not a valid {fork} BeaconState under the {preset} preset ({len} bytes): {source}")]
    Decode {
        /// Fork tried.
        fork: Fork,
        /// Preset name.
        preset: String,
        /// Input length.
        len: usize,
        /// The first malformation found.
        #[source]
        source: SszError,
    },
    /// No fork layout decodes the bytes.
    #[error("no fork layout decodes these {len} bytes as a BeaconState under the {preset} preset (is it truncated, or of another preset?); {details}")]
    NoLayout {
        /// Preset name.
        preset: String,
        /// Input length.
        len: usize,
        /// Each fork's error, one per line.
        details: String,
    },
    /// The state's fork version belongs to another fork than the one claimed.
    #[error("the state's fork.current_version 0x{version} is {actual} in the {config} config, but the state was given as {claimed}")]
    WrongFork {
        /// Version read from the state.
        version: String,
        /// Config name.
        config: String,
        /// Fork the version belongs to.
        actual: Fork,
        /// Fork the caller claimed.
        claimed: Fork,
    },
    /// The state has been advanced past its latest block, so no block root commits to it.
    #[error("the state at slot {slot} is not the post-state of a block: latest_block_header (slot {block_slot}) already carries its state root, so the slot was advanced through empty slots; use the state at slot {block_slot}")]
    NotPostBlockState {
        /// The state's slot.
        slot: u64,
        /// Slot of its latest block.
        block_slot: u64,
    },
    /// A field name that this fork's state does not have.
    #[error("a {fork} BeaconState has no field {field:?}")]
    NoField {
        /// The fork.
        fork: Fork,
        /// The name asked for.
        field: String,
    },
    /// The preset the state was to be decoded under fails [`Preset::validate`].
    #[error("cannot decode a state under preset {preset}: {source}")]
    Preset {
        /// Preset name.
        preset: String,
        /// The rule it breaks.
        #[source]
        source: ConfigError,
    },
    /// The validators and balances lists differ in length (every validator has one balance).
    #[error("the state is inconsistent: its validators list has {validators} entries but its balances list has {balances} (every validator has exactly one balance)")]
    ListLengths {
        /// Length of `validators`.
        validators: u64,
        /// Length of `balances`.
        balances: u64,
    },
    /// A state whose `latest_block_header` is not the block it is the post-state of, nor an
    /// earlier block it was advanced from.
    #[error("the state is inconsistent: its slot is {slot} but its latest_block_header is at slot {block_slot} ({why})")]
    SlotMismatch {
        /// `state.slot`.
        slot: u64,
        /// `state.latest_block_header.slot`.
        block_slot: u64,
        /// Which rule is broken.
        why: &'static str,
    },
    /// More validators than the preset's `VALIDATOR_REGISTRY_LIMIT`.
    #[error("the state is inconsistent: {len} validators exceed VALIDATOR_REGISTRY_LIMIT {limit}")]
    RegistryTooLong {
        /// The registry length L.
        len: u64,
        /// The limit.
        limit: u64,
    },
    /// An index outside a list.
    #[error("{what} index {index} is outside the list (length {len})")]
    OutOfRange {
        /// Which list.
        what: &'static str,
        /// The index asked for.
        index: u64,
        /// The list's length.
        len: u64,
    },
}

/// A BeaconState: validated SSZ bytes plus the layout that reads them.
#[derive(Clone, Debug)]
pub struct BeaconState {
    fork: Fork,
    preset: Preset,
    schema: Container,
    bytes: Vec<u8>,
    fields: Vec<Range<usize>>,
}

/// Offset of `fork.current_version` in every fork's BeaconState (genesis_time, genesis
/// validators root, slot, fork.previous_version come first in all of them).
const CURRENT_VERSION_AT: Range<usize> = 52..56;

impl BeaconState {
    /// Decodes and strictly validates `bytes` as SSZ of a BeaconState of `fork` under `preset`
    /// (which must pass [`Preset::validate`]). This is the *structural* decoder: it does not
    /// check that the fields agree with each other (the consensus-spec-tests `ssz_random`
    /// vectors do not), so it serves SSZ round trips, merkleization and generated states. Every
    /// path that reports or proves uses [`BeaconState::decode_checked`] or
    /// [`BeaconState::decode_any`], which add [`BeaconState::validate_consistency`].
    pub fn decode(bytes: Vec<u8>, fork: Fork, preset: &Preset) -> Result<Self, StateError> {
        check_preset(preset)?;
        let (schema, fields) = Self::validate(&bytes, fork, preset)?;
        Ok(BeaconState {
            fork,
            preset: preset.clone(),
            schema,
            bytes,
            fields,
        })
    }

    /// Checks `bytes` against the layout of `fork` under `preset`; returns the layout and the
    /// byte range of each field.
    fn validate(
        bytes: &[u8],
        fork: Fork,
        preset: &Preset,
    ) -> Result<(Container, Vec<Range<usize>>), StateError> {
        if bytes.is_empty() {
            return Err(StateError::Empty);
        }
        let ty = Ty::Container(schema::beacon_state(fork, preset));
        let root = Path::Root("BeaconState");
        let decode_err = |source| StateError::Decode {
            fork,
            preset: preset.name.clone(),
            len: bytes.len(),
            source,
        };
        let fields = ty.fields(bytes, &root).map_err(decode_err)?;
        let Ty::Container(schema) = ty else {
            unreachable!("built as a container")
        };
        // Validate fields in parallel: the registry dominates and is checked element-wise.
        schema
            .fields
            .par_iter()
            .zip(fields.par_iter())
            .try_for_each(|((name, t), r)| t.validate(&bytes[r.clone()], &Path::Field(&root, name)))
            .map_err(decode_err)?;
        Ok((schema, fields))
    }

    /// Decodes a state whose fork is not given: by its fork version when `config` lists
    /// versions, else by trying every layout (newest first) and keeping the one that decodes;
    /// then checks that it is consistent ([`BeaconState::validate_consistency`]). For the
    /// structural decode alone see [`BeaconState::decode_any_structural`].
    pub fn decode_any(bytes: Vec<u8>, config: &NetworkConfig) -> Result<Self, StateError> {
        let state = Self::decode_any_structural(bytes, config)?;
        state.validate_consistency()?;
        Ok(state)
    }

    /// [`BeaconState::decode_any`] without the consistency check: the layout detection alone.
    pub fn decode_any_structural(
        bytes: Vec<u8>,
        config: &NetworkConfig,
    ) -> Result<Self, StateError> {
        check_preset(&config.preset)?;
        if bytes.is_empty() {
            return Err(StateError::Empty);
        }
        if bytes.len() >= CURRENT_VERSION_AT.end {
            let version: [u8; 4] = bytes[CURRENT_VERSION_AT].try_into().expect("4 bytes");
            if let Some(fork) = config.fork_of_version(version) {
                return Self::decode(bytes, fork, &config.preset);
            }
        }
        let mut details = Vec::new();
        for fork in Fork::ALL.into_iter().rev() {
            match Self::validate(&bytes, fork, &config.preset) {
                Ok((schema, fields)) => {
                    return Ok(BeaconState {
                        fork,
                        preset: config.preset.clone(),
                        schema,
                        bytes,
                        fields,
                    })
                }
                Err(e) => details.push(format!("as {fork}: {}", source_of(&e))),
            }
        }
        Err(StateError::NoLayout {
            preset: config.preset.name.clone(),
            len: bytes.len(),
            details: details.join("; "),
        })
    }

    /// Decodes with an explicit fork, checks the state's fork version against `config` when the
    /// config lists fork versions (a Deneb state handed in as Electra is refused even where the
    /// layouts would happen to parse), and checks that the state is consistent
    /// ([`BeaconState::validate_consistency`]).
    pub fn decode_checked(
        bytes: Vec<u8>,
        fork: Fork,
        config: &NetworkConfig,
    ) -> Result<Self, StateError> {
        if bytes.len() >= CURRENT_VERSION_AT.end {
            let version: [u8; 4] = bytes[CURRENT_VERSION_AT].try_into().expect("4 bytes");
            if let Some(actual) = config.fork_of_version(version) {
                if actual != fork {
                    return Err(StateError::WrongFork {
                        version: hex::encode(version),
                        config: config.name.clone(),
                        actual,
                        claimed: fork,
                    });
                }
            }
        }
        let state = Self::decode(bytes, fork, &config.preset)?;
        state.validate_consistency()?;
        Ok(state)
    }

    /// The one check that a structurally valid state is one a chain could hold, run by every
    /// path that reports or proves (through [`BeaconState::decode_checked`] and
    /// [`BeaconState::decode_any`], which the CLI and the beacon API client use):
    /// - the validators and balances lists have the same length;
    /// - the registry length L is within `VALIDATOR_REGISTRY_LIMIT`;
    /// - a post-block state (`latest_block_header.state_root` zero, the form a block's
    ///   post-state has and the one whose trees are proven) has `slot` equal to the header's
    ///   slot; a state advanced through empty slots (the header already carries its state
    ///   root) has a slot after the header's. No header is ever from a later slot.
    pub fn validate_consistency(&self) -> Result<(), StateError> {
        let (validators, balances) = (self.validator_count(), self.balance_count());
        if validators != balances {
            return Err(StateError::ListLengths {
                validators,
                balances,
            });
        }
        let limit = self.preset.validator_registry_limit as u64;
        if validators > limit {
            return Err(StateError::RegistryTooLong {
                len: validators,
                limit,
            });
        }
        let header = self.latest_block_header();
        let slot = self.slot();
        let mismatch = |why| StateError::SlotMismatch {
            slot,
            block_slot: header.slot,
            why,
        };
        if header.slot > slot {
            return Err(mismatch(
                "a state's latest block cannot be later than the state",
            ));
        }
        if header.state_root == [0u8; 32] && header.slot != slot {
            return Err(mismatch(
                "its header's state_root is zero, so it claims to be that block's post-state, whose slot is the block's",
            ));
        }
        if header.state_root != [0u8; 32] && header.slot == slot {
            return Err(mismatch(
                "its header already carries a state root, which happens only once the state is advanced past the block's slot",
            ));
        }
        Ok(())
    }

    /// The fork whose layout this state uses.
    pub fn fork(&self) -> Fork {
        self.fork
    }

    /// The preset it was decoded under.
    pub fn preset(&self) -> &Preset {
        &self.preset
    }

    /// The layout.
    pub fn schema(&self) -> &Container {
        &self.schema
    }

    /// The SSZ bytes.
    pub fn as_ssz(&self) -> &[u8] {
        &self.bytes
    }

    /// Consumes the state, returning its SSZ bytes.
    pub fn into_ssz(self) -> Vec<u8> {
        self.bytes
    }

    /// The bytes of a field by name.
    pub fn field(&self, name: &str) -> Result<&[u8], StateError> {
        let i = self.field_index(name)?;
        Ok(&self.bytes[self.fields[i].clone()])
    }

    /// Position of a field in this fork's field list.
    pub fn field_index(&self, name: &str) -> Result<usize, StateError> {
        self.schema
            .index_of(name)
            .ok_or_else(|| StateError::NoField {
                fork: self.fork,
                field: name.to_string(),
            })
    }

    /// Generalized index of a field below the state root, derived from the field list.
    pub fn field_gindex(&self, name: &str) -> Result<u64, StateError> {
        Ok(gindex_of(
            self.schema.depth(),
            self.field_index(name)? as u64,
        ))
    }

    fn u64_field(&self, name: &str) -> u64 {
        let b = self.field(name).expect("every fork has this field");
        u64::from_le_bytes(b[..8].try_into().expect("8 bytes"))
    }

    /// `state.slot`.
    pub fn slot(&self) -> u64 {
        self.u64_field("slot")
    }

    /// `state.genesis_time`.
    pub fn genesis_time(&self) -> u64 {
        self.u64_field("genesis_time")
    }

    /// The epoch of the state's slot.
    pub fn epoch(&self) -> u64 {
        self.slot() / self.preset.slots_per_epoch
    }

    /// `state.fork.current_version`.
    pub fn fork_version(&self) -> [u8; 4] {
        self.bytes[CURRENT_VERSION_AT].try_into().expect("4 bytes")
    }

    /// `state.genesis_validators_root`.
    pub fn genesis_validators_root(&self) -> Node {
        self.field("genesis_validators_root")
            .expect("every fork")
            .try_into()
            .expect("32 bytes")
    }

    /// `state.latest_block_header`.
    pub fn latest_block_header(&self) -> BeaconBlockHeader {
        BeaconBlockHeader::from_ssz(self.field("latest_block_header").expect("every fork"))
    }

    /// The serialized validators (121 bytes each).
    pub fn validators_ssz(&self) -> &[u8] {
        self.field("validators").expect("every fork")
    }

    /// Number of validators (the registry length L).
    pub fn validator_count(&self) -> u64 {
        (self.validators_ssz().len() / VALIDATOR_SIZE) as u64
    }

    /// Validator `i`.
    pub fn validator(&self, i: u64) -> Result<Validator, StateError> {
        let len = self.validator_count();
        if i >= len {
            return Err(StateError::OutOfRange {
                what: "validator",
                index: i,
                len,
            });
        }
        let at = i as usize * VALIDATOR_SIZE;
        Ok(Validator::from_ssz(
            &self.validators_ssz()[at..at + VALIDATOR_SIZE],
        ))
    }

    /// Every validator, decoded, in index order.
    pub fn validators(&self) -> impl ExactSizeIterator<Item = Validator> + '_ {
        self.validators_ssz()
            .chunks_exact(VALIDATOR_SIZE)
            .map(Validator::from_ssz)
    }

    /// The serialized balances (8 bytes each, little-endian gwei).
    pub fn balances_ssz(&self) -> &[u8] {
        self.field("balances").expect("every fork")
    }

    /// Every balance, in index order.
    pub fn balances(&self) -> impl ExactSizeIterator<Item = u64> + '_ {
        self.balances_ssz()
            .chunks_exact(8)
            .map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes")))
    }

    /// Number of balances (equal to the validator count in every valid chain state).
    pub fn balance_count(&self) -> u64 {
        (self.balances_ssz().len() / 8) as u64
    }

    /// Tree over the validators list (leaf roots hashed in parallel).
    pub fn validators_tree(&self) -> ListTree {
        let leaves: Vec<Node> = self
            .validators_ssz()
            .par_chunks_exact(VALIDATOR_SIZE)
            .with_min_len(256)
            .map(validator_root_from_ssz)
            .collect();
        let len = leaves.len() as u64;
        ListTree::new(leaves, self.preset.validators_depth(), len)
    }

    /// Tree over the balances list (4 balances per chunk).
    pub fn balances_tree(&self) -> ListTree {
        ListTree::new(
            pack(self.balances_ssz()),
            self.preset.balances_depth(),
            self.balance_count(),
        )
    }

    /// `hash_tree_root` of every field, in order.
    pub fn field_roots(&self) -> Vec<Node> {
        self.field_roots_with(None, None)
    }

    fn field_roots_with(&self, vals: Option<&ListTree>, bals: Option<&ListTree>) -> Vec<Node> {
        let vi = self.field_index("validators").expect("every fork");
        let bi = self.field_index("balances").expect("every fork");
        self.schema
            .fields
            .par_iter()
            .zip(self.fields.par_iter())
            .enumerate()
            .map(|(i, ((_, ty), r))| {
                if i == vi {
                    vals.map_or_else(|| self.validators_tree().root(), ListTree::root)
                } else if i == bi {
                    bals.map_or_else(|| self.balances_tree().root(), ListTree::root)
                } else {
                    ty.hash_tree_root(&self.bytes[r.clone()])
                }
            })
            .collect()
    }

    /// `hash_tree_root(state)`.
    pub fn hash_tree_root(&self) -> Node {
        merkleize(&self.field_roots(), self.schema.depth())
    }

    /// The root of the block this state is the post-state of: its `latest_block_header` with
    /// `state_root` set to this state's root. Fails if the state was advanced through empty
    /// slots (then the header already holds a state root, of an earlier state).
    pub fn block_root(&self) -> Result<Node, StateError> {
        Ok(self.tree()?.block_root())
    }

    /// Builds every tree needed for roots and Merkle proofs to the block root.
    pub fn tree(&self) -> Result<StateTree, StateError> {
        let mut header = self.latest_block_header();
        if header.state_root != [0u8; 32] {
            return Err(StateError::NotPostBlockState {
                slot: self.slot(),
                block_slot: header.slot,
            });
        }
        let (validators, balances) =
            rayon::join(|| self.validators_tree(), || self.balances_tree());
        let roots = self.field_roots_with(Some(&validators), Some(&balances));
        let fields = MerkleTree::new(roots, self.schema.depth());
        header.state_root = fields.root();
        Ok(StateTree {
            fork: self.fork,
            validators_field: self.field_index("validators").expect("every fork") as u64,
            balances_field: self.field_index("balances").expect("every fork") as u64,
            fields,
            validators,
            balances,
            header_tree: MerkleTree::new(header.leaves(), 3),
            header,
        })
    }
}

fn check_preset(preset: &Preset) -> Result<(), StateError> {
    preset.validate().map_err(|source| StateError::Preset {
        preset: preset.name.clone(),
        source,
    })
}

fn source_of(e: &StateError) -> String {
    match e {
        StateError::Decode { source, .. } => source.to_string(),
        other => other.to_string(),
    }
}

/// All trees of a post-block state, from list elements to the block root, and the Merkle
/// proofs the circuits consume.
#[derive(Clone, Debug)]
pub struct StateTree {
    /// The fork of the state.
    pub fork: Fork,
    validators_field: u64,
    balances_field: u64,
    /// Tree over the state's field roots.
    pub fields: MerkleTree,
    /// Validators list tree.
    pub validators: ListTree,
    /// Balances list tree.
    pub balances: ListTree,
    /// The block header with its state root filled in.
    pub header: BeaconBlockHeader,
    header_tree: MerkleTree,
}

impl StateTree {
    /// `hash_tree_root(state)`.
    pub fn state_root(&self) -> Node {
        self.fields.root()
    }

    /// The block root.
    pub fn block_root(&self) -> Node {
        self.header_tree.root()
    }

    /// Proof of the state root in the block header (gindex 11).
    pub fn state_root_proof(&self) -> MerkleProof {
        MerkleProof {
            leaf: self.state_root(),
            gindex: BeaconBlockHeader::STATE_ROOT_GINDEX,
            branch: self.header_tree.branch(0, 3),
        }
    }

    /// Proof of the slot in the block header (gindex 8).
    pub fn slot_proof(&self) -> MerkleProof {
        MerkleProof {
            leaf: self.header_tree.node(0, 0),
            gindex: BeaconBlockHeader::SLOT_GINDEX,
            branch: self.header_tree.branch(0, 0),
        }
    }

    /// Proof of the root of the state's field number `field` up to the block root.
    pub(crate) fn field_proof(&self, field: u64) -> MerkleProof {
        MerkleProof {
            leaf: self.fields.node(0, field),
            gindex: gindex_of(self.fields.depth(), field),
            branch: self.fields.branch(0, field),
        }
        .then(&self.state_root_proof())
    }

    /// Proof of the validators list root up to the block root.
    pub fn validators_root_proof(&self) -> MerkleProof {
        self.field_proof(self.validators_field)
    }

    /// Proof of the balances list root up to the block root.
    pub fn balances_root_proof(&self) -> MerkleProof {
        self.field_proof(self.balances_field)
    }

    /// Proof of the root of the aligned subtree of `2^height` data chunks of `list` (the tree
    /// of the state's list field `field`, e.g. [`BeaconState::pending_deposits_tree`]) that
    /// starts at chunk `index · 2^height`, up to the block root: the data-tree siblings, the
    /// length chunk, the state's field siblings and the header's three.
    pub fn list_proof(
        &self,
        list: &ListTree,
        field: u64,
        height: usize,
        index: u64,
    ) -> MerkleProof {
        MerkleProof {
            leaf: list.data.node(height, index),
            gindex: list.gindex(height, index),
            branch: list.branch(height, index),
        }
        .then(&self.field_proof(field))
    }

    /// Proof of `validators[i]`'s root up to the block root. Indices ≥ L prove a zero chunk.
    pub fn validator_proof(&self, i: u64) -> MerkleProof {
        self.list_proof(&self.validators, self.validators_field, 0, i)
    }

    /// Proof of the balances chunk holding balance `i` (chunk ⌊i/4⌋) up to the block root.
    pub fn balance_proof(&self, i: u64) -> MerkleProof {
        self.list_proof(&self.balances, self.balances_field, 0, i / 4)
    }

    /// Proof of the root of the aligned subtree of `2^height` validators that starts at index
    /// `index · 2^height`.
    pub fn validators_subtree_proof(&self, height: usize, index: u64) -> MerkleProof {
        self.list_proof(&self.validators, self.validators_field, height, index)
    }

    /// Proof of the root of the aligned subtree of `2^height` balance chunks (`4 · 2^height`
    /// balances) that starts at chunk `index · 2^height`.
    pub fn balances_subtree_proof(&self, height: usize, index: u64) -> MerkleProof {
        self.list_proof(&self.balances, self.balances_field, height, index)
    }

    fn length_proof(&self, list: &ListTree, field: u64) -> MerkleProof {
        MerkleProof {
            leaf: list.length_chunk(),
            gindex: 3,
            branch: vec![list.data.root()],
        }
        .then(&self.field_proof(field))
    }

    /// Proof of the validators list length chunk (the registry length L).
    pub fn validators_length_proof(&self) -> MerkleProof {
        self.length_proof(&self.validators, self.validators_field)
    }

    /// Proof of the balances list length chunk.
    pub fn balances_length_proof(&self) -> MerkleProof {
        self.length_proof(&self.balances, self.balances_field)
    }

    /// Gindex of `validators[i]` below the block root (726·2^40+i up to Deneb,
    /// 1430·2^40+i for Electra/Fulu).
    pub fn validator_gindex(&self, i: u64) -> u64 {
        concat_gindices(&[
            BeaconBlockHeader::STATE_ROOT_GINDEX,
            gindex_of(self.fields.depth(), self.validators_field),
            self.validators.gindex(0, i),
        ])
    }
}

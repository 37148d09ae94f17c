//! Balance witness: the range's balances, the accounts behind its registry commitments, and the
//! Merkle paths that bind the range to the beacon block root.

use crate::pool::PoolSpec;
use crate::poseidon::Account;
use crate::registry::witness::{account_of, check_aligned, WitnessError};
use stakeproof_beacon::beacon::{BeaconState, StateTree, Validator};
use stakeproof_beacon::hash::{hash_pair, zero_hashes, Node};
use stakeproof_beacon::report::Pool;

/// Depth of the `validators` data tree (`VALIDATOR_REGISTRY_LIMIT = 2^40`, every preset).
pub const VALIDATORS_DEPTH: u32 = 40;

/// The block header fields a balance proof opens, besides the state root it computes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeaderWitness {
    /// `slot`.
    pub slot: u64,
    /// `proposer_index`.
    pub proposer_index: u64,
    /// `parent_root`.
    pub parent_root: Node,
    /// Node 3 of the header tree: `H(H(body_root, 0), H(0, 0))`.
    pub body_node: Node,
}

impl HeaderWitness {
    /// The header fields of the block whose post-state `tree` is.
    pub fn of(tree: &StateTree) -> Self {
        let h = &tree.header;
        HeaderWitness {
            slot: h.slot,
            proposer_index: h.proposer_index,
            parent_root: h.parent_root,
            body_node: hash_pair(
                &hash_pair(&h.body_root, &zero_hashes()[0]),
                &zero_hashes()[1],
            ),
        }
    }
}

/// Where the range sits in the state: the siblings from its subtrees up to the block root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RootPaths {
    /// Siblings of the range's `validators` subtree up to the list's data root
    /// (`40 − log2 n_b` nodes, bottom first).
    pub validators_branch: Vec<Node>,
    /// Siblings of the range's `balances` subtree (`n_b/4` chunks) up to the list's data root
    /// (`38 − log2(n_b/4)` nodes: the same count).
    pub balances_branch: Vec<Node>,
    /// Siblings of the `validators` field root up to the state root (the layout's depth).
    pub validators_field_branch: Vec<Node>,
    /// Siblings of the `balances` field root up to the state root.
    pub balances_field_branch: Vec<Node>,
    /// Field index of `validators` in the state (11 in every fork).
    pub validators_field: u64,
    /// Field index of `balances` (12 in every fork).
    pub balances_field: u64,
    /// The block header.
    pub header: HeaderWitness,
}

/// Witness of one balance proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BalanceWitness {
    /// First balance index `b`.
    pub start: u64,
    /// Registry length L.
    pub registry_len: u64,
    /// Epoch of the counts: `slot / slots_per_epoch`.
    pub epoch: u64,
    /// Slots per epoch of the state's preset.
    pub slots_per_epoch: u64,
    /// `n_b` balances (zero at indices ≥ L).
    pub balances: Vec<u64>,
    /// `n_b` accounts, as the registry proofs of the range committed to them.
    pub accounts: Vec<Account>,
    /// Registry range size `n_r` (accounts are committed in groups of this size).
    pub group: usize,
    /// Roots of the `n_b/n_r` registry subtrees of the range, as registry proofs expose them.
    pub registry_roots: Vec<Node>,
    /// Paths from the range to the block root.
    pub paths: RootPaths,
}

impl BalanceWitness {
    /// The witness for balances `[start, start + n_b)` of `state` (whose trees are `tree`),
    /// consuming registry ranges of size `n_r`. The epoch is the state's.
    pub fn from_state(
        state: &BeaconState,
        tree: &StateTree,
        pool: &Pool,
        start: u64,
        n_b: usize,
        n_r: usize,
    ) -> Result<Self, WitnessError> {
        check_aligned(start, n_b)?;
        if n_b < 4 || !n_r.is_power_of_two() || n_b % n_r != 0 {
            return Err(WitnessError::BadGrouping { n_b, n_r });
        }
        let spec = PoolSpec::from(pool);
        let len = state.validator_count();
        let bal_len = state.balance_count();
        let balances_all = state.balances_ssz();
        let mut balances = Vec::with_capacity(n_b);
        let mut accounts = Vec::with_capacity(n_b);
        for i in start..start + n_b as u64 {
            balances.push(if i < bal_len.min(len) {
                u64::from_le_bytes(
                    balances_all[i as usize * 8..i as usize * 8 + 8]
                        .try_into()
                        .expect("8 bytes"),
                )
            } else {
                0
            });
            accounts.push(if i < len {
                let v = state.validator(i).expect("index below L");
                let member = spec.matches(&v.withdrawal_credentials);
                account_of(&v, member)
            } else {
                account_of(&Validator::default(), false)
            });
        }
        let log_n = n_b.trailing_zeros() as usize;
        let log_r = n_r.trailing_zeros() as usize;
        let pos = start / n_b as u64;
        let registry_roots = (0..(n_b / n_r) as u64)
            .map(|j| tree.validators.data.node(log_r, start / n_r as u64 + j))
            .collect();
        let levels = VALIDATORS_DEPTH as usize - log_n;
        let depth = tree.fields.depth();
        let split = |p: Vec<Node>| -> (Vec<Node>, Vec<Node>) {
            // [list levels] [length chunk] [state fields] [header: 3]
            assert_eq!(p.len(), levels + 1 + depth + 3, "branch length");
            (
                p[..levels].to_vec(),
                p[levels + 1..levels + 1 + depth].to_vec(),
            )
        };
        let (validators_branch, validators_field_branch) =
            split(tree.validators_subtree_proof(log_n, pos).branch);
        let (balances_branch, balances_field_branch) =
            split(tree.balances_subtree_proof(log_n - 2, pos).branch);
        let h = &tree.header;
        let header = HeaderWitness::of(tree);
        let spe = state.preset().slots_per_epoch;
        Ok(BalanceWitness {
            start,
            registry_len: len,
            epoch: h.slot / spe,
            slots_per_epoch: spe,
            balances,
            accounts,
            group: n_r,
            registry_roots,
            paths: RootPaths {
                validators_branch,
                balances_branch,
                validators_field_branch,
                balances_field_branch,
                validators_field: state.field_index("validators").expect("every fork") as u64,
                balances_field: state.field_index("balances").expect("every fork") as u64,
                header,
            },
        })
    }

    /// Range size `n_b`.
    pub fn n(&self) -> usize {
        self.balances.len()
    }

    /// Depth of the state's field tree (5 up to Deneb, 6 from Electra).
    pub fn state_depth(&self) -> usize {
        self.paths.validators_field_branch.len()
    }
}

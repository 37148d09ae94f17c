//! Pool-balance witness: the range's balances and accounts, the accounts siblings up to `A`,
//! and the SSZ paths that bind the range and `D` to the block root.

use super::param::check_size;
use super::D_DEPTH;
use crate::accounts::{leaf, AccNode, AccountsTree, ACCOUNTS_DEPTH};
use crate::balance::witness::{HeaderWitness, VALIDATORS_DEPTH};
use crate::pool::PoolSpec;
use crate::poseidon::Account;
use crate::registry::witness::account_of;
use stakeproof_beacon::beacon::{BeaconState, StateError, StateTree};
use stakeproof_beacon::hash::Node;

/// A pool-balance witness (or its native statement) that cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum PoolBalanceError {
    /// The range size is not a power of two in `[4, 2^24]`.
    #[error("pool-balance range size {n_b} is not a power of two in [4, 2^24]")]
    BadSize {
        /// Range size.
        n_b: usize,
    },
    /// The range start is not a multiple of its size, or the range ends past `2^24`.
    #[error("range start {start} is not aligned on {n_b} or the range ends past 2^24")]
    Unaligned {
        /// Range start.
        start: u64,
        /// Range size.
        n_b: usize,
    },
    /// The registry is longer than the accounts tree (`2^24`).
    #[error("registry length {len} is above 2^24")]
    RegistryTooLong {
        /// `L`.
        len: u64,
    },
    /// The state's `validators` or `balances` data tree does not have the depth of
    /// `VALIDATOR_REGISTRY_LIMIT = 2^40`.
    #[error("the state's {list} data tree has depth {depth}, not {expected}")]
    ListDepth {
        /// Which list.
        list: &'static str,
        /// Its depth.
        depth: usize,
        /// The depth the circuit is built for.
        expected: usize,
    },
    /// The accounts tree is not the one of this state and pool.
    #[error("accounts tree slot {index} differs from the state's account for this pool")]
    AccountsMismatch {
        /// The first slot that differs.
        index: u64,
    },
    /// Witness vectors of the wrong length.
    #[error("witness shape: {what}")]
    Shape {
        /// What is off.
        what: String,
    },
    /// The two lists of the witness open different state roots (no circuit accepts it).
    #[error("the validators and balances lists open different state roots")]
    StateRootMismatch,
    /// The state could not be read.
    #[error(transparent)]
    State(#[from] StateError),
}

/// Witness of one pool-balance proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolBalanceWitness {
    /// First balance index `b` (a multiple of `n_b`).
    pub start: u64,
    /// Registry length `L`.
    pub registry_len: u64,
    /// Epoch of the counts: `slot / slots_per_epoch`.
    pub epoch: u64,
    /// Slots per epoch of the state's preset.
    pub slots_per_epoch: u64,
    /// `n_b` balances (zero at indices ≥ L).
    pub balances: Vec<u64>,
    /// `n_b` accounts, slots `[b, b + n_b)` of the accounts tree.
    pub accounts: Vec<Account>,
    /// Siblings of the range's accounts subtree up to `A` (`24 − log2 n_b`, bottom first).
    pub account_siblings: Vec<AccNode>,
    /// `D`: the depth-24 `validators` data subtree root at index 0.
    pub validators_data: Node,
    /// Siblings of the range's `balances` subtree (`n_b/4` chunks) up to the list's data root
    /// (`40 − log2 n_b` nodes, bottom first).
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

/// The accounts of a state's registry for `pool`: slot `i < L` is
/// `(member = pool matches credentials, slashed, activation, exit)`, as the registry leaf
/// computes them.
pub fn state_accounts(state: &BeaconState, pool: &PoolSpec) -> Vec<Account> {
    state
        .validators()
        .map(|v| {
            let member = pool.matches(&v.withdrawal_credentials);
            account_of(&v, member)
        })
        .collect()
}

/// The accounts tree `A` of a state for `pool`.
pub fn state_accounts_tree(
    state: &BeaconState,
    pool: &PoolSpec,
) -> Result<AccountsTree, PoolBalanceError> {
    let len = state.validator_count();
    if len > 1 << ACCOUNTS_DEPTH {
        return Err(PoolBalanceError::RegistryTooLong { len });
    }
    Ok(AccountsTree::new(&state_accounts(state, pool)))
}

/// `D` of a state: node `(24, 0)` of its `validators` data tree (depth 40).
pub fn state_d(tree: &StateTree) -> Result<Node, PoolBalanceError> {
    let depth = tree.validators.data.depth();
    if depth != VALIDATORS_DEPTH as usize {
        return Err(PoolBalanceError::ListDepth {
            list: "validators",
            depth,
            expected: VALIDATORS_DEPTH as usize,
        });
    }
    Ok(tree.validators.data.node(D_DEPTH, 0))
}

impl PoolBalanceWitness {
    /// The witness for balances `[start, start + n_b)` of `state` (whose trees are `tree`) for
    /// `pool`, whose accounts tree is `accounts` (checked against the state over the range).
    /// The epoch is the state's.
    pub fn from_state(
        state: &BeaconState,
        tree: &StateTree,
        pool: &PoolSpec,
        accounts: &AccountsTree,
        start: u64,
        n_b: usize,
    ) -> Result<Self, PoolBalanceError> {
        check_size(n_b)?;
        if start % n_b as u64 != 0 || start + n_b as u64 > 1 << D_DEPTH {
            return Err(PoolBalanceError::Unaligned { start, n_b });
        }
        let len = state.validator_count();
        if len > 1 << ACCOUNTS_DEPTH {
            return Err(PoolBalanceError::RegistryTooLong { len });
        }
        let d = state_d(tree)?;
        let bal_depth = tree.balances.data.depth();
        if bal_depth != VALIDATORS_DEPTH as usize - 2 {
            return Err(PoolBalanceError::ListDepth {
                list: "balances",
                depth: bal_depth,
                expected: VALIDATORS_DEPTH as usize - 2,
            });
        }
        let bal_len = state.balance_count().min(len);
        let balances_all = state.balances_ssz();
        let mut balances = Vec::with_capacity(n_b);
        let mut accts = Vec::with_capacity(n_b);
        for i in start..start + n_b as u64 {
            let at = i as usize * 8;
            balances.push(match balances_all.get(at..at + 8) {
                Some(b) if i < bal_len => u64::from_le_bytes(b.try_into().expect("8 bytes")),
                _ => 0,
            });
            let a = if i < len {
                let v = state.validator(i)?;
                account_of(&v, pool.matches(&v.withdrawal_credentials))
            } else {
                Account::default()
            };
            if leaf(&a) != accounts.node(0, i) {
                return Err(PoolBalanceError::AccountsMismatch { index: i });
            }
            accts.push(a);
        }
        let log_n = n_b.trailing_zeros() as usize;
        let pos = start >> log_n;
        let header = HeaderWitness::of(tree);
        let validators_field = state.field_index("validators")? as u64;
        let balances_field = state.field_index("balances")? as u64;
        let spe = state.preset().slots_per_epoch;
        Ok(PoolBalanceWitness {
            start,
            registry_len: len,
            epoch: header.slot / spe,
            slots_per_epoch: spe,
            balances,
            accounts: accts,
            account_siblings: accounts.branch(log_n, pos),
            validators_data: d,
            balances_branch: tree.balances.data.branch(log_n - 2, pos),
            validators_field_branch: tree.fields.branch(0, validators_field),
            balances_field_branch: tree.fields.branch(0, balances_field),
            validators_field,
            balances_field,
            header,
        })
    }

    /// Range size `n_b`.
    pub fn n(&self) -> usize {
        self.balances.len()
    }

    /// `log2(n_b)`.
    pub fn log_n(&self) -> u32 {
        self.n().trailing_zeros()
    }

    /// Depth of the state's field tree (5 up to Deneb, 6 from Electra).
    pub fn state_depth(&self) -> usize {
        self.validators_field_branch.len()
    }

    /// The circuit parameters of this witness at `k`.
    pub fn params(&self, k: u32) -> super::PoolBalanceParams {
        super::PoolBalanceParams {
            log_n: self.log_n(),
            state_depth: self.state_depth() as u32,
            slots_per_epoch: self.slots_per_epoch,
            k,
        }
    }

    /// Checks the shape the circuit is laid out for: `n_b` a power of two in `[4, 2^24]`, an
    /// aligned start below `2^24`, as many accounts as balances, `24 − log2 n_b` accounts
    /// siblings, `40 − log2 n_b` balances siblings, field branches of one depth, a power-of-two
    /// number of slots per epoch.
    pub fn check_shape(&self) -> Result<(), PoolBalanceError> {
        let n = self.n();
        check_size(n)?;
        if self.start % n as u64 != 0 || self.start + n as u64 > 1 << D_DEPTH {
            return Err(PoolBalanceError::Unaligned {
                start: self.start,
                n_b: n,
            });
        }
        let log_n = self.log_n() as usize;
        let shape = |what: String| Err(PoolBalanceError::Shape { what });
        if self.accounts.len() != n {
            return shape(format!("{} accounts for {n} balances", self.accounts.len()));
        }
        if self.account_siblings.len() != ACCOUNTS_DEPTH - log_n {
            return shape(format!("{} accounts siblings", self.account_siblings.len()));
        }
        if self.balances_branch.len() != VALIDATORS_DEPTH as usize - log_n {
            return shape(format!("{} balances siblings", self.balances_branch.len()));
        }
        if self.validators_field_branch.len() != self.balances_field_branch.len() {
            return shape("field branches of different depths".into());
        }
        if !self.slots_per_epoch.is_power_of_two() {
            return shape(format!("{} slots per epoch", self.slots_per_epoch));
        }
        Ok(())
    }
}

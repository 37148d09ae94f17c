//! Native twin of the pool-balance circuit: the same 15 public instances in plain Rust, and the
//! helpers the planner needs (which ranges get a leaf, the validators list root from `D`).

use super::witness::{PoolBalanceError, PoolBalanceWitness};
use super::D_DEPTH;
use crate::accounts::{self, AccNode, AccountsTree};
use crate::balance::native::{balances_subtree, header_root, lift, pool_totals};
use crate::balance::witness::VALIDATORS_DEPTH;
use crate::gadgets::{fr_u128, node_from_limbs, node_limbs, u128_from_fr, u64_from_fr};
use crate::Fr;
use stakeproof_beacon::hash::{hash_pair, mix_in_length, zero_hash, Node};
use stakeproof_beacon::report::PoolTotals;

/// Number of public instances of a pool-balance proof.
pub const POOL_BALANCE_INSTANCES: usize = 15;

/// Public inputs of a pool-balance proof, in instance order: `start, L, epoch, slot,
/// block_hi, block_lo, d_hi, d_lo, a_hash, a_count, count, total, active, exited, slashed`
/// (`count, total, active, exited, slashed` are [`PoolTotals`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolBalancePublic {
    /// First balance index `b`.
    pub start: u64,
    /// Registry length `L`.
    pub registry_len: u64,
    /// Epoch of the counts.
    pub epoch: u64,
    /// Slot of the block.
    pub slot: u64,
    /// The beacon block root.
    pub block_root: Node,
    /// `D`: the depth-24 `validators` data subtree root.
    pub validators_data: Node,
    /// `A`: the accounts tree root (hash and member count).
    pub accounts: AccNode,
    /// The pool's totals over the range (`validator_count` is the accounts subtree's count).
    pub totals: PoolTotals,
}

impl PoolBalancePublic {
    /// The instances, in order.
    pub fn to_instances(&self) -> Vec<Fr> {
        let (bh, bl) = node_limbs(&self.block_root);
        let (dh, dl) = node_limbs(&self.validators_data);
        vec![
            Fr::from(self.start),
            Fr::from(self.registry_len),
            Fr::from(self.epoch),
            Fr::from(self.slot),
            bh,
            bl,
            dh,
            dl,
            self.accounts.hash,
            Fr::from(self.accounts.count),
            Fr::from(self.totals.validator_count),
            fr_u128(self.totals.total_balance_gwei),
            Fr::from(self.totals.active_count),
            Fr::from(self.totals.exited_count),
            Fr::from(self.totals.slashed_count),
        ]
    }

    /// Reads instances back; `None` for another count or a value out of its integer range.
    pub fn from_instances(inst: &[Fr]) -> Option<Self> {
        if inst.len() != POOL_BALANCE_INSTANCES {
            return None;
        }
        let u = |i: usize| u64_from_fr(&inst[i]);
        Some(PoolBalancePublic {
            start: u(0)?,
            registry_len: u(1)?,
            epoch: u(2)?,
            slot: u(3)?,
            block_root: node_from_limbs(&inst[4], &inst[5])?,
            validators_data: node_from_limbs(&inst[6], &inst[7])?,
            accounts: AccNode {
                hash: inst[8],
                count: u(9)?,
            },
            totals: PoolTotals {
                validator_count: u(10)?,
                total_balance_gwei: u128_from_fr(&inst[11])?,
                active_count: u(12)?,
                exited_count: u(13)?,
                slashed_count: u(14)?,
            },
        })
    }
}

/// The `validators` list root of a registry of length `len` whose depth-24 data subtree is `d`:
/// `d` lifted with the constant `zero_hash(24..40)`, then `len` mixed in.
pub fn validators_list_root(d: &Node, len: u64) -> Node {
    let data = (D_DEPTH..VALIDATORS_DEPTH as usize).fold(*d, |n, h| hash_pair(&n, &zero_hash(h)));
    mix_in_length(&data, len)
}

/// The root of the accounts subtree over `accounts` (a power of two of them).
pub fn accounts_subtree(accounts: &[crate::poseidon::Account]) -> AccNode {
    let mut layer: Vec<AccNode> = accounts.iter().map(accounts::leaf).collect();
    while layer.len() > 1 {
        layer = layer
            .chunks(2)
            .map(|p| accounts::parent(&p[0], &p[1]))
            .collect();
    }
    layer.first().copied().unwrap_or_default()
}

/// The state root both lists open to and the block root; an error when the two openings
/// disagree (a witness no circuit accepts) or the witness has the wrong shape.
pub fn roots(w: &PoolBalanceWitness) -> Result<(Node, Node), PoolBalanceError> {
    w.check_shape()?;
    let bal_sub = balances_subtree(&w.balances);
    let pos = w.start >> w.log_n();
    let sb = lift(
        bal_sub,
        &w.balances_branch,
        pos,
        w.registry_len,
        w.balances_field,
        &w.balances_field_branch,
    );
    let zeros: Vec<Node> = (D_DEPTH..VALIDATORS_DEPTH as usize)
        .map(zero_hash)
        .collect();
    let sv = lift(
        w.validators_data,
        &zeros,
        0,
        w.registry_len,
        w.validators_field,
        &w.validators_field_branch,
    );
    if sv != sb {
        return Err(PoolBalanceError::StateRootMismatch);
    }
    Ok((sv, header_root(&w.header, &sv)))
}

/// The pool-balance proof's public inputs for `w`, computed natively.
pub fn pool_balance_public(w: &PoolBalanceWitness) -> Result<PoolBalancePublic, PoolBalanceError> {
    let (_, block_root) = roots(w)?;
    let totals = pool_totals(&w.accounts, &w.balances, w.epoch);
    let sub = accounts_subtree(&w.accounts);
    let pos = w.start >> w.log_n();
    Ok(PoolBalancePublic {
        start: w.start,
        registry_len: w.registry_len,
        epoch: w.epoch,
        slot: w.header.slot,
        block_root,
        validators_data: w.validators_data,
        accounts: accounts::lift(sub, pos, &w.account_siblings),
        totals,
    })
}

/// The starts of the aligned ranges of `2^log_n_b` slots that hold at least one pool member:
/// the ranges that get a pool-balance leaf, in increasing order. Their counts add up to the
/// tree's count.
pub fn member_ranges(tree: &AccountsTree, log_n_b: u32) -> Vec<u64> {
    let log_n = (log_n_b as usize).min(accounts::ACCOUNTS_DEPTH);
    let mut out = Vec::new();
    collect(tree, accounts::ACCOUNTS_DEPTH, 0, log_n, &mut out);
    out
}

/// Descends from node `(d, j)` into subtrees with members, down to height `log_n`.
fn collect(tree: &AccountsTree, d: usize, j: u64, log_n: usize, out: &mut Vec<u64>) {
    if tree.node(d, j).count == 0 {
        return;
    }
    if d == log_n {
        out.push(j << log_n);
        return;
    }
    collect(tree, d - 1, 2 * j, log_n, out);
    collect(tree, d - 1, 2 * j + 1, log_n, out);
}

//! Native twin of the balance circuit: the same function in plain Rust.

use super::witness::{BalanceWitness, HeaderWitness};
use crate::poseidon::{commit_native, Account};
use crate::public_inputs::BalancePublic;
use stakeproof_beacon::hash::{hash_pair, merkleize, Node};
use stakeproof_beacon::report::PoolTotals;
use stakeproof_beacon::ssz::pack;

pub(crate) fn length_chunk(len: u64) -> Node {
    let mut c = [0u8; 32];
    c[..8].copy_from_slice(&len.to_le_bytes());
    c
}

/// Lifts `sub` along `branch` (directions = bits of `pos`), mixes in `len` and opens `field`.
pub(crate) fn lift(
    sub: Node,
    branch: &[Node],
    pos: u64,
    len: u64,
    field: u64,
    field_branch: &[Node],
) -> Node {
    let mut node = sub;
    for (i, s) in branch.iter().enumerate() {
        node = if (pos >> i) & 1 == 1 {
            hash_pair(s, &node)
        } else {
            hash_pair(&node, s)
        };
    }
    node = hash_pair(&node, &length_chunk(len));
    for (i, s) in field_branch.iter().enumerate() {
        node = if (field >> i) & 1 == 1 {
            hash_pair(s, &node)
        } else {
            hash_pair(&node, s)
        };
    }
    node
}

/// The state root both lists open to, the block root, or `None` when the two lifts disagree
/// (a witness no circuit accepts).
pub fn roots(w: &BalanceWitness) -> Option<(Node, Node)> {
    let bal_sub = balances_subtree(&w.balances);
    let val_sub = merkleize(
        &w.registry_roots,
        w.registry_roots.len().trailing_zeros() as usize,
    );
    let p = &w.paths;
    let pos = w.start >> w.n().trailing_zeros();
    let sv = lift(
        val_sub,
        &p.validators_branch,
        pos,
        w.registry_len,
        p.validators_field,
        &p.validators_field_branch,
    );
    let sb = lift(
        bal_sub,
        &p.balances_branch,
        pos,
        w.registry_len,
        p.balances_field,
        &p.balances_field_branch,
    );
    if sv != sb {
        return None;
    }
    Some((sv, header_root(&p.header, &sv)))
}

/// The block root of header `h` over the state root `state` (the circuit's header hash).
pub(crate) fn header_root(h: &HeaderWitness, state: &Node) -> Node {
    let n4 = hash_pair(&length_chunk(h.slot), &length_chunk(h.proposer_index));
    let n5 = hash_pair(&h.parent_root, state);
    hash_pair(&hash_pair(&n4, &n5), &h.body_node)
}

/// The range's `balances` subtree root: its balances packed 4 to a chunk and merkleized.
pub(crate) fn balances_subtree(balances: &[u64]) -> Node {
    let bytes: Vec<u8> = balances.iter().flat_map(|b| b.to_le_bytes()).collect();
    merkleize(
        &pack(&bytes),
        (balances.len() / 4).trailing_zeros() as usize,
    )
}

/// The counts of `accounts` (with their `balances`) at `epoch`: members, `Σ` member balances,
/// and the active, exited and slashed members.
pub(crate) fn pool_totals(accounts: &[Account], balances: &[u64], epoch: u64) -> PoolTotals {
    let mut totals = PoolTotals::default();
    for (a, &b) in accounts.iter().zip(balances) {
        if a.member {
            totals.validator_count += 1;
            totals.total_balance_gwei += b as u128;
            totals.active_count += (a.activation_epoch <= epoch && epoch < a.exit_epoch) as u64;
            totals.exited_count += (a.exit_epoch <= epoch) as u64;
            totals.slashed_count += a.slashed as u64;
        }
    }
    totals
}

/// The balance proof's public inputs for `w`, computed natively. Panics if the witness's two
/// lifts open different state roots (see [`roots`]).
pub fn balance_public(w: &BalanceWitness) -> BalancePublic {
    let totals = pool_totals(&w.accounts, &w.balances, w.epoch);
    let (_, block_root) = roots(w).expect("both lists open the same state root");
    BalancePublic {
        start: w.start,
        registry_len: w.registry_len,
        epoch: w.epoch,
        slot: w.paths.header.slot,
        block_root,
        registry_roots: w.registry_roots.clone(),
        commitments: w.accounts.chunks(w.group).map(commit_native).collect(),
        totals,
    }
}

//! The accounts tree `A`: a Poseidon Merkle tree over the registry's slots, each node carrying
//! the number of pool members below it.
//!
//! This is what the registry chain (`delta` leaves) keeps in step with the SSZ `validators`
//! tree, and what balance leaves open to learn which validators of their range belong to the
//! pool, without re-hashing any container (see `docs/ARCHITECTURE.md`, "Registry chain").
//!
//! Definition (one source: the native functions here and the circuit functions below must
//! agree; `circuits/tests/accounts.rs` checks they do):
//! - slot `i` is a leaf `(hash, count) = (pack(account_i), member_i)`; an empty slot
//!   (`i ≥ L`) is [`Account::default`], i.e. `(0, 0)`;
//! - a parent is `(Poseidon(h_l, h_r, c_l + c_r), c_l + c_r)`, with the width-3 sponge of
//!   [`crate::poseidon`] absorbing the three elements and squeezing once;
//! - the tree has [`ACCOUNTS_DEPTH`] levels (2^24 slots, far above any registry Ethereum can
//!   have: 120M ETH / 32 < 2^22), so its shape never follows `L`;
//! - `A = (root.hash, root.count)`: `root.count` is the number of pool members.
//!
//! Each hash commits to its own count, so given a root, every `(hash, count)` on a path is
//! determined (Poseidon collision resistance), including a witnessed sibling's count once the
//! other child is computed.

use crate::poseidon::{Account, RATE, R_F, R_P, T};
use crate::Fr;
use halo2_base::gates::GateInstructions;
use halo2_base::poseidon::hasher::spec::OptimizedPoseidonSpec;
use halo2_base::poseidon::hasher::PoseidonSponge;
use halo2_base::{AssignedValue, Context};
use snark_verifier::loader::native::NativeLoader;
use std::sync::OnceLock;

/// Levels of the accounts tree (and of the registry chain's view of `validators`).
pub const ACCOUNTS_DEPTH: usize = 24;

/// One node of the accounts tree.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AccNode {
    /// Poseidon hash (a leaf: the packed account).
    pub hash: Fr,
    /// Pool members below this node.
    pub count: u64,
}

pub(crate) fn poseidon_spec() -> &'static OptimizedPoseidonSpec<Fr, T, RATE> {
    static SPEC: OnceLock<OptimizedPoseidonSpec<Fr, T, RATE>> = OnceLock::new();
    SPEC.get_or_init(OptimizedPoseidonSpec::new::<R_F, R_P, 0>)
}

/// The leaf of one slot.
pub fn leaf(account: &Account) -> AccNode {
    AccNode {
        hash: account.pack(),
        count: account.member as u64,
    }
}

/// A parent node from its two children.
pub fn parent(l: &AccNode, r: &AccNode) -> AccNode {
    type Hasher = snark_verifier::util::hash::Poseidon<Fr, Fr, T, RATE>;
    thread_local! {
        // One hasher per thread, cleared per use: a registry's tree is millions of parents, and
        // building the hasher copies the round constants and matrices each time.
        static HASHER: std::cell::RefCell<Hasher> =
            std::cell::RefCell::new(Hasher::from_spec(&NativeLoader, poseidon_spec().clone()));
    }
    let count = l.count + r.count;
    let hash = HASHER.with(|h| {
        let mut p = h.borrow_mut();
        p.clear();
        p.update(&[l.hash, r.hash, Fr::from(count)]);
        p.squeeze()
    });
    AccNode { hash, count }
}

/// `zero_nodes()[d]`: the root of a depth-`d` subtree of empty slots.
pub fn zero_nodes() -> &'static [AccNode; ACCOUNTS_DEPTH + 1] {
    static ZEROS: OnceLock<[AccNode; ACCOUNTS_DEPTH + 1]> = OnceLock::new();
    ZEROS.get_or_init(|| {
        let mut z = [AccNode::default(); ACCOUNTS_DEPTH + 1];
        for d in 1..=ACCOUNTS_DEPTH {
            z[d] = parent(&z[d - 1], &z[d - 1]);
        }
        z
    })
}

/// The accounts tree of a registry prefix `[0, len)`; slots past it are empty.
#[derive(Clone, Debug)]
pub struct AccountsTree {
    /// `levels[d][j]`: node `j` at height `d`, for the non-empty prefix of each level.
    levels: Vec<Vec<AccNode>>,
}

impl AccountsTree {
    /// The tree of `accounts` (slot `i` is `accounts[i]`). Panics past 2^24 slots, which no
    /// registry reaches (callers bound `L` first).
    pub fn new(accounts: &[Account]) -> Self {
        assert!(accounts.len() <= 1 << ACCOUNTS_DEPTH, "registry past 2^24");
        let mut levels = vec![accounts.iter().map(leaf).collect::<Vec<_>>()];
        for d in 0..ACCOUNTS_DEPTH {
            let below = &levels[d];
            let up = below
                .chunks(2)
                .map(|c| parent(&c[0], c.get(1).unwrap_or(&zero_nodes()[d])))
                .collect();
            levels.push(up);
        }
        AccountsTree { levels }
    }

    /// Node `j` at height `d` (the root is `node(ACCOUNTS_DEPTH, 0)`).
    pub fn node(&self, d: usize, j: u64) -> AccNode {
        self.levels[d]
            .get(j as usize)
            .copied()
            .unwrap_or(zero_nodes()[d])
    }

    /// `A`: the root.
    pub fn root(&self) -> AccNode {
        self.node(ACCOUNTS_DEPTH, 0)
    }

    /// Siblings of node `j` at height `d`, bottom up (`ACCOUNTS_DEPTH − d` of them).
    pub fn branch(&self, d: usize, j: u64) -> Vec<AccNode> {
        (d..ACCOUNTS_DEPTH)
            .map(|h| self.node(h, (j >> (h - d)) ^ 1))
            .collect()
    }

    /// Sets slot `i` and rehashes its path.
    pub fn set(&mut self, i: u64, account: &Account) {
        let mut j = i as usize;
        for d in 0..=ACCOUNTS_DEPTH {
            let v = if d == 0 {
                leaf(account)
            } else {
                let (l, r) = (
                    self.node(d - 1, 2 * j as u64),
                    self.node(d - 1, 2 * j as u64 + 1),
                );
                parent(&l, &r)
            };
            let level = &mut self.levels[d];
            if level.len() <= j {
                level.resize(j + 1, zero_nodes()[d]);
            }
            level[j] = v;
            j /= 2;
        }
    }
}

/// Lifts a node at height `d` with index `j` to the root along `siblings` (natively).
pub fn lift(node: AccNode, j: u64, siblings: &[AccNode]) -> AccNode {
    let mut cur = node;
    for (h, s) in siblings.iter().enumerate() {
        cur = if (j >> h) & 1 == 0 {
            parent(&cur, s)
        } else {
            parent(s, &cur)
        };
    }
    cur
}

/// A node in circuit.
#[derive(Clone, Copy, Debug)]
pub struct AccNodeCells {
    /// The hash cell.
    pub hash: AssignedValue<Fr>,
    /// The count cell (a sum of member bits, so far below the field size).
    pub count: AssignedValue<Fr>,
}

/// A leaf in circuit from a packed account and its member bit (already constrained to be the
/// packing's low bit by the caller).
pub fn leaf_circuit(packed: AssignedValue<Fr>, member: AssignedValue<Fr>) -> AccNodeCells {
    AccNodeCells {
        hash: packed,
        count: member,
    }
}

/// A parent in circuit.
pub fn parent_circuit(
    ctx: &mut Context<Fr>,
    gate: &impl GateInstructions<Fr>,
    l: AccNodeCells,
    r: AccNodeCells,
) -> AccNodeCells {
    let count = gate.add(ctx, l.count, r.count);
    let mut sponge = PoseidonSponge::<Fr, T, RATE>::from_spec(ctx, poseidon_spec().clone());
    sponge.update(&[l.hash, r.hash, count]);
    AccNodeCells {
        hash: sponge.squeeze(ctx, gate),
        count,
    }
}

/// Lifts `node` along witnessed `siblings`; `bits[h]` (constrained bits) says whether the path
/// goes right at height `h` (the node is the right child).
pub fn lift_circuit(
    ctx: &mut Context<Fr>,
    gate: &impl GateInstructions<Fr>,
    node: AccNodeCells,
    siblings: &[AccNodeCells],
    bits: &[AssignedValue<Fr>],
) -> AccNodeCells {
    assert_eq!(siblings.len(), bits.len());
    let mut cur = node;
    for (s, &b) in siblings.iter().zip(bits) {
        let lh = gate.select(ctx, s.hash, cur.hash, b);
        let rh = gate.select(ctx, cur.hash, s.hash, b);
        let lc = gate.select(ctx, s.count, cur.count, b);
        let rc = gate.select(ctx, cur.count, s.count, b);
        cur = parent_circuit(
            ctx,
            gate,
            AccNodeCells {
                hash: lh,
                count: lc,
            },
            AccNodeCells {
                hash: rh,
                count: rc,
            },
        );
    }
    cur
}

/// Witnesses a native node.
pub fn load_node(ctx: &mut Context<Fr>, n: &AccNode) -> AccNodeCells {
    AccNodeCells {
        hash: ctx.load_witness(n.hash),
        count: ctx.load_witness(Fr::from(n.count)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acct(i: u64, member: bool) -> Account {
        Account {
            member,
            slashed: i % 7 == 0,
            activation_epoch: i,
            exit_epoch: u64::MAX - i,
        }
    }

    #[test]
    fn tree_set_and_branch_agree_with_rebuild() {
        let mut accts: Vec<Account> = (0..37).map(|i| acct(i, i % 3 == 0)).collect();
        let mut t = AccountsTree::new(&accts);
        assert_eq!(t.root().count, 13);
        // Lifting any leaf along its branch gives the root.
        for i in [0u64, 1, 17, 36, 40, 1000] {
            let l = t.node(0, i);
            assert_eq!(lift(l, i, &t.branch(0, i)), t.root());
        }
        // Updating in place equals rebuilding (inside and past the prefix).
        accts[5] = acct(5, true);
        t.set(5, &accts[5]);
        accts.resize(41, Account::default());
        accts[40] = acct(40, true);
        t.set(40, &accts[40]);
        let rebuilt = AccountsTree::new(&accts);
        assert_eq!(t.root(), rebuilt.root());
        assert_eq!(t.root().count, 15);
    }

    #[test]
    fn empty_tree_is_the_zero_root() {
        assert_eq!(AccountsTree::new(&[]).root(), zero_nodes()[ACCOUNTS_DEPTH]);
        assert_eq!(zero_nodes()[ACCOUNTS_DEPTH].count, 0);
    }
}

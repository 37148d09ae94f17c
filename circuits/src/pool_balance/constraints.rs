//! Pool-balance circuit constraints.
//!
//! 1. Position: `24 − log2 n_b` witnessed bits (`assert_bit`) recompose `start = n_b · Σ bit_i 2^i`
//!    (so `start < 2^24` and aligned); they are the directions of both lifts below.
//! 2. Per slot `i` of the range: the balance's 8 little-endian bytes (range-checked) compose
//!    `bal_i`; the account `(member, slashed, activation, exit)` is witnessed (bits, 64-bit
//!    ranges) and packed as in the registry circuit; `active = member ∧ activation ≤ epoch <
//!    exit`, `exited = member ∧ exit ≤ epoch`, `slashed = member ∧ slashed`; `total = Σ
//!    member·bal`.
//! 3. Accounts: the leaves `(packed_i, member_i)` are built into the range's accounts subtree
//!    (`count` is its count) and lifted along witnessed siblings with the position bits to the
//!    public `A = (a_hash, a_count)`. A non-member marked as member, or a member dropped, changes
//!    a leaf, hence `A`.
//! 4. Balances: the `n_b/4` chunks are hashed into the range's `balances` subtree root and
//!    lifted along `40 − log2 n_b` witnessed siblings (the position bits, then 16 levels where
//!    the node is the left child: `start < 2^24`) to the list's data root; the length chunk (its
//!    bytes recompose `L`) is mixed in and the field opened (constant directions).
//! 5. Validators: the public `D` (its bytes recompose `d_hi, d_lo`) is lifted with the 16
//!    constant `zero_hash(24..40)`, `L` mixed in, the field opened; both lists must give the
//!    same state root.
//! 6. The header is hashed from the witnessed `slot`, `proposer_index`, `parent_root`, body
//!    node and that state root into the public block root; `slot = epoch · SPE + r`,
//!    `r < SPE`.

use super::witness::PoolBalanceWitness;
use super::D_DEPTH;
use crate::accounts::{
    leaf_circuit, lift_circuit, load_node, parent_circuit, AccNodeCells, ACCOUNTS_DEPTH,
};
use crate::balance::constraints::U64_BITS;
use crate::balance::witness::VALIDATORS_DEPTH;
use crate::gadgets::{
    chunk_limbs, compose_le, select_chunk, u64_chunk, witness_bytes, Byte, Chunk,
};
use crate::registry::constraints::{pack_account, INDEX_BITS};
use crate::sha256::ShaCalls;
use crate::util::circuit::CircuitLogic;
use crate::Fr;
use halo2_base::gates::{GateInstructions, RangeChip, RangeInstructions};
use halo2_base::{AssignedValue, Context, QuantumCell::Constant};
use stakeproof_beacon::hash::{zero_hash, Node};

impl CircuitLogic for PoolBalanceWitness {
    fn name(&self) -> String {
        super::PoolBalanceParams::name_of(self.n(), self.state_depth(), self.slots_per_epoch)
    }

    fn build(
        &self,
        ctx: &mut Context<Fr>,
        range: &RangeChip<Fr>,
        sha: &mut ShaCalls,
    ) -> Vec<AssignedValue<Fr>> {
        let gate = range.gate();
        // Unreachable from input: `PoolBalanceWitness::from_state` builds only this shape, and
        // the prover checks `check_shape` before laying out a hand-made witness.
        if let Err(e) = self.check_shape() {
            panic!("pool-balance witness of the wrong shape (a caller bug): {e}");
        }
        let n = self.n();
        let log_n = self.log_n() as usize;
        let levels = ACCOUNTS_DEPTH - log_n;

        // 1. Position bits and start.
        let pos = self.start >> log_n;
        let bits: Vec<_> = (0..levels)
            .map(|i| {
                let b = ctx.load_witness(Fr::from((pos >> i) & 1));
                gate.assert_bit(ctx, b);
                b
            })
            .collect();
        let coeffs: Vec<_> = (0..levels)
            .map(|i| Constant(gate.pow_of_two()[i + log_n]))
            .collect();
        let start = gate.inner_product(ctx, bits.clone(), coeffs);
        let len = ctx.load_witness(Fr::from(self.registry_len));
        range.range_check(ctx, len, INDEX_BITS);
        let epoch = ctx.load_witness(Fr::from(self.epoch));
        range.range_check(ctx, epoch, U64_BITS);

        // 2. Balances and accounts.
        let mut chunks: Vec<Chunk> = Vec::with_capacity(n / 4);
        let mut chunk: Vec<Byte> = Vec::with_capacity(32);
        let mut leaves = Vec::with_capacity(n);
        let (mut members, mut bals, mut actives, mut exiteds, mut slasheds) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (b, a) in self.balances.iter().zip(&self.accounts) {
            let bytes = witness_bytes(ctx, range, &b.to_le_bytes());
            let bal = compose_le(ctx, range, &bytes);
            chunk.extend_from_slice(&bytes);
            if chunk.len() == 32 {
                chunks.push(std::array::from_fn(|j| chunk[j]));
                chunk.clear();
            }
            let member = ctx.load_witness(Fr::from(a.member as u64));
            gate.assert_bit(ctx, member);
            let slashed = ctx.load_witness(Fr::from(a.slashed as u64));
            gate.assert_bit(ctx, slashed);
            let act = ctx.load_witness(Fr::from(a.activation_epoch));
            range.range_check(ctx, act, U64_BITS);
            let exit = ctx.load_witness(Fr::from(a.exit_epoch));
            range.range_check(ctx, exit, U64_BITS);
            let packed = pack_account(ctx, range, member, slashed, act, exit);
            leaves.push(leaf_circuit(packed, member));

            let not_yet = range.is_less_than(ctx, epoch, act, U64_BITS);
            let before_exit = range.is_less_than(ctx, epoch, exit, U64_BITS);
            let activated = gate.not(ctx, not_yet);
            let live = gate.and(ctx, activated, before_exit);
            actives.push(gate.and(ctx, member, live));
            exiteds.push(gate.mul_not(ctx, before_exit, member));
            slasheds.push(gate.and(ctx, member, slashed));
            members.push(member);
            bals.push(bal);
        }

        // 3. Accounts subtree, lifted to A.
        let mut layer = leaves;
        while layer.len() > 1 {
            layer = layer
                .chunks(2)
                .map(|p| parent_circuit(ctx, gate, p[0], p[1]))
                .collect();
        }
        let sub: AccNodeCells = layer[0];
        let siblings: Vec<_> = self
            .account_siblings
            .iter()
            .map(|s| load_node(ctx, s))
            .collect();
        let a = lift_circuit(ctx, gate, sub, &siblings, &bits);

        // 4.–6. SHA-256 side: both lists to one state root, then the header.
        let bal_sub = sha.merkle_root(ctx, range, chunks);
        let d = witness_bytes(ctx, range, &self.validators_data);
        let (d_hi, d_lo) = chunk_limbs(ctx, range, &d);
        let (slot, block_root) = self.bind_to_block(ctx, range, sha, &bits, len, d, bal_sub);
        let (block_hi, block_lo) = chunk_limbs(ctx, range, &block_root);

        // slot = epoch · spe + r, r < spe (spe a power of two: `check_shape`).
        let spe = self.slots_per_epoch;
        let r = ctx.load_witness(Fr::from(self.header.slot % spe));
        range.range_check(ctx, r, spe.trailing_zeros() as usize);
        let slot_again = gate.mul_add(ctx, epoch, Constant(Fr::from(spe)), r);
        ctx.constrain_equal(&slot_again, &slot);

        let total = gate.inner_product(
            ctx,
            members,
            bals.into_iter().map(halo2_base::QuantumCell::Existing),
        );
        let active = gate.sum(ctx, actives);
        let exited = gate.sum(ctx, exiteds);
        let slashed = gate.sum(ctx, slasheds);
        vec![
            start, len, epoch, slot, block_hi, block_lo, d_hi, d_lo, a.hash, a.count, sub.count,
            total, active, exited, slashed,
        ]
    }
}

/// Witnesses a constant chunk: range-checked bytes, each pinned to its value by a fixed-column
/// constant, so no prover can choose it.
fn constant_chunk(ctx: &mut Context<Fr>, range: &RangeChip<Fr>, c: &Node) -> Chunk {
    let bytes = witness_bytes(ctx, range, c);
    for (b, v) in bytes.iter().zip(c) {
        range
            .gate()
            .assert_is_const(ctx, &b.cell(), &Fr::from(*v as u64));
    }
    bytes
}

/// Opens a list root at `field` along `branch` (constant directions).
fn open_field(
    ctx: &mut Context<Fr>,
    range: &RangeChip<Fr>,
    sha: &mut ShaCalls,
    mut node: Chunk,
    field: u64,
    branch: &[Node],
) -> Chunk {
    for (i, sib) in branch.iter().enumerate() {
        let sib = witness_bytes(ctx, range, sib);
        node = if (field >> i) & 1 == 1 {
            sha.hash_pair(ctx, range, &sib, &node)
        } else {
            sha.hash_pair(ctx, range, &node, &sib)
        };
    }
    node
}

impl PoolBalanceWitness {
    /// Lifts the balances subtree and `D` to one state root, then hashes the header; returns the
    /// `slot` cell and the block root.
    #[allow(clippy::too_many_arguments)]
    fn bind_to_block(
        &self,
        ctx: &mut Context<Fr>,
        range: &RangeChip<Fr>,
        sha: &mut ShaCalls,
        bits: &[AssignedValue<Fr>],
        len: AssignedValue<Fr>,
        d: Chunk,
        bal_sub: Chunk,
    ) -> (AssignedValue<Fr>, Chunk) {
        // Length chunk of L: its bytes recompose L.
        let len_bytes = witness_bytes(ctx, range, &self.registry_len.to_le_bytes());
        let len_again = compose_le(ctx, range, &len_bytes);
        ctx.constrain_equal(&len_again, &len);
        let len_chunk = u64_chunk(ctx, &len_bytes);

        // Balances: the position bits, then levels where the node is the left child.
        let mut node = bal_sub;
        for (i, sib) in self.balances_branch.iter().enumerate() {
            let sib = witness_bytes(ctx, range, sib);
            node = match bits.get(i) {
                Some(&bit) => {
                    let left = select_chunk(ctx, range, &sib, &node, bit);
                    let right = select_chunk(ctx, range, &node, &sib, bit);
                    sha.hash_pair(ctx, range, &left, &right)
                }
                None => sha.hash_pair(ctx, range, &node, &sib),
            };
        }
        node = sha.hash_pair(ctx, range, &node, &len_chunk);
        let state_b = open_field(
            ctx,
            range,
            sha,
            node,
            self.balances_field,
            &self.balances_field_branch,
        );

        // Validators: D lifted with the constant zero hashes.
        let mut node = d;
        for h in D_DEPTH..VALIDATORS_DEPTH as usize {
            let z = constant_chunk(ctx, range, &zero_hash(h));
            node = sha.hash_pair(ctx, range, &node, &z);
        }
        node = sha.hash_pair(ctx, range, &node, &len_chunk);
        let state_v = open_field(
            ctx,
            range,
            sha,
            node,
            self.validators_field,
            &self.validators_field_branch,
        );
        for (a, b) in state_v.iter().zip(&state_b) {
            ctx.constrain_equal(&a.cell(), &b.cell());
        }

        // Header: [slot, proposer, parent, state, body, 0, 0, 0].
        let h = &self.header;
        let slot_bytes = witness_bytes(ctx, range, &h.slot.to_le_bytes());
        let slot = compose_le(ctx, range, &slot_bytes);
        let prop_bytes = witness_bytes(ctx, range, &h.proposer_index.to_le_bytes());
        let slot_chunk = u64_chunk(ctx, &slot_bytes);
        let prop_chunk = u64_chunk(ctx, &prop_bytes);
        let n4 = sha.hash_pair(ctx, range, &slot_chunk, &prop_chunk);
        let parent = witness_bytes(ctx, range, &h.parent_root);
        let n5 = sha.hash_pair(ctx, range, &parent, &state_v);
        let n2 = sha.hash_pair(ctx, range, &n4, &n5);
        let n3 = witness_bytes(ctx, range, &h.body_node);
        let root = sha.hash_pair(ctx, range, &n2, &n3);
        (slot, root)
    }
}

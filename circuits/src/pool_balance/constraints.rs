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
use crate::balance::witness::VALIDATORS_DEPTH;
use crate::beacon_open::{
    account_cells, constant_chunk, header_root, len_and_epoch, length_chunk, open_field,
    position_bits, slot_in_epoch, BalanceChunks, Tally,
};
use crate::gadgets::{chunk_limbs, select_chunk, witness_bytes, Chunk};
use crate::sha256::ShaCalls;
use crate::util::circuit::CircuitLogic;
use crate::Fr;
use halo2_base::gates::{RangeChip, RangeInstructions};
use halo2_base::{AssignedValue, Context};
use stakeproof_beacon::hash::zero_hash;

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
        let (bits, start) = position_bits(ctx, gate, pos, levels, log_n);
        let (len, epoch) = len_and_epoch(ctx, range, self.registry_len, self.epoch);

        // 2. Balances and accounts.
        let mut chunks = BalanceChunks::default();
        let mut leaves = Vec::with_capacity(n);
        let mut tally = Tally::default();
        for (b, a) in self.balances.iter().zip(&self.accounts) {
            let bal = chunks.push(ctx, range, *b);
            let acc = account_cells(ctx, range, epoch, a, bal, &mut tally);
            leaves.push(leaf_circuit(acc.packed, acc.member));
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
        let bal_sub = sha.merkle_root(ctx, range, chunks.into_chunks());
        let d = witness_bytes(ctx, range, &self.validators_data);
        let (d_hi, d_lo) = chunk_limbs(ctx, range, &d);
        let (slot, block_root) = self.bind_to_block(ctx, range, sha, &bits, len, d, bal_sub);
        let (block_hi, block_lo) = chunk_limbs(ctx, range, &block_root);

        // slot = epoch · spe + r, r < spe (spe a power of two: `check_shape`).
        let spe = self.slots_per_epoch;
        slot_in_epoch(ctx, range, epoch, slot, self.header.slot, spe);

        let [total, active, exited, slashed] = tally.sums(ctx, gate);
        vec![
            start, len, epoch, slot, block_hi, block_lo, d_hi, d_lo, a.hash, a.count, sub.count,
            total, active, exited, slashed,
        ]
    }
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
        let len_chunk = length_chunk(ctx, range, self.registry_len, len);

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
        let state_b = open_field(
            ctx,
            range,
            sha,
            node,
            &len_chunk,
            self.balances_field,
            &self.balances_field_branch,
        );

        // Validators: D lifted with the constant zero hashes.
        let mut node = d;
        for h in D_DEPTH..VALIDATORS_DEPTH as usize {
            let z = constant_chunk(ctx, range, &zero_hash(h));
            node = sha.hash_pair(ctx, range, &node, &z);
        }
        let state_v = open_field(
            ctx,
            range,
            sha,
            node,
            &len_chunk,
            self.validators_field,
            &self.validators_field_branch,
        );
        for (a, b) in state_v.iter().zip(&state_b) {
            ctx.constrain_equal(&a.cell(), &b.cell());
        }

        header_root(ctx, range, sha, &self.header, &state_v)
    }
}

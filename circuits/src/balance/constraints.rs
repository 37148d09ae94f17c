//! Balance circuit constraints.
//!
//! Per balance `i` of the range (index `b + i`):
//! 1. its 8 little-endian bytes are range-checked and composed into `bal_i`;
//! 2. `real_i = b + i < L`, and `bal_i = 0` unless real (SSZ: indices ≥ L are zero);
//! 3. the account `(member, slashed, activation, exit)` is witnessed (bits and 64-bit ranges)
//!    and packed as in the registry circuit; each group of `n_r` packed accounts is committed
//!    with Poseidon and exposed, so the aggregation can match them with registry proofs;
//! 4. `active = member ∧ activation ≤ epoch < exit`, `exited = member ∧ exit ≤ epoch`,
//!    `slashed = member ∧ slashed`; counts and `Σ member·bal` are summed.
//!
//! 5. binding to the block: the 4-balance chunks are hashed with SHA-256 into the range's
//!    `balances` subtree root, the exposed registry roots into its `validators` subtree root;
//!    both are lifted along witnessed branches (direction bits = the bits of `b / n_b`, which
//!    recompose `b`) to the list data roots, mixed with the length chunk of `L` (its bytes
//!    recompose `L`), and opened at their field indices (constant directions) into one state
//!    root; the header is hashed from the witnessed `slot`, `proposer_index`, `parent_root`,
//!    body node and that state root into the exposed block root;
//! 6. `slot = epoch · SLOTS_PER_EPOCH + r` with `r < SLOTS_PER_EPOCH`.

use super::witness::VALIDATORS_DEPTH;
use super::BalanceWitness;
use crate::gadgets::{
    chunk_limbs, compose_le, select_chunk, u64_chunk, witness_bytes, Byte, Chunk,
};
use crate::poseidon::commit_circuit;
use crate::registry::constraints::{pack_account, INDEX_BITS};
use crate::sha256::ShaCalls;
use crate::util::circuit::CircuitLogic;
use crate::Fr;
use halo2_base::gates::{GateInstructions, RangeChip, RangeInstructions};
use halo2_base::{AssignedValue, Context, QuantumCell::Constant};

/// Bits of epochs and gwei amounts (`uint64`).
pub const U64_BITS: usize = 64;

impl CircuitLogic for BalanceWitness {
    fn name(&self) -> String {
        super::BalanceParams::name_of(
            self.n(),
            self.group,
            self.state_depth(),
            self.slots_per_epoch,
        )
    }

    fn build(
        &self,
        ctx: &mut Context<Fr>,
        range: &RangeChip<Fr>,
        sha: &mut ShaCalls,
    ) -> Vec<AssignedValue<Fr>> {
        let gate = range.gate();
        let n = self.n();
        // Unreachable from input: `BalanceWitness::from_state` refuses another shape
        // (`WitnessError::BadGrouping`), and `stakeproof_prover`'s `LeafConfig::validate` before it.
        assert!(
            n >= 4 && n.is_power_of_two() && n % self.group == 0,
            "bad balance range shape (refused by the witness builder; a caller bug)"
        );
        let start = ctx.load_witness(Fr::from(self.start));
        range.range_check(ctx, start, INDEX_BITS);
        let len = ctx.load_witness(Fr::from(self.registry_len));
        range.range_check(ctx, len, INDEX_BITS);
        let epoch = ctx.load_witness(Fr::from(self.epoch));
        range.range_check(ctx, epoch, U64_BITS);

        let mut chunks: Vec<Chunk> = Vec::with_capacity(n / 4);
        let mut chunk: Vec<Byte> = Vec::with_capacity(32);
        let mut packed = Vec::with_capacity(n);
        let (mut members, mut bals, mut actives, mut exiteds, mut slasheds) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (i, (b, a)) in self.balances.iter().zip(&self.accounts).enumerate() {
            let bytes = witness_bytes(ctx, range, &b.to_le_bytes());
            let bal = compose_le(ctx, range, &bytes);
            chunk.extend_from_slice(&bytes);
            if chunk.len() == 32 {
                chunks.push(std::array::from_fn(|j| chunk[j]));
                chunk.clear();
            }
            let index = gate.add(ctx, start, Constant(Fr::from(i as u64)));
            let real = range.is_less_than(ctx, index, len, INDEX_BITS);
            let beyond = gate.mul_not(ctx, real, bal);
            gate.assert_is_const(ctx, &beyond, &Fr::zero());

            let member = ctx.load_witness(Fr::from(a.member as u64));
            gate.assert_bit(ctx, member);
            let slashed = ctx.load_witness(Fr::from(a.slashed as u64));
            gate.assert_bit(ctx, slashed);
            let act = ctx.load_witness(Fr::from(a.activation_epoch));
            range.range_check(ctx, act, U64_BITS);
            let exit = ctx.load_witness(Fr::from(a.exit_epoch));
            range.range_check(ctx, exit, U64_BITS);
            packed.push(pack_account(ctx, range, member, slashed, act, exit));

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
        let bal_sub = sha.merkle_root(ctx, range, chunks);
        let reg_roots: Vec<Chunk> = self
            .registry_roots
            .iter()
            .map(|r| witness_bytes(ctx, range, r))
            .collect();
        let reg_limbs: Vec<_> = reg_roots
            .iter()
            .map(|r| chunk_limbs(ctx, range, r))
            .collect();
        let val_sub = sha.merkle_root(ctx, range, reg_roots);
        let (slot, block_root) = self.bind_to_block(ctx, range, sha, start, len, val_sub, bal_sub);
        let (block_hi, block_lo) = chunk_limbs(ctx, range, &block_root);

        // slot = epoch · spe + r, r < spe.
        let spe = self.slots_per_epoch;
        // Unreachable from input: `stakeproof_prover::leaves::check_provable` refuses a preset
        // whose SLOTS_PER_EPOCH is not a power of two before any witness is built.
        assert!(
            spe.is_power_of_two(),
            "slots per epoch must be a power of two (refused before proving; a caller bug)"
        );
        let r = ctx.load_witness(Fr::from(self.paths.header.slot % spe));
        range.range_check(ctx, r, spe.trailing_zeros() as usize);
        let slot_again = gate.mul_add(ctx, epoch, Constant(Fr::from(spe)), r);
        ctx.constrain_equal(&slot_again, &slot);

        let commitments: Vec<_> = packed
            .chunks(self.group)
            .map(|g| commit_circuit(ctx, gate, g))
            .collect();
        let count = gate.sum(ctx, members.clone());
        let total = gate.inner_product(
            ctx,
            members,
            bals.into_iter().map(halo2_base::QuantumCell::Existing),
        );
        let active = gate.sum(ctx, actives);
        let exited = gate.sum(ctx, exiteds);
        let slashed = gate.sum(ctx, slasheds);

        let mut out = vec![start, len, epoch, slot, block_hi, block_lo];
        for ((hi, lo), c) in reg_limbs.into_iter().zip(commitments) {
            out.extend([hi, lo, c]);
        }
        out.extend([count, total, active, exited, slashed]);
        out
    }
}

impl BalanceWitness {
    /// Lifts the range's subtree roots to the block root; returns the `slot` cell and the
    /// block root.
    #[allow(clippy::too_many_arguments)]
    fn bind_to_block(
        &self,
        ctx: &mut Context<Fr>,
        range: &RangeChip<Fr>,
        sha: &mut ShaCalls,
        start: AssignedValue<Fr>,
        len: AssignedValue<Fr>,
        val_sub: Chunk,
        bal_sub: Chunk,
    ) -> (AssignedValue<Fr>, Chunk) {
        let gate = range.gate();
        let p = &self.paths;
        let log_n = self.n().trailing_zeros();
        let levels = (VALIDATORS_DEPTH - log_n) as usize;
        // Unreachable from input: branches of another length come from a preset whose
        // VALIDATOR_REGISTRY_LIMIT is not 2^40, refused by
        // `stakeproof_prover::leaves::check_provable` before any witness is built.
        assert_eq!(
            p.validators_branch.len(),
            levels,
            "validators branch length"
        );
        assert_eq!(p.balances_branch.len(), levels, "balances branch length");
        assert_eq!(
            p.balances_field_branch.len(),
            p.validators_field_branch.len(),
            "field branch lengths"
        );

        // Position bits of the range: b = n_b · Σ bit_i 2^i.
        let pos = self.start >> log_n;
        let bits: Vec<_> = (0..levels)
            .map(|i| {
                let b = ctx.load_witness(Fr::from((pos >> i) & 1));
                gate.assert_bit(ctx, b);
                b
            })
            .collect();
        let coeffs: Vec<_> = (0..levels)
            .map(|i| Constant(gate.pow_of_two()[i + log_n as usize]))
            .collect();
        let start_again = gate.inner_product(ctx, bits.clone(), coeffs);
        ctx.constrain_equal(&start_again, &start);

        // The length chunk of L.
        let len_bytes = witness_bytes(ctx, range, &self.registry_len.to_le_bytes());
        let len_again = compose_le(ctx, range, &len_bytes);
        ctx.constrain_equal(&len_again, &len);
        let len_chunk = u64_chunk(ctx, &len_bytes);

        let mut lift = |ctx: &mut Context<Fr>,
                        sub: Chunk,
                        branch: &[[u8; 32]],
                        field: u64,
                        field_branch: &[[u8; 32]]| {
            let mut node = sub;
            for (sib, &bit) in branch.iter().zip(&bits) {
                let sib = witness_bytes(ctx, range, sib);
                let left = select_chunk(ctx, range, &sib, &node, bit);
                let right = select_chunk(ctx, range, &node, &sib, bit);
                node = sha.hash_pair(ctx, range, &left, &right);
            }
            node = sha.hash_pair(ctx, range, &node, &len_chunk);
            for (i, sib) in field_branch.iter().enumerate() {
                let sib = witness_bytes(ctx, range, sib);
                node = if (field >> i) & 1 == 1 {
                    sha.hash_pair(ctx, range, &sib, &node)
                } else {
                    sha.hash_pair(ctx, range, &node, &sib)
                };
            }
            node
        };
        let state_v = lift(
            ctx,
            val_sub,
            &p.validators_branch,
            p.validators_field,
            &p.validators_field_branch,
        );
        let state_b = lift(
            ctx,
            bal_sub,
            &p.balances_branch,
            p.balances_field,
            &p.balances_field_branch,
        );
        for (a, b) in state_v.iter().zip(&state_b) {
            ctx.constrain_equal(&a.cell(), &b.cell());
        }

        // Header: [slot, proposer, parent, state, body, 0, 0, 0].
        let h = &p.header;
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

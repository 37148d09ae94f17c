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
use crate::beacon_open::{
    account_cells, header_root, len_and_epoch, length_chunk, open_field, position_bits,
    slot_in_epoch, BalanceChunks, Tally,
};
use crate::gadgets::{chunk_limbs, select_chunk, witness_bytes, Chunk};
use crate::poseidon::commit_circuit;
use crate::registry::constraints::INDEX_BITS;
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
        let (len, epoch) = len_and_epoch(ctx, range, self.registry_len, self.epoch);

        let mut chunks = BalanceChunks::default();
        let mut packed = Vec::with_capacity(n);
        let mut tally = Tally::default();
        for (i, (b, a)) in self.balances.iter().zip(&self.accounts).enumerate() {
            let bal = chunks.push(ctx, range, *b);
            let index = gate.add(ctx, start, Constant(Fr::from(i as u64)));
            let real = range.is_less_than(ctx, index, len, INDEX_BITS);
            let beyond = gate.mul_not(ctx, real, bal);
            gate.assert_is_const(ctx, &beyond, &Fr::zero());

            packed.push(account_cells(ctx, range, epoch, a, bal, &mut tally).packed);
        }
        let bal_sub = sha.merkle_root(ctx, range, chunks.into_chunks());
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
        slot_in_epoch(ctx, range, epoch, slot, self.paths.header.slot, spe);

        let commitments: Vec<_> = packed
            .chunks(self.group)
            .map(|g| commit_circuit(ctx, gate, g))
            .collect();
        let count = gate.sum(ctx, tally.members().to_vec());
        let [total, active, exited, slashed] = tally.sums(ctx, gate);

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
        let (bits, start_again) = position_bits(ctx, gate, pos, levels, log_n as usize);
        ctx.constrain_equal(&start_again, &start);

        // The length chunk of L.
        let len_chunk = length_chunk(ctx, range, self.registry_len, len);

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
            open_field(ctx, range, sha, node, &len_chunk, field, field_branch)
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

        header_root(ctx, range, sha, &p.header, &state_v)
    }
}

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
//! The 4-balance chunks are hashed with SHA-256 into the subtree root.

use super::BalanceWitness;
use crate::gadgets::{chunk_limbs, compose_le, witness_bytes, Byte, Chunk};
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
        format!("balance-{}-{}", self.n(), self.group)
    }

    fn build(
        &self,
        ctx: &mut Context<Fr>,
        range: &RangeChip<Fr>,
        sha: &mut ShaCalls,
    ) -> Vec<AssignedValue<Fr>> {
        let gate = range.gate();
        let n = self.n();
        assert!(
            n >= 4 && n.is_power_of_two() && n % self.group == 0,
            "bad balance range shape"
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
        let root = sha.merkle_root(ctx, range, chunks);
        let (root_hi, root_lo) = chunk_limbs(ctx, range, &root);
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

        let mut out = vec![start, len, epoch, root_hi, root_lo];
        out.extend(commitments);
        out.extend([count, total, active, exited, slashed]);
        out
    }
}

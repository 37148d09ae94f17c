//! Pending-deposit circuit constraints.
//!
//! Per entry `i` of the range (queue index `s + i`):
//! 1. its 192 bytes are range-checked; the pubkey is hashed with 16 zero bytes, the signature's
//!    three chunks and a zero chunk are merkleized, and the container's eight leaves (pubkey
//!    root, credentials, amount chunk, signature root, slot chunk, three zero chunks) give the
//!    entry's SSZ root;
//! 2. `real_i = s + i < len`, and the range's leaf is the root when real, else the zero chunk
//!    (SSZ: the data tree is zero past the length);
//! 3. `member_i = real_i ∧ pool matches its credentials` (the registry leaf's gadget);
//!    `count = Σ member_i`, `total = Σ member_i · amount_i` (amounts: 8 little-endian bytes).
//!
//! Then the range's leaves are merkleized and lifted along witnessed siblings (directions =
//! the bits of `s / n`, which recompose `s`) to the queue's data root, mixed with the length
//! chunk (its bytes recompose `len`) and opened at the field's index (constant directions) in
//! the state root; the header is hashed from the witnessed `slot`, `proposer_index`,
//! `parent_root`, body node and that state root into the exposed block root.

use super::witness::PendingWitness;
use crate::beacon_open::{header_root, length_chunk, open_field, position_bits};
use crate::gadgets::{
    chunk_limbs, compose_le, select_chunk, u64_chunk, witness_bytes, zero_chunk, Byte, Chunk,
};
use crate::registry::constraints::{load_pool, pool_match};
use crate::sha256::ShaCalls;
use crate::util::circuit::CircuitLogic;
use crate::Fr;
use halo2_base::gates::{GateInstructions, RangeChip, RangeInstructions};
use halo2_base::{
    AssignedValue, Context,
    QuantumCell::{Constant, Existing},
};

/// The byte range `[a, b)` of an entry as an array.
fn part<const N: usize>(e: &[Byte], a: usize) -> [Byte; N] {
    e[a..a + N].try_into().expect("in bounds")
}

/// The SSZ root of one `PendingDeposit` from its 192 witnessed bytes.
fn entry_root(
    ctx: &mut Context<Fr>,
    range: &RangeChip<Fr>,
    sha: &mut ShaCalls,
    e: &[Byte],
) -> Chunk {
    let zero = zero_chunk(ctx);
    let mut pk_block = [zero[0]; 64];
    pk_block[..48].copy_from_slice(&e[..48]);
    let pubkey = sha.hash64(ctx, range, &pk_block);
    let signature = sha.merkle_root(
        ctx,
        range,
        vec![part(e, 88), part(e, 120), part(e, 152), zero],
    );
    let leaves = vec![
        pubkey,
        part(e, 48),
        u64_chunk(ctx, &part(e, 80)),
        signature,
        u64_chunk(ctx, &part(e, 184)),
        zero,
        zero,
        zero,
    ];
    sha.merkle_root(ctx, range, leaves)
}

impl CircuitLogic for PendingWitness {
    fn name(&self) -> String {
        self.params().name()
    }

    fn build(
        &self,
        ctx: &mut Context<Fr>,
        range: &RangeChip<Fr>,
        sha: &mut ShaCalls,
    ) -> Vec<AssignedValue<Fr>> {
        let gate = range.gate();
        let n = self.n();
        let list_depth = self.list_depth();
        // Unreachable from input: `PendingWitness::from_state` refuses another shape, and the
        // prover's leaf configuration before it.
        assert!(
            n.is_power_of_two() && n.trailing_zeros() as usize <= list_depth,
            "bad pending range shape (refused by the witness builder; a caller bug)"
        );
        // Indices and the length are below 2^list_depth + n ≤ 2^(list_depth + 1).
        let bits = list_depth + 1;
        let start = ctx.load_witness(Fr::from(self.start));
        range.range_check(ctx, start, bits);
        let len = ctx.load_witness(Fr::from(self.queue_len));
        range.range_check(ctx, len, bits);
        let pool = load_pool(ctx, range, &self.pool);
        let zero = zero_chunk(ctx);

        let mut leaves = Vec::with_capacity(n);
        let mut members = Vec::with_capacity(n);
        let mut amounts = Vec::with_capacity(n);
        for (i, e) in self.entries.iter().enumerate() {
            let bytes = witness_bytes(ctx, range, e);
            let root = entry_root(ctx, range, sha, &bytes);
            let index = gate.add(ctx, start, Constant(Fr::from(i as u64)));
            let real = range.is_less_than(ctx, index, len, bits);
            leaves.push(select_chunk(ctx, range, &root, &zero, real));
            let matched = pool_match(ctx, range, &pool, &part(&bytes, 48));
            members.push(gate.and(ctx, matched, real));
            amounts.push(compose_le(ctx, range, &bytes[80..88]));
        }
        let count = gate.sum(ctx, members.clone());
        let total = gate.inner_product(ctx, members, amounts.into_iter().map(Existing));

        // The range's subtree, lifted to the data root: b = n · Σ bit_i 2^i.
        let sub = sha.merkle_root(ctx, range, leaves);
        let log_n = n.trailing_zeros() as usize;
        let p = &self.paths;
        let levels = list_depth - log_n;
        let (dirs, start_again) = position_bits(ctx, gate, self.start >> log_n, levels, log_n);
        ctx.constrain_equal(&start_again, &start);
        let mut node = sub;
        for (sib, &bit) in p.branch.iter().zip(&dirs) {
            let sib = witness_bytes(ctx, range, sib);
            let left = select_chunk(ctx, range, &sib, &node, bit);
            let right = select_chunk(ctx, range, &node, &sib, bit);
            node = sha.hash_pair(ctx, range, &left, &right);
        }
        let len_chunk = length_chunk(ctx, range, self.queue_len, len);
        let state = open_field(ctx, range, sha, node, &len_chunk, p.field, &p.field_branch);
        let (slot, block_root) = header_root(ctx, range, sha, &p.header, &state);
        let (block_hi, block_lo) = chunk_limbs(ctx, range, &block_root);
        vec![
            start, len, slot, block_hi, block_lo, pool.exact, pool.hi, pool.lo, count, total,
        ]
    }
}

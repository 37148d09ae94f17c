//! Constraints shared by the balance and pool-balance leaves (and the delta leaf's constant
//! chunks): the per-slot balance bytes and account status, the position bits of a range, the
//! length chunk of `L`, a field opening, the header hash and `slot = epoch · SPE + r`.
//!
//! These are moved, not rewritten: each helper makes the same gate calls, in the same order,
//! as the code it replaced, so every circuit's cells and verifying keys are unchanged.

use crate::balance::constraints::U64_BITS;
use crate::balance::witness::HeaderWitness;
use crate::gadgets::{compose_le, u64_chunk, witness_bytes, Byte, Chunk};
use crate::poseidon::Account;
use crate::registry::constraints::{pack_account, INDEX_BITS};
use crate::sha256::ShaCalls;
use crate::Fr;
use halo2_base::gates::{GateInstructions, RangeChip, RangeInstructions};
use halo2_base::{AssignedValue, Context, QuantumCell::Constant};

/// Witnesses a constant chunk: range-checked bytes, each pinned to its value by a fixed-column
/// constant, so no prover can choose it.
pub(crate) fn constant_chunk(ctx: &mut Context<Fr>, range: &RangeChip<Fr>, c: &[u8; 32]) -> Chunk {
    let bytes = witness_bytes(ctx, range, c);
    for (b, v) in bytes.iter().zip(c) {
        range
            .gate()
            .assert_is_const(ctx, &b.cell(), &Fr::from(*v as u64));
    }
    bytes
}

/// Mixes the length chunk into a list's data root `node` and opens the list root at `field`
/// along `branch` (constant directions).
pub(crate) fn open_field(
    ctx: &mut Context<Fr>,
    range: &RangeChip<Fr>,
    sha: &mut ShaCalls,
    node: Chunk,
    len_chunk: &Chunk,
    field: u64,
    branch: &[[u8; 32]],
) -> Chunk {
    let mut node = sha.hash_pair(ctx, range, &node, len_chunk);
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

/// The `levels` position bits of `pos` (each `assert_bit`) and `Σ bit_i 2^(i + log_n)`, the
/// range's first index they recompose.
pub(crate) fn position_bits(
    ctx: &mut Context<Fr>,
    gate: &impl GateInstructions<Fr>,
    pos: u64,
    levels: usize,
    log_n: usize,
) -> (Vec<AssignedValue<Fr>>, AssignedValue<Fr>) {
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
    (bits, start)
}

/// The SSZ length chunk of `L`: witnessed bytes of `registry_len` that recompose the cell `len`.
pub(crate) fn length_chunk(
    ctx: &mut Context<Fr>,
    range: &RangeChip<Fr>,
    registry_len: u64,
    len: AssignedValue<Fr>,
) -> Chunk {
    let len_bytes = witness_bytes(ctx, range, &registry_len.to_le_bytes());
    let len_again = compose_le(ctx, range, &len_bytes);
    ctx.constrain_equal(&len_again, &len);
    u64_chunk(ctx, &len_bytes)
}

/// Hashes the header `[slot, proposer, parent, state, body, 0, 0, 0]` with the state root
/// `state`; returns the `slot` cell and the block root.
pub(crate) fn header_root(
    ctx: &mut Context<Fr>,
    range: &RangeChip<Fr>,
    sha: &mut ShaCalls,
    h: &HeaderWitness,
    state: &Chunk,
) -> (AssignedValue<Fr>, Chunk) {
    let slot_bytes = witness_bytes(ctx, range, &h.slot.to_le_bytes());
    let slot = compose_le(ctx, range, &slot_bytes);
    let prop_bytes = witness_bytes(ctx, range, &h.proposer_index.to_le_bytes());
    let slot_chunk = u64_chunk(ctx, &slot_bytes);
    let prop_chunk = u64_chunk(ctx, &prop_bytes);
    let n4 = sha.hash_pair(ctx, range, &slot_chunk, &prop_chunk);
    let parent = witness_bytes(ctx, range, &h.parent_root);
    let n5 = sha.hash_pair(ctx, range, &parent, state);
    let n2 = sha.hash_pair(ctx, range, &n4, &n5);
    let n3 = witness_bytes(ctx, range, &h.body_node);
    let root = sha.hash_pair(ctx, range, &n2, &n3);
    (slot, root)
}

/// Constrains `slot = epoch · spe + r` with a witnessed `r < spe` (`spe` a power of two, checked
/// by the caller); `header_slot` is the slot's value.
pub(crate) fn slot_in_epoch(
    ctx: &mut Context<Fr>,
    range: &RangeChip<Fr>,
    epoch: AssignedValue<Fr>,
    slot: AssignedValue<Fr>,
    header_slot: u64,
    spe: u64,
) {
    let r = ctx.load_witness(Fr::from(header_slot % spe));
    range.range_check(ctx, r, spe.trailing_zeros() as usize);
    let slot_again = range.gate().mul_add(ctx, epoch, Constant(Fr::from(spe)), r);
    ctx.constrain_equal(&slot_again, &slot);
}

/// The balances of a range, 4 to a 32-byte chunk, as [`BalanceChunks::push`] witnesses them.
#[derive(Default)]
pub(crate) struct BalanceChunks {
    chunks: Vec<Chunk>,
    chunk: Vec<Byte>,
}

impl BalanceChunks {
    /// Witnesses balance `b`'s 8 little-endian bytes (range-checked), appends them to the chunk
    /// being filled (a full one is kept) and returns the `bal` they compose.
    pub(crate) fn push(
        &mut self,
        ctx: &mut Context<Fr>,
        range: &RangeChip<Fr>,
        b: u64,
    ) -> AssignedValue<Fr> {
        let bytes = witness_bytes(ctx, range, &b.to_le_bytes());
        let bal = compose_le(ctx, range, &bytes);
        self.chunk.extend_from_slice(&bytes);
        if self.chunk.len() == 32 {
            self.chunks.push(std::array::from_fn(|j| self.chunk[j]));
            self.chunk.clear();
        }
        bal
    }

    /// The full chunks.
    pub(crate) fn into_chunks(self) -> Vec<Chunk> {
        self.chunks
    }
}

/// Witnesses `L` (below `2^INDEX_BITS`) and the epoch (64 bits), range-checked.
pub(crate) fn len_and_epoch(
    ctx: &mut Context<Fr>,
    range: &RangeChip<Fr>,
    registry_len: u64,
    epoch: u64,
) -> (AssignedValue<Fr>, AssignedValue<Fr>) {
    let len = ctx.load_witness(Fr::from(registry_len));
    range.range_check(ctx, len, INDEX_BITS);
    let epoch = ctx.load_witness(Fr::from(epoch));
    range.range_check(ctx, epoch, U64_BITS);
    (len, epoch)
}

/// One account's cells: witnessed as in [`account_cells`].
pub(crate) struct AccountCells {
    /// The account packed as in the registry circuit.
    pub packed: AssignedValue<Fr>,
    /// The membership bit.
    pub member: AssignedValue<Fr>,
}

/// The per-slot counts of a range, summed by [`Tally::sums`].
#[derive(Default)]
pub(crate) struct Tally {
    members: Vec<AssignedValue<Fr>>,
    bals: Vec<AssignedValue<Fr>>,
    actives: Vec<AssignedValue<Fr>>,
    exiteds: Vec<AssignedValue<Fr>>,
    slasheds: Vec<AssignedValue<Fr>>,
}

/// Witnesses account `a` (bits and 64-bit ranges), packs it, and records in `tally` its
/// balance `bal` and `active = member ∧ activation ≤ epoch < exit`, `exited = member ∧ exit ≤
/// epoch`, `slashed = member ∧ slashed`.
pub(crate) fn account_cells(
    ctx: &mut Context<Fr>,
    range: &RangeChip<Fr>,
    epoch: AssignedValue<Fr>,
    a: &Account,
    bal: AssignedValue<Fr>,
    tally: &mut Tally,
) -> AccountCells {
    let gate = range.gate();
    let member = ctx.load_witness(Fr::from(a.member as u64));
    gate.assert_bit(ctx, member);
    let slashed = ctx.load_witness(Fr::from(a.slashed as u64));
    gate.assert_bit(ctx, slashed);
    let act = ctx.load_witness(Fr::from(a.activation_epoch));
    range.range_check(ctx, act, U64_BITS);
    let exit = ctx.load_witness(Fr::from(a.exit_epoch));
    range.range_check(ctx, exit, U64_BITS);
    let packed = pack_account(ctx, range, member, slashed, act, exit);

    let not_yet = range.is_less_than(ctx, epoch, act, U64_BITS);
    let before_exit = range.is_less_than(ctx, epoch, exit, U64_BITS);
    let activated = gate.not(ctx, not_yet);
    let live = gate.and(ctx, activated, before_exit);
    tally.actives.push(gate.and(ctx, member, live));
    tally.exiteds.push(gate.mul_not(ctx, before_exit, member));
    tally.slasheds.push(gate.and(ctx, member, slashed));
    tally.members.push(member);
    tally.bals.push(bal);
    AccountCells { packed, member }
}

impl Tally {
    /// The membership bits, in slot order.
    pub(crate) fn members(&self) -> &[AssignedValue<Fr>] {
        &self.members
    }

    /// `(Σ member·bal, Σ active, Σ exited, Σ slashed)`.
    pub(crate) fn sums(
        self,
        ctx: &mut Context<Fr>,
        gate: &impl GateInstructions<Fr>,
    ) -> [AssignedValue<Fr>; 4] {
        let total = gate.inner_product(
            ctx,
            self.members,
            self.bals.into_iter().map(halo2_base::QuantumCell::Existing),
        );
        let active = gate.sum(ctx, self.actives);
        let exited = gate.sum(ctx, self.exiteds);
        let slashed = gate.sum(ctx, self.slasheds);
        [total, active, exited, slashed]
    }
}

//! Set membership in circuit: a credential's key, its leaf and path to the set root, and the
//! interval checks that make `member` the truth about the key (see the module docs).

use super::native::{top_hi, SetPath};
use crate::accounts::poseidon_spec;
use crate::gadgets::{compose_be, Byte};
use crate::poseidon::{RATE, T};
use crate::Fr;
use halo2_base::gates::{GateInstructions, RangeChip, RangeInstructions};
use halo2_base::poseidon::hasher::PoseidonSponge;
use halo2_base::{AssignedValue, Context, QuantumCell::Constant};

/// Bits of a key limb.
const LIMB_BITS: usize = 128;
/// Bits of a high end's `hi` limb, which may be 2^128 (standing for 2^256).
const TOP_BITS: usize = 129;

/// A key in circuit: its two big-endian limbs.
#[derive(Clone, Copy, Debug)]
pub struct KeyCells {
    /// Bytes 0..16.
    pub hi: AssignedValue<Fr>,
    /// Bytes 16..32.
    pub lo: AssignedValue<Fr>,
}

/// The key of witnessed credential bytes (each already a range-checked [`Byte`]): a `0x02`
/// prefix reads as `0x01`.
pub fn key_cells(ctx: &mut Context<Fr>, range: &RangeChip<Fr>, wc: &[Byte; 32]) -> KeyCells {
    let gate = range.gate();
    let is2 = gate.is_equal(ctx, wc[0].cell(), Constant(Fr::from(2u64)));
    let first = gate.sub(ctx, wc[0].cell(), is2);
    let tail = compose_be(ctx, range, &wc[1..16]);
    let hi = gate.mul_add(ctx, first, Constant(gate.pow_of_two()[120]), tail);
    let lo = compose_be(ctx, range, &wc[16..]);
    KeyCells { hi, lo }
}

/// `Poseidon(xs)` with the crate's width-3 sponge.
pub fn hash(
    ctx: &mut Context<Fr>,
    gate: &impl GateInstructions<Fr>,
    xs: &[AssignedValue<Fr>],
) -> AssignedValue<Fr> {
    let mut sponge = PoseidonSponge::<Fr, T, RATE>::from_spec(ctx, poseidon_spec().clone());
    sponge.update(xs);
    sponge.squeeze(ctx, gate)
}

/// `a < b` for limb pairs `(a_hi, a_lo) < (b_hi, b_lo)`, all below `2^bits_hi` / `2^128`.
pub(crate) fn pair_less(
    ctx: &mut Context<Fr>,
    range: &RangeChip<Fr>,
    a: [AssignedValue<Fr>; 2],
    b: [AssignedValue<Fr>; 2],
    bits_hi: usize,
) -> AssignedValue<Fr> {
    let gate = range.gate();
    let hi_lt = range.is_less_than(ctx, a[0], b[0], bits_hi);
    let hi_eq = gate.is_equal(ctx, a[0], b[0]);
    let lo_lt = range.is_less_than(ctx, a[1], b[1], LIMB_BITS);
    let tie = gate.and(ctx, hi_eq, lo_lt);
    gate.or(ctx, hi_lt, tie)
}

/// The leaf cells of an interval: `[low_hi, low_lo, high_hi, high_lo, flag]`, range-checked.
pub fn interval_cells(
    ctx: &mut Context<Fr>,
    range: &RangeChip<Fr>,
    fields: [Fr; 5],
) -> [AssignedValue<Fr>; 5] {
    let c = fields.map(|f| ctx.load_witness(f));
    range.range_check(ctx, c[0], LIMB_BITS);
    range.range_check(ctx, c[1], LIMB_BITS);
    range.range_check(ctx, c[2], TOP_BITS);
    range.range_check(ctx, c[3], LIMB_BITS);
    range.gate().assert_bit(ctx, c[4]);
    c
}

/// Whether `key` is in the set of `root`, proven with `path` (a tree of `path.siblings.len()`
/// levels). The circuit is unsatisfiable unless the path's leaf is in the tree and contains
/// `key`; the returned bit is then the leaf's flag and `key = low`.
pub fn membership(
    ctx: &mut Context<Fr>,
    range: &RangeChip<Fr>,
    root: AssignedValue<Fr>,
    key: KeyCells,
    path: &SetPath,
) -> AssignedValue<Fr> {
    let gate = range.gate();
    let leaf = interval_cells(ctx, range, path.interval.fields());
    let mut node = hash(ctx, gate, &leaf);
    for (h, s) in path.siblings.iter().enumerate() {
        let s = ctx.load_witness(*s);
        let bit = ctx.load_witness(Fr::from((path.index >> h) & 1));
        gate.assert_bit(ctx, bit);
        let l = gate.select(ctx, s, node, bit);
        let r = gate.select(ctx, node, s, bit);
        node = hash(ctx, gate, &[l, r]);
    }
    ctx.constrain_equal(&node, &root);
    let [low_hi, low_lo, high_hi, high_lo, flag] = leaf;
    // key < high.
    let below = pair_less(ctx, range, [key.hi, key.lo], [high_hi, high_lo], TOP_BITS);
    gate.assert_is_const(ctx, &below, &Fr::one());
    // low ≤ key, i.e. not key < low.
    let under = pair_less(ctx, range, [key.hi, key.lo], [low_hi, low_lo], LIMB_BITS);
    gate.assert_is_const(ctx, &under, &Fr::zero());
    let hi_eq = gate.is_equal(ctx, key.hi, low_hi);
    let lo_eq = gate.is_equal(ctx, key.lo, low_lo);
    let eq = gate.and(ctx, hi_eq, lo_eq);
    gate.and(ctx, eq, flag)
}

/// The constant `2^128` (a high end of 2^256).
pub(crate) fn top(ctx: &mut Context<Fr>) -> AssignedValue<Fr> {
    ctx.load_constant(top_hi())
}

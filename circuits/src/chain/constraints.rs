//! The chain tree's nodes in circuit: every relation of the native twin ([`super::native`]) as
//! a constraint over the children's instance cells (read by snark-verifier from the verified
//! child proofs).
//!
//! The neutral flag is a witness of the wrap, not a constant, so that a neutral wrap and a real
//! one are the same circuit with the same verifying key: the joins above take either.
//! Relations between two children are enforced only when both are real (`(x − y)·both = 0`).

use super::layout::{chain_at as c, sum_at as s, ChainState, CHAIN_LEN, POOL_SUM_LEN, STATE_LEN};
use crate::poseidon::{RATE, R_F, R_P, T};
use crate::Fr;
use halo2_base::gates::{GateInstructions, RangeChip, RangeInstructions};
use halo2_base::poseidon::hasher::PoseidonSponge;
use halo2_base::{AssignedValue, Context, QuantumCell::Constant};

type Cell = AssignedValue<Fr>;

/// Bits of range starts and ends (at most 2^24, the accounts tree's width).
const INDEX_BITS: usize = 26;

/// `(x − y)·cond = 0` for each pair.
pub(crate) fn eq_if(
    ctx: &mut Context<Fr>,
    gate: &impl GateInstructions<Fr>,
    cond: Cell,
    x: &[Cell],
    y: &[Cell],
) {
    assert_eq!(x.len(), y.len());
    for (a, b) in x.iter().zip(y) {
        let d = gate.sub(ctx, *a, *b);
        let z = gate.mul(ctx, d, cond);
        gate.assert_is_const(ctx, &z, &Fr::zero());
    }
}

pub(crate) fn select_all(
    ctx: &mut Context<Fr>,
    gate: &impl GateInstructions<Fr>,
    a: &[Cell],
    b: &[Cell],
    pick_a: Cell,
) -> Vec<Cell> {
    a.iter()
        .zip(b)
        .map(|(x, y)| gate.select(ctx, *x, *y, pick_a))
        .collect()
}

/// A leaf's statement behind a neutral flag: `[empty, leaf·(1 − empty)…]`.
pub(crate) fn behind_flag(
    ctx: &mut Context<Fr>,
    gate: &impl GateInstructions<Fr>,
    values: &[Cell],
    empty: Cell,
) -> Vec<Cell> {
    gate.assert_bit(ctx, empty);
    let real = gate.not(ctx, empty);
    let mut out = vec![empty];
    out.extend(values.iter().map(|v| gate.mul(ctx, *v, real)));
    out
}

/// A delta/append leaf's 13 instances → a chain statement (neutral when `empty`).
pub fn wrap_chain(
    ctx: &mut Context<Fr>,
    gate: &impl GateInstructions<Fr>,
    leaf: &[Cell],
    empty: Cell,
) -> Vec<Cell> {
    assert_eq!(leaf.len(), CHAIN_LEN - 1);
    behind_flag(ctx, gate, leaf, empty)
}

/// A pool-balance leaf's 15 instances over `n_b` balances → a pool sum (neutral when `empty`).
pub fn wrap_sum(
    ctx: &mut Context<Fr>,
    gate: &impl GateInstructions<Fr>,
    leaf: &[Cell],
    n_b: u64,
    empty: Cell,
) -> Vec<Cell> {
    assert_eq!(leaf.len(), POOL_SUM_LEN - 2);
    let end = gate.add(ctx, leaf[0], Constant(Fr::from(n_b)));
    let mut values = vec![leaf[0], end];
    values.extend_from_slice(&leaf[1..]);
    behind_flag(ctx, gate, &values, empty)
}

/// Two chain statements in order: same pool and `a.new = b.old` when both are real.
pub fn join_chain(
    ctx: &mut Context<Fr>,
    gate: &impl GateInstructions<Fr>,
    a: &[Cell],
    b: &[Cell],
) -> Vec<Cell> {
    assert_eq!((a.len(), b.len()), (CHAIN_LEN, CHAIN_LEN));
    let (ea, eb) = (a[c::EMPTY], b[c::EMPTY]);
    gate.assert_bit(ctx, ea);
    gate.assert_bit(ctx, eb);
    let ra = gate.not(ctx, ea);
    let rb = gate.not(ctx, eb);
    let both = gate.mul(ctx, ra, rb);
    eq_if(ctx, gate, both, &a[c::POOL..c::OLD], &b[c::POOL..c::OLD]);
    eq_if(ctx, gate, both, &a[c::NEW..], &b[c::OLD..c::NEW]);
    let mut merged = a[..c::NEW].to_vec();
    merged.extend_from_slice(&b[c::NEW..]);
    // ea: b; else eb: a; else merged.
    let a_or_merged = select_all(ctx, gate, a, &merged, eb);
    select_all(ctx, gate, b, &a_or_merged, ea)
}

/// Two pool sums in order: `a.end ≤ b.start`, same shared values when both are real; totals
/// add (a neutral sum's are 0).
pub fn join_sums(
    ctx: &mut Context<Fr>,
    range: &RangeChip<Fr>,
    a: &[Cell],
    b: &[Cell],
) -> Vec<Cell> {
    assert_eq!((a.len(), b.len()), (POOL_SUM_LEN, POOL_SUM_LEN));
    let gate = range.gate();
    let (ea, eb) = (a[s::EMPTY], b[s::EMPTY]);
    gate.assert_bit(ctx, ea);
    gate.assert_bit(ctx, eb);
    let ra = gate.not(ctx, ea);
    let rb = gate.not(ctx, eb);
    let both = gate.mul(ctx, ra, rb);
    // a.end < b.start + 1 when both are real (0 < 1 otherwise).
    let x = gate.mul(ctx, a[s::END], both);
    let start1 = gate.add(ctx, b[s::START], Constant(Fr::one()));
    let y = gate.select(ctx, start1, Constant(Fr::one()), both);
    range.range_check(ctx, x, INDEX_BITS);
    range.range_check(ctx, y, INDEX_BITS);
    range.check_less_than(ctx, x, y, INDEX_BITS);
    let shared = s::SHARED..s::SHARED + s::SHARED_LEN;
    eq_if(ctx, gate, both, &a[shared.clone()], &b[shared.clone()]);
    let empty = gate.mul(ctx, ea, eb);
    let start = gate.select(ctx, b[s::START], a[s::START], ea);
    let end = gate.select(ctx, a[s::END], b[s::END], eb);
    let mut out = vec![empty, start, end];
    out.extend(select_all(ctx, gate, &b[shared.clone()], &a[shared], ea));
    for i in s::TOTALS..POOL_SUM_LEN {
        out.push(gate.add(ctx, a[i], b[i]));
    }
    out
}

/// `Poseidon(pool(3), state(5))`, as [`super::layout::anchor`].
fn anchor(
    ctx: &mut Context<Fr>,
    gate: &impl GateInstructions<Fr>,
    pool: &[Cell],
    state: &[Cell],
) -> Cell {
    let mut sponge = PoseidonSponge::<Fr, T, RATE>::new::<R_F, R_P, 0>(ctx);
    let mut input = pool.to_vec();
    input.extend_from_slice(state);
    sponge.update(&input);
    sponge.squeeze(ctx, gate)
}

/// The final statement from the chain top, the pool-sum top and the pool (a witness, equal to
/// the chain's pool when the chain is real; with a neutral chain it is bound by the anchors,
/// which the oracle checks against the one it stored).
pub fn finalize(
    ctx: &mut Context<Fr>,
    gate: &impl GateInstructions<Fr>,
    chain: &[Cell],
    sum: &[Cell],
    pool: &[Cell],
) -> Vec<Cell> {
    assert_eq!(
        (chain.len(), sum.len(), pool.len()),
        (CHAIN_LEN, POOL_SUM_LEN, 3)
    );
    gate.assert_is_const(ctx, &sum[s::EMPTY], &Fr::zero());
    let head = [
        sum[s::D],
        sum[s::D + 1],
        sum[s::SHARED],
        sum[s::A],
        sum[s::A + 1],
    ];
    ctx.constrain_equal(&sum[s::TOTALS], &sum[s::A + 1]);
    let ec = chain[c::EMPTY];
    gate.assert_bit(ctx, ec);
    let real = gate.not(ctx, ec);
    eq_if(ctx, gate, real, &chain[c::POOL..c::OLD], pool);
    eq_if(ctx, gate, real, &chain[c::NEW..], &head);
    let old = select_all(ctx, gate, &head, &chain[c::OLD..c::NEW], ec);
    let cold = ChainState::cold().instances();
    let mut is_cold = ctx.load_constant(Fr::one());
    for (x, k) in old.iter().zip(cold.iter()) {
        let e = gate.is_equal(ctx, *x, Constant(*k));
        is_cold = gate.and(ctx, is_cold, e);
    }
    let anchor_old_full = anchor(ctx, gate, pool, &old);
    let anchor_old = gate.select(ctx, Constant(Fr::zero()), anchor_old_full, is_cold);
    let anchor_new = anchor(ctx, gate, pool, &head);
    debug_assert_eq!(STATE_LEN, head.len());
    let mut out = vec![sum[s::SHARED + 3], sum[s::SHARED + 4], sum[s::SHARED + 2]];
    out.extend_from_slice(pool);
    out.push(sum[s::SHARED]);
    out.extend_from_slice(&sum[s::TOTALS..]);
    out.push(anchor_old);
    out.push(anchor_new);
    out
}

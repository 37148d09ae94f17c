//! The combination of children's statements, in-circuit. Every relation the native twin
//! ([`super::native`]) checks is a constraint here; the children's instance cells come from
//! snark-verifier (the values its in-circuit verifier read from the child proofs).

use super::layout::{NodeSpec, NodeWitness, Statement};
use crate::registry::constraints::INDEX_BITS;
use crate::Fr;
use halo2_base::gates::{GateInstructions, RangeChip, RangeInstructions};
use halo2_base::{AssignedValue, Context, QuantumCell::Constant};

type Cells = Vec<AssignedValue<Fr>>;

fn eq(ctx: &mut Context<Fr>, a: &[AssignedValue<Fr>], b: &[AssignedValue<Fr>]) {
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b) {
        ctx.constrain_equal(x, y);
    }
}

/// Registry leaf `[start, fill, pool(3), root(2), c]` → run `[start, pool(3), fill, root(2), c]`.
fn registry_run(c: &[AssignedValue<Fr>]) -> Cells {
    vec![c[0], c[2], c[3], c[4], c[1], c[5], c[6], c[7]]
}

/// Two adjacent registry runs of one pool.
fn concat_runs(
    ctx: &mut Context<Fr>,
    range: &RangeChip<Fr>,
    a: &[AssignedValue<Fr>],
    b: &[AssignedValue<Fr>],
    n_r: u64,
    a_ranges: usize,
) -> Cells {
    eq(ctx, &a[1..4], &b[1..4]);
    let next = range
        .gate()
        .add(ctx, a[0], Constant(Fr::from(n_r * a_ranges as u64)));
    ctx.constrain_equal(&next, &b[0]);
    let mut out = a.to_vec();
    out.extend_from_slice(&b[4..]);
    out
}

/// `clamp(L − a, 0, n)` for `a, L < 2^INDEX_BITS`.
fn clamp_fill(
    ctx: &mut Context<Fr>,
    range: &RangeChip<Fr>,
    len: AssignedValue<Fr>,
    a: AssignedValue<Fr>,
    n: u64,
) -> AssignedValue<Fr> {
    let gate = range.gate();
    let some = range.is_less_than(ctx, a, len, INDEX_BITS + 1);
    let a_end_minus_1 = gate.add(ctx, a, Constant(Fr::from(n - 1)));
    let full = range.is_less_than(ctx, a_end_minus_1, len, INDEX_BITS + 1);
    let partial = gate.sub(ctx, len, a);
    let f = gate.select(ctx, Constant(Fr::from(n)), partial, full);
    gate.mul(ctx, f, some)
}

/// A registry run and the balance proof of the same range: the balance proof used exactly the
/// registry proofs' roots and commitments, and each registry proof's fill agrees with L.
fn segment(
    ctx: &mut Context<Fr>,
    range: &RangeChip<Fr>,
    r: &[AssignedValue<Fr>],
    b: &[AssignedValue<Fr>],
    n_b: u64,
    n_r: u64,
) -> Cells {
    let gate = range.gate();
    let m = (n_b / n_r) as usize;
    ctx.constrain_equal(&r[0], &b[0]);
    let len = b[1];
    for j in 0..m {
        let reg = &r[4 + 4 * j..8 + 4 * j];
        eq(ctx, &reg[1..4], &b[6 + 3 * j..9 + 3 * j]);
        let a_j = gate.add(ctx, r[0], Constant(Fr::from(j as u64 * n_r)));
        let fill = clamp_fill(ctx, range, len, a_j, n_r);
        ctx.constrain_equal(&fill, &reg[0]);
    }
    let end = gate.add(ctx, b[0], Constant(Fr::from(n_b)));
    let mut out = vec![b[0], end, len, b[2], b[3], b[4], b[5], r[1], r[2], r[3]];
    out.extend_from_slice(&b[6 + 3 * m..11 + 3 * m]);
    out
}

/// Two adjacent summaries of one block and pool.
fn join(
    ctx: &mut Context<Fr>,
    range: &RangeChip<Fr>,
    a: &[AssignedValue<Fr>],
    b: &[AssignedValue<Fr>],
) -> Cells {
    ctx.constrain_equal(&a[1], &b[0]);
    eq(ctx, &a[2..10], &b[2..10]);
    let mut out = vec![a[0], b[1]];
    out.extend_from_slice(&a[2..10]);
    for i in 10..15 {
        out.push(range.gate().add(ctx, a[i], b[i]));
    }
    out
}

/// A summary covering `[0, end)` with `L ≤ end`: the whole registry.
fn finalize(ctx: &mut Context<Fr>, range: &RangeChip<Fr>, s: &[AssignedValue<Fr>]) -> Cells {
    range.gate().assert_is_const(ctx, &s[0], &Fr::zero());
    let end_plus_1 = range.gate().add(ctx, s[1], Constant(Fr::one()));
    range.check_less_than(ctx, s[2], end_plus_1, INDEX_BITS + 1);
    // [block_hi, block_lo, slot, pool(3), L, count, total, active, exited, slashed]
    let mut out = vec![s[5], s[6], s[4], s[7], s[8], s[9], s[2]];
    out.extend_from_slice(&s[10..15]);
    out
}

/// The node's output statement's cells from its children's (accumulators removed). Panics if
/// `spec` is not a valid node (check [`NodeSpec::output`] first).
pub fn combine(
    ctx: &mut Context<Fr>,
    range: &RangeChip<Fr>,
    spec: &NodeSpec,
    children: &[&[AssignedValue<Fr>]],
) -> Cells {
    combine_with(ctx, range, spec, children, &NodeWitness::default())
}

/// [`combine`] with the node's witnesses (a wrap's neutral flag, the final's pool).
pub fn combine_with(
    ctx: &mut Context<Fr>,
    range: &RangeChip<Fr>,
    spec: &NodeSpec,
    children: &[&[AssignedValue<Fr>]],
    w: &NodeWitness,
) -> Cells {
    use crate::chain::constraints as cc;
    use crate::pending::aggregate as pending;
    use Statement::*;
    assert_eq!(
        children.len(),
        spec.children.len(),
        "one cell list per child"
    );
    for (c, s) in children.iter().zip(&spec.children) {
        assert_eq!(c.len(), s.len(), "instances of {s:?}");
    }
    let out = match (spec.children.as_slice(), children) {
        ([RegistryLeaf { .. }], [c]) => registry_run(c),
        ([BalanceLeaf { .. }], [c]) | ([Summary], [c]) => c.to_vec(),
        ([Registry { n_r, ranges }, Registry { .. }], [a, b]) => {
            concat_runs(ctx, range, a, b, *n_r, *ranges)
        }
        ([Registry { .. }, Balance { n_b, n_r }], [a, b]) => segment(ctx, range, a, b, *n_b, *n_r),
        ([Summary, Summary], [a, b]) => join(ctx, range, a, b),
        ([DeltaLeaf { .. }], [c]) => {
            let flag = ctx.load_witness(Fr::from(w.neutral as u64));
            cc::wrap_chain(ctx, range.gate(), c, flag)
        }
        ([PoolBalanceLeaf { n_b }], [c]) => {
            let flag = ctx.load_witness(Fr::from(w.neutral as u64));
            cc::wrap_sum(ctx, range.gate(), c, *n_b, flag)
        }
        ([Chain, Chain], [a, b]) => cc::join_chain(ctx, range.gate(), a, b),
        ([PoolSum, PoolSum], [a, b]) => cc::join_sums(ctx, range, a, b),
        ([PendingLeaf { n }], [c]) => {
            let flag = ctx.load_witness(Fr::from(w.neutral as u64));
            pending::wrap_leaf(ctx, range.gate(), c, *n, flag)
        }
        ([Pending, Pending], [a, b]) => pending::join(ctx, range.gate(), a, b),
        ([Chain, PoolSum], [a, b]) => {
            let pool = ctx.assign_witnesses(w.pool.unwrap_or_default());
            return cc::finalize(ctx, range.gate(), a, b, &pool);
        }
        ([Summary, Pending], [a, b]) => {
            let fin = finalize(ctx, range, a);
            return pending::assert_finalize_with_queue(ctx, range, fin, a, b);
        }
        _ => panic!("not a node: {spec:?}"),
    };
    if spec.finalize {
        finalize(ctx, range, &out)
    } else {
        out
    }
}

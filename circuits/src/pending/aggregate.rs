//! How aggregation nodes combine pending-deposit proofs: a wrapped leaf is a run `[start, end)`
//! of the queue, two adjacent runs of one block and pool join into one, and a run that starts
//! at 0 and reaches the queue's length covers the whole queue (what the final node will check
//! before it exposes the pool's pending count and sum). In-circuit and native, side by side:
//! each relation the native twin checks is a constraint.
//!
//! Run layout ([`RUN_LEN`] instances): `[start, end, queue_len, slot, block_hi, block_lo,
//! pool_mode, pool_hi, pool_lo, count, total_gwei]`.

use super::PENDING_INSTANCES;
use crate::registry::constraints::INDEX_BITS;
use crate::Fr;
use halo2_base::gates::{GateInstructions, RangeChip, RangeInstructions};
use halo2_base::{AssignedValue, Context, QuantumCell::Constant};

/// Instances of a pending run.
pub const RUN_LEN: usize = PENDING_INSTANCES + 1;

/// Positions in a pending run (a root or the pool's credentials: `hi` here, `lo` next).
pub mod run_at {
    /// First queue index covered.
    pub const START: usize = 0;
    /// End of the covered range (exclusive).
    pub const END: usize = 1;
    /// The queue's length.
    pub const QUEUE_LEN: usize = 2;
    /// Slot of the block.
    pub const SLOT: usize = 3;
    /// Block root (hi, lo).
    pub const BLOCK_ROOT: usize = 4;
    /// Pool mode.
    pub const POOL_MODE: usize = 6;
    /// Pool credentials (hi, lo).
    pub const POOL: usize = 7;
    /// The pool's entries.
    pub const COUNT: usize = 9;
    /// Σ their amounts, gwei.
    pub const TOTAL: usize = 10;
}

/// Names of the run's values that two joined runs share, from `QUEUE_LEN` to the pool.
pub const SHARED: [&str; 7] = [
    "queue length",
    "slot",
    "block root (hi)",
    "block root (lo)",
    "pool mode",
    "pool credentials (hi)",
    "pool credentials (lo)",
];

/// Native: the run of a pending leaf of `n` entries (`[start, queue_len, ...]` → `[start,
/// start + n, queue_len, ...]`).
pub fn run_from_leaf(leaf: &[Fr], n: u64) -> Vec<Fr> {
    let mut out = vec![leaf[0], leaf[0] + Fr::from(n)];
    out.extend_from_slice(&leaf[1..]);
    out
}

/// In circuit: [`run_from_leaf`].
pub fn wrap_leaf(
    ctx: &mut Context<Fr>,
    gate: &impl GateInstructions<Fr>,
    leaf: &[AssignedValue<Fr>],
    n: u64,
) -> Vec<AssignedValue<Fr>> {
    let end = gate.add(ctx, leaf[0], Constant(Fr::from(n)));
    let mut out = vec![leaf[0], end];
    out.extend_from_slice(&leaf[1..]);
    out
}

/// Native: two runs join when `a.end = b.start` and they share the queue length, slot, block
/// root and pool; the counts and sums add. `Err((what, a, b))` names the first relation that
/// fails and the two values.
pub fn join_native(a: &[Fr], b: &[Fr]) -> Result<Vec<Fr>, (String, Fr, Fr)> {
    use run_at as r;
    if a[r::END] != b[r::START] {
        return Err((
            "pending runs are adjacent (end = next start)".into(),
            a[r::END],
            b[r::START],
        ));
    }
    for (i, name) in SHARED.iter().enumerate() {
        let k = r::QUEUE_LEN + i;
        if a[k] != b[k] {
            return Err((format!("{name} of both pending runs"), a[k], b[k]));
        }
    }
    let mut out = vec![a[r::START], b[r::END]];
    out.extend_from_slice(&a[r::QUEUE_LEN..r::COUNT]);
    out.extend([a[r::COUNT] + b[r::COUNT], a[r::TOTAL] + b[r::TOTAL]]);
    Ok(out)
}

/// In circuit: [`join_native`].
pub fn join(
    ctx: &mut Context<Fr>,
    gate: &impl GateInstructions<Fr>,
    a: &[AssignedValue<Fr>],
    b: &[AssignedValue<Fr>],
) -> Vec<AssignedValue<Fr>> {
    use run_at as r;
    ctx.constrain_equal(&a[r::END], &b[r::START]);
    for k in r::QUEUE_LEN..r::COUNT {
        ctx.constrain_equal(&a[k], &b[k]);
    }
    let mut out = vec![a[r::START], b[r::END]];
    out.extend_from_slice(&a[r::QUEUE_LEN..r::COUNT]);
    out.push(gate.add(ctx, a[r::COUNT], b[r::COUNT]));
    out.push(gate.add(ctx, a[r::TOTAL], b[r::TOTAL]));
    out
}

/// Native: whether run `run` covers the whole queue: it starts at 0 and `queue_len ≤ end`
/// (both below 2^128, as the leaves' range checks make them).
pub fn covers_queue(run: &[Fr]) -> bool {
    use crate::gadgets::u128_from_fr;
    use run_at as r;
    let (len, end) = (u128_from_fr(&run[r::QUEUE_LEN]), u128_from_fr(&run[r::END]));
    run[r::START] == Fr::zero() && matches!((len, end), (Some(l), Some(e)) if l <= e)
}

/// In circuit: [`covers_queue`] as constraints (`start = 0`, `queue_len < end + 1`).
pub fn assert_covers_queue(
    ctx: &mut Context<Fr>,
    range: &RangeChip<Fr>,
    run: &[AssignedValue<Fr>],
) {
    use run_at as r;
    range
        .gate()
        .assert_is_const(ctx, &run[r::START], &Fr::zero());
    let end_plus_1 = range.gate().add(ctx, run[r::END], Constant(Fr::one()));
    range.check_less_than(ctx, run[r::QUEUE_LEN], end_plus_1, INDEX_BITS + 1);
}

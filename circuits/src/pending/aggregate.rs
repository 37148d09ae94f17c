//! How aggregation nodes combine pending-deposit proofs: a wrapped leaf is a run `[start, end)`
//! of the queue, two adjacent runs of one block and pool join into one, and a run that starts
//! at 0 and reaches the queue's length covers the whole queue (what the final node will check
//! before it exposes the pool's pending count and sum). In-circuit and native, side by side:
//! each relation the native twin checks is a constraint.
//!
//! Run layout ([`RUN_LEN`] instances): `[empty, start, end, queue_len, slot, block_hi,
//! block_lo, pool_mode, pool_hi, pool_lo, count, total_gwei]`.
//!
//! `empty = 1` marks a *neutral* run (every other instance 0), as in the chain design's trees
//! ([`crate::chain::layout`]): the padding of a fixed-depth run tree, so that the proof of the
//! whole queue has one shape, and its verifying key one value, whatever the queue's length. A
//! wrap's neutral flag is a witness, so a neutral and a real wrap are one circuit; a neutral
//! wrap outputs zeros whatever leaf it verifies, and a join passes the other run through when
//! one is neutral. Adjacency binds the real runs, so padding can neither hide a range nor add
//! one, and coverage is checked on a real run.
//!
//! The final node `[Summary, Pending]` ([`finalize_with_queue`]) takes the registry's summary
//! and the queue's run of the same block and pool, and appends the pool's pending count and sum
//! to the final statement ([`FINAL_PENDING_LEN`] instances).

use super::PENDING_INSTANCES;
use crate::aggregation::layout::{summary_at, FINAL_LEN};
use crate::aggregation::native::{hex, CombineError};
use crate::chain::constraints::{behind_flag, eq_if, select_all};
use crate::chain::layout::neutral;
use crate::chain::native::empty_flag;
use crate::registry::constraints::INDEX_BITS;
use crate::Fr;
use halo2_base::gates::{GateInstructions, RangeChip, RangeInstructions};
use halo2_base::{AssignedValue, Context, QuantumCell::Constant};

type Cell = AssignedValue<Fr>;

/// Instances of a pending run.
pub const RUN_LEN: usize = PENDING_INSTANCES + 2;

/// Positions in a pending run (a root or the pool's credentials: `hi` here, `lo` next).
pub mod run_at {
    /// 1 for a neutral run.
    pub const EMPTY: usize = 0;
    /// First queue index covered.
    pub const START: usize = 1;
    /// End of the covered range (exclusive).
    pub const END: usize = 2;
    /// The queue's length.
    pub const QUEUE_LEN: usize = 3;
    /// Slot of the block.
    pub const SLOT: usize = 4;
    /// Block root (hi, lo).
    pub const BLOCK_ROOT: usize = 5;
    /// Pool mode.
    pub const POOL_MODE: usize = 7;
    /// Pool credentials (hi, lo).
    pub const POOL: usize = 8;
    /// The pool's entries.
    pub const COUNT: usize = 10;
    /// Σ their amounts, gwei.
    pub const TOTAL: usize = 11;
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

/// The neutral run: `empty = 1`, all else 0.
pub fn neutral_run() -> Vec<Fr> {
    neutral(RUN_LEN)
}

/// Native: the run of a pending leaf of `n` entries (`[start, queue_len, ...]` → `[0, start,
/// start + n, queue_len, ...]`), or the neutral run when the wrap is `neutral` (the leaf's
/// values unused).
pub fn run_from_leaf(leaf: &[Fr], n: u64, neutral: bool) -> Vec<Fr> {
    if neutral {
        return neutral_run();
    }
    let mut out = vec![Fr::zero(), leaf[0], leaf[0] + Fr::from(n)];
    out.extend_from_slice(&leaf[1..]);
    out
}

/// In circuit: [`run_from_leaf`], neutral when the witness `empty` is 1.
pub fn wrap_leaf(
    ctx: &mut Context<Fr>,
    gate: &impl GateInstructions<Fr>,
    leaf: &[Cell],
    n: u64,
    empty: Cell,
) -> Vec<Cell> {
    assert_eq!(leaf.len(), PENDING_INSTANCES);
    let end = gate.add(ctx, leaf[0], Constant(Fr::from(n)));
    let mut values = vec![leaf[0], end];
    values.extend_from_slice(&leaf[1..]);
    behind_flag(ctx, gate, &values, empty)
}

fn mismatch(what: String, a: &Fr, b: &Fr) -> CombineError {
    CombineError::Mismatch {
        what,
        left: hex(a),
        right: hex(b),
    }
}

/// Native: a neutral run passes the other through; two real runs join when `a.end = b.start`
/// and they share the queue length, slot, block root and pool, and their counts and sums add.
/// The error names the first relation that fails.
pub fn join_native(a: &[Fr], b: &[Fr]) -> Result<Vec<Fr>, CombineError> {
    use run_at as r;
    match (empty_flag(0, a)?, empty_flag(1, b)?) {
        (true, _) => return Ok(b.to_vec()),
        (false, true) => return Ok(a.to_vec()),
        (false, false) => {}
    }
    if a[r::END] != b[r::START] {
        return Err(mismatch(
            "pending runs are adjacent (end = next start)".into(),
            &a[r::END],
            &b[r::START],
        ));
    }
    for (i, name) in SHARED.iter().enumerate() {
        let k = r::QUEUE_LEN + i;
        if a[k] != b[k] {
            return Err(mismatch(
                format!("{name} of both pending runs"),
                &a[k],
                &b[k],
            ));
        }
    }
    let mut out = vec![Fr::zero(), a[r::START], b[r::END]];
    out.extend_from_slice(&a[r::QUEUE_LEN..r::COUNT]);
    out.extend([a[r::COUNT] + b[r::COUNT], a[r::TOTAL] + b[r::TOTAL]]);
    Ok(out)
}

/// In circuit: [`join_native`]; a neutral run must be zeros, and the relations between the
/// runs are enforced when both are real.
pub fn join(
    ctx: &mut Context<Fr>,
    gate: &impl GateInstructions<Fr>,
    a: &[Cell],
    b: &[Cell],
) -> Vec<Cell> {
    use run_at as r;
    assert_eq!((a.len(), b.len()), (RUN_LEN, RUN_LEN));
    let (ea, eb) = (a[r::EMPTY], b[r::EMPTY]);
    gate.assert_bit(ctx, ea);
    gate.assert_bit(ctx, eb);
    let ra = gate.not(ctx, ea);
    let rb = gate.not(ctx, eb);
    // A neutral run is all zeros after its flag, as the native twin checks (every neutral run
    // comes from a wrap that zeroes its values, so this holds by construction too).
    let zeros = vec![ctx.load_zero(); RUN_LEN - 1];
    eq_if(ctx, gate, ea, &a[1..], &zeros);
    eq_if(ctx, gate, eb, &b[1..], &zeros);
    let both = gate.mul(ctx, ra, rb);
    eq_if(
        ctx,
        gate,
        both,
        &a[r::END..r::END + 1],
        &b[r::START..r::START + 1],
    );
    eq_if(
        ctx,
        gate,
        both,
        &a[r::QUEUE_LEN..r::COUNT],
        &b[r::QUEUE_LEN..r::COUNT],
    );
    let mut merged = vec![a[r::EMPTY], a[r::START], b[r::END]];
    merged.extend_from_slice(&a[r::QUEUE_LEN..r::COUNT]);
    merged.push(gate.add(ctx, a[r::COUNT], b[r::COUNT]));
    merged.push(gate.add(ctx, a[r::TOTAL], b[r::TOTAL]));
    // ea: b; else eb: a; else merged.
    let a_or_merged = select_all(ctx, gate, a, &merged, eb);
    select_all(ctx, gate, b, &a_or_merged, ea)
}

/// Native: whether run `run` covers the whole queue: it is real, starts at 0 and `queue_len ≤
/// end` (both below 2^128, as the leaves' range checks make them).
pub fn covers_queue(run: &[Fr]) -> bool {
    use crate::gadgets::u128_from_fr;
    use run_at as r;
    let (len, end) = (u128_from_fr(&run[r::QUEUE_LEN]), u128_from_fr(&run[r::END]));
    run[r::EMPTY] == Fr::zero()
        && run[r::START] == Fr::zero()
        && matches!((len, end), (Some(l), Some(e)) if l <= e)
}

/// In circuit: [`covers_queue`] as constraints (`empty = 0`, `start = 0`, `queue_len < end +
/// 1`).
pub fn assert_covers_queue(ctx: &mut Context<Fr>, range: &RangeChip<Fr>, run: &[Cell]) {
    use run_at as r;
    let gate = range.gate();
    gate.assert_is_const(ctx, &run[r::EMPTY], &Fr::zero());
    gate.assert_is_const(ctx, &run[r::START], &Fr::zero());
    let end_plus_1 = gate.add(ctx, run[r::END], Constant(Fr::one()));
    range.check_less_than(ctx, run[r::QUEUE_LEN], end_plus_1, INDEX_BITS + 1);
}

/// Instances of the final statement with the pool's pending deposits: the final statement
/// ([`crate::aggregation::layout::final_at`]) then `pending_deposit_count`,
/// `pending_deposit_gwei`.
pub const FINAL_PENDING_LEN: usize = FINAL_LEN + 2;

/// Names of the values a summary and the queue's run must share, with their positions in each.
const FINAL_SHARED: [(&str, usize, usize); 6] = [
    ("slot", summary_at::SLOT, run_at::SLOT),
    (
        "block root (hi)",
        summary_at::BLOCK_ROOT,
        run_at::BLOCK_ROOT,
    ),
    (
        "block root (lo)",
        summary_at::BLOCK_ROOT + 1,
        run_at::BLOCK_ROOT + 1,
    ),
    ("pool mode", summary_at::POOL_EXACT, run_at::POOL_MODE),
    ("pool credentials (hi)", summary_at::POOL, run_at::POOL),
    (
        "pool credentials (lo)",
        summary_at::POOL + 1,
        run_at::POOL + 1,
    ),
];

/// Native: the final statement with the pool's pending deposits, from `fin` (the final
/// statement of `summary`, which the caller has checked covers the registry) and the queue's
/// `run`: the run covers the queue, and shares the summary's slot, block root and pool; its
/// count and sum are appended.
pub fn finalize_with_queue(
    fin: &[Fr],
    summary: &[Fr],
    run: &[Fr],
) -> Result<Vec<Fr>, CombineError> {
    if !covers_queue(run) {
        return Err(mismatch(
            "the pending run covers the queue (real, start 0, length ≤ end)".into(),
            &run[run_at::QUEUE_LEN],
            &run[run_at::END],
        ));
    }
    for (name, s, r) in FINAL_SHARED {
        if summary[s] != run[r] {
            return Err(mismatch(
                format!("{name} of the registry summary and the pending run"),
                &summary[s],
                &run[r],
            ));
        }
    }
    let mut out = fin.to_vec();
    out.extend([run[run_at::COUNT], run[run_at::TOTAL]]);
    Ok(out)
}

/// In circuit: [`finalize_with_queue`] (`fin` the cells of the summary's final statement).
pub fn assert_finalize_with_queue(
    ctx: &mut Context<Fr>,
    range: &RangeChip<Fr>,
    mut fin: Vec<Cell>,
    summary: &[Cell],
    run: &[Cell],
) -> Vec<Cell> {
    assert_covers_queue(ctx, range, run);
    for (_, s, r) in FINAL_SHARED {
        ctx.constrain_equal(&summary[s], &run[r]);
    }
    fin.extend([run[run_at::COUNT], run[run_at::TOTAL]]);
    fin
}

/// log2 of the queue entries a run tree holds: 2^20 = 1,048,576 entries (33.5M ETH in 32-ETH
/// deposits, above any queue mainnet has held), fixed so that the run's verifying key is. The
/// queue's own limit, `PENDING_DEPOSITS_LIMIT`, is 2^27.
pub const RUN_TREE_LOG_CAPACITY: u32 = 20;

/// Join levels of the run tree over leaves of `n` entries (a power of two of at most 2^20):
/// `20 − log2 n`.
pub fn run_tree_depth(n: u64) -> u32 {
    RUN_TREE_LOG_CAPACITY.saturating_sub(n.trailing_zeros())
}

/// The fixed-depth tree of runs over `leaves` real leaves (left-aligned) of depth `depth`: how
/// many real wraps and joins it takes, and how many neutral nodes pad it. A neutral node of a
/// level serves every padded position there (it joins two neutral nodes of the level below; at
/// level 0 it wraps a fixed padding leaf), so it is the same proof for every report and made
/// once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunTreeShape {
    /// Real nodes per level (wraps at 0, joins at `1..=depth`).
    pub real: Vec<u64>,
    /// Neutral nodes: one on each level `0..neutral`.
    pub neutral: u32,
}

impl RunTreeShape {
    /// The shape for `leaves ≥ 1` real leaves under `2^depth` (`depth` ≤ 63); `None` when they
    /// do not fit.
    pub fn new(leaves: u64, depth: u32) -> Option<Self> {
        let capacity = 1u64.checked_shl(depth)?;
        if leaves == 0 || leaves > capacity {
            return None;
        }
        let mut real = vec![leaves];
        let mut neutral = 0;
        for level in 1..=depth {
            let below = real[level as usize - 1];
            if below % 2 == 1 {
                // The last real node of the level below pairs with that level's neutral one,
                // which needs the neutral nodes of every level under it.
                neutral = level;
            }
            real.push(below.div_ceil(2));
        }
        Some(RunTreeShape { real, neutral })
    }

    /// Real nodes in all.
    pub fn real_nodes(&self) -> u64 {
        self.real.iter().sum()
    }

    /// Join levels.
    pub fn depth(&self) -> u32 {
        (self.real.len() - 1) as u32
    }
}

/// Builds the fixed-depth run tree over `wraps` (the real leaves' runs, left-aligned) with
/// `depth` join levels: each level's runs joined in pairs, a level with an odd count padded
/// with that level's neutral run, made when first needed (`neutral_wrap`, then `join` of two
/// neutral runs up to the level) and carried up only while a level above needs it; the same
/// nodes [`RunTreeShape`] counts. Generic over what a run is (a native statement, a proof), so
/// the prover and its native twin build one tree. `shape` is the tree's, made by
/// [`RunTreeShape::new`] for `wraps.len()` leaves (the prover makes it before proving, to refuse
/// a queue that does not fit); a `shape` of another leaf count is a caller's bug and panics.
pub fn fold_run_tree<T: Clone, E>(
    wraps: Vec<T>,
    shape: &RunTreeShape,
    mut neutral_wrap: impl FnMut() -> Result<T, E>,
    mut join: impl FnMut(T, T) -> Result<T, E>,
) -> Result<T, E> {
    assert_eq!(
        Some(wraps.len() as u64),
        shape.real.first().copied(),
        "the shape is the one of these leaves"
    );
    let depth = shape.depth();
    let mut level = wraps;
    // The neutral node of the current level, once made.
    let mut neutral: Option<T> = None;
    for l in 0..depth {
        if level.len() % 2 == 1 {
            let pad = match neutral.take() {
                Some(p) => p,
                None => {
                    // The neutral nodes of levels 0..=l, bottom-up.
                    let mut p = neutral_wrap()?;
                    for _ in 0..l {
                        p = join(p.clone(), p)?;
                    }
                    p
                }
            };
            level.push(pad.clone());
            neutral = Some(pad);
        }
        let mut next = Vec::with_capacity(level.len() / 2);
        let mut it = level.into_iter();
        while let (Some(a), Some(b)) = (it.next(), it.next()) {
            next.push(join(a, b)?);
        }
        level = next;
        // The neutral node one level up, if a level above still needs padding.
        if let Some(p) = neutral.take() {
            if l + 1 < shape.neutral {
                neutral = Some(join(p.clone(), p)?);
            }
        }
    }
    Ok(level.pop().expect("one top"))
}

#[cfg(test)]
mod tests {
    use super::RunTreeShape;

    /// The fold makes exactly the nodes the shape counts, for every fill of small trees: runs
    /// as intervals `(start, end)` or neutral, joins checked for adjacency.
    #[test]
    fn the_fold_makes_the_nodes_the_shape_counts() {
        type Run = Option<(u64, u64)>;
        for depth in 0..=5u32 {
            for leaves in 1..=(1u64 << depth) {
                let (mut wraps_made, mut joins) = (0u64, 0u64);
                let runs: Vec<Run> = (0..leaves).map(|i| Some((i, i + 1))).collect();
                let shape = RunTreeShape::new(leaves, depth).unwrap();
                let top = super::fold_run_tree(
                    runs,
                    &shape,
                    || {
                        wraps_made += 1;
                        Ok::<Run, String>(None)
                    },
                    |a, b| {
                        joins += 1;
                        match (a, b) {
                            (None, x) | (x, None) => Ok(x),
                            (Some((s, e)), Some((s2, e2))) if e == s2 => Ok(Some((s, e2))),
                            (a, b) => Err(format!("{a:?} {b:?} not adjacent")),
                        }
                    },
                )
                .unwrap();
                assert_eq!(top, Some((0, leaves)), "depth {depth}, {leaves} leaves");
                let shape = RunTreeShape::new(leaves, depth).unwrap();
                assert_eq!(wraps_made, u64::from(shape.neutral > 0));
                assert_eq!(
                    joins,
                    shape.real_nodes() - leaves + u64::from(shape.neutral.saturating_sub(1)),
                    "depth {depth}, {leaves} leaves"
                );
            }
        }
    }

    #[test]
    fn run_tree_shapes() {
        // One leaf at depth 3: its wrap and three joins with the neutral nodes of levels 0..3.
        let one = RunTreeShape::new(1, 3).unwrap();
        assert_eq!((one.real, one.neutral), (vec![1, 1, 1, 1], 3));
        // A full tree has no padding.
        let full = RunTreeShape::new(8, 3).unwrap();
        assert_eq!((full.real_nodes(), full.neutral), (15, 0));
        // Five of eight: levels 0 (5 real) and 1 (3 real) are padded: neutral nodes at 0 and 1.
        let five = RunTreeShape::new(5, 3).unwrap();
        assert_eq!((five.real, five.neutral), (vec![5, 3, 2, 1], 2));
        // Depth 0: the single wrap is the top.
        assert_eq!(RunTreeShape::new(1, 0).unwrap().real_nodes(), 1);
        assert!(RunTreeShape::new(9, 3).is_none());
        assert!(RunTreeShape::new(0, 3).is_none());
        assert!(RunTreeShape::new(1, 64).is_none());
        assert_eq!(super::run_tree_depth(256), 12);
        assert_eq!(super::run_tree_depth(1024), 10);
    }
}

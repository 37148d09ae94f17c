//! The pending-deposit leaves of a report (issue #17): Electra's `pending_deposits` queue in
//! aligned ranges of `n` entries, one leaf proof each (one for an empty queue, which proves the
//! length 0), reused from the artifact store when already proven; their sums checked against
//! the native report; then ([`prove_pending_run`]) each leaf wrapped and the runs joined into
//! one proof of the whole queue, in a fixed-depth tree padded with neutral runs so that its
//! verifying key does not follow the queue's length. With a pending configuration
//! (`LeafConfig::pending`) the report's tree ([`crate::tree::prove`]) proves that run first and
//! its final node takes it beside the registry's summary (`docs/ARCHITECTURE.md` §10).

use crate::keys::CircuitKeys;
use crate::leaves::{prove_one, LeafOutcome, WorkDir};
use crate::options::ProveOptions;
use crate::srs::Srs;
use crate::tree::prove::{leaf, Proven, Tree};
use crate::tree::NodeOutcome;
use crate::PipelineError;
use stakeproof_beacon::beacon::BeaconState;
use stakeproof_beacon::report::{pending_deposits, Pool};
use stakeproof_circuits::aggregation::layout::{NodeSpec, NodeWitness, Statement, ACC_LIMBS};
use stakeproof_circuits::aggregation::native::CombineError;
use stakeproof_circuits::leaf_size::sha_min_k;
use stakeproof_circuits::pending::aggregate::{covers_queue, fold_run_tree, RunTreeShape};
use stakeproof_circuits::pending::{pending_public, PendingWitness};
use stakeproof_circuits::Fr;

/// The proven pending-deposit leaves of one state.
#[derive(Clone, Debug, serde::Serialize)]
pub struct PendingLeaves {
    /// One per range, in queue order.
    pub leaves: Vec<LeafOutcome>,
    /// Entries per leaf.
    pub size: usize,
    /// `k` of the leaf circuit.
    pub k: u32,
    /// The queue's length.
    pub queue_len: u64,
    /// The pool's entries, summed from the proofs' public inputs.
    pub pending_deposit_count: u64,
    /// Σ their amounts, gwei, summed from the proofs' public inputs.
    pub pending_deposit_gwei: u128,
}

/// The smallest `k` that holds the leaf's SHA-256 region for `witness`'s shape.
pub fn pending_k(witness: &PendingWitness) -> u32 {
    sha_min_k(witness.params().compressions())
}

/// What a job plan needs of `state`'s queue for `pool` at leaves of `n` entries: its length
/// and the leaf circuit's `k`, from the state's layout without hashing the queue (`trees` are
/// the state's); `None` before Electra.
pub fn queue_for_plan(
    state: &BeaconState,
    trees: &stakeproof_beacon::beacon::StateTree,
    pool: &Pool,
    n: usize,
) -> Option<crate::jobs::PendingQueue> {
    let len = state.pending_deposit_entries()?.len() as u64;
    let params = leaf_params(state, trees, pool, n);
    Some(crate::jobs::PendingQueue {
        len,
        leaf_k: sha_min_k(params.compressions()),
    })
}

/// The parameters of `state`'s pending-deposit leaf circuit for `pool` at `n` entries (what
/// its witnesses would give, without building one; `trees` are the state's).
pub fn leaf_params(
    state: &BeaconState,
    trees: &stakeproof_beacon::beacon::StateTree,
    pool: &Pool,
    n: usize,
) -> stakeproof_circuits::pending::PendingParams {
    stakeproof_circuits::pending::PendingParams {
        log_n: n.trailing_zeros(),
        list_depth: state.pending_deposits_depth() as u32,
        state_depth: trees.fields.depth() as u32,
        set_depth: stakeproof_circuits::pool::PoolSpec::from(pool).set_depth(),
    }
}

/// The witnesses of every pending-deposit leaf of `state` for `pool`, ranges of `n` covering
/// the queue (one range when it is empty); `None` before Electra.
pub fn pending_witnesses(
    state: &BeaconState,
    pool: &Pool,
    n: usize,
) -> Result<Option<Vec<PendingWitness>>, PipelineError> {
    let Some(queue) = state.pending_deposits_tree() else {
        return Ok(None);
    };
    let tree = state.tree()?;
    let ranges = queue.length.div_ceil(n as u64).max(1);
    (0..ranges)
        .map(|r| {
            PendingWitness::from_state(state, &tree, &queue, pool, r * n as u64, n)
                .map_err(PipelineError::from)
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// Proves (or reuses) every pending-deposit leaf of `state` for `pool` in ranges of `n`
/// entries, through `opts.backend`; `None` before Electra, where there is no queue. The
/// proofs' sums must equal the native report ([`PipelineError::PendingMismatch`]).
pub fn prove_pending(
    state: &BeaconState,
    pool: &Pool,
    srs: &Srs,
    work: &WorkDir,
    opts: &ProveOptions,
    n: usize,
) -> Result<Option<PendingLeaves>, PipelineError> {
    Ok(prove_leaves(state, pool, srs, work, opts, n)?.map(|p| p.leaves))
}

/// The leaf stage with what the run's nodes need from it: each leaf's instances and the
/// circuit's keys (witnesses, natives and keys made once).
struct ProvenPending {
    leaves: PendingLeaves,
    instances: Vec<Vec<Fr>>,
    keys: CircuitKeys,
}

fn prove_leaves(
    state: &BeaconState,
    pool: &Pool,
    srs: &Srs,
    work: &WorkDir,
    opts: &ProveOptions,
    n: usize,
) -> Result<Option<ProvenPending>, PipelineError> {
    let Some(witnesses) = pending_witnesses(state, pool, n)? else {
        return Ok(None);
    };
    let k = pending_k(&witnesses[0]);
    let progress = opts.progress;
    progress.stage("keys", 1);
    let keys = work.keys().get(srs, &witnesses[0], k)?;
    progress.tick();
    progress.stage("pending-deposit proofs", witnesses.len());
    let store = work.proofs();
    let (mut leaves, mut count, mut gwei) = (Vec::with_capacity(witnesses.len()), 0u64, 0u128);
    let mut instances = Vec::with_capacity(witnesses.len());
    // Each range's public inputs key its proof (a reused one was verified against them) and
    // carry its sums.
    for w in &witnesses {
        let public = pending_public(w);
        count += public.count;
        gwei += public.total_gwei;
        let inst = public.to_instances();
        leaves.push(prove_one(
            &opts.backend,
            &keys,
            &store,
            w,
            w.start,
            inst.clone(),
        )?);
        instances.push(inst);
        progress.tick();
    }
    let native = pending_deposits(state, pool);
    if (count, gwei) != (native.pending_deposit_count, native.pending_deposit_gwei) {
        return Err(PipelineError::PendingMismatch {
            proven_count: count,
            proven_gwei: gwei,
            native_count: native.pending_deposit_count,
            native_gwei: native.pending_deposit_gwei,
        });
    }
    Ok(Some(ProvenPending {
        leaves: PendingLeaves {
            leaves,
            size: n,
            k,
            queue_len: witnesses[0].queue_len,
            pending_deposit_count: count,
            pending_deposit_gwei: gwei,
        },
        instances,
        keys,
    }))
}

/// The queue's run proof and how it was made.
pub struct PendingRun {
    /// The leaf stage.
    pub leaves: PendingLeaves,
    /// Every node in proving order: real wraps and joins, and the neutral nodes that pad the
    /// tree.
    pub nodes: Vec<NodeOutcome>,
    /// The padding leaf the neutral wrap verifies (`None` for a full tree).
    pub padding: Option<LeafOutcome>,
    /// The tree's shape.
    pub shape: RunTreeShape,
    /// The run's statement after the accumulator (`pending::aggregate::run_at`): real, `[0,
    /// end)` with `queue_len ≤ end`, the block, the pool, the count and the sum.
    pub statement: Vec<Fr>,
    /// The run proof's artifact key.
    pub key: String,
}

/// The leaf a neutral wrap verifies (its values unused): range 0 of a small fixed devnet state
/// of the report's fork and preset with an empty queue, for the report's pool (the pool's
/// shape is part of the leaf circuit). Fixed, so the neutral nodes above it are proven once and
/// reused by every report of the pool.
pub fn padding_witness(
    state: &BeaconState,
    pool: &Pool,
    n: usize,
) -> Result<PendingWitness, PipelineError> {
    use stakeproof_beacon::devnet::{build, DevnetSpec};
    let st = build(&DevnetSpec {
        fork: state.fork(),
        preset: state.preset().clone(),
        validators: 8,
        ..Default::default()
    })?;
    let queue = st
        .pending_deposits_tree()
        .ok_or(stakeproof_circuits::pending::PendingError::NoQueue { fork: st.fork() })?;
    Ok(PendingWitness::from_state(
        &st,
        &st.tree()?,
        &queue,
        pool,
        0,
        n,
    )?)
}

/// Proves the pending-deposit leaves ([`prove_pending`]) and aggregates them into one proof of
/// the whole queue, at `opts.tree.node_k`, reusing every stored proof: a fixed-depth tree of
/// `depth` join levels over the leaves' wraps (left-aligned), padded with neutral runs
/// ([`stakeproof_circuits::pending::aggregate`]), so that the run's circuit, and the key of any
/// node that takes it, does not follow the queue's length. `None` before Electra;
/// [`PipelineError::PendingCapacity`] when the queue needs more than `2^depth` leaves.
///
/// `depth` is part of the run's verifying key, so a deployment fixes it with its leaf size:
/// `pending::aggregate::run_tree_depth(n)` (2^20 entries); tests take small ones.
pub fn prove_pending_run(
    state: &BeaconState,
    pool: &Pool,
    srs: &Srs,
    work: &WorkDir,
    opts: &ProveOptions,
    n: usize,
    depth: u32,
) -> Result<Option<PendingRun>, PipelineError> {
    // Refused before the tree's setup is even looked at.
    if run_shape(state, n, depth)?.is_none() {
        return Ok(None);
    }
    let mut tree = Tree::new(srs, work, opts)?;
    Ok(run_in(&mut tree, state, pool, srs, work, opts, n, depth)?.map(|(run, _)| run))
}

/// The shape of `state`'s run tree in leaves of `n` entries under `depth` levels: `None` before
/// Electra, [`PipelineError::PendingCapacity`] when the queue does not fit. Callers check it
/// before proving anything.
pub fn run_shape(
    state: &BeaconState,
    n: usize,
    depth: u32,
) -> Result<Option<RunTreeShape>, PipelineError> {
    // The length only: the queue's tree (a hash of every entry) is built once, by the leaves.
    let Some(queue_len) = state.pending_deposit_entries().map(|e| e.len() as u64) else {
        return Ok(None);
    };
    RunTreeShape::new(queue_len.div_ceil(n as u64).max(1), depth)
        .map(Some)
        .ok_or(PipelineError::PendingCapacity {
            queue_len,
            size: n,
            depth,
        })
}

/// [`prove_pending_run`] through `tree` (the report's, whose keys and setup it shares): the
/// run and its proof, the child of the report's final node.
#[allow(clippy::too_many_arguments)]
pub(crate) fn run_in(
    tree: &mut Tree,
    state: &BeaconState,
    pool: &Pool,
    srs: &Srs,
    work: &WorkDir,
    opts: &ProveOptions,
    n: usize,
    depth: u32,
) -> Result<Option<(PendingRun, Proven)>, PipelineError> {
    // The tree's shape, and a queue beyond it refused, before any proving.
    let Some(shape) = run_shape(state, n, depth)? else {
        return Ok(None);
    };
    let Some(ProvenPending {
        leaves,
        instances,
        keys,
    }) = prove_leaves(state, pool, srs, work, opts, n)?
    else {
        return Ok(None);
    };
    let store = work.proofs();
    let leaf_statement = Statement::PendingLeaf { n: n as u64 };
    // The padding leaf, proven (or reused) when the tree has neutral nodes.
    let padding = if shape.neutral > 0 {
        let w = padding_witness(state, pool, n)?;
        let name = stakeproof_circuits::util::circuit::CircuitLogic::name(&w);
        if name != keys.name {
            return Err(PipelineError::Artifact {
                path: keys.name.clone(),
                reason: format!(
                    "the padding leaf is {name}, the queue's leaves are {}",
                    keys.name
                ),
            });
        }
        let inst = pending_public(&w).to_instances();
        opts.progress.stage("pending padding leaf", 1);
        let outcome = prove_one(&opts.backend, &keys, &store, &w, w.start, inst.clone())?;
        opts.progress.tick();
        Some((outcome, leaf(&keys, &store, leaf_statement, inst)?))
    } else {
        None
    };
    opts.progress.stage(
        "pending aggregation",
        (shape.real_nodes() + u64::from(shape.neutral)) as usize,
    );
    let first_node = tree.outcomes.len();
    let wrap = NodeSpec {
        children: vec![leaf_statement],
        finalize: false,
    };
    let join = NodeSpec {
        children: vec![Statement::Pending, Statement::Pending],
        finalize: false,
    };
    let mut wraps = Vec::with_capacity(instances.len());
    for inst in instances {
        let l = leaf(&keys, &store, leaf_statement, inst)?;
        wraps.push(tree.node(wrap.clone(), vec![l])?);
    }
    let neutral = NodeWitness {
        neutral: true,
        pool: None,
    };
    // Both closures prove through the one tree, one at a time.
    let tree = std::cell::RefCell::new(tree);
    let run = fold_run_tree(
        wraps,
        &shape,
        || {
            let pl = padding
                .as_ref()
                .expect("a padded tree has a padding leaf")
                .1
                .clone();
            tree.borrow_mut()
                .node_with(wrap.clone(), vec![pl], &neutral)
        },
        |a, b| tree.borrow_mut().node(join.clone(), vec![a, b]),
    )?;
    let tree = tree.into_inner();
    let statement = run.snark.instances[0][ACC_LIMBS..].to_vec();
    if !covers_queue(&statement) {
        // Unreachable: the leaves cover `max(1, ⌈len/n⌉)·n ≥ len` entries from 0.
        return Err(CombineError::Mismatch {
            what: "the queue's run covers the queue (real, start 0, length ≤ end)".into(),
            left: format!("{:?}", &statement[..4]),
            right: "covered".into(),
        }
        .into());
    }
    let pending = PendingRun {
        leaves,
        nodes: tree.outcomes[first_node..].to_vec(),
        padding: padding.map(|p| p.0),
        shape,
        statement,
        key: run.key.clone(),
    };
    Ok(Some((pending, run)))
}

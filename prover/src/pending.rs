//! The pending-deposit leaves of a report (issue #17): Electra's `pending_deposits` queue in
//! aligned ranges of `n` entries, one leaf proof each (one for an empty queue, which proves the
//! length 0), reused from the artifact store when already proven; their sums checked against
//! the native report; then ([`prove_pending_run`]) each leaf wrapped and the runs joined into
//! one proof of the whole queue. Taking that run into the final statement is the next step
//! (`docs/ARCHITECTURE.md` §10).

use crate::keys::CircuitKeys;
use crate::leaves::{prove_one, LeafOutcome, WorkDir};
use crate::options::ProveOptions;
use crate::srs::Srs;
use crate::tree::prove::{leaf, Proven, Tree};
use crate::tree::NodeOutcome;
use crate::PipelineError;
use stakeproof_beacon::beacon::BeaconState;
use stakeproof_beacon::report::{pending_deposits, Pool};
use stakeproof_circuits::aggregation::layout::{NodeSpec, Statement, ACC_LIMBS};
use stakeproof_circuits::aggregation::native::CombineError;
use stakeproof_circuits::leaf_size::sha_min_k;
use stakeproof_circuits::pending::aggregate::covers_queue;
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
    /// Every node, bottom-up: the wraps, then the joins.
    pub nodes: Vec<NodeOutcome>,
    /// The run's statement after the accumulator (`pending::aggregate::run_at`): `[0, end)`
    /// with `queue_len ≤ end`, the block, the pool, the count and the sum.
    pub statement: Vec<Fr>,
    /// The run proof's artifact key.
    pub key: String,
}

/// Proves the pending-deposit leaves ([`prove_pending`]), wraps each and joins the runs
/// pairwise, left to right (a lone run moves up a level), at `opts.tree.node_k`, reusing every
/// stored proof; the result covers the whole queue. `None` before Electra.
pub fn prove_pending_run(
    state: &BeaconState,
    pool: &Pool,
    srs: &Srs,
    work: &WorkDir,
    opts: &ProveOptions,
    n: usize,
) -> Result<Option<PendingRun>, PipelineError> {
    let Some(ProvenPending {
        leaves,
        instances,
        keys,
    }) = prove_leaves(state, pool, srs, work, opts, n)?
    else {
        return Ok(None);
    };
    let store = work.proofs();
    let joins = instances.len().saturating_sub(1);
    opts.progress
        .stage("pending aggregation", instances.len() + joins);
    let mut tree = Tree::new(srs, work, opts)?;
    let wrap = |s: Statement| NodeSpec {
        children: vec![s],
        finalize: false,
    };
    let mut runs = Vec::with_capacity(instances.len());
    for inst in instances {
        let l = leaf(&keys, &store, Statement::PendingLeaf { n: n as u64 }, inst)?;
        runs.push(tree.node(wrap(l.statement), vec![l])?);
    }
    while runs.len() > 1 {
        let mut next: Vec<Proven> = Vec::with_capacity(runs.len().div_ceil(2));
        let mut it = runs.into_iter();
        while let Some(a) = it.next() {
            next.push(match it.next() {
                Some(b) => tree.node(
                    NodeSpec {
                        children: vec![Statement::Pending, Statement::Pending],
                        finalize: false,
                    },
                    vec![a, b],
                )?,
                None => a,
            });
        }
        runs = next;
    }
    let run = runs.pop().expect("at least one leaf");
    let statement = run.snark.instances[0][ACC_LIMBS..].to_vec();
    if !covers_queue(&statement) {
        // Unreachable: the leaves cover `max(1, ⌈len/n⌉)·n ≥ len` entries from 0.
        return Err(CombineError::Mismatch {
            what: "the queue's run covers the queue (start 0, length ≤ end)".into(),
            left: format!("{:?}", &statement[..3]),
            right: "covered".into(),
        }
        .into());
    }
    Ok(Some(PendingRun {
        leaves,
        nodes: tree.outcomes,
        statement,
        key: run.key,
    }))
}

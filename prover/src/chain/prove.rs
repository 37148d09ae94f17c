//! Proving a chain plan: the leaves (delta, append, pool-balance and the padding leaves that
//! neutral wraps verify) in parallel, then every node in plan order, the final one under the
//! EVM transcript; proofs are content-addressed and verified again before reuse, so neutral
//! proofs (over fixed padding leaves) and unchanged nodes are proven once across reports.
//! Node keys are named as `crate::tree` names them: the node's tag and a digest of its
//! children's verifying keys, so each level of each tree has its own key set.

use super::artifact::ChainArtifact;
use super::cache::ChainCache;
use super::native::{check_report, native_chain, ChainNativeTree};
use super::plan::{pool_instances, ChainPlan, Child, Role};
use super::ChainError;
use crate::artifacts::{statement_key, ArtifactStore, Rejected};
use crate::backend::ProvingBackend;
use crate::keys::CircuitKeys;
use crate::leaves::{leaf_thread_pool, LeafOutcome, Progress, WorkDir};
use crate::nodes::{NodeProver, Proven};
use crate::options::ProveOptions;
use crate::srs::Srs;
use crate::PipelineError;
use rayon::prelude::*;
use stakeproof_beacon::beacon::{BeaconState, StateTree};
use stakeproof_beacon::report::Pool;
use stakeproof_circuits::aggregation::layout::{NodeWitness, Statement, ACC_LIMBS};
use stakeproof_circuits::delta::native::delta_public;
use stakeproof_circuits::delta::{DeltaWitness, Registry};
use stakeproof_circuits::halo2_base::gates::circuit::CircuitBuilderStage;
use stakeproof_circuits::pool::PoolSpec;
use stakeproof_circuits::pool_balance::witness::state_accounts_tree;
use stakeproof_circuits::pool_balance::{
    pool_balance_public, PoolBalanceParams, PoolBalanceWitness,
};
use stakeproof_circuits::util::circuit::{build_circuit, CircuitLogic, Shape};
use stakeproof_circuits::util::proving::snark;
use stakeproof_circuits::Fr;
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

/// What happened to one node.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ChainNodeOutcome {
    /// Position in the plan.
    pub index: usize,
    /// Its part of the proof.
    pub role: Role,
    /// Its level.
    pub level: u32,
    /// A neutral (padding) node.
    pub neutral: bool,
    /// Node circuit name.
    pub circuit: String,
    /// Artifact key.
    pub key: String,
    /// Reused from an earlier run.
    pub reused: bool,
    /// Seconds spent (keygen excluded).
    pub seconds: f64,
}

/// The proof of one report in the chain design and how it was made.
pub struct ChainProof {
    /// The final artifact (also written to the work directory).
    pub artifact: ChainArtifact,
    /// Where it was written.
    pub path: PathBuf,
    /// The native tree the proofs were checked against.
    pub native: ChainNativeTree,
    /// Every leaf (padding leaves included).
    pub leaves: Vec<LeafOutcome>,
    /// Every node, in plan order.
    pub nodes: Vec<ChainNodeOutcome>,
    /// The chain cache written after the report.
    pub cache: ChainCache,
}

/// A leaf to prove: its witness.
enum LeafJob<'a> {
    Delta(&'a DeltaWitness),
    PoolBalance(&'a PoolBalanceWitness),
}

impl LeafJob<'_> {
    fn name(&self) -> String {
        match self {
            LeafJob::Delta(w) => w.name(),
            LeafJob::PoolBalance(w) => w.name(),
        }
    }

    fn k(&self) -> Result<u32, ChainError> {
        Ok(match self {
            LeafJob::Delta(w) => w.params()?.k,
            LeafJob::PoolBalance(w) => {
                PoolBalanceParams::new(w.n(), w.state_depth() as u32, w.slots_per_epoch, None)?.k
            }
        })
    }

    fn start(&self) -> u64 {
        match self {
            LeafJob::Delta(w) => w.updates.first().map_or(0, |u| u.position << w.log_n),
            LeafJob::PoolBalance(w) => w.start,
        }
    }

    fn instances(&self) -> Result<Vec<Fr>, ChainError> {
        Ok(match self {
            LeafJob::Delta(w) => delta_public(w)?.to_instances(),
            LeafJob::PoolBalance(w) => pool_balance_public(w)?.to_instances(),
        })
    }

    fn keys(&self, srs: &Srs, work: &WorkDir) -> Result<CircuitKeys, ChainError> {
        let k = self.k()?;
        Ok(match self {
            LeafJob::Delta(w) => work.keys().get(srs, *w, k)?,
            LeafJob::PoolBalance(w) => work.keys().get(srs, *w, k)?,
        })
    }
}

/// Proves (or reuses) one leaf; returns its outcome and the proof as a child.
fn prove_leaf(
    backend: &ProvingBackend,
    keys: &CircuitKeys,
    store: &ArtifactStore,
    job: &LeafJob,
    statement: Statement,
) -> Result<(LeafOutcome, Proven), ChainError> {
    let native = job.instances()?;
    let start = job.start();
    let (found, rejected) = store.load(keys, &native);
    let discarded = rejected.map(|r| match r {
        Rejected::Unreadable(e) => format!("unreadable: {e}"),
        Rejected::Foreign => "another statement".into(),
        Rejected::BadProof => "proof does not verify".into(),
    });
    let t = Instant::now();
    let reused = found.is_some();
    let proof = match found {
        Some(p) => p,
        None => {
            let build = |stage| match job {
                LeafJob::Delta(w) => build_circuit(stage, *w, Shape::Pinned(&keys.pinning)),
                LeafJob::PoolBalance(w) => build_circuit(stage, *w, Shape::Pinned(&keys.pinning)),
            };
            let circuit = build(CircuitBuilderStage::Prover)?;
            let instances = circuit.instances();
            crate::check_twin(|| format!("{} at {start}", keys.name), &instances, &native)?;
            let what = format!("proving {} at {start}", keys.name);
            let proof = backend.prove(&keys.params, &keys.pk, circuit, &instances, &what)?;
            store.store(keys, &instances, &proof)?;
            proof
        }
    };
    let key = statement_key(&keys.name, &keys.vk_digest, &native);
    let outcome = LeafOutcome {
        circuit: keys.name.clone(),
        start,
        key: key.clone(),
        reused,
        discarded,
        seconds: if reused {
            0.0
        } else {
            t.elapsed().as_secs_f64()
        },
    };
    let proven = Proven {
        statement,
        key,
        vk_digest: keys.vk_digest.clone(),
        snark: snark(&keys.params, keys.pk.get_vk(), native, proof, None),
    };
    Ok((outcome, proven))
}

/// The padding leaf of a tree: an identity delta or an empty append on the cold registry of
/// the plan's pool, or a pool-balance leaf of range 0 of a small fixed devnet state of the
/// report's fork and preset (a pool-balance leaf's statement carries no pool).
fn padding_delta(plan: &ChainPlan, role: Role) -> Result<DeltaWitness, ChainError> {
    let params = match role {
        Role::Delta => plan.sizes.delta_params()?,
        _ => plan.sizes.append_params()?,
    };
    Ok(Registry::cold(plan.pool).leaf(&params, &[], 0, &[])?)
}

fn padding_pool_balance(
    plan: &ChainPlan,
    state: &BeaconState,
) -> Result<PoolBalanceWitness, ChainError> {
    use stakeproof_beacon::devnet::{build, DevnetSpec};
    let spec = DevnetSpec {
        fork: state.fork(),
        preset: state.preset().clone(),
        validators: 16,
        ..Default::default()
    };
    let st = build(&spec)?;
    let tree = st.tree()?;
    let pool = PoolSpec::from(&Pool::Address(spec.pool));
    let acc = state_accounts_tree(&st, &pool)?;
    let w = PoolBalanceWitness::from_state(&st, &tree, &pool, &acc, 0, plan.sizes.pool_balance_n)?;
    if let Some(real) = plan.pool_balance_leaves.first() {
        if real.name() != w.name() {
            return Err(ChainError::Sizes(format!(
                "the padding pool-balance leaf is {}, the report's are {}",
                w.name(),
                real.name()
            )));
        }
    }
    Ok(w)
}

/// Proves `plan` (made from `state`, whose trees are `tree`, for `pool`): checks its native
/// tree against the native report first ([`check_report`]), then the leaves in parallel
/// (`opts.leaves.max_parallel`, capped by memory), then every node; writes
/// `chain-proof-slot-{slot}.json` and the chain cache ([`ChainCache::save`]) to `work`.
/// Node `k`s and whether proving keys are kept come from `opts.tree`.
pub fn prove_chain(
    plan: &ChainPlan,
    state: &BeaconState,
    tree: &StateTree,
    pool: &Pool,
    srs: &Srs,
    work: &WorkDir,
    opts: &ProveOptions,
) -> Result<ChainProof, ChainError> {
    let t0 = Instant::now();
    let native = native_chain(plan)?;
    check_report(&native, plan, state, tree, pool)?;
    let progress: &dyn Progress = opts.progress;

    // Leaves: the plan's, and the padding leaf of every tree that has neutral nodes.
    let mut padding_deltas: HashMap<Role, DeltaWitness> = HashMap::new();
    let mut padding_pb: Option<PoolBalanceWitness> = None;
    for n in &plan.nodes {
        for c in &n.children {
            match *c {
                Child::PaddingLeaf(Role::Sum) if padding_pb.is_none() => {
                    padding_pb = Some(padding_pool_balance(plan, state)?);
                }
                Child::PaddingLeaf(r @ (Role::Delta | Role::Append))
                    if !padding_deltas.contains_key(&r) =>
                {
                    padding_deltas.insert(r, padding_delta(plan, r)?);
                }
                _ => {}
            }
        }
    }
    let mut jobs: Vec<(Child, LeafJob)> = Vec::new();
    jobs.extend(
        plan.delta_leaves
            .iter()
            .enumerate()
            .map(|(i, w)| (Child::DeltaLeaf(i), LeafJob::Delta(w))),
    );
    jobs.extend(
        plan.append_leaves
            .iter()
            .enumerate()
            .map(|(i, w)| (Child::AppendLeaf(i), LeafJob::Delta(w))),
    );
    jobs.extend(
        plan.pool_balance_leaves
            .iter()
            .enumerate()
            .map(|(i, w)| (Child::PoolBalanceLeaf(i), LeafJob::PoolBalance(w))),
    );
    jobs.extend(
        padding_deltas
            .iter()
            .map(|(r, w)| (Child::PaddingLeaf(*r), LeafJob::Delta(w))),
    );
    jobs.extend(
        padding_pb
            .iter()
            .map(|w| (Child::PaddingLeaf(Role::Sum), LeafJob::PoolBalance(w))),
    );

    let mut keys: HashMap<String, CircuitKeys> = HashMap::new();
    let mut max_k = 1;
    for (_, job) in &jobs {
        let name = job.name();
        if let std::collections::hash_map::Entry::Vacant(e) = keys.entry(name) {
            let k = job.keys(srs, work)?;
            max_k = max_k.max(k.params_k());
            e.insert(k);
        }
    }
    let (threads, _) = leaf_thread_pool(opts.leaves.max_parallel, max_k);
    let store = work.proofs();
    progress.stage("chain leaves", jobs.len());
    let proven: Vec<(Child, LeafOutcome, Proven)> = threads.install(|| {
        jobs.par_iter()
            .map(|(c, job)| {
                let st = plan.leaf_statement(c).expect("a leaf");
                let (o, p) = prove_leaf(&opts.backend, &keys[&job.name()], &store, job, st)?;
                progress.tick();
                Ok::<_, ChainError>((*c, o, p))
            })
            .collect::<Result<_, _>>()
    })?;
    drop(keys);
    let mut leaf_proofs: HashMap<Child, Proven> = HashMap::new();
    let mut leaves = Vec::with_capacity(proven.len());
    for (c, o, p) in proven {
        leaves.push(o);
        leaf_proofs.insert(c, p);
    }

    // Nodes, in plan order: a real node is the child of one later node (taken), a neutral one
    // of many (cloned).
    let mut nodes = NodeProver::new(srs, work, &opts.tree, &opts.backend, false)?;
    let pool_w = pool_instances(&plan.pool);
    progress.stage("chain aggregation", plan.nodes.len());
    let mut done: Vec<Option<Proven>> = Vec::with_capacity(plan.nodes.len());
    let mut outcomes = Vec::with_capacity(plan.nodes.len());
    for (index, p) in plan.nodes.iter().enumerate() {
        let children = p
            .children
            .iter()
            .map(|c| match *c {
                Child::Node(j) if plan.nodes[j].neutral => done[j].clone(),
                Child::Node(j) => done[j].take(),
                leaf => leaf_proofs.get(&leaf).cloned(),
            })
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| PipelineError::MissingLeaf(format!("a child of chain node {index}")))?;
        let w = NodeWitness {
            neutral: p.neutral && p.level == 0,
            pool: p.spec.finalize.then_some(pool_w),
        };
        let np = nodes.node::<ChainError>(&p.spec, children, Some(&w))?;
        outcomes.push(ChainNodeOutcome {
            index,
            role: p.role,
            level: p.level,
            neutral: p.neutral,
            circuit: np.circuit,
            key: np.proven.key.clone(),
            reused: np.reused,
            seconds: np.seconds,
        });
        progress.tick();
        done.push(Some(np.proven));
    }
    let fin = done
        .pop()
        .flatten()
        .expect("the plan ends with the final node");
    let nk = nodes.final_keys(&fin);
    if fin.snark.instances[0][ACC_LIMBS..] != native.final_instances()[..] {
        return Err(PipelineError::TwinDisagree {
            what: "the chain's final proof".into(),
            at: "its statement".into(),
            circuit: "the proven instances".into(),
            native: "the native tree's".into(),
        }
        .into());
    }
    let artifact = ChainArtifact::new(
        state,
        nk,
        srs,
        plan.sizes,
        plan.cold,
        &fin.snark.instances[0],
        &fin.snark.proof,
        t0.elapsed().as_secs_f64(),
    )?;
    let path = work
        .root
        .join(format!("chain-proof-slot-{}.json", plan.slot));
    artifact.write(&path)?;
    let cache = ChainCache::save(&work.root, plan)?;
    Ok(ChainProof {
        artifact,
        path,
        native,
        leaves,
        nodes: outcomes,
        cache,
    })
}

trait ParamsK {
    fn params_k(&self) -> u32;
}

impl ParamsK for CircuitKeys {
    fn params_k(&self) -> u32 {
        use stakeproof_circuits::halo2_proofs::poly::commitment::Params;
        self.params.k()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use stakeproof_beacon::devnet::{build, DevnetSpec};

    /// The padding leaves are valid witnesses of the plan's circuits (what neutral wraps
    /// verify), natively.
    #[test]
    fn padding_leaves_are_valid_leaves_of_the_plan_circuits() {
        let st = build(&DevnetSpec {
            validators: 9,
            ..Default::default()
        })
        .unwrap();
        let tree = st.tree().unwrap();
        let pool = Pool::Address(stakeproof_beacon::devnet::DEFAULT_POOL);
        let sizes = super::super::ChainSizes {
            delta_updates: 3,
            append_n: 4,
            pool_balance_n: 8,
            delta_depth: 1,
            append_depth: 2,
            sum_depth: 2,
        };
        let plan = super::super::plan(None, &st, &tree, &pool, &sizes).unwrap();
        for role in [Role::Delta, Role::Append] {
            let w = padding_delta(&plan, role).unwrap();
            let p = delta_public(&w).unwrap();
            assert_eq!(
                (p.old, p.new),
                (p.old, p.old),
                "an identity on the cold registry"
            );
            let expected = if role == Role::Delta {
                "delta-1x3"
            } else {
                "append-4x1"
            };
            assert_eq!(w.name(), expected);
        }
        let w = padding_pool_balance(&plan, &st).unwrap();
        pool_balance_public(&w).unwrap();
        assert_eq!(w.name(), plan.pool_balance_leaves[0].name());
    }
}

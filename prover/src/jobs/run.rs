//! One job of a [`JobPlan`], run on any machine: a leaf from its range of the state, a node
//! from its children's [`JobResult`]s. Every child is checked before it is used (a leaf's
//! instances against the state's native twin, every proof verified), and the job's own proof
//! goes to the work directory's store first, so a job whose statement is already proven there
//! is done without proving (idempotent), and a killed job leaves no file that looks valid.

use super::{node_spec, JobKind, JobPlan};
use crate::artifacts::{statement_key, ProofArtifact};
use crate::final_artifact::FinalArtifact;
use crate::keys::{read_aggregation_vk, vk_digest_of, CircuitKeys};
use crate::leaves::{check_provable, prove_one, WorkDir};
use crate::options::ProveOptions;
use crate::srs::Srs;
use crate::tree::prove::{Proven, Tree};
use crate::PipelineError;
use stakeproof_beacon::beacon::{BeaconState, StateTree};
use stakeproof_beacon::report::Pool;
use stakeproof_circuits::aggregation::layout::{NodeWitness, Statement};
use stakeproof_circuits::balance::native::balance_public;
use stakeproof_circuits::balance::BalanceWitness;
use stakeproof_circuits::halo2_proofs::SerdeFormat;
use stakeproof_circuits::pending::{pending_public, PendingWitness};
use stakeproof_circuits::registry::native::registry_public;
use stakeproof_circuits::registry::RegistryWitness;
use stakeproof_circuits::snark_verifier_sdk::halo2::aggregation::AggregationConfigParams;
use stakeproof_circuits::util::proving::{aggregation_accumulator_indices, snark, verify};
use stakeproof_circuits::Fr;
use std::time::Instant;

/// Format version of [`JobResult`] files.
pub const RESULT_VERSION: u32 = 1;

/// A node's verifying key, as its parent needs it.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct NodeVk {
    /// The node circuit's parameters (what reading the key needs).
    pub params: AggregationConfigParams,
    /// The verifying key, halo2 raw bytes, hex.
    pub vk: String,
}

/// What a job made: its proof, and what its parent needs of it.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct JobResult {
    /// Format version ([`RESULT_VERSION`]).
    pub version: u32,
    /// The plan it belongs to.
    pub plan_id: String,
    /// The job's id.
    pub job: String,
    /// Its proof's key in an artifact store (the single-machine prover's key).
    pub key: String,
    /// The proof with its circuit, verifying-key digest and public inputs.
    pub artifact: ProofArtifact,
    /// A node's verifying key (a leaf's is made from the state by whoever needs it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_vk: Option<NodeVk>,
    /// The proof was already in the work directory's store: nothing was proven.
    pub reused: bool,
    /// Seconds the job took (keys included).
    pub seconds: f64,
    /// The final proof file, for the final node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_artifact: Option<Box<FinalArtifact>>,
}

/// What every job of a plan runs against.
pub struct JobContext<'a> {
    /// The state the plan was made from.
    pub state: &'a BeaconState,
    /// The pool.
    pub pool: &'a Pool,
    /// The setup.
    pub srs: &'a Srs,
    /// This machine's work directory (keys and proofs).
    pub work: &'a WorkDir,
    /// Sizes, backend and progress.
    pub opts: &'a ProveOptions<'a>,
    /// The plan.
    pub plan: &'a JobPlan,
    /// Its id (what every child result must carry).
    pub plan_id: &'a str,
}

/// Leaf keys made or read once per run (every registry child shares one circuit).
#[derive(Default)]
struct LeafKeys {
    registry: Option<CircuitKeys>,
    balance: Option<CircuitKeys>,
    pending: Option<CircuitKeys>,
}

impl JobContext<'_> {
    /// The state's trees, made once per job that needs them.
    fn tree(&self) -> Result<StateTree, PipelineError> {
        Ok(self.state.tree()?)
    }

    /// A leaf's keys and native public inputs, from the state.
    fn leaf<'k>(
        &self,
        kind: &JobKind,
        tree: &mut Option<StateTree>,
        cache: &'k mut LeafKeys,
    ) -> Result<(&'k CircuitKeys, Vec<Fr>, LeafLogic), PipelineError> {
        let cfg = &self.opts.leaves;
        let (n_r, n_b) = (cfg.registry_size, cfg.balance_size);
        let keys = self.work.keys();
        match *kind {
            JobKind::RegistryLeaf { start, .. } => {
                let w = RegistryWitness::from_state(self.state, self.pool, start, n_r)?;
                let native = registry_public(&w).to_instances();
                if cache.registry.is_none() {
                    cache.registry = Some(keys.get(self.srs, &w, cfg.registry_k)?);
                }
                Ok((
                    cache.registry.as_ref().expect("set"),
                    native,
                    LeafLogic::Registry(Box::new(w)),
                ))
            }
            JobKind::BalanceLeaf { start, .. } => {
                if tree.is_none() {
                    *tree = Some(self.tree()?);
                }
                let t = tree.as_ref().expect("set");
                let w = BalanceWitness::from_state(self.state, t, self.pool, start, n_b, n_r)?;
                let native = balance_public(&w).to_instances();
                if cache.balance.is_none() {
                    cache.balance = Some(keys.get(self.srs, &w, cfg.balance_k)?);
                }
                Ok((
                    cache.balance.as_ref().expect("set"),
                    native,
                    LeafLogic::Balance(Box::new(w)),
                ))
            }
            JobKind::PendingLeaf { start, .. } => {
                let (n, trees) = (self.pending_size()?, self.trees(tree)?);
                let queue = self.state.pending_deposits_tree().ok_or(
                    stakeproof_circuits::pending::PendingError::NoQueue {
                        fork: self.state.fork(),
                    },
                )?;
                let w = PendingWitness::from_state(self.state, trees, &queue, self.pool, start, n)?;
                self.pending_leaf(w, cache)
            }
            JobKind::PendingPadding => {
                let (n, trees) = (self.pending_size()?, self.trees(tree)?);
                let w = crate::pending::padding_witness(self.state, self.pool, n)?;
                // The neutral wrap verifies a proof of the queue's own leaf circuit.
                let queue = crate::pending::leaf_params(self.state, trees, self.pool, n);
                if w.params() != queue {
                    return Err(PipelineError::Artifact {
                        path: queue.name(),
                        reason: format!(
                            "the padding leaf is {}, the queue's leaves are {}",
                            w.params().name(),
                            queue.name()
                        ),
                    });
                }
                self.pending_leaf(w, cache)
            }
            JobKind::Node { .. } | JobKind::PendingNode { .. } => {
                unreachable!("a node is not a leaf")
            }
        }
    }

    /// The state's trees, made on first use.
    fn trees<'t>(&self, tree: &'t mut Option<StateTree>) -> Result<&'t StateTree, PipelineError> {
        if tree.is_none() {
            *tree = Some(self.tree()?);
        }
        Ok(tree.as_ref().expect("set"))
    }

    /// Entries per pending-deposit leaf, which a plan with the queue's jobs has.
    fn pending_size(&self) -> Result<usize, PipelineError> {
        self.opts.leaves.pending.map(|p| p.size).ok_or_else(|| {
            PipelineError::BadSize("a pending-deposit job of a plan without the queue".into())
        })
    }

    /// A pending-deposit leaf's keys (made once) and native public inputs.
    fn pending_leaf<'k>(
        &self,
        w: PendingWitness,
        cache: &'k mut LeafKeys,
    ) -> Result<(&'k CircuitKeys, Vec<Fr>, LeafLogic), PipelineError> {
        let native = pending_public(&w).to_instances();
        if cache.pending.is_none() {
            let k = crate::pending::pending_k(&w);
            cache.pending = Some(self.work.keys().get(self.srs, &w, k)?);
        }
        Ok((
            cache.pending.as_ref().expect("set"),
            native,
            LeafLogic::Pending(Box::new(w)),
        ))
    }
}

/// A leaf's witness, whichever circuit it is of.
enum LeafLogic {
    Registry(Box<RegistryWitness>),
    Balance(Box<BalanceWitness>),
    Pending(Box<PendingWitness>),
}

/// Runs job `job_id` of `ctx.plan` with its children's results (any order; a leaf has none),
/// returning its result. The proof is taken from this machine's store when its statement is
/// already proven there (`reused`), else proven and stored. The final node also writes the
/// final proof file to `{work}/proof-slot-{slot}.json`.
pub fn run_job(
    ctx: &JobContext,
    job_id: &str,
    children: &[JobResult],
) -> Result<JobResult, PipelineError> {
    let t0 = Instant::now();
    check_provable(ctx.state)?;
    let (index, job) = ctx
        .plan
        .jobs
        .iter()
        .enumerate()
        .find(|(_, j)| j.id == job_id)
        .ok_or_else(|| PipelineError::BadSize(format!("the plan has no job {job_id:?}")))?;
    let result = |key: String, artifact, node_vk, reused, final_artifact| JobResult {
        version: super::RESULT_VERSION,
        plan_id: ctx.plan_id.to_string(),
        job: job_id.to_string(),
        key,
        artifact,
        node_vk,
        reused,
        seconds: t0.elapsed().as_secs_f64(),
        final_artifact,
    };
    let (mut tree, mut cache) = (None, LeafKeys::default());
    let store = ctx.work.proofs();
    if !job.kind.is_node() {
        let (keys, native, logic) = ctx.leaf(&job.kind, &mut tree, &mut cache)?;
        let backend = &ctx.opts.backend;
        let outcome = match &logic {
            LeafLogic::Registry(w) => prove_one(backend, keys, &store, &**w, w.start, native)?,
            LeafLogic::Balance(w) => prove_one(backend, keys, &store, &**w, w.start, native)?,
            LeafLogic::Pending(w) => prove_one(backend, keys, &store, &**w, w.start, native)?,
        };
        let artifact = store.read(&outcome.key)?;
        return Ok(result(outcome.key, artifact, None, outcome.reused, None));
    }
    let finalize = job.kind.finalizes();
    let spec = node_spec(ctx.plan, &ctx.opts.leaves, index)?;
    let mut t = Tree::new(ctx.srs, ctx.work, ctx.opts)?;
    let mut kids = Vec::with_capacity(job.children.len());
    for (cid, statement) in job.children.iter().zip(&spec.children) {
        let bad = |reason: String| PipelineError::BadChild {
            job: job_id.to_string(),
            child: cid.clone(),
            reason,
        };
        let r = children
            .iter()
            .find(|r| &r.job == cid)
            .ok_or_else(|| bad("was not given".into()))?;
        if r.version != super::RESULT_VERSION || r.plan_id != ctx.plan_id {
            return Err(bad(format!(
                "is of another plan ({}, version {}; this plan is {})",
                r.plan_id, r.version, ctx.plan_id
            )));
        }
        let cjob = ctx.plan.job(cid).expect("children are jobs of the plan");
        kids.push(if cjob.kind.is_node() {
            node_child(&t, *statement, r).map_err(bad)?
        } else {
            let (keys, native, _) = ctx.leaf(&cjob.kind, &mut tree, &mut cache)?;
            leaf_child(keys, *statement, native, r).map_err(bad)?
        });
    }
    // The final node of a report with its queue takes the queue's run.
    let pending = spec.children.contains(&Statement::Pending) && finalize;
    let witness = NodeWitness {
        neutral: job.kind == JobKind::PendingNode { neutral: true },
        pool: None,
    };
    let proven = t.node_with(spec, kids, &witness)?;
    let reused = t.outcomes.last().is_some_and(|o| o.reused);
    let nk = t
        .keys
        .iter()
        .find(|k| k.vk_digest == proven.vk_digest)
        .expect("the node's keys are the tree's");
    let (instances, proof) = (&proven.snark.instances[0], &proven.snark.proof);
    let artifact = ProofArtifact::new(&nk.name, &nk.vk_digest, instances, proof);
    let mut vk = Vec::new();
    nk.vk
        .write(&mut vk, SerdeFormat::RawBytes)
        .expect("a verifying key serializes to memory");
    let node_vk = NodeVk {
        params: nk.pinning.params,
        vk: hex::encode(vk),
    };
    let fin = if finalize {
        let art = FinalArtifact::new(
            ctx.state,
            nk,
            ctx.srs,
            &ctx.opts.leaves,
            None,
            pending,
            instances,
            proof,
            t0.elapsed().as_secs_f64(),
        )?;
        let path = ctx
            .work
            .root
            .join(format!("proof-slot-{}.json", ctx.state.slot()));
        art.check_published(&ctx.work.keys().dir)?;
        art.write(&path)?;
        Some(Box::new(art))
    } else {
        None
    };
    Ok(result(proven.key, artifact, Some(node_vk), reused, fin))
}

/// A leaf child: its artifact must be of this machine's leaf circuit, state this range's
/// native public inputs, carry the key the store would give it, and verify.
fn leaf_child(
    keys: &CircuitKeys,
    statement: Statement,
    native: Vec<Fr>,
    r: &JobResult,
) -> Result<Proven, String> {
    let a = &r.artifact;
    if a.circuit != keys.name || a.vk_digest != keys.vk_digest {
        return Err(format!(
            "is a proof of circuit {} (vk {}), not of this machine's {} (vk {}): another \
             setup or circuit version",
            a.circuit, a.vk_digest, keys.name, keys.vk_digest
        ));
    }
    let (instances, proof) = a.decode().ok_or("does not decode")?;
    if instances != native {
        return Err("states other public inputs than the state's range".into());
    }
    let key = statement_key(&keys.name, &keys.vk_digest, &instances);
    if key != r.key {
        return Err(format!("names key {} but its statement's is {key}", r.key));
    }
    if verify(&keys.params, keys.pk.get_vk(), &proof, &instances).is_err() {
        return Err("has a proof that does not verify".into());
    }
    Ok(Proven {
        statement,
        key,
        vk_digest: keys.vk_digest.clone(),
        snark: snark(&keys.params, keys.pk.get_vk(), instances, proof, None),
    })
}

/// A node child: its verifying key must read as a node key of this tree's `k` with its
/// artifact's digest, its instances must be as many as its statement has, and its proof must
/// verify under that key. (A child proven under another key than the one its circuit makes
/// would give its parent another circuit, so the final proof would not verify under the
/// deployed verifier: workers cannot forge a statement, only waste a run.)
fn node_child(tree: &Tree, statement: Statement, r: &JobResult) -> Result<Proven, String> {
    let a = &r.artifact;
    let nv = r.node_vk.as_ref().ok_or("carries no verifying key")?;
    let (params, k) = tree.shape(false);
    if nv.params.degree != k {
        return Err(format!(
            "is a node of k = {}, not this tree's {k}",
            nv.params.degree
        ));
    }
    let bytes = hex::decode(&nv.vk).map_err(|_| "has a verifying key that is not hex")?;
    let vk = read_aggregation_vk(&bytes, nv.params)?;
    if vk_digest_of(&vk) != a.vk_digest {
        return Err("has a verifying key other than its artifact names".into());
    }
    let (instances, proof) = a.decode().ok_or("does not decode")?;
    if instances.len() != statement.num_instances() {
        return Err(format!(
            "has {} public inputs where a {} proof has {}",
            instances.len(),
            statement.tag(),
            statement.num_instances()
        ));
    }
    if verify(params, &vk, &proof, &instances).is_err() {
        return Err("has a proof that does not verify".into());
    }
    Ok(Proven {
        statement,
        key: r.key.clone(),
        vk_digest: a.vk_digest.clone(),
        snark: snark(
            params,
            &vk,
            instances,
            proof,
            Some(aggregation_accumulator_indices()),
        ),
    })
}

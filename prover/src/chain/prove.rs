//! Proving a chain plan: the leaves (delta, append, pool-balance and the padding leaves that
//! neutral wraps verify) in parallel, then every node in plan order, the final one under the
//! EVM transcript; proofs are content-addressed and verified again before reuse, so neutral
//! proofs (over fixed padding leaves) and unchanged nodes are proven once across reports.
//! Node keys are named as `crate::tree` names them: the node's tag and a digest of its
//! children's verifying keys, so each level of each tree has its own key set.

use super::cache::ChainCache;
use super::native::{check_report, native_chain, ChainNativeTree};
use super::plan::{pool_instances, ChainPlan, Child, Role};
use super::ChainError;
use crate::artifacts::{statement_key, ArtifactStore, Rejected};
use crate::backend::ProvingBackend;
use crate::final_artifact::FinalArtifact;
use crate::keys::{CircuitKeys, NodeKeys};
use crate::leaves::{available_memory, estimated_proof_memory, LeafOutcome, Progress, WorkDir};
use crate::options::{ProveOptions, TreeOptions};
use crate::srs::Srs;
use crate::{write_atomically, PipelineError};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use stakeproof_beacon::beacon::{BeaconState, StateTree};
use stakeproof_beacon::report::Pool;
use stakeproof_circuits::aggregation::circuit::{build_node_with, NodePinning, NodeShape};
use stakeproof_circuits::aggregation::layout::{NodeSpec, NodeWitness, Statement, ACC_LIMBS};
use stakeproof_circuits::aggregation::native::combine_native_with;
use stakeproof_circuits::delta::native::delta_public;
use stakeproof_circuits::delta::{DeltaWitness, Registry};
use stakeproof_circuits::halo2_base::gates::circuit::CircuitBuilderStage;
use stakeproof_circuits::halo2_proofs::halo2curves::bn256::{Bn256, G1Affine};
use stakeproof_circuits::halo2_proofs::plonk::ProvingKey;
use stakeproof_circuits::halo2_proofs::poly::kzg::commitment::ParamsKZG;
use stakeproof_circuits::halo2_proofs::SerdeFormat;
use stakeproof_circuits::pool::PoolSpec;
use stakeproof_circuits::pool_balance::witness::state_accounts_tree;
use stakeproof_circuits::pool_balance::{
    pool_balance_public, PoolBalanceParams, PoolBalanceWitness,
};
use stakeproof_circuits::snark_verifier_sdk::halo2::aggregation::AggregationCircuit;
use stakeproof_circuits::snark_verifier_sdk::Snark;
use stakeproof_circuits::util::circuit::{build_circuit, CircuitLogic, Shape};
use stakeproof_circuits::util::proving::{
    aggregation_accumulator_indices, keygen, snark, verify, verify_final,
};
use stakeproof_circuits::Fr;
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

/// One proof of the chain, ready to be a child.
#[derive(Clone)]
struct Proven {
    statement: Statement,
    key: String,
    vk_digest: String,
    snark: Snark,
}

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
    pub artifact: FinalArtifact,
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

fn digest(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0]);
    }
    hex::encode(h.finalize())
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
    Ok(Registry::cold(plan.pool.clone()).leaf(&params, &[], 0, &[])?)
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

/// The aggregation nodes' prover: keys per node circuit (verifying key and pinning kept, the
/// one proving key in memory), each node proven or reused.
struct Nodes<'a> {
    srs: &'a Srs,
    work: &'a WorkDir,
    k: u32,
    params: ParamsKZG<Bn256>,
    final_k: u32,
    final_params: ParamsKZG<Bn256>,
    store: ArtifactStore,
    keys: Vec<NodeKeys>,
    pk: Option<(String, ProvingKey<G1Affine>)>,
    backend: &'a ProvingBackend,
    keep_pks: bool,
}

impl Nodes<'_> {
    fn shape(&self, finalize: bool) -> (&ParamsKZG<Bn256>, u32) {
        if finalize {
            (&self.final_params, self.final_k)
        } else {
            (&self.params, self.k)
        }
    }

    fn paths(&self, name: &str, k: u32) -> (PathBuf, PathBuf, PathBuf) {
        let dir = self.work.keys().dir;
        let v = stakeproof_circuits::CIRCUITS_VERSION;
        let base = format!("{name}.k{k}.v{v}.{}", self.srs.id);
        (
            dir.join(format!("{base}.pk")),
            dir.join(format!("{base}.vk")),
            dir.join(format!("{base}.pinning.json")),
        )
    }

    /// The keys of `spec` over children with these verifying keys: cached (verifying key and
    /// pinning) or generated.
    fn keys_for(
        &mut self,
        spec: &NodeSpec,
        children: &[Proven],
        w: &NodeWitness,
    ) -> Result<usize, ChainError> {
        let node_k = self.shape(spec.finalize).1;
        let kids: Vec<&str> = children.iter().map(|c| c.vk_digest.as_str()).collect();
        let name = format!("{}-{}", spec.tag(), &digest(&kids)[..12]);
        if let Some(i) = self.keys.iter().position(|k| k.name == name) {
            return Ok(i);
        }
        let (pk_path, vk_path, pin_path) = self.paths(&name, node_k);
        if let (Ok(pinning), Ok(bytes)) = (NodePinning::load(&pin_path), std::fs::read(&vk_path)) {
            if let Ok(vk) = crate::keys::read_aggregation_vk(&bytes, pinning.params) {
                if pinning.spec == *spec {
                    self.keys.push(NodeKeys {
                        vk_digest: crate::keys::vk_digest_of(&vk),
                        name,
                        vk,
                        pinning,
                        pk_path,
                    });
                    return Ok(self.keys.len() - 1);
                }
            }
        }
        let snarks = children.iter().map(|c| c.snark.clone()).collect();
        self.pk = None;
        let params = self.shape(spec.finalize).0;
        let nc = build_node_with(
            CircuitBuilderStage::Keygen,
            spec,
            params,
            snarks,
            NodeShape::K(node_k),
            w,
        )?;
        let pk = keygen(params, &nc.circuit).map_err(|source| PipelineError::Halo2 {
            what: format!("keygen of {name}"),
            source,
        })?;
        let pinning = nc.pinning();
        drop(nc);
        if self.keep_pks {
            crate::keys::write_pk(&pk_path, &pk, SerdeFormat::RawBytesUnchecked)?;
        }
        let mut vk_bytes = Vec::new();
        pk.get_vk()
            .write(&mut vk_bytes, SerdeFormat::RawBytes)
            .map_err(|source| PipelineError::Io {
                what: "aggregation key",
                path: vk_path.display().to_string(),
                source,
            })?;
        write_atomically(&vk_path, &vk_bytes, "verifying key")?;
        // The pinning last: its presence marks a complete key set.
        write_atomically(
            &pin_path,
            &serde_json::to_vec_pretty(&pinning).expect("pinning serializes"),
            "pinning",
        )?;
        self.keys.push(NodeKeys {
            vk_digest: crate::keys::vk_digest(&pk),
            vk: pk.get_vk().clone(),
            name: name.clone(),
            pinning,
            pk_path,
        });
        self.pk = Some((name, pk));
        Ok(self.keys.len() - 1)
    }

    /// Puts the proving key of `keys[i]` in memory (held, read from disk, or made again from
    /// the pinning and checked against the cached verifying key).
    fn proving_key(
        &mut self,
        i: usize,
        spec: &NodeSpec,
        snarks: &[Snark],
        w: &NodeWitness,
    ) -> Result<(), ChainError> {
        if self
            .pk
            .as_ref()
            .is_some_and(|(n, _)| n == &self.keys[i].name)
        {
            return Ok(());
        }
        self.pk = None;
        let node_k = self.shape(spec.finalize).1;
        let nk = &self.keys[i];
        let stored = crate::keys::read_pk::<AggregationCircuit>(
            &nk.pk_path,
            node_k,
            SerdeFormat::RawBytesUnchecked,
            nk.pinning.params,
        )
        .filter(|pk| crate::keys::vk_digest(pk) == nk.vk_digest);
        let pk = match stored {
            Some(pk) => pk,
            None => {
                let params = self.shape(spec.finalize).0;
                let nc = build_node_with(
                    CircuitBuilderStage::Keygen,
                    spec,
                    params,
                    snarks.to_vec(),
                    NodeShape::Pinned(&nk.pinning),
                    w,
                )?;
                let pk = keygen(params, &nc.circuit).map_err(|source| PipelineError::Halo2 {
                    what: format!("keygen of {}", nk.name),
                    source,
                })?;
                drop(nc);
                if crate::keys::vk_digest(&pk) != nk.vk_digest {
                    return Err(PipelineError::Artifact {
                        path: nk.pk_path.with_extension("vk").display().to_string(),
                        reason: "the proving key made again from the pinning has another \
                                 verifying key (delete the key set to regenerate it)"
                            .into(),
                    }
                    .into());
                }
                if self.keep_pks {
                    crate::keys::write_pk(&nk.pk_path, &pk, SerdeFormat::RawBytesUnchecked)?;
                }
                pk
            }
        };
        self.pk = Some((self.keys[i].name.clone(), pk));
        Ok(())
    }

    /// Proves (or reuses) node `spec` with witness `w` over `children`.
    fn node(
        &mut self,
        spec: &NodeSpec,
        children: Vec<Proven>,
        w: &NodeWitness,
    ) -> Result<(Proven, String, bool, f64), ChainError> {
        let output = spec.output()?;
        let stripped: Vec<Vec<Fr>> = children
            .iter()
            .map(|c| {
                let off = if c.statement.has_accumulator() {
                    ACC_LIMBS
                } else {
                    0
                };
                c.snark.instances[0][off..].to_vec()
            })
            .collect();
        let expected = combine_native_with(spec, &stripped, w)?;
        let i = self.keys_for(spec, &children, w)?;
        let (name, vk_digest) = (self.keys[i].name.clone(), self.keys[i].vk_digest.clone());
        let mut parts = vec![name.as_str(), vk_digest.as_str()];
        parts.extend(children.iter().map(|c| c.key.as_str()));
        // The neutral flag is a witness: a neutral and a real wrap of one leaf differ.
        let flag = if w.neutral { "neutral" } else { "real" };
        parts.push(flag);
        let key = digest(&parts);
        let is_final = spec.finalize;
        let (found, _) = {
            let (params, vk) = (self.shape(is_final).0, &self.keys[i].vk);
            let check = |inst: &[Fr], proof: &[u8]| {
                inst.len() == output.num_instances()
                    && inst[ACC_LIMBS..] == expected[..]
                    && if is_final {
                        verify_final(params, vk, proof, inst).is_ok()
                    } else {
                        verify(params, vk, proof, inst).is_ok()
                    }
            };
            self.store.load_keyed(&key, &name, &vk_digest, check)
        };
        let t = Instant::now();
        let (instances, proof, reused) = match found {
            Some((inst, proof)) => (inst, proof, true),
            None => {
                let snarks: Vec<Snark> = children.iter().map(|c| c.snark.clone()).collect();
                self.proving_key(i, spec, &snarks, w)?;
                let pinning = self.keys[i].pinning.clone();
                let nc = build_node_with(
                    CircuitBuilderStage::Prover,
                    spec,
                    self.shape(is_final).0,
                    snarks,
                    NodeShape::Pinned(&pinning),
                    w,
                )?;
                let instances = nc.instances();
                crate::check_twin(
                    || name.clone(),
                    instances.get(ACC_LIMBS..).unwrap_or_default(),
                    &expected,
                )?;
                let what = format!("proving {name}");
                let (params, pk) = (self.shape(is_final).0, &self.pk.as_ref().expect("loaded").1);
                let proof = if is_final {
                    self.backend
                        .prove_evm(params, pk, nc.circuit, &instances, &what)?
                } else {
                    self.backend
                        .prove(params, pk, nc.circuit, &instances, &what)?
                };
                self.store
                    .store_keyed(&key, &name, &vk_digest, &instances, &proof)?;
                (instances, proof, false)
            }
        };
        let proven = Proven {
            statement: output,
            key: key.clone(),
            vk_digest,
            snark: snark(
                self.shape(is_final).0,
                &self.keys[i].vk,
                instances,
                proof,
                Some(aggregation_accumulator_indices()),
            ),
        };
        Ok((proven, name, reused, t.elapsed().as_secs_f64()))
    }
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
    let mem_cap = available_memory()
        .map(|m| (m / estimated_proof_memory(max_k)).max(1) as usize)
        .unwrap_or(1);
    let parallel = opts.leaves.max_parallel.min(mem_cap).max(1);
    let threads = rayon::ThreadPoolBuilder::new()
        .num_threads(parallel)
        .build()
        .expect("thread pool");
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
    let TreeOptions {
        node_k,
        final_k,
        keep_proving_keys,
    } = opts.tree;
    let mut nodes = Nodes {
        srs,
        work,
        k: node_k,
        params: srs.for_circuit("aggregation", node_k)?,
        final_k,
        final_params: srs.for_circuit("final aggregation", final_k)?,
        store: work.proofs(),
        keys: Vec::new(),
        pk: None,
        backend: &opts.backend,
        keep_pks: keep_proving_keys,
    };
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
        let (proven, circuit, reused, seconds) = nodes.node(&p.spec, children, &w)?;
        outcomes.push(ChainNodeOutcome {
            index,
            role: p.role,
            level: p.level,
            neutral: p.neutral,
            circuit,
            key: proven.key.clone(),
            reused,
            seconds,
        });
        progress.tick();
        done.push(Some(proven));
    }
    let fin = done
        .pop()
        .flatten()
        .expect("the plan ends with the final node");
    nodes.pk = None;
    let nk = nodes
        .keys
        .iter()
        .find(|k| k.vk_digest == fin.vk_digest)
        .expect("final keys");
    if fin.snark.instances[0][ACC_LIMBS..] != native.final_instances()[..] {
        return Err(PipelineError::TwinDisagree {
            what: "the chain's final proof".into(),
            at: "its statement".into(),
            circuit: "the proven instances".into(),
            native: "the native tree's".into(),
        }
        .into());
    }
    let artifact = FinalArtifact::new(
        state,
        nk,
        srs,
        &opts.leaves,
        Some((plan.cold, plan.sizes)),
        false,
        &fin.snark.instances[0],
        &fin.snark.proof,
        t0.elapsed().as_secs_f64(),
    )?;
    let path = work
        .root
        .join(format!("chain-proof-slot-{}.json", plan.slot));
    artifact.check_published(&work.keys().dir)?;
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

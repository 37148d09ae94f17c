//! Proving the tree: every node of the [`plan`] proven (or reused) bottom-up over the leaf
//! stage's proofs, the last one under the EVM transcript, written as the final artifact.

use super::plan::{plan, Child};
use crate::artifacts::ArtifactStore;
use crate::backend::ProvingBackend;
use crate::final_artifact::FinalArtifact;
use crate::keys::{CircuitKeys, NodeKeys};
use crate::leaves::{Progress, WorkDir};
use crate::options::{ProveOptions, TreeOptions};
use crate::srs::Srs;
use crate::{write_atomically, PipelineError};
use sha2::{Digest, Sha256};
use stakeproof_beacon::beacon::BeaconState;
use stakeproof_beacon::report::Pool;
use stakeproof_circuits::aggregation::circuit::{
    build_node, build_node_with, NodePinning, NodeShape,
};
use stakeproof_circuits::aggregation::layout::{NodeSpec, NodeWitness, Statement, ACC_LIMBS};
use stakeproof_circuits::aggregation::native::combine_native_with;
use stakeproof_circuits::balance::native::balance_public;
use stakeproof_circuits::halo2_base::gates::circuit::CircuitBuilderStage;
use stakeproof_circuits::halo2_proofs::halo2curves::bn256::{Bn256, G1Affine};
use stakeproof_circuits::halo2_proofs::plonk::ProvingKey;
use stakeproof_circuits::halo2_proofs::poly::kzg::commitment::ParamsKZG;
use stakeproof_circuits::halo2_proofs::SerdeFormat;
use stakeproof_circuits::registry::native::registry_public;
use stakeproof_circuits::snark_verifier_sdk::halo2::aggregation::AggregationCircuit;
use stakeproof_circuits::snark_verifier_sdk::Snark;
use stakeproof_circuits::util::proving::{
    aggregation_accumulator_indices, keygen, snark, verify, verify_final,
};
use stakeproof_circuits::Fr;
use std::path::PathBuf;
use std::time::Instant;

/// One proof of the tree, ready to be a child.
#[derive(Clone)]
pub(crate) struct Proven {
    /// What it proves (its layout).
    pub(crate) statement: Statement,
    /// Its artifact key.
    pub(crate) key: String,
    /// Its circuit's verifying-key digest.
    pub(crate) vk_digest: String,
    /// Its verifying key's protocol, instances and proof.
    pub(crate) snark: Snark,
}

/// What happened to one node.
#[derive(Clone, Debug, serde::Serialize)]
pub struct NodeOutcome {
    /// Node circuit name.
    pub circuit: String,
    /// Artifact key.
    pub key: String,
    /// Reused from an earlier run.
    pub reused: bool,
    /// Seconds spent (keygen excluded).
    pub seconds: f64,
}

fn digest(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0]);
    }
    hex::encode(h.finalize())
}

/// The tree's proving state: setups, node keys made or read so far, the one proving key in
/// memory, and what happened to every node proven through it.
pub(crate) struct Tree<'a> {
    srs: &'a Srs,
    work: &'a WorkDir,
    k: u32,
    params: ParamsKZG<Bn256>,
    final_k: u32,
    final_params: ParamsKZG<Bn256>,
    store: ArtifactStore,
    pub(crate) keys: Vec<NodeKeys>,
    /// The one proving key in memory: (circuit name, key).
    pk: Option<(String, ProvingKey<G1Affine>)>,
    pub(crate) outcomes: Vec<NodeOutcome>,
    progress: &'a dyn Progress,
    backend: &'a ProvingBackend,
    /// Write node proving keys to the work directory (else only verifying keys and pinnings:
    /// a missing proving key is regenerated when a node of its circuit must be proven).
    keep_pks: bool,
}

impl<'a> Tree<'a> {
    /// A tree at `opts.tree`'s sizes over `srs`, keeping keys and proofs in `work`.
    pub(crate) fn new(
        srs: &'a Srs,
        work: &'a WorkDir,
        opts: &'a ProveOptions<'a>,
    ) -> Result<Self, PipelineError> {
        let TreeOptions {
            node_k,
            final_k,
            keep_proving_keys,
        } = opts.tree;
        Ok(Tree {
            srs,
            work,
            k: node_k,
            params: srs.for_circuit("aggregation", node_k)?,
            final_k,
            final_params: srs.for_circuit("final aggregation", final_k)?,
            store: work.proofs(),
            keys: Vec::new(),
            pk: None,
            outcomes: Vec::new(),
            progress: opts.progress,
            backend: &opts.backend,
            keep_pks: keep_proving_keys,
        })
    }

    /// The setup and `k` of a node.
    pub(crate) fn shape(&self, finalize: bool) -> (&ParamsKZG<Bn256>, u32) {
        if finalize {
            (&self.final_params, self.final_k)
        } else {
            (&self.params, self.k)
        }
    }

    fn keys_for(&mut self, spec: &NodeSpec, children: &[Proven]) -> Result<usize, PipelineError> {
        let node_k = self.shape(spec.finalize).1;
        let kids: Vec<&str> = children.iter().map(|c| c.vk_digest.as_str()).collect();
        let name = format!("{}-{}", spec.tag(), &digest(&kids)[..12]);
        if let Some(i) = self.keys.iter().position(|k| k.name == name) {
            return Ok(i);
        }
        let dir = self.work.keys().dir;
        let v = stakeproof_circuits::CIRCUITS_VERSION;
        let base = format!("{name}.k{node_k}.v{v}.{}", self.srs.id);
        let pk_path = dir.join(format!("{base}.pk"));
        let vk_path = dir.join(format!("{base}.vk"));
        let pin_path = dir.join(format!("{base}.pinning.json"));
        // A verifying key and its pinning make a key set: the proving key is read, or made
        // again from the pinning, only when a node of this circuit must be proven.
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
            // Unreadable or foreign: generated again below, never trusted.
        } else if let Ok(pinning) = NodePinning::load(&pin_path) {
            // A key set without its verifying key (older layout): derive it from the pk.
            if let Some(pk) = crate::keys::read_pk::<AggregationCircuit>(
                &pk_path,
                node_k,
                SerdeFormat::RawBytesUnchecked,
                pinning.params,
            ) {
                let mut vk_bytes = Vec::new();
                if pinning.spec == *spec
                    && pk
                        .get_vk()
                        .write(&mut vk_bytes, SerdeFormat::RawBytes)
                        .is_ok()
                {
                    write_atomically(&vk_path, &vk_bytes, "verifying key")?;
                    self.keys.push(NodeKeys {
                        vk_digest: crate::keys::vk_digest(&pk),
                        vk: pk.get_vk().clone(),
                        name: name.clone(),
                        pinning,
                        pk_path,
                    });
                    self.pk = Some((name, pk));
                    return Ok(self.keys.len() - 1);
                }
            }
        }
        let snarks = children.iter().map(|c| c.snark.clone()).collect();
        self.pk = None; // free the key in memory before making another
        let params = self.shape(spec.finalize).0;
        let nc = build_node(
            CircuitBuilderStage::Keygen,
            spec,
            params,
            snarks,
            NodeShape::K(node_k),
        )?;
        let pk = keygen(params, &nc.circuit).map_err(|source| PipelineError::Halo2 {
            what: format!("keygen of {name}"),
            source,
        })?;
        let pinning = nc.pinning();
        drop(nc);
        let io = |path: &PathBuf| {
            let path = path.display().to_string();
            move |source| PipelineError::Io {
                what: "aggregation key",
                path,
                source,
            }
        };
        if self.keep_pks {
            crate::keys::write_pk(&pk_path, &pk, SerdeFormat::RawBytesUnchecked)?;
        }
        let mut vk_bytes = Vec::new();
        pk.get_vk()
            .write(&mut vk_bytes, SerdeFormat::RawBytes)
            .map_err(io(&vk_path))?;
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

    /// Puts the proving key of `keys[i]` in memory: the one already there, else read from
    /// disk, else made again from the pinning (keygen over `snarks`, the node's children)
    /// and checked against the cached verifying key.
    fn proving_key(
        &mut self,
        i: usize,
        spec: &NodeSpec,
        snarks: &[Snark],
    ) -> Result<(), PipelineError> {
        let nk = &self.keys[i];
        if self.pk.as_ref().is_some_and(|(n, _)| n == &nk.name) {
            return Ok(());
        }
        self.pk = None;
        // A stored key is used only if it reads and belongs to the cached verifying key; an
        // unreadable, truncated or foreign one is made again (and replaced), never trusted.
        let node_k = self.shape(spec.finalize).1;
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
                let nc = build_node(
                    CircuitBuilderStage::Keygen,
                    spec,
                    params,
                    snarks.to_vec(),
                    NodeShape::Pinned(&nk.pinning),
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
                    });
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

    /// Proves (or reuses) the node `spec` over `children`; the final node under the EVM
    /// transcript (its "snark" is then only a carrier of instances and proof).
    pub(crate) fn node(
        &mut self,
        spec: NodeSpec,
        children: Vec<Proven>,
    ) -> Result<Proven, PipelineError> {
        self.node_with(spec, children, &NodeWitness::default())
    }

    /// [`Self::node`] with the node's witnesses (a pending wrap's neutral flag).
    pub(crate) fn node_with(
        &mut self,
        spec: NodeSpec,
        children: Vec<Proven>,
        w: &NodeWitness,
    ) -> Result<Proven, PipelineError> {
        let output = spec.output()?;
        // The children must combine before any proving (a clear error, not a failed proof).
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
        let expected = combine_native_with(&spec, &stripped, w)?;
        let i = self.keys_for(&spec, &children)?;
        let (name, vk_digest) = (self.keys[i].name.clone(), self.keys[i].vk_digest.clone());
        let kids: Vec<&str> = children.iter().map(|c| c.key.as_str()).collect();
        let mut parts = vec![name.as_str(), vk_digest.as_str()];
        // The neutral flag is a witness: a neutral and a real wrap of one leaf differ.
        if w.neutral {
            parts.push("neutral");
        }
        parts.extend(kids);
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
                self.proving_key(i, &spec, &snarks)?;
                let pinning = self.keys[i].pinning.clone();
                let nc = build_node_with(
                    CircuitBuilderStage::Prover,
                    &spec,
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
        self.outcomes.push(NodeOutcome {
            circuit: name,
            key: key.clone(),
            reused,
            seconds: t.elapsed().as_secs_f64(),
        });
        self.progress.tick();
        Ok(Proven {
            statement: output,
            key,
            vk_digest,
            snark: snark(
                self.shape(is_final).0,
                &self.keys[i].vk,
                instances,
                proof,
                Some(aggregation_accumulator_indices()),
            ),
        })
    }
}

/// A stored leaf proof as a child of a node (its statement's proof must be in the store).
pub(crate) fn leaf(
    keys: &CircuitKeys,
    store: &ArtifactStore,
    statement: Statement,
    instances: Vec<Fr>,
) -> Result<Proven, PipelineError> {
    let (proof, _) = store.load(keys, &instances);
    let proof = proof.ok_or_else(|| PipelineError::MissingLeaf(keys.name.clone()))?;
    Ok(Proven {
        statement,
        key: crate::artifacts::statement_key(&keys.name, &keys.vk_digest, &instances),
        vk_digest: keys.vk_digest.clone(),
        snark: snark(&keys.params, keys.pk.get_vk(), instances, proof, None),
    })
}

/// The final proof of a report and how it was made.
pub struct ReportProof {
    /// The final artifact (also written to the work directory).
    pub artifact: FinalArtifact,
    /// Where it was written.
    pub path: PathBuf,
    /// The leaf stage.
    pub leaves: crate::leaves::LeafReport,
    /// Every node, bottom-up (the queue's run tree first, when there is one).
    pub nodes: Vec<NodeOutcome>,
    /// The queue's run, when the report carries the pool's pending deposits.
    pub pending: Option<crate::pending::PendingRun>,
}

/// Proves `state` for `pool` to the final proof: the leaf stage ([`crate::leaves::prove`]);
/// with `opts.leaves.pending` and a state that has the queue (Electra on), the queue's run
/// ([`crate::pending::prove_pending_run`]); then every node of the [`plan`] at `opts.tree`'s
/// sizes through `opts.backend`, reusing every stored proof, the final node taking the run
/// beside the registry's summary; writes the final artifact to `work` as
/// `proof-slot-{slot}.json`.
pub fn prove(
    state: &BeaconState,
    pool: &Pool,
    srs: &Srs,
    work: &WorkDir,
    opts: &ProveOptions,
) -> Result<ReportProof, PipelineError> {
    let (cfg, progress) = (&opts.leaves, opts.progress);
    let t0 = Instant::now();
    if let Some(p) = cfg.pending {
        // A queue beyond the run tree is refused before any leaf is proven.
        crate::pending::run_shape(state, p.size, p.depth)?;
    }
    let leaves = crate::leaves::prove(state, pool, srs, work, opts)?;
    let n_r = cfg.registry_size as u64;
    let n_b = cfg.balance_size as u64;
    let m = (n_b / n_r) as usize;
    let store = work.proofs();
    let segments = leaves.balance.len();
    let mut tree = Tree::new(srs, work, opts)?;
    let (pending, mut run) = match cfg.pending {
        Some(p) => {
            match crate::pending::run_in(&mut tree, state, pool, srs, work, opts, p.size, p.depth)?
            {
                Some((pending, run)) => (Some(pending), Some(run)),
                None => (None, None),
            }
        }
        None => (None, None),
    };
    let plan = plan(segments, m, run.is_some());
    progress.stage("aggregation", plan.len());
    // Each node is the child of exactly one later node: taken out when its parent is proven.
    let mut done: Vec<Option<Proven>> = Vec::with_capacity(plan.len());
    for p in &plan {
        let children =
            p.children
                .iter()
                .map(|c| match *c {
                    Child::RegistryLeaf(idx) => {
                        // Ranges wholly beyond L within the last balance range are proven too,
                        // as empty ranges (fill 0), by the leaf stage's plan.
                        let w = leaves.registry.get(idx).ok_or_else(|| {
                            PipelineError::MissingLeaf(format!("registry range {idx}"))
                        })?;
                        leaf(
                            &leaves.registry_keys,
                            &store,
                            Statement::RegistryLeaf { n_r },
                            registry_public(w).to_instances(),
                        )
                    }
                    Child::BalanceLeaf(j) => {
                        let w = leaves.balance.get(j).ok_or_else(|| {
                            PipelineError::MissingLeaf(format!("balance range {j}"))
                        })?;
                        leaf(
                            &leaves.balance_keys,
                            &store,
                            Statement::BalanceLeaf { n_b, n_r },
                            balance_public(w).to_instances(),
                        )
                    }
                    Child::Node(i) => Ok(done[i].take().expect("a node has one parent")),
                    Child::PendingRun => Ok(run.take().expect("the plan takes the run once")),
                })
                .collect::<Result<Vec<_>, _>>()?;
        let spec = NodeSpec {
            children: children.iter().map(|c| c.statement).collect(),
            finalize: p.finalize,
        };
        done.push(Some(tree.node(spec, children)?));
    }
    let fin = done
        .pop()
        .flatten()
        .expect("the plan ends with the final node");
    tree.pk = None;
    let nk = tree
        .keys
        .iter()
        .find(|k| k.vk_digest == fin.vk_digest)
        .expect("final keys");
    let artifact = FinalArtifact::new(
        state,
        nk,
        srs,
        cfg,
        None,
        pending.is_some(),
        &fin.snark.instances[0],
        &fin.snark.proof,
        t0.elapsed().as_secs_f64(),
    )?;
    let path = work.root.join(format!("proof-slot-{}.json", state.slot()));
    artifact.check_published(&work.keys().dir)?;
    artifact.write(&path)?;
    Ok(ReportProof {
        artifact,
        path,
        leaves: leaves.report,
        nodes: tree.outcomes,
        pending,
    })
}

//! The proof tree of a report: leaf proofs wrapped, registry runs joined under each balance
//! range, segments joined pairwise up to the final proof bound to the block root.
//!
//! Shape, for ranges `n_r` (registry) and `n_b = m·n_r` (balance) and `s = ⌈L/n_b⌉` segments:
//! every leaf is first *wrapped* (aggregated alone: a ~120-column SHA-256 proof becomes a
//! ~20-column one, which is what keeps two children per node affordable); the `m` registry
//! wraps of a segment are joined pairwise into one run; the run and the balance wrap make a
//! segment summary; summaries are joined pairwise, left to right, an odd one moving up a level
//! unchanged; the last join (or the only segment) produces the final statement, proven under
//! the EVM transcript.
//!
//! Every node proof is an artifact keyed by its circuit, verifying key and children's keys, so
//! an unchanged registry range reuses its leaf, its wrap and every run above it that has only
//! unchanged ranges below.

use crate::artifacts::ArtifactStore;
use crate::keys::CircuitKeys;
use crate::leaves::{prove_leaves_with_keys, LeafConfig, Progress, WorkDir};
use crate::srs::Srs;
use crate::{write_atomically, PipelineError};
use sha2::{Digest, Sha256};
use stakeproof_circuits::aggregation::circuit::{build_node, NodePinning, NodeShape};
use stakeproof_circuits::aggregation::layout::{NodeSpec, Statement, ACC_LIMBS};
use stakeproof_circuits::aggregation::native::combine_native;
use stakeproof_circuits::balance::native::balance_public;
use stakeproof_circuits::halo2_base::gates::circuit::CircuitBuilderStage;
use stakeproof_circuits::halo2_proofs::halo2curves::bn256::{Bn256, G1Affine};
use stakeproof_circuits::halo2_proofs::plonk::{ProvingKey, VerifyingKey};
use stakeproof_circuits::halo2_proofs::poly::kzg::commitment::ParamsKZG;
use stakeproof_circuits::halo2_proofs::SerdeFormat;
use stakeproof_circuits::registry::native::registry_public;
use stakeproof_circuits::snark_verifier_sdk::halo2::aggregation::AggregationCircuit;
use stakeproof_circuits::snark_verifier_sdk::Snark;
use stakeproof_circuits::util::proving::{
    aggregation_accumulator_indices, keygen, snark, verify, verify_final,
};
use stakeproof_circuits::Fr;
use stakeproof_prover::beacon::BeaconState;
use stakeproof_prover::report::Pool;
use std::path::PathBuf;
use std::time::Instant;

/// `k` of aggregation nodes measured to hold one wrapped leaf or two aggregation children
/// (17.6–19.5M advice cells, ~15 GiB peak).
pub const DEFAULT_NODE_K: u32 = 20;

/// `k` of the final node: the same cells in fewer columns, so that its Solidity verifier
/// (whose size grows with the number of commitments) fits the 24,576-byte contract limit.
pub const DEFAULT_FINAL_K: u32 = 22;

/// Keys of one aggregation node circuit. The proving key (~3 GB at k = 20) stays on disk
/// until a node of this circuit must be proven; at most one is held in memory at a time.
pub struct NodeKeys {
    /// Name: node tag and a digest of the children's verifying keys.
    pub name: String,
    /// Verifying key.
    pub vk: VerifyingKey<G1Affine>,
    /// Shape fixed at keygen.
    pub pinning: NodePinning,
    /// Verifying-key digest.
    pub vk_digest: String,
    /// Where the proving key is cached.
    pub pk_path: PathBuf,
}

/// One proof of the tree, ready to be a child.
#[derive(Clone)]
struct Proven {
    statement: Statement,
    key: String,
    vk_digest: String,
    snark: Snark,
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

struct Tree<'a> {
    srs: &'a Srs,
    work: &'a WorkDir,
    k: u32,
    params: ParamsKZG<Bn256>,
    final_k: u32,
    final_params: ParamsKZG<Bn256>,
    store: ArtifactStore,
    keys: Vec<NodeKeys>,
    /// The one proving key in memory: (circuit name, key).
    pk: Option<(String, ProvingKey<G1Affine>)>,
    outcomes: Vec<NodeOutcome>,
    progress: &'a dyn Progress,
}

impl Tree<'_> {
    /// The setup and `k` of a node.
    fn shape(&self, finalize: bool) -> (&ParamsKZG<Bn256>, u32) {
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
        if let (Ok(pinning), Ok(bytes), true) = (
            NodePinning::load(&pin_path),
            std::fs::read(&vk_path),
            pk_path.exists(),
        ) {
            if let Ok(vk) = VerifyingKey::<G1Affine>::read::<_, AggregationCircuit>(
                &mut bytes.as_slice(),
                SerdeFormat::RawBytes,
                pinning.params,
            ) {
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
        } else if let (Ok(pinning), Ok(bytes)) =
            (NodePinning::load(&pin_path), std::fs::read(&pk_path))
        {
            // A key set without its verifying key (older layout): derive it from the pk.
            if let Ok(pk) = ProvingKey::<G1Affine>::read::<_, AggregationCircuit>(
                &mut bytes.as_slice(),
                SerdeFormat::RawBytesUnchecked,
                pinning.params,
            ) {
                drop(bytes);
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
        let mut bytes = Vec::new();
        pk.write(&mut bytes, SerdeFormat::RawBytesUnchecked)
            .map_err(io(&pk_path))?;
        write_atomically(&pk_path, &bytes, "proving key")?;
        drop(bytes);
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

    /// The proving key of `keys[i]`, read from disk unless it is the one in memory.
    fn proving_key(&mut self, i: usize) -> Result<&ProvingKey<G1Affine>, PipelineError> {
        let nk = &self.keys[i];
        if self.pk.as_ref().map(|(n, _)| n != &nk.name).unwrap_or(true) {
            self.pk = None;
            let bytes = std::fs::read(&nk.pk_path).map_err(|source| PipelineError::Io {
                what: "aggregation proving key",
                path: nk.pk_path.display().to_string(),
                source,
            })?;
            let pk = ProvingKey::<G1Affine>::read::<_, AggregationCircuit>(
                &mut bytes.as_slice(),
                SerdeFormat::RawBytesUnchecked,
                nk.pinning.params,
            )
            .map_err(|source| PipelineError::Io {
                what: "aggregation proving key",
                path: nk.pk_path.display().to_string(),
                source,
            })?;
            if crate::keys::vk_digest(&pk) != nk.vk_digest {
                return Err(PipelineError::Artifact {
                    path: nk.pk_path.display().to_string(),
                    reason: "proving key of another verifying key (delete it to regenerate)".into(),
                });
            }
            self.pk = Some((nk.name.clone(), pk));
        }
        Ok(&self.pk.as_ref().expect("just loaded").1)
    }

    /// Proves (or reuses) the node `spec` over `children`; the final node under the EVM
    /// transcript (its "snark" is then only a carrier of instances and proof).
    fn node(&mut self, spec: NodeSpec, children: Vec<Proven>) -> Result<Proven, PipelineError> {
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
        let expected = combine_native(&spec, &stripped)?;
        let i = self.keys_for(&spec, &children)?;
        let (name, vk_digest) = (self.keys[i].name.clone(), self.keys[i].vk_digest.clone());
        let kids: Vec<&str> = children.iter().map(|c| c.key.as_str()).collect();
        let mut parts = vec![name.as_str(), vk_digest.as_str()];
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
                let snarks = children.iter().map(|c| c.snark.clone()).collect();
                let pinning = self.keys[i].pinning.clone();
                let nc = build_node(
                    CircuitBuilderStage::Prover,
                    &spec,
                    self.shape(is_final).0,
                    snarks,
                    NodeShape::Pinned(&pinning),
                )?;
                let instances = nc.instances();
                assert_eq!(
                    instances[ACC_LIMBS..],
                    expected[..],
                    "{name}: circuit and native twin disagree"
                );
                let what = format!("proving {name}");
                self.proving_key(i)?;
                let (params, pk) = (self.shape(is_final).0, &self.pk.as_ref().expect("loaded").1);
                let proof = if is_final {
                    crate::backend::prove_evm(params, pk, nc.circuit, &instances, &what)?
                } else {
                    crate::backend::prove(params, pk, nc.circuit, &instances, &what)?
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

fn leaf(
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

/// Number of node proofs for `segments` segments of `m` registry ranges each.
pub fn node_count(segments: usize, m: usize) -> usize {
    // Per segment: m + 1 wraps, m − 1 run joins, 1 segment node; then segments − 1 joins.
    segments * (2 * m + 1) + segments.saturating_sub(1)
}

/// The final proof of a report and how it was made.
pub struct ReportProof {
    /// The final artifact (also written to the work directory).
    pub artifact: crate::final_artifact::FinalArtifact,
    /// Where it was written.
    pub path: PathBuf,
    /// The leaf stage.
    pub leaves: crate::leaves::LeafReport,
    /// Every node, bottom-up.
    pub nodes: Vec<NodeOutcome>,
}

/// Proves `state` for `pool`: leaves, then the tree, to the final proof; every node at
/// `node_k`.
pub fn prove_report(
    state: &BeaconState,
    pool: &Pool,
    cfg: &LeafConfig,
    node_k: u32,
    srs: &Srs,
    work: &WorkDir,
    progress: &dyn Progress,
) -> Result<ReportProof, PipelineError> {
    prove_report_with(state, pool, cfg, node_k, node_k, srs, work, progress)
}

/// [`prove_report`] with the final node at its own `final_k` (more rows, fewer columns: a
/// smaller EVM verifier).
#[allow(clippy::too_many_arguments)]
pub fn prove_report_with(
    state: &BeaconState,
    pool: &Pool,
    cfg: &LeafConfig,
    node_k: u32,
    final_k: u32,
    srs: &Srs,
    work: &WorkDir,
    progress: &dyn Progress,
) -> Result<ReportProof, PipelineError> {
    let t0 = Instant::now();
    let leaves = prove_leaves_with_keys(state, pool, cfg, srs, work, progress)?;
    let n_r = cfg.registry_size as u64;
    let n_b = cfg.balance_size as u64;
    let m = (n_b / n_r) as usize;
    let store = work.proofs();
    let segments = leaves.balance.len();
    progress.stage("aggregation", node_count(segments, m));
    let mut tree = Tree {
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
        progress,
    };
    let mut summaries = Vec::with_capacity(segments);
    for (j, bw) in leaves.balance.iter().enumerate() {
        let last = segments == 1;
        // The registry run of the segment.
        let mut runs = Vec::with_capacity(m);
        for i in 0..m {
            let idx = j * m + i;
            let instances = match leaves.registry.get(idx) {
                Some(w) => registry_public(w).to_instances(),
                None => {
                    // Ranges wholly beyond L within the last balance range: proven too, as
                    // empty ranges (fill 0), by the leaf stage's plan.
                    return Err(PipelineError::MissingLeaf(format!("registry range {idx}")));
                }
            };
            let l = leaf(
                &leaves.registry_keys,
                &store,
                Statement::RegistryLeaf { n_r },
                instances,
            )?;
            runs.push(tree.node(
                NodeSpec {
                    children: vec![l.statement],
                    finalize: false,
                },
                vec![l],
            )?);
        }
        while runs.len() > 1 {
            let mut next = Vec::with_capacity(runs.len() / 2);
            let mut it = runs.into_iter();
            while let (Some(a), Some(b)) = (it.next(), it.next()) {
                next.push(tree.node(
                    NodeSpec {
                        children: vec![a.statement, b.statement],
                        finalize: false,
                    },
                    vec![a, b],
                )?);
            }
            runs = next;
        }
        let run = runs.pop().expect("m ≥ 1");
        let b = leaf(
            &leaves.balance_keys,
            &store,
            Statement::BalanceLeaf { n_b, n_r },
            balance_public(bw).to_instances(),
        )?;
        let bwrap = tree.node(
            NodeSpec {
                children: vec![b.statement],
                finalize: false,
            },
            vec![b],
        )?;
        summaries.push(tree.node(
            NodeSpec {
                children: vec![run.statement, bwrap.statement],
                finalize: last,
            },
            vec![run, bwrap],
        )?);
    }
    while summaries.len() > 1 {
        let finalize = summaries.len() == 2;
        let mut next = Vec::with_capacity(summaries.len().div_ceil(2));
        let mut it = summaries.into_iter();
        loop {
            match (it.next(), it.next()) {
                (Some(a), Some(b)) => next.push(tree.node(
                    NodeSpec {
                        children: vec![Statement::Summary, Statement::Summary],
                        finalize,
                    },
                    vec![a, b],
                )?),
                (Some(a), None) => next.push(a),
                _ => break,
            }
        }
        summaries = next;
    }
    let fin = summaries.pop().expect("at least one segment");
    tree.pk = None;
    let nk = tree
        .keys
        .iter()
        .find(|k| k.vk_digest == fin.vk_digest)
        .expect("final keys");
    let artifact = crate::final_artifact::FinalArtifact::new(
        state,
        nk,
        srs,
        cfg,
        &fin.snark.instances[0],
        &fin.snark.proof,
        t0.elapsed().as_secs_f64(),
    )?;
    let path = work.root.join(format!("proof-slot-{}.json", state.slot()));
    artifact.write(&path)?;
    Ok(ReportProof {
        artifact,
        path,
        leaves: leaves.report,
        nodes: tree.outcomes,
    })
}

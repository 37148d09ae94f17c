//! The aggregation nodes' prover shared by the tree ([`crate::tree`]) and the chain design
//! ([`crate::chain`]): keys per node circuit (verifying key and pinning kept on disk, the one
//! proving key in memory), each node proven or reused from the proof store.
//!
//! Node keys are named by the node's tag and a digest of its children's verifying keys, so
//! each level of each tree has its own key set; a node proof is keyed by its circuit, its
//! verifying key and its children's keys (and, in the chain design, its neutral flag).

use crate::artifacts::ArtifactStore;
use crate::backend::ProvingBackend;
use crate::keys::NodeKeys;
use crate::leaves::WorkDir;
use crate::options::TreeOptions;
use crate::srs::Srs;
use crate::{write_atomically, PipelineError};
use sha2::{Digest, Sha256};
use stakeproof_circuits::aggregation::circuit::{build_node_with, NodePinning, NodeShape};
use stakeproof_circuits::aggregation::layout::{NodeSpec, NodeWitness, Statement, ACC_LIMBS};
use stakeproof_circuits::aggregation::native::{combine_native_with, CombineError};
use stakeproof_circuits::halo2_base::gates::circuit::CircuitBuilderStage;
use stakeproof_circuits::halo2_proofs::halo2curves::bn256::{Bn256, G1Affine};
use stakeproof_circuits::halo2_proofs::plonk::ProvingKey;
use stakeproof_circuits::halo2_proofs::poly::kzg::commitment::ParamsKZG;
use stakeproof_circuits::halo2_proofs::SerdeFormat;
use stakeproof_circuits::snark_verifier_sdk::halo2::aggregation::AggregationCircuit;
use stakeproof_circuits::snark_verifier_sdk::Snark;
use stakeproof_circuits::util::proving::{
    aggregation_accumulator_indices, keygen, snark, verify, verify_final,
};
use stakeproof_circuits::Fr;
use std::path::PathBuf;
use std::time::Instant;

/// One proof (leaf or node), ready to be a child.
#[derive(Clone)]
pub(crate) struct Proven {
    /// What it proves.
    pub(crate) statement: Statement,
    /// Its artifact key.
    pub(crate) key: String,
    /// Its circuit's verifying-key digest.
    pub(crate) vk_digest: String,
    /// The proof with its instances.
    pub(crate) snark: Snark,
}

/// What proving (or reusing) one node gave.
pub(crate) struct NodeProof {
    /// The node's proof, ready to be a child.
    pub(crate) proven: Proven,
    /// Its circuit name.
    pub(crate) circuit: String,
    /// Reused from an earlier run.
    pub(crate) reused: bool,
    /// Seconds spent (keygen excluded).
    pub(crate) seconds: f64,
}

/// SHA-256 over `parts`, each followed by a zero byte, hex.
fn digest(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0]);
    }
    hex::encode(h.finalize())
}

/// The aggregation nodes' prover.
pub(crate) struct NodeProver<'a> {
    srs: &'a Srs,
    work: &'a WorkDir,
    k: u32,
    params: ParamsKZG<Bn256>,
    final_k: u32,
    final_params: ParamsKZG<Bn256>,
    store: ArtifactStore,
    /// Every key set made or read so far.
    pub(crate) keys: Vec<NodeKeys>,
    /// The one proving key in memory: (circuit name, key).
    pub(crate) pk: Option<(String, ProvingKey<G1Affine>)>,
    backend: &'a ProvingBackend,
    /// Write node proving keys to the work directory (else only verifying keys and pinnings:
    /// a missing proving key is regenerated when a node of its circuit must be proven).
    keep_pks: bool,
    /// Complete a key set of the older layout (a pinning and a proving key, no verifying
    /// key) from its proving key, instead of generating it again.
    complete_old_key_sets: bool,
}

impl<'a> NodeProver<'a> {
    /// A prover of nodes at `tree`'s `k`s over `srs`, keys in `work`, proofs through
    /// `backend`.
    pub(crate) fn new(
        srs: &'a Srs,
        work: &'a WorkDir,
        tree: &TreeOptions,
        backend: &'a ProvingBackend,
        complete_old_key_sets: bool,
    ) -> Result<Self, PipelineError> {
        Ok(NodeProver {
            srs,
            work,
            k: tree.node_k,
            params: srs.for_circuit("aggregation", tree.node_k)?,
            final_k: tree.final_k,
            final_params: srs.for_circuit("final aggregation", tree.final_k)?,
            store: work.proofs(),
            keys: Vec::new(),
            pk: None,
            backend,
            keep_pks: tree.keep_proving_keys,
            complete_old_key_sets,
        })
    }

    /// Frees the proving key in memory and returns the keys of the final proof `fin`.
    pub(crate) fn final_keys(&mut self, fin: &Proven) -> &NodeKeys {
        self.pk = None;
        self.keys
            .iter()
            .find(|k| k.vk_digest == fin.vk_digest)
            .expect("final keys")
    }

    /// The setup and `k` of a node.
    fn shape(&self, finalize: bool) -> (&ParamsKZG<Bn256>, u32) {
        if finalize {
            (&self.final_params, self.final_k)
        } else {
            (&self.params, self.k)
        }
    }

    /// The proving key, verifying key and pinning paths of circuit `name` at `k`.
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

    /// A proving key and pinning of `spec` with witness `w` over `snarks` at `shape`, made by
    /// keygen (circuit `name` in the error).
    fn keygen(
        &self,
        spec: &NodeSpec,
        snarks: Vec<Snark>,
        shape: NodeShape,
        w: &NodeWitness,
        name: &str,
    ) -> Result<(ProvingKey<G1Affine>, NodePinning), PipelineError> {
        let params = self.shape(spec.finalize).0;
        let nc = build_node_with(CircuitBuilderStage::Keygen, spec, params, snarks, shape, w)?;
        let pk = keygen(params, &nc.circuit).map_err(|source| PipelineError::Halo2 {
            what: format!("keygen of {name}"),
            source,
        })?;
        Ok((pk, nc.pinning()))
    }

    /// The keys of `spec` with witness `w` over children with these verifying keys: cached
    /// (verifying key and pinning) or generated.
    fn keys_for(
        &mut self,
        spec: &NodeSpec,
        children: &[Proven],
        w: &NodeWitness,
    ) -> Result<usize, PipelineError> {
        let node_k = self.shape(spec.finalize).1;
        let kids: Vec<&str> = children.iter().map(|c| c.vk_digest.as_str()).collect();
        let name = format!("{}-{}", spec.tag(), &digest(&kids)[..12]);
        if let Some(i) = self.keys.iter().position(|k| k.name == name) {
            return Ok(i);
        }
        let (pk_path, vk_path, pin_path) = self.paths(&name, node_k);
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
        } else if self.complete_old_key_sets {
            if let Ok(pinning) = NodePinning::load(&pin_path) {
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
                        return Ok(self.hold(name, pk, pinning, pk_path));
                    }
                }
            }
        }
        let snarks = children.iter().map(|c| c.snark.clone()).collect();
        self.pk = None; // free the key in memory before making another
        let (pk, pinning) = self.keygen(spec, snarks, NodeShape::K(node_k), w, &name)?;
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
        Ok(self.hold(name, pk, pinning, pk_path))
    }

    /// Adds the key set of circuit `name` made from `pk` (kept in memory) and returns its
    /// index.
    fn hold(
        &mut self,
        name: String,
        pk: ProvingKey<G1Affine>,
        pinning: NodePinning,
        pk_path: PathBuf,
    ) -> usize {
        self.keys.push(NodeKeys {
            vk_digest: crate::keys::vk_digest(&pk),
            vk: pk.get_vk().clone(),
            name: name.clone(),
            pinning,
            pk_path,
        });
        self.pk = Some((name, pk));
        self.keys.len() - 1
    }

    /// Puts the proving key of `keys[i]` in memory: the one already there, else read from
    /// disk, else made again from the pinning (keygen over `snarks`, the node's children)
    /// and checked against the cached verifying key.
    fn proving_key(
        &mut self,
        i: usize,
        spec: &NodeSpec,
        snarks: &[Snark],
        w: &NodeWitness,
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
                let shape = NodeShape::Pinned(&nk.pinning);
                let (pk, _) = self.keygen(spec, snarks.to_vec(), shape, w, &nk.name)?;
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
    ///
    /// `w` is the node's witness in the chain design, whose proof keys also carry the neutral
    /// flag; `None` in the tree (the default witness, keys without the flag). The children
    /// must combine ([`combine_native_with`]) before anything is proven: a
    /// [`CombineError`] is `E`'s own, every other error a [`PipelineError`].
    pub(crate) fn node<E>(
        &mut self,
        spec: &NodeSpec,
        children: Vec<Proven>,
        w: Option<&NodeWitness>,
    ) -> Result<NodeProof, E>
    where
        E: From<PipelineError> + From<CombineError>,
    {
        let output = spec.output().map_err(PipelineError::from)?;
        let default = NodeWitness::default();
        let wit = w.unwrap_or(&default);
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
        let expected = combine_native_with(spec, &stripped, wit)?;
        let i = self.keys_for(spec, &children, wit)?;
        let (name, vk_digest) = (self.keys[i].name.clone(), self.keys[i].vk_digest.clone());
        let mut parts = vec![name.as_str(), vk_digest.as_str()];
        parts.extend(children.iter().map(|c| c.key.as_str()));
        // The neutral flag is a witness: a neutral and a real wrap of one leaf differ.
        if let Some(w) = w {
            parts.push(if w.neutral { "neutral" } else { "real" });
        }
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
                self.proving_key(i, spec, &snarks, wit)?;
                let pinning = self.keys[i].pinning.clone();
                let nc = build_node_with(
                    CircuitBuilderStage::Prover,
                    spec,
                    self.shape(is_final).0,
                    snarks,
                    NodeShape::Pinned(&pinning),
                    wit,
                )
                .map_err(PipelineError::from)?;
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
        let seconds = t.elapsed().as_secs_f64();
        let proven = Proven {
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
        };
        Ok(NodeProof {
            proven,
            circuit: name,
            reused,
            seconds,
        })
    }
}

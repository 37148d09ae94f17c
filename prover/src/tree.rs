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
use crate::{write_atomically, write_atomically_with, PipelineError};
use sha2::{Digest, Sha256};
use stakeproof_beacon::beacon::BeaconState;
use stakeproof_beacon::report::Pool;
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
    /// Write node proving keys to the work directory (else only verifying keys and pinnings:
    /// a missing proving key is regenerated when a node of its circuit must be proven).
    keep_pks: bool,
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
        // A verifying key and its pinning make a key set: the proving key is read, or made
        // again from the pinning, only when a node of this circuit must be proven.
        if let (Ok(pinning), Ok(bytes)) = (NodePinning::load(&pin_path), std::fs::read(&vk_path)) {
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
        if self.keep_pks {
            write_atomically_with(&pk_path, "proving key", |w| {
                pk.write(w, SerdeFormat::RawBytesUnchecked)
            })?;
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
        let stored = std::fs::File::open(&nk.pk_path).ok().and_then(|f| {
            ProvingKey::<G1Affine>::read::<_, AggregationCircuit>(
                &mut std::io::BufReader::with_capacity(1 << 20, f),
                SerdeFormat::RawBytesUnchecked,
                nk.pinning.params,
            )
            .ok()
            .filter(|pk| crate::keys::vk_digest(pk) == nk.vk_digest)
        });
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
                    write_atomically_with(&nk.pk_path, "proving key", |w| {
                        pk.write(w, SerdeFormat::RawBytesUnchecked)
                    })?;
                }
                pk
            }
        };
        self.pk = Some((self.keys[i].name.clone(), pk));
        Ok(())
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
                let snarks: Vec<Snark> = children.iter().map(|c| c.snark.clone()).collect();
                self.proving_key(i, &spec, &snarks)?;
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

/// Where a node's child comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", content = "index", rename_all = "snake_case")]
pub enum Child {
    /// The registry leaf proof of range `i` (validators `[i·n_r, (i+1)·n_r)`).
    RegistryLeaf(usize),
    /// The balance leaf proof of range `j` (balances `[j·n_b, (j+1)·n_b)`).
    BalanceLeaf(usize),
    /// An earlier node of the plan, by position.
    Node(usize),
}

/// One aggregation node of a report's proof tree.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct PlannedNode {
    /// Its children, left to right.
    pub children: Vec<Child>,
    /// Whether it produces the final statement.
    pub finalize: bool,
}

/// The proof tree's nodes for `segments` balance ranges of `m` registry ranges each, in
/// proving order (children before parents): per segment, the `m` registry wraps joined
/// pairwise into a run, the balance wrap, the run and that wrap joined into the segment's
/// summary; then summaries joined pairwise, left to right, an odd one moving up unchanged.
/// The last node is the final one. One shape for the prover and the native twin.
pub fn plan(segments: usize, m: usize) -> Vec<PlannedNode> {
    assert!(
        segments >= 1 && m >= 1,
        "a tree has at least one segment of one range"
    );
    fn push(nodes: &mut Vec<PlannedNode>, children: Vec<Child>, finalize: bool) -> Child {
        nodes.push(PlannedNode { children, finalize });
        Child::Node(nodes.len() - 1)
    }
    let mut nodes: Vec<PlannedNode> = Vec::with_capacity(node_count(segments, m));
    let mut summaries = Vec::with_capacity(segments);
    for j in 0..segments {
        let mut runs: Vec<Child> = (0..m)
            .map(|i| push(&mut nodes, vec![Child::RegistryLeaf(j * m + i)], false))
            .collect();
        while runs.len() > 1 {
            runs = runs
                .chunks(2)
                .map(|pair| match pair {
                    [a, b] => push(&mut nodes, vec![*a, *b], false),
                    [a] => *a,
                    _ => unreachable!("chunks of two"),
                })
                .collect();
        }
        let bwrap = push(&mut nodes, vec![Child::BalanceLeaf(j)], false);
        summaries.push(push(&mut nodes, vec![runs[0], bwrap], segments == 1));
    }
    while summaries.len() > 1 {
        let finalize = summaries.len() == 2;
        summaries = summaries
            .chunks(2)
            .map(|pair| match pair {
                [a, b] => push(&mut nodes, vec![*a, *b], finalize),
                [a] => *a,
                _ => unreachable!("chunks of two"),
            })
            .collect();
    }
    nodes
}

/// One proof of the tree computed natively: what its public inputs are.
#[derive(Clone, Debug, serde::Serialize)]
pub struct NativeNode {
    /// The leaf's range index, or the node's position in the [`plan`].
    pub index: usize,
    /// Its circuit: `registry-leaf`, `balance-leaf`, or the node's tag.
    pub circuit: String,
    /// Where its children come from (none for a leaf).
    pub children: Vec<Child>,
    /// What it states.
    pub statement: Statement,
    /// Its public inputs, accumulator excluded, decoded by name.
    pub fields: serde_json::Map<String, serde_json::Value>,
    /// The same public inputs as field elements.
    #[serde(skip)]
    pub instances: Vec<Fr>,
}

/// The proof tree of a report computed natively, every leaf and node: the twin of
/// [`prove_report`]'s tree (same [`plan`], each node's statement by [`combine_native`]).
#[derive(Clone, Debug, serde::Serialize)]
pub struct NativeTree {
    /// Registry leaves, by range (ranges wholly beyond L included: fill 0).
    pub registry_leaves: Vec<NativeNode>,
    /// Balance leaves, by range.
    pub balance_leaves: Vec<NativeNode>,
    /// Aggregation nodes in proving order; the last is the final statement.
    pub nodes: Vec<NativeNode>,
}

/// Computes the whole proof tree of `state` for `pool` natively, with no key or proof: every
/// leaf's and node's public inputs, or the first relation between children that fails.
pub fn native_tree(
    state: &BeaconState,
    pool: &Pool,
    cfg: &LeafConfig,
) -> Result<NativeTree, PipelineError> {
    let (registry, balance) = crate::leaves::leaf_witnesses(state, pool, cfg)?;
    let n_r = cfg.registry_size as u64;
    let n_b = cfg.balance_size as u64;
    let m = (n_b / n_r) as usize;
    let leaf_node = |index, circuit: &str, statement, instances: Vec<Fr>| NativeNode {
        index,
        circuit: circuit.into(),
        children: Vec::new(),
        statement,
        fields: describe(statement, &instances),
        instances,
    };
    let registry_leaves: Vec<NativeNode> = registry
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let st = Statement::RegistryLeaf { n_r };
            leaf_node(i, "registry-leaf", st, registry_public(w).to_instances())
        })
        .collect();
    let balance_leaves: Vec<NativeNode> = balance
        .iter()
        .enumerate()
        .map(|(j, w)| {
            let st = Statement::BalanceLeaf { n_b, n_r };
            leaf_node(j, "balance-leaf", st, balance_public(w).to_instances())
        })
        .collect();
    let mut nodes: Vec<NativeNode> = Vec::new();
    for (index, p) in plan(balance_leaves.len(), m).into_iter().enumerate() {
        let kids: Vec<&NativeNode> = p
            .children
            .iter()
            .map(|c| match *c {
                Child::RegistryLeaf(i) => registry_leaves.get(i),
                Child::BalanceLeaf(j) => balance_leaves.get(j),
                Child::Node(i) => nodes.get(i),
            })
            .collect::<Option<_>>()
            .ok_or_else(|| PipelineError::MissingLeaf(format!("a child of node {index}")))?;
        let spec = NodeSpec {
            children: kids.iter().map(|k| k.statement).collect(),
            finalize: p.finalize,
        };
        let statement = spec.output()?;
        let instances = combine_native(
            &spec,
            &kids.iter().map(|k| k.instances.clone()).collect::<Vec<_>>(),
        )?;
        nodes.push(NativeNode {
            index,
            circuit: spec.tag(),
            children: p.children,
            statement,
            fields: describe(statement, &instances),
            instances,
        });
    }
    Ok(NativeTree {
        registry_leaves,
        balance_leaves,
        nodes,
    })
}

fn fr_u128(f: &Fr) -> u128 {
    let b = f.to_bytes();
    if b[16..].iter().any(|&x| x != 0) {
        return u128::MAX; // not a 128-bit value: shown as such rather than wrapped
    }
    u128::from_le_bytes(b[..16].try_into().expect("16 bytes"))
}

fn fr_hex(f: &Fr) -> String {
    let mut b = f.to_bytes();
    b.reverse();
    format!("0x{}", hex::encode(b))
}

/// Public inputs, accumulator excluded, decoded by name for `statement` (layouts of
/// [`stakeproof_circuits::public_inputs`] and [`stakeproof_circuits::aggregation::layout`]):
/// roots and credentials as 32-byte hex, commitments as field elements, the rest as numbers.
pub fn describe(statement: Statement, inst: &[Fr]) -> serde_json::Map<String, serde_json::Value> {
    use serde_json::{json, Map, Value};
    let num = |i: usize| -> Value {
        let v = fr_u128(&inst[i]);
        u64::try_from(v).map_or_else(|_| json!(v.to_string()), |x| json!(x))
    };
    let root = |i: usize| {
        json!(format!(
            "0x{:032x}{:032x}",
            fr_u128(&inst[i]),
            fr_u128(&inst[i + 1])
        ))
    };
    let mut f = Map::new();
    if inst.len() != statement.len() {
        f.insert(
            "error".into(),
            json!(format!(
                "{} instances, expected {}",
                inst.len(),
                statement.len()
            )),
        );
        return f;
    }
    let totals = |f: &mut Map<String, Value>, at: usize| {
        for (k, name) in [
            "validator_count",
            "total_balance_gwei",
            "active_count",
            "exited_count",
            "slashed_count",
        ]
        .iter()
        .enumerate()
        {
            f.insert((*name).into(), num(at + k));
        }
    };
    let pool = |f: &mut Map<String, Value>, at: usize| {
        f.insert("pool_exact".into(), json!(fr_u128(&inst[at]) == 1));
        f.insert("pool_credentials".into(), root(at + 1));
    };
    match statement {
        Statement::RegistryLeaf { .. } => {
            f.insert("start".into(), num(0));
            f.insert("fill".into(), num(1));
            pool(&mut f, 2);
            f.insert("root".into(), root(5));
            f.insert("commitment".into(), json!(fr_hex(&inst[7])));
        }
        Statement::BalanceLeaf { n_b, n_r } | Statement::Balance { n_b, n_r } => {
            let m = (n_b / n_r) as usize;
            for (k, name) in ["start", "registry_length", "epoch", "slot"]
                .iter()
                .enumerate()
            {
                f.insert((*name).into(), num(k));
            }
            f.insert("block_root".into(), root(4));
            let ranges: Vec<Value> = (0..m)
                .map(|j| json!({"root": root(6 + 3 * j), "commitment": fr_hex(&inst[8 + 3 * j])}))
                .collect();
            f.insert("registry_ranges".into(), Value::Array(ranges));
            totals(&mut f, 6 + 3 * m);
        }
        Statement::Registry { ranges, .. } => {
            f.insert("start".into(), num(0));
            pool(&mut f, 1);
            let rs: Vec<Value> = (0..ranges)
                .map(|j| {
                    let at = 4 + 4 * j;
                    json!({"fill": num(at), "root": root(at + 1), "commitment": fr_hex(&inst[at + 3])})
                })
                .collect();
            f.insert("ranges".into(), Value::Array(rs));
        }
        Statement::Summary => {
            for (k, name) in ["start", "end", "registry_length", "epoch", "slot"]
                .iter()
                .enumerate()
            {
                f.insert((*name).into(), num(k));
            }
            f.insert("block_root".into(), root(5));
            pool(&mut f, 7);
            totals(&mut f, 10);
        }
        Statement::Final => {
            f.insert("block_root".into(), root(0));
            f.insert("slot".into(), num(2));
            pool(&mut f, 3);
            f.insert("registry_length".into(), num(6));
            totals(&mut f, 7);
        }
    }
    f
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
    let opts = TreeOptions {
        node_k,
        final_k,
        keep_proving_keys: true,
    };
    prove_report_opts(state, pool, cfg, &opts, srs, work, progress)
}

/// How the tree is proven.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TreeOptions {
    /// `k` of every node but the final one.
    pub node_k: u32,
    /// `k` of the final node.
    pub final_k: u32,
    /// Keep node proving keys (~3 GB at k = 20, more at the final k) in the work directory.
    /// Without them a later run makes a node circuit's proving key again (minutes) when one of
    /// its nodes must be proven; verifying keys and pinnings are always kept, so stored proofs
    /// are reused either way.
    pub keep_proving_keys: bool,
}

impl Default for TreeOptions {
    fn default() -> Self {
        TreeOptions {
            node_k: DEFAULT_NODE_K,
            final_k: DEFAULT_FINAL_K,
            keep_proving_keys: true,
        }
    }
}

/// [`prove_report`] with every option of the tree.
pub fn prove_report_opts(
    state: &BeaconState,
    pool: &Pool,
    cfg: &LeafConfig,
    opts: &TreeOptions,
    srs: &Srs,
    work: &WorkDir,
    progress: &dyn Progress,
) -> Result<ReportProof, PipelineError> {
    let TreeOptions {
        node_k,
        final_k,
        keep_proving_keys,
    } = *opts;
    let t0 = Instant::now();
    let leaves = prove_leaves_with_keys(state, pool, cfg, srs, work, progress)?;
    let n_r = cfg.registry_size as u64;
    let n_b = cfg.balance_size as u64;
    let m = (n_b / n_r) as usize;
    let store = work.proofs();
    let segments = leaves.balance.len();
    let plan = plan(segments, m);
    progress.stage("aggregation", plan.len());
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
        keep_pks: keep_proving_keys,
    };
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

#[cfg(test)]
mod tests {
    use super::*;
    use stakeproof_beacon::beacon::Fork;
    use stakeproof_beacon::devnet::{self, DevnetSpec};
    use stakeproof_beacon::report::pool_report;

    #[test]
    fn plan_uses_every_leaf_once_and_every_node_once_up_to_one_final() {
        for m in [1, 2, 4, 8] {
            for segments in 1..=9 {
                let p = plan(segments, m);
                assert_eq!(p.len(), node_count(segments, m), "s={segments} m={m}");
                let (mut reg, mut bal) = (vec![0; segments * m], vec![0; segments]);
                let mut parents = vec![0; p.len()];
                for (i, n) in p.iter().enumerate() {
                    assert!((1..=2).contains(&n.children.len()));
                    assert_eq!(n.finalize, i + 1 == p.len(), "only the last node finalizes");
                    for c in &n.children {
                        match *c {
                            Child::RegistryLeaf(r) => reg[r] += 1,
                            Child::BalanceLeaf(b) => bal[b] += 1,
                            Child::Node(j) => {
                                assert!(j < i, "children come first");
                                parents[j] += 1;
                            }
                        }
                    }
                }
                assert!(reg.iter().chain(&bal).all(|&c| c == 1));
                let (last, rest) = parents.split_last().unwrap();
                assert_eq!(*last, 0);
                assert!(rest.iter().all(|&c| c == 1), "s={segments} m={m}");
            }
        }
    }

    fn state(validators: usize, seed: u64) -> (BeaconState, Pool) {
        let spec = DevnetSpec {
            validators,
            pool_permille: 400,
            seed,
            ..Default::default()
        };
        let (vals, bals) = devnet::validators(&spec);
        let st = BeaconState::decode(
            devnet::state_ssz(&spec, &vals, &bals),
            Fork::Electra,
            &spec.preset,
        )
        .unwrap();
        (st, Pool::Address(spec.pool))
    }

    /// Registry lengths at and around the range sizes' powers of two: the last range partly
    /// filled, ranges wholly beyond L, one segment and several (odd counts move up a level).
    #[test]
    fn native_tree_final_statement_is_the_native_report() {
        for (len, n_r, n_b) in [
            (1, 4, 16),
            (15, 4, 16),
            (16, 4, 16),
            (17, 4, 16),
            (33, 4, 8),
            (40, 8, 8),
            (47, 4, 16),
        ] {
            let (st, pool) = state(len, len as u64);
            let cfg = LeafConfig::for_sizes(n_r, n_b).unwrap();
            let t = native_tree(&st, &pool, &cfg).unwrap();
            let segments = len.div_ceil(n_b);
            assert_eq!(t.balance_leaves.len(), segments);
            assert_eq!(t.registry_leaves.len(), segments * n_b / n_r);
            assert_eq!(t.nodes.len(), node_count(segments, n_b / n_r));
            let fin = t.nodes.last().unwrap();
            assert_eq!(fin.statement, Statement::Final);
            let native = pool_report(&st, &pool).unwrap();
            let f = &fin.fields;
            assert_eq!(f["registry_length"], len as u64, "L={len}");
            assert_eq!(f["slot"], st.slot());
            assert_eq!(
                f["block_root"],
                format!("0x{}", hex::encode(st.tree().unwrap().block_root()))
            );
            assert_eq!(f["validator_count"], native.totals.validator_count);
            assert_eq!(
                f["total_balance_gwei"],
                u64::try_from(native.totals.total_balance_gwei).unwrap()
            );
            assert_eq!(f["active_count"], native.totals.active_count);
            assert_eq!(f["exited_count"], native.totals.exited_count);
            assert_eq!(f["slashed_count"], native.totals.slashed_count);
            // Fill against L: full ranges, one partial, the rest empty.
            for (i, leaf) in t.registry_leaves.iter().enumerate() {
                let a = (i * n_r) as u64;
                let fill = (len as u64).saturating_sub(a).min(n_r as u64);
                assert_eq!(leaf.fields["fill"], fill);
            }
        }
    }

    #[test]
    fn native_tree_refuses_a_registry_leaf_of_another_state() {
        // The twin is the same relation the prover checks before proving: a registry leaf of
        // another state does not combine with this state's balance leaf.
        let (a, pool) = state(16, 1);
        let (b, _) = state(16, 2);
        let cfg = LeafConfig::for_sizes(4, 16).unwrap();
        let ta = native_tree(&a, &pool, &cfg).unwrap();
        let tb = native_tree(&b, &pool, &cfg).unwrap();
        let wrap = |n: &NativeNode| {
            combine_native(
                &NodeSpec {
                    children: vec![n.statement],
                    finalize: false,
                },
                std::slice::from_ref(&n.instances),
            )
            .unwrap()
        };
        let spec = NodeSpec {
            children: vec![
                Statement::Registry { n_r: 4, ranges: 1 },
                Statement::Registry { n_r: 4, ranges: 1 },
            ],
            finalize: false,
        };
        // Two adjacent ranges of one state join; the same pair with the second from the other
        // state joins too (a registry run is state-independent)...
        let run_a = combine_native(
            &spec,
            &[wrap(&ta.registry_leaves[0]), wrap(&ta.registry_leaves[1])],
        )
        .unwrap();
        let run_mixed = combine_native(
            &spec,
            &[wrap(&ta.registry_leaves[0]), wrap(&tb.registry_leaves[1])],
        )
        .unwrap();
        assert_ne!(run_a, run_mixed);
        // ...but the mixed run does not match state a's balance proof.
        let spec4 = NodeSpec {
            children: vec![
                Statement::Registry { n_r: 4, ranges: 2 },
                Statement::Registry { n_r: 4, ranges: 2 },
            ],
            finalize: false,
        };
        let four = |run01: Vec<Fr>| {
            let run23 = combine_native(
                &spec,
                &[wrap(&ta.registry_leaves[2]), wrap(&ta.registry_leaves[3])],
            )
            .unwrap();
            combine_native(&spec4, &[run01, run23]).unwrap()
        };
        let seg = NodeSpec {
            children: vec![
                Statement::Registry { n_r: 4, ranges: 4 },
                Statement::Balance { n_b: 16, n_r: 4 },
            ],
            finalize: true,
        };
        let bal = wrap(&ta.balance_leaves[0]);
        let ok = combine_native(&seg, &[four(run_a), bal.clone()]).unwrap();
        assert_eq!(ok, ta.nodes.last().unwrap().instances);
        let err = combine_native(&seg, &[four(run_mixed), bal]).unwrap_err();
        assert!(
            err.to_string().contains("registry range 1"),
            "names the range: {err}"
        );
    }
}

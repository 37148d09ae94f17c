//! Proving the tree: every node of the [`plan`] proven (or reused) bottom-up over the leaf
//! stage's proofs, the last one under the EVM transcript, written as the final artifact.

use super::plan::{plan, Child};
use crate::artifacts::ArtifactStore;
use crate::final_artifact::FinalArtifact;
use crate::keys::CircuitKeys;
use crate::leaves::WorkDir;
use crate::nodes::{NodeProver, Proven};
use crate::options::ProveOptions;
use crate::srs::Srs;
use crate::PipelineError;
use stakeproof_beacon::beacon::BeaconState;
use stakeproof_beacon::report::Pool;
use stakeproof_circuits::aggregation::layout::{NodeSpec, Statement};
use stakeproof_circuits::balance::native::balance_public;
use stakeproof_circuits::registry::native::registry_public;
use stakeproof_circuits::util::proving::snark;
use stakeproof_circuits::Fr;
use std::path::PathBuf;
use std::time::Instant;

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

/// The final proof of a report and how it was made.
pub struct ReportProof {
    /// The final artifact (also written to the work directory).
    pub artifact: FinalArtifact,
    /// Where it was written.
    pub path: PathBuf,
    /// The leaf stage.
    pub leaves: crate::leaves::LeafReport,
    /// Every node, bottom-up.
    pub nodes: Vec<NodeOutcome>,
}

/// Proves `state` for `pool` to the final proof: the leaf stage ([`crate::leaves::prove`]),
/// then every node of the [`plan`] at `opts.tree`'s sizes through `opts.backend`, reusing
/// every stored proof; writes the final artifact to `work` as `proof-slot-{slot}.json`.
pub fn prove(
    state: &BeaconState,
    pool: &Pool,
    srs: &Srs,
    work: &WorkDir,
    opts: &ProveOptions,
) -> Result<ReportProof, PipelineError> {
    let (cfg, progress) = (&opts.leaves, opts.progress);
    let t0 = Instant::now();
    let leaves = crate::leaves::prove(state, pool, srs, work, opts)?;
    let n_r = cfg.registry_size as u64;
    let n_b = cfg.balance_size as u64;
    let m = (n_b / n_r) as usize;
    let store = work.proofs();
    let segments = leaves.balance.len();
    let plan = plan(segments, m);
    progress.stage("aggregation", plan.len());
    let mut nodes = NodeProver::new(srs, work, &opts.tree, &opts.backend, true)?;
    let mut outcomes = Vec::with_capacity(plan.len());
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
        let np = nodes.node::<PipelineError>(&spec, children, None)?;
        outcomes.push(NodeOutcome {
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
    let artifact = FinalArtifact::new(
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
        nodes: outcomes,
    })
}

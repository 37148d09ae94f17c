//! `plan` and `job`: a report's proof DAG as self-contained jobs for a scheduler over many
//! machines (the Ray driver in `distributed/`), and one job run from a spec file.
//!
//! `plan` writes every job with its children and the resources it needs, and the settings
//! every job runs with ([`JobSetup`]). A scheduler writes one [`JobSpec`] per job: the setup
//! (its paths rewritten to the worker's copies), the plan's id, the work directory, the
//! children's result files and where the result goes. `job` loads the state, makes the plan
//! again and refuses a spec whose plan id differs (another state or other settings), runs the
//! one job, and writes its result atomically.

use crate::config::Config;
use crate::exit::usage;
use anyhow::{bail, Context, Result};
use clap::Args;
use sha2::{Digest, Sha256};
use stakeproof::beacon::atomic;
use stakeproof::beacon::beacon::{BeaconState, Fork, NetworkConfig};
use stakeproof::beacon::hexfmt;
use stakeproof::beacon::pool_set::CredentialKeys;
use stakeproof::beacon::report::{pool_report_with, Pool};
use stakeproof_circuits::pool_set::CredentialSet;
use stakeproof_prover::jobs::{plan_jobs, run::JobContext, JobPlan, JobResult};
use stakeproof_prover::leaves::{LeafConfig, WorkDir};
use stakeproof_prover::options::PendingConfig;
use stakeproof_prover::tree::{ProveOptions, TreeOptions};
use std::path::{Path, PathBuf};
use std::time::Instant;

use super::pipeline::{load_srs, Bars, SrsChoice};
use super::prove::{backend_counts, select_backend, ReportSettings};
use super::source::{decode_state_file, load_state};

/// Format name of plan files.
pub(crate) const PLAN_FORMAT: &str = "stakeproof-plan";
/// Format version of plan and spec files.
pub(crate) const PLAN_VERSION: u32 = 1;

/// `stakeproof plan`.
#[derive(Args)]
pub(crate) struct PlanArgs {
    #[command(flatten)]
    settings: ReportSettings,
    /// Write the state's SSZ here and point the jobs at it (required with --beacon-url: jobs
    /// read the state from a file).
    #[arg(long, value_name = "FILE")]
    save_state: Option<PathBuf>,
    /// Also write the plan to this file (atomically).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Print the plan as JSON (else a summary per level).
    #[arg(long)]
    json: bool,
}

/// The settings every job of a plan runs with: what `plan` resolved from its flags and the
/// state. Paths are the planning machine's; a scheduler rewrites them to each worker's copy.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct JobSetup {
    /// The state's SSZ file.
    pub state: PathBuf,
    /// Its layout (`electra`, ...).
    pub fork: String,
    /// The network's name and its preset's values (whatever file or name they came from:
    /// a worker needs no config file).
    pub network: NetworkSpec,
    /// The pool: 0x and 20 bytes (an address: 0x01 and 0x02 credentials) or 32 (exact
    /// credentials), or `set:0x` and the root of a credential set, whose file `pool_file` names.
    pub pool: String,
    /// A credential set's pool file (TOML, or JSON for a .json name), shipped to the workers as
    /// the state is; each job checks that it is the set whose root `pool` names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool_file: Option<PathBuf>,
    /// Validators per registry leaf.
    pub registry_size: usize,
    /// Balances per balance leaf.
    pub balance_size: usize,
    /// k of the aggregation nodes; absent when the plan stops at the leaves.
    pub node_k: Option<u32>,
    /// k of the final node.
    pub final_k: u32,
    /// The pool's pending deposits, when the report carries them: entries per leaf and the run
    /// tree's levels (absent: a report without them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<PendingConfig>,
    /// A ceremony setup file; absent: the UNSAFE local setup.
    pub srs: Option<PathBuf>,
    /// `cpu`, `cuda:N` or `auto`.
    pub backend: String,
}

/// The network a plan's state decodes under, as data.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NetworkSpec {
    /// The network's name.
    pub name: String,
    /// Every value of its preset (checked again when read).
    pub preset: stakeproof::beacon::beacon::Preset,
}

impl NetworkSpec {
    /// The config a job decodes the state under (no fork versions: the layout is given).
    fn config(&self) -> Result<NetworkConfig> {
        self.preset
            .validate()
            .context("job spec: the plan's preset")?;
        Ok(NetworkConfig {
            name: self.name.clone(),
            preset: self.preset.clone(),
            fork_versions: Vec::new(),
            seconds_per_slot: None,
            min_genesis_time: None,
        })
    }
}

/// One job for `stakeproof job --spec FILE`.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct JobSpec {
    /// Format version ([`PLAN_VERSION`]).
    pub version: u32,
    /// The settings (paths on this machine).
    pub setup: JobSetup,
    /// The plan's id: the job refuses a state or settings that make another plan.
    pub plan_id: String,
    /// The job.
    pub job: String,
    /// This machine's work directory (keys and proofs, reused across jobs).
    pub work_dir: PathBuf,
    /// The children's result files.
    #[serde(default)]
    pub children: Vec<PathBuf>,
    /// Where the result goes (written atomically).
    pub output: PathBuf,
}

/// Prefix of a credential set's spelling in a setup: `set:0x` and its root.
const SET_PREFIX: &str = "set:";

/// The pool as the setup spells it: the hex of an address or of credentials, or `set:` and the
/// root of a credential set (what its proofs state).
fn pool_spelling(p: &Pool) -> String {
    match p {
        Pool::Address(a) => hexfmt::encode(a),
        Pool::Credentials(c) => hexfmt::encode(c),
        Pool::Set(keys) => format!(
            "{SET_PREFIX}{}",
            hexfmt::encode(CredentialSet::cached(keys).root_bytes())
        ),
    }
}

/// The pool a setup names: the set its pool file holds, which must be the one whose root the
/// plan was made with, else the address or credentials its hex spells.
fn setup_pool(setup: &JobSetup) -> Result<Pool> {
    match &setup.pool_file {
        Some(path) => {
            let keys = CredentialKeys::from_file(path)
                .with_context(|| format!("job spec: the pool file {}", path.display()))?;
            let pool = Pool::Set(std::sync::Arc::new(keys));
            let spelled = pool_spelling(&pool);
            if spelled != setup.pool {
                bail!(
                    "job spec: the pool file {} is the credential set {spelled}, not the plan's {}",
                    path.display(),
                    setup.pool
                );
            }
            Ok(pool)
        }
        None if setup.pool.starts_with(SET_PREFIX) => bail!(
            "job spec: the pool {} is a credential set, but the setup names no pool_file",
            setup.pool
        ),
        None => setup
            .pool
            .parse()
            .map_err(|e| anyhow::anyhow!("job spec: pool {:?}: {e}", setup.pool)),
    }
}

/// The id of a plan: a digest of what its proofs depend on (the block, the pool — a credential
/// set by its root —, the sizes, the queue's leaf size and tree depth when it is proven, the
/// setup's kind, the circuits' version), not of any path or of the backend.
fn plan_id(state: &BeaconState, block_root: &[u8; 32], setup: &JobSetup) -> String {
    let mut identity = serde_json::json!({
        "version": PLAN_VERSION,
        "circuits_version": stakeproof_circuits::CIRCUITS_VERSION,
        "slot": state.slot(),
        "block_root": hexfmt::encode(block_root),
        "fork": setup.fork,
        "pool": setup.pool,
        "registry_size": setup.registry_size,
        "balance_size": setup.balance_size,
        "node_k": setup.node_k,
        "final_k": setup.final_k,
        "unsafe_srs": setup.srs.is_none(),
    });
    // Only when set, so that the id of a plan without the queue is what it always was.
    if let Some(p) = setup.pending {
        identity["pending"] = serde_json::json!({ "size": p.size, "depth": p.depth });
    }
    hex::encode(Sha256::digest(identity.to_string().as_bytes()))
}

/// The plan of `state` under `setup`: its jobs and id.
fn make_plan(
    state: &BeaconState,
    pool: &Pool,
    setup: &JobSetup,
) -> Result<(JobPlan, String, LeafConfig)> {
    let tree = state.tree()?;
    let mut lc = LeafConfig::for_sizes(setup.registry_size, setup.balance_size)?;
    // Checked again: a spec is a file.
    lc.pending = match setup.pending {
        Some(p) => Some(PendingConfig::new(p.size, Some(p.depth))?),
        None => None,
    };
    let tree_opts = setup.node_k.map(|node_k| TreeOptions {
        node_k,
        final_k: setup.final_k,
        keep_proving_keys: true,
    });
    let backend: stakeproof_gpu::BackendChoice =
        setup
            .backend
            .parse()
            .map_err(|e: stakeproof_gpu::GpuError| {
                anyhow::anyhow!("backend {:?}: {e}", setup.backend)
            })?;
    let gpus = u32::from(matches!(
        backend,
        stakeproof_gpu::BackendChoice::Cuda { .. }
    ));
    stakeproof_prover::leaves::check_provable(state)?;
    let queue = lc
        .pending
        .and_then(|p| stakeproof_prover::pending::queue_for_plan(state, &tree, pool, p.size));
    let plan = plan_jobs(
        &lc,
        state.validator_count(),
        queue,
        tree_opts.as_ref(),
        gpus,
    )?;
    Ok((plan, plan_id(state, &tree.block_root(), setup), lc))
}

/// `stakeproof plan`.
pub(crate) fn plan(a: PlanArgs, cfg: &Config) -> Result<()> {
    let s = a.settings;
    let lc = s.leaves.config(cfg)?;
    let pool = s.pool.pool(cfg)?;
    let choice = s.srs.choice(cfg)?;
    let node_k = s.node_k(cfg);
    let source = s.source.resolve(cfg)?;
    if source.state_file().is_none() && a.save_state.is_none() {
        return Err(usage(
            "a plan of a state from a beacon node needs --save-state FILE: its jobs read the state from a file",
        ));
    }
    let (state, _) = load_state(&source)?;
    let state_path = match &a.save_state {
        Some(p) => {
            atomic::write_file(p, state.as_ssz())
                .with_context(|| format!("cannot write {}", p.display()))?;
            p.clone()
        }
        None => source.state_file().expect("checked above").to_path_buf(),
    };
    let abs = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let network = source.network_config()?;
    let setup = JobSetup {
        state: abs(&state_path),
        fork: state.fork().name().to_string(),
        network: NetworkSpec {
            name: network.name.clone(),
            preset: state.preset().clone(),
        },
        pool: pool_spelling(&pool),
        pool_file: s.pool.pool_file().map(abs),
        registry_size: lc.registry_size,
        balance_size: lc.balance_size,
        node_k: (!s.leaves_only).then_some(node_k),
        final_k: s.final_k,
        pending: lc.pending,
        srs: match choice {
            SrsChoice::File(p) => Some(abs(&p)),
            SrsChoice::Unsafe => None,
        },
        backend: s.backend.to_string(),
    };
    let (plan, id, _) = make_plan(&state, &pool, &setup)?;
    let tree = state.tree()?;
    let peak = plan.jobs.iter().map(|j| j.memory_bytes).max().unwrap_or(0);
    // The queue's native totals, what the final proof will state, when the plan proves them.
    let queued = plan
        .jobs
        .iter()
        .any(|j| matches!(j.kind, stakeproof_prover::jobs::JobKind::PendingLeaf { .. }));
    let pending = queued.then(|| {
        let p = stakeproof::beacon::report::pending_deposits(&state, &pool);
        serde_json::json!({
            "queue_length": state.pending_deposit_entries().map_or(0, |e| e.len()),
            "pending_deposit_count": p.pending_deposit_count,
            "pending_deposit_gwei": p.pending_deposit_gwei.to_string(),
        })
    });
    let mut out = serde_json::json!({
        "format": PLAN_FORMAT,
        "version": PLAN_VERSION,
        "plan_id": id,
        "slot": state.slot(),
        "epoch": state.epoch(),
        "fork": state.fork().name(),
        "block_root": hexfmt::encode(tree.block_root()),
        "pool": pool.to_string(),
        "registry_length": state.validator_count(),
        "totals": pool_report_with(&state, Some(&tree), &pool)?.totals,
        "setup": setup,
        "jobs_total": plan.jobs.len(),
        "depth": plan.depth,
        "width": plan.width,
        "peak_memory_bytes": peak,
        "jobs": plan.jobs,
    });
    if let Some(p) = pending {
        out["pending"] = p;
    }
    let text = serde_json::to_string_pretty(&out)?;
    if let Some(p) = &a.out {
        atomic::write_file(p, text.as_bytes())
            .with_context(|| format!("cannot write {}", p.display()))?;
    }
    if a.json {
        println!("{text}");
        return Ok(());
    }
    println!(
        "plan {id}: slot {}, {} validators, {} jobs, {} levels (the proofs on its longest path)",
        state.slot(),
        state.validator_count(),
        plan.jobs.len(),
        plan.depth
    );
    for (level, w) in plan.width.iter().enumerate() {
        let mem = plan
            .jobs
            .iter()
            .filter(|j| j.level as usize == level)
            .map(|j| j.memory_bytes)
            .max()
            .unwrap_or(0);
        println!(
            "  level {level:>2}: {w:>7} jobs, up to {:.1} GiB each",
            mem as f64 / (1u64 << 30) as f64
        );
    }
    println!("jobs read the state from {}", setup.state.display());
    Ok(())
}

/// `stakeproof job`.
#[derive(Args)]
pub(crate) struct JobArgs {
    /// The job's spec (JSON: setup, plan_id, job, work_dir, children, output).
    #[arg(long, value_name = "FILE")]
    spec: PathBuf,
    /// Print the result's summary as JSON.
    #[arg(long)]
    json: bool,
}

/// Reads a JSON file, naming it in any error.
fn read_json<T: serde::de::DeserializeOwned>(path: &Path, what: &str) -> Result<T> {
    let bytes =
        std::fs::read(path).with_context(|| format!("cannot read {what} {}", path.display()))?;
    serde_json::from_slice(&bytes)
        .with_context(|| format!("{what} {} is malformed", path.display()))
}

/// `stakeproof job --spec FILE`.
pub(crate) fn job(a: JobArgs) -> Result<()> {
    let t = Instant::now();
    let spec: JobSpec = read_json(&a.spec, "job spec")?;
    if spec.version != PLAN_VERSION {
        bail!(
            "job spec {}: version {} (this stakeproof reads {PLAN_VERSION})",
            a.spec.display(),
            spec.version
        );
    }
    let s = &spec.setup;
    let fork: Fork = s
        .fork
        .parse()
        .map_err(|e| anyhow::anyhow!("job spec: fork {:?}: {e}", s.fork))?;
    let pool = setup_pool(s)?;
    // Children are read before the state: a missing or malformed one fails at once.
    let children: Vec<JobResult> = spec
        .children
        .iter()
        .map(|p| read_json(p, "child result"))
        .collect::<Result<_>>()?;
    let state = decode_state_file(&s.state, fork, &s.network.config()?)?;
    let (plan, id, lc) = make_plan(&state, &pool, s)?;
    if id != spec.plan_id {
        bail!(
            "job spec {}: its plan is {} but the state and settings it names make plan {id} \
             (another state, pool or sizes than were planned)",
            a.spec.display(),
            spec.plan_id
        );
    }
    let job = plan
        .job(&spec.job)
        .ok_or_else(|| anyhow::anyhow!("plan {id} has no job {:?}", spec.job))?;
    // Every leaf circuit's k (the queue's leaves may need more than the registry's).
    let leaf_k = plan
        .jobs
        .iter()
        .filter(|j| !j.kind.is_node())
        .map(|j| j.k)
        .fold(lc.registry_k.max(lc.balance_k), u32::max);
    // A node job reads both aggregation setups (the node's and the final one) and its leaf
    // children's keys.
    let need_k = match (job.children.is_empty(), s.node_k) {
        (true, _) | (false, None) => leaf_k,
        (false, Some(node_k)) => leaf_k.max(node_k).max(s.final_k),
    };
    let work = WorkDir {
        root: spec.work_dir.clone(),
    };
    let choice = match &s.srs {
        Some(p) => SrsChoice::File(p.clone()),
        None => SrsChoice::Unsafe,
    };
    let srs = load_srs(&choice, need_k, &work)?;
    let backend_choice = s
        .backend
        .parse()
        .map_err(|e: stakeproof_gpu::GpuError| anyhow::anyhow!("backend: {e}"))?;
    let (backend, backend_json) = select_backend(backend_choice)?;
    let bars = Bars::new();
    let opts = ProveOptions {
        leaves: LeafConfig {
            max_parallel: 1,
            ..lc
        },
        tree: TreeOptions {
            node_k: s.node_k.unwrap_or(stakeproof_prover::tree::DEFAULT_NODE_K),
            final_k: s.final_k,
            keep_proving_keys: true,
        },
        backend: backend.clone(),
        progress: &bars,
    };
    let ctx = JobContext {
        state: &state,
        pool: &pool,
        srs: &srs,
        work: &work,
        opts: &opts,
        plan: &plan,
        plan_id: &id,
    };
    let result = stakeproof_prover::jobs::run_job(&ctx, &spec.job, &children)?;
    drop(bars);
    let bytes = serde_json::to_vec_pretty(&result)?;
    atomic::write_file(&spec.output, &bytes)
        .with_context(|| format!("cannot write {}", spec.output.display()))?;
    let summary = serde_json::json!({
        "plan_id": id,
        "job": spec.job,
        "key": result.key,
        "circuit": result.artifact.circuit,
        "reused": result.reused,
        "final": result.final_artifact.is_some(),
        "output": spec.output,
        "backend": backend_json,
        "backend_ops": backend_counts(&backend),
        "seconds": t.elapsed().as_secs_f64(),
    });
    if a.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        println!(
            "job {} of plan {}: {} {} in {:.1} s -> {}",
            spec.job,
            &id[..12],
            result.artifact.circuit,
            if result.reused { "reused" } else { "proven" },
            t.elapsed().as_secs_f64(),
            spec.output.display()
        );
    }
    Ok(())
}

//! The leaf stage of a report: every registry and balance range of a state, proven in parallel
//! (never more proofs at once than memory allows), each skipped when its statement is already
//! proven in the artifact store.

use crate::artifacts::{ArtifactStore, Rejected};
use crate::backend::ProvingBackend;
use crate::keys::{CircuitKeys, KeyStore};
use crate::options::ProveOptions;
use crate::srs::Srs;
use crate::PipelineError;
use rayon::prelude::*;
use stakeproof_beacon::beacon::BeaconState;
use stakeproof_beacon::report::{pool_totals, Pool, PoolTotals};
use stakeproof_circuits::balance::native::balance_public;
use stakeproof_circuits::balance::BalanceWitness;
use stakeproof_circuits::halo2_base::gates::circuit::CircuitBuilderStage;
use stakeproof_circuits::registry::native::registry_public;
use stakeproof_circuits::registry::RegistryWitness;
use stakeproof_circuits::util::circuit::{build_circuit, CircuitLogic, Shape};
use stakeproof_circuits::Fr;
use std::path::PathBuf;
use std::time::Instant;

pub use crate::options::{LeafConfig, Progress, Silent};

/// One proven (or reused) leaf.
#[derive(Clone, Debug, serde::Serialize)]
pub struct LeafOutcome {
    /// Circuit name.
    pub circuit: String,
    /// First index of the range.
    pub start: u64,
    /// Artifact key.
    pub key: String,
    /// Reused from an earlier run (statement already proven).
    pub reused: bool,
    /// Why a stored artifact was discarded, if one was.
    pub discarded: Option<String>,
    /// Seconds spent proving (0 when reused).
    pub seconds: f64,
}

/// The leaf stage's result.
#[derive(Clone, Debug, serde::Serialize)]
pub struct LeafReport {
    /// Registry proofs, by range.
    pub registry: Vec<LeafOutcome>,
    /// Balance proofs, by range.
    pub balance: Vec<LeafOutcome>,
    /// Totals summed from the balance proofs' public inputs (equal to the native report).
    pub totals: PoolTotals,
    /// Proofs run concurrently.
    pub parallel: usize,
}

/// Where the pipeline keeps its state.
pub struct WorkDir {
    /// Root directory: `keys/`, `proofs/`, `srs/` below it.
    pub root: PathBuf,
}

impl WorkDir {
    /// The key store.
    pub fn keys(&self) -> KeyStore {
        KeyStore {
            dir: self.root.join("keys"),
        }
    }

    /// The artifact store.
    pub fn proofs(&self) -> ArtifactStore {
        ArtifactStore {
            dir: self.root.join("proofs"),
        }
    }

    /// The SRS cache directory.
    pub fn srs(&self) -> PathBuf {
        self.root.join("srs")
    }
}

/// Estimated peak memory of one leaf proof at `k` (bytes). Measured on this project's leaves
/// (~120 advice columns): 181–225 MiB at k=12–13, 703–792 MiB at k=14–15, growing with the
/// rows; 320 MiB · 2^(k−13) bounds those with margin (10 GiB at k=18).
pub fn estimated_proof_memory(k: u32) -> u64 {
    let k = k.clamp(1, 40);
    if k >= 13 {
        (320u64 << 20) << (k - 13)
    } else {
        (320u64 << 20) >> (13 - k)
    }
}

/// Available memory from /proc/meminfo (bytes), if readable.
pub fn available_memory() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = s.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

pub(crate) fn prove_one(
    backend: &ProvingBackend,
    keys: &CircuitKeys,
    store: &ArtifactStore,
    logic: &impl CircuitLogic,
    start: u64,
    native: Vec<Fr>,
) -> Result<LeafOutcome, PipelineError> {
    let (found, rejected) = store.load(keys, &native);
    let discarded = rejected.map(|r| match r {
        Rejected::Unreadable(e) => format!("unreadable: {e}"),
        Rejected::Foreign => "another statement".into(),
        Rejected::BadProof => "proof does not verify".into(),
    });
    if found.is_some() {
        let key = crate::artifacts::statement_key(&keys.name, &keys.vk_digest, &native);
        return Ok(LeafOutcome {
            circuit: keys.name.clone(),
            start,
            key,
            reused: true,
            discarded,
            seconds: 0.0,
        });
    }
    let t = Instant::now();
    let circuit = build_circuit(
        CircuitBuilderStage::Prover,
        logic,
        Shape::Pinned(&keys.pinning),
    )?;
    let instances = circuit.instances();
    crate::check_twin(
        || format!("{} at range {start}", keys.name),
        &instances,
        &native,
    )?;
    let proof = backend.prove(
        &keys.params,
        &keys.pk,
        circuit,
        &instances,
        &format!("proving {} at {start}", keys.name),
    )?;
    let key = store.store(keys, &instances, &proof)?;
    Ok(LeafOutcome {
        circuit: keys.name.clone(),
        start,
        key,
        reused: false,
        discarded,
        seconds: t.elapsed().as_secs_f64(),
    })
}

/// The leaf stage with what the aggregation needs from it.
pub struct ProvenLeaves {
    /// The stage's report.
    pub report: LeafReport,
    /// Registry witnesses, by range.
    pub registry: Vec<RegistryWitness>,
    /// Balance witnesses, by range.
    pub balance: Vec<BalanceWitness>,
    /// Keys of the registry circuit.
    pub registry_keys: CircuitKeys,
    /// Keys of the balance circuit.
    pub balance_keys: CircuitKeys,
}

/// The witnesses of every leaf of a report: every registry range under a balance range,
/// those wholly beyond L included (fill 0, since the aggregation matches each balance proof
/// with all of its registry ranges), and every balance range.
pub fn leaf_witnesses(
    state: &BeaconState,
    pool: &Pool,
    cfg: &LeafConfig,
) -> Result<(Vec<RegistryWitness>, Vec<BalanceWitness>), PipelineError> {
    cfg.validate()?;
    check_provable(state)?;
    let (segments, ranges) = cfg.range_counts(state.validator_count())?;
    let tree = state.tree()?;
    let n_r = cfg.registry_size;
    let n_b = cfg.balance_size;
    // Starts below 2^40 · 2 (L ≤ 2^40 and sizes ≤ 2^24): no product overflows.
    let registry: Vec<RegistryWitness> = (0..ranges)
        .map(|j| RegistryWitness::from_state(state, pool, j * n_r as u64, n_r))
        .collect::<Result<_, _>>()?;
    let balance: Vec<BalanceWitness> = (0..segments)
        .map(|j| BalanceWitness::from_state(state, &tree, pool, j * n_b as u64, n_b, n_r))
        .collect::<Result<_, _>>()?;
    Ok((registry, balance))
}

/// The one check, before anything is planned or proven, that the circuits can prove `state`:
/// its preset passes [`Preset::check_provable`](stakeproof_beacon::beacon::Preset::check_provable)
/// (`VALIDATOR_REGISTRY_LIMIT = 2^40`: the registry and balance circuits open 40-level validators
/// trees; a power-of-two `SLOTS_PER_EPOCH`: the balance circuit range-checks `slot mod
/// SLOTS_PER_EPOCH` in `log2` bits) and the state
/// [`BeaconState::validate_consistency`] (validators and balances lists of one length, each
/// balance range opening both; L within the limit; `slot` the header's). Called by
/// [`leaf_witnesses`], so by [`prove`], [`crate::tree::prove`] and [`crate::tree::native_tree`].
pub fn check_provable(state: &BeaconState) -> Result<(), PipelineError> {
    state.preset().check_provable()?;
    state.validate_consistency()?;
    Ok(())
}

/// The leaf stage: proves every registry and balance range of `state` for `pool` at the
/// state's epoch (sizes `opts.leaves`, through `opts.backend`), reusing every proof already in
/// the work directory's store; returns the report with the witnesses and keys the tree needs.
pub fn prove(
    state: &BeaconState,
    pool: &Pool,
    srs: &Srs,
    work: &WorkDir,
    opts: &ProveOptions,
) -> Result<ProvenLeaves, PipelineError> {
    let (cfg, progress) = (&opts.leaves, opts.progress);
    let (registry, balance) = leaf_witnesses(state, pool, cfg)?;

    progress.stage("keys", 2);
    let keys = work.keys();
    let rkeys = keys.get(srs, &registry[0], cfg.registry_k)?;
    progress.tick();
    let bkeys = keys.get(srs, &balance[0], cfg.balance_k)?;
    progress.tick();
    let report = prove_ranges(
        state,
        pool,
        work,
        opts,
        (&registry, &rkeys),
        (&balance, &bkeys),
    )?;
    Ok(ProvenLeaves {
        report,
        registry,
        balance,
        registry_keys: rkeys,
        balance_keys: bkeys,
    })
}

/// The proving keys of both leaf circuits (from the cache or generated), built on a small
/// devnet witness of the configured shape (Electra layout, mainnet preset; other layouts get
/// their keys when first proven).
pub fn leaf_keys(
    cfg: &LeafConfig,
    srs: &Srs,
    work: &WorkDir,
) -> Result<(CircuitKeys, CircuitKeys), PipelineError> {
    cfg.validate()?;
    let st = stakeproof_beacon::devnet::build(&stakeproof_beacon::devnet::DevnetSpec {
        validators: cfg.balance_size,
        ..Default::default()
    })
    .expect("devnet state decodes");
    let pool = Pool::Address(stakeproof_beacon::devnet::DEFAULT_POOL);
    let r = RegistryWitness::from_state(&st, &pool, 0, cfg.registry_size)?;
    let b = BalanceWitness::from_state(
        &st,
        &st.tree()?,
        &pool,
        0,
        cfg.balance_size,
        cfg.registry_size,
    )?;
    let keys = work.keys();
    Ok((
        keys.get(srs, &r, cfg.registry_k)?,
        keys.get(srs, &b, cfg.balance_k)?,
    ))
}

fn prove_ranges(
    state: &BeaconState,
    pool: &Pool,
    work: &WorkDir,
    opts: &ProveOptions,
    (registry, rkeys): (&[RegistryWitness], &CircuitKeys),
    (balance, bkeys): (&[BalanceWitness], &CircuitKeys),
) -> Result<LeafReport, PipelineError> {
    let (cfg, progress, backend) = (&opts.leaves, opts.progress, &opts.backend);
    let epoch = state.epoch();

    let mem_cap = available_memory()
        .map(|m| (m / estimated_proof_memory(cfg.registry_k.max(cfg.balance_k))).max(1) as usize)
        .unwrap_or(1);
    let parallel = cfg.max_parallel.min(mem_cap).max(1);
    let pool_threads = rayon::ThreadPoolBuilder::new()
        .num_threads(parallel)
        .build()
        .expect("thread pool");
    let store = work.proofs();

    progress.stage("registry proofs", registry.len());
    let reg_out: Vec<LeafOutcome> = pool_threads.install(|| {
        registry
            .par_iter()
            .map(|w| {
                let native = registry_public(w).to_instances();
                let r = prove_one(backend, rkeys, &store, w, w.start, native);
                progress.tick();
                r
            })
            .collect::<Result<_, _>>()
    })?;
    progress.stage("balance proofs", balance.len());
    // Each range's public inputs are computed once: they key its proof and carry its totals.
    let natives: Vec<_> = balance.par_iter().map(balance_public).collect();
    let bal_out: Vec<LeafOutcome> = pool_threads.install(|| {
        balance
            .par_iter()
            .zip(&natives)
            .map(|(w, native)| {
                let r = prove_one(backend, bkeys, &store, w, w.start, native.to_instances());
                progress.tick();
                r
            })
            .collect::<Result<_, _>>()
    })?;
    let totals = natives
        .iter()
        .fold(PoolTotals::default(), |acc, n| acc.merge(n.totals));
    let native = pool_totals(state, pool, epoch, 0..state.validator_count())?;
    if totals != native {
        return Err(PipelineError::Mismatch {
            proven: totals,
            native,
        });
    }
    Ok(LeafReport {
        registry: reg_out,
        balance: bal_out,
        totals,
        parallel,
    })
}

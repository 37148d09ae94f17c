//! `prove`: leaf proofs of every range, the aggregation tree and the final proof, with a
//! summary in the work directory.

use crate::config::Config;
use anyhow::{bail, Context, Result};
use clap::Args;
use stakeproof::beacon::atomic;
use stakeproof::beacon::hexfmt;
use stakeproof::beacon::report::pool_report_with;
use stakeproof_prover::backend::ProvingBackend;
use stakeproof_prover::tree::{ProveOptions, TreeOptions};
use std::time::Instant;

use super::artifact::proof_digest;
use super::pipeline::{
    check_statement, leaf_counts, load_srs, print_plain_outcomes, Bars, LeafArgs, SrsArgs,
};
use super::report::{chain_err, ChainArgs, Design};
use super::source::{load_state, PoolArgs, SourceArgs};

/// The flags `prove` and `plan` share: the state, the pool, the setup, the sizes and the
/// backend.
#[derive(Args)]
pub(crate) struct ReportSettings {
    #[command(flatten)]
    pub(super) source: SourceArgs,
    #[command(flatten)]
    pub(super) pool: PoolArgs,
    #[command(flatten)]
    pub(super) srs: SrsArgs,
    #[command(flatten)]
    pub(super) leaves: LeafArgs,
    /// Only the leaf proofs (no aggregation into the final proof).
    #[arg(long)]
    pub(super) leaves_only: bool,
    /// k of the aggregation nodes (the setup must have at least 2^k points; each node needs
    /// about 15 GiB at k = 20) [default: 20].
    #[arg(long, conflicts_with = "leaves_only", value_parser = clap::value_parser!(u32).range(12..=26))]
    pub(super) node_k: Option<u32>,
    /// k of the final node: more rows and fewer columns than the other nodes, so that its
    /// Solidity verifier fits the 24,576-byte contract limit. Each k up trades prover memory
    /// for verification gas: 22 (5 advice columns, ~20 GiB, 465k gas) fits a 24 GiB machine;
    /// 25 (1 column, ~70 GB modelled, ~334k gas) is the low-gas setting for big provers
    /// (benches/final_shapes.rs; the table is in verifier-contracts/README.md).
    #[arg(long, conflicts_with = "leaves_only", default_value_t = stakeproof_prover::tree::DEFAULT_FINAL_K, value_parser = clap::value_parser!(u32).range(12..=26))]
    pub(super) final_k: u32,
    /// Where the provers' commitment MSMs run: `cpu` (halo2's own prover), `cuda[:N]` (a GPU;
    /// needs a build with `--features cuda`), or `auto` (CUDA when built with it and a device
    /// is present, else the CPU). A plan's jobs on `cuda` each ask for one GPU.
    #[arg(long, default_value = "auto", value_parser = parse_backend)]
    pub(super) backend: stakeproof_gpu::BackendChoice,
}

impl ReportSettings {
    /// `k` of the aggregation nodes: the flag, else the config file's, else the default.
    pub(super) fn node_k(&self, cfg: &Config) -> u32 {
        self.node_k
            .or(cfg.node_k)
            .unwrap_or(stakeproof_prover::tree::DEFAULT_NODE_K)
    }
}

/// `stakeproof prove`.
#[derive(Args)]
pub(crate) struct ProveArgs {
    #[command(flatten)]
    settings: ReportSettings,
    /// Do not write aggregation proving keys (~3 GB each at k = 20) to the work directory:
    /// a later run makes one again (minutes) only if a node of its circuit must be proven.
    #[arg(long, conflicts_with = "leaves_only")]
    discard_proving_keys: bool,
    /// Machine-readable output.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    chain: ChainArgs,
}

/// Parses `--backend`.
pub(super) fn parse_backend(s: &str) -> std::result::Result<stakeproof_gpu::BackendChoice, String> {
    s.parse()
        .map_err(|e: stakeproof_gpu::GpuError| e.to_string())
}

/// Selects the proving backend: halo2's own prover when the selection is the CPU, otherwise
/// every commitment MSM routed through it. Returns it and what was selected, for the summary.
pub(super) fn select_backend(
    choice: stakeproof_gpu::BackendChoice,
) -> Result<(ProvingBackend, serde_json::Value)> {
    let selected = stakeproof_gpu::select_backend(choice)?;
    let report = serde_json::to_value(&selected.report)?;
    Ok((ProvingBackend::for_selection(selected), report))
}

/// The backend's operation counts so far (`null` on halo2's CPU prover).
pub(super) fn backend_counts(b: &ProvingBackend) -> serde_json::Value {
    b.report()
        .map(|(_, c)| serde_json::to_value(c).unwrap_or_default())
        .unwrap_or(serde_json::Value::Null)
}

/// `stakeproof prove`.
pub(crate) fn prove(a: ProveArgs, cfg: &Config) -> Result<()> {
    let s = a.settings;
    // Everything that can be refused is refused before the state is loaded.
    let lc = s.leaves.config(cfg)?;
    let work = s.leaves.work(cfg);
    let pool = s.pool.pool(cfg)?;
    let choice = s.srs.choice(cfg)?;
    let node_k = s.node_k(cfg);
    if a.chain.design == Design::Chain && lc.pending.is_some() {
        return Err(crate::exit::usage(
            "--pending-size is a flag of --design today: the chain design does not take the \
             pending-deposit queue yet",
        ));
    }
    let source = s.source.resolve(cfg)?;
    let (state, tree) = load_state(&source)?;
    let Some(tree) = tree else {
        state.tree()?;
        bail!("the state has no block root");
    };
    if a.chain.design == Design::Chain {
        if s.leaves_only {
            bail!("--leaves-only is a flag of --design today");
        }
        let flags = ChainFlags {
            backend: s.backend,
            final_k: s.final_k,
            keep_proving_keys: !a.discard_proving_keys,
            json: a.json,
        };
        return prove_chain_design(
            &a.chain,
            flags,
            (lc, work, pool, choice, node_k),
            (&state, &tree),
        );
    }
    if a.chain.cold {
        bail!("--cold needs --design chain");
    }
    // A queue beyond the run tree is refused before any leaf is proven, in `--leaves-only`
    // too: the leaves are of a report that could not be finished.
    if let Some(p) = lc.pending {
        stakeproof_prover::pending::run_shape(&state, p.size, p.depth)?;
    }
    // The queue's leaves may need a larger k than the registry's and balances'.
    let pending_k = lc
        .pending
        .and_then(|p| stakeproof_prover::pending::queue_for_plan(&state, &tree, &pool, p.size))
        .map_or(0, |q| q.leaf_k);
    let leaf_k = lc.registry_k.max(lc.balance_k).max(pending_k);
    let (backend, backend_json) = select_backend(s.backend)?;
    let srs = load_srs(
        &choice,
        if s.leaves_only {
            leaf_k
        } else {
            leaf_k.max(node_k).max(s.final_k)
        },
        &work,
    )?;
    let t = Instant::now();
    let bars = Bars::new();
    let opts = ProveOptions {
        leaves: lc,
        tree: TreeOptions {
            node_k,
            final_k: s.final_k,
            keep_proving_keys: !a.discard_proving_keys,
        },
        backend: backend.clone(),
        progress: &bars,
    };
    let mut summary = if s.leaves_only {
        let leaves = stakeproof_prover::leaves::prove(&state, &pool, &srs, &work, &opts)?.report;
        // The queue's leaves too (re-proven every report: its indices shift), checked against
        // the native report; none before Electra.
        let pending = match lc.pending {
            Some(p) => stakeproof_prover::pending::prove_pending(
                &state, &pool, &srs, &work, &opts, p.size,
            )?,
            None => None,
        };
        print_plain_outcomes(&bars, &leaves, &[]);
        drop(bars);
        let (proven, reused) = leaf_counts(&leaves);
        serde_json::json!({
            "stage": "leaves",
            "aggregated": false,
            "slot": state.slot(),
            "epoch": state.epoch(),
            "fork": state.fork().name(),
            "block_root": hexfmt::encode(tree.block_root()),
            "pool": pool.to_string(),
            "registry_length": state.validator_count(),
            "totals": leaves.totals,
            "unsafe_srs": srs.unsafe_local,
            "srs": srs.id,
            "leaf_config": lc,
            "proofs_generated": proven,
            "proofs_reused": reused,
            "backend": backend_json,
            "backend_ops": backend_counts(&backend),
            "parallel": leaves.parallel,
            "registry": leaves.registry,
            "balance": leaves.balance,
            "pending_leaves": pending,
            "elapsed_ms": t.elapsed().as_millis() as u64,
        })
    } else {
        let native = pool_report_with(&state, Some(&tree), &pool)?;
        let out = stakeproof_prover::tree::prove(&state, &pool, &srs, &work, &opts)?;
        print_plain_outcomes(&bars, &out.leaves, &out.nodes);
        drop(bars);
        check_statement(&out.artifact.statement, &native)?;
        let (proven, reused) = leaf_counts(&out.leaves);
        let nodes_reused = out.nodes.iter().filter(|n| n.reused).count();
        let art = &out.artifact;
        serde_json::json!({
            "stage": "final",
            "aggregated": true,
            "artifact": out.path,
            "statement": art.statement,
            "fork": art.fork,
            "epoch": art.epoch,
            "pool": pool.to_string(),
            "circuit": art.circuit.name,
            "k": art.circuit.params.degree,
            "vk_digest": art.circuit.vk_digest,
            "proof_sha256": proof_digest(art),
            "proof_bytes": art.proof_bytes().map(|p| p.len()),
            "public_inputs": art.instances.len(),
            "pending": art.pending,
            "pending_run": out.pending.as_ref().map(|p| serde_json::json!({
                "leaves": p.leaves.leaves,
                "queue_length": p.leaves.queue_len,
                "size": p.leaves.size,
                "shape": {"real": p.shape.real, "neutral": p.shape.neutral},
                "nodes": p.nodes.len(),
                "padding_leaf": p.padding,
            })),
            "unsafe_srs": srs.unsafe_local,
            "srs": srs.id,
            "leaf_config": lc,
            "node_k": node_k,
            "final_k": s.final_k,
            "backend": backend_json,
            "backend_ops": backend_counts(&backend),
            "totals": out.leaves.totals,
            "proofs_generated": proven,
            "proofs_reused": reused,
            "parallel": out.leaves.parallel,
            "registry": out.leaves.registry,
            "balance": out.leaves.balance,
            "nodes_generated": out.nodes.len() - nodes_reused,
            "nodes_reused": nodes_reused,
            "nodes": out.nodes,
            "elapsed_ms": t.elapsed().as_millis() as u64,
        })
    };
    if lc.pending.is_none() {
        if let Some(u) = pending_unproven(&state, &pool) {
            summary["pending_unproven"] = u;
        }
    }
    let path = work
        .root
        .join(format!("summary-slot-{}.json", state.slot()));
    atomic::write_file(&path, serde_json::to_string_pretty(&summary)?.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
        return Ok(());
    }
    println!(
        "slot {} ({}), block root {}",
        state.slot(),
        state.fork(),
        hexfmt::encode(tree.block_root())
    );
    let totals = &summary["totals"];
    println!("pool validators     {}", totals["validator_count"]);
    println!("total balance       {} gwei", totals["total_balance_gwei"]);
    println!(
        "active / exited / slashed   {} / {} / {}",
        totals["active_count"], totals["exited_count"], totals["slashed_count"]
    );
    println!(
        "leaf proofs: {} registry + {} balance, {} generated, {} reused, {} at a time",
        summary["registry"].as_array().map_or(0, Vec::len),
        summary["balance"].as_array().map_or(0, Vec::len),
        summary["proofs_generated"],
        summary["proofs_reused"],
        summary["parallel"],
    );
    if let Some(p) = summary["pending_leaves"].as_object() {
        println!(
            "pending deposits    {} ({} gwei), the queue's {} entries in {} leaf proofs",
            p["pending_deposit_count"],
            p["pending_deposit_gwei"],
            p["queue_len"],
            p["leaves"].as_array().map_or(0, Vec::len),
        );
    }
    if let Some(p) = summary["pending_unproven"].as_object() {
        println!(
            "pending deposits    {} of the pool's ({} gwei) wait in the queue and are not in this \
             proof: --pending-size N proves them (README, \"pending deposits\")",
            p["pending_deposit_count"],
            p["pending_deposit_gwei"].as_str().unwrap_or_default(),
        );
    }
    if s.leaves_only {
        println!("(--leaves-only: no aggregation into the final proof)");
    } else {
        println!(
            "aggregation: {} node proofs at k={node_k}, {} generated, {} reused",
            summary["nodes"].as_array().map_or(0, Vec::len),
            summary["nodes_generated"],
            summary["nodes_reused"],
        );
        if lc.pending.is_some() && summary["pending"].is_null() {
            println!(
                "pending deposits    none proven: the state ({}) is before Electra, it has no \
                 queue, so the proof is the plain 24-input one",
                state.fork()
            );
        }
        if let Some(p) = summary["pending"].as_object() {
            println!(
                "pending deposits    {} ({} gwei), the queue's {} entries in {} leaves",
                p["pending_deposit_count"],
                p["pending_deposit_gwei"],
                summary["pending_run"]["queue_length"],
                summary["pending_run"]["leaves"]
                    .as_array()
                    .map_or(0, Vec::len),
            );
        }
        println!(
            "final proof: {} ({} bytes, vk {})",
            summary["artifact"].as_str().unwrap_or_default(),
            summary["proof_bytes"],
            summary["vk_digest"].as_str().unwrap_or_default()
        );
        println!(
            "  its statement equals the native report; check it with `stakeproof verify FILE`"
        );
    }
    if srs.unsafe_local {
        println!("setup: UNSAFE local KZG setup (tests and demos only)");
    }
    println!("summary: {}  ({:.1?})", path.display(), t.elapsed());
    Ok(())
}

/// The flags of `prove` that the chain design reads.
struct ChainFlags {
    backend: stakeproof_gpu::BackendChoice,
    final_k: u32,
    keep_proving_keys: bool,
    json: bool,
}

/// What `prove` resolved before the design splits.
type Resolved = (
    stakeproof_prover::leaves::LeafConfig,
    stakeproof_prover::leaves::WorkDir,
    stakeproof::beacon::report::Pool,
    super::pipeline::SrsChoice,
    u32,
);

/// The pool's queued deposits that a proof without the queue leaves out, when there are any:
/// said, so that an operator knows why a rate computed from it would dip until they are
/// processed.
fn pending_unproven(
    state: &stakeproof::beacon::beacon::BeaconState,
    pool: &stakeproof::beacon::report::Pool,
) -> Option<serde_json::Value> {
    let u = stakeproof::beacon::report::pending_deposits(state, pool);
    (u.pending_deposit_count > 0).then(|| {
        serde_json::json!({
            "pending_deposit_count": u.pending_deposit_count,
            "pending_deposit_gwei": u.pending_deposit_gwei.to_string(),
        })
    })
}

/// `stakeproof prove --design chain`: the chain design's proof of the state, continuing the
/// chain cached in the work directory (or cold), written to
/// `{work_dir}/chain-proof-slot-{slot}.json`; the cache is updated after the final proof.
fn prove_chain_design(
    chain: &ChainArgs,
    a: ChainFlags,
    (lc, work, pool, choice, node_k): Resolved,
    (state, tree): (
        &stakeproof::beacon::beacon::BeaconState,
        &stakeproof::beacon::beacon::StateTree,
    ),
) -> Result<()> {
    use stakeproof_prover::chain::{plan, prove_chain};
    let sizes = chain.sizes(&lc)?;
    let prev = chain.previous(&work.root, &pool);
    let p = plan(prev.as_ref(), state, tree, &pool, &sizes).map_err(chain_err)?;
    let leaf_k = p.max_leaf_k().map_err(chain_err)?;
    let (backend, backend_json) = select_backend(a.backend)?;
    let srs = load_srs(&choice, leaf_k.max(node_k).max(a.final_k), &work)?;
    let t = Instant::now();
    let bars = Bars::new();
    let opts = ProveOptions {
        leaves: lc,
        tree: TreeOptions {
            node_k,
            final_k: a.final_k,
            keep_proving_keys: a.keep_proving_keys,
        },
        backend: backend.clone(),
        progress: &bars,
    };
    let out = prove_chain(&p, state, tree, &pool, &srs, &work, &opts).map_err(chain_err)?;
    drop(bars);
    let art = &out.artifact;
    let chain = art
        .chain
        .as_ref()
        .expect("a chain proof carries its anchors");
    let leaves_reused = out.leaves.iter().filter(|l| l.reused).count();
    let nodes_reused = out.nodes.iter().filter(|n| n.reused).count();
    let mut summary = serde_json::json!({
        "design": "chain",
        "stage": "final",
        "artifact": out.path,
        "statement": art.statement,
        "anchor_old": chain.anchor_old,
        "anchor_new": chain.anchor_new,
        "cold": chain.cold,
        "fork": art.fork,
        "epoch": art.epoch,
        "pool": pool.to_string(),
        "sizes": sizes,
        "counts": out.native.counts,
        "circuit": art.circuit.name,
        "k": art.circuit.params.degree,
        "vk_digest": art.circuit.vk_digest,
        "unsafe_srs": srs.unsafe_local,
        "srs": srs.id,
        "node_k": node_k,
        "final_k": a.final_k,
        "backend": backend_json,
        "backend_ops": backend_counts(&backend),
        "leaves_generated": out.leaves.len() - leaves_reused,
        "leaves_reused": leaves_reused,
        "leaves": out.leaves,
        "nodes_generated": out.nodes.len() - nodes_reused,
        "nodes_reused": nodes_reused,
        "nodes": out.nodes,
        "cache": out.cache,
        "elapsed_ms": t.elapsed().as_millis() as u64,
    });
    // The chain design does not take the queue yet: whatever the pool has queued is left out.
    let unproven = pending_unproven(state, &pool);
    if let Some(u) = &unproven {
        summary["pending_unproven"] = u.clone();
    }
    let path = work
        .root
        .join(format!("summary-chain-slot-{}.json", state.slot()));
    atomic::write_file(&path, serde_json::to_string_pretty(&summary)?.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
        return Ok(());
    }
    let s = &art.statement;
    println!(
        "slot {} ({}), block root {}, chain {}",
        s.slot,
        art.fork,
        s.block_root,
        if chain.cold { "cold" } else { "continued" }
    );
    println!("pool validators     {}", s.validator_count);
    println!("total balance       {} gwei", s.total_balance_gwei);
    println!(
        "active / exited / slashed   {} / {} / {}",
        s.active_count, s.exited_count, s.slashed_count
    );
    println!(
        "anchors             {} -> {}",
        chain.anchor_old, chain.anchor_new
    );
    println!(
        "leaves: {} generated, {} reused; nodes: {} generated, {} reused",
        summary["leaves_generated"], leaves_reused, summary["nodes_generated"], nodes_reused
    );
    if let Some(u) = &unproven {
        println!(
            "pending deposits    {} of the pool's ({} gwei) wait in the queue and are not in this \
             proof: the chain design does not take the queue yet (--design today --pending-size N does)",
            u["pending_deposit_count"],
            u["pending_deposit_gwei"].as_str().unwrap_or_default(),
        );
    }
    println!("chain proof: {}", out.path.display());
    println!("  (the oracle takes it through submitChainReport, against a verifier scheduled with scheduleChainVerifier)");
    if srs.unsafe_local {
        println!("setup: UNSAFE local KZG setup (tests and demos only)");
    }
    println!("summary: {}  ({:.1?})", path.display(), t.elapsed());
    Ok(())
}

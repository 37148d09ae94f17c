//! `demo`: the embedded default, from a generated devnet state to a final proof checked
//! natively and in an in-memory EVM.

use crate::exit::CliError;
use anyhow::{Context, Result};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use stakeproof::beacon::atomic;
use stakeproof::beacon::devnet::{self, DevnetSpec};
use stakeproof::beacon::report::{pool_report_with, Pool};
use std::path::PathBuf;
use std::time::Instant;

use super::artifact::proof_digest;
use super::pipeline::{
    check_statement, leaf_counts, load_srs, print_plain_outcomes, Bars, SrsChoice,
};
use super::{onchain, report::print_report, spinner};

/// The largest generated registry: twice mainnet's 2^21 slots, a few GB to build in memory.
const MAX_DEMO_VALIDATORS: usize = 1 << 22;

/// `--validators`: 1 to [`MAX_DEMO_VALIDATORS`].
fn parse_demo_validators(s: &str) -> Result<usize, String> {
    let n: usize = s
        .parse()
        .map_err(|_| format!("{s:?} is not a validator count"))?;
    if (1..=MAX_DEMO_VALIDATORS).contains(&n) {
        Ok(n)
    } else {
        Err(format!(
            "{n} validators: the demo state holds 1 to {MAX_DEMO_VALIDATORS} (2^22)"
        ))
    }
}

/// `stakeproof demo`.
#[derive(Args)]
pub(crate) struct DemoArgs {
    /// Registry length of the generated state, 1 to 2^22 (the default proof covers it with
    /// ranges of 64: more validators, more aggregation proofs).
    #[arg(long, default_value_t = 64, value_parser = parse_demo_validators)]
    validators: usize,
    /// Skip the zero-knowledge proofs (native report and Merkle proofs only).
    #[arg(long)]
    no_prove: bool,
    /// Only the leaf proofs (ranges of 4 and 16), no aggregation: about a minute.
    #[arg(long, conflicts_with = "no_prove")]
    leaves_only: bool,
    /// Work directory for the demo's keys and proofs (reused by later runs).
    #[arg(long, default_value = ".stakeproof-work/demo")]
    work_dir: PathBuf,
    /// The generated state's preset: `mainnet`, `minimal` or `gnosis` (SLOTS_PER_EPOCH 16: read
    /// it back with `--network gnosis` or `--preset gnosis`).
    #[arg(long, default_value = "mainnet", value_parser = ["mainnet", "minimal", "gnosis"])]
    preset: String,
    /// Write the generated state's SSZ here (then try `stakeproof report --state FILE`).
    #[arg(long)]
    write_state: Option<PathBuf>,
    /// Machine-readable output.
    #[arg(long)]
    json: bool,
}

/// `stakeproof demo`.
pub(crate) fn demo(a: DemoArgs) -> Result<()> {
    let t0 = Instant::now();
    let spec = DevnetSpec {
        validators: a.validators,
        preset: stakeproof::beacon::beacon::Preset::by_name(&a.preset)?,
        ..DevnetSpec::default()
    };
    let pb = spinner("building the devnet state");
    let state = devnet::build(&spec)?;
    if let Some(p) = &a.write_state {
        atomic::write_file(p, state.as_ssz())
            .with_context(|| format!("cannot write {}", p.display()))?;
    }
    pb.set_message("merkleizing");
    let tree = state.tree()?;
    let pool = Pool::Address(spec.pool);
    let report = pool_report_with(&state, Some(&tree), &pool)?;
    pb.finish_and_clear();

    // Check every pool validator's container and balance chunk against the block root, the
    // way the circuits will open them.
    let block_root = tree.block_root();
    let members: Vec<u64> = state
        .validators()
        .enumerate()
        .filter(|(_, v)| pool.matches(&v.withdrawal_credentials))
        .map(|(i, _)| i as u64)
        .collect();
    let bar = ProgressBar::new(members.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("verifying proofs {bar:30} {pos}/{len} [{eta}]")
            .expect("template"),
    );
    for &i in &members {
        tree.validator_proof(i).verify(&block_root)?;
        tree.balance_proof(i).verify(&block_root)?;
        bar.inc(1);
    }
    tree.validators_length_proof().verify(&block_root)?;
    bar.finish_and_clear();

    // Zero-knowledge proofs of the whole registry and every balance on an unsafe local setup
    // (their public totals must equal the native report), then, by default, the aggregation
    // tree to one final proof, checked natively and in the EVM.
    let work = stakeproof_prover::leaves::WorkDir {
        root: a.work_dir.clone(),
    };
    let mut leaf_summary = None;
    let mut final_summary = None;
    let mut evm_summary = None;
    if a.leaves_only {
        let cfg = stakeproof_prover::leaves::LeafConfig::small();
        let srs = load_srs(&SrsChoice::Unsafe, cfg.registry_k.max(cfg.balance_k), &work)?;
        let bars = Bars::new();
        let opts = stakeproof_prover::tree::ProveOptions {
            progress: &bars,
            ..stakeproof_prover::tree::ProveOptions::new(cfg)
        };
        let l = stakeproof_prover::leaves::prove(&state, &pool, &srs, &work, &opts)?.report;
        print_plain_outcomes(&bars, &l, &[]);
        drop(bars);
        leaf_summary = Some(demo_leaf_summary(&l));
    } else if !a.no_prove {
        let cfg = stakeproof_prover::leaves::LeafConfig::for_sizes(DEMO_RANGE, DEMO_RANGE)?;
        let node_k = stakeproof_prover::tree::DEFAULT_NODE_K;
        let final_k = stakeproof_prover::tree::DEFAULT_FINAL_K;
        let segments = state.validator_count().div_ceil(DEMO_RANGE as u64) as usize;
        if !a.json {
            eprintln!(
                "proving the report: {} leaf proofs, then {} aggregation proofs at k={node_k} and the final one at k={final_k} (each up to ~20 GiB and minutes on 2 cores; the first run also makes the setup and the keys, about half an hour in all; later runs reuse every proof in {})",
                2 * segments,
                stakeproof_prover::tree::node_count(segments, 1, false) - 1,
                work.root.display()
            );
        }
        let srs = load_srs(
            &SrsChoice::Unsafe,
            cfg.registry_k.max(cfg.balance_k).max(node_k).max(final_k),
            &work,
        )?;
        let bars = Bars::new();
        // The demo's node proving keys are not kept (several GB each): a second run reuses
        // every stored proof, which needs only the verifying keys.
        let opts = stakeproof_prover::tree::ProveOptions {
            tree: stakeproof_prover::tree::TreeOptions {
                node_k,
                final_k,
                keep_proving_keys: false,
            },
            progress: &bars,
            ..stakeproof_prover::tree::ProveOptions::new(cfg)
        };
        let out = stakeproof_prover::tree::prove(&state, &pool, &srs, &work, &opts)?;
        print_plain_outcomes(&bars, &out.leaves, &out.nodes);
        drop(bars);
        check_statement(&out.artifact.statement, &report)?;
        leaf_summary = Some(demo_leaf_summary(&out.leaves));
        // Read back from disk and verify, as a user of the file would.
        let pb = spinner("verifying the final proof natively");
        let art = stakeproof_prover::final_artifact::FinalArtifact::read(&out.path)?;
        art.verify(&srs, None).map_err(CliError::Rejected)?;
        pb.finish_and_clear();
        let nodes_reused = out.nodes.iter().filter(|n| n.reused).count();
        final_summary = Some(serde_json::json!({
            "artifact": out.path,
            "statement": art.statement,
            "verified": true,
            "circuit": art.circuit.name,
            "k": art.circuit.params.degree,
            "vk_digest": art.circuit.vk_digest,
            // Whether its circuit and setup have a published key (prover/published-keys.json).
            "key_published": matches!(
                art.key_status(),
                stakeproof_prover::published::KeyStatus::Published(_)
            ),
            "proof_sha256": proof_digest(&art),
            "proof_bytes": art.proof_bytes().map(|p| p.len()),
            "nodes": out.nodes.len(),
            "nodes_generated": out.nodes.len() - nodes_reused,
            "nodes_reused": nodes_reused,
            "unsafe_srs": true,
        }));
        evm_summary = Some(match onchain::demo_on_chain(&art, &srs)? {
            Some(e) => e,
            None => {
                serde_json::json!({"skipped": format!("solc-js is not installed: {}", stakeproof_contracts::solc::INSTALL_HINT)})
            }
        });
    }
    let elapsed = t0.elapsed();
    if a.json {
        let out = serde_json::json!({
            "report": report,
            "merkle_proofs_verified": members.len() * 2 + 1,
            "leaf_proofs": leaf_summary,
            "final_proof": final_summary,
            "evm": evm_summary,
            "unsafe_srs": leaf_summary.is_some(),
            "elapsed_ms": elapsed.as_millis() as u64,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    println!(
        "stakeproof demo: deterministic {} devnet ({} validators, {} preset)",
        spec.fork, spec.validators, spec.preset.name
    );
    println!();
    print_report(&report, false)?;
    println!();
    println!(
        "verified {} Merkle proofs (each pool validator and its balance chunk, and L) against the block root",
        members.len() * 2 + 1,
    );
    match &leaf_summary {
        Some(l) => {
            println!(
                "zero-knowledge leaf proofs: {} registry + {} balance ({} reused from {}), proven totals equal the report",
                l["registry_proofs"],
                l["balance_proofs"],
                l["reused"],
                a.work_dir.display()
            );
        }
        None => println!("zero-knowledge proofs skipped (--no-prove)"),
    }
    if let Some(f) = &final_summary {
        println!(
            "final proof: {} aggregation proofs ({} reused) at k={}, {} bytes, verified natively",
            f["nodes"], f["nodes_reused"], f["k"], f["proof_bytes"]
        );
        println!(
            "  statement equals the native report, bound to block root {}",
            f["statement"]["block_root"].as_str().unwrap_or_default()
        );
        println!(
            "  verifying key {}: {}",
            f["vk_digest"].as_str().unwrap_or_default(),
            if f["key_published"] == true {
                "the one this release publishes for the demo circuit and setup"
            } else {
                "not a published key (the demo's own leaf sizes and UNSAFE setup: `verify` takes it with --unsafe-srs --any-key)"
            }
        );
        println!("  file: {}", f["artifact"].as_str().unwrap_or_default());
    } else if a.leaves_only {
        println!("  (--leaves-only: no aggregation into the final proof)");
    }
    if let Some(e) = &evm_summary {
        onchain::print_summary(e);
    }
    if leaf_summary.is_some() {
        println!("setup: UNSAFE local KZG setup with a known seed (demo only: proofs against it can be forged)");
    }
    println!("done in {elapsed:.1?}");
    Ok(())
}

/// Registry and balance range size of the default demo: the 64-validator devnet is one
/// segment (one registry and one balance leaf, two wraps and the final node).
const DEMO_RANGE: usize = 64;

/// The demo's summary of its leaf proofs.
fn demo_leaf_summary(l: &stakeproof_prover::leaves::LeafReport) -> serde_json::Value {
    let (generated, reused) = leaf_counts(l);
    serde_json::json!({
        "registry_proofs": l.registry.len(),
        "balance_proofs": l.balance.len(),
        "generated": generated,
        "reused": reused,
        "proven_totals": l.totals,
        "unsafe_srs": true,
    })
}

//! `setup`: the KZG setup and the leaf circuits' keys, cached in the work directory.

use crate::config::Config;
use anyhow::Result;
use clap::Args;
use std::time::Instant;

use super::pipeline::{load_srs, LeafArgs, SrsArgs};

/// `stakeproof setup`.
#[derive(Args)]
pub(crate) struct SetupArgs {
    #[command(flatten)]
    srs: SrsArgs,
    #[command(flatten)]
    leaves: LeafArgs,
    /// Machine-readable output.
    #[arg(long)]
    json: bool,
}

/// `stakeproof setup`.
pub(crate) fn setup(a: SetupArgs, cfg: &Config) -> Result<()> {
    let lc = a.leaves.config(cfg)?;
    let work = a.leaves.work(cfg);
    let srs = load_srs(&a.srs.choice(cfg)?, lc.registry_k.max(lc.balance_k), &work)?;
    let t = Instant::now();
    let (rk, bk) = stakeproof_prover::leaves::leaf_keys(&lc, &srs, &work)?;
    let out = serde_json::json!({
        "srs": srs.id,
        "unsafe_srs": srs.unsafe_local,
        "srs_k": srs.k(),
        "circuits": [
            {"circuit": rk.name, "k": lc.registry_k, "vk_digest": rk.vk_digest, "cached": rk.cached},
            {"circuit": bk.name, "k": lc.balance_k, "vk_digest": bk.vk_digest, "cached": bk.cached},
        ],
        "work_dir": work.root,
        "elapsed_ms": t.elapsed().as_millis() as u64,
    });
    if a.json {
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        println!(
            "setup {}{}",
            srs.id,
            if srs.unsafe_local {
                " (UNSAFE local setup)"
            } else {
                ""
            }
        );
        for (k, c) in [(lc.registry_k, &rk), (lc.balance_k, &bk)] {
            println!(
                "  {:<16} k={k:<3} vk {}  {}",
                c.name,
                &c.vk_digest,
                if c.cached { "cached" } else { "generated" }
            );
        }
        println!("keys in {}", work.root.join("keys").display());
    }
    Ok(())
}

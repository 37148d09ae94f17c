//! `report`, `tree` and `proof`: the native pool report, the native proof tree and Merkle
//! proofs to the block root.

use crate::config::Config;
use anyhow::{bail, Context, Result};
use clap::Args;
use stakeproof::beacon::hexfmt;
use stakeproof::beacon::merkle::MerkleProof;
use stakeproof::beacon::report::{pool_report_with, PoolReport};

use super::pipeline::{leaf_config, parse_balance_size, parse_registry_size};
use super::source::{load_state, PoolArgs, SourceArgs};

/// `stakeproof report`.
#[derive(Args)]
pub(crate) struct ReportArgs {
    #[command(flatten)]
    source: SourceArgs,
    #[command(flatten)]
    pool: PoolArgs,
    /// Machine-readable output.
    #[arg(long)]
    json: bool,
}

/// What `proof` proves.
#[derive(Args)]
#[group(id = "target", required = true, multiple = false)]
struct ProofTarget {
    /// Validator index (indices ≥ L prove a zero chunk).
    #[arg(long, group = "target")]
    validator: Option<u64>,
    /// Balance index (proves its chunk ⌊i/4⌋).
    #[arg(long, group = "target")]
    balance: Option<u64>,
    /// The validators list length (L).
    #[arg(long, group = "target")]
    validators_length: bool,
    /// Aligned validators subtree `HEIGHT:INDEX` (2^HEIGHT validators from INDEX·2^HEIGHT).
    #[arg(long, group = "target", value_parser = parse_subtree)]
    validators_subtree: Option<(usize, u64)>,
    /// Aligned balances subtree `HEIGHT:INDEX` (2^HEIGHT chunks of 4 balances).
    #[arg(long, group = "target", value_parser = parse_subtree)]
    balances_subtree: Option<(usize, u64)>,
}

/// Parses `HEIGHT:INDEX`.
fn parse_subtree(s: &str) -> Result<(usize, u64), String> {
    let (h, i) = s.split_once(':').ok_or("expected HEIGHT:INDEX")?;
    let h: usize = h
        .parse()
        .map_err(|_| format!("height {h:?} is not a number"))?;
    let i: u64 = i
        .parse()
        .map_err(|_| format!("index {i:?} is not a number"))?;
    Ok((h, i))
}

/// `stakeproof tree`.
#[derive(Args)]
pub(crate) struct TreeArgs {
    #[command(flatten)]
    source: SourceArgs,
    #[command(flatten)]
    pool: PoolArgs,
    /// Validators per registry proof (a power of two, at most 2^20) [default: 4].
    #[arg(long, value_parser = parse_registry_size)]
    registry_size: Option<usize>,
    /// Balances per balance proof (a power of two from 4 to 2^20, a multiple of the registry
    /// size) [default: 16].
    #[arg(long, value_parser = parse_balance_size)]
    balance_size: Option<usize>,
    /// Machine-readable output: every leaf and node with all its public inputs.
    #[arg(long)]
    json: bool,
}

/// `stakeproof tree`: the whole proof tree, computed natively.
pub(crate) fn native_tree(a: TreeArgs, cfg: &Config) -> Result<()> {
    use stakeproof_prover::tree::{Child, NativeNode};
    let lc = leaf_config(a.registry_size, a.balance_size, cfg)?;
    let pool = a.pool.pool(cfg)?;
    let (state, tree) = load_state(&a.source.resolve(cfg)?)?;
    if tree.is_none() {
        state.tree()?;
        bail!("the state has no block root");
    }
    let t = stakeproof_prover::tree::native_tree(&state, &pool, &lc)?;
    if a.json {
        let v = serde_json::json!({
            "slot": state.slot(),
            "epoch": state.epoch(),
            "fork": state.fork().name(),
            "pool": pool.to_string(),
            "registry_size": lc.registry_size,
            "balance_size": lc.balance_size,
            "tree": t,
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    let name = |c: &Child| match *c {
        Child::RegistryLeaf(i) => format!("registry leaf {i}"),
        Child::BalanceLeaf(j) => format!("balance leaf {j}"),
        Child::Node(i) => format!("node {i}"),
    };
    let brief = |n: &NativeNode| -> String {
        let f = &n.fields;
        let g = |k: &str| {
            f.get(k)
                .map(|v| v.to_string().trim_matches('"').to_string())
        };
        let mut parts = Vec::new();
        for k in ["start", "end", "fill", "registry_length", "slot"] {
            if let Some(v) = g(k) {
                parts.push(format!("{k} {v}"));
            }
        }
        if let Some(r) = f.get("ranges").and_then(|r| r.as_array()) {
            parts.push(format!("{} ranges", r.len()));
        }
        for (k, label) in [
            ("validator_count", "validators"),
            ("total_balance_gwei", "gwei"),
            ("active_count", "active"),
            ("exited_count", "exited"),
            ("slashed_count", "slashed"),
        ] {
            if let Some(v) = g(k) {
                parts.push(format!("{label} {v}"));
            }
        }
        for k in ["root", "block_root"] {
            if let Some(v) = g(k) {
                parts.push(format!("{k} {}…", &v[..v.len().min(18)]));
            }
        }
        parts.join(", ")
    };
    println!(
        "proof tree at slot {} (epoch {}, {}), pool {}: ranges of {} (registry) and {} (balance)",
        state.slot(),
        state.epoch(),
        state.fork().name(),
        pool,
        lc.registry_size,
        lc.balance_size
    );
    println!(
        "{} registry leaves, {} balance leaves, {} nodes",
        t.registry_leaves.len(),
        t.balance_leaves.len(),
        t.nodes.len()
    );
    for n in &t.registry_leaves {
        println!("  registry leaf {:>4}: {}", n.index, brief(n));
    }
    for n in &t.balance_leaves {
        println!("  balance leaf  {:>4}: {}", n.index, brief(n));
    }
    for n in &t.nodes {
        let kids: Vec<String> = n.children.iter().map(name).collect();
        println!(
            "  node {:>4} {} ← {}: {}",
            n.index,
            n.circuit,
            kids.join(" + "),
            brief(n)
        );
    }
    Ok(())
}

/// `stakeproof proof`.
#[derive(Args)]
pub(crate) struct ProofArgs {
    #[command(flatten)]
    source: SourceArgs,
    #[command(flatten)]
    target: ProofTarget,
    /// Machine-readable output.
    #[arg(long)]
    json: bool,
}

/// Prints a pool report (pretty JSON with `json`).
pub(crate) fn print_report(r: &PoolReport, json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(r)?);
        return Ok(());
    }
    let eth = r.totals.total_balance_gwei as f64 / 1e9;
    println!("fork                {}", r.fork);
    println!("slot / epoch        {} / {}", r.slot, r.epoch);
    println!("pool                {}", r.pool);
    println!("registry length     {}", r.registry_length);
    println!("pool validators     {}", r.totals.validator_count);
    println!(
        "total balance       {} gwei ({eth:.9} ETH)",
        r.totals.total_balance_gwei
    );
    println!("active              {}", r.totals.active_count);
    println!("exited              {}", r.totals.exited_count);
    println!("slashed             {}", r.totals.slashed_count);
    println!("state root          {}", hexfmt::encode(r.state_root));
    match r.block_root {
        Some(b) => println!("block root          {}", hexfmt::encode(b)),
        None => println!("block root          (not a post-block state: no block commits to it)"),
    }
    Ok(())
}

/// `stakeproof report`.
pub(crate) fn report(a: ReportArgs, cfg: &Config) -> Result<()> {
    let pool = a.pool.pool(cfg)?;
    let (state, tree) = load_state(&a.source.resolve(cfg)?)?;
    let r = pool_report_with(&state, tree.as_ref(), &pool)?;
    print_report(&r, a.json)
}

/// `stakeproof proof`: one Merkle proof to the block root, checked before it is printed.
pub(crate) fn proof(a: ProofArgs, cfg: &Config) -> Result<()> {
    let (state, tree) = load_state(&a.source.resolve(cfg)?)?;
    let Some(tree) = tree else {
        // Surface the precise reason (the state was advanced past its block).
        state.tree()?;
        bail!("the state has no block root");
    };
    let t = &a.target;
    let (what, p): (String, MerkleProof) = if let Some(i) = t.validator {
        check_index(
            i,
            1,
            tree.validators.data.depth(),
            "validator index",
            "validators",
        )?;
        (format!("validators[{i}]"), tree.validator_proof(i))
    } else if let Some(i) = t.balance {
        check_index(
            i,
            4,
            tree.balances.data.depth(),
            "balance index",
            "balances",
        )?;
        (
            format!("balances chunk {} (balance {i})", i / 4),
            tree.balance_proof(i),
        )
    } else if t.validators_length {
        ("validators length".into(), tree.validators_length_proof())
    } else if let Some((h, i)) = t.validators_subtree {
        check_subtree(h, i, tree.validators.data.depth())?;
        (
            format!("validators subtree {h}:{i}"),
            tree.validators_subtree_proof(h, i),
        )
    } else if let Some((h, i)) = t.balances_subtree {
        check_subtree(h, i, tree.balances.data.depth())?;
        (
            format!("balances subtree {h}:{i}"),
            tree.balances_subtree_proof(h, i),
        )
    } else {
        unreachable!("clap requires a target")
    };
    let block_root = tree.block_root();
    p.verify(&block_root)
        .context("internal error: a freshly built proof does not verify")?;
    if a.json {
        let out = serde_json::json!({
            "target": what,
            "block_root": hexfmt::encode(block_root),
            "state_root": hexfmt::encode(tree.state_root()),
            "slot": state.slot(),
            "fork": state.fork().name(),
            "proof": p,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        println!("{what} at slot {} ({})", state.slot(), state.fork());
        println!("block root   {}", hexfmt::encode(block_root));
        println!("leaf         {}", hexfmt::encode(p.leaf));
        println!("gindex       {}", p.gindex);
        for (k, n) in p.branch.iter().enumerate() {
            println!("sibling {k:>3}  {}", hexfmt::encode(n));
        }
    }
    Ok(())
}

/// Refuses an index at or past the list's limit: `per_chunk` items per leaf chunk (4 balances
/// share one) under a list tree of `depth` levels, so the limit is `per_chunk · 2^depth`.
fn check_index(i: u64, per_chunk: u128, depth: usize, what: &str, list: &str) -> Result<()> {
    let limit = 1u128
        .checked_shl(depth as u32)
        .map_or(u128::MAX, |n| n.saturating_mul(per_chunk));
    if u128::from(i) >= limit {
        bail!(
            "{what} {i} is outside the {list} list: its limit is {limit} (indices 0 to {})",
            limit - 1
        );
    }
    Ok(())
}

/// Refuses a subtree that is not inside a list tree of `depth` levels.
fn check_subtree(h: usize, i: u64, depth: usize) -> Result<()> {
    if h > depth {
        bail!("subtree height {h} exceeds the list tree depth {depth}");
    }
    let width = 1u128.checked_shl((depth - h) as u32).unwrap_or(u128::MAX);
    if u128::from(i) >= width {
        bail!(
            "subtree index {i} is outside a layer of 2^{} nodes",
            depth - h
        );
    }
    Ok(())
}

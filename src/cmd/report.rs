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
    #[command(flatten)]
    vault: super::vault::VaultArgs,
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
    #[command(flatten)]
    chain: ChainArgs,
    #[command(flatten)]
    pending: super::pipeline::PendingArgs,
}

/// A proof design.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Design {
    /// Registry and balance leaves under every balance range (the oracle contract verifies
    /// this final layout).
    Today,
    /// Issue #15: a registry chain of deltas from the previous report and pool-balance leaves
    /// in fixed-depth trees; its final statement adds two registry anchors, which the oracle
    /// contract does not verify yet.
    Chain,
}

/// The design flags of `tree` and `prove`.
#[derive(Args)]
pub(crate) struct ChainArgs {
    /// The proof design: `today` (the final layout the oracle contract verifies) or `chain`
    /// (issue #15; its final statement adds registry anchors that the oracle contract does not
    /// verify yet). With `chain`, ranges of the registry size are appended and ranges of the
    /// balance size carry pool balances.
    #[arg(long, value_enum, default_value_t = Design::Today)]
    pub(crate) design: Design,
    /// With `--design chain`: start from the empty registry, ignoring the chain cache
    /// (`{work_dir}/chain/last.json`).
    #[arg(long)]
    pub(crate) cold: bool,
    /// With `--design chain`: single-validator updates per delta leaf.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=4096))]
    pub(crate) delta_updates: u32,
    /// With `--design chain`: join levels of the delta tree (it holds 2^depth delta leaves).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(0..=24))]
    pub(crate) delta_depth: u32,
}

impl ChainArgs {
    /// The chain sizes: production depths for the leaf sizes of `lc`.
    pub(crate) fn sizes(
        &self,
        lc: &stakeproof_prover::leaves::LeafConfig,
    ) -> Result<stakeproof_prover::chain::ChainSizes> {
        stakeproof_prover::chain::ChainSizes::production(
            self.delta_updates as usize,
            lc.registry_size,
            lc.balance_size,
            self.delta_depth,
        )
        .map_err(chain_err)
    }

    /// The previous registry from the chain cache in `work` (none with `--cold`); a cache that
    /// cannot be used is reported on stderr and means cold.
    pub(crate) fn previous(
        &self,
        work: &std::path::Path,
        pool: &stakeproof::beacon::report::Pool,
    ) -> Option<stakeproof_prover::chain::PreviousRegistry> {
        if self.cold {
            return None;
        }
        let load = stakeproof_prover::chain::ChainCache::load(work, pool);
        if let Some(note) = &load.note {
            eprintln!("warning: chain cache {note}");
        }
        load.previous
    }
}

/// A chain error as the CLI reports it (pipeline errors keep their exit codes).
pub(crate) fn chain_err(e: stakeproof_prover::chain::ChainError) -> anyhow::Error {
    match e.into_pipeline() {
        Ok(p) => p.into(),
        Err(e) => e.into(),
    }
}

/// `stakeproof tree --design chain`: the chain design's proof, computed natively.
fn chain_tree(a: TreeArgs, cfg: &Config) -> Result<()> {
    use stakeproof_prover::chain::{native_chain, plan};
    let lc = leaf_config(a.registry_size, a.balance_size, cfg)?;
    let sizes = a.chain.sizes(&lc)?;
    let pool = a.pool.pool(cfg)?;
    let work = super::pipeline::work_dir(None, cfg);
    let (state, tree) = load_state(&a.source.resolve(cfg)?)?;
    let Some(tree) = tree else {
        state.tree()?;
        bail!("the state has no block root");
    };
    let prev = a.chain.previous(&work.root, &pool);
    let p = plan(prev.as_ref(), &state, &tree, &pool, &sizes).map_err(chain_err)?;
    let t = native_chain(&p).map_err(chain_err)?;
    stakeproof_prover::chain::check_report(&t, &p, &state, &tree, &pool).map_err(chain_err)?;
    if a.json {
        let v = serde_json::json!({
            "design": "chain",
            "slot": state.slot(),
            "epoch": state.epoch(),
            "fork": state.fork().name(),
            "pool": pool.to_string(),
            "sizes": sizes,
            "tree": t,
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    let c = &t.counts;
    println!(
        "chain proof at slot {} (epoch {}, {}), pool {}: {} ({})",
        state.slot(),
        state.epoch(),
        state.fork().name(),
        pool,
        if t.cold {
            "cold, from the empty registry"
        } else {
            "from the cached chain state"
        },
        sizes.describe()
    );
    println!(
        "real leaves: {} delta ({} updates), {} append, {} pool-balance; {} padding leaves",
        c.delta_leaves, c.delta_updates, c.append_leaves, c.pool_balance_leaves, c.padding_leaves
    );
    println!("nodes: {} real, {} neutral", c.real_nodes, c.neutral_nodes);
    println!("anchor_old {}  anchor_new {}", t.anchor_old, t.anchor_new);
    let brief = |f: &serde_json::Map<String, serde_json::Value>| {
        let s = serde_json::Value::Object(f.clone()).to_string();
        if s.chars().count() > 160 {
            format!("{}…", s.chars().take(160).collect::<String>())
        } else {
            s
        }
    };
    for l in t
        .delta_leaves
        .iter()
        .chain(&t.append_leaves)
        .chain(&t.pool_balance_leaves)
    {
        println!(
            "  {:?} leaf {:>4} {}: {}",
            l.role,
            l.index,
            l.circuit,
            brief(&l.fields)
        );
    }
    for n in &t.nodes {
        let kids: Vec<String> = n.children.iter().map(|c| format!("{c:?}")).collect();
        let at = n
            .position
            .map_or("neutral".to_string(), |p| format!("#{p}"));
        println!(
            "  node {:>4} {:?} level {} {at} {} ← {}: {}",
            n.index,
            n.role,
            n.level,
            n.circuit,
            kids.join(" + "),
            brief(&n.fields)
        );
    }
    Ok(())
}

/// `stakeproof tree`: the whole proof tree, computed natively.
pub(crate) fn native_tree(a: TreeArgs, cfg: &Config) -> Result<()> {
    use stakeproof_prover::tree::{Child, NativeNode};
    if a.chain.design == Design::Chain {
        if a.pending.is_set() {
            return Err(crate::exit::usage(
                "--pending-size is a flag of --design today: the chain design does not take the \
                 pending-deposit queue yet",
            ));
        }
        return chain_tree(a, cfg);
    }
    if a.chain.cold {
        bail!("--cold needs --design chain");
    }
    let mut lc = leaf_config(a.registry_size, a.balance_size, cfg)?;
    a.pending.apply(&mut lc)?;
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
            "pending": lc.pending,
            "tree": t,
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    let name = |c: &Child| match *c {
        Child::RegistryLeaf(i) => format!("registry leaf {i}"),
        Child::BalanceLeaf(j) => format!("balance leaf {j}"),
        Child::Node(i) => format!("node {i}"),
        Child::PendingRun => "the queue's run".to_string(),
    };
    let brief = |n: &NativeNode| -> String {
        let f = &n.fields;
        let g = |k: &str| {
            f.get(k)
                .map(|v| v.to_string().trim_matches('"').to_string())
        };
        let mut parts = Vec::new();
        for k in [
            "start",
            "end",
            "fill",
            "registry_length",
            "queue_length",
            "slot",
        ] {
            if let Some(v) = g(k) {
                parts.push(format!("{k} {v}"));
            }
        }
        if let Some(r) = f.get("ranges").and_then(|r| r.as_array()) {
            parts.push(format!("{} ranges", r.len()));
        }
        for (k, label) in [
            ("pending_deposit_count", "pending count"),
            ("pending_deposit_gwei", "pending gwei"),
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
    for n in &t.pending_leaves {
        println!("  pending leaf  {:>4}: {}", n.index, brief(n));
    }
    for n in &t.pending_nodes {
        println!("  queue node {:>4} {}: {}", n.index, n.circuit, brief(n));
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
    println!(
        "pending deposits    {} ({} gwei; proven into a report with prove --pending-size)",
        r.pending.pending_deposit_count, r.pending.pending_deposit_gwei
    );
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
    let vault = a.vault.request(cfg)?;
    let source = a.source.resolve(cfg)?;
    let (state, tree) = load_state(&source)?;
    let r = pool_report_with(&state, tree.as_ref(), &pool)?;
    let vault = vault.map(|v| v.open(&state, tree.as_ref())).transpose()?;
    // With a named network (built in, a config.yaml or a preset directory): which one, and the
    // preset it decoded the state under.
    let network = if source.names_network() {
        Some(source.network_config()?)
    } else {
        None
    };
    if a.json && (network.is_some() || vault.is_some()) {
        let mut v = serde_json::to_value(&r)?;
        if let Some(network) = network {
            v["network"] = network.name.into();
            v["preset"] = state.preset().name.clone().into();
        }
        if let Some((vault, onchain)) = &vault {
            let mut w = serde_json::to_value(vault)?;
            w["proven_by_final_proof"] = false.into();
            // What `submitVaultBalance(slot, timestamp, proof)` takes beside the timestamp.
            // The slot the vault proof opens from the block header.
            w["slot"] = tree.as_ref().map_or(state.slot(), |t| t.header.slot).into();
            w["oracle_proof"] = hexfmt::encode(onchain.encode()).into();
            v["withdrawal_vault"] = w;
        }
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    if let Some(network) = network {
        println!("network             {}", network.name);
        println!(
            "preset              {} (SLOTS_PER_EPOCH {})",
            state.preset().name,
            state.preset().slots_per_epoch
        );
    }
    print_report(&r, a.json)?;
    if let Some((vault, _)) = &vault {
        super::vault::print(vault);
    }
    Ok(())
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

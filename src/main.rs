//! `stakeproof`: the command line.

mod config;
mod final_cmds;
mod onchain;
mod submit;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use config::Config;
use indicatif::{ProgressBar, ProgressStyle};
use stakeproof::beacon::api::{BeaconClient, BlockId, ClientConfig};
use stakeproof::beacon::beacon::{BeaconState, Fork, NetworkConfig, StateTree};
use stakeproof::beacon::devnet::{self, DevnetSpec};
use stakeproof::beacon::hash::Node;
use stakeproof::beacon::merkle::MerkleProof;
use stakeproof::beacon::report::{pool_report_with, Pool, PoolReport};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Exit codes, shown by `--help`.
const EXIT_CODES: &str = "Exit codes:
  0  success
  1  bad input or any other failure (the message names what is wrong)
  2  bad command line (also: a required setting given neither as a flag nor in --config)
  3  the beacon node failed (unreachable, HTTP error, timeout, inconsistent data)
  4  proofs disagree with the native report (a bug: please report it)
  5  a proof artifact does not verify (tampered, foreign key or setup, inconsistent statement)";

#[derive(Parser)]
#[command(
    name = "stakeproof",
    version,
    about = "Trustless proofs of a liquid-staking pool's beacon-chain balance",
    after_help = EXIT_CODES
)]
struct Cli {
    /// A deployment config file (TOML; see stakeproof.example.toml): beacon_url, the pool,
    /// sizes, node_k, work_dir, srs. Flags override its values.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the embedded default: a deterministic Electra devnet state with a pool among other
    /// validators; prints the pool report, checks every pool validator's and balance's Merkle
    /// proof against the block root, proves the report to one final proof (UNSAFE local setup),
    /// verifies it natively and, with solc-js installed, through the oracle contract in an
    /// in-memory EVM, which updates the example LSD's rate. No network, no GPU.
    #[command(after_help = EXIT_CODES)]
    Demo(DemoArgs),
    /// The native pool report (count, Σ balances, active/exited/slashed) at a state.
    Report(ReportArgs),
    /// The report's whole proof tree computed natively, no key or proof: every registry and
    /// balance leaf and every aggregation node, with its children and public inputs decoded
    /// (what `prove` will prove, node by node, in the same order).
    Tree(TreeArgs),
    /// Merkle proofs from a validator, a balance, the registry length or an aligned subtree up
    /// to the block root.
    Proof(ProofArgs),
    /// What the leaf circuits cost: k, columns, rows, cells and SHA-256 compressions per
    /// validator, and one real keygen / prove / verify (unsafe local setup) with its time and
    /// peak memory.
    CircuitInfo(CircuitInfoArgs),
    /// Load or generate the KZG setup and the proving keys of the leaf circuits (cached in the
    /// work directory).
    Setup(SetupArgs),
    /// Prove a report: every registry and balance range of the state (leaf proofs, in
    /// parallel), then the aggregation tree up to one final proof bound to the block root,
    /// written to `{work_dir}/proof-slot-{slot}.json`. Every proof already in the work directory
    /// is verified and reused (resumable).
    #[command(after_help = EXIT_CODES)]
    Prove(ProveArgs),
    /// Verify a final proof file natively and print its statement.
    #[command(after_help = EXIT_CODES)]
    Verify(final_cmds::VerifyArgs),
    /// Write the Solidity verifier of a final proof's circuit (from its verifying key) and its
    /// ABI (and bytecode, with solc-js installed) to a directory.
    #[command(after_help = EXIT_CODES)]
    ExportVerifier(final_cmds::ExportArgs),
    /// Print the calldata of `BeaconBalanceOracle.submitReport` for a final proof file.
    #[command(after_help = EXIT_CODES)]
    Calldata(final_cmds::CalldataArgs),
    /// Send `submitReport` for a final proof file to an oracle contract: an EIP-1559
    /// transaction signed with a key from a file, over an execution client's JSON-RPC.
    #[command(after_help = EXIT_CODES)]
    Submit(submit::SubmitArgs),
}

/// Which layout the state uses.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum ForkArg {
    Phase0,
    Altair,
    Bellatrix,
    Capella,
    Deneb,
    Electra,
    Fulu,
}

impl From<ForkArg> for Fork {
    fn from(f: ForkArg) -> Fork {
        match f {
            ForkArg::Phase0 => Fork::Phase0,
            ForkArg::Altair => Fork::Altair,
            ForkArg::Bellatrix => Fork::Bellatrix,
            ForkArg::Capella => Fork::Capella,
            ForkArg::Deneb => Fork::Deneb,
            ForkArg::Electra => Fork::Electra,
            ForkArg::Fulu => Fork::Fulu,
        }
    }
}

/// Built-in presets.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum PresetArg {
    Mainnet,
    Minimal,
}

#[derive(Args)]
struct DemoArgs {
    /// Registry length of the generated state (the default proof covers it with ranges of 64:
    /// more validators, more aggregation proofs).
    #[arg(long, default_value_t = 64)]
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
    /// Write the generated state's SSZ here (then try `stakeproof report --state FILE`).
    #[arg(long)]
    write_state: Option<PathBuf>,
    /// Machine-readable output.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
#[group(id = "pool", multiple = false)]
struct PoolArgs {
    /// The pool's execution address: validators with 0x01 or 0x02 credentials to it count.
    #[arg(long, value_parser = parse_address, group = "pool")]
    withdrawal_address: Option<Pool>,
    /// 32-byte withdrawal credentials: a 0x01/0x02 one means its address (both forms); any
    /// other prefix (e.g. BLS 0x00) is matched exactly.
    #[arg(long, value_parser = parse_credentials, group = "pool")]
    withdrawal_credentials: Option<Pool>,
}

impl PoolArgs {
    /// The pool from the flags, else from the config file.
    fn pool(&self, cfg: &Config) -> Result<Pool> {
        match self
            .withdrawal_address
            .or(self.withdrawal_credentials)
            .or(cfg.pool)
        {
            Some(p) => Ok(p),
            None => Err(usage(
                "the pool is required: --withdrawal-address 0x<20 bytes> or --withdrawal-credentials 0x<32 bytes> (or withdrawal_address in --config)",
            )),
        }
    }
}

/// A required setting given neither as a flag nor in the config file: exit code 2, like
/// clap's own errors.
#[derive(Debug)]
struct UsageError(String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

fn usage(msg: &str) -> anyhow::Error {
    UsageError(msg.to_string()).into()
}

/// A final proof that does not verify (or an artifact inconsistent with its statement): exit
/// code 5.
#[derive(Debug)]
struct Rejected(String);

impl std::fmt::Display for Rejected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the proof does not verify: {}", self.0)
    }
}

impl std::error::Error for Rejected {}

/// The final proof's statement differs from the native report: exit code 4.
#[derive(Debug)]
struct Disagree(String);

impl std::fmt::Display for Disagree {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the final proof's statement disagrees with the native report ({}): please report this bug",
            self.0
        )
    }
}

impl std::error::Error for Disagree {}

fn parse_address(s: &str) -> Result<Pool, String> {
    Pool::parse_address(s).map_err(|e| e.to_string())
}

fn parse_credentials(s: &str) -> Result<Pool, String> {
    Pool::parse_credentials(s).map_err(|e| e.to_string())
}

fn parse_block_id(s: &str) -> Result<BlockId, String> {
    s.parse::<BlockId>().map_err(|e| e.to_string())
}

#[derive(Args)]
struct SourceArgs {
    /// An SSZ BeaconState file (or --beacon-url; or beacon_url in --config).
    #[arg(long, conflicts_with = "beacon_url")]
    state: Option<PathBuf>,
    /// Layout of `--state` (default: from the state's fork version with `--config`, else the
    /// layout that decodes).
    #[arg(long, value_enum)]
    fork: Option<ForkArg>,
    /// Preset (ignored with `--config`).
    #[arg(long, value_enum, default_value = "mainnet")]
    preset: PresetArg,
    /// A network config.yaml (PRESET_BASE, preset overrides, fork versions).
    #[arg(long, value_name = "YAML")]
    network_config: Option<PathBuf>,
    /// Beacon node REST API, e.g. http://localhost:5052 (without --slot/--epoch/--block: the
    /// finalized block).
    #[arg(long)]
    beacon_url: Option<String>,
    /// Prove the last block at or before this slot.
    #[arg(long, conflicts_with_all = ["state", "epoch", "block"])]
    slot: Option<u64>,
    /// The last block at or before this epoch's first slot.
    #[arg(long, conflicts_with_all = ["state", "block"])]
    epoch: Option<u64>,
    /// A block id: `head`, `finalized`, a slot, or a 0x block root.
    #[arg(long, conflicts_with = "state", value_parser = parse_block_id)]
    block: Option<BlockId>,
    /// Local content-addressed cache of downloaded states [default: .stakeproof-cache].
    #[arg(long)]
    cache_dir: Option<PathBuf>,
    /// Per-request timeout, seconds.
    #[arg(long, default_value_t = 120)]
    timeout: u64,
    /// Retries on timeouts and 5xx responses.
    #[arg(long, default_value_t = 3)]
    retries: u32,
}

#[derive(Args)]
struct ReportArgs {
    #[command(flatten)]
    source: SourceArgs,
    #[command(flatten)]
    pool: PoolArgs,
    /// Machine-readable output.
    #[arg(long)]
    json: bool,
}

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

#[derive(Args)]
struct TreeArgs {
    #[command(flatten)]
    source: SourceArgs,
    #[command(flatten)]
    pool: PoolArgs,
    /// Validators per registry proof (a power of two) [default: 4].
    #[arg(long)]
    registry_size: Option<usize>,
    /// Balances per balance proof (a power of two, a multiple of the registry size)
    /// [default: 16].
    #[arg(long)]
    balance_size: Option<usize>,
    /// Machine-readable output: every leaf and node with all its public inputs.
    #[arg(long)]
    json: bool,
}

fn native_tree(a: TreeArgs, cfg: &Config) -> Result<()> {
    use stakeproof_prover::tree::{Child, NativeNode};
    let lc = stakeproof_prover::leaves::LeafConfig::for_sizes(
        a.registry_size.or(cfg.registry_size).unwrap_or(4),
        a.balance_size.or(cfg.balance_size).unwrap_or(16),
    )?;
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

#[derive(Args)]
struct ProofArgs {
    #[command(flatten)]
    source: SourceArgs,
    #[command(flatten)]
    target: ProofTarget,
    /// Machine-readable output.
    #[arg(long)]
    json: bool,
}

fn main() {
    let cli = Cli::parse();
    let result = Config::load(cli.config.as_deref()).and_then(|cfg| match cli.command {
        Command::Demo(a) => demo(a),
        Command::Report(a) => report(a, &cfg),
        Command::Tree(a) => native_tree(a, &cfg),
        Command::Proof(a) => proof(a, &cfg),
        Command::CircuitInfo(a) => circuit_info(a),
        Command::Setup(a) => setup(a, &cfg),
        Command::Prove(a) => prove(a, &cfg),
        Command::Verify(a) => final_cmds::verify(a, &cfg),
        Command::ExportVerifier(a) => final_cmds::export_verifier(a, &cfg),
        Command::Calldata(a) => final_cmds::calldata(a),
        Command::Submit(a) => submit::submit(a),
    });
    if let Err(e) = result {
        eprintln!("error: {e:#}");
        std::process::exit(exit_code(&e));
    }
}

/// The exit code of an error: see [`EXIT_CODES`].
fn exit_code(e: &anyhow::Error) -> i32 {
    for cause in e.chain() {
        if cause.is::<UsageError>() {
            return 2;
        }
        if cause.is::<stakeproof::beacon::api::ApiError>() {
            return 3;
        }
        if cause.is::<Disagree>() {
            return 4;
        }
        if let Some(stakeproof_prover::PipelineError::Mismatch { .. }) =
            cause.downcast_ref::<stakeproof_prover::PipelineError>()
        {
            return 4;
        }
        if cause.is::<Rejected>() {
            return 5;
        }
    }
    1
}

fn spinner(msg: &str) -> ProgressBar {
    let pb = ProgressBar::new_spinner();
    pb.set_style(ProgressStyle::with_template("{spinner} {msg} [{elapsed}]").expect("template"));
    pb.set_message(msg.to_string());
    pb.enable_steady_tick(Duration::from_millis(120));
    pb
}

fn hex0x(n: &Node) -> String {
    format!("0x{}", hex::encode(n))
}

impl SourceArgs {
    /// Fills what the flags leave open from the config file; a state source is required.
    fn resolve(mut self, cfg: &Config) -> Result<Self> {
        if self.state.is_none() && self.beacon_url.is_none() {
            self.beacon_url = cfg.beacon_url.clone();
        }
        if self.network_config.is_none() {
            self.network_config = cfg.network_config.clone();
        }
        if self.cache_dir.is_none() {
            self.cache_dir = cfg.cache_dir.clone();
        }
        if self.state.is_none() && self.beacon_url.is_none() {
            return Err(usage(
                "a state is required: --state FILE or --beacon-url URL (or beacon_url in --config)",
            ));
        }
        if self.state.is_some()
            && (self.slot.is_some() || self.epoch.is_some() || self.block.is_some())
        {
            return Err(usage(
                "--slot, --epoch and --block choose a block of the beacon node, not of --state",
            ));
        }
        Ok(self)
    }
}

fn network_config(src: &SourceArgs) -> Result<NetworkConfig> {
    Ok(match &src.network_config {
        Some(p) => NetworkConfig::from_yaml_file(p)?,
        None => NetworkConfig::for_preset(match src.preset {
            PresetArg::Mainnet => "mainnet",
            PresetArg::Minimal => "minimal",
        })?,
    })
}

/// Loads the state (file or beacon node) and, when it is a post-block state, its trees.
fn load_state(src: &SourceArgs) -> Result<(BeaconState, Option<StateTree>)> {
    let config = network_config(src)?;
    if let Some(path) = &src.state {
        let pb = spinner(&format!("decoding {}", path.display()));
        let bytes = std::fs::read(path)
            .with_context(|| format!("cannot read state file {}", path.display()))?;
        let state = match src.fork {
            Some(f) => BeaconState::decode_checked(bytes, f.into(), &config),
            None => BeaconState::decode_any(bytes, &config),
        }
        .with_context(|| format!("state file {}", path.display()))?;
        pb.set_message("merkleizing");
        let tree = state.tree().ok();
        pb.finish_and_clear();
        return Ok((state, tree));
    }
    let url = src
        .beacon_url
        .as_deref()
        .expect("clap requires --state or --beacon-url");
    let id = match (src.slot, src.epoch, &src.block) {
        (Some(s), _, _) => BlockId::Slot(s),
        (_, Some(e), _) => BlockId::Epoch(e),
        (_, _, Some(b)) => *b,
        _ => BlockId::Finalized,
    };
    let mut cfg = ClientConfig::new(url);
    cfg.timeout = Duration::from_secs(src.timeout);
    cfg.retries = src.retries;
    cfg.cache_dir = Some(
        src.cache_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from(".stakeproof-cache")),
    );
    let client = BeaconClient::new(cfg, config);
    let pb = spinner(&format!("fetching {id:?} from {url}"));
    let fetched = client
        .fetch_state(&id)
        .with_context(|| format!("beacon node {url}"))?;
    pb.finish_and_clear();
    Ok((fetched.state, Some(fetched.tree)))
}

fn print_report(r: &PoolReport, json: bool) -> Result<()> {
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
    println!("state root          {}", hex0x(&r.state_root));
    match r.block_root {
        Some(b) => println!("block root          {}", hex0x(&b)),
        None => println!("block root          (not a post-block state: no block commits to it)"),
    }
    Ok(())
}

fn report(a: ReportArgs, cfg: &Config) -> Result<()> {
    let pool = a.pool.pool(cfg)?;
    let (state, tree) = load_state(&a.source.resolve(cfg)?)?;
    let r = pool_report_with(&state, tree.as_ref(), &pool)?;
    print_report(&r, a.json)
}

fn proof(a: ProofArgs, cfg: &Config) -> Result<()> {
    let (state, tree) = load_state(&a.source.resolve(cfg)?)?;
    let Some(tree) = tree else {
        // Surface the precise reason (the state was advanced past its block).
        state.tree()?;
        bail!("the state has no block root");
    };
    let t = &a.target;
    let (what, p): (String, MerkleProof) = if let Some(i) = t.validator {
        (format!("validators[{i}]"), tree.validator_proof(i))
    } else if let Some(i) = t.balance {
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
            "block_root": hex0x(&block_root),
            "state_root": hex0x(&tree.state_root()),
            "slot": state.slot(),
            "fork": state.fork().name(),
            "proof": p,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        println!("{what} at slot {} ({})", state.slot(), state.fork());
        println!("block root   {}", hex0x(&block_root));
        println!("leaf         {}", hex0x(&p.leaf));
        println!("gindex       {}", p.gindex);
        for (k, n) in p.branch.iter().enumerate() {
            println!("sibling {k:>3}  {}", hex0x(n));
        }
    }
    Ok(())
}

fn check_subtree(h: usize, i: u64, depth: usize) -> Result<()> {
    if h > depth {
        bail!("subtree height {h} exceeds the list tree depth {depth}");
    }
    if depth - h < 64 && i >= 1u64 << (depth - h) {
        bail!(
            "subtree index {i} is outside a layer of 2^{} nodes",
            depth - h
        );
    }
    Ok(())
}

fn demo(a: DemoArgs) -> Result<()> {
    let t0 = Instant::now();
    let spec = DevnetSpec {
        validators: a.validators,
        ..DevnetSpec::default()
    };
    let pb = spinner("building the devnet state");
    let state = devnet::build(&spec)?;
    if let Some(p) = &a.write_state {
        write_atomically(p, state.as_ssz())?;
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
        let l = stakeproof_prover::leaves::prove_leaves(&state, &pool, &cfg, &srs, &work, &bars)?;
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
                stakeproof_prover::tree::node_count(segments, 1) - 1,
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
        let opts = stakeproof_prover::tree::TreeOptions {
            node_k,
            final_k,
            keep_proving_keys: false,
        };
        let out = stakeproof_prover::tree::prove_report_opts(
            &state, &pool, &cfg, &opts, &srs, &work, &bars,
        )?;
        drop(bars);
        check_statement(&out.artifact.statement, &report)?;
        leaf_summary = Some(demo_leaf_summary(&out.leaves));
        // Read back from disk and verify, as a user of the file would.
        let pb = spinner("verifying the final proof natively");
        let art = stakeproof_prover::final_artifact::FinalArtifact::read(&out.path)?;
        art.verify(&srs, None).map_err(Rejected)?;
        pb.finish_and_clear();
        let nodes_reused = out.nodes.iter().filter(|n| n.reused).count();
        final_summary = Some(serde_json::json!({
            "artifact": out.path,
            "statement": art.statement,
            "verified": true,
            "circuit": art.circuit.name,
            "k": art.circuit.params.degree,
            "vk_digest": art.circuit.vk_digest,
            "proof_sha256": final_cmds::proof_digest(&art),
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

/// Writes via a temporary file and a rename, so a crash never leaves a partial file behind.
fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("out"),
        std::process::id()
    ));
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot move into {}", path.display()))?;
    Ok(())
}

// ---- circuit-info ------------------------------------------------------------------------

/// Which leaf circuits `circuit-info` measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum CircuitKindArg {
    Registry,
    Balance,
    All,
}

#[derive(Args)]
struct CircuitInfoArgs {
    /// Validators per registry proof (n_r, a power of two); also the registry range size whose
    /// commitments the balance proof consumes.
    #[arg(long, default_value_t = 4)]
    registry_size: usize,
    /// Balances per balance proof (n_b: a power of two, at least 4, a multiple of n_r).
    #[arg(long, default_value_t = 16)]
    balance_size: usize,
    /// k of the registry circuit (default: the smallest that holds its SHA-256 region).
    #[arg(long)]
    registry_k: Option<u32>,
    /// k of the balance circuit (default: the smallest that holds its SHA-256 region, ≥ 12).
    #[arg(long)]
    balance_k: Option<u32>,
    /// Which circuits to measure.
    #[arg(long, value_enum, default_value = "all")]
    kind: CircuitKindArg,
    /// Machine-readable output: a JSON array of reports.
    #[arg(long)]
    json: bool,
}

fn circuit_info(a: CircuitInfoArgs) -> Result<()> {
    use stakeproof_circuits::info::{measure, LeafSize};
    let mut sizes = Vec::new();
    if a.kind != CircuitKindArg::Balance {
        sizes.push(LeafSize::registry(a.registry_size, a.registry_k)?);
    }
    if a.kind != CircuitKindArg::Registry {
        sizes.push(LeafSize::balance(
            a.balance_size,
            a.registry_size,
            a.balance_k,
        )?);
    }
    let mut reports = Vec::new();
    for size in sizes {
        let pb = spinner(&format!(
            "{}: k={}, keygen, prove and verify (unsafe local setup)",
            size.name(),
            size.k()
        ));
        let cost = measure(size).with_context(|| format!("measuring {}", size.name()))?;
        pb.finish_and_clear();
        reports.push(cost);
    }
    if a.json {
        println!("{}", serde_json::to_string_pretty(&reports)?);
        return Ok(());
    }
    print_circuit_costs(&reports);
    Ok(())
}

fn print_circuit_costs(reports: &[stakeproof_circuits::info::CircuitCost]) {
    fn mib(b: u64) -> String {
        format!("{:.0} MiB", b as f64 / (1024.0 * 1024.0))
    }
    type Row = (
        &'static str,
        fn(&stakeproof_circuits::info::CircuitCost) -> String,
    );
    let rows: &[Row] = &[
        ("validators covered (n)", |c| c.n.to_string()),
        ("k (rows)", |c| format!("{} ({})", c.k, c.rows)),
        ("advice columns", |c| {
            format!(
                "{} (SHA {}, base {} + lookup {})",
                c.columns.advice,
                c.columns.sha_advice,
                c.columns.base_advice,
                c.columns.base_lookup_advice
            )
        }),
        ("fixed / instance columns", |c| {
            format!("{} / {}", c.columns.fixed, c.columns.instance)
        }),
        ("lookup arguments", |c| {
            c.columns.lookup_arguments.to_string()
        }),
        ("SHA-256 rows", |c| {
            format!("{} of {}", c.sha_rows, c.usable_rows)
        }),
        ("halo2-base rows used", |c| {
            format!("{} of {}", c.base_rows_used, c.usable_rows)
        }),
        ("halo2-base cells", |c| c.base_advice_cells.to_string()),
        ("cells per validator", |c| {
            format!("{:.0}", c.cells_per_validator)
        }),
        ("advice area per validator", |c| {
            format!("{:.0}", c.advice_area_per_validator)
        }),
        ("SHA-256 compressions", |c| c.sha_compressions.to_string()),
        ("compressions per validator", |c| {
            format!("{}", c.compressions_per_validator)
        }),
        ("setup (unsafe)", |c| format!("{:.2} s", c.timings.setup_s)),
        ("keygen", |c| format!("{:.2} s", c.timings.keygen_s)),
        ("witness", |c| format!("{:.2} s", c.timings.witness_s)),
        ("prove", |c| {
            format!("{:.2} s on {} threads", c.timings.prove_s, c.threads)
        }),
        ("prove per validator", |c| {
            format!("{:.3} s", c.prove_s_per_validator)
        }),
        ("compressions per core-second", |c| {
            format!("{:.1}", c.compressions_per_core_second)
        }),
        ("compressions per CPU-second", |c| {
            format!(
                "{:.1} ({:.2} CPU-s proving)",
                c.compressions_per_cpu_second, c.timings.prove_cpu_s
            )
        }),
        ("verify", |c| format!("{:.1} ms", c.timings.verify_ms)),
        ("proof size", |c| format!("{} bytes", c.proof_bytes)),
        ("verified", |c| c.verified.to_string()),
        ("peak memory", |c| mib(c.memory.peak_rss_bytes)),
        ("peak memory proving", |c| {
            mib(c.memory.prove_peak_rss_bytes)
        }),
    ];
    print!("{:<30}", "");
    for c in reports {
        print!("  {:<36}", c.circuit);
    }
    println!();
    for (label, f) in rows {
        print!("{label:<30}");
        for c in reports {
            print!("  {:<36}", f(c));
        }
        println!();
    }
    if reports.iter().any(|c| !c.memory.scoped) {
        println!("(peak memory is the whole process's: the high-water mark could not be reset)");
    } else {
        println!("(peak memory: resident-set high-water mark of each measurement, this process)");
    }
}

// ---------------------------------------------------------------------------------------------
// setup / prove: the proving pipeline.

/// Where the KZG setup comes from (flags, then the config file).
#[derive(Args)]
#[group(id = "srs_source", multiple = false)]
struct SrsArgs {
    /// A ceremony KZG setup in halo2's format (perpetual powers of tau, converted).
    #[arg(long, group = "srs_source")]
    srs: Option<PathBuf>,
    /// A locally generated setup with a known seed (`verify`: the one the proof file names).
    /// UNSAFE: anyone can forge proofs against it; for tests and demos only.
    #[arg(long, group = "srs_source")]
    unsafe_srs: bool,
}

/// A resolved setup choice.
#[derive(Clone, Debug, PartialEq, Eq)]
enum SrsChoice {
    /// A ceremony file.
    File(PathBuf),
    /// The unsafe local setup.
    Unsafe,
}

impl SrsArgs {
    /// The flags' choice, else the config file's, else `None`.
    fn choice_opt(&self, cfg: &Config) -> Option<SrsChoice> {
        match (&self.srs, self.unsafe_srs) {
            (Some(p), _) => Some(SrsChoice::File(p.clone())),
            (None, true) => Some(SrsChoice::Unsafe),
            (None, false) => match (&cfg.srs, cfg.unsafe_srs) {
                (Some(p), _) => Some(SrsChoice::File(p.clone())),
                (None, true) => Some(SrsChoice::Unsafe),
                (None, false) => None,
            },
        }
    }

    /// The choice; a usage error (exit code 2) when there is none.
    fn choice(&self, cfg: &Config) -> Result<SrsChoice> {
        self.choice_opt(cfg).ok_or_else(|| {
            usage("a KZG setup is required: --srs FILE (a ceremony setup in halo2's format) or --unsafe-srs (tests and demos only), or srs / unsafe_srs in --config")
        })
    }
}

/// Leaf sizes and the work directory (flags, then the config file, then the defaults).
#[derive(Args)]
struct LeafArgs {
    /// Validators per registry proof (a power of two) [default: 4].
    #[arg(long)]
    registry_size: Option<usize>,
    /// Balances per balance proof (a power of two, a multiple of the registry size)
    /// [default: 16].
    #[arg(long)]
    balance_size: Option<usize>,
    /// Work directory: keys, proof artifacts, SRS cache [default: .stakeproof-work].
    #[arg(long)]
    work_dir: Option<PathBuf>,
    /// At most this many leaf proofs at once (also capped by available memory).
    #[arg(long)]
    max_parallel: Option<usize>,
}

impl LeafArgs {
    fn config(&self, cfg: &Config) -> Result<stakeproof_prover::leaves::LeafConfig> {
        let mut lc = stakeproof_prover::leaves::LeafConfig::for_sizes(
            self.registry_size.or(cfg.registry_size).unwrap_or(4),
            self.balance_size.or(cfg.balance_size).unwrap_or(16),
        )?;
        if let Some(m) = self.max_parallel.or(cfg.max_parallel) {
            lc.max_parallel = m.max(1);
        }
        Ok(lc)
    }

    fn work(&self, cfg: &Config) -> stakeproof_prover::leaves::WorkDir {
        work_dir(self.work_dir.as_ref(), cfg)
    }
}

/// The work directory: the flag, else the config file's, else `.stakeproof-work`.
fn work_dir(flag: Option<&PathBuf>, cfg: &Config) -> stakeproof_prover::leaves::WorkDir {
    stakeproof_prover::leaves::WorkDir {
        root: flag
            .cloned()
            .or_else(|| cfg.work_dir.clone())
            .unwrap_or_else(|| PathBuf::from(".stakeproof-work")),
    }
}

#[derive(Args)]
struct SetupArgs {
    #[command(flatten)]
    srs: SrsArgs,
    #[command(flatten)]
    leaves: LeafArgs,
    /// Machine-readable output.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct ProveArgs {
    #[command(flatten)]
    source: SourceArgs,
    #[command(flatten)]
    pool: PoolArgs,
    #[command(flatten)]
    srs: SrsArgs,
    #[command(flatten)]
    leaves: LeafArgs,
    /// Only the leaf proofs (no aggregation into the final proof).
    #[arg(long)]
    leaves_only: bool,
    /// k of the aggregation nodes (the setup must have at least 2^k points; each node needs
    /// about 15 GiB at k = 20) [default: 20].
    #[arg(long, conflicts_with = "leaves_only")]
    node_k: Option<u32>,
    /// k of the final node: more rows and fewer columns than the other nodes, so that its
    /// Solidity verifier fits the 24,576-byte contract limit.
    #[arg(long, conflicts_with = "leaves_only", default_value_t = stakeproof_prover::tree::DEFAULT_FINAL_K)]
    final_k: u32,
    /// Do not write aggregation proving keys (~3 GB each at k = 20) to the work directory:
    /// a later run makes one again (minutes) only if a node of its circuit must be proven.
    #[arg(long, conflicts_with = "leaves_only")]
    discard_proving_keys: bool,
    /// Where the provers' commitment MSMs run: `cpu` (halo2's own prover), `cuda[:N]` (a GPU;
    /// needs a build with `--features cuda`), or `auto` (CUDA when built with it and a device
    /// is present, else the CPU).
    #[arg(long, default_value = "auto", value_parser = parse_backend)]
    backend: stakeproof_gpu::BackendChoice,
    /// Machine-readable output.
    #[arg(long)]
    json: bool,
}

fn parse_backend(s: &str) -> std::result::Result<stakeproof_gpu::BackendChoice, String> {
    s.parse()
        .map_err(|e: stakeproof_gpu::GpuError| e.to_string())
}

/// Selects the proving backend; routes the pipeline's provers through it unless it is the CPU
/// (then halo2's own prover runs). Returns what was selected, for the summary.
fn use_backend(choice: stakeproof_gpu::BackendChoice) -> Result<serde_json::Value> {
    let selected = stakeproof_gpu::select_backend(choice)?;
    let report = serde_json::to_value(&selected.report)?;
    if selected.report.kind == stakeproof_gpu::BackendKind::Cpu {
        stakeproof_prover::backend::set_backend(None);
    } else {
        stakeproof_prover::backend::set_backend(Some(selected));
    }
    Ok(report)
}

/// The backend's operation counts so far (`null` on halo2's CPU prover).
fn backend_counts() -> serde_json::Value {
    stakeproof_prover::backend::backend_report()
        .map(|(_, c)| serde_json::to_value(c).unwrap_or_default())
        .unwrap_or(serde_json::Value::Null)
}

/// Seed of the unsafe local setup (fixed, so keys are reusable across runs).
const UNSAFE_SEED: u64 = 0x5741_4b45;

/// Prints the unsafe-setup warning.
fn warn_unsafe() {
    eprintln!("warning: using an UNSAFE locally generated KZG setup (known seed): proofs against it can be forged");
}

fn load_srs(
    choice: &SrsChoice,
    need_k: u32,
    work: &stakeproof_prover::leaves::WorkDir,
) -> Result<stakeproof_prover::srs::Srs> {
    use stakeproof_prover::srs::Srs;
    match choice {
        SrsChoice::File(p) => Ok(Srs::load(p)?),
        SrsChoice::Unsafe => {
            warn_unsafe();
            let pb = spinner(&format!(
                "loading the UNSAFE local KZG setup (2^{need_k} points; generated and cached in {} the first time)",
                work.srs().display()
            ));
            let srs = Srs::unsafe_local(need_k, UNSAFE_SEED, Some(&work.srs()))?;
            pb.finish_and_clear();
            Ok(srs)
        }
    }
}

/// Progress bars for the pipeline's stages.
struct Bars {
    current: std::sync::Mutex<Option<ProgressBar>>,
}

impl Bars {
    fn new() -> Self {
        Bars {
            current: std::sync::Mutex::new(None),
        }
    }
}

impl stakeproof_prover::leaves::Progress for Bars {
    fn stage(&self, name: &str, total: usize) {
        let mut cur = self.current.lock().expect("progress lock");
        if let Some(pb) = cur.take() {
            pb.finish_and_clear();
        }
        let pb = ProgressBar::new(total as u64);
        pb.set_style(
            ProgressStyle::with_template("{msg:>16} {bar:30} {pos}/{len} [{elapsed} < {eta}]")
                .expect("template"),
        );
        pb.set_message(name.to_string());
        pb.enable_steady_tick(Duration::from_secs(1));
        *cur = Some(pb);
    }

    fn tick(&self) {
        if let Some(pb) = self.current.lock().expect("progress lock").as_ref() {
            pb.inc(1);
        }
    }
}

impl Drop for Bars {
    fn drop(&mut self) {
        if let Some(pb) = self.current.lock().ok().and_then(|mut c| c.take()) {
            pb.finish_and_clear();
        }
    }
}

fn setup(a: SetupArgs, cfg: &Config) -> Result<()> {
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

/// How many leaf proofs were generated and reused.
fn leaf_counts(l: &stakeproof_prover::leaves::LeafReport) -> (usize, usize) {
    let all = l.registry.len() + l.balance.len();
    let reused = l
        .registry
        .iter()
        .chain(&l.balance)
        .filter(|o| o.reused)
        .count();
    (all - reused, reused)
}

/// Checks a final statement against the native report of the same state.
fn check_statement(
    s: &stakeproof_prover::final_artifact::FinalStatement,
    native: &PoolReport,
) -> Result<()> {
    let t = &native.totals;
    let mut diffs = Vec::new();
    let mut cmp = |name: &str, proven: u128, native: u128| {
        if proven != native {
            diffs.push(format!("{name}: proven {proven}, native {native}"));
        }
    };
    cmp("slot", s.slot.into(), native.slot.into());
    cmp(
        "registry_length",
        s.registry_length.into(),
        native.registry_length.into(),
    );
    cmp(
        "validator_count",
        s.validator_count.into(),
        t.validator_count.into(),
    );
    cmp(
        "total_balance_gwei",
        s.total_balance_gwei,
        t.total_balance_gwei,
    );
    cmp("active_count", s.active_count.into(), t.active_count.into());
    cmp("exited_count", s.exited_count.into(), t.exited_count.into());
    cmp(
        "slashed_count",
        s.slashed_count.into(),
        t.slashed_count.into(),
    );
    if let Some(b) = native.block_root {
        if s.block_root != hex0x(&b) {
            diffs.push(format!(
                "block_root: proven {}, native {}",
                s.block_root,
                hex0x(&b)
            ));
        }
    }
    if diffs.is_empty() {
        Ok(())
    } else {
        Err(Disagree(diffs.join("; ")).into())
    }
}

fn prove(a: ProveArgs, cfg: &Config) -> Result<()> {
    // Everything that can be refused is refused before the state is loaded.
    let lc = a.leaves.config(cfg)?;
    let work = a.leaves.work(cfg);
    let pool = a.pool.pool(cfg)?;
    let choice = a.srs.choice(cfg)?;
    let node_k = a
        .node_k
        .or(cfg.node_k)
        .unwrap_or(stakeproof_prover::tree::DEFAULT_NODE_K);
    let source = a.source.resolve(cfg)?;
    let (state, tree) = load_state(&source)?;
    let Some(tree) = tree else {
        state.tree()?;
        bail!("the state has no block root");
    };
    let leaf_k = lc.registry_k.max(lc.balance_k);
    let backend = use_backend(a.backend)?;
    let srs = load_srs(
        &choice,
        if a.leaves_only {
            leaf_k
        } else {
            leaf_k.max(node_k).max(a.final_k)
        },
        &work,
    )?;
    let t = Instant::now();
    let bars = Bars::new();
    let summary = if a.leaves_only {
        let leaves =
            stakeproof_prover::leaves::prove_leaves(&state, &pool, &lc, &srs, &work, &bars)?;
        drop(bars);
        let (proven, reused) = leaf_counts(&leaves);
        serde_json::json!({
            "stage": "leaves",
            "aggregated": false,
            "slot": state.slot(),
            "epoch": state.epoch(),
            "fork": state.fork().name(),
            "block_root": hex0x(&tree.block_root()),
            "pool": pool.to_string(),
            "registry_length": state.validator_count(),
            "totals": leaves.totals,
            "unsafe_srs": srs.unsafe_local,
            "srs": srs.id,
            "leaf_config": lc,
            "proofs_generated": proven,
            "proofs_reused": reused,
            "backend": backend,
            "backend_ops": backend_counts(),
            "parallel": leaves.parallel,
            "registry": leaves.registry,
            "balance": leaves.balance,
            "elapsed_ms": t.elapsed().as_millis() as u64,
        })
    } else {
        let native = pool_report_with(&state, Some(&tree), &pool)?;
        let opts = stakeproof_prover::tree::TreeOptions {
            node_k,
            final_k: a.final_k,
            keep_proving_keys: !a.discard_proving_keys,
        };
        let out = stakeproof_prover::tree::prove_report_opts(
            &state, &pool, &lc, &opts, &srs, &work, &bars,
        )?;
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
            "proof_sha256": final_cmds::proof_digest(art),
            "proof_bytes": art.proof_bytes().map(|p| p.len()),
            "public_inputs": art.instances.len(),
            "unsafe_srs": srs.unsafe_local,
            "srs": srs.id,
            "leaf_config": lc,
            "node_k": node_k,
            "final_k": a.final_k,
            "backend": backend,
            "backend_ops": backend_counts(),
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
    let path = work
        .root
        .join(format!("summary-slot-{}.json", state.slot()));
    write_atomically(&path, serde_json::to_string_pretty(&summary)?.as_bytes())?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
        return Ok(());
    }
    println!(
        "slot {} ({}), block root {}",
        state.slot(),
        state.fork(),
        hex0x(&tree.block_root())
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
    if a.leaves_only {
        println!("(--leaves-only: no aggregation into the final proof)");
    } else {
        println!(
            "aggregation: {} node proofs at k={node_k}, {} generated, {} reused",
            summary["nodes"].as_array().map_or(0, Vec::len),
            summary["nodes_generated"],
            summary["nodes_reused"],
        );
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

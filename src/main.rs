//! `stakeproof`: the command line.

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use stakeproof::prover::api::{BeaconClient, BlockId, ClientConfig};
use stakeproof::prover::beacon::{BeaconState, Fork, NetworkConfig, StateTree};
use stakeproof::prover::devnet::{self, DevnetSpec};
use stakeproof::prover::hash::Node;
use stakeproof::prover::merkle::MerkleProof;
use stakeproof::prover::report::{pool_report_with, Pool, PoolReport};
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(
    name = "stakeproof",
    version,
    about = "Trustless proofs of a liquid-staking pool's beacon-chain balance"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the embedded default: a deterministic Electra devnet state with a pool among other
    /// validators; prints the pool report and checks every pool validator's and balance's Merkle
    /// proof against the block root. No network, no GPU.
    Demo(DemoArgs),
    /// The native pool report (count, Σ balances, active/exited/slashed) at a state.
    Report(ReportArgs),
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
    /// Prove a report's leaves: every registry and balance range of the state, in parallel,
    /// reusing every proof already in the work directory (resumable). Aggregation into one
    /// block-root-bound proof is not built yet.
    Prove(ProveArgs),
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
    /// Registry length of the generated state.
    #[arg(long, default_value_t = 64)]
    validators: usize,
    /// Skip the zero-knowledge leaf proofs (native report and Merkle proofs only).
    #[arg(long)]
    no_prove: bool,
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
#[group(id = "pool", required = true, multiple = false)]
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
    fn pool(&self) -> Pool {
        self.withdrawal_address
            .or(self.withdrawal_credentials)
            .expect("clap requires one")
    }
}

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
    /// An SSZ BeaconState file.
    #[arg(
        long,
        conflicts_with = "beacon_url",
        required_unless_present = "beacon_url"
    )]
    state: Option<PathBuf>,
    /// Layout of `--state` (default: from the state's fork version with `--config`, else the
    /// layout that decodes).
    #[arg(long, value_enum)]
    fork: Option<ForkArg>,
    /// Preset (ignored with `--config`).
    #[arg(long, value_enum, default_value = "mainnet")]
    preset: PresetArg,
    /// A network config.yaml (PRESET_BASE, preset overrides, fork versions).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Beacon node REST API, e.g. http://localhost:5052 (without --slot/--epoch/--block: the
    /// finalized block).
    #[arg(long)]
    beacon_url: Option<String>,
    /// Prove the last block at or before this slot.
    #[arg(long, requires = "beacon_url", conflicts_with_all = ["epoch", "block"])]
    slot: Option<u64>,
    /// The last block at or before this epoch's first slot.
    #[arg(long, requires = "beacon_url", conflicts_with = "block")]
    epoch: Option<u64>,
    /// A block id: `head`, `finalized`, a slot, or a 0x block root.
    #[arg(long, requires = "beacon_url", value_parser = parse_block_id)]
    block: Option<BlockId>,
    /// Local content-addressed cache of downloaded states.
    #[arg(long, default_value = ".stakeproof-cache")]
    cache_dir: PathBuf,
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
    let result = match cli.command {
        Command::Demo(a) => demo(a),
        Command::Report(a) => report(a),
        Command::Proof(a) => proof(a),
        Command::CircuitInfo(a) => circuit_info(a),
        Command::Setup(a) => setup(a),
        Command::Prove(a) => prove(a),
    };
    if let Err(e) = result {
        eprintln!("error: {e:#}");
        std::process::exit(exit_code(&e));
    }
}

/// Exit codes: 0 success, 1 bad input or any other failure, 2 bad command line (clap),
/// 3 the beacon node failed (unreachable, HTTP error, timeout, inconsistent data),
/// 4 proofs disagree with the native computation (never expected: report it).
fn exit_code(e: &anyhow::Error) -> i32 {
    for cause in e.chain() {
        if cause.is::<stakeproof::prover::api::ApiError>() {
            return 3;
        }
        if let Some(stakeproof_pipeline::PipelineError::Mismatch { .. }) =
            cause.downcast_ref::<stakeproof_pipeline::PipelineError>()
        {
            return 4;
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

fn network_config(src: &SourceArgs) -> Result<NetworkConfig> {
    Ok(match &src.config {
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
    cfg.cache_dir = Some(src.cache_dir.clone());
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

fn report(a: ReportArgs) -> Result<()> {
    let (state, tree) = load_state(&a.source)?;
    let r = pool_report_with(&state, tree.as_ref(), &a.pool.pool())?;
    print_report(&r, a.json)
}

fn proof(a: ProofArgs) -> Result<()> {
    let (state, tree) = load_state(&a.source)?;
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

    // Zero-knowledge leaf proofs of the whole registry and every balance, on an unsafe local
    // setup; their public totals must equal the native report.
    let leaves = if a.no_prove {
        None
    } else {
        let cfg = stakeproof_pipeline::leaves::LeafConfig::small();
        let work = stakeproof_pipeline::leaves::WorkDir {
            root: a.work_dir.clone(),
        };
        let pb = spinner("loading the (UNSAFE, local) KZG setup");
        let srs = stakeproof_pipeline::srs::Srs::unsafe_local(
            cfg.registry_k.max(cfg.balance_k),
            UNSAFE_SEED,
            Some(&work.srs()),
        )?;
        pb.finish_and_clear();
        let bars = Bars {
            current: std::sync::Mutex::new(None),
        };
        let leaves =
            stakeproof_pipeline::leaves::prove_leaves(&state, &pool, &cfg, &srs, &work, &bars)?;
        drop(bars);
        Some(leaves)
    };
    let elapsed = t0.elapsed();
    let leaf_summary = leaves.as_ref().map(|l| {
        let all = l.registry.len() + l.balance.len();
        let reused = l
            .registry
            .iter()
            .chain(&l.balance)
            .filter(|o| o.reused)
            .count();
        serde_json::json!({
            "registry_proofs": l.registry.len(),
            "balance_proofs": l.balance.len(),
            "generated": all - reused,
            "reused": reused,
            "proven_totals": l.totals,
            "unsafe_srs": true,
            "aggregated": false,
        })
    });
    if a.json {
        let out = serde_json::json!({
            "report": report,
            "merkle_proofs_verified": members.len() * 2 + 1,
            "leaf_proofs": leaf_summary,
            "elapsed_ms": elapsed.as_millis() as u64,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
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
        match &leaves {
            Some(l) => {
                let reused = l
                    .registry
                    .iter()
                    .chain(&l.balance)
                    .filter(|o| o.reused)
                    .count();
                println!(
                    "zero-knowledge leaf proofs: {} registry + {} balance ({} reused from {}), proven totals equal the report",
                    l.registry.len(),
                    l.balance.len(),
                    reused,
                    a.work_dir.display()
                );
                println!("  setup: UNSAFE local KZG setup (demo only)");
                println!("  not yet: aggregation into one block-root-bound proof, and its check in the EVM");
            }
            None => println!("zero-knowledge leaf proofs skipped (--no-prove)"),
        }
        println!("done in {elapsed:.1?}");
    }
    Ok(())
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
// setup / prove: the proving pipeline's leaf stage.

#[derive(Args)]
#[group(id = "srs_source", required = true, multiple = false)]
struct SrsArgs {
    /// A ceremony KZG setup in halo2's format (perpetual powers of tau, converted).
    #[arg(long, group = "srs_source")]
    srs: Option<PathBuf>,
    /// Generate a local setup with a known seed. UNSAFE: anyone can forge proofs against it;
    /// for tests and demos only.
    #[arg(long, group = "srs_source")]
    unsafe_srs: bool,
}

#[derive(Args)]
struct LeafArgs {
    /// Validators per registry proof (a power of two).
    #[arg(long, default_value_t = 4)]
    registry_size: usize,
    /// Balances per balance proof (a power of two, a multiple of the registry size).
    #[arg(long, default_value_t = 16)]
    balance_size: usize,
    /// Work directory: keys, proof artifacts, SRS cache.
    #[arg(long, default_value = ".stakeproof-work")]
    work_dir: PathBuf,
    /// At most this many proofs at once (also capped by available memory).
    #[arg(long)]
    max_parallel: Option<usize>,
}

impl LeafArgs {
    fn config(&self) -> Result<stakeproof_pipeline::leaves::LeafConfig> {
        let mut cfg = stakeproof_pipeline::leaves::LeafConfig::for_sizes(
            self.registry_size,
            self.balance_size,
        )?;
        if let Some(m) = self.max_parallel {
            cfg.max_parallel = m.max(1);
        }
        Ok(cfg)
    }

    fn work(&self) -> stakeproof_pipeline::leaves::WorkDir {
        stakeproof_pipeline::leaves::WorkDir {
            root: self.work_dir.clone(),
        }
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
    /// Machine-readable output.
    #[arg(long)]
    json: bool,
}

/// Seed of the unsafe local setup (fixed, so keys are reusable across runs).
const UNSAFE_SEED: u64 = 0x5741_4b45;

fn load_srs(
    a: &SrsArgs,
    need_k: u32,
    work: &stakeproof_pipeline::leaves::WorkDir,
) -> Result<stakeproof_pipeline::srs::Srs> {
    use stakeproof_pipeline::srs::Srs;
    match &a.srs {
        Some(p) => Ok(Srs::load(p)?),
        None => {
            eprintln!("warning: using an UNSAFE locally generated KZG setup (known seed): proofs against it can be forged");
            Ok(Srs::unsafe_local(need_k, UNSAFE_SEED, Some(&work.srs()))?)
        }
    }
}

/// Progress bars for the pipeline's stages.
struct Bars {
    current: std::sync::Mutex<Option<ProgressBar>>,
}

impl stakeproof_pipeline::leaves::Progress for Bars {
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

fn setup(a: SetupArgs) -> Result<()> {
    let cfg = a.leaves.config()?;
    let work = a.leaves.work();
    let srs = load_srs(&a.srs, cfg.registry_k.max(cfg.balance_k), &work)?;
    let t = Instant::now();
    let (rk, bk) = stakeproof_pipeline::leaves::leaf_keys(&cfg, &srs, &work)?;
    let out = serde_json::json!({
        "srs": srs.id,
        "unsafe_srs": srs.unsafe_local,
        "srs_k": srs.k(),
        "circuits": [
            {"circuit": rk.name, "k": cfg.registry_k, "vk_digest": rk.vk_digest, "cached": rk.cached},
            {"circuit": bk.name, "k": cfg.balance_k, "vk_digest": bk.vk_digest, "cached": bk.cached},
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
        for (k, c) in [(cfg.registry_k, &rk), (cfg.balance_k, &bk)] {
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

fn prove(a: ProveArgs) -> Result<()> {
    let cfg = a.leaves.config()?;
    let work = a.leaves.work();
    let (state, tree) = load_state(&a.source)?;
    let Some(tree) = tree else {
        state.tree()?;
        bail!("the state has no block root");
    };
    let srs = load_srs(&a.srs, cfg.registry_k.max(cfg.balance_k), &work)?;
    let pool = a.pool.pool();
    let t = Instant::now();
    let bars = Bars {
        current: std::sync::Mutex::new(None),
    };
    let leaves =
        stakeproof_pipeline::leaves::prove_leaves(&state, &pool, &cfg, &srs, &work, &bars)?;
    drop(bars);
    let proven = leaves
        .registry
        .iter()
        .chain(&leaves.balance)
        .filter(|o| !o.reused)
        .count();
    let reused = leaves.registry.len() + leaves.balance.len() - proven;
    let summary = serde_json::json!({
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
        "leaf_config": cfg,
        "proofs_generated": proven,
        "proofs_reused": reused,
        "parallel": leaves.parallel,
        "registry": leaves.registry,
        "balance": leaves.balance,
        "elapsed_ms": t.elapsed().as_millis() as u64,
    });
    let path = work
        .root
        .join(format!("summary-slot-{}.json", state.slot()));
    write_atomically(&path, serde_json::to_string_pretty(&summary)?.as_bytes())?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        println!(
            "slot {} ({}), block root {}",
            state.slot(),
            state.fork(),
            hex0x(&tree.block_root())
        );
        println!("pool validators     {}", leaves.totals.validator_count);
        println!(
            "total balance       {} gwei",
            leaves.totals.total_balance_gwei
        );
        println!(
            "active / exited / slashed   {} / {} / {}",
            leaves.totals.active_count, leaves.totals.exited_count, leaves.totals.slashed_count
        );
        println!(
            "leaf proofs: {} registry + {} balance, {proven} generated, {reused} reused, {} at a time, {:.1?}",
            leaves.registry.len(),
            leaves.balance.len(),
            leaves.parallel,
            t.elapsed()
        );
        if srs.unsafe_local {
            println!("setup: UNSAFE local KZG setup (tests and demos only)");
        }
        println!("summary: {}", path.display());
        println!("aggregation into one block-root-bound proof is not built yet: these are the verified leaf proofs");
    }
    Ok(())
}

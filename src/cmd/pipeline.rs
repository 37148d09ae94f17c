//! What `setup`, `prove`, `demo` and `verify` share: the KZG setup and leaf flags, the work
//! directory, progress bars, and the check of a final statement against the native report.

use crate::config::Config;
use crate::exit::{usage, CliError};
use anyhow::Result;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use stakeproof::beacon::hexfmt;
use stakeproof::beacon::report::PoolReport;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::spinner;

/// Where the KZG setup comes from (flags, then the config file).
#[derive(Args)]
#[group(id = "srs_source", multiple = false)]
pub(crate) struct SrsArgs {
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
pub(crate) enum SrsChoice {
    /// A ceremony file.
    File(PathBuf),
    /// The unsafe local setup.
    Unsafe,
}

impl SrsArgs {
    /// The flags' choice, else the config file's, else `None`.
    pub(crate) fn choice_opt(&self, cfg: &Config) -> Option<SrsChoice> {
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
    pub(crate) fn choice(&self, cfg: &Config) -> Result<SrsChoice> {
        self.choice_opt(cfg).ok_or_else(|| {
            usage("a KZG setup is required: --srs FILE (a ceremony setup in halo2's format) or --unsafe-srs (tests and demos only), or srs / unsafe_srs in --config")
        })
    }
}

/// Leaf sizes and the work directory (flags, then the config file, then the defaults).
#[derive(Args)]
pub(crate) struct LeafArgs {
    /// Validators per registry proof (a power of two, at most 2^20) [default: 4].
    #[arg(long, value_parser = parse_registry_size)]
    registry_size: Option<usize>,
    /// Balances per balance proof (a power of two from 4 to 2^20, a multiple of the registry
    /// size) [default: 16].
    #[arg(long, value_parser = parse_balance_size)]
    balance_size: Option<usize>,
    /// Work directory: keys, proof artifacts, SRS cache [default: .stakeproof-work].
    #[arg(long)]
    work_dir: Option<PathBuf>,
    /// At most this many leaf proofs at once (also capped by available memory).
    #[arg(long, value_parser = parse_max_parallel)]
    max_parallel: Option<usize>,
    #[command(flatten)]
    pub(crate) pending: PendingArgs,
}

/// The pool's pending deposits in the report (Electra on).
#[derive(Args, Clone, Copy, Debug, Default)]
pub(crate) struct PendingArgs {
    /// Prove the pool's pending deposits (Electra's `pending_deposits` queue) into the final
    /// statement, in leaves of this many queue entries (a power of two, at most 2^20). The final
    /// proof then has two more public inputs, its count and sum: another verifier.
    #[arg(long, value_parser = parse_pending_size)]
    pending_size: Option<usize>,
    /// Join levels of the queue's run tree, part of the final key: it holds pending-size ·
    /// 2^depth entries, and a longer queue is refused before proving [default: 20 − log2
    /// pending-size, 2^20 entries].
    #[arg(long, requires = "pending_size", value_parser = clap::value_parser!(u32).range(0..=27))]
    pending_depth: Option<u32>,
}

impl PendingArgs {
    /// Whether `--pending-size` was given.
    pub(crate) fn is_set(&self) -> bool {
        self.pending_size.is_some()
    }

    /// Sets the pending configuration of `lc` from the flags (unchanged without them).
    pub(crate) fn apply(&self, lc: &mut stakeproof_prover::leaves::LeafConfig) -> Result<()> {
        if let Some(n) = self.pending_size {
            lc.pending = Some(
                stakeproof_prover::options::PendingConfig::new(n, self.pending_depth)
                    .map_err(|e| usage(&e.to_string()))?,
            );
        }
        Ok(())
    }
}

/// Parses `--pending-size`: a power of two from 1 to 2^20.
fn parse_pending_size(s: &str) -> std::result::Result<usize, String> {
    let n = parse_count(s)?;
    check_leaf_size(n, 1, "pending size")
}

impl LeafArgs {
    /// The leaf configuration: sizes and parallelism.
    pub(crate) fn config(&self, cfg: &Config) -> Result<stakeproof_prover::leaves::LeafConfig> {
        let mut lc = leaf_config(self.registry_size, self.balance_size, cfg)?;
        if let Some(m) = self.max_parallel.or(cfg.max_parallel) {
            lc.max_parallel = m.max(1);
        }
        self.pending.apply(&mut lc)?;
        Ok(lc)
    }

    /// The work directory (see [`work_dir`]).
    pub(crate) fn work(&self, cfg: &Config) -> stakeproof_prover::leaves::WorkDir {
        work_dir(self.work_dir.as_ref(), cfg)
    }
}

/// Largest leaf range size the command line accepts: 2^20 validators or balances per proof
/// (a leaf's witness is held whole in memory, and its circuit must fit halo2's 2^28 rows).
pub(crate) const MAX_LEAF_SIZE: usize = 1 << 20;

/// Checks a leaf range size: a power of two from `min` to [`MAX_LEAF_SIZE`].
fn check_leaf_size(n: u64, min: usize, what: &str) -> std::result::Result<usize, String> {
    let rule = format!("a power of two from {min} to {MAX_LEAF_SIZE} (2^20)");
    match usize::try_from(n) {
        Ok(n) if n.is_power_of_two() && (min..=MAX_LEAF_SIZE).contains(&n) => Ok(n),
        _ if n.is_power_of_two() => Err(format!("{what} {n} is out of range: {rule}")),
        _ => Err(format!("{what} {n} is not {rule}")),
    }
}

/// Parses `--registry-size`: a power of two from 1 to 2^20.
pub(crate) fn parse_registry_size(s: &str) -> std::result::Result<usize, String> {
    let n = parse_count(s)?;
    check_leaf_size(n, 1, "registry size")
}

/// Parses `--balance-size`: a power of two from 4 to 2^20.
pub(crate) fn parse_balance_size(s: &str) -> std::result::Result<usize, String> {
    let n = parse_count(s)?;
    check_leaf_size(n, 4, "balance size")
}

/// Parses `--max-parallel`: 1 to 4096.
fn parse_max_parallel(s: &str) -> std::result::Result<usize, String> {
    match parse_count(s)? {
        n @ 1..=4096 => Ok(n as usize),
        n => Err(format!("{n} is not from 1 to 4096")),
    }
}

fn parse_count(s: &str) -> std::result::Result<u64, String> {
    s.trim()
        .parse::<u64>()
        .map_err(|_| format!("{s:?} is not a whole number"))
}

/// The leaf sizes of the flags, else the config file's, else 4 and 16; a config value out of
/// range is a usage error (exit code 2), like the flag's.
pub(crate) fn leaf_config(
    registry: Option<usize>,
    balance: Option<usize>,
    cfg: &Config,
) -> Result<stakeproof_prover::leaves::LeafConfig> {
    let from_cfg = |v: Option<usize>, min, what: &str| -> Result<Option<usize>> {
        v.map(|n| check_leaf_size(n as u64, min, what))
            .transpose()
            .map_err(|e| usage(&format!("{what} in --config: {e}")))
    };
    let registry = match registry {
        Some(n) => n,
        None => from_cfg(cfg.registry_size, 1, "registry_size")?.unwrap_or(4),
    };
    let balance = match balance {
        Some(n) => n,
        None => from_cfg(cfg.balance_size, 4, "balance_size")?.unwrap_or(16),
    };
    Ok(stakeproof_prover::leaves::LeafConfig::for_sizes(
        registry, balance,
    )?)
}

/// The work directory: the flag, else the config file's, else `.stakeproof-work`.
pub(crate) fn work_dir(flag: Option<&PathBuf>, cfg: &Config) -> stakeproof_prover::leaves::WorkDir {
    stakeproof_prover::leaves::WorkDir {
        root: flag
            .cloned()
            .or_else(|| cfg.work_dir.clone())
            .unwrap_or_else(|| PathBuf::from(".stakeproof-work")),
    }
}

/// Seed of the unsafe local setup (fixed, so keys are reusable across runs).
const UNSAFE_SEED: u64 = 0x5741_4b45;

/// Prints the unsafe-setup warning.
pub(crate) fn warn_unsafe() {
    eprintln!("warning: using an UNSAFE locally generated KZG setup (known seed): proofs against it can be forged");
}

/// The setup of `choice` with at least 2^`need_k` points (the unsafe one cached in `work`).
pub(crate) fn load_srs(
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

/// Progress of the pipeline's stages: bars on a terminal; where stderr is not one (CI logs,
/// `| tee`), where indicatif draws nothing, one plain line per finished item instead.
pub(crate) struct Bars {
    current: std::sync::Mutex<Stage>,
    plain: bool,
}

/// The stage being drawn.
#[derive(Default)]
struct Stage {
    bar: Option<ProgressBar>,
    name: String,
    total: usize,
    done: usize,
    last: Option<Instant>,
}

impl Bars {
    /// No stage yet; plain lines unless stderr is a terminal.
    pub(crate) fn new() -> Self {
        Self::with_plain(!std::io::stderr().is_terminal())
    }

    fn with_plain(plain: bool) -> Self {
        Bars {
            current: std::sync::Mutex::new(Stage::default()),
            plain,
        }
    }

    /// Whether the lines are plain (stderr is not a terminal).
    pub(crate) fn plain(&self) -> bool {
        self.plain
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Stage> {
        self.current.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl stakeproof_prover::leaves::Progress for Bars {
    fn stage(&self, name: &str, total: usize) {
        let mut cur = self.lock();
        if let Some(pb) = cur.bar.take() {
            pb.finish_and_clear();
        }
        *cur = Stage {
            bar: None,
            name: name.to_string(),
            total,
            done: 0,
            last: Some(Instant::now()),
        };
        if self.plain {
            eprintln!("stakeproof: {name}: {total} to do");
            return;
        }
        let pb = ProgressBar::new(total as u64);
        pb.set_style(
            ProgressStyle::with_template("{msg:>16} {bar:30} {pos}/{len} [{elapsed} < {eta}]")
                .expect("template"),
        );
        pb.set_message(name.to_string());
        pb.enable_steady_tick(Duration::from_secs(1));
        cur.bar = Some(pb);
    }

    fn tick(&self) {
        let mut cur = self.lock();
        cur.done += 1;
        if let Some(pb) = cur.bar.as_ref() {
            pb.inc(1);
        }
        if self.plain {
            let now = Instant::now();
            let secs = cur
                .last
                .map_or(0.0, |t| now.duration_since(t).as_secs_f64());
            cur.last = Some(now);
            eprintln!(
                "stakeproof: {} {}/{} finished ({secs:.1} s since the previous)",
                cur.name, cur.done, cur.total
            );
        }
    }
}

impl Drop for Bars {
    fn drop(&mut self) {
        if let Some(pb) = self.lock().bar.take() {
            pb.finish_and_clear();
        }
    }
}

/// Where stderr is not a terminal, one plain line per proof of a finished run: its circuit,
/// index, seconds and whether it was generated or reused (the bars showed none of it).
pub(crate) fn print_plain_outcomes(
    bars: &Bars,
    leaves: &stakeproof_prover::leaves::LeafReport,
    nodes: &[stakeproof_prover::tree::NodeOutcome],
) {
    if !bars.plain() {
        return;
    }
    let how = |reused: bool| if reused { "reused" } else { "generated" };
    for l in leaves.registry.iter().chain(&leaves.balance) {
        eprintln!(
            "stakeproof: proof {} at {}: {} in {:.1} s",
            l.circuit,
            l.start,
            how(l.reused),
            l.seconds
        );
    }
    for (i, n) in nodes.iter().enumerate() {
        eprintln!(
            "stakeproof: proof {} node {i}: {} in {:.1} s",
            n.circuit,
            how(n.reused),
            n.seconds
        );
    }
}

/// How many leaf proofs were generated and reused.
pub(crate) fn leaf_counts(l: &stakeproof_prover::leaves::LeafReport) -> (usize, usize) {
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
pub(crate) fn check_statement(
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
        if s.block_root != hexfmt::encode(b) {
            diffs.push(format!(
                "block_root: proven {}, native {}",
                s.block_root,
                hexfmt::encode(b)
            ));
        }
    }
    if diffs.is_empty() {
        Ok(())
    } else {
        Err(CliError::Disagree(diffs.join("; ")).into())
    }
}

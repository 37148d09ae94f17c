//! What `setup`, `prove`, `demo` and `verify` share: the KZG setup and leaf flags, the work
//! directory, progress bars, and the check of a final statement against the native report.

use crate::config::Config;
use crate::exit::{usage, CliError};
use anyhow::Result;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use stakeproof::beacon::hexfmt;
use stakeproof::beacon::report::PoolReport;
use std::path::PathBuf;
use std::time::Duration;

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
    /// The leaf configuration: sizes and parallelism.
    pub(crate) fn config(&self, cfg: &Config) -> Result<stakeproof_prover::leaves::LeafConfig> {
        let mut lc = stakeproof_prover::leaves::LeafConfig::for_sizes(
            self.registry_size.or(cfg.registry_size).unwrap_or(4),
            self.balance_size.or(cfg.balance_size).unwrap_or(16),
        )?;
        if let Some(m) = self.max_parallel.or(cfg.max_parallel) {
            lc.max_parallel = m.max(1);
        }
        Ok(lc)
    }

    /// The work directory (see [`work_dir`]).
    pub(crate) fn work(&self, cfg: &Config) -> stakeproof_prover::leaves::WorkDir {
        work_dir(self.work_dir.as_ref(), cfg)
    }
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

/// Progress bars for the pipeline's stages.
pub(crate) struct Bars {
    current: std::sync::Mutex<Option<ProgressBar>>,
}

impl Bars {
    /// No stage yet.
    pub(crate) fn new() -> Self {
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

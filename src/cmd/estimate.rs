//! `estimate`: the cost model of issue #15, today's design against the registry-delta one.

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use stakeproof_prover::estimate::model::{MAX_CHURN, MAX_VALIDATORS};
use stakeproof_prover::estimate::{
    estimate as run_estimate, Estimate, EstimateError, Inputs, Layout, Profile, ReportCost,
};

use crate::exit::usage;

/// How the pool's validators sit in the registry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum LayoutArg {
    /// Contiguous runs of --run-length validators at uniformly random starts.
    Runs,
    /// Each validator a member independently.
    Spread,
}

/// `stakeproof estimate`.
#[derive(Args)]
pub(crate) struct EstimateArgs {
    /// Registry size N (validators): a number or 2^E, from 1 to 2^40.
    #[arg(long, default_value = "2^21", value_parser = parse_validators)]
    validators: u64,
    /// The pool's share of the registry, from 0 to 1.
    #[arg(long, default_value_t = 0.30, value_parser = parse_share)]
    pool_share: f64,
    /// Where the pool's validators sit.
    #[arg(long, value_enum, default_value = "runs")]
    layout: LayoutArg,
    /// Validators per run (`--layout runs`): deposits arrive in batches.
    #[arg(long, default_value_t = 100, value_parser = parse_run_length)]
    run_length: u64,
    /// Exits per report, at uniformly random indices.
    #[arg(long, default_value_t = 1800, value_parser = parse_churn)]
    exits: u64,
    /// Validators appended per report.
    #[arg(long, default_value_t = 1800, value_parser = parse_churn)]
    appended: u64,
    /// Effective-balance changes per report, at uniformly random indices.
    #[arg(long, default_value_t = 1400, value_parser = parse_churn)]
    balance_changes: u64,
    /// Entries in the state's pending_deposits queue (at most 2^20, the run tree's capacity):
    /// adds the pending-deposit proofs (every entry, every report; the run tree padded to a
    /// fixed depth; the final node that takes it is planned, docs/ARCHITECTURE.md §10).
    /// Without it, the proofs of today's prover.
    #[arg(long, value_parser = parse_churn)]
    pending_deposits: Option<u64>,
    /// Machine profile: 24g (2 vCPU, 24 GiB, today's measured costs), 128g, gpu, or a JSON
    /// profile file (the format `--json` prints under "profile"; see the README).
    #[arg(long, default_value = "24g", value_name = "NAME|FILE")]
    profile: String,
    /// Machine-readable output: one JSON object (inputs, profile, per-design figures, ratios).
    #[arg(long)]
    json: bool,
}

/// Parses `--validators`: `N` or `2^E`, from 1 to 2^40.
fn parse_validators(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let n = match s.split_once('^') {
        Some(("2", e)) => {
            let e: u32 = e
                .trim()
                .parse()
                .map_err(|_| format!("exponent {e:?} is not a whole number"))?;
            if e > 40 {
                return Err(format!("2^{e} is above 2^40 (VALIDATOR_REGISTRY_LIMIT)"));
            }
            1u64 << e
        }
        Some(_) => return Err(format!("{s:?}: only powers of 2 are written B^E")),
        None => s
            .parse::<u64>()
            .map_err(|_| format!("{s:?} is not a whole number"))?,
    };
    if n == 0 || n > MAX_VALIDATORS {
        return Err(format!(
            "{n} is not from 1 to 2^40 (VALIDATOR_REGISTRY_LIMIT)"
        ));
    }
    Ok(n)
}

/// Parses `--pool-share`: a fraction from 0 to 1.
fn parse_share(s: &str) -> Result<f64, String> {
    let f: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a number"))?;
    if !(0.0..=1.0).contains(&f) {
        return Err(format!("{s} is not a fraction from 0 to 1"));
    }
    Ok(f)
}

/// Parses `--run-length`: from 1 to 2^40 (and at most N, checked with the other flags).
fn parse_run_length(s: &str) -> Result<u64, String> {
    match s.trim().parse::<u64>() {
        Ok(n @ 1..=MAX_VALIDATORS) => Ok(n),
        Ok(n) => Err(format!("{n} is not from 1 to 2^40")),
        Err(_) => Err(format!("{s:?} is not a whole number")),
    }
}

/// Parses a churn figure: from 0 to 2^40.
fn parse_churn(s: &str) -> Result<u64, String> {
    match s.trim().parse::<u64>() {
        Ok(n @ 0..=MAX_CHURN) => Ok(n),
        Ok(n) => Err(format!("{n} is above 2^40")),
        Err(_) => Err(format!("{s:?} is not a whole number")),
    }
}

/// `stakeproof estimate`.
pub(crate) fn estimate(a: EstimateArgs) -> Result<()> {
    let inputs = Inputs {
        validators: a.validators,
        pool_share: a.pool_share,
        layout: match a.layout {
            LayoutArg::Runs => Layout::Runs,
            LayoutArg::Spread => Layout::Spread,
        },
        run_length: a.run_length,
        exits: a.exits,
        appended: a.appended,
        balance_changes: a.balance_changes,
        pending_deposits: a.pending_deposits,
    };
    // Flags that disagree with each other are a bad command line (exit code 2), like clap's.
    inputs.validate().map_err(|e| usage(&e.to_string()))?;
    // A profile that does not load or validate is bad input (exit code 1).
    let profile = Profile::resolve(&a.profile).context("--profile")?;
    let e = run_estimate(&inputs, &profile).map_err(|e| match e {
        EstimateError::Input(e) => usage(&e.to_string()),
        e => anyhow::Error::from(e),
    })?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&e)?);
    } else {
        print!("{}", table(&e));
    }
    Ok(())
}

/// `1234567.8` → `1,234,568`.
fn thousands(x: f64) -> String {
    let digits = format!("{:.0}", x.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Hours: one decimal below 100, else whole with thousands separators.
fn hours(h: f64) -> String {
    if h < 100.0 {
        format!("{h:.1}")
    } else {
        thousands(h)
    }
}

/// Seconds as minutes or hours.
fn duration(s: f64) -> String {
    if s < 5400.0 {
        format!("{:.0} min", s / 60.0)
    } else {
        format!("{:.1} h", s / 3600.0)
    }
}

fn ratio(r: Option<f64>) -> String {
    match r {
        Some(r) if r > 0.0 && r < 0.95 => format!("{r:.3} (1/{:.1})", 1.0 / r),
        Some(r) => format!("{r:.3}"),
        None => "-".into(),
    }
}

/// The human table: both designs' cold and later reports and the ratios.
fn table(e: &Estimate) -> String {
    use std::fmt::Write;
    let i = &e.inputs;
    let p = &e.profile;
    let s = &p.sizes;
    let mut o = String::new();
    let layout = match i.layout {
        Layout::Runs => format!("in runs of {}", thousands(i.run_length as f64)),
        Layout::Spread => "spread".into(),
    };
    let _ = writeln!(
        o,
        "N = {} validators, pool {}% {layout}; per report {} exits + {} balance changes \
         (scattered), {} appended",
        thousands(i.validators as f64),
        format_share(i.pool_share),
        thousands(i.exits as f64),
        thousands(i.balance_changes as f64),
        thousands(i.appended as f64),
    );
    if let Some(q) = i.pending_deposits {
        let _ = writeln!(
            o,
            "pending_deposits queue: {} entries, n_p = {}",
            thousands(q as f64),
            s.pending_size
        );
    }
    let _ = writeln!(
        o,
        "profile {}: n_r = {}, n_b = {}, K = {}, pool-balance n_b = {}, arity {}, {} GB",
        p.name,
        s.registry_size,
        s.balance_size,
        s.delta_updates,
        s.pool_balance_size,
        s.node_arity,
        p.memory_gb
    );
    let _ = writeln!(
        o,
        "expected values; machine-hours = every proof one after another; chain = longest \
         dependency chain with unlimited workers"
    );
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "{:<6} {:<9} {:>14} {:>22} {:>22} {:>14}",
        "report", "design", "proofs", "SHA-256 compressions", "machine-hours", "chain"
    );
    let row = |o: &mut String, report: &str, design: &str, c: &ReportCost| {
        let modelled = if c.modelled_share == 0.0 {
            "measured".to_string()
        } else {
            format!("{:.0}% modelled", c.modelled_share * 100.0)
        };
        let _ = writeln!(
            o,
            "{:<6} {:<9} {:>14} {:>22} {:>22} {:>14}",
            report,
            design,
            thousands(c.proofs),
            thousands(c.compressions),
            format!("{} ({modelled})", hours(c.machine_hours)),
            duration(c.latency_s),
        );
    };
    for (report, today, new, r) in [
        (
            "cold",
            &e.designs.today.cold,
            &e.designs.new.cold,
            &e.ratios.cold,
        ),
        (
            "later",
            &e.designs.today.later,
            &e.designs.new.later,
            &e.ratios.later,
        ),
    ] {
        row(&mut o, report, "today", today);
        row(&mut o, report, "new", new);
        let _ = writeln!(
            o,
            "{:<6} {:<9} {:>14} {:>22} {:>22} {:>14}",
            report,
            "new/today",
            ratio(r.proofs),
            ratio(r.compressions),
            ratio(r.machine_hours),
            ratio(r.latency_s),
        );
    }
    for n in &e.notes {
        let _ = writeln!(o, "note: {n}");
    }
    o
}

/// `0.3` → `30`, `0.015` → `1.5`.
fn format_share(f: f64) -> String {
    let pct = format!("{:.2}", f * 100.0);
    pct.trim_end_matches('0').trim_end_matches('.').to_string()
}

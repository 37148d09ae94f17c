//! `circuit-info`: what the leaf circuits cost, measured by one real keygen, prove and verify.

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};

use super::spinner;

/// Which leaf circuits `circuit-info` measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum CircuitKindArg {
    Registry,
    Balance,
    All,
}

/// `stakeproof circuit-info`.
#[derive(Args)]
pub(crate) struct CircuitInfoArgs {
    /// Validators per registry proof (n_r, a power of two); also the registry range size whose
    /// commitments the balance proof consumes.
    #[arg(long, default_value_t = 4, value_parser = super::pipeline::parse_registry_size)]
    registry_size: usize,
    /// Balances per balance proof (n_b: a power of two, at least 4, a multiple of n_r).
    #[arg(long, default_value_t = 16, value_parser = super::pipeline::parse_balance_size)]
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

/// `stakeproof circuit-info`.
pub(crate) fn circuit_info(a: CircuitInfoArgs) -> Result<()> {
    use stakeproof_prover::circuit_cost::{measure, LeafSize};
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

/// Prints the measured costs, one column per circuit.
fn print_circuit_costs(reports: &[stakeproof_prover::circuit_cost::CircuitCost]) {
    fn mib(b: u64) -> String {
        format!("{:.0} MiB", b as f64 / (1024.0 * 1024.0))
    }
    type Row = (
        &'static str,
        fn(&stakeproof_prover::circuit_cost::CircuitCost) -> String,
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

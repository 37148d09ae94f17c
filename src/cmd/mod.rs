//! The command line: the clap types of every subcommand and the dispatch to their modules.

mod artifact;
mod circuit_info;
mod demo;
mod estimate;
mod final_cmds;
mod node;
mod onchain;
mod pipeline;
mod plan;
mod pool_root;
mod prove;
mod report;
mod setup;
mod source;
mod submit;
mod vault;

use crate::config::Config;
use crate::exit;
use anyhow::Result;
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;
use std::time::Duration;

/// `stakeproof` and its global flags.
#[derive(Parser)]
#[command(
    name = "stakeproof",
    version,
    about = "Trustless proofs of a liquid-staking pool's beacon-chain balance",
    after_help = exit::help()
)]
pub struct Cli {
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
    #[command(after_help = exit::help())]
    Demo(demo::DemoArgs),
    /// The native pool report (count, Σ balances, active/exited/slashed) at a state.
    Report(report::ReportArgs),
    /// The report's whole proof tree computed natively, no key or proof: every registry and
    /// balance leaf and every aggregation node, with its children and public inputs decoded
    /// (what `prove` will prove, node by node, in the same order).
    Tree(report::TreeArgs),
    /// Merkle proofs from a validator, a balance, the registry length or an aligned subtree up
    /// to the block root.
    Proof(report::ProofArgs),
    /// What the leaf circuits cost: k, columns, rows, cells and SHA-256 compressions per
    /// validator, and one real keygen / prove / verify (unsafe local setup) with its time and
    /// peak memory.
    CircuitInfo(circuit_info::CircuitInfoArgs),
    /// Load or generate the KZG setup and the proving keys of the leaf circuits (cached in the
    /// work directory).
    Setup(setup::SetupArgs),
    /// Prove a report: every registry and balance range of the state (leaf proofs, in
    /// parallel), then the aggregation tree up to one final proof bound to the block root,
    /// written to `{work_dir}/proof-slot-{slot}.json`. Every proof already in the work directory
    /// is verified and reused (resumable).
    #[command(after_help = exit::help())]
    Prove(prove::ProveArgs),
    /// The report's proof DAG as self-contained jobs for a scheduler over many machines: every
    /// leaf and node with its children, level, k, peak memory and GPU request, and the
    /// settings its jobs run with (`--json` for the Ray driver in distributed/).
    #[command(after_help = exit::help())]
    Plan(plan::PlanArgs),
    /// Run one job of a plan from a spec file (setup, plan id, job, work directory, children's
    /// results, output): idempotent (a job already proven in the work directory is reused),
    /// its result written atomically.
    #[command(after_help = exit::help())]
    Job(plan::JobArgs),
    /// Verify a final proof file natively and print its statement.
    #[command(after_help = exit::help())]
    Verify(final_cmds::VerifyArgs),
    /// Write the Solidity verifier of a final proof's circuit (from its verifying key) and its
    /// ABI (and bytecode, with solc-js installed) to a directory.
    #[command(after_help = exit::help())]
    ExportVerifier(final_cmds::ExportArgs),
    /// Print the calldata of `BeaconBalanceOracle.submitReport` for a final proof file.
    #[command(after_help = exit::help())]
    Calldata(final_cmds::CalldataArgs),
    /// Send `submitReport` for a final proof file to an oracle contract: an EIP-1559
    /// transaction signed with a key from a file, over an execution client's JSON-RPC.
    #[command(after_help = exit::help())]
    Submit(submit::SubmitArgs),
    /// The cost model of issue #15: proofs, SHA-256 compressions, machine-hours and the
    /// longest dependency chain of a cold and a later report, today's design against the
    /// registry-delta one, for a registry size, pool layout, churn and machine profile.
    #[command(after_help = exit::help())]
    Estimate(estimate::EstimateArgs),
    /// The Poseidon root of a credential-set pool file (addresses and credentials): what the
    /// oracle's pool admin schedules with `schedulePoolSet(root, fromSlot)`.
    #[command(after_help = exit::help())]
    PoolRoot(pool_root::PoolRootArgs),
}

impl Cli {
    /// Loads the config file and runs the command.
    pub fn run(self) -> Result<()> {
        let cfg = Config::load(self.config.as_deref())?;
        match self.command {
            Command::Demo(a) => demo::demo(a),
            Command::Report(a) => report::report(a, &cfg),
            Command::Tree(a) => report::native_tree(a, &cfg),
            Command::Proof(a) => report::proof(a, &cfg),
            Command::CircuitInfo(a) => circuit_info::circuit_info(a),
            Command::Setup(a) => setup::setup(a, &cfg),
            Command::Prove(a) => prove::prove(a, &cfg),
            Command::Plan(a) => plan::plan(a, &cfg),
            Command::Job(a) => plan::job(a),
            Command::Verify(a) => final_cmds::verify(a, &cfg),
            Command::ExportVerifier(a) => final_cmds::export_verifier(a, &cfg),
            Command::Calldata(a) => final_cmds::calldata(a),
            Command::Submit(a) => submit::submit(a),
            Command::Estimate(a) => estimate::estimate(a),
            Command::PoolRoot(a) => pool_root::pool_root(a),
        }
    }
}

/// A spinner with a message and the elapsed time, ticking until cleared.
fn spinner(msg: &str) -> ProgressBar {
    let pb = ProgressBar::new_spinner();
    pb.set_style(ProgressStyle::with_template("{spinner} {msg} [{elapsed}]").expect("template"));
    pb.set_message(msg.to_string());
    pb.enable_steady_tick(Duration::from_millis(120));
    pb
}

//! `stakeproof`: the command line.

mod cmd;
mod config;
mod exit;

use clap::Parser;

fn main() {
    let cli = cmd::Cli::parse();
    if let Err(e) = cli.run() {
        eprintln!("error: {e:#}");
        std::process::exit(exit::ExitCode::of(&e).code());
    }
}

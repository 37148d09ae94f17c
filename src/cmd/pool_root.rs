//! `stakeproof pool-root`: the Poseidon root of a credential-set pool file, which the oracle's
//! pool admin schedules (`schedulePoolSet(root, fromSlot)`) and every proof of the pool states.

use anyhow::Result;
use clap::Args;
use serde_json::json;
use stakeproof::beacon::hexfmt;
use stakeproof::beacon::pool_set::CredentialKeys;
use stakeproof_circuits::pool_set::CredentialSet;
use std::path::PathBuf;

/// Arguments of `pool-root`.
#[derive(Args)]
pub(crate) struct PoolRootArgs {
    /// The pool file (TOML, or JSON for a .json name): `addresses`, `credentials`, `depth`.
    #[arg(long, value_name = "FILE")]
    pool_file: PathBuf,
    /// Machine-readable output.
    #[arg(long)]
    json: bool,
}

/// Prints the set's root, entries, depth and capacity.
pub(crate) fn pool_root(a: PoolRootArgs) -> Result<()> {
    let keys = CredentialKeys::from_file(&a.pool_file)?;
    let set = CredentialSet::cached(&keys);
    let root = hexfmt::encode(set.root_bytes());
    let capacity = (1u64 << set.depth()) - 1;
    if a.json {
        let v = json!({
            "root": root,
            "entries": keys.keys().len(),
            "depth": set.depth(),
            "capacity": capacity,
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        println!("root      {root}");
        println!(
            "entries   {} (room for {capacity} at depth {})",
            keys.keys().len(),
            set.depth()
        );
    }
    Ok(())
}

//! The demo's on-chain step: the final proof's Solidity verifier, the EIP-4788 contract, the
//! oracle and the example LSD in an in-memory EVM (revm), one report submitted and synced.

use anyhow::{bail, Context, Result};
use stakeproof_contracts::deployment::{Deployment, OracleConfig, VerifierCode, OWNER, SUBMITTER};
use stakeproof_contracts::evm::MAX_CODE_SIZE;
use stakeproof_contracts::solc::{Solc, SolcError};
use stakeproof_contracts::verifier::{self, fr_to_u256};
use stakeproof_contracts::{Address, Report};
use stakeproof_prover::final_artifact::FinalArtifact;
use stakeproof_prover::srs::Srs;

use super::artifact::{submission, verifier_source};
use super::spinner;

/// The execution-block timestamp under which the demo writes the proven block root.
const DEMO_TIMESTAMP: u64 = 1_800_000_000;

/// Exports, compiles and deploys the verifier of `art`, submits its report through the oracle
/// and syncs the LSD. `None` when solc-js is not installed (the hint is printed).
pub(crate) fn demo_on_chain(art: &FinalArtifact, srs: &Srs) -> Result<Option<serde_json::Value>> {
    let solc = match Solc::locate() {
        Ok(s) => s,
        Err(
            e @ (SolcError::SolcMissing(_) | SolcError::NodeMissing(_) | SolcError::Install(_)),
        ) => {
            eprintln!(
                "note: the EVM step is skipped: {e}. Install solc-js with verifier-contracts/install-solc.sh and run the demo again (everything proven is reused)."
            );
            return Ok(None);
        }
        Err(e) => return Err(e).context("locating solc-js"),
    };
    let sub = submission(art)?;
    let pb = spinner("generating the Solidity verifier of the final circuit");
    let source = verifier_source(art, srs)?;
    pb.set_message(format!("compiling it with solc-js {}", solc.version()));
    let compiled = verifier::compile_verifier(&source).context("compiling the verifier")?;
    pb.set_message("deploying EIP-4788, the verifier, the oracle and the LSD in revm");
    let fits = compiled.deployed_size <= MAX_CODE_SIZE;
    let code = if fits {
        VerifierCode::Creation(compiled.bytecode.clone())
    } else {
        VerifierCode::Runtime(compiled.deployed_bytecode.clone())
    };
    // The devnet settings (OWNER, 5 %/day, 12-second slots, no timelock) with the proof's pool;
    // a set pool's root is scheduled below, from slot 0.
    let s = &art.statement;
    let config = OracleConfig::for_address(Address::ZERO).with_pool(
        s.pool_exact,
        s.pool_set,
        sub.pool_credentials.into(),
    );
    // A chain proof's verifier is scheduled as a chain verifier (its reports carry anchors),
    // a proof with pending deposits' as a pending verifier.
    let mut d = match (sub.anchors, sub.pending) {
        (Some(_), _) => Deployment::new_chain(code, config)?,
        (None, Some(_)) => Deployment::new_pending(code, config)?,
        (None, None) => Deployment::new(code, config)?,
    };
    // A credential-set pool: the oracle's pool admin (here the owner) names the set's root
    // from slot 0 on, before any report.
    if art.statement.pool_set {
        d.set_pool_admin(OWNER)?;
        d.schedule_pool_set(OWNER, sub.pool_credentials.into(), 0)?;
    }
    d.chain.set_block(1000, DEMO_TIMESTAMP + 12);
    // As the system address does at the start of the next block: the proven block's root.
    d.write_beacon_root(DEMO_TIMESTAMP, sub.block_root.into())?;
    let inputs: Vec<_> = sub.inputs.iter().map(fr_to_u256).collect();
    let accumulator: [_; 12] = std::array::from_fn(|i| inputs[i]);
    pb.set_message("verifying the proof in the EVM");
    let direct = d
        .call_verifier(d.verifier, &inputs, &sub.proof)
        .context("the verifier contract rejects the proof")?;
    let one_eth = fr_to_u256(&stakeproof_circuits::Fr::from(1_000_000_000_000_000_000u64));
    d.lsd_deposit(SUBMITTER, one_eth)?;
    let rate_before = d.lsd_rate()?;
    // A report the proof does not prove (another slot) is rejected first.
    let mut other = sub.report;
    other.slot += 1;
    let submit = |d: &mut Deployment, r: &Report| match (sub.anchors, sub.pending) {
        (Some((old, new)), _) => {
            d.submit_chain(r, DEMO_TIMESTAMP, old, new, &accumulator, &sub.proof)
        }
        (None, Some(p)) => d.submit_pending(r, DEMO_TIMESTAMP, p, &accumulator, &sub.proof),
        (None, None) => d.submit(r, DEMO_TIMESTAMP, &accumulator, &sub.proof),
    };
    let rejected = match submit(&mut d, &other) {
        Ok(_) => bail!("the oracle accepted a report the proof does not prove"),
        Err(e) => e.revert_name().unwrap_or("?").to_string(),
    };
    let receipt = submit(&mut d, &sub.report).context("the oracle rejects the report")?;
    if d.latest_report()? != sub.report {
        bail!("the oracle stored another report than the one submitted");
    }
    let sync = d.lsd_sync()?;
    let rate_after = d.lsd_rate()?;
    pb.finish_and_clear();
    Ok(Some(serde_json::json!({
        "solc": solc.version(),
        "verifier_runtime_bytes": compiled.deployed_size,
        "fits_eip170": fits,
        "verifier_placement": if fits { "deployed by a transaction" } else { "placed as runtime code (above the EIP-170 limit: not deployable on mainnet as is)" },
        "oracle_runtime_bytes": d.code_size(d.oracle).0,
        "timestamp": DEMO_TIMESTAMP,
        "verify_gas": direct.gas_used,
        "submit_function": sub.function(),
        "submit_report_gas": receipt.gas_used,
        "sync_gas": sync.gas_used,
        "other_slot_rejected_with": rejected,
        "lsd_rate_before": rate_before.to_string(),
        "lsd_rate_after": rate_after.to_string(),
        "lsd_deposit_wei": one_eth.to_string(),
    })))
}

/// Prints the on-chain step's summary.
pub(crate) fn print_summary(e: &serde_json::Value) {
    if let Some(why) = e.get("skipped") {
        println!("EVM step skipped: {}", why.as_str().unwrap_or_default());
        return;
    }
    println!(
        "in the EVM (revm, Cancun): generated verifier {} bytes ({}), verification {} gas",
        e["verifier_runtime_bytes"],
        e["verifier_placement"].as_str().unwrap_or_default(),
        e["verify_gas"]
    );
    println!(
        "  oracle.{} {} gas (root read from EIP-4788 at timestamp {}); a report for another slot reverts with {}",
        e["submit_function"]
            .as_str()
            .and_then(|f| f.split('(').next())
            .unwrap_or("submitReport"),
        e["submit_report_gas"],
        e["timestamp"],
        e["other_slot_rejected_with"].as_str().unwrap_or_default()
    );
    println!(
        "  ExampleLSD rate (wei per 1e18 shares, 1 ETH deposited): {} before sync, {} after ({} gas)",
        e["lsd_rate_before"].as_str().unwrap_or_default(),
        e["lsd_rate_after"].as_str().unwrap_or_default(),
        e["sync_gas"]
    );
}

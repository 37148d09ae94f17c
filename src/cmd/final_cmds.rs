//! Commands on a final proof file (`proof-slot-N.json`, or `chain-proof-slot-N.json` of the
//! chain design, whose calldata calls `submitChainReport`): `verify`, `export-verifier` and
//! `calldata`.

use crate::config::Config;
use crate::exit::CliError;
use anyhow::{bail, Context, Result};
use clap::Args;
use stakeproof::beacon::{atomic, hexfmt};
use stakeproof_contracts::calldata::NUM_ACCUMULATOR_LIMBS;
use stakeproof_contracts::verifier;
use stakeproof_prover::final_artifact::FinalArtifact;
use stakeproof_prover::published::KeyStatus;
use std::path::PathBuf;
use std::time::Instant;

use super::artifact::{proof_digest, read_artifact, srs_for, submission, verifier_source};
use super::pipeline::{work_dir, SrsArgs, SrsChoice};
use super::spinner;

/// `stakeproof verify`.
#[derive(Args)]
pub(crate) struct VerifyArgs {
    /// The final proof file (`proof-slot-N.json` or `chain-proof-slot-N.json`, written by
    /// `stakeproof prove`).
    file: PathBuf,
    #[command(flatten)]
    srs: SrsArgs,
    /// Work directory (where an unsafe local setup is cached) [default: .stakeproof-work].
    #[arg(long)]
    work_dir: Option<PathBuf>,
    #[command(flatten)]
    key: KeyArgs,
    /// Machine-readable output (also printed, with `"verified": false`, when the proof does not
    /// verify).
    #[arg(long)]
    json: bool,
}

/// Which verifying key a final proof may carry. By default, the key this release publishes
/// for its circuit and setup (`prover/published-keys.json`).
#[derive(Args)]
pub(crate) struct KeyArgs {
    /// Require this verifying-key digest (as `prove` and `verify` print it): the key of the
    /// circuit your verifier contract was generated from. It replaces the published key.
    #[arg(long, value_name = "DIGEST")]
    expect_vk: Option<String>,
    /// Accept a key that is not published for the proof's circuit and setup (your own setup
    /// or circuit sizes). This accepts any key at all (a file's circuit name is not bound to its
    /// key): the proof is checked against the key it carries only, which says nothing about its
    /// circuit.
    #[arg(long, conflicts_with = "expect_vk")]
    any_key: bool,
}

/// Why a proof's key is trusted.
enum KeyTrust {
    /// The published key of its circuit and setup (its label).
    Published(String),
    /// The one `--expect-vk` names.
    Expected,
    /// Unpublished, accepted with `--any-key`.
    Unpublished,
}

impl KeyTrust {
    fn name(&self) -> &'static str {
        match self {
            KeyTrust::Published(_) => "published",
            KeyTrust::Expected => "expected",
            KeyTrust::Unpublished => "unpublished",
        }
    }

    fn describe(&self) -> String {
        match self {
            KeyTrust::Published(label) => format!("the published key of its circuit ({label})"),
            KeyTrust::Expected => "the one --expect-vk names".into(),
            KeyTrust::Unpublished => {
                "UNPUBLISHED (--any-key): the proof was checked against the key it carries only"
                    .into()
            }
        }
    }
}

/// Whether the verifying key of `art` (a proof that verifies against it) is one to trust: the
/// key `--expect-vk` names, else the published one of its circuit and setup, else an
/// unpublished one only with `--any-key`.
fn trust_key(art: &FinalArtifact, k: &KeyArgs) -> Result<KeyTrust> {
    let digest = &art.circuit.vk_digest;
    if let Some(e) = &k.expect_vk {
        if !e.eq_ignore_ascii_case(digest) {
            return Err(CliError::Rejected(format!(
                "verifying key {digest} is not the expected {e}"
            ))
            .into());
        }
        return Ok(KeyTrust::Expected);
    }
    match art.key_status() {
        KeyStatus::Published(p) => Ok(KeyTrust::Published(p.label.clone())),
        KeyStatus::Differs(p) => Err(CliError::Rejected(format!(
            "verifying key {digest} is not the published key {} of circuit {} under setup {} ({}): the proof is for another circuit than the one this release publishes",
            p.vk_digest, p.circuit, p.setup, p.label
        ))
        .into()),
        KeyStatus::Unpublished if k.any_key => Ok(KeyTrust::Unpublished),
        KeyStatus::Unpublished => Err(CliError::Rejected(format!(
            "verifying key {digest} of circuit {} (k={}) under setup {} is not one this release publishes (prover/published-keys.json). The proof verifies against the key it carries, but any key verifies its own proofs: give --expect-vk with the digest your verifier contract was generated from, or --any-key for your own setup or circuit sizes",
            art.circuit.name, art.circuit.params.degree, art.setup.id
        ))
        .into()),
    }
}

/// `stakeproof export-verifier`.
#[derive(Args)]
pub(crate) struct ExportArgs {
    /// The final proof file whose circuit's verifier to export (its verifying key, checked by
    /// verifying the proof first).
    #[arg(long, value_name = "FILE")]
    proof: PathBuf,
    /// Output directory: Halo2Verifier.sol, Halo2Verifier.abi.json, verifier.json and, with
    /// solc-js installed, Halo2Verifier.bin and Halo2Verifier.runtime.bin.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Export even though the proof's setup is a locally generated (UNSAFE) one; the source is
    /// then marked UNSAFE in its header. Demos and tests only.
    #[arg(long)]
    allow_unsafe_srs: bool,
    #[command(flatten)]
    srs: SrsArgs,
    /// Work directory (where an unsafe local setup is cached) [default: .stakeproof-work].
    #[arg(long)]
    work_dir: Option<PathBuf>,
    #[command(flatten)]
    key: KeyArgs,
    /// Only write the Solidity source and ABI, even when solc-js is installed.
    #[arg(long)]
    no_compile: bool,
    /// Machine-readable output.
    #[arg(long)]
    json: bool,
}

/// `stakeproof calldata`.
#[derive(Args)]
pub(crate) struct CalldataArgs {
    /// The final proof file.
    file: PathBuf,
    /// The timestamp under which EIP-4788 holds the proof's block root: the timestamp of the
    /// execution block whose parent beacon block root it is (the next slot's block).
    #[arg(long)]
    timestamp: u64,
    /// Machine-readable output: the calldata with the report, the accumulator and the proof.
    #[arg(long)]
    json: bool,
}

/// `stakeproof verify FILE`.
pub(crate) fn verify(a: VerifyArgs, cfg: &Config) -> Result<()> {
    let t = Instant::now();
    let art = read_artifact(&a.file)?;
    let work = work_dir(a.work_dir.as_ref(), cfg);
    let checked = submission(&art).and_then(|_| {
        let srs = srs_for(a.srs.choice_opt(cfg), &art, &work)?;
        let pb = spinner("verifying the proof");
        let r = art.verify(&srs, None);
        pb.finish_and_clear();
        r.map_err(|e| anyhow::Error::from(CliError::Rejected(e)))?;
        trust_key(&art, &a.key)
    });
    let trust = match checked {
        Ok(t) => t,
        Err(e) => {
            if a.json && matches!(e.downcast_ref(), Some(CliError::Rejected(_))) {
                let out = serde_json::json!({
                    "verified": false,
                    "file": a.file,
                    "error": format!("{e:#}"),
                });
                println!("{}", serde_json::to_string_pretty(&out)?);
            }
            return Err(e.context(format!("proof file {}", a.file.display())));
        }
    };
    let s = &art.statement;
    if a.json {
        let out = serde_json::json!({
            "verified": true,
            "file": a.file,
            "statement": s,
            "fork": art.fork,
            "epoch": art.epoch,
            "chain": art.chain,
            "pending": art.pending,
            "circuit": art.circuit.name,
            "k": art.circuit.params.degree,
            "vk_digest": art.circuit.vk_digest,
            "key": trust.name(),
            "proof_sha256": proof_digest(&art),
            "setup": art.setup,
            "unsafe_srs": art.setup.unsafe_local,
            "elapsed_ms": t.elapsed().as_millis() as u64,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    println!("verified: {}", a.file.display());
    print_statement(&art);
    println!("key                 {}", trust.describe());
    Ok(())
}

/// Prints the decoded statement and where the proof comes from.
fn print_statement(art: &FinalArtifact) {
    let s = &art.statement;
    println!(
        "slot / epoch        {} / {} ({})",
        s.slot, art.epoch, art.fork
    );
    println!("block root          {}", s.block_root);
    println!(
        "pool                {} ({})",
        s.pool_credentials,
        if s.pool_set {
            "the root of a credential set"
        } else if s.pool_exact {
            "these credentials exactly"
        } else {
            "its address, 0x01 and 0x02 credentials"
        }
    );
    println!("registry length     {}", s.registry_length);
    println!("pool validators     {}", s.validator_count);
    println!(
        "total balance       {} gwei ({:.9} ETH)",
        s.total_balance_gwei,
        s.total_balance_gwei as f64 / 1e9
    );
    println!(
        "active / exited / slashed   {} / {} / {}",
        s.active_count, s.exited_count, s.slashed_count
    );
    if let Some(p) = &art.pending {
        println!(
            "pending deposits    {} ({} gwei, in the beacon chain's deposit queue)",
            p.pending_deposit_count, p.pending_deposit_gwei
        );
    }
    if let Some(c) = &art.chain {
        println!(
            "registry chain      {} -> {} ({})",
            c.anchor_old,
            c.anchor_new,
            if c.cold {
                "proven cold"
            } else {
                "continued: the oracle must hold the old anchor"
            }
        );
    }
    println!(
        "circuit             {} (k={}), vk {}",
        art.circuit.name, art.circuit.params.degree, art.circuit.vk_digest
    );
    println!(
        "setup               {}{}",
        art.setup.id,
        if art.setup.unsafe_local {
            " — UNSAFE local setup: anyone can forge proofs against it"
        } else {
            ""
        }
    );
    if let Some(d) = proof_digest(art) {
        println!("proof sha256        {d}");
    }
}

/// `stakeproof export-verifier`.
pub(crate) fn export_verifier(a: ExportArgs, cfg: &Config) -> Result<()> {
    let art = read_artifact(&a.proof)?;
    // Refused before any setup is loaded.
    let choice = a.srs.choice_opt(cfg);
    if (art.setup.unsafe_local || choice == Some(SrsChoice::Unsafe)) && !a.allow_unsafe_srs {
        bail!(
            "refusing to export a verifier for the UNSAFE local setup {}: anyone can forge proofs that it accepts. Use a proof made with a ceremony setup (--srs), or pass --allow-unsafe-srs for a demo or a test (the source is then marked UNSAFE)",
            art.setup.id
        );
    }
    if a.out.exists() && !a.out.is_dir() {
        bail!("--out {} exists and is not a directory", a.out.display());
    }
    submission(&art)?;
    let work = work_dir(a.work_dir.as_ref(), cfg);
    let srs = srs_for(choice, &art, &work)?;
    let pb = spinner("verifying the proof and generating its Solidity verifier");
    let source = verifier_source(&art, &srs)?;
    pb.finish_and_clear();
    let trust = trust_key(&art, &a.key)?;
    let compiled = if a.no_compile {
        None
    } else {
        match stakeproof_contracts::solc::Solc::locate() {
            Ok(_) => {
                let pb = spinner("compiling it with solc-js");
                let c = verifier::compile_verifier(&source).context("compiling the verifier")?;
                pb.finish_and_clear();
                Some(c)
            }
            Err(e) => {
                eprintln!("note: not compiled ({e}); the source and ABI are written");
                None
            }
        }
    };
    let info = serde_json::json!({
        "circuit": art.circuit.name,
        "k": art.circuit.params.degree,
        "vk_digest": art.circuit.vk_digest,
        "key": trust.name(),
        "public_inputs": art.instances.len(),
        "accumulator_limbs": NUM_ACCUMULATOR_LIMBS,
        "setup": art.setup,
        "unsafe_srs": art.setup.unsafe_local,
        "from_proof": a.proof,
        "solc": compiled.as_ref().map(|_| stakeproof_contracts::solc::SOLC_VERSION),
        "runtime_bytes": compiled.as_ref().map(|c| c.deployed_size),
        "fits_eip170": compiled.as_ref().map(|c| c.deployed_size <= stakeproof_contracts::evm::MAX_CODE_SIZE),
    });
    let files = atomic::write_dir::<std::io::Error>(&a.out, |dir| {
        verifier::write_artifacts(dir, &source, compiled.as_ref())?;
        std::fs::write(
            dir.join("verifier.json"),
            serde_json::to_vec_pretty(&info).expect("json"),
        )
    })
    .with_context(|| format!("cannot write into {}", a.out.display()))?;
    if a.json {
        let mut out = info;
        out["out"] = serde_json::json!(a.out);
        out["files"] = serde_json::json!(files);
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    println!(
        "verifier of {} (k={}, vk {}) for {} public inputs",
        art.circuit.name,
        art.circuit.params.degree,
        art.circuit.vk_digest,
        art.instances.len()
    );
    println!("key: {}", trust.describe());
    for f in &files {
        println!("  {}", f.display());
    }
    if let Some(c) = &compiled {
        println!(
            "runtime code {} bytes ({} the EIP-170 limit of {})",
            c.deployed_size,
            if c.deployed_size <= stakeproof_contracts::evm::MAX_CODE_SIZE {
                "within"
            } else {
                "ABOVE"
            },
            stakeproof_contracts::evm::MAX_CODE_SIZE
        );
    }
    if art.setup.unsafe_local {
        println!("UNSAFE: made from a locally generated setup; marked so in its header. Never deploy it to a real chain.");
    }
    Ok(())
}

/// `stakeproof calldata FILE --timestamp T`.
pub(crate) fn calldata(a: CalldataArgs) -> Result<()> {
    let art = read_artifact(&a.file)?;
    let sub = submission(&art).with_context(|| format!("proof file {}", a.file.display()))?;
    let data = sub.calldata(a.timestamp);
    let hex_data = hexfmt::encode(&data);
    if a.json {
        let out = serde_json::json!({
            "function": sub.function(),
            "calldata": hex_data,
            "report": sub.report,
            "timestamp": a.timestamp,
            "block_root": art.statement.block_root,
            "chain": art.chain,
            "pending": art.pending,
            "accumulator": art.instances[..NUM_ACCUMULATOR_LIMBS],
            "proof_bytes": sub.proof.len(),
            "unsafe_srs": art.setup.unsafe_local,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        if art.setup.unsafe_local {
            eprintln!("warning: the proof was made with an UNSAFE local setup ({}): only a verifier exported with --allow-unsafe-srs accepts it", art.setup.id);
        }
        println!("{hex_data}");
    }
    Ok(())
}

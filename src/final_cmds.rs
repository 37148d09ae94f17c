//! Commands on a final proof file (`proof-slot-N.json`): `verify`, `export-verifier` and
//! `calldata`.

use crate::config::Config;
use crate::{spinner, usage, warn_unsafe, Rejected, SrsArgs, SrsChoice};
use anyhow::{bail, Context, Result};
use clap::Args;
use sha2::Digest;
use stakeproof_contracts::calldata::{Report, NUM_ACCUMULATOR_LIMBS, NUM_PUBLIC_INPUTS};
use stakeproof_contracts::verifier;
use stakeproof_prover::final_artifact::FinalArtifact;
use stakeproof_prover::srs::Srs;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Largest unsafe setup `verify` and `export-verifier` regenerate from an artifact's setup id
/// (2^24 points take minutes and gigabytes; real deployments use `--srs`).
const MAX_UNSAFE_K: u32 = 24;

/// `stakeproof verify`.
#[derive(Args)]
pub struct VerifyArgs {
    /// The final proof file (`proof-slot-N.json`, written by `stakeproof prove`).
    file: PathBuf,
    #[command(flatten)]
    srs: SrsArgs,
    /// Work directory (where an unsafe local setup is cached) [default: .stakeproof-work].
    #[arg(long)]
    work_dir: Option<PathBuf>,
    /// Also require this verifying-key digest (as `prove` and `verify` print it): the key of the
    /// circuit your verifier contract was generated from.
    #[arg(long, value_name = "DIGEST")]
    expect_vk: Option<String>,
    /// Machine-readable output (also printed, with `"verified": false`, when the proof does not
    /// verify).
    #[arg(long)]
    json: bool,
}

/// `stakeproof export-verifier`.
#[derive(Args)]
pub struct ExportArgs {
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
    /// Only write the Solidity source and ABI, even when solc-js is installed.
    #[arg(long)]
    no_compile: bool,
    /// Machine-readable output.
    #[arg(long)]
    json: bool,
}

/// `stakeproof calldata`.
#[derive(Args)]
pub struct CalldataArgs {
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

/// SHA-256 of the proof bytes, `0x`-hex (identifies a proof in logs and summaries).
pub fn proof_digest(art: &FinalArtifact) -> Option<String> {
    art.proof_bytes()
        .map(|p| format!("0x{}", hex::encode(sha2::Sha256::digest(p))))
}

/// A `0x`-hex 32-byte value.
pub fn bytes32(s: &str, what: &str) -> Result<[u8; 32]> {
    s.strip_prefix("0x")
        .and_then(|h| hex::decode(h).ok())
        .and_then(|b| b.try_into().ok())
        .with_context(|| format!("{what} {s:?} is not 0x-hex of 32 bytes"))
}

/// The pieces of `submitReport` from an artifact, after checking that the artifact is
/// self-consistent (24 field elements, the statement equal to its public inputs, a hex proof)
/// — what can be checked without the setup.
pub struct Submission {
    /// The report.
    pub report: Report,
    /// All 24 public inputs (the 12 accumulator limbs first); as the verifier's words with
    /// [`verifier::fr_to_u256`].
    pub inputs: Vec<stakeproof_circuits::Fr>,
    /// The proof.
    pub proof: Vec<u8>,
    /// The block root.
    pub block_root: [u8; 32],
    /// The pool's credentials.
    pub pool_credentials: [u8; 32],
}

impl Submission {
    /// The calldata of `submitReport(report, timestamp, accumulator, proof)`.
    pub fn calldata(&self, timestamp: u64) -> Vec<u8> {
        let accumulator: [_; NUM_ACCUMULATOR_LIMBS] =
            std::array::from_fn(|i| verifier::fr_to_u256(&self.inputs[i]));
        stakeproof_contracts::calldata::submit_report(
            &self.report,
            timestamp,
            &accumulator,
            &self.proof,
        )
    }
}

/// Checks what can be checked without the setup and splits the artifact into the oracle's
/// arguments. An inconsistent artifact is [`Rejected`] (exit code 5).
pub fn submission(art: &FinalArtifact) -> Result<Submission> {
    let rejected = |m: &str| anyhow::Error::from(Rejected(m.to_string()));
    if art.instances.len() != NUM_PUBLIC_INPUTS {
        return Err(rejected(&format!(
            "{} public inputs, the final statement has {NUM_PUBLIC_INPUTS}",
            art.instances.len()
        )));
    }
    let frs = art
        .instance_values()
        .ok_or_else(|| rejected("public inputs are not 32-byte field elements"))?;
    if art.statement.to_instances().as_deref() != Some(&frs[NUM_ACCUMULATOR_LIMBS..]) {
        return Err(rejected(
            "the decoded statement does not match the public inputs",
        ));
    }
    let proof = art
        .proof_bytes()
        .ok_or_else(|| rejected("the proof is not hex"))?;
    Ok(Submission {
        report: stakeproof::oracle_report(&art.statement),
        inputs: frs,
        proof,
        block_root: bytes32(&art.statement.block_root, "block root")?,
        pool_credentials: bytes32(&art.statement.pool_credentials, "pool credentials")?,
    })
}

/// The seed of an unsafe local setup id: `unsafe-seed{seed}` (any size), or the older
/// `unsafe-k{k}-seed{seed}`.
fn parse_unsafe_id(id: &str) -> Option<u64> {
    if let Some(seed) = id.strip_prefix("unsafe-seed") {
        return seed.parse().ok();
    }
    let rest = id.strip_prefix("unsafe-k")?;
    let (k, seed) = rest.split_once("-seed")?;
    k.parse::<u32>().ok()?;
    seed.parse().ok()
}

/// The setup to check `art` against: the ceremony file given, or (with `--unsafe-srs`) the
/// unsafe local setup the artifact names, regenerated or read from the work directory's cache.
fn srs_for(
    choice: Option<SrsChoice>,
    art: &FinalArtifact,
    work: &stakeproof_prover::leaves::WorkDir,
) -> Result<Srs> {
    let choice = choice.ok_or_else(|| {
        if art.setup.unsafe_local {
            usage(&format!(
                "the proof was made with the UNSAFE local setup {}: pass --unsafe-srs to check it against that setup (tests and demos only)",
                art.setup.id
            ))
        } else {
            usage(&format!(
                "a KZG setup is required: --srs FILE (the proof was made with setup {})",
                art.setup.id
            ))
        }
    })?;
    match choice {
        SrsChoice::File(p) => {
            let pb = spinner(&format!("loading the setup {}", p.display()));
            let srs = Srs::load(&p)?;
            pb.finish_and_clear();
            Ok(srs)
        }
        SrsChoice::Unsafe => {
            let Some(seed) = parse_unsafe_id(&art.setup.id).filter(|_| art.setup.unsafe_local)
            else {
                bail!(
                    "the proof was made with setup {}, not an unsafe local one: pass it with --srs FILE",
                    art.setup.id
                );
            };
            let degree = art.circuit.params.degree;
            let k = degree;
            if k > MAX_UNSAFE_K {
                return Err(Rejected(format!(
                    "setup {} cannot hold the circuit's 2^{degree} rows (or is above 2^{MAX_UNSAFE_K})",
                    art.setup.id
                ))
                .into());
            }
            warn_unsafe();
            let pb = spinner(&format!(
                "loading the UNSAFE local setup {} (generated and cached in {} the first time)",
                art.setup.id,
                work.srs().display()
            ));
            let srs = Srs::unsafe_local(k, seed, Some(&work.srs()))?;
            pb.finish_and_clear();
            Ok(srs)
        }
    }
}

pub(crate) fn read_artifact(path: &Path) -> Result<FinalArtifact> {
    if !path.is_file() {
        bail!("cannot read proof file {}: no such file", path.display());
    }
    Ok(FinalArtifact::read(path)?)
}

/// `stakeproof verify FILE`.
pub fn verify(a: VerifyArgs, cfg: &Config) -> Result<()> {
    let t = Instant::now();
    let art = read_artifact(&a.file)?;
    let work = crate::work_dir(a.work_dir.as_ref(), cfg);
    let checked = submission(&art).and_then(|_| {
        let srs = srs_for(a.srs.choice_opt(cfg), &art, &work)?;
        let pb = spinner("verifying the proof");
        let r = art.verify(&srs, a.expect_vk.as_deref());
        pb.finish_and_clear();
        r.map_err(|e| Rejected(e).into())
    });
    if let Err(e) = checked {
        if a.json && e.is::<Rejected>() {
            let out = serde_json::json!({
                "verified": false,
                "file": a.file,
                "error": format!("{e:#}"),
            });
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
        return Err(e.context(format!("proof file {}", a.file.display())));
    }
    let s = &art.statement;
    if a.json {
        let out = serde_json::json!({
            "verified": true,
            "file": a.file,
            "statement": s,
            "fork": art.fork,
            "epoch": art.epoch,
            "circuit": art.circuit.name,
            "k": art.circuit.params.degree,
            "vk_digest": art.circuit.vk_digest,
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
        if s.pool_exact {
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

/// The generated verifier of a final artifact's circuit (after verifying the artifact).
pub fn verifier_source(art: &FinalArtifact, srs: &Srs) -> Result<String> {
    art.verify(srs, None).map_err(Rejected)?;
    let params = srs.for_circuit(&art.circuit.name, art.circuit.params.degree)?;
    let vk = art
        .verifying_key()
        .ok_or_else(|| Rejected("the verifying key does not decode".into()))?;
    Ok(verifier::export_verifier(
        &params,
        &vk,
        &art.circuit.name,
        art.instances.len(),
        Some((0..NUM_ACCUMULATOR_LIMBS).map(|i| (0, i)).collect()),
        art.setup.unsafe_local,
    )?)
}

/// `stakeproof export-verifier`.
pub fn export_verifier(a: ExportArgs, cfg: &Config) -> Result<()> {
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
    let work = crate::work_dir(a.work_dir.as_ref(), cfg);
    let srs = srs_for(choice, &art, &work)?;
    let pb = spinner("verifying the proof and generating its Solidity verifier");
    let source = verifier_source(&art, &srs)?;
    pb.finish_and_clear();
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
        "public_inputs": art.instances.len(),
        "accumulator_limbs": NUM_ACCUMULATOR_LIMBS,
        "setup": art.setup,
        "unsafe_srs": art.setup.unsafe_local,
        "from_proof": a.proof,
        "solc": compiled.as_ref().map(|_| stakeproof_contracts::solc::SOLC_VERSION),
        "runtime_bytes": compiled.as_ref().map(|c| c.deployed_size),
        "fits_eip170": compiled.as_ref().map(|c| c.deployed_size <= stakeproof_contracts::evm::MAX_CODE_SIZE),
    });
    let files = write_dir_atomically(&a.out, |dir| {
        verifier::write_artifacts(dir, &source, compiled.as_ref())?;
        std::fs::write(
            dir.join("verifier.json"),
            serde_json::to_vec_pretty(&info).expect("json"),
        )
    })?;
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

/// Writes the files of a directory so that nothing half-written is left under `out`: into a
/// temporary sibling directory, then renamed (the whole directory when `out` does not exist,
/// else file by file, each rename atomic). Returns the paths written.
fn write_dir_atomically(
    out: &Path,
    write: impl FnOnce(&Path) -> std::io::Result<()>,
) -> Result<Vec<PathBuf>> {
    let parent = out
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)
        .with_context(|| format!("cannot create {}", parent.display()))?;
    let name = out
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("out")
        .to_string();
    let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    let result = (|| -> Result<Vec<PathBuf>> {
        write(&tmp).with_context(|| format!("cannot write into {}", tmp.display()))?;
        let mut names: Vec<_> = std::fs::read_dir(&tmp)?
            .map(|e| e.map(|e| e.file_name()))
            .collect::<std::io::Result<_>>()?;
        names.sort();
        if !out.exists() {
            std::fs::rename(&tmp, out)
                .with_context(|| format!("cannot move into {}", out.display()))?;
        } else {
            for n in &names {
                std::fs::rename(tmp.join(n), out.join(n))
                    .with_context(|| format!("cannot move into {}", out.display()))?;
            }
        }
        Ok(names.iter().map(|n| out.join(n)).collect())
    })();
    let _ = std::fs::remove_dir_all(&tmp);
    result
}

/// `stakeproof calldata FILE --timestamp T`.
pub fn calldata(a: CalldataArgs) -> Result<()> {
    let art = read_artifact(&a.file)?;
    let sub = submission(&art).with_context(|| format!("proof file {}", a.file.display()))?;
    let data = sub.calldata(a.timestamp);
    let hex_data = format!("0x{}", hex::encode(&data));
    if a.json {
        let out = serde_json::json!({
            "function": stakeproof_contracts::calldata::SUBMIT_REPORT_SIGNATURE,
            "calldata": hex_data,
            "report": sub.report,
            "timestamp": a.timestamp,
            "block_root": art.statement.block_root,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_ids() {
        assert_eq!(parse_unsafe_id("unsafe-k20-seed1"), Some(1));
        assert_eq!(parse_unsafe_id("unsafe-seed7"), Some(7));
        assert_eq!(parse_unsafe_id("file-0123"), None);
        assert_eq!(parse_unsafe_id("unsafe-kx-seed1"), None);
    }

    #[test]
    fn a_directory_is_written_whole_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("v");
        let e = write_dir_atomically(&out, |d| {
            std::fs::write(d.join("a"), b"1")?;
            Err(std::io::Error::other("boom"))
        });
        assert!(e.is_err());
        assert!(!out.exists());
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "no temp left"
        );
        let files = write_dir_atomically(&out, |d| std::fs::write(d.join("a"), b"1")).unwrap();
        assert_eq!(files, vec![out.join("a")]);
        write_dir_atomically(&out, |d| std::fs::write(d.join("a"), b"2")).unwrap();
        assert_eq!(std::fs::read(out.join("a")).unwrap(), b"2");
    }
}

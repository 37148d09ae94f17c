//! A final proof file (`proof-slot-N.json`) as the commands use it: read, checked without the
//! setup and split into `submitReport`'s arguments, the setup it is verified against, and its
//! generated Solidity verifier.

use crate::exit::{rejected, usage, CliError};
use anyhow::{bail, Context, Result};
use sha2::Digest;
use stakeproof::beacon::hexfmt;
use stakeproof_circuits::aggregation::layout::FINAL_LEN;
use stakeproof_contracts::calldata::{
    submit_chain_report, submit_pending_report, submit_report, SUBMIT_CHAIN_REPORT_SIGNATURE,
    SUBMIT_PENDING_REPORT_SIGNATURE, SUBMIT_REPORT_SIGNATURE,
};
use stakeproof_contracts::calldata::{Report, NUM_ACCUMULATOR_LIMBS};
use stakeproof_contracts::{verifier, U256};
use stakeproof_prover::final_artifact::FinalArtifact;
use stakeproof_prover::srs::Srs;
use std::path::Path;

use super::pipeline::{warn_unsafe, SrsChoice};
use super::spinner;

/// Largest unsafe setup `verify` and `export-verifier` regenerate from an artifact's setup id
/// (2^24 points take minutes and gigabytes; real deployments use `--srs`).
const MAX_UNSAFE_K: u32 = 24;

/// SHA-256 of the proof bytes, `0x`-hex (identifies a proof in logs and summaries).
pub(crate) fn proof_digest(art: &FinalArtifact) -> Option<String> {
    art.proof_bytes()
        .map(|p| hexfmt::encode(sha2::Sha256::digest(p)))
}

/// A hex 32-byte value of the artifact (`what` names it in the error).
fn bytes32(s: &str, what: &str) -> Result<[u8; 32]> {
    hexfmt::parse_fixed::<32>(s).with_context(|| format!("{what} is not hex of 32 bytes"))
}

/// The pieces of `submitReport` (or, for a proof of the chain design, `submitChainReport`; for
/// a proof with the pool's pending deposits, `submitPendingReport`) from an artifact, after
/// checking that the artifact is self-consistent (24 or 26 field elements, the statement,
/// anchors and pending values equal to its public inputs, a hex proof) — what can be checked
/// without the setup.
pub(crate) struct Submission {
    /// The report.
    pub(crate) report: Report,
    /// All 24 (26) public inputs (the 12 accumulator limbs first); as the verifier's words
    /// with [`verifier::fr_to_u256`].
    pub(crate) inputs: Vec<stakeproof_circuits::Fr>,
    /// The proof.
    pub(crate) proof: Vec<u8>,
    /// The block root.
    pub(crate) block_root: [u8; 32],
    /// The pool's credentials.
    pub(crate) pool_credentials: [u8; 32],
    /// The registry anchors (old, new) of a proof of the chain design.
    pub(crate) anchors: Option<(U256, U256)>,
    /// The pool's pending deposits (count, gwei) of a proof with them.
    pub(crate) pending: Option<(u64, u128)>,
}

impl Submission {
    /// The oracle function the calldata calls.
    pub(crate) fn function(&self) -> &'static str {
        match (self.anchors, self.pending) {
            (Some(_), _) => SUBMIT_CHAIN_REPORT_SIGNATURE,
            (None, Some(_)) => SUBMIT_PENDING_REPORT_SIGNATURE,
            (None, None) => SUBMIT_REPORT_SIGNATURE,
        }
    }

    /// The KZG accumulator limbs, as the oracle takes them.
    pub(crate) fn accumulator(&self) -> [U256; NUM_ACCUMULATOR_LIMBS] {
        std::array::from_fn(|i| verifier::fr_to_u256(&self.inputs[i]))
    }

    /// The calldata of `submitReport(report, timestamp, accumulator, proof)`, of
    /// `submitChainReport(report, timestamp, anchorOld, anchorNew, accumulator, proof)`, or of
    /// `submitPendingReport(report, timestamp, count, gwei, accumulator, proof)`.
    pub(crate) fn calldata(&self, timestamp: u64) -> Vec<u8> {
        let accumulator = self.accumulator();
        match (self.anchors, self.pending) {
            (Some((old, new)), _) => {
                submit_chain_report(&self.report, timestamp, old, new, &accumulator, &self.proof)
            }
            (None, Some(p)) => {
                submit_pending_report(&self.report, timestamp, p, &accumulator, &self.proof)
            }
            (None, None) => submit_report(&self.report, timestamp, &accumulator, &self.proof),
        }
    }
}

/// Checks what can be checked without the setup and splits the artifact into the oracle's
/// arguments. An inconsistent artifact is [`CliError::Rejected`] (exit code 5).
pub(crate) fn submission(art: &FinalArtifact) -> Result<Submission> {
    let want = art.expected_instances();
    if art.instances.len() != want {
        return Err(rejected(format!(
            "{} public inputs, the final statement has {want}",
            art.instances.len()
        )));
    }
    let frs = art
        .instance_values()
        .ok_or_else(|| rejected("public inputs are not 32-byte field elements"))?;
    art.check_statement(&frs).map_err(rejected)?;
    let anchors = art.chain.as_ref().map(|_| {
        let at = |i: usize| verifier::fr_to_u256(&frs[NUM_ACCUMULATOR_LIMBS + FINAL_LEN + i]);
        (at(0), at(1))
    });
    let proof = art
        .proof_bytes()
        .ok_or_else(|| rejected("the proof is not hex"))?;
    let pool_credentials = bytes32(&art.statement.pool_credentials, "pool credentials")?;
    let s = &art.statement;
    if !s.pool_exact && !s.pool_set && !is_address_form(&pool_credentials) {
        return Err(rejected(format!(
            "the pool is an address pool but its credentials {} are not in their 0x01 form \
             (0x01, eleven zero bytes, the address): no validator would match them, and the \
             oracle refuses such a pool (AddressPoolNot0x01)",
            s.pool_credentials
        )));
    }
    Ok(Submission {
        report: stakeproof::oracle_report(&art.statement),
        inputs: frs,
        proof,
        block_root: bytes32(&art.statement.block_root, "block root")?,
        pool_credentials,
        anchors,
        pending: art
            .pending
            .map(|p| (p.pending_deposit_count, p.pending_deposit_gwei)),
    })
}

/// `0x01‖0…0‖address`: the only form an address pool's credentials take (the circuit matches
/// the 0x01 and 0x02 validators of the address through it; the oracle's constructor refuses
/// any other).
fn is_address_form(credentials: &[u8; 32]) -> bool {
    credentials[0] == 1 && credentials[1..12].iter().all(|b| *b == 0)
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
pub(crate) fn srs_for(
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
                return Err(CliError::Rejected(format!(
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

/// Reads a final proof file (a missing file, a directory or another non-file is named as
/// such).
pub(crate) fn read_artifact(path: &Path) -> Result<FinalArtifact> {
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            bail!("cannot read proof file {}: no such file", path.display())
        }
        Err(e) => bail!("cannot read proof file {}: {e}", path.display()),
        Ok(m) if m.is_dir() => {
            bail!(
                "cannot read proof file {}: is a directory, not a proof file",
                path.display()
            )
        }
        Ok(m) if !m.is_file() => {
            bail!(
                "cannot read proof file {}: not a regular file",
                path.display()
            )
        }
        Ok(_) => {}
    }
    Ok(FinalArtifact::read(path)?)
}

/// The generated verifier of a final artifact's circuit (after verifying the artifact).
pub(crate) fn verifier_source(art: &FinalArtifact, srs: &Srs) -> Result<String> {
    art.verify(srs, None).map_err(CliError::Rejected)?;
    let params = srs.for_circuit(&art.circuit.name, art.circuit.params.degree)?;
    let vk = art
        .verifying_key()
        .ok_or_else(|| rejected("the verifying key does not decode"))?;
    Ok(verifier::export_verifier(
        &params,
        &vk,
        &art.circuit.name,
        art.instances.len(),
        Some(stakeproof_circuits::util::proving::aggregation_accumulator_indices()),
        art.setup.unsafe_local,
    )?)
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
}

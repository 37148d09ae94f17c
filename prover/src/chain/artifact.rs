//! The chain design's final proof file, `chain-proof-slot-{slot}.json`: today's final artifact
//! fields (statement, proof, circuit, setup) plus the two registry anchors of the
//! [`Statement::FinalChain`](stakeproof_circuits::aggregation::layout::Statement::FinalChain)
//! layout, and its native verification.

use super::plan::ChainSizes;
use crate::final_artifact::{fr_word, word_fr, SetupInfo, MAX_VK_HEX};
use crate::keys::NodeKeys;
use crate::srs::Srs;
use crate::{write_atomically, PipelineError};
use stakeproof_beacon::beacon::BeaconState;
use stakeproof_beacon::hexfmt;
use stakeproof_circuits::aggregation::layout::{FinalStatement, ACC_LIMBS, FINAL_LEN};
use stakeproof_circuits::chain::layout::FINAL_CHAIN_LEN;
use stakeproof_circuits::halo2_proofs::SerdeFormat;
use stakeproof_circuits::snark_verifier_sdk::halo2::aggregation::AggregationConfigParams;
use stakeproof_circuits::util::proving::verify_final;
use stakeproof_circuits::Fr;
use std::path::Path;

/// Format name of every chain proof file.
pub const CHAIN_FORMAT: &str = "stakeproof-chain-proof";
/// Its version.
pub const CHAIN_FORMAT_VERSION: u32 = 1;

/// The final circuit of the chain design.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct ChainCircuit {
    /// Circuit name (node tag and children digest).
    pub name: String,
    /// `k` and columns.
    pub params: AggregationConfigParams,
    /// Verifying key (halo2 raw bytes), `0x`-hex.
    pub vk: String,
    /// Its digest.
    pub vk_digest: String,
    /// Version of the circuits.
    pub circuits_version: u32,
    /// The chain sizes (leaf sizes and tree depths) it was made for.
    pub sizes: ChainSizes,
}

/// A chain proof file.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct ChainArtifact {
    /// Always [`CHAIN_FORMAT`].
    pub format: String,
    /// [`CHAIN_FORMAT_VERSION`].
    pub version: u32,
    /// The statement's first twelve values (today's final layout), decoded.
    pub statement: FinalStatement,
    /// The registry anchor the chain starts at (0: from the empty registry), a field element.
    pub anchor_old: String,
    /// The registry anchor of the report's registry.
    pub anchor_new: String,
    /// The chain started cold.
    pub cold: bool,
    /// Fork of the state.
    pub fork: String,
    /// Epoch of the counts.
    pub epoch: u64,
    /// All public inputs, 32-byte big-endian words (12 accumulator limbs, then the 14 values).
    pub instances: Vec<String>,
    /// The proof (Keccak transcript), `0x`-hex.
    pub proof: String,
    /// The final circuit.
    pub circuit: ChainCircuit,
    /// The setup.
    pub setup: SetupInfo,
    /// Seconds the report took to prove.
    pub prover_seconds: f64,
}

fn bad(path: &str, reason: impl Into<String>) -> PipelineError {
    PipelineError::Artifact {
        path: path.into(),
        reason: reason.into(),
    }
}

impl ChainArtifact {
    /// Assembles the artifact of a final chain proof.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        state: &BeaconState,
        keys: &NodeKeys,
        srs: &Srs,
        sizes: ChainSizes,
        cold: bool,
        instances: &[Fr],
        proof: &[u8],
        seconds: f64,
    ) -> Result<Self, PipelineError> {
        if instances.len() != ACC_LIMBS + FINAL_CHAIN_LEN {
            return Err(bad("(new)", "not the chain's final instances"));
        }
        let st = &instances[ACC_LIMBS..];
        let statement = FinalStatement::from_instances(&st[..FINAL_LEN])
            .ok_or_else(|| bad("(new)", "final instances do not decode"))?;
        let mut vk = Vec::new();
        keys.vk
            .write(&mut vk, SerdeFormat::RawBytes)
            .expect("vk serializes to memory");
        Ok(ChainArtifact {
            format: CHAIN_FORMAT.into(),
            version: CHAIN_FORMAT_VERSION,
            statement,
            anchor_old: fr_word(&st[FINAL_LEN]),
            anchor_new: fr_word(&st[FINAL_LEN + 1]),
            cold,
            fork: state.fork().name().into(),
            epoch: state.epoch(),
            instances: instances.iter().map(fr_word).collect(),
            proof: hexfmt::encode(proof),
            circuit: ChainCircuit {
                name: keys.name.clone(),
                params: keys.pinning.params,
                vk: hexfmt::encode(vk),
                vk_digest: keys.vk_digest.clone(),
                circuits_version: stakeproof_circuits::CIRCUITS_VERSION,
                sizes,
            },
            setup: SetupInfo {
                id: srs.id.clone(),
                unsafe_local: srs.unsafe_local,
            },
            prover_seconds: seconds,
        })
    }

    /// Writes the artifact atomically.
    pub fn write(&self, path: &Path) -> Result<(), PipelineError> {
        let json = serde_json::to_vec_pretty(self).expect("artifact serializes");
        write_atomically(path, &json, "chain proof artifact")
    }

    /// Reads an artifact, checking its format and version.
    pub fn read(path: &Path) -> Result<Self, PipelineError> {
        let p = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| bad(&p, e.to_string()))?;
        let a: ChainArtifact = serde_json::from_slice(&bytes)
            .map_err(|e| bad(&p, format!("not a chain proof artifact: {e}")))?;
        if a.format != CHAIN_FORMAT || a.version != CHAIN_FORMAT_VERSION {
            return Err(bad(
                &p,
                format!(
                    "format {} v{} (expected {CHAIN_FORMAT} v{CHAIN_FORMAT_VERSION})",
                    a.format, a.version
                ),
            ));
        }
        Ok(a)
    }

    /// Verifies the artifact natively against `srs`: the decoded statement and anchors equal
    /// the public inputs, the verifying key is the one named (and `expected_vk` if given), and
    /// the proof with its accumulator passes the pairing check.
    pub fn verify(&self, srs: &Srs, expected_vk: Option<&str>) -> Result<(), String> {
        let inst: Vec<Fr> = self
            .instances
            .iter()
            .map(|s| word_fr(s))
            .collect::<Option<_>>()
            .ok_or("public inputs are not 32-byte field elements")?;
        if inst.len() != ACC_LIMBS + FINAL_CHAIN_LEN {
            return Err(format!(
                "{} public inputs, the chain's final statement has {}",
                inst.len(),
                ACC_LIMBS + FINAL_CHAIN_LEN
            ));
        }
        let st = &inst[ACC_LIMBS..];
        if self.statement.to_instances().as_deref() != Some(&st[..FINAL_LEN])
            || word_fr(&self.anchor_old) != Some(st[FINAL_LEN])
            || word_fr(&self.anchor_new) != Some(st[FINAL_LEN + 1])
        {
            return Err("the decoded statement does not match the public inputs".into());
        }
        crate::keys::check_aggregation_params(&self.circuit.params)?;
        if self.circuit.vk.len() > MAX_VK_HEX {
            return Err("the verifying key is too long".into());
        }
        let vk_bytes = hexfmt::parse(&self.circuit.vk)
            .map_err(|e| format!("the verifying key is not hex: {e}"))?;
        let vk = crate::keys::read_aggregation_vk(&vk_bytes, self.circuit.params)?;
        let digest = crate::keys::vk_digest_of(&vk);
        if digest != self.circuit.vk_digest {
            return Err("the verifying key's digest is not the one recorded".into());
        }
        if let Some(e) = expected_vk {
            if e != digest {
                return Err(format!("verifying key {digest} is not the expected {e}"));
            }
        }
        if srs.id != self.setup.id {
            return Err(format!(
                "the proof was made with setup {}, not {}",
                self.setup.id, srs.id
            ));
        }
        let params = srs
            .for_circuit(&self.circuit.name, self.circuit.params.degree)
            .map_err(|e| e.to_string())?;
        let proof = hexfmt::parse(&self.proof).map_err(|_| "the proof is not hex")?;
        verify_final(&params, &vk, &proof, &inst).map_err(|e| e.to_string())
    }
}

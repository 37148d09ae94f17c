//! The final proof artifact: a versioned JSON file with the proof, its public inputs (raw and
//! decoded), the final circuit's verifying key and parameters, and the setup it needs; and its
//! native verification (`stakeproof verify FILE`). One format for both designs: a proof of the
//! registry chain ([`crate::chain`]) carries two more public inputs, the registry anchors, and
//! says so in its `chain` field; a proof with the pool's pending deposits carries two more, the
//! count and the sum, and says so in its `pending` field.

use crate::chain::ChainSizes;
use crate::keys::NodeKeys;
use crate::options::LeafConfig;
use crate::srs::Srs;
use crate::{write_atomically, PipelineError};
use stakeproof_beacon::beacon::BeaconState;
use stakeproof_beacon::hexfmt;
use stakeproof_circuits::aggregation::layout::{ACC_LIMBS, FINAL_LEN};
use stakeproof_circuits::chain::layout::FINAL_CHAIN_LEN;
use stakeproof_circuits::halo2_proofs::halo2curves::bn256::G1Affine;
use stakeproof_circuits::halo2_proofs::plonk::VerifyingKey;
use stakeproof_circuits::halo2_proofs::SerdeFormat;
use stakeproof_circuits::public_inputs::fr_from_hex;
use stakeproof_circuits::snark_verifier_sdk::halo2::aggregation::AggregationConfigParams;
use stakeproof_circuits::util::proving::verify_final;
use stakeproof_circuits::Fr;
use std::path::Path;

/// The statement of a final proof, decoded: the codec is the circuits' own, beside the layout.
pub use stakeproof_circuits::aggregation::layout::FinalStatement;
/// An instance as a big-endian 32-byte word, `0x`-hex: the one display form of a field
/// element, [`stakeproof_circuits::public_inputs::fr_hex`].
pub use stakeproof_circuits::public_inputs::fr_hex as fr_word;

/// Format name in every final artifact.
pub const FORMAT: &str = "stakeproof-final-proof";
/// Format version.
pub const FORMAT_VERSION: u32 = 1;

/// Longest verifying key (hex characters) an artifact may carry: 1 MiB of key (the final
/// circuit's is a few KiB).
pub const MAX_VK_HEX: usize = 2 << 20;

/// The final circuit: what a verifier needs besides the setup.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct FinalCircuit {
    /// Circuit name.
    pub name: String,
    /// `k` and columns.
    pub params: AggregationConfigParams,
    /// Verifying key (halo2 raw bytes), `0x`-hex.
    pub vk: String,
    /// Digest of the verifying key.
    pub vk_digest: String,
    /// Version of the circuits.
    pub circuits_version: u32,
    /// Leaf sizes.
    pub leaves: LeafConfig,
}

/// The setup the proof was made with.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SetupInfo {
    /// Identifier (`unsafe-k20-seed1`, `file-<digest>`).
    pub id: String,
    /// A locally generated setup: **not for production**.
    pub unsafe_local: bool,
}

/// A final proof file.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct FinalArtifact {
    /// Always [`FORMAT`].
    pub format: String,
    /// [`FORMAT_VERSION`].
    pub version: u32,
    /// The statement, decoded.
    pub statement: FinalStatement,
    /// Fork of the state.
    pub fork: String,
    /// Epoch of the counts.
    pub epoch: u64,
    /// All public inputs as the EVM verifier reads them: 32-byte big-endian words, `0x`-hex
    /// (12 accumulator limbs, then the statement).
    pub instances: Vec<String>,
    /// The proof (Keccak transcript), `0x`-hex.
    pub proof: String,
    /// The final circuit.
    pub circuit: FinalCircuit,
    /// The setup.
    pub setup: SetupInfo,
    /// Seconds the whole report took to prove.
    pub prover_seconds: f64,
    /// Present for a proof of the chain design: its registry anchors (public inputs 24 and 25,
    /// after the twelve statement values) and its sizes. Absent in today's design, whose files
    /// are unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain: Option<ChainInfo>,
    /// Present for a proof with the pool's pending deposits (`[Summary, Pending]`, public
    /// inputs 24 and 25 after the twelve statement values). Absent otherwise, whose files are
    /// unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<PendingTotals>,
}

/// What a proof with the pool's pending deposits adds to the final statement: the count and
/// sum of the `pending_deposits` entries with the pool's credentials (`beacon::report::
/// pending_deposits`), proven over the whole queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PendingTotals {
    /// Entries of the pool.
    pub pending_deposit_count: u64,
    /// Their amounts (gwei).
    pub pending_deposit_gwei: u128,
}

impl PendingTotals {
    /// The two public inputs, in order.
    pub fn to_instances(&self) -> [Fr; 2] {
        [
            Fr::from(self.pending_deposit_count),
            stakeproof_circuits::gadgets::fr_u128(self.pending_deposit_gwei),
        ]
    }

    /// Decodes the two public inputs; `None` if either is out of range.
    pub fn from_instances(x: &[Fr]) -> Option<Self> {
        use stakeproof_circuits::gadgets::{u128_from_fr, u64_from_fr};
        match x {
            [count, gwei] => Some(PendingTotals {
                pending_deposit_count: u64_from_fr(count)?,
                pending_deposit_gwei: u128_from_fr(gwei)?,
            }),
            _ => None,
        }
    }
}

/// What a chain proof adds to the final artifact.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ChainInfo {
    /// The registry anchor the report's chain starts at, a field element word (0: proven cold,
    /// from the empty registry). The oracle accepts it only if it is 0 or an anchor it stored.
    pub anchor_old: String,
    /// The anchor of this report's registry, which the oracle stores for the next report.
    pub anchor_new: String,
    /// The chain was proven cold.
    pub cold: bool,
    /// The sizes (leaves, tree depths) of the chain's final circuit.
    pub sizes: ChainSizes,
}

/// Public inputs of a final proof: the accumulator and the statement, plus two for the chain
/// design's anchors or for the pending deposits (not both: the chain design does not take the
/// queue yet).
pub fn final_instances(chain: bool, pending: bool) -> usize {
    ACC_LIMBS
        + if chain {
            FINAL_CHAIN_LEN
        } else if pending {
            stakeproof_circuits::pending::aggregate::FINAL_PENDING_LEN
        } else {
            FINAL_LEN
        }
}

/// Parses [`fr_word`]; `None` for anything but 32 bytes of hex below the field modulus.
pub fn word_fr(s: &str) -> Option<Fr> {
    fr_from_hex(s).ok()
}

impl FinalArtifact {
    /// Assembles the artifact of a final proof; `chain` (the cold flag and the sizes) for a
    /// proof of the chain design, whose two anchors are read from `instances`; `pending` for a
    /// proof with the pool's pending deposits, read from `instances` too.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        state: &BeaconState,
        keys: &NodeKeys,
        srs: &Srs,
        leaves: &LeafConfig,
        chain: Option<(bool, ChainSizes)>,
        pending: bool,
        instances: &[Fr],
        proof: &[u8],
        seconds: f64,
    ) -> Result<Self, PipelineError> {
        let bad = || PipelineError::Artifact {
            path: "(new)".into(),
            reason: "final instances do not decode".into(),
        };
        if chain.is_some() && pending {
            return Err(PipelineError::Artifact {
                path: "(new)".into(),
                reason: "the chain design does not take the pending deposits yet".into(),
            });
        }
        if instances.len() != final_instances(chain.is_some(), pending) {
            return Err(bad());
        }
        let statement =
            FinalStatement::from_instances(&instances[ACC_LIMBS..ACC_LIMBS + FINAL_LEN])
                .ok_or_else(bad)?;
        let pending = if pending {
            Some(
                PendingTotals::from_instances(&instances[ACC_LIMBS + FINAL_LEN..])
                    .ok_or_else(bad)?,
            )
        } else {
            None
        };
        let chain = chain.map(|(cold, sizes)| ChainInfo {
            anchor_old: fr_word(&instances[ACC_LIMBS + FINAL_LEN]),
            anchor_new: fr_word(&instances[ACC_LIMBS + FINAL_LEN + 1]),
            cold,
            sizes,
        });
        let mut vk = Vec::new();
        keys.vk
            .write(&mut vk, SerdeFormat::RawBytes)
            .expect("vk serializes to memory");
        Ok(FinalArtifact {
            format: FORMAT.into(),
            version: FORMAT_VERSION,
            statement,
            fork: state.fork().name().into(),
            epoch: state.epoch(),
            instances: instances.iter().map(fr_word).collect(),
            proof: hexfmt::encode(proof),
            circuit: FinalCircuit {
                name: keys.name.clone(),
                params: keys.pinning.params,
                vk: hexfmt::encode(vk),
                vk_digest: keys.vk_digest.clone(),
                circuits_version: stakeproof_circuits::CIRCUITS_VERSION,
                leaves: *leaves,
            },
            setup: SetupInfo {
                id: srs.id.clone(),
                unsafe_local: srs.unsafe_local,
            },
            prover_seconds: seconds,
            chain,
            pending,
        })
    }

    /// Refuses an artifact whose key differs from the published key of its circuit and setup
    /// ([`crate::published`]): what a prover checks before writing it, `keys_dir` being the
    /// key cache its keys came from.
    pub fn check_published(&self, keys_dir: &Path) -> Result<(), PipelineError> {
        match self.key_status() {
            crate::published::KeyStatus::Differs(p) => Err(PipelineError::KeyNotPublished(
                Box::new(crate::published::KeyNotPublished {
                    circuit: self.circuit.name.clone(),
                    setup: self.setup.id.clone(),
                    made: self.circuit.vk_digest.clone(),
                    published: p.vk_digest.clone(),
                    label: p.label.clone(),
                    keys_dir: keys_dir.display().to_string(),
                }),
            )),
            _ => Ok(()),
        }
    }

    /// Writes the artifact atomically (no partial file under `path`, ever).
    pub fn write(&self, path: &Path) -> Result<(), PipelineError> {
        let json = serde_json::to_vec_pretty(self).expect("artifact serializes");
        write_atomically(path, &json, "final proof artifact")
    }

    /// Reads an artifact, checking its format and version.
    pub fn read(path: &Path) -> Result<Self, PipelineError> {
        let err = |reason: String| PipelineError::Artifact {
            path: path.display().to_string(),
            reason,
        };
        let bytes = std::fs::read(path).map_err(|e| err(e.to_string()))?;
        let a: FinalArtifact = serde_json::from_slice(&bytes)
            .map_err(|e| err(format!("not a proof artifact: {e}")))?;
        if a.format != FORMAT || a.version != FORMAT_VERSION {
            return Err(err(format!(
                "format {} v{} (expected {FORMAT} v{FORMAT_VERSION})",
                a.format, a.version
            )));
        }
        Ok(a)
    }

    /// The public inputs, parsed.
    pub fn instance_values(&self) -> Option<Vec<Fr>> {
        self.instances.iter().map(|s| word_fr(s)).collect()
    }

    /// Number of public inputs of the artifact's design: 24 (today), 26 (chain, or with the
    /// pending deposits).
    pub fn expected_instances(&self) -> usize {
        final_instances(self.chain.is_some(), self.pending.is_some())
    }

    /// Checks the decoded statement (and, for a chain proof, its anchors) against the public
    /// inputs `inst` (all of them, the accumulator limbs first).
    pub fn check_statement(&self, inst: &[Fr]) -> Result<(), String> {
        if self.chain.is_some() && self.pending.is_some() {
            // Both would read the same two words: no final circuit states both.
            return Err("the artifact claims both registry anchors and pending deposits".into());
        }
        let want = self.expected_instances();
        if inst.len() != want {
            let design = match (&self.chain, &self.pending) {
                (Some(_), _) => "chain's ",
                (None, Some(_)) => "pending ",
                (None, None) => "",
            };
            return Err(format!(
                "{} public inputs, the {design}final statement has {want}",
                inst.len()
            ));
        }
        let st = &inst[ACC_LIMBS..];
        if self.statement.to_instances().as_deref() != Some(&st[..FINAL_LEN]) {
            return Err("the decoded statement does not match the public inputs".into());
        }
        if let Some(c) = &self.chain {
            if word_fr(&c.anchor_old) != Some(st[FINAL_LEN])
                || word_fr(&c.anchor_new) != Some(st[FINAL_LEN + 1])
            {
                return Err("the decoded anchors do not match the public inputs".into());
            }
        }
        if let Some(p) = &self.pending {
            if p.to_instances()[..] != st[FINAL_LEN..] {
                return Err("the decoded pending deposits do not match the public inputs".into());
            }
        }
        Ok(())
    }

    /// The proof bytes.
    pub fn proof_bytes(&self) -> Option<Vec<u8>> {
        hexfmt::parse(&self.proof).ok()
    }

    /// Checks what the artifact says of its circuit before it configures or allocates
    /// anything: the parameters within bounds
    /// ([`crate::keys::check_aggregation_params`]: `k` at most
    /// [`crate::keys::MAX_AGGREGATION_K`]), the verifying key at most [`MAX_VK_HEX`]
    /// characters. Callers that make a setup of `circuit.params.degree` call it first.
    pub fn check_circuit(&self) -> Result<(), String> {
        crate::keys::check_aggregation_params(&self.circuit.params)?;
        if self.circuit.vk.len() > MAX_VK_HEX {
            return Err(format!(
                "the verifying key has {} hex characters, more than {MAX_VK_HEX}",
                self.circuit.vk.len()
            ));
        }
        Ok(())
    }

    /// The verifying key, read only after [`Self::check_circuit`] and a header check
    /// ([`crate::keys::read_aggregation_vk`]). Its digest (the transcript representation) is
    /// computed from the decoded key, so it is compared after this guarded read.
    pub fn verifying_key(&self) -> Option<VerifyingKey<G1Affine>> {
        self.check_circuit().ok()?;
        let bytes = hexfmt::parse(&self.circuit.vk).ok()?;
        crate::keys::read_aggregation_vk(&bytes, self.circuit.params).ok()
    }

    /// Verifies the artifact natively against `srs`: the decoded statement (and anchors)
    /// equal the public inputs, the verifying key is the one named (and `expected_vk` if
    /// given), and the proof with its accumulator passes the pairing check.
    pub fn verify(&self, srs: &Srs, expected_vk: Option<&str>) -> Result<(), String> {
        let inst = self
            .instance_values()
            .ok_or("public inputs are not 32-byte field elements")?;
        self.check_statement(&inst)?;
        self.check_circuit()?;
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
        let proof = self.proof_bytes().ok_or("the proof is not hex")?;
        verify_final(&params, &vk, &proof, &inst).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_totals_round_trip_and_refuse_out_of_range_values() {
        let t = PendingTotals {
            pending_deposit_count: 3,
            pending_deposit_gwei: 96_000_000_000 + (1u128 << 70),
        };
        assert_eq!(PendingTotals::from_instances(&t.to_instances()), Some(t));
        // A count beyond u64, a sum beyond u128, or the wrong number of values.
        let big = Fr::from(u64::MAX) + Fr::one();
        assert_eq!(PendingTotals::from_instances(&[big, Fr::one()]), None);
        assert_eq!(
            PendingTotals::from_instances(&[Fr::one(), -Fr::one()]),
            None
        );
        assert_eq!(PendingTotals::from_instances(&[Fr::one()]), None);
    }

    #[test]
    fn a_final_proof_has_two_more_inputs_with_anchors_or_pending_deposits() {
        assert_eq!(final_instances(false, false), 24);
        assert_eq!(final_instances(true, false), 26);
        assert_eq!(final_instances(false, true), 26);
    }
}

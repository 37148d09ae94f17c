//! Proving keys per circuit, generated once per (circuit, setup) and cached with the pinning:
//! the leaves' [`CircuitKeys`] (with their [`KeyStore`]) and the aggregation nodes'
//! [`NodeKeys`] (cached by the tree, see [`crate::tree`]).

use crate::srs::Srs;
use crate::{write_atomically, PipelineError};
use stakeproof_circuits::aggregation::circuit::NodePinning;
use stakeproof_circuits::halo2_base::gates::circuit::CircuitBuilderStage;
use stakeproof_circuits::halo2_proofs::halo2curves::bn256::{Bn256, G1Affine};
use stakeproof_circuits::halo2_proofs::plonk::{ProvingKey, VerifyingKey};
use stakeproof_circuits::halo2_proofs::poly::kzg::commitment::ParamsKZG;
use stakeproof_circuits::halo2_proofs::SerdeFormat;
use stakeproof_circuits::util::circuit::{build_circuit, CircuitLogic, Pinning, ShaCircuit, Shape};
use stakeproof_circuits::util::proving::keygen;
use std::path::PathBuf;

/// A circuit ready to prove: its setup, proving key and pinning.
pub struct CircuitKeys {
    /// Circuit name (kind and size).
    pub name: String,
    /// The setup at the circuit's size.
    pub params: ParamsKZG<Bn256>,
    /// The proving key (holds the verifying key).
    pub pk: ProvingKey<G1Affine>,
    /// The pinning the prover must reuse.
    pub pinning: Pinning,
    /// Hex digest of the verifying key (its transcript representation).
    pub vk_digest: String,
    /// Whether the keys were read from the cache.
    pub cached: bool,
}

/// Keys of one aggregation node circuit. The proving key (~3 GB at k = 20) stays on disk
/// until a node of this circuit must be proven; at most one is held in memory at a time.
pub struct NodeKeys {
    /// Name: node tag and a digest of the children's verifying keys.
    pub name: String,
    /// Verifying key.
    pub vk: VerifyingKey<G1Affine>,
    /// Shape fixed at keygen.
    pub pinning: NodePinning,
    /// Verifying-key digest.
    pub vk_digest: String,
    /// Where the proving key is cached.
    pub pk_path: PathBuf,
}

/// Where keys are cached: `{dir}/{circuit}.v{CIRCUITS_VERSION}.{srs id}.pk` and `.pinning.json`.
pub struct KeyStore {
    /// The directory.
    pub dir: PathBuf,
}

/// Hex digest of a proving key's verifying key.
pub fn vk_digest(pk: &ProvingKey<G1Affine>) -> String {
    vk_digest_of(pk.get_vk())
}

/// Hex digest of a verifying key (its transcript representation).
pub fn vk_digest_of(vk: &VerifyingKey<G1Affine>) -> String {
    format!("{:?}", vk.transcript_repr())
}

impl KeyStore {
    /// Keys for the circuit of `sample` (a witness of the right shape) at `k`: read from the
    /// cache when present and readable, else generated (and cached).
    pub fn get(
        &self,
        srs: &Srs,
        sample: &impl CircuitLogic,
        k: u32,
    ) -> Result<CircuitKeys, PipelineError> {
        let name = sample.name();
        let params = srs.for_circuit(&name, k)?;
        let v = stakeproof_circuits::CIRCUITS_VERSION;
        let pk_path = self.dir.join(format!("{name}.v{v}.{}.pk", srs.id));
        let pin_path = self
            .dir
            .join(format!("{name}.v{v}.{}.pinning.json", srs.id));
        if let (Ok(pinning), Ok(bytes)) = (Pinning::load(&pin_path), std::fs::read(&pk_path)) {
            if let Ok(pk) = ProvingKey::<G1Affine>::read::<_, ShaCircuit>(
                &mut bytes.as_slice(),
                SerdeFormat::RawBytes,
                pinning.params.clone(),
            ) {
                return Ok(CircuitKeys {
                    vk_digest: vk_digest(&pk),
                    name,
                    params,
                    pk,
                    pinning,
                    cached: true,
                });
            }
            // A corrupt key file is regenerated, never trusted.
        }
        let circuit = build_circuit(CircuitBuilderStage::Keygen, sample, Shape::K(k as usize))?;
        let pk = keygen(&params, &circuit).map_err(|source| PipelineError::Halo2 {
            what: format!("keygen of {name}"),
            source,
        })?;
        let pinning = circuit.pinning();
        let mut bytes = Vec::new();
        pk.write(&mut bytes, SerdeFormat::RawBytes)
            .map_err(|source| PipelineError::Io {
                what: "proving key",
                path: pk_path.display().to_string(),
                source,
            })?;
        write_atomically(&pk_path, &bytes, "proving key")?;
        let pin_json = serde_json::to_vec_pretty(&pinning).expect("pinning serializes");
        write_atomically(&pin_path, &pin_json, "pinning")?;
        Ok(CircuitKeys {
            vk_digest: vk_digest(&pk),
            name,
            params,
            pk,
            pinning,
            cached: false,
        })
    }
}

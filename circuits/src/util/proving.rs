//! KZG (SHPLONK) key generation, proving and verification for [`ShaCircuit`]s.

use super::circuit::ShaCircuit;
use crate::Fr;
use halo2_base::halo2_proofs::halo2curves::bn256::{Bn256, G1Affine};
use halo2_base::halo2_proofs::plonk::{
    create_proof, keygen_pk, keygen_vk, verify_proof, Error, ProvingKey, VerifyingKey,
};
use halo2_base::halo2_proofs::poly::commitment::{Params, ParamsProver};
use halo2_base::halo2_proofs::poly::kzg::commitment::{KZGCommitmentScheme, ParamsKZG};
use halo2_base::halo2_proofs::poly::kzg::multiopen::{ProverSHPLONK, VerifierSHPLONK};
use halo2_base::halo2_proofs::poly::kzg::strategy::SingleStrategy;
use halo2_base::halo2_proofs::transcript::{
    Blake2bRead, Blake2bWrite, Challenge255, TranscriptReadBuffer, TranscriptWriterBuffer,
};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

/// A locally generated KZG setup with a known toxic waste. **Unsafe for production**: whoever
/// knows the seed can forge proofs. For tests and the offline demo only.
pub fn unsafe_setup(k: u32, seed: u64) -> ParamsKZG<Bn256> {
    ParamsKZG::<Bn256>::setup(k, ChaCha20Rng::seed_from_u64(seed))
}

/// The setup cut down to `k` (a setup for a larger `k` serves every smaller circuit).
pub fn params_for(params: &ParamsKZG<Bn256>, k: u32) -> ParamsKZG<Bn256> {
    let mut p = params.clone();
    if p.k() > k {
        p.downsize(k);
    }
    p
}

/// Generates the proving key (and with it the verifying key) of a circuit.
pub fn keygen(
    params: &ParamsKZG<Bn256>,
    circuit: &ShaCircuit,
) -> Result<ProvingKey<G1Affine>, Error> {
    let vk = keygen_vk(params, circuit)?;
    keygen_pk(params, vk, circuit)
}

/// Proves `circuit` with public `instances`; returns the proof bytes.
pub fn prove(
    params: &ParamsKZG<Bn256>,
    pk: &ProvingKey<G1Affine>,
    circuit: ShaCircuit,
    instances: &[Fr],
) -> Result<Vec<u8>, Error> {
    let mut transcript = Blake2bWrite::<_, G1Affine, Challenge255<_>>::init(vec![]);
    create_proof::<KZGCommitmentScheme<Bn256>, ProverSHPLONK<'_, Bn256>, Challenge255<_>, _, _, _>(
        params,
        pk,
        &[circuit],
        &[&[instances]],
        ChaCha20Rng::from_entropy(),
        &mut transcript,
    )?;
    Ok(transcript.finalize())
}

/// Verifies a proof against the verifying key and public `instances`.
pub fn verify(
    params: &ParamsKZG<Bn256>,
    vk: &VerifyingKey<G1Affine>,
    proof: &[u8],
    instances: &[Fr],
) -> Result<(), Error> {
    let mut transcript = Blake2bRead::<_, G1Affine, Challenge255<_>>::init(proof);
    verify_proof::<KZGCommitmentScheme<Bn256>, VerifierSHPLONK<'_, Bn256>, Challenge255<_>, _, _>(
        params.verifier_params(),
        vk,
        SingleStrategy::new(params),
        &[&[instances]],
        &mut transcript,
    )
}

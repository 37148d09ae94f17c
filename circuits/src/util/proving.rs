//! KZG (SHPLONK) key generation, proving and verification: Poseidon-transcript proofs for
//! everything that is aggregated, a Keccak (EVM) transcript for the final proof.

use crate::Fr;
use halo2_base::halo2_proofs::halo2curves::bn256::{Bn256, G1Affine};
use halo2_base::halo2_proofs::plonk::Circuit;
use halo2_base::halo2_proofs::plonk::{
    create_proof, keygen_pk, keygen_vk, verify_proof, Error, ProvingKey, VerifyingKey,
};
use halo2_base::halo2_proofs::poly::commitment::{Params, ParamsProver};
use halo2_base::halo2_proofs::poly::kzg::commitment::{KZGCommitmentScheme, ParamsKZG};
use halo2_base::halo2_proofs::poly::kzg::multiopen::{ProverSHPLONK, VerifierSHPLONK};
use halo2_base::halo2_proofs::poly::kzg::strategy::SingleStrategy;
use halo2_base::halo2_proofs::transcript::TranscriptWriterBuffer;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use snark_verifier::loader::native::NativeLoader;
use snark_verifier::pcs::kzg::KzgDecidingKey;
use snark_verifier::system::halo2::transcript::evm::EvmTranscript;
use snark_verifier::system::halo2::{compile, Config};
use snark_verifier::verifier::SnarkVerifier;
use snark_verifier_sdk::halo2::{PoseidonTranscript, POSEIDON_SPEC};
use snark_verifier_sdk::{PlonkVerifier, Snark, SHPLONK};

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
pub fn keygen<C: Circuit<Fr>>(
    params: &ParamsKZG<Bn256>,
    circuit: &C,
) -> Result<ProvingKey<G1Affine>, Error> {
    let vk = keygen_vk(params, circuit)?;
    keygen_pk(params, vk, circuit)
}

/// Proves `circuit` with public `instances` under the Poseidon transcript that snark-verifier
/// verifies in-circuit (every proof below the final one is aggregated); returns the proof bytes.
pub fn prove<C: Circuit<Fr>>(
    params: &ParamsKZG<Bn256>,
    pk: &ProvingKey<G1Affine>,
    circuit: C,
    instances: &[Fr],
) -> Result<Vec<u8>, Error> {
    let mut transcript =
        PoseidonTranscript::<NativeLoader, Vec<u8>>::from_spec(vec![], POSEIDON_SPEC.clone());
    create_proof::<KZGCommitmentScheme<Bn256>, ProverSHPLONK<'_, Bn256>, _, _, _, _>(
        params,
        pk,
        &[circuit],
        &[&[instances]],
        ChaCha20Rng::from_entropy(),
        &mut transcript,
    )?;
    Ok(transcript.finalize())
}

/// Verifies a proof made by [`prove`] against the verifying key and public `instances`. For an
/// aggregation proof this checks the proof itself; the accumulator in its instances is decided
/// by [`verify_final`] at the root.
pub fn verify(
    params: &ParamsKZG<Bn256>,
    vk: &VerifyingKey<G1Affine>,
    proof: &[u8],
    instances: &[Fr],
) -> Result<(), Error> {
    let mut transcript =
        PoseidonTranscript::<NativeLoader, &[u8]>::from_spec(proof, POSEIDON_SPEC.clone());
    verify_proof::<KZGCommitmentScheme<Bn256>, VerifierSHPLONK<'_, Bn256>, _, _, _>(
        params.verifier_params(),
        vk,
        SingleStrategy::new(params),
        &[&[instances]],
        &mut transcript,
    )
}

/// The snark-verifier view of a proof: what an aggregation circuit takes as a child.
pub fn snark(
    params: &ParamsKZG<Bn256>,
    vk: &VerifyingKey<G1Affine>,
    instances: Vec<Fr>,
    proof: Vec<u8>,
    accumulator_indices: Option<Vec<(usize, usize)>>,
) -> Snark {
    let protocol = compile(
        params,
        vk,
        Config::kzg()
            .with_num_instance(vec![instances.len()])
            .with_accumulator_indices(accumulator_indices),
    );
    Snark::new(protocol, vec![instances], proof)
}

/// Accumulator positions of an aggregation proof's instances (the first 12).
pub fn aggregation_accumulator_indices() -> Vec<(usize, usize)> {
    (0..crate::aggregation::layout::ACC_LIMBS)
        .map(|i| (0, i))
        .collect()
}

/// Proves the final aggregation circuit under the Keccak (EVM) transcript that the Solidity
/// verifier replays.
pub fn prove_evm<C: Circuit<Fr>>(
    params: &ParamsKZG<Bn256>,
    pk: &ProvingKey<G1Affine>,
    circuit: C,
    instances: &[Fr],
) -> Result<Vec<u8>, Error> {
    let mut transcript = TranscriptWriterBuffer::<_, G1Affine, _>::init(Vec::new());
    create_proof::<
        KZGCommitmentScheme<Bn256>,
        ProverSHPLONK<'_, Bn256>,
        _,
        _,
        EvmTranscript<_, _, _, _>,
        _,
    >(
        params,
        pk,
        &[circuit],
        &[&[instances]],
        ChaCha20Rng::from_entropy(),
        &mut transcript,
    )?;
    Ok(transcript.finalize())
}

/// Why a final proof is rejected.
#[derive(Debug, thiserror::Error)]
pub enum FinalProofError {
    /// The proof bytes are malformed (truncated, points off the curve).
    #[error("malformed proof: {0}")]
    Malformed(String),
    /// The proof, or the KZG accumulator it carries, fails the pairing check.
    #[error("the proof does not verify: {0}")]
    Rejected(String),
}

/// Natively verifies a final (EVM-transcript) aggregation proof, as the Solidity verifier does:
/// reads the proof, folds in the accumulator carried in the instances, and decides the pairing.
pub fn verify_final(
    params: &ParamsKZG<Bn256>,
    vk: &VerifyingKey<G1Affine>,
    proof: &[u8],
    instances: &[Fr],
) -> Result<(), FinalProofError> {
    let protocol = compile(
        params,
        vk,
        Config::kzg()
            .with_num_instance(vec![instances.len()])
            .with_accumulator_indices(Some(aggregation_accumulator_indices())),
    );
    let dk: KzgDecidingKey<Bn256> = (params.get_g()[0], params.g2(), params.s_g2()).into();
    let instances = vec![instances.to_vec()];
    let result = std::panic::catch_unwind(|| {
        let mut t = EvmTranscript::<G1Affine, NativeLoader, _, _>::new(proof);
        let p = PlonkVerifier::<SHPLONK>::read_proof(&dk, &protocol, &instances, &mut t)
            .map_err(|e| FinalProofError::Malformed(format!("{e:?}")))?;
        PlonkVerifier::<SHPLONK>::verify(&dk, &protocol, &instances, &p)
            .map_err(|e| FinalProofError::Rejected(format!("{e:?}")))
    });
    match result {
        Ok(r) => r,
        Err(_) => Err(FinalProofError::Malformed(
            "the verifier panicked reading it".into(),
        )),
    }
}

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
use halo2_base::halo2_proofs::transcript::{
    EncodedChallenge, TranscriptWrite, TranscriptWriterBuffer,
};
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
///
/// The same parameters as halo2's `ParamsKZG::setup(k, ChaCha20Rng::seed_from_u64(seed))` (the
/// secret is drawn the same way), computed faster: the powers `s^i` and the Lagrange scalars
/// `L_i(s)` natively (one batch inversion), then every point as a fixed-base multiple of the
/// generator from a table of 8-bit windows (32 mixed additions per point instead of a
/// 254-bit double-and-add).
pub fn unsafe_setup(k: u32, seed: u64) -> ParamsKZG<Bn256> {
    use halo2_base::halo2_proofs::arithmetic::Field;
    use halo2_base::halo2_proofs::halo2curves::bn256::{G2Affine, G1};
    use halo2_base::halo2_proofs::halo2curves::ff::{BatchInvert, PrimeField};
    use halo2_base::halo2_proofs::halo2curves::group::prime::PrimeCurveAffine;
    use halo2_base::halo2_proofs::halo2curves::group::{Curve, Group};
    use rayon::prelude::*;

    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let s = Fr::random(&mut rng);
    let n = 1usize << k;

    // Scalars: s^i, and L_i(s) = (s^n − 1)/n · ω^i / (s − ω^i).
    let mut powers = Vec::with_capacity(n);
    let mut cur = Fr::one();
    for _ in 0..n {
        powers.push(cur);
        cur *= s;
    }
    let mut omega = Fr::ROOT_OF_UNITY;
    for _ in k..Fr::S {
        omega = omega.square();
    }
    let mut omegas = Vec::with_capacity(n);
    let mut w = Fr::one();
    for _ in 0..n {
        omegas.push(w);
        w *= omega;
    }
    let mut denoms: Vec<Fr> = omegas.iter().map(|w| s - w).collect();
    denoms.iter_mut().batch_invert();
    let multiplier =
        (s.pow_vartime([n as u64]) - Fr::one()) * Fr::from(n as u64).invert().expect("n ≠ 0");
    let lagrange: Vec<Fr> = omegas
        .iter()
        .zip(&denoms)
        .map(|(w, d)| multiplier * w * d)
        .collect();

    // Fixed-base table: table[j][d] = d · 256^j · G.
    let g1 = G1::generator();
    let mut base = g1;
    let mut table = Vec::with_capacity(32);
    for _ in 0..32 {
        let mut row = vec![G1::identity(); 256];
        for d in 1..256 {
            row[d] = row[d - 1] + base;
        }
        let mut affine = vec![G1Affine::identity(); 256];
        G1::batch_normalize(&row, &mut affine);
        table.push(affine);
        for _ in 0..8 {
            base = base.double();
        }
    }
    let mul = |x: &Fr| -> G1 {
        let bytes = x.to_repr();
        let mut acc = G1::identity();
        for (j, b) in bytes.as_ref().iter().enumerate() {
            if *b != 0 {
                acc += table[j][*b as usize];
            }
        }
        acc
    };
    let points = |scalars: &[Fr]| -> Vec<G1Affine> {
        let proj: Vec<G1> = scalars.par_iter().map(mul).collect();
        let mut out = vec![G1Affine::identity(); proj.len()];
        out.par_chunks_mut(1 << 12)
            .zip(proj.par_chunks(1 << 12))
            .for_each(|(o, p)| G1::batch_normalize(p, o));
        out
    };
    let g = points(&powers);
    let g_lagrange = points(&lagrange);
    let g2 = G2Affine::generator();
    let s_g2 = (g2 * s).to_affine();
    ParamsKZG::<Bn256>::setup(1, ChaCha20Rng::seed_from_u64(seed)).from_parts(
        k,
        g,
        Some(g_lagrange),
        g2,
        s_g2,
    )
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
    prove_in(params, pk, circuit, instances, &mut transcript)?;
    Ok(transcript.finalize())
}

/// SHPLONK proof of `circuit` written into `transcript`.
pub fn prove_in<C, E, T>(
    params: &ParamsKZG<Bn256>,
    pk: &ProvingKey<G1Affine>,
    circuit: C,
    instances: &[Fr],
    transcript: &mut T,
) -> Result<(), Error>
where
    C: Circuit<Fr>,
    E: EncodedChallenge<G1Affine>,
    T: TranscriptWrite<G1Affine, E>,
{
    create_proof::<KZGCommitmentScheme<Bn256>, ProverSHPLONK<'_, Bn256>, E, _, T, C>(
        params,
        pk,
        &[circuit],
        &[&[instances]],
        ChaCha20Rng::from_entropy(),
        transcript,
    )
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
    let protocol = protocol(params, vk, instances.len(), accumulator_indices);
    Snark::new(protocol, vec![instances], proof)
}

/// snark-verifier's description of a circuit with one instance column of `n` values.
fn protocol(
    params: &ParamsKZG<Bn256>,
    vk: &VerifyingKey<G1Affine>,
    n: usize,
    accumulator_indices: Option<Vec<(usize, usize)>>,
) -> snark_verifier::verifier::plonk::PlonkProtocol<G1Affine> {
    compile(
        params,
        vk,
        Config::kzg()
            .with_num_instance(vec![n])
            .with_accumulator_indices(accumulator_indices),
    )
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
    prove_in::<_, _, EvmTranscript<_, _, _, _>>(params, pk, circuit, instances, &mut transcript)?;
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
    let protocol = protocol(
        params,
        vk,
        instances.len(),
        Some(aggregation_accumulator_indices()),
    );
    let dk: KzgDecidingKey<Bn256> = (params.get_g()[0], params.g2(), params.s_g2()).into();
    // Limbs that are no curve points would make the reader panic (caught below, but noisy).
    check_accumulator_limbs(instances)?;
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

/// Bits per accumulator limb (`LimbsEncoding<3, 88>`), a whole number of bytes.
const LIMB_BYTES: usize = 11;

/// The KZG accumulator carried in the first 12 public inputs is two curve points, each
/// coordinate three little-endian limbs of 88 bits: every limb below 2^88, every coordinate
/// below the base field's modulus, each point on the curve. Checked before the proof is read,
/// so that a tampered limb is an error rather than a panic inside the verifier.
pub fn check_accumulator_limbs(instances: &[Fr]) -> Result<(), FinalProofError> {
    use halo2_base::halo2_proofs::halo2curves::bn256::Fq;
    use halo2_base::halo2_proofs::halo2curves::ff::PrimeField;
    use halo2_base::halo2_proofs::halo2curves::CurveAffine;
    let n = crate::aggregation::layout::ACC_LIMBS;
    let limbs = instances.get(..n).ok_or_else(|| {
        FinalProofError::Malformed(format!(
            "{} public inputs, fewer than the {n} accumulator limbs",
            instances.len()
        ))
    })?;
    let bad = |what: String| FinalProofError::Malformed(format!("the KZG accumulator: {what}"));
    let mut coords = Vec::with_capacity(4);
    for (c, chunk) in limbs.chunks(3).enumerate() {
        let mut bytes = [0u8; 3 * LIMB_BYTES];
        for (i, limb) in chunk.iter().enumerate() {
            let repr = limb.to_repr();
            if repr[LIMB_BYTES..].iter().any(|b| *b != 0) {
                return Err(bad(format!("limb {} is not below 2^88", 3 * c + i)));
            }
            bytes[LIMB_BYTES * i..LIMB_BYTES * (i + 1)].copy_from_slice(&repr[..LIMB_BYTES]);
        }
        let mut le = [0u8; 32];
        le.copy_from_slice(&bytes[..32]);
        let x = Option::<Fq>::from(Fq::from_repr(le))
            .filter(|_| bytes[32] == 0)
            .ok_or_else(|| bad(format!("coordinate {c} is not below the field modulus")))?;
        coords.push(x);
    }
    for (i, xy) in coords.chunks(2).enumerate() {
        if bool::from(G1Affine::from_xy(xy[0], xy[1]).is_none()) {
            return Err(bad(format!("point {i} is not on the curve")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use halo2_base::halo2_proofs::halo2curves::ff::PrimeField;
    use halo2_base::halo2_proofs::halo2curves::group::Curve;
    use halo2_base::halo2_proofs::halo2curves::CurveAffine;

    /// The 12 limbs of two points, as the aggregation circuit exposes them.
    fn limbs_of(points: [G1Affine; 2]) -> Vec<Fr> {
        let mut out = Vec::new();
        for p in points {
            let c = p.coordinates().unwrap();
            for coord in [*c.x(), *c.y()] {
                let repr = coord.to_repr();
                for i in 0..3 {
                    let mut le = [0u8; 32];
                    let hi = (LIMB_BYTES * (i + 1)).min(32);
                    le[..hi - LIMB_BYTES * i].copy_from_slice(&repr[LIMB_BYTES * i..hi]);
                    out.push(Fr::from_repr(le).unwrap());
                }
            }
        }
        out
    }

    #[test]
    fn accumulator_limbs_must_be_two_curve_points() {
        let g = G1Affine::generator();
        let h = (halo2_base::halo2_proofs::halo2curves::bn256::G1::generator() * Fr::from(7))
            .to_affine();
        let honest = limbs_of([g, h]);
        check_accumulator_limbs(&honest).expect("two points");
        // A limb changed by one: off the curve.
        let mut t = honest.clone();
        t[0] += Fr::one();
        let e = check_accumulator_limbs(&t).unwrap_err().to_string();
        assert!(e.contains("not on the curve"), "{e}");
        // A limb of 2^88 or more.
        let mut t = honest.clone();
        t[4] = Fr::from(1u64 << 44) * Fr::from(1u64 << 44);
        let e = check_accumulator_limbs(&t).unwrap_err().to_string();
        assert!(e.contains("limb 4 is not below 2^88"), "{e}");
        // A coordinate at or above the modulus (all limbs at their largest).
        let mut t = honest.clone();
        let max = Fr::from(1u64 << 44) * Fr::from(1u64 << 44) - Fr::one();
        t[6..9].copy_from_slice(&[max, max, max]);
        let e = check_accumulator_limbs(&t).unwrap_err().to_string();
        assert!(e.contains("coordinate 2 is not below"), "{e}");
        // Too few inputs.
        assert!(check_accumulator_limbs(&honest[..5]).is_err());
    }
}

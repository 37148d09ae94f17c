//! Where proofs are computed: halo2's CPU prover, or a `stakeproof-gpu` backend that every
//! commitment MSM of the prover is routed through (`stakeproof prove --backend cpu|cuda|auto`).
//! FFTs and the quotient's gate evaluation stay in halo2 on the CPU either way (halo2-axiom has
//! no hook for them). Proofs are the same KZG SHPLONK proofs and verify with the same keys.

use crate::PipelineError;
use stakeproof_circuits::halo2_proofs::halo2curves::bn256::{Bn256, G1Affine};
use stakeproof_circuits::halo2_proofs::plonk::{Circuit, ProvingKey};
use stakeproof_circuits::halo2_proofs::poly::kzg::commitment::ParamsKZG;
use stakeproof_circuits::halo2_proofs::transcript::{
    EncodedChallenge, TranscriptWrite, TranscriptWriterBuffer,
};
use stakeproof_circuits::snark_verifier::loader::native::NativeLoader;
use stakeproof_circuits::snark_verifier::system::halo2::transcript::evm::EvmTranscript;
use stakeproof_circuits::snark_verifier_sdk::halo2::{PoseidonTranscript, POSEIDON_SPEC};
use stakeproof_circuits::Fr;
use stakeproof_gpu::{Backend, BackendReport, OpCounts};
use std::sync::{Arc, Mutex};

struct Routed {
    backend: Arc<dyn Backend>,
    report: BackendReport,
    counts: OpCounts,
}

static ROUTED: Mutex<Option<Routed>> = Mutex::new(None);

/// Routes every later proof of this process through `backend` (`None`: halo2's CPU prover).
pub fn set_backend(backend: Option<stakeproof_gpu::SelectedBackend>) {
    *ROUTED.lock().expect("backend lock") = backend.map(|b| Routed {
        backend: b.backend,
        report: b.report,
        counts: OpCounts::default(),
    });
}

/// The backend in use and the operations routed through it so far (`None`: halo2's CPU
/// prover, nothing routed).
pub fn backend_report() -> Option<(BackendReport, OpCounts)> {
    ROUTED
        .lock()
        .expect("backend lock")
        .as_ref()
        .map(|r| (r.report.clone(), r.counts))
}

fn routed() -> Option<Arc<dyn Backend>> {
    ROUTED
        .lock()
        .expect("backend lock")
        .as_ref()
        .map(|r| r.backend.clone())
}

fn add_counts(c: &OpCounts) {
    if let Some(r) = ROUTED.lock().expect("backend lock").as_mut() {
        r.counts.msm_calls += c.msm_calls;
        r.counts.msm_points += c.msm_points;
        r.counts.ntt_calls += c.ntt_calls;
        r.counts.ntt_points += c.ntt_points;
        r.counts.bases_loaded += c.bases_loaded;
        r.counts.cpu_fallbacks += c.cpu_fallbacks;
    }
}

/// Proves into `transcript`: through the routed backend, or with halo2's own prover.
fn prove_into<C, E, T>(
    params: &ParamsKZG<Bn256>,
    pk: &ProvingKey<G1Affine>,
    circuit: C,
    instances: &[Fr],
    transcript: &mut T,
    what: &str,
) -> Result<(), PipelineError>
where
    C: Circuit<Fr>,
    E: EncodedChallenge<G1Affine>,
    T: TranscriptWrite<G1Affine, E>,
{
    match routed() {
        None => {
            stakeproof_circuits::util::proving::prove_in(params, pk, circuit, instances, transcript)
                .map_err(|source| PipelineError::Halo2 {
                    what: what.to_string(),
                    source,
                })
        }
        Some(b) => {
            use rand::SeedableRng;
            let counts = stakeproof_gpu::halo2::create_proof_in(
                b,
                params,
                pk,
                &[circuit],
                &[&[instances]],
                rand_chacha::ChaCha20Rng::from_entropy(),
                transcript,
            )
            .map_err(|e| PipelineError::Gpu(format!("{what}: {e}")))?;
            add_counts(&counts);
            Ok(())
        }
    }
}

/// A Poseidon-transcript proof (every proof that is aggregated).
pub fn prove<C: Circuit<Fr>>(
    params: &ParamsKZG<Bn256>,
    pk: &ProvingKey<G1Affine>,
    circuit: C,
    instances: &[Fr],
    what: &str,
) -> Result<Vec<u8>, PipelineError> {
    let mut t =
        PoseidonTranscript::<NativeLoader, Vec<u8>>::from_spec(vec![], POSEIDON_SPEC.clone());
    prove_into(params, pk, circuit, instances, &mut t, what)?;
    Ok(t.finalize())
}

/// An EVM-transcript proof (the final one).
pub fn prove_evm<C: Circuit<Fr>>(
    params: &ParamsKZG<Bn256>,
    pk: &ProvingKey<G1Affine>,
    circuit: C,
    instances: &[Fr],
    what: &str,
) -> Result<Vec<u8>, PipelineError> {
    let mut t = TranscriptWriterBuffer::<_, G1Affine, _>::init(Vec::new());
    prove_into::<_, _, EvmTranscript<_, _, _, _>>(params, pk, circuit, instances, &mut t, what)?;
    Ok(t.finalize())
}

//! Where proofs are computed: halo2's CPU prover, or a `stakeproof-gpu` backend that every
//! commitment MSM of the prover is routed through (`stakeproof prove --backend cpu|cuda|auto`).
//! FFTs and the quotient's gate evaluation stay in halo2 on the CPU either way (halo2-axiom has
//! no hook for them). Proofs are the same KZG SHPLONK proofs and verify with the same keys.
//!
//! The backend is a value, [`ProvingBackend`], passed in each run's options.

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

/// Where a run's proofs are computed: halo2's own CPU prover (the default), or a selected
/// `stakeproof-gpu` backend every commitment MSM is routed through. Passed to the leaf stage
/// and the tree in [`crate::options::ProveOptions`]; clones share one set of operation counts,
/// so the caller reads what its run routed with [`ProvingBackend::report`].
#[derive(Clone, Debug, Default)]
pub struct ProvingBackend {
    routed: Option<Arc<Routed>>,
}

#[derive(Debug)]
struct Routed {
    backend: Arc<dyn Backend>,
    report: BackendReport,
    counts: Mutex<OpCounts>,
}

impl ProvingBackend {
    /// halo2's own CPU prover: nothing routed, nothing counted.
    pub fn halo2() -> Self {
        Self::default()
    }

    /// Every proof routed through `selected` (its CPU backend included: counted, for tests).
    pub fn routed(selected: stakeproof_gpu::SelectedBackend) -> Self {
        ProvingBackend {
            routed: Some(Arc::new(Routed {
                backend: selected.backend,
                report: selected.report,
                counts: Mutex::new(OpCounts::default()),
            })),
        }
    }

    /// What the CLI's `--backend` means: halo2's prover when the selection is the CPU,
    /// otherwise routed through the selected backend.
    pub fn for_selection(selected: stakeproof_gpu::SelectedBackend) -> Self {
        if selected.report.kind == stakeproof_gpu::BackendKind::Cpu {
            Self::halo2()
        } else {
            Self::routed(selected)
        }
    }

    /// The backend routed through and the operations counted so far (`None`: halo2's CPU
    /// prover, nothing routed).
    pub fn report(&self) -> Option<(BackendReport, OpCounts)> {
        self.routed.as_ref().map(|r| {
            (
                r.report.clone(),
                *r.counts.lock().unwrap_or_else(|p| p.into_inner()),
            )
        })
    }

    /// A Poseidon-transcript proof (every proof that is aggregated).
    pub fn prove<C: Circuit<Fr>>(
        &self,
        params: &ParamsKZG<Bn256>,
        pk: &ProvingKey<G1Affine>,
        circuit: C,
        instances: &[Fr],
        what: &str,
    ) -> Result<Vec<u8>, PipelineError> {
        let mut t =
            PoseidonTranscript::<NativeLoader, Vec<u8>>::from_spec(vec![], POSEIDON_SPEC.clone());
        self.prove_into(params, pk, circuit, instances, &mut t, what)?;
        Ok(t.finalize())
    }

    /// An EVM-transcript proof (the final one).
    pub fn prove_evm<C: Circuit<Fr>>(
        &self,
        params: &ParamsKZG<Bn256>,
        pk: &ProvingKey<G1Affine>,
        circuit: C,
        instances: &[Fr],
        what: &str,
    ) -> Result<Vec<u8>, PipelineError> {
        let mut t = TranscriptWriterBuffer::<_, G1Affine, _>::init(Vec::new());
        self.prove_into::<_, _, EvmTranscript<_, _, _, _>>(
            params, pk, circuit, instances, &mut t, what,
        )?;
        Ok(t.finalize())
    }

    /// Proves into `transcript`: through the routed backend, or with halo2's own prover.
    fn prove_into<C, E, T>(
        &self,
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
        let Some(r) = &self.routed else {
            return stakeproof_circuits::util::proving::prove_in(
                params, pk, circuit, instances, transcript,
            )
            .map_err(|source| PipelineError::Halo2 {
                what: what.to_string(),
                source,
            });
        };
        use rand::SeedableRng;
        let c = stakeproof_gpu::halo2::create_proof_in(
            r.backend.clone(),
            params,
            pk,
            &[circuit],
            &[&[instances]],
            rand_chacha::ChaCha20Rng::from_entropy(),
            transcript,
        )
        .map_err(|e| PipelineError::Gpu(format!("{what}: {e}")))?;
        let mut n = r.counts.lock().unwrap_or_else(|p| p.into_inner());
        n.msm_calls += c.msm_calls;
        n.msm_points += c.msm_points;
        n.ntt_calls += c.ntt_calls;
        n.ntt_points += c.ntt_points;
        n.bases_loaded += c.bases_loaded;
        n.cpu_fallbacks += c.cpu_fallbacks;
        Ok(())
    }
}

//! The proving hook: a KZG commitment scheme whose commitment MSMs run on a [`Backend`].
//!
//! halo2-axiom has no backend hook, but `create_proof` is generic over the commitment scheme.
//! [`GpuKzg`] is `KZGCommitmentScheme<Bn256>` with different prover parameters: [`GpuParams`]
//! wraps a `ParamsKZG<Bn256>` (borrowed or owned) and sends every `commit` and
//! `commit_lagrange` (advice, lookup, shuffle, permutation-product, vanishing and quotient
//! commitments) to the backend. The multi-opening is forwarded to halo2's SHPLONK prover
//! ([`GpuShplonk`]), so its two MSMs stay on the CPU. Commitments are the same points, so
//! proofs are byte-identical to `create_proof::<KZGCommitmentScheme<Bn256>, ProverSHPLONK, ..>`
//! with the same RNG and transcript, and verify with the standard `VerifierSHPLONK` and the
//! unchanged `VerifyingKey` (`ParamsVerifier` is plain `ParamsKZG<Bn256>`).
//!
//! halo2's FFTs (in `EvaluationDomain`) have no hook, so proving does not count NTTs.

use crate::backend::{Backend, BackendKind, BasesHandle};
use crate::counts::{Counters, OpCounts};
use crate::error::GpuError;
use halo2_base::halo2_proofs::halo2curves::bn256::{Bn256, Fr, G1Affine, G1};
use halo2_base::halo2_proofs::plonk::{create_proof, Circuit, ProvingKey};
use halo2_base::halo2_proofs::poly::commitment::{
    Blind, CommitmentScheme, Params, ParamsProver, Prover,
};
use halo2_base::halo2_proofs::poly::kzg::commitment::{KZGCommitmentScheme, ParamsKZG};
use halo2_base::halo2_proofs::poly::kzg::msm::MSMKZG;
use halo2_base::halo2_proofs::poly::kzg::multiopen::ProverSHPLONK;
use halo2_base::halo2_proofs::poly::{Coeff, LagrangeCoeff, Polynomial, ProverQuery};
use halo2_base::halo2_proofs::transcript::{
    EncodedChallenge, TranscriptWrite, TranscriptWriterBuffer,
};
use halo2_base::halo2_proofs::{SerdeCurveAffine, SerdeFormat};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::io;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex, OnceLock};

/// KZG over BN254 with commitment MSMs on a [`Backend`]; use with [`GpuShplonk`].
#[derive(Debug)]
pub struct GpuKzg<'a>(PhantomData<&'a ()>);

impl<'a> CommitmentScheme for GpuKzg<'a> {
    type Scalar = Fr;
    type Curve = G1Affine;
    type ParamsProver = GpuParams<'a>;
    type ParamsVerifier = ParamsKZG<Bn256>;

    fn new_params(k: u32) -> GpuParams<'a> {
        GpuParams::cpu(Cow::Owned(ParamsKZG::<Bn256>::new(k)))
    }

    fn read_params<R: io::Read>(reader: &mut R) -> io::Result<GpuParams<'a>> {
        Ok(GpuParams::cpu(Cow::Owned(ParamsKZG::<Bn256>::read(
            reader,
        )?)))
    }
}

/// Which SRS a commitment uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Srs {
    Monomial,
    Lagrange,
}

/// Bases of one params instance, prepared for the backend on first use.
#[derive(Debug, Default)]
struct Prepared {
    /// Lagrange bases on the host, for backends that take bases per call.
    g_lagrange_host: OnceLock<Result<Vec<G1Affine>, String>>,
    /// Bases resident in the backend (device), for backends that prefer that.
    resident_g: OnceLock<Result<BasesHandle, String>>,
    resident_lagrange: OnceLock<Result<BasesHandle, String>>,
}

/// Frees resident bases when the last clone of a [`GpuParams`] goes away.
#[derive(Debug)]
struct Resident {
    backend: Arc<dyn Backend>,
    prepared: Prepared,
}

impl Drop for Resident {
    fn drop(&mut self) {
        for cell in [
            &mut self.prepared.resident_g,
            &mut self.prepared.resident_lagrange,
        ] {
            if let Some(Ok(h)) = cell.take() {
                let _ = self.backend.free_bases(h);
            }
        }
    }
}

/// `ParamsKZG<Bn256>` whose `commit`/`commit_lagrange` run on a [`Backend`].
///
/// If the backend fails, the commitment is computed by halo2 on the CPU instead, the
/// failure is counted (`cpu_fallbacks`) and kept in [`GpuParams::last_error`].
#[derive(Clone, Debug)]
pub struct GpuParams<'a> {
    inner: Cow<'a, ParamsKZG<Bn256>>,
    resident: Arc<Resident>,
    counters: Arc<Counters>,
    last_error: Arc<Mutex<Option<String>>>,
}

impl<'a> GpuParams<'a> {
    /// Wraps `params` (borrowed or owned) so that its commitments run on `backend`.
    pub fn new(params: Cow<'a, ParamsKZG<Bn256>>, backend: Arc<dyn Backend>) -> Self {
        GpuParams {
            inner: params,
            resident: Arc::new(Resident {
                backend,
                prepared: Prepared::default(),
            }),
            counters: Arc::new(Counters::default()),
            last_error: Arc::new(Mutex::new(None)),
        }
    }

    /// Borrows `params`; commitments run on `backend`.
    pub fn borrowed(params: &'a ParamsKZG<Bn256>, backend: Arc<dyn Backend>) -> Self {
        Self::new(Cow::Borrowed(params), backend)
    }

    /// Takes `params`; commitments run on `backend`.
    pub fn owned(params: ParamsKZG<Bn256>, backend: Arc<dyn Backend>) -> Self {
        Self::new(Cow::Owned(params), backend)
    }

    fn cpu(params: Cow<'a, ParamsKZG<Bn256>>) -> Self {
        Self::new(params, Arc::new(crate::cpu::CpuBackend::new()))
    }

    /// The wrapped KZG parameters.
    pub fn inner(&self) -> &ParamsKZG<Bn256> {
        &self.inner
    }

    /// The backend commitments run on.
    pub fn backend(&self) -> &Arc<dyn Backend> {
        &self.resident.backend
    }

    /// Commitment MSMs routed through these params (and CPU fallbacks), across all clones.
    pub fn counts(&self) -> OpCounts {
        self.counters.snapshot()
    }

    /// The last backend error that forced a CPU fallback, if any.
    pub fn last_error(&self) -> Option<String> {
        self.last_error
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Uploads both SRS bases to the backend now (otherwise done on first use).
    pub fn prepare(&self) -> Result<(), GpuError> {
        for srs in [Srs::Monomial, Srs::Lagrange] {
            if self.backend().prefers_resident_bases() {
                self.resident_handle(srs).map_err(GpuError::Prover)?;
            } else if srs == Srs::Lagrange {
                self.lagrange_host().map_err(GpuError::Prover)?;
            }
        }
        Ok(())
    }

    fn lagrange_host(&self) -> Result<&[G1Affine], String> {
        self.resident
            .prepared
            .g_lagrange_host
            .get_or_init(|| extract_g_lagrange(&self.inner).map_err(|e| e.to_string()))
            .as_deref()
            .map_err(Clone::clone)
    }

    fn resident_handle(&self, srs: Srs) -> Result<&BasesHandle, String> {
        let prepared = &self.resident.prepared;
        let cell = match srs {
            Srs::Monomial => &prepared.resident_g,
            Srs::Lagrange => &prepared.resident_lagrange,
        };
        cell.get_or_init(|| {
            let upload = |bases: &[G1Affine]| {
                self.backend()
                    .load_bases(bases)
                    .map_err(|e| format!("load_bases: {e}"))
            };
            match srs {
                Srs::Monomial => upload(self.inner.get_g()),
                Srs::Lagrange => upload(
                    &extract_g_lagrange(&self.inner)
                        .map_err(|e| format!("reading g_lagrange: {e}"))?,
                ),
            }
        })
        .as_ref()
        .map_err(Clone::clone)
    }

    fn backend_commit(&self, srs: Srs, scalars: &[Fr]) -> Result<G1, String> {
        let backend = self.backend();
        if backend.prefers_resident_bases() {
            let handle = self.resident_handle(srs)?;
            if scalars.len() > handle.len() {
                return Err(format!(
                    "{} scalars for {} bases",
                    scalars.len(),
                    handle.len()
                ));
            }
            backend
                .msm_loaded(handle, scalars)
                .map_err(|e| e.to_string())
        } else {
            let bases = match srs {
                Srs::Monomial => self.inner.get_g(),
                Srs::Lagrange => self.lagrange_host()?,
            };
            let bases = bases
                .get(..scalars.len())
                .ok_or_else(|| format!("{} scalars for {} bases", scalars.len(), bases.len()))?;
            backend.msm(bases, scalars).map_err(|e| e.to_string())
        }
    }

    fn commit_routed(&self, srs: Srs, scalars: &[Fr]) -> G1 {
        self.counters.msm(scalars.len());
        match self.backend_commit(srs, scalars) {
            Ok(c) => c,
            Err(e) => {
                self.counters.fallback();
                *self.last_error.lock().unwrap_or_else(|p| p.into_inner()) = Some(format!(
                    "{} commitment of {} scalars on {}: {e}",
                    match srs {
                        Srs::Monomial => "monomial",
                        Srs::Lagrange => "lagrange",
                    },
                    scalars.len(),
                    self.backend().describe()
                ));
                match srs {
                    Srs::Monomial => self.inner.commit(
                        &Polynomial::<Fr, Coeff>::new(scalars.to_vec()),
                        Blind::default(),
                    ),
                    Srs::Lagrange => self.inner.commit_lagrange(
                        &Polynomial::<Fr, LagrangeCoeff>::new(scalars.to_vec()),
                        Blind::default(),
                    ),
                }
            }
        }
    }
}

/// Reads `g_lagrange` out of `ParamsKZG` (it has no getter) by streaming its raw
/// serialization: `k`, `g`, `g_lagrange`, `g2`, `s_g2`.
fn extract_g_lagrange(params: &ParamsKZG<Bn256>) -> io::Result<Vec<G1Affine>> {
    struct Collect {
        skip: usize,
        point_size: usize,
        want: usize,
        pending: Vec<u8>,
        out: Vec<G1Affine>,
    }
    impl io::Write for Collect {
        fn write(&mut self, mut buf: &[u8]) -> io::Result<usize> {
            let len = buf.len();
            let skipped = self.skip.min(buf.len());
            self.skip -= skipped;
            buf = &buf[skipped..];
            while !buf.is_empty() && self.out.len() < self.want {
                let take = (self.point_size - self.pending.len()).min(buf.len());
                self.pending.extend_from_slice(&buf[..take]);
                buf = &buf[take..];
                if self.pending.len() == self.point_size {
                    let p = <G1Affine as SerdeCurveAffine>::read(
                        &mut &self.pending[..],
                        SerdeFormat::RawBytesUnchecked,
                    )?;
                    self.out.push(p);
                    self.pending.clear();
                }
            }
            Ok(len)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let mut probe = Vec::new();
    params.get_g()[0].write(&mut probe, SerdeFormat::RawBytesUnchecked)?;
    let n = params.n() as usize;
    let mut c = Collect {
        skip: 4 + n * probe.len(),
        point_size: probe.len(),
        want: n,
        pending: Vec::with_capacity(probe.len()),
        out: Vec::with_capacity(n),
    };
    params.write_custom(&mut c, SerdeFormat::RawBytesUnchecked)?;
    if c.out.len() != n {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!("expected {n} lagrange bases, read {}", c.out.len()),
        ));
    }
    Ok(c.out)
}

impl<'params, 'a> Params<'params, G1Affine> for GpuParams<'a> {
    type MSM = MSMKZG<Bn256>;

    fn k(&self) -> u32 {
        self.inner.k()
    }

    fn n(&self) -> u64 {
        self.inner.n()
    }

    fn downsize(&mut self, k: u32) {
        self.inner.to_mut().downsize(k);
        let backend = self.backend().clone();
        self.resident = Arc::new(Resident {
            backend,
            prepared: Prepared::default(),
        });
    }

    fn empty_msm(&'params self) -> MSMKZG<Bn256> {
        MSMKZG::new()
    }

    fn commit_lagrange(&self, poly: &Polynomial<Fr, LagrangeCoeff>, _: Blind<Fr>) -> G1 {
        assert!(self.n() >= poly.len() as u64);
        self.commit_routed(Srs::Lagrange, poly)
    }

    fn write<W: io::Write>(&self, writer: &mut W) -> io::Result<()> {
        Params::write(self.inner.as_ref(), writer)
    }

    fn read<R: io::Read>(reader: &mut R) -> io::Result<Self> {
        Ok(Self::cpu(Cow::Owned(<ParamsKZG<Bn256> as Params<
            G1Affine,
        >>::read(reader)?)))
    }
}

impl<'params, 'a> ParamsProver<'params, G1Affine> for GpuParams<'a> {
    type ParamsVerifier = ParamsKZG<Bn256>;

    fn new(k: u32) -> Self {
        GpuKzg::new_params(k)
    }

    fn commit(&self, poly: &Polynomial<Fr, Coeff>, _: Blind<Fr>) -> G1 {
        assert!(self.n() >= poly.len() as u64);
        self.commit_routed(Srs::Monomial, poly)
    }

    fn get_g(&self) -> &[G1Affine] {
        self.inner.get_g()
    }

    fn verifier_params(&'params self) -> &'params ParamsKZG<Bn256> {
        &self.inner
    }
}

/// SHPLONK multi-opening for [`GpuKzg`]: forwards to halo2's `ProverSHPLONK` on the
/// wrapped params (its two opening MSMs run on the CPU).
#[derive(Debug)]
pub struct GpuShplonk<'params> {
    inner: ProverSHPLONK<'params, Bn256>,
}

impl<'params, 'a> Prover<'params, GpuKzg<'a>> for GpuShplonk<'params> {
    const QUERY_INSTANCE: bool = <ProverSHPLONK<'params, Bn256> as Prover<
        'params,
        KZGCommitmentScheme<Bn256>,
    >>::QUERY_INSTANCE;

    fn new(params: &'params GpuParams<'a>) -> Self {
        GpuShplonk {
            inner: ProverSHPLONK::new(params.inner()),
        }
    }

    fn create_proof<'com, E: EncodedChallenge<G1Affine>, T: TranscriptWrite<G1Affine, E>, R, I>(
        &self,
        rng: R,
        transcript: &mut T,
        queries: I,
    ) -> io::Result<()>
    where
        I: IntoIterator<Item = ProverQuery<'com, G1Affine>> + Clone,
        R: RngCore,
    {
        <ProverSHPLONK<'params, Bn256> as Prover<'params, KZGCommitmentScheme<Bn256>>>::create_proof(
            &self.inner,
            rng,
            transcript,
            queries,
        )
    }
}

/// A proof made through [`create_proof_with`], with what ran it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofOutput {
    /// Transcript bytes.
    pub proof: Vec<u8>,
    /// Work the backend did for this proof (commitment MSMs; `cpu_fallbacks` if any failed).
    pub counts: OpCounts,
    /// Which backend ran.
    pub backend: BackendKind,
    /// The backend's description.
    pub backend_description: String,
}

/// `halo2_proofs::plonk::create_proof` with commitments on `backend`, writing into
/// `transcript` (use this for transcripts that need more than `init(Vec<u8>)`).
/// Returns the work done for this proof.
#[allow(clippy::too_many_arguments)]
pub fn create_proof_in<E, T, C, R>(
    backend: Arc<dyn Backend>,
    params: &ParamsKZG<Bn256>,
    pk: &ProvingKey<G1Affine>,
    circuits: &[C],
    instances: &[&[&[Fr]]],
    rng: R,
    transcript: &mut T,
) -> Result<OpCounts, GpuError>
where
    E: EncodedChallenge<G1Affine>,
    T: TranscriptWrite<G1Affine, E>,
    C: Circuit<Fr>,
    R: RngCore,
{
    let before = backend.counts();
    let gpu_params = GpuParams::borrowed(params, backend.clone());
    create_proof::<GpuKzg<'_>, GpuShplonk<'_>, E, R, T, C>(
        &gpu_params,
        pk,
        circuits,
        instances,
        rng,
        transcript,
    )
    .map_err(|e| GpuError::Prover(format!("{e:?}")))?;
    let mut counts = backend.counts().since(&before);
    counts.cpu_fallbacks = gpu_params.counts().cpu_fallbacks;
    Ok(counts)
}

/// Proves one circuit with commitments on `backend` and a transcript of type `T`
/// (e.g. `Blake2bWrite<Vec<u8>, G1Affine, Challenge255<_>>`, or snark-verifier-sdk's
/// `PoseidonTranscript<NativeLoader, Vec<u8>>` with `ChallengeScalar<G1Affine>`).
/// With the same `rng` the bytes equal the CPU `create_proof` with `ProverSHPLONK`.
pub fn create_proof_with<E, T, C, R>(
    backend: Arc<dyn Backend>,
    params: &ParamsKZG<Bn256>,
    pk: &ProvingKey<G1Affine>,
    circuit: C,
    instances: &[&[Fr]],
    rng: R,
) -> Result<ProofOutput, GpuError>
where
    E: EncodedChallenge<G1Affine>,
    T: TranscriptWriterBuffer<Vec<u8>, G1Affine, E>,
    C: Circuit<Fr>,
    R: RngCore,
{
    let mut transcript = T::init(Vec::new());
    let counts = create_proof_in::<E, T, C, R>(
        backend.clone(),
        params,
        pk,
        &[circuit],
        &[instances],
        rng,
        &mut transcript,
    )?;
    Ok(ProofOutput {
        proof: transcript.finalize(),
        counts,
        backend: backend.kind(),
        backend_description: backend.describe(),
    })
}

//! The CPU backend: halo2-axiom's `best_multiexp` and FFT.

use crate::backend::{
    distribute_powers, domain_generator, ntt_log_size, Backend, BackendKind, BasesHandle,
    NttDirection,
};
use crate::counts::{Counters, OpCounts};
use crate::error::GpuError;
use halo2_base::halo2_proofs::arithmetic::best_multiexp;
use halo2_base::halo2_proofs::fft::{self, recursive::FFTData};
use halo2_base::halo2_proofs::halo2curves::bn256::{Fr, G1Affine, G1};
use halo2_base::halo2_proofs::halo2curves::ff::Field;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// MSM and NTT on the CPU (rayon), counting every operation.
#[derive(Debug, Default)]
pub struct CpuBackend {
    counters: Counters,
    next_id: AtomicU64,
    bases: Mutex<HashMap<u64, Arc<Vec<G1Affine>>>>,
    fft_data: Mutex<HashMap<u32, Arc<FFTData<Fr>>>>,
}

impl CpuBackend {
    /// A new CPU backend with zeroed counters.
    pub fn new() -> Self {
        Self::default()
    }

    fn fft_data(&self, log_n: u32) -> Arc<FFTData<Fr>> {
        let mut cache = self.fft_data.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .entry(log_n)
            .or_insert_with(|| {
                let omega = domain_generator(log_n);
                let omega_inv = omega.invert().unwrap_or(Fr::ONE);
                Arc::new(FFTData::new(1 << log_n, omega, omega_inv))
            })
            .clone()
    }

    fn ntt_uncounted(&self, values: &mut [Fr], direction: NttDirection) -> Result<(), GpuError> {
        let log_n = ntt_log_size("ntt", values.len())?;
        if log_n == 0 {
            return Ok(());
        }
        let data = self.fft_data(log_n);
        let omega = domain_generator(log_n);
        match direction {
            NttDirection::Forward => fft::fft(values, omega, log_n, &data, false),
            NttDirection::Inverse => {
                let omega_inv = omega.invert().unwrap_or(Fr::ONE);
                fft::fft(values, omega_inv, log_n, &data, true);
                let n_inv = Fr::from(values.len() as u64).invert().unwrap_or(Fr::ONE);
                use rayon::prelude::*;
                values.par_iter_mut().for_each(|v| *v *= n_inv);
            }
        }
        Ok(())
    }
}

impl Backend for CpuBackend {
    fn kind(&self) -> BackendKind {
        BackendKind::Cpu
    }

    fn describe(&self) -> String {
        format!("cpu ({} rayon threads)", rayon::current_num_threads())
    }

    fn msm(&self, bases: &[G1Affine], scalars: &[Fr]) -> Result<G1, GpuError> {
        if bases.len() != scalars.len() {
            return Err(GpuError::LengthMismatch {
                op: "msm",
                scalars: scalars.len(),
                bases: bases.len(),
            });
        }
        self.counters.msm(scalars.len());
        Ok(best_multiexp(scalars, bases))
    }

    fn load_bases(&self, bases: &[G1Affine]) -> Result<BasesHandle, GpuError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.bases
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, Arc::new(bases.to_vec()));
        self.counters.bases_loaded();
        Ok(BasesHandle {
            id,
            len: bases.len(),
        })
    }

    fn msm_loaded(&self, handle: &BasesHandle, scalars: &[Fr]) -> Result<G1, GpuError> {
        let bases = self
            .bases
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&handle.id)
            .cloned()
            .ok_or(GpuError::InvalidHandle {
                op: "msm_loaded",
                id: handle.id,
            })?;
        if scalars.len() > bases.len() {
            return Err(GpuError::LengthMismatch {
                op: "msm_loaded",
                scalars: scalars.len(),
                bases: bases.len(),
            });
        }
        self.msm(&bases[..scalars.len()], scalars)
    }

    fn free_bases(&self, handle: BasesHandle) -> Result<(), GpuError> {
        self.bases
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&handle.id)
            .map(|_| ())
            .ok_or(GpuError::InvalidHandle {
                op: "free_bases",
                id: handle.id,
            })
    }

    fn ntt(&self, values: &mut [Fr], direction: NttDirection) -> Result<(), GpuError> {
        self.ntt_uncounted(values, direction)?;
        self.counters.ntt(values.len());
        Ok(())
    }

    fn coset_ntt(
        &self,
        values: &mut [Fr],
        shift: Fr,
        direction: NttDirection,
    ) -> Result<(), GpuError> {
        ntt_log_size("coset_ntt", values.len())?;
        match direction {
            NttDirection::Forward => {
                distribute_powers(values, shift);
                self.ntt_uncounted(values, direction)?;
            }
            NttDirection::Inverse => {
                self.ntt_uncounted(values, direction)?;
                let inv = Option::<Fr>::from(shift.invert()).ok_or(GpuError::InvalidArgument {
                    op: "coset_ntt",
                    what: "coset shift 0 is not invertible",
                })?;
                distribute_powers(values, inv);
            }
        }
        self.counters.ntt(values.len());
        Ok(())
    }

    fn counts(&self) -> OpCounts {
        self.counters.snapshot()
    }
}

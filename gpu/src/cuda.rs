//! The CUDA backend (feature `cuda`): sppark's Pippenger MSM and NTT via `cuda/stakeproof_gpu.cu`.

use crate::backend::{
    ntt_log_size, plan_chunks, sppark_root_exponent, Backend, BackendKind, BasesHandle, MemoryInfo,
    NttDirection,
};
use crate::counts::{Counters, OpCounts};
use crate::cpu::CpuBackend;
use crate::error::GpuError;
use halo2_base::halo2_proofs::halo2curves::bn256::{Fq, Fr, G1Affine, G1};
use halo2_base::halo2_proofs::halo2curves::ff::{Field, PrimeField};
use halo2_base::halo2_proofs::halo2curves::group::Group;
use halo2_base::halo2_proofs::halo2curves::CurveAffine;
use rayon::prelude::*;
use std::collections::HashMap;
use std::ffi::{c_char, c_int, c_void, CStr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

extern "C" {
    fn spg_device_count() -> c_int;
    fn spg_device_info(
        dev: c_int,
        name: *mut c_char,
        name_len: usize,
        free: *mut usize,
        total: *mut usize,
        major: *mut c_int,
        minor: *mut c_int,
        err: *mut c_char,
        err_len: usize,
    ) -> c_int;
    fn spg_msm(
        dev: c_int,
        points: *const c_void,
        scalars: *const c_void,
        n: usize,
        out: *mut u64,
        err: *mut c_char,
        err_len: usize,
    ) -> c_int;
    fn spg_msm_ctx_new(
        dev: c_int,
        points: *const c_void,
        n: usize,
        ctx: *mut *mut c_void,
        err: *mut c_char,
        err_len: usize,
    ) -> c_int;
    fn spg_msm_ctx_run(
        ctx: *mut c_void,
        scalars: *const c_void,
        n: usize,
        out: *mut u64,
        err: *mut c_char,
        err_len: usize,
    ) -> c_int;
    fn spg_msm_ctx_free(ctx: *mut c_void);
    fn spg_ntt(
        dev: c_int,
        data: *mut c_void,
        lg: u32,
        inverse: c_int,
        shift_mont: *const c_void,
        j: u64,
        err: *mut c_char,
        err_len: usize,
    ) -> c_int;
}

const ERR_LEN: usize = 512;

/// Device bytes per MSM point: affine point 64, scalar 32, digits and sort scratch.
const MSM_BYTES_PER_POINT: u64 = 64 + 32 + 96;
/// Device bytes per MSM independent of its size (buckets, histograms), generous.
const MSM_FIXED_BYTES: u64 = 512 << 20;
/// Device bytes per NTT element: data and the permutation buffer.
const NTT_BYTES_PER_ELEM: u64 = 2 * 32;
/// Device bytes per NTT independent of its size (twiddles, partial-sum tables).
const NTT_FIXED_BYTES: u64 = 64 << 20;
/// Smallest MSM piece worth sending to the device.
const MIN_MSM_PIECE: usize = 1 << 12;

fn call(
    op: &'static str,
    device: i32,
    f: impl FnOnce(*mut c_char) -> c_int,
) -> Result<(), GpuError> {
    let mut err = [0 as c_char; ERR_LEN];
    let code = f(err.as_mut_ptr());
    if code == 0 {
        return Ok(());
    }
    // SAFETY: the glue always NUL-terminates (snprintf) within ERR_LEN, or leaves zeros.
    let message = unsafe { CStr::from_ptr(err.as_ptr()) }
        .to_string_lossy()
        .into_owned();
    Err(GpuError::Cuda {
        op,
        device,
        code,
        message,
    })
}

/// 2^256 mod p, to put coordinates into Montgomery form without relying on memory layout.
fn fq_r() -> Fq {
    static R: OnceLock<Fq> = OnceLock::new();
    *R.get_or_init(|| Fq::from(2u64).pow_vartime([256u64]))
}

fn fr_r() -> Fr {
    static R: OnceLock<Fr> = OnceLock::new();
    *R.get_or_init(|| Fr::from(2u64).pow_vartime([256u64]))
}

/// Points as sppark's `affine_t`: Montgomery limbs of x then y; infinity is (0, 0).
fn points_to_device_layout(points: &[G1Affine]) -> Vec<[u8; 64]> {
    let r = fq_r();
    points
        .par_iter()
        .map(|p| {
            let mut out = [0u8; 64];
            let c = p.coordinates();
            if let Some(c) = Option::<_>::from(c) {
                let c: halo2_base::halo2_proofs::halo2curves::Coordinates<G1Affine> = c;
                out[..32].copy_from_slice((*c.x() * r).to_repr().as_ref());
                out[32..].copy_from_slice((*c.y() * r).to_repr().as_ref());
            }
            out
        })
        .collect()
}

fn scalars_to_canonical(scalars: &[Fr]) -> Vec<[u8; 32]> {
    scalars.par_iter().map(|s| s.to_repr()).collect()
}

fn fr_from_canonical(op: &'static str, bytes: [u8; 32]) -> Result<Fr, GpuError> {
    Option::from(Fr::from_repr(bytes)).ok_or(GpuError::InvalidResult {
        op,
        what: "field element",
    })
}

/// Canonical Jacobian (X, Y, Z) limbs from the device into a halo2 point.
fn point_from_device(op: &'static str, limbs: &[u64; 12]) -> Result<G1, GpuError> {
    let fq = |i: usize| -> Result<Fq, GpuError> {
        let mut b = [0u8; 32];
        for (k, l) in limbs[4 * i..4 * i + 4].iter().enumerate() {
            b[8 * k..8 * k + 8].copy_from_slice(&l.to_le_bytes());
        }
        Option::from(Fq::from_repr(b)).ok_or(GpuError::InvalidResult {
            op,
            what: "base field element",
        })
    };
    let (x, y, z) = (fq(0)?, fq(1)?, fq(2)?);
    if bool::from(z.is_zero()) {
        return Ok(G1::identity());
    }
    let zi = Option::<Fq>::from(z.invert()).ok_or(GpuError::InvalidResult {
        op,
        what: "curve point",
    })?;
    let zi2 = zi.square();
    let p = Option::<G1Affine>::from(G1Affine::from_xy(x * zi2, y * zi2 * zi)).ok_or(
        GpuError::InvalidResult {
            op,
            what: "curve point",
        },
    )?;
    Ok(p.into())
}

/// Resident bases on the device.
#[derive(Debug)]
struct Resident {
    ctx: usize, // *mut c_void, stored as usize to keep the map Send
    len: usize,
    /// Host copy, kept only when the bases had to be streamed (did not fit).
    host: Option<Vec<G1Affine>>,
}

/// sppark CUDA MSM/NTT on one device; device work is serialized by a lock.
#[derive(Debug)]
pub struct CudaBackend {
    device: i32,
    name: String,
    sm: (i32, i32),
    root_j: u64,
    counters: Counters,
    lock: Mutex<()>,
    next_id: AtomicU64,
    resident: Mutex<HashMap<u64, Resident>>,
    cpu: CpuBackend,
}

impl CudaBackend {
    /// Number of CUDA devices visible (0 without driver or device).
    pub fn device_count() -> usize {
        // SAFETY: plain FFI call without arguments.
        unsafe { spg_device_count() }.max(0) as usize
    }

    /// Opens device `device`; errors if there is no such device or it is not sm_90-compatible.
    pub fn new(device: usize) -> Result<Self, GpuError> {
        let count = Self::device_count();
        if device >= count {
            return Err(GpuError::Unavailable {
                backend: "cuda",
                reason: format!("device {device} requested, {count} CUDA device(s) visible"),
            });
        }
        let dev = device as i32;
        let mut name = [0 as c_char; 256];
        let (mut free, mut total, mut major, mut minor) = (0usize, 0usize, 0, 0);
        call("device info", dev, |err| unsafe {
            spg_device_info(
                dev,
                name.as_mut_ptr(),
                name.len(),
                &mut free,
                &mut total,
                &mut major,
                &mut minor,
                err,
                ERR_LEN,
            )
        })?;
        // SAFETY: snprintf NUL-terminated it.
        let name = unsafe { CStr::from_ptr(name.as_ptr()) }
            .to_string_lossy()
            .into_owned();
        if major < 9 {
            return Err(GpuError::Unavailable {
                backend: "cuda",
                reason: format!("{name} is sm_{major}{minor}; this build contains sm_90 code only"),
            });
        }
        Ok(CudaBackend {
            device: dev,
            name,
            sm: (major, minor),
            root_j: sppark_root_exponent() as u64,
            counters: Counters::default(),
            lock: Mutex::new(()),
            next_id: AtomicU64::new(0),
            resident: Mutex::new(HashMap::new()),
            cpu: CpuBackend::new(),
        })
    }

    fn device_label(&self) -> String {
        format!("cuda:{} ({})", self.device, self.name)
    }

    fn free_bytes(&self) -> u64 {
        self.memory().map(|m| m.free * 9 / 10).unwrap_or(0)
    }

    /// One MSM on the device, split into pieces that fit.
    fn msm_streamed(&self, bases: &[G1Affine], scalars: &[Fr]) -> Result<G1, GpuError> {
        let pieces = plan_chunks(
            "msm",
            &self.device_label(),
            scalars.len(),
            MSM_BYTES_PER_POINT,
            MSM_FIXED_BYTES,
            MIN_MSM_PIECE,
            self.free_bytes(),
        )?;
        let mut acc = G1::identity();
        for r in pieces {
            let pts = points_to_device_layout(&bases[r.clone()]);
            let sc = scalars_to_canonical(&scalars[r.clone()]);
            let mut out = [0u64; 12];
            let _g = self.lock.lock().unwrap_or_else(|e| e.into_inner());
            call("msm", self.device, |err| unsafe {
                spg_msm(
                    self.device,
                    pts.as_ptr().cast(),
                    sc.as_ptr().cast(),
                    r.len(),
                    out.as_mut_ptr(),
                    err,
                    ERR_LEN,
                )
            })?;
            acc += point_from_device("msm", &out)?;
        }
        Ok(acc)
    }
}

impl Backend for CudaBackend {
    fn kind(&self) -> BackendKind {
        BackendKind::Cuda
    }

    fn describe(&self) -> String {
        let mem = self
            .memory()
            .map(|m| format!(", {} MiB free of {} MiB", m.free >> 20, m.total >> 20))
            .unwrap_or_default();
        format!(
            "cuda:{} {} (sm_{}{}{mem}), sppark MSM/NTT",
            self.device, self.name, self.sm.0, self.sm.1
        )
    }

    fn memory(&self) -> Option<MemoryInfo> {
        let (mut free, mut total, mut major, mut minor) = (0usize, 0usize, 0, 0);
        call("device info", self.device, |err| unsafe {
            spg_device_info(
                self.device,
                std::ptr::null_mut(),
                0,
                &mut free,
                &mut total,
                &mut major,
                &mut minor,
                err,
                ERR_LEN,
            )
        })
        .ok()?;
        Some(MemoryInfo {
            free: free as u64,
            total: total as u64,
        })
    }

    fn prefers_resident_bases(&self) -> bool {
        true
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
        if scalars.is_empty() {
            return Ok(G1::identity());
        }
        self.msm_streamed(bases, scalars)
    }

    fn load_bases(&self, bases: &[G1Affine]) -> Result<BasesHandle, GpuError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let need = MSM_FIXED_BYTES + 64 * bases.len() as u64;
        let resident = if need <= self.free_bytes() && !bases.is_empty() {
            let pts = points_to_device_layout(bases);
            let mut ctx: *mut c_void = std::ptr::null_mut();
            let _g = self.lock.lock().unwrap_or_else(|e| e.into_inner());
            call("load_bases", self.device, |err| unsafe {
                spg_msm_ctx_new(
                    self.device,
                    pts.as_ptr().cast(),
                    bases.len(),
                    &mut ctx,
                    err,
                    ERR_LEN,
                )
            })?;
            Resident {
                ctx: ctx as usize,
                len: bases.len(),
                host: None,
            }
        } else {
            // Does not fit as a whole: keep a host copy and stream it in pieces per MSM.
            Resident {
                ctx: 0,
                len: bases.len(),
                host: Some(bases.to_vec()),
            }
        };
        self.resident
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, resident);
        self.counters.bases_loaded();
        Ok(BasesHandle {
            id,
            len: bases.len(),
        })
    }

    fn msm_loaded(&self, handle: &BasesHandle, scalars: &[Fr]) -> Result<G1, GpuError> {
        let map = self.resident.lock().unwrap_or_else(|e| e.into_inner());
        let r = map.get(&handle.id).ok_or(GpuError::InvalidHandle {
            op: "msm_loaded",
            id: handle.id,
        })?;
        if scalars.len() > r.len {
            return Err(GpuError::LengthMismatch {
                op: "msm_loaded",
                scalars: scalars.len(),
                bases: r.len,
            });
        }
        if let Some(host) = &r.host {
            let host = host[..scalars.len()].to_vec();
            drop(map);
            return self.msm(&host, scalars);
        }
        let ctx = r.ctx;
        drop(map);
        self.counters.msm(scalars.len());
        if scalars.is_empty() {
            return Ok(G1::identity());
        }
        let sc = scalars_to_canonical(scalars);
        let mut out = [0u64; 12];
        let _g = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        call("msm_loaded", self.device, |err| unsafe {
            spg_msm_ctx_run(
                ctx as *mut c_void,
                sc.as_ptr().cast(),
                scalars.len(),
                out.as_mut_ptr(),
                err,
                ERR_LEN,
            )
        })?;
        point_from_device("msm_loaded", &out)
    }

    fn free_bases(&self, handle: BasesHandle) -> Result<(), GpuError> {
        let r = self
            .resident
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&handle.id)
            .ok_or(GpuError::InvalidHandle {
                op: "free_bases",
                id: handle.id,
            })?;
        if r.ctx != 0 {
            let _g = self.lock.lock().unwrap_or_else(|e| e.into_inner());
            // SAFETY: ctx came from spg_msm_ctx_new and is removed from the map, freed once.
            unsafe { spg_msm_ctx_free(r.ctx as *mut c_void) };
        }
        Ok(())
    }

    fn ntt(&self, values: &mut [Fr], direction: NttDirection) -> Result<(), GpuError> {
        self.ntt_impl("ntt", values, None, direction)
    }

    fn coset_ntt(
        &self,
        values: &mut [Fr],
        shift: Fr,
        direction: NttDirection,
    ) -> Result<(), GpuError> {
        self.ntt_impl("coset_ntt", values, Some(shift), direction)
    }

    fn counts(&self) -> OpCounts {
        let mut c = self.counters.snapshot();
        c.cpu_fallbacks += self.cpu.counts().ntt_calls;
        c
    }
}

impl CudaBackend {
    fn ntt_impl(
        &self,
        op: &'static str,
        values: &mut [Fr],
        shift: Option<Fr>,
        direction: NttDirection,
    ) -> Result<(), GpuError> {
        let log_n = ntt_log_size(op, values.len())?;
        if log_n < 2 {
            // sppark's kernels start at 4 elements; tiny transforms go to the CPU.
            self.counters.ntt(values.len());
            return match shift {
                None => self.cpu.ntt(values, direction),
                Some(s) => self.cpu.coset_ntt(values, s, direction),
            };
        }
        plan_chunks(
            op,
            &self.device_label(),
            1,
            NTT_BYTES_PER_ELEM * values.len() as u64,
            NTT_FIXED_BYTES,
            1,
            self.free_bytes(),
        )?;
        let shift_mont = match shift {
            None => None,
            Some(s) => {
                let s = match direction {
                    NttDirection::Forward => s,
                    NttDirection::Inverse => {
                        Option::<Fr>::from(s.invert()).ok_or(GpuError::InvalidArgument {
                            op,
                            what: "coset shift 0 is not invertible",
                        })?
                    }
                };
                Some((s * fr_r()).to_repr())
            }
        };
        let mut data = scalars_to_canonical(values);
        {
            let _g = self.lock.lock().unwrap_or_else(|e| e.into_inner());
            call(op, self.device, |err| unsafe {
                spg_ntt(
                    self.device,
                    data.as_mut_ptr().cast(),
                    log_n,
                    matches!(direction, NttDirection::Inverse) as c_int,
                    shift_mont
                        .as_ref()
                        .map_or(std::ptr::null(), |s| s.as_ptr().cast()),
                    self.root_j,
                    err,
                    ERR_LEN,
                )
            })?;
        }
        values
            .par_iter_mut()
            .zip(data.into_par_iter())
            .try_for_each(|(v, b)| {
                *v = fr_from_canonical(op, b)?;
                Ok::<_, GpuError>(())
            })?;
        self.counters.ntt(values.len());
        Ok(())
    }
}

impl Drop for CudaBackend {
    fn drop(&mut self) {
        let map = std::mem::take(self.resident.get_mut().unwrap_or_else(|e| e.into_inner()));
        for (_, r) in map {
            if r.ctx != 0 {
                // SAFETY: each ctx is freed once, here or in free_bases.
                unsafe { spg_msm_ctx_free(r.ctx as *mut c_void) };
            }
        }
    }
}

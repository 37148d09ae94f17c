//! The backend trait: MSM over BN254 G1 and NTT over BN254 Fr, one-shot and batched.

use crate::counts::OpCounts;
use crate::error::GpuError;
use halo2_base::halo2_proofs::halo2curves::bn256::{Fr, G1Affine, G1};
use halo2_base::halo2_proofs::halo2curves::ff::{Field, PrimeField};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Direction of an NTT over the halo2 domain of size `2^log_n`
/// (generator `Fr::ROOT_OF_UNITY^(2^(28 - log_n))`, natural order in and out).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NttDirection {
    /// Coefficients to evaluations: `b_i = Σ_j a_j ω^{ij}`.
    Forward,
    /// Evaluations to coefficients: `a_j = n⁻¹ Σ_i b_i ω^{-ij}`.
    Inverse,
}

/// Which implementation a backend is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BackendKind {
    /// halo2-axiom's multiexp and FFT on the CPU.
    Cpu,
    /// sppark's CUDA MSM and NTT.
    Cuda,
}

impl fmt::Display for BackendKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BackendKind::Cpu => "cpu",
            BackendKind::Cuda => "cuda",
        })
    }
}

/// Bases kept by a backend across MSM calls (on the device for CUDA). Free it with
/// [`Backend::free_bases`]; a handle is only valid on the backend that created it.
#[derive(Debug, PartialEq, Eq)]
pub struct BasesHandle {
    pub(crate) id: u64,
    pub(crate) len: usize,
}

impl BasesHandle {
    /// Number of bases behind the handle.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the handle holds no bases.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Backend-local id.
    pub fn id(&self) -> u64 {
        self.id
    }
}

/// Memory of the device a backend runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemoryInfo {
    /// Bytes free now.
    pub free: u64,
    /// Bytes in total.
    pub total: u64,
}

/// MSM and NTT for BN254, as used by KZG proving.
///
/// All methods are safe to call from several threads; a device backend serializes its
/// device work internally.
pub trait Backend: Send + Sync + fmt::Debug {
    /// Which implementation this is.
    fn kind(&self) -> BackendKind;

    /// Human-readable description (device name, memory, ...).
    fn describe(&self) -> String;

    /// Device memory, where the backend has a device.
    fn memory(&self) -> Option<MemoryInfo> {
        None
    }

    /// Whether [`Backend::load_bases`] pays off (bases live on a device). When false, callers
    /// that already hold the bases in memory can call [`Backend::msm`] directly.
    fn prefers_resident_bases(&self) -> bool {
        false
    }

    /// `Σ scalars[i]·bases[i]`; lengths must be equal.
    fn msm(&self, bases: &[G1Affine], scalars: &[Fr]) -> Result<G1, GpuError>;

    /// Keeps `bases` for later [`Backend::msm_loaded`] calls.
    fn load_bases(&self, bases: &[G1Affine]) -> Result<BasesHandle, GpuError>;

    /// `Σ scalars[i]·bases[i]` over the first `scalars.len()` loaded bases.
    fn msm_loaded(&self, bases: &BasesHandle, scalars: &[Fr]) -> Result<G1, GpuError>;

    /// One MSM per scalar vector, all against the same loaded bases.
    fn msm_batch(&self, bases: &BasesHandle, scalars: &[&[Fr]]) -> Result<Vec<G1>, GpuError> {
        scalars.iter().map(|s| self.msm_loaded(bases, s)).collect()
    }

    /// Releases loaded bases.
    fn free_bases(&self, bases: BasesHandle) -> Result<(), GpuError>;

    /// In-place NTT over the domain of size `values.len()` (a power of two).
    fn ntt(&self, values: &mut [Fr], direction: NttDirection) -> Result<(), GpuError>;

    /// In-place coset NTT: `Forward` evaluates the polynomial with coefficients `values` at
    /// `shift·ω^i`; `Inverse` undoes it.
    fn coset_ntt(
        &self,
        values: &mut [Fr],
        shift: Fr,
        direction: NttDirection,
    ) -> Result<(), GpuError>;

    /// NTT of several polynomials (each a power of two long).
    fn ntt_batch(&self, polys: &mut [&mut [Fr]], direction: NttDirection) -> Result<(), GpuError> {
        polys.iter_mut().try_for_each(|p| self.ntt(p, direction))
    }

    /// Work done so far by this backend.
    fn counts(&self) -> OpCounts;
}

/// Largest NTT domain: the 2-adicity of BN254 Fr.
pub const MAX_LOG_DOMAIN: u32 = Fr::S;

/// Checks an NTT length and returns its log2.
pub fn ntt_log_size(op: &'static str, len: usize) -> Result<u32, GpuError> {
    if len == 0 || !len.is_power_of_two() {
        return Err(GpuError::NotPowerOfTwo { op, len });
    }
    let log_n = len.trailing_zeros();
    if log_n > MAX_LOG_DOMAIN {
        return Err(GpuError::DomainTooLarge {
            op,
            log_n,
            max: MAX_LOG_DOMAIN,
        });
    }
    Ok(log_n)
}

/// The generator of the size-`2^log_n` domain, exactly as halo2's `EvaluationDomain` uses it.
pub fn domain_generator(log_n: u32) -> Fr {
    let mut omega = Fr::ROOT_OF_UNITY;
    for _ in log_n..MAX_LOG_DOMAIN {
        omega = omega.square();
    }
    omega
}

/// sppark's BN254 2^28-th root of unity (`forward_roots_of_unity[28]` of
/// `ntt/parameters/alt_bn128.h`, converted out of Montgomery form). It is not halo2's
/// `Fr::ROOT_OF_UNITY`; see [`sppark_root_exponent`].
pub fn sppark_root_of_unity() -> Fr {
    // Montgomery limbs as in the header; value = limbs · 2^-256 mod r.
    let mont = Fr::from_raw([
        0x636e735580d13d9c,
        0xa22bf3742445ffd6,
        0x56452ac01eb203d8,
        0x1860ef942963f9e7,
    ]);
    let r_inv = Fr::from(2u64)
        .pow_vartime([256u64])
        .invert()
        .unwrap_or(Fr::ONE);
    mont * r_inv
}

/// The odd `j` with `Fr::ROOT_OF_UNITY = sppark_root^j` (both generate the same group of
/// order 2^28). On a domain of size `n = 2^k` halo2's generator is sppark's raised to
/// `j mod n`, so halo2's forward NTT output `i` is sppark's output `(j·i) mod n`, and halo2's
/// inverse NTT is sppark's inverse after moving input `i` to `(j·i) mod n`.
pub fn sppark_root_exponent() -> u32 {
    // Pohlig–Hellman in the cyclic 2-group: fix one bit of j at a time.
    let g = sppark_root_of_unity();
    let h = Fr::ROOT_OF_UNITY;
    let g_inv = g.invert().unwrap_or(Fr::ONE);
    let mut j: u64 = 0;
    for bit in 0..MAX_LOG_DOMAIN {
        let rest = h * g_inv.pow_vartime([j]);
        let probe = rest.pow_vartime([1u64 << (MAX_LOG_DOMAIN - 1 - bit)]);
        if probe != Fr::ONE {
            j |= 1 << bit;
        }
    }
    j as u32
}

/// Multiplies `values[i]` by `base^i`, in parallel.
pub(crate) fn distribute_powers(values: &mut [Fr], base: Fr) {
    use rayon::prelude::*;
    const CHUNK: usize = 1 << 12;
    values
        .par_chunks_mut(CHUNK)
        .enumerate()
        .for_each(|(c, chunk)| {
            let mut cur = base.pow_vartime([(c * CHUNK) as u64]);
            for v in chunk.iter_mut() {
                *v *= cur;
                cur *= base;
            }
        });
}

/// How to split `total` items of work so that each piece fits into `available` bytes,
/// given `per_item` bytes per item and `fixed` bytes per piece. Pieces are at least
/// `min_piece` items (or all that is left). Errors if even the smallest piece does not fit.
pub fn plan_chunks(
    op: &'static str,
    device: &str,
    total: usize,
    per_item: u64,
    fixed: u64,
    min_piece: usize,
    available: u64,
) -> Result<Vec<std::ops::Range<usize>>, GpuError> {
    if total == 0 {
        return Ok(vec![]);
    }
    let smallest = min_piece.clamp(1, total) as u64;
    let needed = fixed.saturating_add(per_item.saturating_mul(smallest));
    if needed > available {
        return Err(GpuError::OutOfMemory {
            op,
            needed,
            available,
            device: device.to_string(),
        });
    }
    let fit = ((available - fixed) / per_item.max(1)).min(total as u64) as usize;
    let pieces = total.div_ceil(fit);
    let size = total.div_ceil(pieces);
    Ok((0..pieces)
        .map(|p| p * size..((p + 1) * size).min(total))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_chunks_splits_and_refuses() {
        assert_eq!(
            plan_chunks("t", "d", 10, 1, 0, 1, 100).unwrap(),
            vec![0..10]
        );
        let p = plan_chunks("t", "d", 1000, 10, 100, 16, 2100).unwrap();
        assert_eq!(p.len(), 5);
        assert_eq!(p.first().unwrap().start, 0);
        assert_eq!(p.last().unwrap().end, 1000);
        assert!(p.iter().all(|r| (r.len() as u64) * 10 + 100 <= 2100));
        assert!(p.windows(2).all(|w| w[0].end == w[1].start));
        let e = plan_chunks("msm", "gpu0", 1000, 10, 100, 16, 200).unwrap_err();
        assert!(
            matches!(e, GpuError::OutOfMemory { needed: 260, .. }),
            "{e}"
        );
        assert!(e.to_string().contains("msm") && e.to_string().contains("gpu0"));
        assert!(plan_chunks("t", "d", 0, 1, 0, 1, 0).unwrap().is_empty());
    }

    #[test]
    fn sppark_root_maps_to_halo2_root() {
        let g = sppark_root_of_unity();
        assert_eq!(g.pow_vartime([1u64 << 28]), Fr::ONE);
        assert_ne!(g.pow_vartime([1u64 << 27]), Fr::ONE);
        assert_ne!(
            g,
            Fr::ROOT_OF_UNITY,
            "if equal, no permutation would be needed"
        );
        let j = sppark_root_exponent();
        assert_eq!(j % 2, 1);
        assert_eq!(g.pow_vartime([j as u64]), Fr::ROOT_OF_UNITY);
        // per subdomain
        for k in [1u32, 5, 20] {
            let gk = g.pow_vartime([1u64 << (28 - k)]);
            let jk = (j as u64) & ((1 << k) - 1);
            assert_eq!(gk.pow_vartime([jk]), domain_generator(k));
        }
    }

    #[test]
    fn ntt_sizes_checked() {
        assert_eq!(ntt_log_size("ntt", 1 << 5).unwrap(), 5);
        assert!(matches!(
            ntt_log_size("ntt", 12),
            Err(GpuError::NotPowerOfTwo { len: 12, .. })
        ));
        assert!(ntt_log_size("ntt", 0).is_err());
        assert_eq!(domain_generator(0), Fr::ONE);
        let w = domain_generator(3);
        assert_eq!(w.pow_vartime([8]), Fr::ONE);
        assert_ne!(w.pow_vartime([4]), Fr::ONE);
    }
}

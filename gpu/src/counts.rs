//! Operation counters shared by the backends and the proving hook.

use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicU64, Ordering};

/// A snapshot of how much work went through a backend (or through one proof).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpCounts {
    /// Multi-scalar multiplications executed.
    pub msm_calls: u64,
    /// Sum of the MSM lengths (points).
    pub msm_points: u64,
    /// NTTs (forward, inverse or coset) executed.
    pub ntt_calls: u64,
    /// Sum of the NTT sizes (field elements).
    pub ntt_points: u64,
    /// Bases uploaded to stay resident (`load_bases`).
    pub bases_loaded: u64,
    /// Operations the device could not run and that were redone on the CPU.
    pub cpu_fallbacks: u64,
}

impl OpCounts {
    /// `self - earlier`, field by field (saturating).
    pub fn since(&self, earlier: &OpCounts) -> OpCounts {
        OpCounts {
            msm_calls: self.msm_calls.saturating_sub(earlier.msm_calls),
            msm_points: self.msm_points.saturating_sub(earlier.msm_points),
            ntt_calls: self.ntt_calls.saturating_sub(earlier.ntt_calls),
            ntt_points: self.ntt_points.saturating_sub(earlier.ntt_points),
            bases_loaded: self.bases_loaded.saturating_sub(earlier.bases_loaded),
            cpu_fallbacks: self.cpu_fallbacks.saturating_sub(earlier.cpu_fallbacks),
        }
    }
}

/// Thread-safe counters behind [`OpCounts`].
#[derive(Debug, Default)]
pub struct Counters {
    msm_calls: AtomicU64,
    msm_points: AtomicU64,
    ntt_calls: AtomicU64,
    ntt_points: AtomicU64,
    bases_loaded: AtomicU64,
    cpu_fallbacks: AtomicU64,
}

impl Counters {
    /// Records one MSM of `points` points.
    pub fn msm(&self, points: usize) {
        self.msm_calls.fetch_add(1, Ordering::Relaxed);
        self.msm_points.fetch_add(points as u64, Ordering::Relaxed);
    }

    /// Records one NTT of `points` elements.
    pub fn ntt(&self, points: usize) {
        self.ntt_calls.fetch_add(1, Ordering::Relaxed);
        self.ntt_points.fetch_add(points as u64, Ordering::Relaxed);
    }

    /// Records one upload of resident bases.
    pub fn bases_loaded(&self) {
        self.bases_loaded.fetch_add(1, Ordering::Relaxed);
    }

    /// Records one CPU fallback.
    pub fn fallback(&self) {
        self.cpu_fallbacks.fetch_add(1, Ordering::Relaxed);
    }

    /// Current values.
    pub fn snapshot(&self) -> OpCounts {
        OpCounts {
            msm_calls: self.msm_calls.load(Ordering::Relaxed),
            msm_points: self.msm_points.load(Ordering::Relaxed),
            ntt_calls: self.ntt_calls.load(Ordering::Relaxed),
            ntt_points: self.ntt_points.load(Ordering::Relaxed),
            bases_loaded: self.bases_loaded.load(Ordering::Relaxed),
            cpu_fallbacks: self.cpu_fallbacks.load(Ordering::Relaxed),
        }
    }
}

//! MSM and NTT backends for stakeproof's KZG/BN254 proving, and the hook that lets
//! halo2-axiom's `create_proof` use them.
//!
//! - [`Backend`]: MSM (one-shot and against resident bases), NTT / coset NTT, batch forms.
//! - [`CpuBackend`]: halo2-axiom's multiexp and FFT. `CudaBackend` (feature `cuda`): sppark's
//!   CUDA Pippenger MSM and NTT, compiled for sm_90.
//! - [`select_backend`]: `cpu | cuda | cuda:<n> | auto`, with a [`BackendReport`] of what ran.
//! - [`halo2`]: [`halo2::GpuKzg`] / [`halo2::GpuParams`] / [`halo2::GpuShplonk`] and
//!   [`halo2::create_proof_with`], producing proofs byte-identical to the CPU path.

// Linked for their native code only: sppark's device bookkeeping (`select_gpu`, ...) and
// blst's field arithmetic behind sppark's host-side types.
#[cfg(feature = "cuda")]
extern crate blst as _;
#[cfg(feature = "cuda")]
extern crate sppark as _;

pub mod backend;
pub mod counts;
pub mod cpu;
#[cfg(feature = "cuda")]
pub mod cuda;
pub mod error;
pub mod halo2;
pub mod select;

pub use backend::{
    domain_generator, plan_chunks, sppark_root_exponent, sppark_root_of_unity, Backend,
    BackendKind, BasesHandle, MemoryInfo, NttDirection, MAX_LOG_DOMAIN,
};
pub use counts::{Counters, OpCounts};
pub use cpu::CpuBackend;
#[cfg(feature = "cuda")]
pub use cuda::CudaBackend;
pub use error::GpuError;
pub use select::{cuda_compiled, select_backend, BackendChoice, BackendReport, SelectedBackend};

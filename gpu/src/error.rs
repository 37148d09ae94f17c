//! Errors of the backends and of the proving hook.

/// Everything that can go wrong in this crate; each variant says which operation failed.
#[derive(Debug, thiserror::Error)]
pub enum GpuError {
    /// The requested backend cannot be used in this build or on this machine.
    #[error("backend `{backend}` is not available: {reason}")]
    Unavailable {
        /// Backend name (`cuda`, ...).
        backend: &'static str,
        /// Why (not compiled in, no device, driver error, ...).
        reason: String,
    },
    /// A backend selector string could not be parsed.
    #[error("unknown backend `{0}` (expected `cpu`, `cuda`, `cuda:<device>` or `auto`)")]
    UnknownBackend(String),
    /// Bases and scalars of an MSM differ in length, or more scalars than loaded bases.
    #[error("{op}: {scalars} scalars for {bases} bases")]
    LengthMismatch {
        /// Operation.
        op: &'static str,
        /// Number of scalars given.
        scalars: usize,
        /// Number of bases available.
        bases: usize,
    },
    /// NTT input length is not a power of two (or is zero).
    #[error("{op}: length {len} is not a power of two")]
    NotPowerOfTwo {
        /// Operation.
        op: &'static str,
        /// Length given.
        len: usize,
    },
    /// NTT domain larger than the field's 2-adicity (2^28 for BN254 Fr).
    #[error("{op}: domain 2^{log_n} is larger than the maximum 2^{max}")]
    DomainTooLarge {
        /// Operation.
        op: &'static str,
        /// log2 of the requested size.
        log_n: u32,
        /// log2 of the largest supported size.
        max: u32,
    },
    /// The work does not fit into device memory and cannot be split further.
    #[error("{op}: needs {needed} bytes of device memory, only {available} free on {device}")]
    OutOfMemory {
        /// Operation.
        op: &'static str,
        /// Bytes the smallest piece of work would need.
        needed: u64,
        /// Bytes free on the device (after the safety reserve).
        available: u64,
        /// Device description.
        device: String,
    },
    /// A CUDA call failed.
    #[error("{op}: CUDA error {code} on device {device}: {message}")]
    Cuda {
        /// Operation.
        op: &'static str,
        /// Device index.
        device: i32,
        /// `cudaError_t` value (or -1 for a C++ exception without a code).
        code: i32,
        /// Message from the CUDA runtime / sppark.
        message: String,
    },
    /// A bases handle that this backend does not know (freed, or from another backend).
    #[error("{op}: unknown bases handle #{id} (freed, or created by another backend)")]
    InvalidHandle {
        /// Operation.
        op: &'static str,
        /// Handle id.
        id: u64,
    },
    /// The device returned data that is not a valid field element or curve point.
    #[error("{op}: device returned an invalid {what}")]
    InvalidResult {
        /// Operation.
        op: &'static str,
        /// `field element`, `curve point`, ...
        what: &'static str,
    },
    /// An argument that no backend can accept.
    #[error("{op}: invalid argument: {what}")]
    InvalidArgument {
        /// Operation.
        op: &'static str,
        /// What is wrong with it.
        what: &'static str,
    },
    /// halo2's prover failed.
    #[error("create_proof failed: {0}")]
    Prover(String),
    /// Transcript I/O failed.
    #[error("transcript I/O: {0}")]
    Io(#[from] std::io::Error),
}

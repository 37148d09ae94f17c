#![warn(missing_docs)]
//! # stakeproof-prover
//!
//! - [`srs`]: the universal KZG setup, from a ceremony file or generated locally (unsafe);
//! - [`keys`]: proving keys and pinnings per circuit (leaves) and per aggregation node,
//!   generated once and cached;
//! - [`backend`]: CPU or GPU (`stakeproof-gpu`) for the provers' commitment MSMs, as a value;
//! - [`options`]: what a run is told ([`options::ProveOptions`]: leaf sizes, tree sizes,
//!   backend, progress);
//! - [`artifacts`]: content-addressed proof artifacts, verified before reuse;
//! - [`leaves`]: the leaf stage of a report — plan the ranges, prove them in parallel, resume;
//! - [`tree`]: the aggregation tree over the leaves, up to the final proof;
//! - [`jobs`]: the same proofs as a DAG of self-contained jobs, one run per call, for a
//!   scheduler over many machines;
//! - [`final_artifact`]: the versioned final proof file and its native verification;
//! - [`circuit_cost`]: what a leaf circuit costs (shape, keygen/proof time and memory).

pub mod artifacts;
pub mod backend;
pub mod chain;
pub mod circuit_cost;
pub mod estimate;
pub mod final_artifact;
pub mod jobs;
pub mod keys;
pub mod leaves;
pub mod options;
pub mod pending;
pub mod published;
pub mod srs;
pub mod tree;

/// Errors of the pipeline.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// A file could not be read or written.
    #[error("{what} {path}: {source}")]
    Io {
        /// What the file is.
        what: &'static str,
        /// Its path.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The SRS is too small for a circuit.
    #[error("the setup has 2^{have} points but {circuit} needs 2^{need}")]
    SrsTooSmall {
        /// Circuit name.
        circuit: String,
        /// log2 of the setup size.
        have: u32,
        /// k the circuit needs.
        need: u32,
    },
    /// Leaf sizes that are not a valid shape.
    #[error("bad leaf sizes: {0}")]
    BadSize(String),
    /// Building a circuit failed.
    #[error(transparent)]
    Circuit(#[from] stakeproof_circuits::util::circuit::CircuitError),
    /// A witness could not be built.
    #[error(transparent)]
    Witness(#[from] stakeproof_circuits::registry::witness::WitnessError),
    /// halo2 failed (keygen, proving, or a proof that does not verify).
    #[error("{what}: {source}")]
    Halo2 {
        /// What was being done.
        what: String,
        /// The halo2 error.
        #[source]
        source: stakeproof_circuits::halo2_proofs::plonk::Error,
    },
    /// Leaf proofs disagree with the native report.
    #[error("leaf proofs sum to {proven:?} but the native report says {native:?}")]
    Mismatch {
        /// Summed from the proofs' public inputs.
        proven: stakeproof_beacon::report::PoolTotals,
        /// The native report.
        native: stakeproof_beacon::report::PoolTotals,
    },
    /// Pending-deposit proofs disagree with the native report.
    #[error(
        "pending-deposit proofs sum to {proven_count} entries, {proven_gwei} gwei, but the native report says {native_count}, {native_gwei}"
    )]
    PendingMismatch {
        /// Entries, summed from the proofs' public inputs.
        proven_count: u64,
        /// Gwei, summed from the proofs' public inputs.
        proven_gwei: u128,
        /// Entries in the native report.
        native_count: u64,
        /// Gwei in the native report.
        native_gwei: u128,
    },
    /// A pending-deposit queue longer than the run tree holds.
    #[error(
        "the pending-deposit queue holds {queue_len} entries: more than the run tree of depth {depth} holds in leaves of {size} (2^{depth}·{size}); a larger tree has another verifying key, so it needs a new verifier deployed (docs/ARCHITECTURE.md §10)"
    )]
    PendingCapacity {
        /// The queue's length.
        queue_len: u64,
        /// Entries per leaf.
        size: usize,
        /// Join levels of the run tree.
        depth: u32,
    },
    /// A pending-deposit range that cannot be proven.
    #[error(transparent)]
    Pending(#[from] stakeproof_circuits::pending::PendingError),
    /// The state's trees could not be built.
    #[error(transparent)]
    State(#[from] stakeproof_beacon::beacon::StateError),
    /// Children that do not combine into a node (caught before proving).
    #[error("aggregation: {0}")]
    Combine(#[from] stakeproof_circuits::aggregation::native::CombineError),
    /// A node that cannot be built.
    #[error("aggregation node: {0}")]
    Node(#[from] stakeproof_circuits::aggregation::circuit::NodeError),
    /// A node spec that is not valid.
    #[error("aggregation: {0}")]
    BadNode(#[from] stakeproof_circuits::aggregation::layout::BadNode),
    /// The GPU backend failed.
    #[error("gpu backend: {0}")]
    Gpu(String),
    /// A leaf proof the tree needs is not in the store.
    #[error("leaf proof missing from the store: {0}")]
    MissingLeaf(String),
    /// A final proof artifact that is malformed, foreign or does not verify.
    #[error("proof artifact {path}: {reason}")]
    Artifact {
        /// The file.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// A job's child result that is malformed, of another plan or job, or whose proof does not
    /// verify (see [`jobs::run_job`]).
    #[error("job {job}: the result of its child {child} {reason}")]
    BadChild {
        /// The job being run.
        job: String,
        /// The child.
        child: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A native report failed.
    #[error(transparent)]
    Report(#[from] stakeproof_beacon::report::ReportError),
    /// A preset the circuits cannot prove under (checked before anything is planned).
    #[error(transparent)]
    Preset(#[from] stakeproof_beacon::beacon::ConfigError),
    /// The final key made from the work directory's keys is not the published key of its
    /// circuit and setup ([`published`]): a cached key was changed, or is stale. Nothing was
    /// written.
    #[error(transparent)]
    KeyNotPublished(Box<published::KeyNotPublished>),
    /// A circuit's public inputs differ from its native twin's (a bug, or a witness the
    /// circuit reads differently): caught before proving, reported like [`Self::Mismatch`].
    #[error(
        "{what}: circuit and native twin disagree at {at}: circuit {circuit}, native {native}"
    )]
    TwinDisagree {
        /// The proof (circuit name and range or node).
        what: String,
        /// Where: the first public input that differs, or their counts.
        at: String,
        /// The circuit's value there.
        circuit: String,
        /// The twin's value there.
        native: String,
    },
}

/// [`PipelineError::TwinDisagree`] unless `circuit` and `native` public inputs are equal.
pub(crate) fn check_twin(
    what: impl FnOnce() -> String,
    circuit: &[stakeproof_circuits::Fr],
    native: &[stakeproof_circuits::Fr],
) -> Result<(), PipelineError> {
    use stakeproof_circuits::public_inputs::fr_hex;
    if circuit == native {
        return Ok(());
    }
    let (at, circuit, native) = match circuit.iter().zip(native).position(|(a, b)| a != b) {
        Some(i) => (
            format!("public input {i}"),
            fr_hex(&circuit[i]),
            fr_hex(&native[i]),
        ),
        None => (
            "the number of public inputs".into(),
            circuit.len().to_string(),
            native.len().to_string(),
        ),
    };
    Err(PipelineError::TwinDisagree {
        what: what(),
        at,
        circuit,
        native,
    })
}

/// Writes `bytes` to `path` atomically ([`stakeproof_beacon::atomic::write_file`]), naming
/// `what` in the error.
pub fn write_atomically(
    path: &std::path::Path,
    bytes: &[u8],
    what: &'static str,
) -> Result<(), PipelineError> {
    use std::io::Write;
    write_atomically_with(path, what, |f| f.write_all(bytes))
}

/// [`write_atomically`] for content written by `fill` through a buffered writer (a proving
/// key of several GB is streamed to disk instead of being serialized in memory first).
pub fn write_atomically_with(
    path: &std::path::Path,
    what: &'static str,
    fill: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> Result<(), PipelineError> {
    stakeproof_beacon::atomic::write_file_with(path, fill).map_err(|source| PipelineError::Io {
        what,
        path: path.display().to_string(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use stakeproof_circuits::Fr;

    #[test]
    fn a_twin_disagreement_is_an_error_naming_where() {
        let a = [Fr::from(1), Fr::from(2), Fr::from(3)];
        let b = [Fr::from(1), Fr::from(5), Fr::from(3)];
        assert!(check_twin(|| "x".into(), &a, &a).is_ok());
        let e = check_twin(|| "registry-4 at range 0".into(), &a, &b).unwrap_err();
        assert!(matches!(e, PipelineError::TwinDisagree { .. }));
        let s = e.to_string();
        assert!(
            s.starts_with(
                "registry-4 at range 0: circuit and native twin disagree at public input 1"
            ),
            "{s}"
        );
        assert!(
            s.ends_with(
                "02, native 0x0000000000000000000000000000000000000000000000000000000000000005"
            ),
            "{s}"
        );
        let e = check_twin(|| "n".into(), &a, &a[..2]).unwrap_err();
        assert!(
            e.to_string()
                .contains("the number of public inputs: circuit 3, native 2"),
            "{e}"
        );
    }
}

//! The one stage-aware entry point that turns circuit logic plus a witness into a halo2 circuit,
//! for key generation, proving, or the mock prover.
//!
//! - **Keygen / Mock**: the logic runs on a witness of the right shape at a chosen `k`;
//!   halo2-base computes the column counts and break points, which are returned as a [`Pinning`].
//! - **Prover**: the logic runs again under a committed [`Pinning`], so the layout is exactly the
//!   one the proving key was made for (a different shape is an error, not a bad proof).

use crate::sha256::{ShaCalls, ROWS_PER_BLOCK};
use crate::Fr;
use halo2_base::gates::circuit::builder::BaseCircuitBuilder;
use halo2_base::gates::circuit::{BaseCircuitParams, BaseConfig, CircuitBuilderStage};
use halo2_base::gates::flex_gate::MultiPhaseThreadBreakPoints;
use halo2_base::gates::RangeChip;
use halo2_base::halo2_proofs::circuit::{Layouter, SimpleFloorPlanner};
use halo2_base::halo2_proofs::plonk::{Circuit, ConstraintSystem, Error};
use halo2_base::{AssignedValue, Context};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use zkevm_hashes::sha256::vanilla::columns::Sha256CircuitConfig;

/// Bits of halo2-base's range lookup table: one byte.
pub const LOOKUP_BITS: usize = 8;
/// Rows kept free at the bottom of the circuit for halo2's blinding factors.
pub const UNUSABLE_ROWS: usize = 64;

/// Shape parameters of a circuit: halo2-base's columns and the SHA-256 block capacity.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct ShaCircuitParams {
    /// halo2-base configuration (k, advice/fixed/lookup columns, instance columns).
    pub base: BaseCircuitParams,
    /// Blocks of the vanilla SHA-256 region.
    pub sha_blocks: usize,
}

/// What keygen fixed about a circuit and the prover must reuse: its parameters and break points.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Pinning {
    /// Circuit name (kind and size), e.g. `registry-4`.
    pub circuit: String,
    /// Shape parameters.
    pub params: ShaCircuitParams,
    /// halo2-base's thread break points.
    pub break_points: MultiPhaseThreadBreakPoints,
}

/// Errors building a circuit or reading a pinning.
#[derive(Debug, thiserror::Error)]
pub enum CircuitError {
    /// The SHA-256 region does not fit in `2^k` rows.
    #[error("{circuit}: {blocks} SHA-256 blocks need {rows} rows, more than 2^{k} - {UNUSABLE_ROWS}; use a larger k")]
    TooSmall {
        /// Circuit name.
        circuit: String,
        /// The k tried.
        k: usize,
        /// Blocks needed.
        blocks: usize,
        /// Rows needed.
        rows: usize,
    },
    /// The witness does not have the shape the pinning was made for.
    #[error("{circuit}: the witness needs {found} SHA-256 blocks but the pinning was made for {expected}")]
    ShapeMismatch {
        /// Circuit name.
        circuit: String,
        /// Blocks in the pinning.
        expected: usize,
        /// Blocks this witness needs.
        found: usize,
    },
    /// A pinning file could not be read or parsed.
    #[error("pinning file {path}: {why}")]
    Pinning {
        /// The file.
        path: String,
        /// What went wrong.
        why: String,
    },
}

impl Pinning {
    /// Where the committed pinning of circuit `name` lives (`circuits/pinning/{name}.json`).
    pub fn committed_path(name: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("pinning")
            .join(format!("{name}.json"))
    }

    /// True if both pin the same circuit shape (name, parameters and break points).
    pub fn same_shape(&self, other: &Pinning) -> bool {
        let a = serde_json::to_value(self).ok();
        a.is_some() && a == serde_json::to_value(other).ok()
    }

    /// Reads a pinning from a JSON file.
    pub fn load(path: &Path) -> Result<Self, CircuitError> {
        let err = |why: String| CircuitError::Pinning {
            path: path.display().to_string(),
            why,
        };
        let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        serde_json::from_str(&text).map_err(|e| err(e.to_string()))
    }

    /// Writes the pinning as JSON, atomically ([`stakeproof_beacon::atomic`]).
    pub fn save(&self, path: &Path) -> Result<(), CircuitError> {
        let err = |why: String| CircuitError::Pinning {
            path: path.display().to_string(),
            why,
        };
        let text = serde_json::to_string_pretty(self).map_err(|e| err(e.to_string()))?;
        stakeproof_beacon::atomic::write_file(path, text.as_bytes()).map_err(|e| err(e.to_string()))
    }
}

/// Circuit logic: lays out constraints and witness with halo2-base, hashing through [`ShaCalls`],
/// and returns the public instances in order.
pub trait CircuitLogic {
    /// Name (kind and size) used in pinnings and errors.
    fn name(&self) -> String;

    /// Lays out the circuit; returns its public instances.
    fn build(
        &self,
        ctx: &mut Context<Fr>,
        range: &RangeChip<Fr>,
        sha: &mut ShaCalls,
    ) -> Vec<AssignedValue<Fr>>;
}

/// How the circuit's shape is chosen.
pub enum Shape<'a> {
    /// Compute the shape at this `k` (keygen, mock).
    K(usize),
    /// Reuse a pinning (prover).
    Pinned(&'a Pinning),
}

/// A halo2-base circuit with a zkevm-hashes SHA-256 region tied to it by copy constraints.
pub struct ShaCircuit {
    name: String,
    builder: BaseCircuitBuilder<Fr>,
    sha: ShaCalls,
    params: ShaCircuitParams,
    /// Whether the SHA cells' copy constraints were registered (keygen synthesizes twice).
    tied: AtomicBool,
}

/// Builds the circuit for `stage` from `logic` (which carries its witness).
pub fn build_circuit(
    stage: CircuitBuilderStage,
    logic: &impl CircuitLogic,
    shape: Shape<'_>,
) -> Result<ShaCircuit, CircuitError> {
    let name = logic.name();
    let mut builder = match (&shape, stage) {
        (Shape::Pinned(p), CircuitBuilderStage::Prover) => {
            BaseCircuitBuilder::prover(p.params.base.clone(), p.break_points.clone())
        }
        (Shape::Pinned(p), _) => BaseCircuitBuilder::from_stage(stage)
            .use_k(p.params.base.k)
            .use_lookup_bits(LOOKUP_BITS)
            .use_instance_columns(1),
        (Shape::K(k), _) => BaseCircuitBuilder::from_stage(stage)
            .use_k(*k)
            .use_lookup_bits(LOOKUP_BITS)
            .use_instance_columns(1),
    };
    let range = builder.range_chip();
    let mut sha = ShaCalls::default();
    let instances = logic.build(builder.main(0), &range, &mut sha);
    builder.assigned_instances = vec![instances];
    if let Shape::Pinned(p) = &shape {
        if p.params.sha_blocks != sha.blocks() {
            return Err(CircuitError::ShapeMismatch {
                circuit: name,
                expected: p.params.sha_blocks,
                found: sha.blocks(),
            });
        }
    }
    let k = builder.config_params.k;
    let rows = sha.blocks() * ROWS_PER_BLOCK;
    if rows + UNUSABLE_ROWS > 1 << k {
        return Err(CircuitError::TooSmall {
            circuit: name,
            k,
            blocks: sha.blocks(),
            rows,
        });
    }
    let params = match shape {
        Shape::Pinned(p) => {
            if stage != CircuitBuilderStage::Prover {
                builder.set_params(p.params.base.clone());
                builder.set_break_points(p.break_points.clone());
            }
            p.params.clone()
        }
        Shape::K(_) => ShaCircuitParams {
            base: builder.calculate_params(Some(UNUSABLE_ROWS)),
            sha_blocks: sha.blocks(),
        },
    };
    Ok(ShaCircuit {
        name,
        builder,
        sha,
        params,
        tied: AtomicBool::new(false),
    })
}

impl ShaCircuit {
    /// The public instances (one column).
    pub fn instances(&self) -> Vec<Fr> {
        self.builder.assigned_instances[0]
            .iter()
            .map(|v| *v.value())
            .collect()
    }

    /// The circuit's pinning. Call it after key generation (or a mock run), which is what fixes
    /// halo2-base's break points; before that halo2-base panics.
    pub fn pinning(&self) -> Pinning {
        Pinning {
            circuit: self.name.clone(),
            params: self.params.clone(),
            break_points: self.builder.break_points(),
        }
    }

    /// `k`: the circuit has `2^k` rows.
    pub fn k(&self) -> u32 {
        self.params.base.k as u32
    }

    /// Shape parameters.
    pub fn shape(&self) -> &ShaCircuitParams {
        &self.params
    }

    /// Number of SHA-256 compressions (blocks) in the circuit.
    pub fn sha_blocks(&self) -> usize {
        self.params.sha_blocks
    }

    /// Advice cells the logic assigned through halo2-base (all phases; the SHA-256 region's
    /// cells are not counted).
    pub fn base_cells(&self) -> usize {
        let stats = self.builder.statistics();
        stats.gate.total_advice_per_phase.iter().sum()
    }

    /// halo2-base cells copied into its lookup columns (one per range-checked limb).
    pub fn base_lookup_cells(&self) -> usize {
        let stats = self.builder.statistics();
        stats.total_lookup_advice_per_phase.iter().sum()
    }

    /// Number of halo2-base advice cells the logic assigned (main thread).
    pub fn advice_cells(&self) -> usize {
        self.builder.core().phase_manager[0]
            .threads
            .iter()
            .map(|t| t.advice.len())
            .sum()
    }

    /// Soundness testing: adds `delta` to the halo2-base advice cell `index` of the main thread
    /// after witness generation, as a malicious prover could. Returns false if out of range.
    #[doc(hidden)]
    pub fn perturb_advice(&mut self, index: usize, delta: Fr) -> bool {
        let ctx = self.builder.main(0);
        match ctx.advice.get_mut(index) {
            Some(cell) => {
                *cell = halo2_base::halo2_proofs::plonk::Assigned::Trivial(cell.evaluate() + delta);
                true
            }
            None => false,
        }
    }

    /// Registers the copy constraints between halo2-base cells and the vanilla SHA-256 cells.
    fn tie(&self, blocks: &[zkevm_hashes::sha256::vanilla::witness::AssignedSha256Block<'_, Fr>]) {
        let mut cm = self
            .builder
            .core()
            .copy_manager
            .lock()
            .expect("copy manager lock");
        for (call, pair) in self.sha.calls.iter().zip(blocks.chunks_exact(2)) {
            let (data, pad) = (&pair[0], &pair[1]);
            for (w, cell) in call.words.iter().zip(data.word_values()) {
                let ext = cm.load_external_cell(cell.cell());
                cm.advice_equalities
                    .push((w.cell.expect("keygen cell"), ext));
            }
            let out = pad.output();
            for (ours, theirs) in [(call.out_hi, out.hi()), (call.out_lo, out.lo())] {
                let ext = cm.load_external_cell(theirs.cell());
                cm.advice_equalities
                    .push((ours.cell.expect("keygen cell"), ext));
            }
            // Framing. The vanilla circuit counts non-padding bytes in `length` (reset when a
            // new message starts) and marks a block final iff its last byte is padding. With
            // length 64 after the data block, none of its bytes is padding: it is not final and
            // the next block continues the message; length still 64 after the second block
            // makes that block all padding, hence final. By induction from the circuit's first
            // row (always a message start), every call is exactly one 64-byte message and
            // `out` is its SHA-256.
            for len in [data.length(), pad.length()] {
                let c = cm.load_external_cell(len.cell());
                cm.constant_equalities.push((Fr::from(64u64), c));
            }
        }
    }
}

impl Circuit<Fr> for ShaCircuit {
    type Config = (BaseConfig<Fr>, Sha256CircuitConfig<Fr>);
    type FloorPlanner = SimpleFloorPlanner;
    type Params = ShaCircuitParams;

    fn params(&self) -> Self::Params {
        self.params.clone()
    }

    fn without_witnesses(&self) -> Self {
        ShaCircuit {
            name: self.name.clone(),
            builder: self.builder.deep_clone(),
            sha: self.sha.clone(),
            params: self.params.clone(),
            tied: AtomicBool::new(false),
        }
    }

    fn configure_with_params(
        meta: &mut ConstraintSystem<Fr>,
        params: Self::Params,
    ) -> Self::Config {
        (
            BaseConfig::configure(meta, params.base),
            Sha256CircuitConfig::new(meta),
        )
    }

    fn configure(_: &mut ConstraintSystem<Fr>) -> Self::Config {
        panic!("ShaCircuit is configured from its parameters (configure_with_params)")
    }

    fn synthesize(
        &self,
        config: Self::Config,
        mut layouter: impl Layouter<Fr>,
    ) -> Result<(), Error> {
        let (base, sha) = config;
        layouter.assign_region(
            || "sha256",
            |mut region| {
                let inputs = self.sha.calls.iter().map(|c| c.input.to_vec()).collect();
                let blocks = sha.multi_sha256(&mut region, inputs, Some(self.params.sha_blocks));
                if !self.builder.witness_gen_only() && !self.tied.swap(true, Ordering::SeqCst) {
                    self.tie(&blocks);
                }
                Ok(())
            },
        )?;
        <BaseCircuitBuilder<Fr> as Circuit<Fr>>::synthesize(
            &self.builder,
            base,
            layouter.namespace(|| "halo2-base"),
        )
    }
}

/// Stage names for messages.
pub fn stage_name(stage: CircuitBuilderStage) -> &'static str {
    match stage {
        CircuitBuilderStage::Keygen => "keygen",
        CircuitBuilderStage::Prover => "prover",
        CircuitBuilderStage::Mock => "mock",
    }
}

impl snark_verifier_sdk::CircuitExt<Fr> for ShaCircuit {
    fn num_instance(&self) -> Vec<usize> {
        vec![self.builder.assigned_instances[0].len()]
    }

    fn instances(&self) -> Vec<Vec<Fr>> {
        vec![ShaCircuit::instances(self)]
    }
}

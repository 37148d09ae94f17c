//! The stage-aware entry point of aggregation nodes: one function builds a node circuit for
//! keygen (computing its configuration and break points) or for proving (under a pinning).

use super::constraints::combine_with;
use super::layout::{BadNode, NodeSpec, NodeWitness, Statement, ACC_LIMBS};
use crate::Fr;
use halo2_base::gates::circuit::CircuitBuilderStage;
use halo2_base::halo2_proofs::halo2curves::bn256::Bn256;
use halo2_base::halo2_proofs::poly::commitment::Params;
use halo2_base::halo2_proofs::poly::kzg::commitment::ParamsKZG;
use serde::{Deserialize, Serialize};
use snark_verifier_sdk::halo2::aggregation::{
    AggregationCircuit, AggregationConfigParams, VerifierUniversality,
};
use snark_verifier_sdk::{CircuitExt, Snark, SHPLONK};
use std::path::Path;

/// Rows reserved at the bottom of a node circuit (blinding).
pub const NODE_MIN_ROWS: usize = 20;

/// A node circuit's shape, fixed at keygen: its node, configuration and break points.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NodePinning {
    /// The node.
    pub spec: NodeSpec,
    /// Columns, `k` and lookup bits.
    pub params: AggregationConfigParams,
    /// Where each advice column's cells break.
    pub break_points: Vec<Vec<usize>>,
}

impl NodePinning {
    /// Reads a pinning file.
    pub fn load(path: &Path) -> std::io::Result<Self> {
        let s = std::fs::read_to_string(path)?;
        serde_json::from_str(&s)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
    }

    /// `k`.
    pub fn k(&self) -> u32 {
        self.params.degree
    }
}

/// How to shape a node circuit.
#[derive(Clone, Copy, Debug)]
pub enum NodeShape<'a> {
    /// Compute the shape at `2^k` rows (keygen, or a mock run).
    K(u32),
    /// Use the shape fixed at keygen (proving).
    Pinned(&'a NodePinning),
}

/// A node circuit that cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// The children do not form a node.
    #[error(transparent)]
    Node(#[from] BadNode),
    /// A wrong number of child proofs.
    #[error("{spec} takes {expected} child proofs, got {found}")]
    ChildCount {
        /// The node.
        spec: String,
        /// Children of the node.
        expected: usize,
        /// Proofs given.
        found: usize,
    },
    /// A child proof whose instances do not have its statement's length.
    #[error(
        "child {child} should be a {statement} proof with {expected} instances, it has {found}"
    )]
    ChildShape {
        /// Position.
        child: usize,
        /// Expected statement.
        statement: String,
        /// Its instance count.
        expected: usize,
        /// Found.
        found: usize,
    },
    /// The pinning is for another node.
    #[error("the pinning is for {pinned}, not {spec}")]
    WrongPinning {
        /// Node of the pinning.
        pinned: String,
        /// Node being built.
        spec: String,
    },
    /// The setup does not match the node's `k`.
    #[error("the node needs a setup of 2^{need} points, the one given has 2^{have}")]
    SetupSize {
        /// k needed.
        need: u32,
        /// k of the params.
        have: u32,
    },
}

/// A built node circuit and the statement it proves.
pub struct NodeCircuit {
    /// The snark-verifier aggregation circuit with the node's combination added.
    pub circuit: AggregationCircuit,
    /// The node.
    pub spec: NodeSpec,
    /// Its statement.
    pub output: Statement,
}

impl NodeCircuit {
    /// All public inputs: the accumulator, then the statement.
    pub fn instances(&self) -> Vec<Fr> {
        self.circuit.instances().remove(0)
    }

    /// The pinning of this circuit (after keygen: its computed shape).
    pub fn pinning(&self) -> NodePinning {
        NodePinning {
            spec: self.spec.clone(),
            params: halo2_base::halo2_proofs::plonk::Circuit::params(&self.circuit),
            break_points: self.circuit.break_points(),
        }
    }
}

/// Builds the node `spec` over `snarks` (one per child, in order) at `stage`, verifying them
/// with `params` (the setup of the node's own `k`).
pub fn build_node(
    stage: CircuitBuilderStage,
    spec: &NodeSpec,
    params: &ParamsKZG<Bn256>,
    snarks: Vec<Snark>,
    shape: NodeShape,
) -> Result<NodeCircuit, NodeError> {
    build_node_with(stage, spec, params, snarks, shape, &NodeWitness::default())
}

/// [`build_node`] with the node's witnesses (the chain design's neutral wraps and final pool).
pub fn build_node_with(
    stage: CircuitBuilderStage,
    spec: &NodeSpec,
    params: &ParamsKZG<Bn256>,
    snarks: Vec<Snark>,
    shape: NodeShape,
    w: &NodeWitness,
) -> Result<NodeCircuit, NodeError> {
    let output = spec.output()?;
    if snarks.len() != spec.children.len() {
        return Err(NodeError::ChildCount {
            spec: spec.tag(),
            expected: spec.children.len(),
            found: snarks.len(),
        });
    }
    for (i, (s, st)) in snarks.iter().zip(&spec.children).enumerate() {
        let found = s.instances.first().map_or(0, Vec::len);
        if s.instances.len() != 1 || found != st.num_instances() {
            return Err(NodeError::ChildShape {
                child: i,
                statement: st.tag(),
                expected: st.num_instances(),
                found,
            });
        }
    }
    let cfg = match shape {
        NodeShape::K(k) => AggregationConfigParams {
            degree: k,
            lookup_bits: k as usize - 1,
            ..Default::default()
        },
        NodeShape::Pinned(p) => {
            if &p.spec != spec {
                return Err(NodeError::WrongPinning {
                    pinned: p.spec.tag(),
                    spec: spec.tag(),
                });
            }
            p.params
        }
    };
    if params.k() != cfg.degree {
        return Err(NodeError::SetupSize {
            need: cfg.degree,
            have: params.k(),
        });
    }
    let mut agg =
        AggregationCircuit::new::<SHPLONK>(stage, cfg, params, snarks, VerifierUniversality::None);
    let prev = agg.previous_instances().clone();
    let children: Vec<&[_]> = prev
        .iter()
        .zip(&spec.children)
        .map(|(p, st)| {
            let off = if st.has_accumulator() { ACC_LIMBS } else { 0 };
            &p[off..]
        })
        .collect();
    let range = agg.builder.range_chip();
    let out = combine_with(agg.builder.main(0), &range, spec, &children, w);
    agg.builder.assigned_instances[0].extend(out);
    match shape {
        NodeShape::K(_) => {
            agg.calculate_params(Some(NODE_MIN_ROWS));
        }
        NodeShape::Pinned(p) => agg.set_break_points(p.break_points.clone()),
    }
    Ok(NodeCircuit {
        circuit: agg,
        spec: spec.clone(),
        output,
    })
}

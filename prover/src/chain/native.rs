//! The native twin of the chain proof: every leaf's and node's statement computed with the
//! leaves' twins and [`combine_native_with`] over the same [`plan`](super::plan()), no key or
//! proof (`stakeproof tree --design chain`), and the final statement checked against the
//! native report.

use super::plan::{pool_instances, ChainPlan, Child, PlanCounts, Role};
use super::ChainError;
use crate::PipelineError;
use serde_json::{Map, Value};
use stakeproof_beacon::beacon::{BeaconState, StateTree};
use stakeproof_beacon::hexfmt;
use stakeproof_beacon::report::{pool_report_with, Pool};
use stakeproof_circuits::aggregation::layout::{FinalStatement, NodeWitness, Statement, FINAL_LEN};
use stakeproof_circuits::aggregation::native::combine_native_with;
use stakeproof_circuits::chain::{anchor, ChainState};
use stakeproof_circuits::delta::native::delta_public;
use stakeproof_circuits::pool_balance::pool_balance_public;
use stakeproof_circuits::public_inputs::fr_hex;
use stakeproof_circuits::util::circuit::CircuitLogic;
use stakeproof_circuits::Fr;

/// One leaf's statement, computed natively.
#[derive(Clone, Debug, serde::Serialize)]
pub struct LeafStatement {
    /// Its tree.
    pub role: Role,
    /// Its position among its tree's leaves.
    pub index: usize,
    /// Its circuit (`delta-1x8`, `append-256x1`, `pool-balance-64-d6`, …).
    pub circuit: String,
    /// What it states.
    pub statement: Statement,
    /// Its public inputs decoded by name.
    pub fields: Map<String, Value>,
    /// The same as field elements.
    #[serde(skip)]
    pub instances: Vec<Fr>,
}

/// One node's statement, computed natively.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ChainNativeNode {
    /// Its position in the plan.
    pub index: usize,
    /// Its node circuit's tag.
    pub circuit: String,
    /// Its part of the proof.
    pub role: Role,
    /// Its level.
    pub level: u32,
    /// Its position in the level (`None`: neutral, shared).
    pub position: Option<u64>,
    /// Where its children come from.
    pub children: Vec<Child>,
    /// What it states.
    pub statement: Statement,
    /// A neutral (padding) node.
    pub neutral: bool,
    /// Its public inputs (accumulator excluded) decoded by name.
    pub fields: Map<String, Value>,
    /// The same as field elements.
    #[serde(skip)]
    pub instances: Vec<Fr>,
}

/// The chain proof of a report computed natively.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ChainNativeTree {
    /// The chain starts from the empty registry.
    pub cold: bool,
    /// Proofs of each kind.
    pub counts: PlanCounts,
    /// Delta leaves.
    pub delta_leaves: Vec<LeafStatement>,
    /// Append leaves.
    pub append_leaves: Vec<LeafStatement>,
    /// Pool-balance leaves.
    pub pool_balance_leaves: Vec<LeafStatement>,
    /// Nodes in proving order; the last is the final one.
    pub nodes: Vec<ChainNativeNode>,
    /// The final statement's first twelve values (today's layout).
    pub final_statement: FinalStatement,
    /// The registry anchor the chain starts at (0: cold).
    pub anchor_old: String,
    /// The registry anchor of this report's registry.
    pub anchor_new: String,
}

impl ChainNativeTree {
    /// The final node's instances (after the accumulator).
    pub fn final_instances(&self) -> &[Fr] {
        &self
            .nodes
            .last()
            .expect("a plan ends with its final node")
            .instances
    }
}

fn leaf(
    role: Role,
    index: usize,
    circuit: String,
    statement: Statement,
    instances: Vec<Fr>,
) -> LeafStatement {
    LeafStatement {
        role,
        index,
        circuit,
        statement,
        fields: statement.describe(&instances),
        instances,
    }
}

/// Every statement of `plan`, computed natively (each node's by [`combine_native_with`]: a
/// relation between children that fails is an error naming it).
pub fn native_chain(plan: &ChainPlan) -> Result<ChainNativeTree, ChainError> {
    let st = |r| plan.sizes.leaf_statement(r).expect("a tree's leaf");
    let deltas = |role: Role, ws: &[stakeproof_circuits::delta::DeltaWitness]| {
        ws.iter()
            .enumerate()
            .map(|(i, w)| {
                Ok(leaf(
                    role,
                    i,
                    w.name(),
                    st(role),
                    delta_public(w)?.to_instances(),
                ))
            })
            .collect::<Result<Vec<_>, ChainError>>()
    };
    let delta_leaves = deltas(Role::Delta, &plan.delta_leaves)?;
    let append_leaves = deltas(Role::Append, &plan.append_leaves)?;
    let pool_balance_leaves = plan
        .pool_balance_leaves
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let inst = pool_balance_public(w)?.to_instances();
            Ok(leaf(Role::Sum, i, w.name(), st(Role::Sum), inst))
        })
        .collect::<Result<Vec<_>, ChainError>>()?;
    let pool = pool_instances(&plan.pool);
    let mut nodes: Vec<ChainNativeNode> = Vec::with_capacity(plan.nodes.len());
    for (index, p) in plan.nodes.iter().enumerate() {
        let missing = || PipelineError::MissingLeaf(format!("a child of chain node {index}"));
        let children: Vec<Vec<Fr>> = p
            .children
            .iter()
            .map(|c| {
                let v = match *c {
                    Child::DeltaLeaf(i) => delta_leaves.get(i).map(|l| l.instances.clone()),
                    Child::AppendLeaf(i) => append_leaves.get(i).map(|l| l.instances.clone()),
                    Child::PoolBalanceLeaf(i) => {
                        pool_balance_leaves.get(i).map(|l| l.instances.clone())
                    }
                    // A neutral wrap does not read its child's values.
                    Child::PaddingLeaf(_) => {
                        plan.leaf_statement(c).map(|s| vec![Fr::zero(); s.len()])
                    }
                    Child::Node(j) => nodes.get(j).map(|n| n.instances.clone()),
                };
                v.ok_or_else(missing)
            })
            .collect::<Result<_, _>>()?;
        let statement = p.spec.output()?;
        let w = NodeWitness {
            neutral: p.neutral && p.level == 0,
            pool: p.spec.finalize.then_some(pool),
        };
        let instances = combine_native_with(&p.spec, &children, &w)?;
        nodes.push(ChainNativeNode {
            index,
            circuit: p.spec.tag(),
            role: p.role,
            level: p.level,
            position: p.position,
            children: p.children.clone(),
            statement,
            neutral: p.neutral,
            fields: statement.describe(&instances),
            instances,
        });
    }
    let fin = &nodes
        .last()
        .expect("a plan ends with its final node")
        .instances;
    let final_statement = FinalStatement::from_instances(&fin[..FINAL_LEN]).ok_or_else(|| {
        PipelineError::Artifact {
            path: "(native chain)".into(),
            reason: "the final statement does not decode".into(),
        }
    })?;
    Ok(ChainNativeTree {
        cold: plan.cold,
        counts: plan.counts(),
        anchor_old: fr_hex(&fin[FINAL_LEN]),
        anchor_new: fr_hex(&fin[FINAL_LEN + 1]),
        final_statement,
        delta_leaves,
        append_leaves,
        pool_balance_leaves,
        nodes,
    })
}

/// The anchors a plan's final statement must carry: 0 for a chain from the empty registry,
/// else the old state's; the new state's.
pub fn expected_anchors(plan: &ChainPlan) -> (Fr, Fr) {
    let pool = pool_instances(&plan.pool);
    let old = if plan.old == ChainState::cold() {
        Fr::zero()
    } else {
        anchor(&pool, &plan.old.instances())
    };
    (old, anchor(&pool, &plan.new.instances()))
}

/// Checks the native tree's final statement against the native report of `state` (whose
/// trees are `tree`) for `pool`: the block root, slot, pool, `L` and the five totals, and the
/// anchors against the plan's chain states. A difference is a [`PipelineError::Mismatch`]
/// (totals) or [`PipelineError::TwinDisagree`] (anything else): exit 4 in the CLI.
pub fn check_report(
    native: &ChainNativeTree,
    plan: &ChainPlan,
    state: &BeaconState,
    tree: &StateTree,
    pool: &Pool,
) -> Result<(), ChainError> {
    let report = pool_report_with(state, Some(tree), pool)?;
    let f = &native.final_statement;
    let proven = stakeproof_beacon::report::PoolTotals {
        validator_count: f.validator_count,
        total_balance_gwei: f.total_balance_gwei,
        active_count: f.active_count,
        exited_count: f.exited_count,
        slashed_count: f.slashed_count,
    };
    if proven != report.totals {
        return Err(PipelineError::Mismatch {
            proven,
            native: report.totals,
        }
        .into());
    }
    let spec = stakeproof_circuits::pool::PoolSpec::from(pool);
    let (a_old, a_new) = expected_anchors(plan);
    let pairs = [
        (
            "block_root",
            f.block_root.clone(),
            hexfmt::encode(tree.block_root()),
        ),
        ("slot", f.slot.to_string(), report.slot.to_string()),
        (
            "registry_length",
            f.registry_length.to_string(),
            report.registry_length.to_string(),
        ),
        (
            "pool_exact",
            f.pool_exact.to_string(),
            spec.exact.to_string(),
        ),
        (
            "pool_credentials",
            f.pool_credentials.clone(),
            hexfmt::encode(spec.credentials),
        ),
        ("anchor_old", native.anchor_old.clone(), fr_hex(&a_old)),
        ("anchor_new", native.anchor_new.clone(), fr_hex(&a_new)),
    ];
    for (at, chain, native) in pairs {
        if chain != native {
            return Err(PipelineError::TwinDisagree {
                what: "the chain's final statement against the native report".into(),
                at: at.into(),
                circuit: chain,
                native,
            }
            .into());
        }
    }
    Ok(())
}

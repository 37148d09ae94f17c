//! The native twin of the proof tree: every leaf's and node's public inputs, computed with
//! the same [`plan`] and [`combine_native`], no key or proof (the CLI's `stakeproof tree`).

use super::plan::{plan, Child};
use crate::leaves::LeafConfig;
use crate::PipelineError;
use stakeproof_beacon::beacon::BeaconState;
use stakeproof_beacon::report::Pool;
use stakeproof_circuits::aggregation::layout::NodeWitness;
use stakeproof_circuits::aggregation::layout::{NodeSpec, Statement};
use stakeproof_circuits::aggregation::native::{combine_native, combine_native_with};
use stakeproof_circuits::balance::native::balance_public;
use stakeproof_circuits::pending::aggregate::{covers_queue, fold_run_tree, RunTreeShape};
use stakeproof_circuits::pending::pending_public;
use stakeproof_circuits::registry::native::registry_public;
use stakeproof_circuits::Fr;

/// One proof of the tree computed natively: what its public inputs are.
#[derive(Clone, Debug, serde::Serialize)]
pub struct NativeNode {
    /// The leaf's range index, or the node's position in the [`plan`].
    pub index: usize,
    /// Its circuit: `registry-leaf`, `balance-leaf`, or the node's tag.
    pub circuit: String,
    /// Where its children come from (none for a leaf).
    pub children: Vec<Child>,
    /// What it states.
    pub statement: Statement,
    /// Its public inputs, accumulator excluded, decoded by name.
    pub fields: serde_json::Map<String, serde_json::Value>,
    /// The same public inputs as field elements.
    #[serde(skip)]
    pub instances: Vec<Fr>,
}

/// The proof tree of a report computed natively, every leaf and node: the twin of
/// [`super::prove`]'s tree (same [`plan`], each node's statement by [`combine_native`]).
#[derive(Clone, Debug, serde::Serialize)]
pub struct NativeTree {
    /// Registry leaves, by range (ranges wholly beyond L included: fill 0).
    pub registry_leaves: Vec<NativeNode>,
    /// Balance leaves, by range.
    pub balance_leaves: Vec<NativeNode>,
    /// Aggregation nodes in proving order; the last is the final statement.
    pub nodes: Vec<NativeNode>,
    /// Pending-deposit leaves, by range (with a pending configuration and a queue).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pending_leaves: Vec<NativeNode>,
    /// The queue's run tree in proving order (wraps, neutral nodes, joins); the last is the
    /// run the final node takes ([`Child::PendingRun`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pending_nodes: Vec<NativeNode>,
}

/// A leaf of the native tree.
fn leaf_node(index: usize, circuit: &str, statement: Statement, instances: Vec<Fr>) -> NativeNode {
    NativeNode {
        index,
        circuit: circuit.into(),
        children: Vec::new(),
        statement,
        fields: statement.describe(&instances),
        instances,
    }
}

/// The queue's leaves and run tree, natively: the twin of `crate::pending::run_in` (the same
/// witnesses, padding leaf and [`fold_run_tree`]); empty before Electra.
fn native_pending(
    state: &BeaconState,
    pool: &Pool,
    p: crate::options::PendingConfig,
) -> Result<(Vec<NativeNode>, Vec<NativeNode>), PipelineError> {
    let Some(ws) = crate::pending::pending_witnesses(state, pool, p.size)? else {
        return Ok((Vec::new(), Vec::new()));
    };
    let queue_len = ws.first().map_or(0, |w| w.queue_len);
    let shape =
        RunTreeShape::new(ws.len() as u64, p.depth).ok_or(PipelineError::PendingCapacity {
            queue_len,
            size: p.size,
            depth: p.depth,
        })?;
    let leaf_st = Statement::PendingLeaf { n: p.size as u64 };
    let leaves: Vec<NativeNode> = ws
        .iter()
        .enumerate()
        .map(|(i, w)| leaf_node(i, "pending-leaf", leaf_st, pending_public(w).to_instances()))
        .collect();
    let wrap = NodeSpec {
        children: vec![leaf_st],
        finalize: false,
    };
    let join = NodeSpec {
        children: vec![Statement::Pending, Statement::Pending],
        finalize: false,
    };
    let nodes = std::cell::RefCell::new(Vec::new());
    let record = |spec: &NodeSpec, instances: Vec<Fr>| {
        let mut n = nodes.borrow_mut();
        let index = n.len();
        n.push(NativeNode {
            index,
            circuit: spec.tag(),
            children: Vec::new(),
            statement: Statement::Pending,
            fields: Statement::Pending.describe(&instances),
            instances: instances.clone(),
        });
        instances
    };
    let wraps = leaves
        .iter()
        .map(|l| {
            Ok(record(
                &wrap,
                combine_native(&wrap, std::slice::from_ref(&l.instances))?,
            ))
        })
        .collect::<Result<Vec<_>, PipelineError>>()?;
    let top = fold_run_tree(
        wraps,
        &shape,
        || {
            let pad = crate::pending::padding_witness(state, pool, p.size)?;
            let neutral = NodeWitness {
                neutral: true,
                pool: None,
            };
            let inst =
                combine_native_with(&wrap, &[pending_public(&pad).to_instances()], &neutral)?;
            Ok::<_, PipelineError>(record(&wrap, inst))
        },
        |a, b| Ok(record(&join, combine_native(&join, &[a, b])?)),
    )?;
    if !covers_queue(&top) {
        return Err(PipelineError::PendingCapacity {
            queue_len,
            size: p.size,
            depth: p.depth,
        });
    }
    Ok((leaves, nodes.into_inner()))
}

/// Computes the whole proof tree of `state` for `pool` natively, with no key or proof: every
/// leaf's and node's public inputs, or the first relation between children that fails.
pub fn native_tree(
    state: &BeaconState,
    pool: &Pool,
    cfg: &LeafConfig,
) -> Result<NativeTree, PipelineError> {
    let (registry, balance) = crate::leaves::leaf_witnesses(state, pool, cfg)?;
    let n_r = cfg.registry_size as u64;
    let n_b = cfg.balance_size as u64;
    let m = (n_b / n_r) as usize;
    let (pending_leaves, pending_nodes) = match cfg.pending {
        Some(p) => native_pending(state, pool, p)?,
        None => (Vec::new(), Vec::new()),
    };
    let run = pending_nodes.last();
    let registry_leaves: Vec<NativeNode> = registry
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let st = Statement::RegistryLeaf { n_r };
            leaf_node(i, "registry-leaf", st, registry_public(w).to_instances())
        })
        .collect();
    let balance_leaves: Vec<NativeNode> = balance
        .iter()
        .enumerate()
        .map(|(j, w)| {
            let st = Statement::BalanceLeaf { n_b, n_r };
            leaf_node(j, "balance-leaf", st, balance_public(w).to_instances())
        })
        .collect();
    let mut nodes: Vec<NativeNode> = Vec::new();
    for (index, p) in plan(balance_leaves.len(), m, run.is_some())
        .into_iter()
        .enumerate()
    {
        let kids: Vec<&NativeNode> = p
            .children
            .iter()
            .map(|c| match *c {
                Child::RegistryLeaf(i) => registry_leaves.get(i),
                Child::BalanceLeaf(j) => balance_leaves.get(j),
                Child::Node(i) => nodes.get(i),
                Child::PendingRun => run,
            })
            .collect::<Option<_>>()
            .ok_or_else(|| PipelineError::MissingLeaf(format!("a child of node {index}")))?;
        let spec = NodeSpec {
            children: kids.iter().map(|k| k.statement).collect(),
            finalize: p.finalize,
        };
        let statement = spec.output()?;
        let instances = combine_native(
            &spec,
            &kids.iter().map(|k| k.instances.clone()).collect::<Vec<_>>(),
        )?;
        nodes.push(NativeNode {
            index,
            circuit: spec.tag(),
            children: p.children,
            statement,
            fields: statement.describe(&instances),
            instances,
        });
    }
    Ok(NativeTree {
        registry_leaves,
        balance_leaves,
        nodes,
        pending_leaves,
        pending_nodes,
    })
}

#[cfg(test)]
mod tests {
    use super::super::plan::node_count;
    use super::*;
    use stakeproof_beacon::beacon::Fork;
    use stakeproof_beacon::devnet::{self, DevnetSpec};
    use stakeproof_beacon::report::pool_report;

    fn state(validators: usize, seed: u64) -> (BeaconState, Pool) {
        let spec = DevnetSpec {
            validators,
            pool_permille: 400,
            seed,
            ..Default::default()
        };
        let (vals, bals) = devnet::validators(&spec);
        let st = BeaconState::decode(
            devnet::state_ssz(&spec, &vals, &bals),
            Fork::Electra,
            &spec.preset,
        )
        .unwrap();
        (st, Pool::Address(spec.pool))
    }

    /// Registry lengths at and around the range sizes' powers of two: the last range partly
    /// filled, ranges wholly beyond L, one segment and several (odd counts move up a level).
    #[test]
    fn native_tree_final_statement_is_the_native_report() {
        for (len, n_r, n_b) in [
            (1, 4, 16),
            (15, 4, 16),
            (16, 4, 16),
            (17, 4, 16),
            (33, 4, 8),
            (40, 8, 8),
            (47, 4, 16),
        ] {
            let (st, pool) = state(len, len as u64);
            let cfg = LeafConfig::for_sizes(n_r, n_b).unwrap();
            let t = native_tree(&st, &pool, &cfg).unwrap();
            let segments = len.div_ceil(n_b);
            assert_eq!(t.balance_leaves.len(), segments);
            assert_eq!(t.registry_leaves.len(), segments * n_b / n_r);
            assert_eq!(t.nodes.len(), node_count(segments, n_b / n_r, false));
            let fin = t.nodes.last().unwrap();
            assert_eq!(fin.statement, Statement::Final);
            let native = pool_report(&st, &pool).unwrap();
            let f = &fin.fields;
            assert_eq!(f["registry_length"], len as u64, "L={len}");
            assert_eq!(f["slot"], st.slot());
            assert_eq!(
                f["block_root"],
                format!("0x{}", hex::encode(st.tree().unwrap().block_root()))
            );
            assert_eq!(f["validator_count"], native.totals.validator_count);
            assert_eq!(
                f["total_balance_gwei"],
                u64::try_from(native.totals.total_balance_gwei).unwrap()
            );
            assert_eq!(f["active_count"], native.totals.active_count);
            assert_eq!(f["exited_count"], native.totals.exited_count);
            assert_eq!(f["slashed_count"], native.totals.slashed_count);
            // Fill against L: full ranges, one partial, the rest empty.
            for (i, leaf) in t.registry_leaves.iter().enumerate() {
                let a = (i * n_r) as u64;
                let fill = (len as u64).saturating_sub(a).min(n_r as u64);
                assert_eq!(leaf.fields["fill"], fill);
            }
        }
    }

    /// With a pending configuration the final node takes the registry's summary and the
    /// queue's run: its statement is the plain tree's with the native pending count and sum
    /// appended, for empty, partial, full and padded run trees, and without a queue (before
    /// Electra) the tree is the plain one.
    #[test]
    fn native_tree_with_the_queue_appends_the_native_pending_deposits() {
        use crate::options::PendingConfig;
        use stakeproof_beacon::report::pending_deposits;
        use stakeproof_circuits::pending::aggregate::RunTreeShape;
        for (fork, validators, queue, size, depth) in [
            (Fork::Electra, 16, 0, 4, 2),
            (Fork::Electra, 16, 5, 2, 3),
            (Fork::Electra, 33, 7, 1, 3),
            (Fork::Electra, 17, 8, 8, 0),
            (Fork::Electra, 40, 9, 4, 2),
            (Fork::Deneb, 16, 0, 4, 2),
        ] {
            let spec = DevnetSpec {
                fork,
                validators,
                pending_deposits: queue,
                pool_permille: 400,
                seed: validators as u64,
                ..Default::default()
            };
            let st = devnet::build(&spec).unwrap();
            let pool = Pool::Address(spec.pool);
            let plain = LeafConfig::for_sizes(4, 16).unwrap();
            let cfg = LeafConfig {
                pending: Some(PendingConfig::new(size, Some(depth)).unwrap()),
                ..plain
            };
            let without = native_tree(&st, &pool, &plain).unwrap();
            let with = native_tree(&st, &pool, &cfg).unwrap();
            let (fin, base) = (with.nodes.last().unwrap(), without.nodes.last().unwrap());
            let case = format!("{fork:?} q={queue} n={size} d={depth}");
            if fork == Fork::Deneb {
                assert_eq!(fin.instances, base.instances, "{case}");
                assert!(with.pending_leaves.is_empty() && with.pending_nodes.is_empty());
                continue;
            }
            assert_eq!(fin.statement, Statement::FinalPending, "{case}");
            assert_eq!(fin.children.last(), Some(&Child::PendingRun), "{case}");
            assert_eq!(with.nodes.len(), without.nodes.len() + 1, "{case}");
            assert_eq!(
                fin.instances[..base.instances.len()],
                base.instances[..],
                "{case}"
            );
            let want = pending_deposits(&st, &pool);
            if queue >= 5 {
                assert!(
                    want.pending_deposit_count > 0,
                    "{case}: a pool entry queued"
                );
            }
            assert_eq!(
                fin.fields["pending_deposit_count"],
                want.pending_deposit_count
            );
            assert_eq!(
                fin.fields["pending_deposit_gwei"],
                u64::try_from(want.pending_deposit_gwei).unwrap(),
                "{case}"
            );
            let leaves = queue.div_ceil(size).max(1);
            assert_eq!(with.pending_leaves.len(), leaves, "{case}");
            let shape = RunTreeShape::new(leaves as u64, depth).unwrap();
            assert_eq!(
                with.pending_nodes.len() as u64,
                shape.real_nodes() + u64::from(shape.neutral),
                "{case}"
            );
        }
    }

    #[test]
    fn native_tree_refuses_a_queue_beyond_its_run_tree() {
        use crate::options::PendingConfig;
        let spec = DevnetSpec {
            validators: 8,
            pending_deposits: 9,
            ..Default::default()
        };
        let st = devnet::build(&spec).unwrap();
        let cfg = LeafConfig {
            pending: Some(PendingConfig::new(1, Some(3)).unwrap()),
            ..LeafConfig::for_sizes(4, 16).unwrap()
        };
        match native_tree(&st, &Pool::Address(spec.pool), &cfg) {
            Err(PipelineError::PendingCapacity {
                queue_len: 9,
                size: 1,
                depth: 3,
            }) => {}
            other => panic!(
                "expected PendingCapacity, got {:?}",
                other.map(|t| t.nodes.len())
            ),
        }
    }

    #[test]
    fn native_tree_refuses_a_registry_leaf_of_another_state() {
        // The twin is the same relation the prover checks before proving: a registry leaf of
        // another state does not combine with this state's balance leaf.
        let (a, pool) = state(16, 1);
        let (b, _) = state(16, 2);
        let cfg = LeafConfig::for_sizes(4, 16).unwrap();
        let ta = native_tree(&a, &pool, &cfg).unwrap();
        let tb = native_tree(&b, &pool, &cfg).unwrap();
        let wrap = |n: &NativeNode| {
            combine_native(
                &NodeSpec {
                    children: vec![n.statement],
                    finalize: false,
                },
                std::slice::from_ref(&n.instances),
            )
            .unwrap()
        };
        let spec = NodeSpec {
            children: vec![
                Statement::Registry { n_r: 4, ranges: 1 },
                Statement::Registry { n_r: 4, ranges: 1 },
            ],
            finalize: false,
        };
        // Two adjacent ranges of one state join; the same pair with the second from the other
        // state joins too (a registry run is state-independent)...
        let run_a = combine_native(
            &spec,
            &[wrap(&ta.registry_leaves[0]), wrap(&ta.registry_leaves[1])],
        )
        .unwrap();
        let run_mixed = combine_native(
            &spec,
            &[wrap(&ta.registry_leaves[0]), wrap(&tb.registry_leaves[1])],
        )
        .unwrap();
        assert_ne!(run_a, run_mixed);
        // ...but the mixed run does not match state a's balance proof.
        let spec4 = NodeSpec {
            children: vec![
                Statement::Registry { n_r: 4, ranges: 2 },
                Statement::Registry { n_r: 4, ranges: 2 },
            ],
            finalize: false,
        };
        let four = |run01: Vec<Fr>| {
            let run23 = combine_native(
                &spec,
                &[wrap(&ta.registry_leaves[2]), wrap(&ta.registry_leaves[3])],
            )
            .unwrap();
            combine_native(&spec4, &[run01, run23]).unwrap()
        };
        let seg = NodeSpec {
            children: vec![
                Statement::Registry { n_r: 4, ranges: 4 },
                Statement::Balance { n_b: 16, n_r: 4 },
            ],
            finalize: true,
        };
        let bal = wrap(&ta.balance_leaves[0]);
        let ok = combine_native(&seg, &[four(run_a), bal.clone()]).unwrap();
        assert_eq!(ok, ta.nodes.last().unwrap().instances);
        let err = combine_native(&seg, &[four(run_mixed), bal]).unwrap_err();
        assert!(
            err.to_string().contains("registry range 1"),
            "names the range: {err}"
        );
    }
}

//! The native twin of the proof tree: every leaf's and node's public inputs, computed with
//! the same [`plan`] and [`combine_native`], no key or proof (the CLI's `stakeproof tree`).

use super::plan::{plan, Child};
use crate::leaves::LeafConfig;
use crate::PipelineError;
use stakeproof_beacon::beacon::BeaconState;
use stakeproof_beacon::report::Pool;
use stakeproof_circuits::aggregation::layout::{NodeSpec, Statement};
use stakeproof_circuits::aggregation::native::combine_native;
use stakeproof_circuits::balance::native::balance_public;
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
    let leaf_node = |index, circuit: &str, statement, instances: Vec<Fr>| NativeNode {
        index,
        circuit: circuit.into(),
        children: Vec::new(),
        statement,
        fields: statement.describe(&instances),
        instances,
    };
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
    for (index, p) in plan(balance_leaves.len(), m).into_iter().enumerate() {
        let kids: Vec<&NativeNode> = p
            .children
            .iter()
            .map(|c| match *c {
                Child::RegistryLeaf(i) => registry_leaves.get(i),
                Child::BalanceLeaf(j) => balance_leaves.get(j),
                Child::Node(i) => nodes.get(i),
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
            assert_eq!(t.nodes.len(), node_count(segments, n_b / n_r));
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

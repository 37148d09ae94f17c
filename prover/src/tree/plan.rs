//! The shape of a report's proof tree: which leaf or earlier node each aggregation node takes,
//! in proving order. One [`plan`] for the prover ([`super::prove`]) and the native twin
//! ([`super::native_tree`]).

/// Where a node's child comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", content = "index", rename_all = "snake_case")]
pub enum Child {
    /// The registry leaf proof of range `i` (validators `[i·n_r, (i+1)·n_r)`).
    RegistryLeaf(usize),
    /// The balance leaf proof of range `j` (balances `[j·n_b, (j+1)·n_b)`).
    BalanceLeaf(usize),
    /// An earlier node of the plan, by position.
    Node(usize),
    /// The pending-deposit queue's run: the top of its own fixed-depth tree
    /// (`crate::pending::prove_pending_run`), proven before the plan's nodes.
    PendingRun,
}

/// One aggregation node of a report's proof tree.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct PlannedNode {
    /// Its children, left to right.
    pub children: Vec<Child>,
    /// Whether it produces the final statement.
    pub finalize: bool,
}

/// The proof tree's nodes for `segments` balance ranges of `m` registry ranges each, in
/// proving order (children before parents): per segment, the `m` registry wraps joined
/// pairwise into a run, the balance wrap, the run and that wrap joined into the segment's
/// summary; then summaries joined pairwise, left to right, an odd one moving up unchanged.
/// The last node is the final one: the last summary node, or with `pending` a node of its own
/// that takes the registry's summary and the queue's run (`[Summary, Pending]`).
pub fn plan(segments: usize, m: usize, pending: bool) -> Vec<PlannedNode> {
    assert!(
        segments >= 1 && m >= 1,
        "a tree has at least one segment of one range"
    );
    fn push(nodes: &mut Vec<PlannedNode>, children: Vec<Child>, finalize: bool) -> Child {
        nodes.push(PlannedNode { children, finalize });
        Child::Node(nodes.len() - 1)
    }
    // Grown as pushed: no capacity taken from a count a caller passes.
    let mut nodes: Vec<PlannedNode> = Vec::new();
    let mut summaries = Vec::new();
    for j in 0..segments {
        let mut runs: Vec<Child> = (0..m)
            .map(|i| push(&mut nodes, vec![Child::RegistryLeaf(j * m + i)], false))
            .collect();
        while runs.len() > 1 {
            runs = runs
                .chunks(2)
                .map(|pair| match pair {
                    [a, b] => push(&mut nodes, vec![*a, *b], false),
                    [a] => *a,
                    _ => unreachable!("chunks of two"),
                })
                .collect();
        }
        let bwrap = push(&mut nodes, vec![Child::BalanceLeaf(j)], false);
        summaries.push(push(
            &mut nodes,
            vec![runs[0], bwrap],
            segments == 1 && !pending,
        ));
    }
    while summaries.len() > 1 {
        let finalize = summaries.len() == 2 && !pending;
        summaries = summaries
            .chunks(2)
            .map(|pair| match pair {
                [a, b] => push(&mut nodes, vec![*a, *b], finalize),
                [a] => *a,
                _ => unreachable!("chunks of two"),
            })
            .collect();
    }
    if pending {
        push(&mut nodes, vec![summaries[0], Child::PendingRun], true);
    }
    nodes
}

/// Number of node proofs for `segments` segments of `m` registry ranges each (saturating at
/// `usize::MAX`), plus the final node of a `pending` plan (the queue's run tree apart).
pub fn node_count(segments: usize, m: usize, pending: bool) -> usize {
    // Per segment: m + 1 wraps, m − 1 run joins, 1 segment node; then segments − 1 joins.
    segments
        .saturating_mul(m.saturating_mul(2).saturating_add(1))
        .saturating_add(segments.saturating_sub(1))
        .saturating_add(usize::from(pending))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_uses_every_leaf_once_and_every_node_once_up_to_one_final() {
        for (m, segments, pending) in (1..=9)
            .flat_map(|s| [1, 2, 4, 8].map(|m| (m, s)))
            .flat_map(|(m, s)| [(m, s, false), (m, s, true)])
        {
            {
                let p = plan(segments, m, pending);
                assert_eq!(
                    p.len(),
                    node_count(segments, m, pending),
                    "s={segments} m={m}"
                );
                let (mut reg, mut bal) = (vec![0; segments * m], vec![0; segments]);
                let mut runs = 0;
                let mut parents = vec![0; p.len()];
                for (i, n) in p.iter().enumerate() {
                    assert!((1..=2).contains(&n.children.len()));
                    assert_eq!(n.finalize, i + 1 == p.len(), "only the last node finalizes");
                    for c in &n.children {
                        match *c {
                            Child::RegistryLeaf(r) => reg[r] += 1,
                            Child::BalanceLeaf(b) => bal[b] += 1,
                            Child::Node(j) => {
                                assert!(j < i, "children come first");
                                parents[j] += 1;
                            }
                            Child::PendingRun => {
                                assert!(n.finalize, "the queue's run goes to the final node");
                                assert_eq!(n.children.len(), 2);
                                runs += 1;
                            }
                        }
                    }
                }
                assert_eq!(runs, usize::from(pending));
                assert!(reg.iter().chain(&bal).all(|&c| c == 1));
                let (last, rest) = parents.split_last().unwrap();
                assert_eq!(*last, 0);
                assert!(rest.iter().all(|&c| c == 1), "s={segments} m={m}");
            }
        }
    }
}

//! A report's proof DAG as self-contained jobs, for a scheduler that spreads them over many
//! machines (the Ray driver in `distributed/`).
//!
//! Every leaf and every aggregation node of [`crate::tree::plan`] is one [`Job`] (and, for a
//! report with the pool's pending deposits, every pending-deposit leaf and every node of the
//! queue's run tree, [`crate::pending`], built by the same fold as the single-machine prover's):
//! its circuit and `k`, the jobs whose proofs it takes, and what a worker must offer to run it
//! (peak memory, a GPU). [`run::run_job`] runs one job on any machine from the state and its
//! children's [`JobResult`]s, which carry everything a parent needs of a child: its proof
//! artifact and, for a node, its verifying key. A job's proof is keyed as the single-machine
//! prover keys it, so a work directory filled by jobs is reused by `stakeproof prove` and the
//! other way round.
//!
//! - `mod.rs`: the plan ([`plan_jobs`]) and its memory model;
//! - `run.rs`: one job run ([`run::run_job`]) and the result codec ([`JobResult`]).

pub mod run;

pub use run::{run_job, JobResult, NodeVk, RESULT_VERSION};

use crate::leaves::{estimated_proof_memory, LeafConfig};
use crate::options::TreeOptions;
use crate::tree::{plan, Child};
use crate::PipelineError;
use stakeproof_circuits::aggregation::layout::{NodeSpec, Statement};
use stakeproof_circuits::pending::aggregate::{fold_run_tree, RunTreeShape};

/// Most jobs a plan may have: a mainnet registry (2^21 slots) at the smallest ranges (4 and
/// 16) is about 1.2 million; a state that would need more is refused before anything is built.
pub const MAX_JOBS: usize = 1 << 24;

/// What a job proves.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum JobKind {
    /// The registry leaf of range `range` (validators from `start`).
    RegistryLeaf {
        /// Range index.
        range: u64,
        /// First validator.
        start: u64,
    },
    /// The balance leaf of range `range` (balances from `start`).
    BalanceLeaf {
        /// Range index.
        range: u64,
        /// First balance.
        start: u64,
    },
    /// Node `node` of the tree's plan.
    Node {
        /// Position in [`crate::tree::plan`].
        node: usize,
        /// It produces the final statement.
        finalize: bool,
    },
    /// The pending-deposit leaf of range `range` (queue entries from `start`).
    PendingLeaf {
        /// Range index.
        range: u64,
        /// First queue entry.
        start: u64,
    },
    /// The fixed leaf that the run tree's neutral wrap verifies
    /// ([`crate::pending::padding_witness`]).
    PendingPadding,
    /// A node of the queue's run tree: a wrap of one pending leaf (`neutral` for the padding
    /// leaf's), or a join of two runs (a join of two neutral runs, whose children are one job
    /// twice, is itself neutral but needs no flag: a join passes a neutral side through).
    PendingNode {
        /// The neutral wrap (its run counts nothing): the node witness that makes it so.
        neutral: bool,
    },
}

impl JobKind {
    /// Whether the job aggregates other proofs.
    pub fn is_node(&self) -> bool {
        matches!(self, JobKind::Node { .. } | JobKind::PendingNode { .. })
    }

    /// Whether the job makes the final statement.
    pub fn finalizes(&self) -> bool {
        matches!(self, JobKind::Node { finalize: true, .. })
    }
}

/// What a plan needs to know of a state's pending-deposit queue: its length and the `k` of its
/// leaf circuit ([`crate::pending::queue_for_plan`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PendingQueue {
    /// Entries in the queue.
    pub len: u64,
    /// `k` of the pending-deposit leaf circuit.
    pub leaf_k: u32,
}

/// One proof of a report's DAG.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Job {
    /// `registry-{i}`, `balance-{j}`, `node-{n}`, `pending-{i}`, `pending-padding` or
    /// `pending-node-{n}`.
    pub id: String,
    /// What it proves.
    #[serde(flatten)]
    pub kind: JobKind,
    /// Its statement's tag (`regleaf4`, `bal16-4`, `sum`, `final`, ...).
    pub statement: String,
    /// `k` of its circuit.
    pub k: u32,
    /// The jobs whose proofs it aggregates, left to right.
    pub children: Vec<String>,
    /// 0 for leaves, one more than its highest child for a node: the proofs on the longest
    /// path below it, itself included, minus one.
    pub level: u32,
    /// Modelled peak memory of its proof (bytes): what a worker must have free.
    pub memory_bytes: u64,
    /// GPUs it asks for (1 when the plan is for the CUDA backend).
    pub gpus: u32,
}

/// The DAG of one report.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct JobPlan {
    /// Every job, children before parents; the last one is the final node (or a leaf when the
    /// plan stops at the leaves).
    pub jobs: Vec<Job>,
    /// Proofs on the longest dependency path: the latency of the report with unlimited
    /// workers, in proofs.
    pub depth: u32,
    /// Jobs per level (level 0: the leaves): how many workers each level can keep busy.
    pub width: Vec<usize>,
}

/// The final node's peak by `final_k`, GiB: 22 measured (19.5 GB); 23–25 modelled by
/// `benches/final_shapes.rs` (the layout's modelled peak plus 10 %: 26.4, 53.1 and 69.4 GB
/// modelled). Fewer columns make it grow less than twofold per k up to 25, where the node has
/// one advice column left.
const FINAL_NODE_GIB: [(u32, u64); 4] = [(22, 20), (23, 28), (24, 55), (25, 72)];

/// Modelled peak memory of an aggregation node at `k`: 15 GiB at the default `node_k` = 20
/// (13–15 GB measured), doubling per `k` above it; the final node as [`FINAL_NODE_GIB`] says,
/// doubling per `k` above 25. Below those k, the same cells in more columns: no less.
pub fn aggregation_memory(k: u32, finalize: bool) -> u64 {
    let (base_k, base) = if finalize {
        FINAL_NODE_GIB
            .iter()
            .rev()
            .find(|(fk, _)| *fk <= k)
            .copied()
            .unwrap_or(FINAL_NODE_GIB[0])
    } else {
        (20, 15u64)
    };
    (base << 30) << k.saturating_sub(base_k).min(16)
}

impl JobPlan {
    /// The job named `id`.
    pub fn job(&self, id: &str) -> Option<&Job> {
        self.jobs.iter().find(|j| j.id == id)
    }

    /// The statement of every job, by position (what a parent's node spec is made of).
    pub fn statements(&self, cfg: &LeafConfig) -> Result<Vec<Statement>, PipelineError> {
        statements_of(&self.jobs, cfg)
    }
}

fn statements_of(jobs: &[Job], cfg: &LeafConfig) -> Result<Vec<Statement>, PipelineError> {
    let (n_r, n_b) = (cfg.registry_size as u64, cfg.balance_size as u64);
    let n_p = cfg.pending.map_or(0, |p| p.size as u64);
    let mut out: Vec<Statement> = Vec::with_capacity(jobs.len());
    let mut by_id = std::collections::HashMap::with_capacity(jobs.len());
    for (i, j) in jobs.iter().enumerate() {
        let s = match j.kind {
            JobKind::RegistryLeaf { .. } => Statement::RegistryLeaf { n_r },
            JobKind::BalanceLeaf { .. } => Statement::BalanceLeaf { n_b, n_r },
            JobKind::PendingLeaf { .. } | JobKind::PendingPadding => {
                Statement::PendingLeaf { n: n_p }
            }
            JobKind::Node { .. } | JobKind::PendingNode { .. } => NodeSpec {
                children: j
                    .children
                    .iter()
                    .map(|c| by_id.get(c.as_str()).map(|&p: &usize| out[p]))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| {
                        PipelineError::BadSize(format!("job {}: unknown child", j.id))
                    })?,
                finalize: j.kind.finalizes(),
            }
            .output()?,
        };
        by_id.insert(j.id.as_str(), i);
        out.push(s);
    }
    Ok(out)
}

/// The node spec of job `i` of `plan` (its children's statements and whether it finalizes).
pub fn node_spec(plan: &JobPlan, cfg: &LeafConfig, i: usize) -> Result<NodeSpec, PipelineError> {
    let statements = plan.statements(cfg)?;
    let job = &plan.jobs[i];
    if !job.kind.is_node() {
        return Err(PipelineError::BadSize(format!("job {} is a leaf", job.id)));
    }
    let finalize = job.kind.finalizes();
    let children = job
        .children
        .iter()
        .map(|c| {
            plan.jobs
                .iter()
                .position(|j| &j.id == c)
                .map(|p| statements[p])
        })
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| PipelineError::BadSize(format!("job {}: unknown child", job.id)))?;
    Ok(NodeSpec { children, finalize })
}

/// One node job to add: what [`push_node`] needs.
struct NewNode {
    id: String,
    kind: JobKind,
    children: Vec<usize>,
    k: u32,
    gpus: u32,
}

/// Appends node `n` to `jobs` (its statement to `statements`) and returns its position.
fn push_node(
    jobs: &mut Vec<Job>,
    statements: &mut Vec<Statement>,
    n: NewNode,
) -> Result<usize, PipelineError> {
    let finalize = n.kind.finalizes();
    let spec = NodeSpec {
        children: n.children.iter().map(|&c| statements[c]).collect(),
        finalize,
    };
    let out = spec.output()?;
    jobs.push(Job {
        id: n.id,
        kind: n.kind,
        statement: out.tag(),
        k: n.k,
        level: 1 + n.children.iter().map(|&c| jobs[c].level).max().unwrap_or(0),
        children: n.children.iter().map(|&c| jobs[c].id.clone()).collect(),
        memory_bytes: aggregation_memory(n.k, finalize),
        gpus: n.gpus,
    });
    statements.push(out);
    Ok(jobs.len() - 1)
}

/// The jobs of a report over `registry_len` validators at `cfg`'s leaf sizes: every registry
/// range (those wholly beyond L under the last balance range included), every balance range,
/// with `cfg.pending` and a state with a queue (`pending`, Electra on) every pending-deposit
/// range, and, with `tree`, every node of [`crate::tree::plan`] up to the final one, the
/// queue's run tree (its padding leaf and neutral nodes included) proven before it and taken
/// by the final node. `gpus` per job (1 for the CUDA backend, else 0). A queue beyond the run
/// tree is [`PipelineError::PendingCapacity`].
pub fn plan_jobs(
    cfg: &LeafConfig,
    registry_len: u64,
    pending: Option<PendingQueue>,
    tree: Option<&TreeOptions>,
    gpus: u32,
) -> Result<JobPlan, PipelineError> {
    cfg.validate()?;
    // The queue's leaves and run tree, when the report carries them (none before Electra).
    let queue = match (cfg.pending, pending) {
        (Some(p), Some(q)) => {
            let leaves = q.len.div_ceil(p.size as u64).max(1);
            let shape =
                RunTreeShape::new(leaves, p.depth).ok_or(PipelineError::PendingCapacity {
                    queue_len: q.len,
                    size: p.size,
                    depth: p.depth,
                })?;
            Some((p, q, shape))
        }
        _ => None,
    };
    let (segments, ranges) = cfg.range_counts(registry_len)?;
    let m = (cfg.balance_size / cfg.registry_size) as u64;
    let nodes = match tree {
        // segments · (2m + 1) + segments − 1 (+ 1 final node taking the queue's run), checked
        // before anything is allocated.
        Some(_) => segments
            .checked_mul(m.saturating_mul(2).saturating_add(1))
            .and_then(|n| n.checked_add(segments - 1))
            .and_then(|n| n.checked_add(u64::from(queue.is_some()))),
        None => Some(0),
    };
    // The queue's leaves; with the tree, its padding leaf and every real and neutral node.
    let pending_jobs = match &queue {
        None => Some(0),
        Some((_, _, shape)) => {
            let leaves = shape.real[0];
            match tree {
                None => Some(leaves),
                Some(_) => leaves
                    .checked_add(shape.real_nodes())
                    .and_then(|n| n.checked_add(u64::from(shape.neutral)))
                    .and_then(|n| n.checked_add(u64::from(shape.neutral > 0))),
            }
        }
    };
    let total = nodes
        .and_then(|n| n.checked_add(ranges)?.checked_add(segments))
        .and_then(|n| n.checked_add(pending_jobs?));
    match total {
        Some(t) if t <= MAX_JOBS as u64 => {}
        _ => {
            return Err(PipelineError::BadSize(format!(
                "{registry_len} validators at ranges of {} and {}{} make more than {MAX_JOBS} \
                 jobs: choose larger ranges",
                cfg.registry_size,
                cfg.balance_size,
                match &queue {
                    Some((p, q, _)) => format!(" and a queue of {} at ranges of {}", q.len, p.size),
                    None => String::new(),
                }
            )))
        }
    }
    let (n_r, n_b) = (cfg.registry_size as u64, cfg.balance_size as u64);
    let leaf = |id: String, kind: JobKind, statement: Statement, k: u32| Job {
        id,
        kind,
        statement: statement.tag(),
        k,
        children: Vec::new(),
        level: 0,
        memory_bytes: estimated_proof_memory(k),
        gpus,
    };
    let mut jobs: Vec<Job> = (0..ranges)
        .map(|i| {
            leaf(
                format!("registry-{i}"),
                JobKind::RegistryLeaf {
                    range: i,
                    start: i * n_r,
                },
                Statement::RegistryLeaf { n_r },
                cfg.registry_k,
            )
        })
        .collect();
    jobs.extend((0..segments).map(|j| {
        leaf(
            format!("balance-{j}"),
            JobKind::BalanceLeaf {
                range: j,
                start: j * n_b,
            },
            Statement::BalanceLeaf { n_b, n_r },
            cfg.balance_k,
        )
    }));
    // The queue's leaves (and the padding leaf its tree's neutral wrap verifies).
    let pending_leaves = jobs.len();
    if let Some((p, q, shape)) = &queue {
        let n = p.size as u64;
        let statement = Statement::PendingLeaf { n };
        jobs.extend((0..shape.real[0]).map(|i| {
            leaf(
                format!("pending-{i}"),
                JobKind::PendingLeaf {
                    range: i,
                    start: i * n,
                },
                statement,
                q.leaf_k,
            )
        }));
        if tree.is_some() && shape.neutral > 0 {
            jobs.push(leaf(
                "pending-padding".into(),
                JobKind::PendingPadding,
                statement,
                q.leaf_k,
            ));
        }
    }
    if let Some(t) = tree {
        // The padding leaf is the last leaf, when there is one.
        let padding = matches!(jobs.last(), Some(j) if j.kind == JobKind::PendingPadding)
            .then(|| jobs.len() - 1);
        let mut statements = statements_of(&jobs, cfg)?;
        // The queue's run tree first, as the single-machine prover proves it: one fold makes
        // both.
        let run = match &queue {
            None => None,
            Some((_, _, shape)) => {
                let state = std::cell::RefCell::new((&mut jobs, &mut statements, 0usize));
                let node = |kind: JobKind, children: Vec<usize>| {
                    let mut st = state.borrow_mut();
                    let (jobs, statements, count) = &mut *st;
                    let id = format!("pending-node-{count}");
                    *count += 1;
                    let new = NewNode {
                        id,
                        kind,
                        children,
                        k: t.node_k,
                        gpus,
                    };
                    push_node(jobs, statements, new)
                };
                let wrap =
                    |leaf: usize, neutral: bool| node(JobKind::PendingNode { neutral }, vec![leaf]);
                let wraps = (0..shape.real[0] as usize)
                    .map(|i| wrap(pending_leaves + i, false))
                    .collect::<Result<Vec<_>, _>>()?;
                let top = fold_run_tree(
                    wraps,
                    shape,
                    || wrap(padding.expect("a padded tree has its padding leaf"), true),
                    |a, b| node(JobKind::PendingNode { neutral: false }, vec![a, b]),
                )?;
                Some(top)
            }
        };
        let first_node = jobs.len();
        for (n, p) in plan(segments as usize, m as usize, run.is_some())
            .into_iter()
            .enumerate()
        {
            let children: Vec<usize> = p
                .children
                .iter()
                .map(|c| match *c {
                    Child::RegistryLeaf(i) => i,
                    Child::BalanceLeaf(j) => ranges as usize + j,
                    // The report's nodes come after the leaves and the queue's run tree.
                    Child::Node(i) => first_node + i,
                    Child::PendingRun => run.expect("planned with the queue's run"),
                })
                .collect();
            let new = NewNode {
                id: format!("node-{n}"),
                kind: JobKind::Node {
                    node: n,
                    finalize: p.finalize,
                },
                children,
                k: if p.finalize { t.final_k } else { t.node_k },
                gpus,
            };
            push_node(&mut jobs, &mut statements, new)?;
        }
    }
    let depth = jobs.iter().map(|j| j.level).max().unwrap_or(0) + 1;
    let mut width = vec![0usize; depth as usize];
    for j in &jobs {
        width[j.level as usize] += 1;
    }
    Ok(JobPlan { jobs, depth, width })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(r: usize, b: usize) -> LeafConfig {
        LeafConfig::for_sizes(r, b).unwrap()
    }

    #[test]
    fn a_plan_has_every_leaf_and_node_once_children_first() {
        let t = TreeOptions::default();
        for (len, r, b) in [
            (1, 4, 16),
            (16, 4, 16),
            (17, 4, 16),
            (100, 4, 4),
            (64, 64, 64),
        ] {
            let c = cfg(r, b);
            let p = plan_jobs(&c, len, None, Some(&t), 0).unwrap();
            let (segments, ranges) = c.range_counts(len).unwrap();
            let m = b / r;
            let nodes = crate::tree::node_count(segments as usize, m, false);
            assert_eq!(p.jobs.len() as u64, ranges + segments + nodes as u64);
            let mut seen = std::collections::HashSet::new();
            let mut parents = std::collections::HashMap::new();
            for j in &p.jobs {
                for c in &j.children {
                    assert!(seen.contains(c.as_str()), "{} before {c}", j.id);
                    *parents.entry(c.clone()).or_insert(0) += 1;
                }
                assert!(seen.insert(j.id.as_str()), "ids are unique");
            }
            let last = p.jobs.last().unwrap();
            assert_eq!(last.statement, "final");
            assert_eq!(last.k, t.final_k);
            assert_eq!(last.memory_bytes, 20 << 30);
            assert!(p.jobs[..p.jobs.len() - 1]
                .iter()
                .all(|j| parents.get(&j.id) == Some(&1)));
            assert_eq!(p.depth, last.level + 1);
            assert_eq!(p.width.iter().sum::<usize>(), p.jobs.len());
            assert_eq!(p.width[0] as u64, ranges + segments);
            // Each node's statement is what its children combine into.
            let st = p.statements(&c).unwrap();
            for (i, j) in p.jobs.iter().enumerate() {
                assert_eq!(st[i].tag(), j.statement);
            }
        }
    }

    #[test]
    fn a_leaves_only_plan_is_one_level_and_jobs_ask_for_their_resources() {
        let p = plan_jobs(&cfg(4, 16), 24, None, None, 1).unwrap();
        assert_eq!(p.jobs.len(), 8 + 2);
        assert_eq!((p.depth, p.width.clone()), (1, vec![10]));
        assert!(p.jobs.iter().all(|j| j.gpus == 1 && j.children.is_empty()));
        assert_eq!(p.job("registry-7").unwrap().memory_bytes, 320 << 20);
        assert_eq!(
            p.job("balance-1").unwrap().kind,
            JobKind::BalanceLeaf {
                range: 1,
                start: 16
            }
        );
    }

    #[test]
    fn depth_grows_with_the_log_of_the_registry() {
        // 2^21 validators at 256 / 2048: 1,024 segments of 8 ranges.
        let p = plan_jobs(
            &cfg(256, 2048),
            1 << 21,
            None,
            Some(&TreeOptions::default()),
            0,
        )
        .unwrap();
        assert_eq!(p.width[0], 8192 + 1024);
        // leaf, wrap, 3 run joins, segment, 10 summary joins.
        assert_eq!(p.depth, 1 + 1 + 3 + 1 + 10);
    }

    #[test]
    fn a_plan_too_large_is_refused_before_it_is_built() {
        let e = plan_jobs(&cfg(1, 4), 1 << 40, None, Some(&TreeOptions::default()), 0).unwrap_err();
        assert!(e.to_string().contains("jobs: choose larger ranges"), "{e}");
    }

    fn pending_cfg(size: usize, depth: u32) -> LeafConfig {
        let mut c = cfg(4, 16);
        c.pending = Some(crate::options::PendingConfig::new(size, Some(depth)).unwrap());
        c
    }

    const QUEUE_K: u32 = 17;

    /// Every queue length of small run trees: each pending leaf is wrapped once, the run tree
    /// has the nodes its shape counts (the padding leaf and neutral nodes only when it is not
    /// full), its top goes to the final node beside the registry's summary, and every job's
    /// statement is what its children combine into.
    #[test]
    fn a_pending_plan_proves_the_queue_run_tree_before_the_final_node() {
        let t = TreeOptions::default();
        for depth in 0..=3u32 {
            for queue_len in 0..=(8u64 << depth) {
                let c = pending_cfg(8, depth);
                let q = PendingQueue {
                    len: queue_len,
                    leaf_k: QUEUE_K,
                };
                let p = plan_jobs(&c, 24, Some(q), Some(&t), 0).unwrap();
                let plain = plan_jobs(&c, 24, None, Some(&t), 0).unwrap();
                let leaves = queue_len.div_ceil(8).max(1);
                let shape = RunTreeShape::new(leaves, depth).unwrap();
                let of =
                    |f: &dyn Fn(&JobKind) -> bool| p.jobs.iter().filter(|j| f(&j.kind)).count();
                assert_eq!(
                    of(&|k| matches!(k, JobKind::PendingLeaf { .. })) as u64,
                    leaves
                );
                assert_eq!(
                    of(&|k| *k == JobKind::PendingPadding),
                    usize::from(shape.neutral > 0)
                );
                assert_eq!(
                    of(&|k| matches!(k, JobKind::PendingNode { neutral: true })),
                    usize::from(shape.neutral > 0)
                );
                assert_eq!(
                    of(&|k| matches!(k, JobKind::PendingNode { .. })) as u64,
                    shape.real_nodes() + u64::from(shape.neutral)
                );
                // The plain plan's jobs, one final node more.
                assert_eq!(
                    of(&|k| matches!(k, JobKind::Node { .. })),
                    plain.jobs.len() - 10 + 1
                );
                let mut seen = std::collections::HashSet::new();
                for j in &p.jobs {
                    assert!(j.children.iter().all(|c| seen.contains(c.as_str())));
                    assert!(seen.insert(j.id.as_str()));
                }
                let last = p.jobs.last().unwrap();
                assert_eq!(last.statement, "finalpend");
                let run = p.job(&last.children[1]).unwrap();
                assert_eq!(run.statement, "pendrun");
                assert!(matches!(run.kind, JobKind::PendingNode { neutral: false }));
                assert_eq!(run.level, 1 + depth, "the run tree's top");
                let st = p.statements(&c).unwrap();
                for (i, j) in p.jobs.iter().enumerate() {
                    assert_eq!(st[i].tag(), j.statement);
                    if j.kind.is_node() {
                        node_spec(&p, &c, i).unwrap();
                    }
                }
                let leaf = p.job("pending-0").unwrap();
                assert_eq!((leaf.k, leaf.level), (QUEUE_K, 0));
                assert_eq!(leaf.memory_bytes, estimated_proof_memory(QUEUE_K));
                assert_eq!(p.width.iter().sum::<usize>(), p.jobs.len());
            }
        }
    }

    #[test]
    fn a_pending_plan_without_a_queue_or_a_tree_and_a_queue_beyond_its_tree() {
        let c = pending_cfg(8, 1);
        let q = |len| {
            Some(PendingQueue {
                len,
                leaf_k: QUEUE_K,
            })
        };
        // Before Electra (no queue): the plain plan.
        let t = TreeOptions::default();
        assert_eq!(
            plan_jobs(&c, 24, None, Some(&t), 0).unwrap(),
            plan_jobs(&cfg(4, 16), 24, None, Some(&t), 0).unwrap()
        );
        // A queue without the pending configuration: not proven.
        assert_eq!(
            plan_jobs(&cfg(4, 16), 24, q(9), Some(&t), 0).unwrap(),
            plan_jobs(&cfg(4, 16), 24, None, Some(&t), 0).unwrap()
        );
        // Leaves only: the queue's leaves beside the others, no padding leaf.
        let p = plan_jobs(&c, 24, q(9), None, 0).unwrap();
        assert_eq!(p.jobs.len(), 10 + 2);
        assert_eq!(p.depth, 1);
        assert_eq!(
            p.job("pending-1").unwrap().kind,
            JobKind::PendingLeaf { range: 1, start: 8 }
        );
        // 17 entries need 3 leaves; a tree of one level holds 2.
        let e = plan_jobs(&c, 24, q(17), Some(&t), 0).unwrap_err();
        assert!(
            matches!(e, PipelineError::PendingCapacity { queue_len: 17, .. }),
            "{e}"
        );
    }

    #[test]
    fn node_memory_follows_the_measured_and_modelled_sizes() {
        assert_eq!(aggregation_memory(20, false), 15 << 30);
        assert_eq!(aggregation_memory(18, false), 15 << 30);
        assert_eq!(aggregation_memory(21, false), 30 << 30);
        assert_eq!(aggregation_memory(22, true), 20 << 30);
        assert_eq!(aggregation_memory(21, true), 20 << 30);
        assert_eq!(aggregation_memory(23, true), 28 << 30);
        assert_eq!(aggregation_memory(25, true), 72 << 30);
        assert_eq!(aggregation_memory(26, true), 144 << 30);
    }
}

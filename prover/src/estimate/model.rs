//! The formulas of the cost model: how many proofs of each kind a report needs, in today's
//! design and in the registry-delta design of issue #15, as expected values over random
//! churn and pool placement; and what each leaf circuit costs in SHA-256 compressions.
//!
//! Nothing here knows seconds: [`Plan`] counts proofs per [`Kind`] and lists the dependency
//! chains; [`super::estimate`] prices them with a [`super::profile::Profile`].

use serde::{Deserialize, Serialize};
use stakeproof_circuits::balance::BalanceParams;
use stakeproof_circuits::leaf_size::{sha_min_k, MIN_BALANCE_K};
use stakeproof_circuits::pending::aggregate::{
    run_tree_depth, RunTreeShape, RUN_TREE_LOG_CAPACITY,
};
use stakeproof_circuits::pending::PendingParams;
use stakeproof_circuits::registry::RegistryParams;

use super::profile::Sizes;

/// Largest registry size the model accepts: `VALIDATOR_REGISTRY_LIMIT`.
pub const MAX_VALIDATORS: u64 = 1 << 40;
/// Largest churn figure (each of exits, appended, balance changes).
pub const MAX_CHURN: u64 = 1 << 40;
/// Depth of the validators data tree (`VALIDATOR_REGISTRY_LIMIT = 2^40`).
pub const VALIDATORS_DEPTH: u32 = 40;
/// Largest pending-deposit queue a report proves: the run tree's capacity, 2^20 entries (the
/// queue's own limit, `PENDING_DEPOSITS_LIMIT`, is 2^27).
pub const MAX_PENDING: u64 = 1 << RUN_TREE_LOG_CAPACITY;
/// Depth of the queue's data tree (`PENDING_DEPOSITS_LIMIT = 2^27`).
pub const PENDING_DEPTH: u32 = 27;
/// Depth of the new design's slot tree `D` and accounts tree `A` (2^24 slots).
pub const SLOT_DEPTH: u32 = 24;

/// How the pool's validators sit in the registry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    /// Contiguous runs of `run_length` validators (deposits arrive in batches), each run's
    /// start uniformly random.
    Runs,
    /// Each validator a member independently, with probability `pool_share`.
    Spread,
}

/// What is estimated: the registry, the pool and the churn of one report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Inputs {
    /// Registry size `N` (validators, `L`).
    pub validators: u64,
    /// Fraction of the registry in the pool, in `[0, 1]`.
    pub pool_share: f64,
    /// Where the members sit.
    pub layout: Layout,
    /// Validators per run ([`Layout::Runs`]).
    pub run_length: u64,
    /// Exits per report, at uniformly random indices.
    pub exits: u64,
    /// Validators appended per report (at the end of the registry).
    pub appended: u64,
    /// Effective-balance changes per report, at uniformly random indices.
    pub balance_changes: u64,
    /// Entries in the state's `pending_deposits` queue at the report, when the report proves
    /// the pool's pending deposits (the planned proof of `docs/ARCHITECTURE.md` §10; `None`:
    /// the proofs of today's prover, which does not aggregate them yet). Every entry is read
    /// in every report: the queue's indices shift as it is processed, so no pending proof is
    /// reused.
    pub pending_deposits: Option<u64>,
}

impl Default for Inputs {
    /// The mainnet model: 2^21 validators, a 30% pool in runs of 100, 1,800 exits,
    /// 1,800 appended and 1,400 effective-balance changes per report.
    fn default() -> Self {
        Inputs {
            validators: 1 << 21,
            pool_share: 0.30,
            layout: Layout::Runs,
            run_length: 100,
            exits: 1800,
            appended: 1800,
            balance_changes: 1400,
            pending_deposits: None,
        }
    }
}

/// Inputs the model refuses.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum InputError {
    /// `N` outside `[1, 2^40]`.
    #[error("registry size {0} is not from 1 to 2^40 (VALIDATOR_REGISTRY_LIMIT)")]
    Validators(u64),
    /// A pool share outside `[0, 1]` (or not a number).
    #[error("pool share {0} is not from 0 to 1")]
    PoolShare(f64),
    /// A run length of 0 or longer than the registry.
    #[error("run length {run} is not from 1 to the registry size {validators}")]
    RunLength {
        /// The run length.
        run: u64,
        /// `N`.
        validators: u64,
    },
    /// A churn figure above [`MAX_CHURN`].
    #[error("{what} {value} is above 2^40")]
    Churn {
        /// Which figure.
        what: &'static str,
        /// Its value.
        value: u64,
    },
    /// More validators appended than the registry holds.
    #[error("{appended} appended validators is more than the registry size {validators}")]
    Appended {
        /// Appended per report.
        appended: u64,
        /// `N`.
        validators: u64,
    },
    /// A queue longer than the pending run tree holds.
    #[error(
        "{0} pending deposits is above the pending run tree's capacity of 2^20 entries (the queue's own limit is 2^27)"
    )]
    PendingDeposits(u64),
    /// An intermediate count that does not fit in 64 bits.
    #[error("{0} overflows")]
    Overflow(&'static str),
}

impl Inputs {
    /// Checks every bound the model relies on.
    pub fn validate(&self) -> Result<(), InputError> {
        if self.validators == 0 || self.validators > MAX_VALIDATORS {
            return Err(InputError::Validators(self.validators));
        }
        if !(0.0..=1.0).contains(&self.pool_share) {
            return Err(InputError::PoolShare(self.pool_share));
        }
        if self.run_length == 0 || self.run_length > self.validators {
            return Err(InputError::RunLength {
                run: self.run_length,
                validators: self.validators,
            });
        }
        for (what, value) in [
            ("exits", self.exits),
            ("appended", self.appended),
            ("balance changes", self.balance_changes),
        ] {
            if value > MAX_CHURN {
                return Err(InputError::Churn { what, value });
            }
        }
        if let Some(q) = self.pending_deposits.filter(|&q| q > MAX_PENDING) {
            return Err(InputError::PendingDeposits(q));
        }
        if self.appended > self.validators {
            return Err(InputError::Appended {
                appended: self.appended,
                validators: self.validators,
            });
        }
        Ok(())
    }

    /// Scattered changes per report: exits plus effective-balance changes.
    pub fn scattered(&self) -> Result<u64, InputError> {
        self.exits
            .checked_add(self.balance_changes)
            .ok_or(InputError::Overflow("exits + balance changes"))
    }

    /// Depth of the new design's slot trees: 24, or `⌈log2 N⌉` above 2^24 validators (the
    /// design fixes 24; the model extends it so that any accepted `N` has a figure).
    pub fn slot_depth(&self) -> u32 {
        ceil_log2(self.validators).max(SLOT_DEPTH)
    }

    /// Probability that the validator interval `[start, start + len)` holds at least one
    /// pool member (edge effects at index 0 and `N` ignored).
    pub fn hit(&self, start: u64, len: u64) -> f64 {
        let n = self.validators;
        if start >= n || len == 0 || self.pool_share <= 0.0 {
            return 0.0;
        }
        let inside = len.min(n - start) as f64;
        match self.layout {
            Layout::Spread => 1.0 - miss(self.pool_share, inside),
            Layout::Runs => {
                let r = self.run_length as f64;
                let starts = (n - self.run_length + 1) as f64;
                let runs = self.pool_share * n as f64 / r;
                let q = ((inside + r - 1.0) / starts).min(1.0);
                1.0 - miss(q, runs)
            }
        }
    }
}

/// `(1 − p)^times`, with `times = 0 → 1` and `p ≥ 1 → 0` (times > 0).
pub fn miss(p: f64, times: f64) -> f64 {
    if times <= 0.0 || p <= 0.0 {
        1.0
    } else if p >= 1.0 {
        0.0
    } else {
        (times * (-p).ln_1p()).exp()
    }
}

/// `⌈log2 n⌉` (0 for n ≤ 1).
pub fn ceil_log2(n: u64) -> u32 {
    if n <= 1 {
        0
    } else {
        64 - (n - 1).leading_zeros()
    }
}

/// One kind of proof, as the profile prices it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Today: a registry leaf of `n_r` validators.
    RegistryLeaf,
    /// Today: its wrap.
    RegistryWrap,
    /// Today: a run join of two registry runs.
    RunPair,
    /// Today: a balance leaf of `n_b` balances.
    BalanceLeaf,
    /// Today: its wrap.
    BalanceWrap,
    /// Today: the segment node (run + balance wrap → summary).
    SegmentJoin,
    /// Today: a summary join.
    SummaryPair,
    /// Today: the final node (the last summary join, or the only segment, at `final_k`).
    Final,
    /// New: a delta leaf of `K` single-validator updates.
    DeltaLeaf,
    /// New: an `append` leaf, one fresh range of `n_r` slots.
    AppendLeaf,
    /// New: the boundary range, a general update of `n_r` slots (old and new containers).
    BoundaryLeaf,
    /// New: the wrap of a delta, append or boundary leaf.
    DeltaWrap,
    /// New: a join of two chain segments (`S_new` of the first = `S_old` of the second).
    DeltaJoin,
    /// New: a pool-balance leaf of `n_b` balances (only ranges holding a member).
    PoolBalanceLeaf,
    /// New: its wrap.
    PoolBalanceWrap,
    /// New: a node of the fixed-depth balance tree.
    BalanceJoin,
    /// New: the final node (chain + balance tree).
    FinalNew,
    /// Both: a pending-deposit leaf of `n_p` queue entries (planned aggregation, §10).
    PendingLeaf,
    /// Both: its wrap.
    PendingWrap,
    /// Both: a join of two pending runs, or of the balance side and the whole queue's run.
    PendingPair,
}

impl Kind {
    /// Every kind, today's first.
    pub const ALL: [Kind; 20] = [
        Kind::RegistryLeaf,
        Kind::RegistryWrap,
        Kind::RunPair,
        Kind::BalanceLeaf,
        Kind::BalanceWrap,
        Kind::SegmentJoin,
        Kind::SummaryPair,
        Kind::Final,
        Kind::DeltaLeaf,
        Kind::AppendLeaf,
        Kind::BoundaryLeaf,
        Kind::DeltaWrap,
        Kind::DeltaJoin,
        Kind::PoolBalanceLeaf,
        Kind::PoolBalanceWrap,
        Kind::BalanceJoin,
        Kind::FinalNew,
        Kind::PendingLeaf,
        Kind::PendingWrap,
        Kind::PendingPair,
    ];

    /// The JSON key (`registry_leaf`, …).
    pub fn key(self) -> &'static str {
        match self {
            Kind::RegistryLeaf => "registry_leaf",
            Kind::RegistryWrap => "registry_wrap",
            Kind::RunPair => "run_pair",
            Kind::BalanceLeaf => "balance_leaf",
            Kind::BalanceWrap => "balance_wrap",
            Kind::SegmentJoin => "segment_join",
            Kind::SummaryPair => "summary_pair",
            Kind::Final => "final",
            Kind::DeltaLeaf => "delta_leaf",
            Kind::AppendLeaf => "append_leaf",
            Kind::BoundaryLeaf => "boundary_leaf",
            Kind::DeltaWrap => "delta_wrap",
            Kind::DeltaJoin => "delta_join",
            Kind::PoolBalanceLeaf => "pool_balance_leaf",
            Kind::PoolBalanceWrap => "pool_balance_wrap",
            Kind::BalanceJoin => "balance_join",
            Kind::FinalNew => "final_new",
            Kind::PendingLeaf => "pending_leaf",
            Kind::PendingWrap => "pending_wrap",
            Kind::PendingPair => "pending_pair",
        }
    }

    /// Whether it is a leaf circuit (SHA-256 inside); nodes hash nothing.
    pub fn is_leaf(self) -> bool {
        matches!(
            self,
            Kind::RegistryLeaf
                | Kind::BalanceLeaf
                | Kind::DeltaLeaf
                | Kind::AppendLeaf
                | Kind::BoundaryLeaf
                | Kind::PoolBalanceLeaf
                | Kind::PendingLeaf
        )
    }

    /// The circuit's name at these sizes (leaves as their pinnings name them).
    pub fn circuit(self, s: &Sizes) -> String {
        match self {
            Kind::RegistryLeaf => format!("registry-{}", s.registry_size),
            Kind::BalanceLeaf => format!(
                "balance-{}-{}-d{}",
                s.balance_size, s.registry_size, s.state_depth
            ),
            Kind::DeltaLeaf => format!("delta-1x{}", s.delta_updates),
            Kind::AppendLeaf => format!("append-{}x1", s.registry_size),
            Kind::BoundaryLeaf => format!("delta-{}x1", s.registry_size),
            Kind::PoolBalanceLeaf => {
                format!("pool-balance-{}-d{}", s.pool_balance_size, s.state_depth)
            }
            Kind::PendingLeaf => PendingParams::name_of(s.pending_size as usize, 6, 0),
            k => k.key().replace('_', " "),
        }
    }
}

/// SHA-256 compressions of one proof of `kind` (0 for nodes), with `slot_depth` levels in the
/// new design's slot tree (24 unless `N > 2^24`). Every hash is of one 64-byte node: two
/// compressions.
pub fn compressions(kind: Kind, s: &Sizes, slot_depth: u32) -> u64 {
    let log_r = s.registry_size.trailing_zeros();
    let levels = u64::from(slot_depth.saturating_sub(log_r));
    // One range of n_r containers: 8 hashes each and n_r − 1 subtree nodes.
    let range = 9 * s.registry_size - 1;
    match kind {
        Kind::RegistryLeaf => RegistryParams { log_n: log_r, k: 0 }.compressions() as u64,
        Kind::BalanceLeaf => BalanceParams {
            log_n: s.balance_size.trailing_zeros(),
            log_registry: log_r,
            state_depth: s.state_depth,
            slots_per_epoch: 32,
            k: 0,
        }
        .compressions() as u64,
        // Per update (n = 1): old and new container, 8 hashes each, and both lifted along
        // the same `slot_depth` siblings: 2·(16 + 2·24) = 128.
        Kind::DeltaLeaf => s.delta_updates * 2 * (2 * 8 + 2 * u64::from(slot_depth)),
        // A fresh range: the new containers and subtree, both roots (the constant empty one
        // and the new one) lifted along the same siblings.
        Kind::AppendLeaf => 2 * (range + 2 * levels),
        // Old and new containers: twice the hashing of a fresh range.
        Kind::BoundaryLeaf => 2 * (2 * range + 2 * levels),
        // Balance subtree, the balances lift (40 − log2 n_b) and length mix-in, D lifted by
        // the constant zero hashes (40 − slot depth) and mixed with L, both fields opened in
        // the state, the header (4 nodes, as today's balance leaf hashes it).
        Kind::PoolBalanceLeaf => {
            let log_b = u64::from(s.pool_balance_size.trailing_zeros());
            2 * (s.pool_balance_size / 4 - 1
                + (u64::from(VALIDATORS_DEPTH) - log_b)
                + 1
                + u64::from(VALIDATORS_DEPTH.saturating_sub(slot_depth))
                + 1
                + 2 * u64::from(s.state_depth)
                + 4)
        }
        // 22 per entry (pubkey 1 hash, signature 3, container 7), the range's subtree, the
        // lift to the queue's data root, the length, the field and the header.
        Kind::PendingLeaf => PendingParams {
            log_n: s.pending_size.trailing_zeros(),
            list_depth: PENDING_DEPTH,
            state_depth: 6,
            set_depth: 0,
        }
        .compressions() as u64,
        _ => 0,
    }
}

/// Expected proofs per kind, and a dependency chain of (kind, proofs in sequence).
type Part = (Vec<(Kind, f64)>, Vec<(Kind, u64)>);

/// The pending-deposit proofs of a report over a queue of `q` entries (none before Electra,
/// or without `q`): `max(1, ⌈q/n_p⌉)` leaves (an empty queue is proven empty), their wraps and
/// the joins of the fixed-depth run tree (`20 − log2 n_p` levels, padded with neutral runs:
/// `pending::aggregate`). Its neutral nodes and their padding leaf are the same proofs for
/// every report of the pool, so only the `cold` report proves them. Returns the counts and the
/// chain from a leaf to the queue's run; each design adds the node that joins that run with
/// its balance side.
fn pending_part(i: &Inputs, s: &Sizes, cold: bool) -> Option<Part> {
    let q = i.pending_deposits?;
    if s.state_depth < 6 {
        return None;
    }
    let leaves = q.div_ceil(s.pending_size).max(1);
    let depth = run_tree_depth(s.pending_size);
    // `validate` keeps q within the capacity, and a profile's leaf size is at most 2^20.
    let shape = RunTreeShape::new(leaves, depth).expect("the queue fits the run tree");
    let real_joins = (shape.real_nodes() - leaves) as f64;
    let (pad_leaf, pad_wrap, pad_joins) = match (cold, shape.neutral) {
        (true, n) if n > 0 => (1.0, 1.0, f64::from(n - 1)),
        _ => (0.0, 0.0, 0.0),
    };
    Some((
        vec![
            (Kind::PendingLeaf, leaves as f64 + pad_leaf),
            (Kind::PendingWrap, leaves as f64 + pad_wrap),
            (Kind::PendingPair, real_joins + pad_joins),
        ],
        vec![
            (Kind::PendingLeaf, 1),
            (Kind::PendingWrap, 1),
            (Kind::PendingPair, u64::from(depth)),
        ],
    ))
}

/// `k` of a leaf circuit: the smallest that holds its SHA-256 rows (balance kinds at least
/// [`MIN_BALANCE_K`]); `None` for nodes.
pub fn leaf_k(kind: Kind, s: &Sizes, slot_depth: u32) -> Option<u32> {
    if !kind.is_leaf() {
        return None;
    }
    let k = sha_min_k(compressions(kind, s, slot_depth) as usize);
    Some(match kind {
        Kind::BalanceLeaf | Kind::PoolBalanceLeaf => k.max(MIN_BALANCE_K),
        _ => k,
    })
}

/// One level of an aggregation tree over consecutive children, each node taking up to
/// `arity` of them, left to right; a lone leftover moves up a level unchanged (today's plan).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Level {
    /// Nodes that cover `width` leaf units each, starting at unit 0.
    pub full: u64,
    /// Units under each of those nodes.
    pub width: u64,
    /// A last node over fewer units (the leftovers), starting at unit `full·width`.
    pub tail: Option<u64>,
}

impl Level {
    /// Nodes at this level.
    pub fn nodes(&self) -> u64 {
        self.full + u64::from(self.tail.is_some())
    }
}

/// The levels of the tree over `units` children of arity `arity` (≥ 2), bottom up; the root
/// is the only node of the last level (no level for a single child).
pub fn tree_levels(units: u64, arity: u64) -> Vec<Level> {
    let arity = arity.max(2);
    let (mut full, mut width, mut tail) = (units, 1u64, 0u64);
    let mut levels = Vec::new();
    while full + u64::from(tail > 0) > 1 {
        let groups = full / arity;
        let rest = full % arity;
        let tail_children = rest + u64::from(tail > 0);
        let tail_units = rest * width + tail;
        let next = width.saturating_mul(arity);
        levels.push(Level {
            full: groups,
            width: next,
            tail: (tail_children >= 2).then_some(tail_units),
        });
        full = groups;
        width = next;
        tail = if tail_children >= 1 { tail_units } else { 0 };
    }
    levels
}

/// Nodes of the tree over `units` children.
pub fn tree_nodes(units: u64, arity: u64) -> u64 {
    tree_levels(units, arity).iter().map(Level::nodes).sum()
}

/// The proofs of one report in one design: expected counts per kind, and the dependency
/// chains: the report's latency with unlimited workers is the slowest of `branches`, each a
/// list of (kind, how many in sequence), followed by `then`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Plan {
    /// Expected proofs of each kind (kinds with none are left out).
    pub counts: Vec<(Kind, f64)>,
    /// Alternative chains that run in parallel (the slowest decides).
    pub branches: Vec<Vec<(Kind, u64)>>,
    /// What follows them, in sequence.
    pub then: Vec<(Kind, u64)>,
}

impl Plan {
    fn count(&mut self, kind: Kind, n: f64) {
        if n > 0.0 {
            self.counts.push((kind, n));
        }
    }

    /// Expected proofs in all.
    pub fn proofs(&self) -> f64 {
        self.counts.iter().map(|(_, n)| n).sum()
    }

    /// The expected count of `kind` (0 if none).
    pub fn of(&self, kind: Kind) -> f64 {
        self.counts
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, n)| n)
            .sum()
    }
}

/// Cold and later report of one design.
#[derive(Clone, Debug, PartialEq)]
pub struct Reports {
    /// Everything proven from nothing.
    pub cold: Plan,
    /// A report after the previous one, with its proofs (today) or its statement (new)
    /// cached.
    pub later: Plan,
}

/// Registry ranges, segments and ranges per segment of today's plan, checked.
struct TodayShape {
    segments: u64,
    per_segment: u64,
    ranges: u64,
    used_ranges: u64,
}

fn today_shape(i: &Inputs, s: &Sizes) -> Result<TodayShape, InputError> {
    let segments = i.validators.div_ceil(s.balance_size);
    let per_segment = s.balance_size / s.registry_size;
    let ranges = segments
        .checked_mul(per_segment)
        .ok_or(InputError::Overflow("registry ranges"))?;
    Ok(TodayShape {
        segments,
        per_segment,
        ranges,
        used_ranges: i.validators.div_ceil(s.registry_size),
    })
}

/// Today's design (`docs/ARCHITECTURE.md` §4). Cold: every range and segment. Later: the
/// registry ranges touched by a change re-prove leaf and wrap, the run nodes with a touched
/// range below re-prove, every segment re-proves its balance leaf, wrap and segment node,
/// and every summary join re-proves (the block root changed).
pub fn today(i: &Inputs, s: &Sizes) -> Result<Reports, InputError> {
    i.validate()?;
    let sh = today_shape(i, s)?;
    let arity = s.node_arity;
    let run_levels = tree_levels(sh.per_segment, arity);
    let summary_levels = tree_levels(sh.segments, arity);
    let seg = sh.segments as f64;
    let plan = |reg_leaves: f64, run_pairs: f64, registry_changed: bool, cold: bool| {
        let pending = pending_part(i, s, cold);
        let mut p = Plan::default();
        p.count(Kind::RegistryLeaf, reg_leaves);
        p.count(Kind::RegistryWrap, reg_leaves);
        p.count(Kind::RunPair, run_pairs);
        p.count(Kind::BalanceLeaf, seg);
        p.count(Kind::BalanceWrap, seg);
        let summary = tree_nodes(sh.segments, arity) as f64;
        if sh.segments == 1 {
            // The only segment node is the final one.
            p.count(Kind::Final, 1.0);
        } else {
            p.count(Kind::SegmentJoin, seg);
            p.count(Kind::SummaryPair, summary - 1.0);
            p.count(Kind::Final, 1.0);
        }
        // From the segments up to the last summary: after the registry and balance
        // branches; the pending branch joins only at the end.
        let mut up = Vec::new();
        if sh.segments > 1 {
            up.push((Kind::SegmentJoin, 1));
            up.push((Kind::SummaryPair, summary_levels.len() as u64 - 1));
        }
        if let Some((counts, chain)) = &pending {
            // The whole registry's summary is a node of its own, and the last join takes
            // it and the queue's run (the final node at `final_k`).
            if sh.segments == 1 {
                p.count(Kind::SegmentJoin, 1.0);
                up.push((Kind::SegmentJoin, 1));
            } else {
                p.count(Kind::SummaryPair, 1.0);
                if let Some(last) = up.last_mut() {
                    last.1 += 1;
                }
            }
            // The final node itself joins the queue's run with that summary.
            for &(k, n) in counts {
                p.count(k, n);
            }
            p.branches.push(chain.clone());
        }
        if registry_changed {
            let mut b = vec![
                (Kind::RegistryLeaf, 1),
                (Kind::RegistryWrap, 1),
                (Kind::RunPair, run_levels.len() as u64),
            ];
            b.extend(&up);
            p.branches.push(b);
        }
        let mut b = vec![(Kind::BalanceLeaf, 1), (Kind::BalanceWrap, 1)];
        b.extend(&up);
        p.branches.push(b);
        p.then.push((Kind::Final, 1));
        p
    };

    let run_nodes = tree_nodes(sh.per_segment, arity) as f64 * seg;
    let cold = plan(sh.ranges as f64, run_nodes, true, true);

    // Later: a block of w ranges is untouched by s scattered changes with probability
    // (1 − w/R)^s; the appended validators fill the last A = ⌈a/n_r⌉ + 1 ranges (the boundary
    // range and fresh ones), touching (A − 1)/w + 1 blocks of w ranges on average.
    let scattered = i.scattered()? as f64;
    let used = sh.used_ranges as f64;
    let appended_ranges = if i.appended == 0 {
        0.0
    } else {
        (i.appended.div_ceil(s.registry_size) + 1).min(sh.used_ranges) as f64
    };
    let scattered_hit = |width: f64| 1.0 - miss((width / used).min(1.0), scattered);
    let touched = |width: f64, nodes: f64| {
        let app = if appended_ranges > 0.0 {
            ((appended_ranges - 1.0) / width + 1.0).min(nodes)
        } else {
            0.0
        };
        app + (nodes - app) * scattered_hit(width)
    };
    let reg_leaves = touched(1.0, sh.ranges as f64);
    let run_pairs: f64 = run_levels
        .iter()
        .map(|l| {
            let full = touched(l.width as f64, l.full as f64 * seg);
            let tail = l.tail.map_or(0.0, |t| seg * scattered_hit(t as f64));
            full + tail
        })
        .sum();
    let changed = scattered > 0.0 || i.appended > 0;
    let later = plan(reg_leaves, run_pairs, changed, false);
    Ok(Reports { cold, later })
}

/// Expected nodes with at least one member below, over a tree of `slots` units of
/// `unit_len` validators each (unit `j` covers `[j·unit_len, (j+1)·unit_len)`), level by
/// level; element 0 is the leaves themselves.
fn hit_levels(i: &Inputs, slots: u64, unit_len: u64, arity: u64) -> Vec<f64> {
    let n = i.validators;
    let level_hits = |full: u64, width: u64, tail: Option<u64>| {
        let span = width.saturating_mul(unit_len);
        let inside = (n / span).min(full);
        let mut e = inside as f64 * i.hit(0, span);
        if inside < full && n % span > 0 {
            e += i.hit(inside * span, span);
        }
        if let Some(t) = tail {
            e += i.hit(full.saturating_mul(span), t.saturating_mul(unit_len));
        }
        e
    };
    let mut out = vec![level_hits(slots, 1, None)];
    out.extend(
        tree_levels(slots, arity)
            .iter()
            .map(|l| level_hits(l.full, l.width, l.tail)),
    );
    out
}

/// The new design (issue #15, registry deltas). Later: `⌈s/K⌉` delta leaves of single
/// updates, `⌈a/n_r⌉` append leaves and one boundary leaf, each wrapped, joined in a tree;
/// pool-balance leaves for the balance ranges holding a member, wrapped, and the nodes of the
/// fixed-depth tree over the `2^24/n_b` range slots with a leaf below; one final node. Cold:
/// the chain from the empty registry, `⌈N/n_r⌉` append leaves, and the same balance side.
pub fn new_design(i: &Inputs, s: &Sizes) -> Result<Reports, InputError> {
    i.validate()?;
    let arity = s.node_arity;
    let slot_depth = i.slot_depth();
    let slots = 1u64 << (slot_depth - s.pool_balance_size.trailing_zeros());
    let hits = hit_levels(i, slots, s.pool_balance_size, arity);
    let balance_levels = tree_levels(slots, arity).len() as u64;
    let pool_leaves = hits[0];
    let balance_joins: f64 = hits[1..].iter().sum();
    let plan = |chain_leaves: &[(Kind, u64)], cold: bool| {
        let pending = pending_part(i, s, cold);
        let mut p = Plan::default();
        let total: u64 = chain_leaves.iter().map(|(_, n)| n).sum();
        let levels = tree_levels(total, arity).len() as u64;
        for &(kind, n) in chain_leaves {
            p.count(kind, n as f64);
            if n > 0 {
                p.branches.push(vec![
                    (kind, 1),
                    (Kind::DeltaWrap, 1),
                    (Kind::DeltaJoin, levels),
                ]);
            }
        }
        p.count(Kind::DeltaWrap, total as f64);
        p.count(Kind::DeltaJoin, tree_nodes(total, arity) as f64);
        p.count(Kind::PoolBalanceLeaf, pool_leaves);
        p.count(Kind::PoolBalanceWrap, pool_leaves);
        p.count(Kind::BalanceJoin, balance_joins);
        p.count(Kind::FinalNew, 1.0);
        // The balance tree's root, joined with the queue's run when pending deposits are
        // proven.
        let mut tail = Vec::new();
        if let Some((counts, chain)) = &pending {
            for &(k, n) in counts {
                p.count(k, n);
            }
            // One more join: the balance tree's root with the queue's run.
            p.count(Kind::PendingPair, 1.0);
            let mut c = chain.clone();
            c.push((Kind::PendingPair, 1));
            p.branches.push(c);
            tail.push((Kind::PendingPair, 1));
        }
        if pool_leaves > 0.0 {
            let mut b = vec![
                (Kind::PoolBalanceLeaf, 1),
                (Kind::PoolBalanceWrap, 1),
                (Kind::BalanceJoin, balance_levels),
            ];
            b.extend(&tail);
            p.branches.push(b);
        }
        p.then.push((Kind::FinalNew, 1));
        p
    };

    let cold = plan(
        &[(Kind::AppendLeaf, i.validators.div_ceil(s.registry_size))],
        true,
    );
    let scattered = i.scattered()?;
    let later = plan(
        &[
            (Kind::DeltaLeaf, scattered.div_ceil(s.delta_updates)),
            (Kind::AppendLeaf, i.appended.div_ceil(s.registry_size)),
            (Kind::BoundaryLeaf, u64::from(i.appended > 0)),
        ],
        false,
    );
    Ok(Reports { cold, later })
}

#[cfg(test)]
#[path = "model_tests.rs"]
mod tests;

//! The shape of one report's chain proof: its leaves (delta, append, pool-balance) and its
//! nodes in proving order, three fixed-depth trees padded with neutral proofs, then the chain
//! node and the final node. One [`plan`] for the prover ([`super::prove_chain`]) and the native
//! twin ([`super::native_chain`]).

use super::ChainError;
use crate::PipelineError;
use stakeproof_beacon::beacon::{BeaconState, StateTree, Validator};
use stakeproof_beacon::hash::Node;
use stakeproof_beacon::hexfmt;
use stakeproof_beacon::report::Pool;
use stakeproof_circuits::accounts::ACCOUNTS_DEPTH;
use stakeproof_circuits::aggregation::layout::{NodeSpec, Statement};
use stakeproof_circuits::chain::ChainState;
use stakeproof_circuits::delta::native::SLOTS;
use stakeproof_circuits::delta::{DeltaError, DeltaParams, DeltaWitness, Registry, UpdateSpec};
use stakeproof_circuits::gadgets::node_limbs;
use stakeproof_circuits::pool::PoolSpec;
use stakeproof_circuits::pool_balance::witness::{state_accounts_tree, state_d};
use stakeproof_circuits::pool_balance::{member_ranges, PoolBalanceParams, PoolBalanceWitness};
use stakeproof_circuits::Fr;

/// Most updates one delta leaf may hold (a bound on the parser, far above useful values).
pub const MAX_DELTA_UPDATES: usize = 1 << 12;

/// Sizes of the chain design: the leaves and the three trees' depths.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ChainSizes {
    /// `K`: single-slot (`n = 1`) updates per delta leaf.
    pub delta_updates: usize,
    /// `n_r`: slots of the range of an append leaf (a power of two below 2^24).
    pub append_n: usize,
    /// `n_b`: balances per pool-balance leaf (a power of two in `[4, 2^24]`).
    pub pool_balance_n: usize,
    /// Join levels of the delta tree (it holds `2^delta_depth` delta leaves).
    pub delta_depth: u32,
    /// Join levels of the append tree (`2^append_depth` append leaves).
    pub append_depth: u32,
    /// Join levels of the pool-sum tree (`2^sum_depth` pool-balance leaves).
    pub sum_depth: u32,
}

impl ChainSizes {
    /// The production shape: the append and sum trees cover all 2^24 slots
    /// (`24 − log2 n_r`, `24 − log2 n_b` levels), the delta tree `delta_depth` levels.
    pub fn production(
        delta_updates: usize,
        append_n: usize,
        pool_balance_n: usize,
        delta_depth: u32,
    ) -> Result<Self, ChainError> {
        let log = |n: usize| n.is_power_of_two().then(|| n.trailing_zeros());
        let bad = || {
            ChainError::Sizes(format!(
                "append {append_n}, pool balance {pool_balance_n}: powers of two"
            ))
        };
        let s = ChainSizes {
            delta_updates,
            append_n,
            pool_balance_n,
            delta_depth,
            append_depth: (ACCOUNTS_DEPTH as u32).saturating_sub(log(append_n).ok_or_else(bad)?),
            sum_depth: (ACCOUNTS_DEPTH as u32).saturating_sub(log(pool_balance_n).ok_or_else(bad)?),
        };
        s.validate()?;
        Ok(s)
    }

    /// Refuses sizes no circuit or tree is made for.
    pub fn validate(&self) -> Result<(), ChainError> {
        let err = |s: String| Err(ChainError::Sizes(s));
        if !(1..=MAX_DELTA_UPDATES).contains(&self.delta_updates) {
            return err(format!(
                "{} updates per delta leaf: 1..={MAX_DELTA_UPDATES}",
                self.delta_updates
            ));
        }
        if !self.append_n.is_power_of_two() || self.append_n >= 1 << ACCOUNTS_DEPTH {
            return err(format!(
                "append range {}: a power of two below 2^24",
                self.append_n
            ));
        }
        let nb = self.pool_balance_n;
        if !nb.is_power_of_two() || !(4..=1 << ACCOUNTS_DEPTH).contains(&nb) {
            return err(format!(
                "pool-balance range {nb}: a power of two in [4, 2^24]"
            ));
        }
        for (what, d) in [
            ("delta", self.delta_depth),
            ("append", self.append_depth),
            ("sum", self.sum_depth),
        ] {
            if d > ACCOUNTS_DEPTH as u32 {
                return err(format!("{what} depth {d}: at most {ACCOUNTS_DEPTH}"));
            }
        }
        Ok(())
    }

    /// The sizes in words, for errors.
    pub fn describe(&self) -> String {
        format!(
            "K = {} updates per delta leaf, append ranges of {}, pool-balance ranges of {}, \
             depths delta {} / append {} / sum {}",
            self.delta_updates,
            self.append_n,
            self.pool_balance_n,
            self.delta_depth,
            self.append_depth,
            self.sum_depth
        )
    }

    /// The delta leaf's circuit: `K` single-slot updates.
    pub fn delta_params(&self) -> Result<DeltaParams, DeltaError> {
        DeltaParams::new(0, self.delta_updates, false)
    }

    /// The append leaf's circuit: one fresh range of `n_r`.
    pub fn append_params(&self) -> Result<DeltaParams, DeltaError> {
        DeltaParams::new(self.append_n.trailing_zeros(), 1, true)
    }

    /// The statement of a leaf of `role`'s tree.
    pub fn leaf_statement(&self, role: Role) -> Option<Statement> {
        match role {
            Role::Delta => Some(Statement::DeltaLeaf {
                n: 1,
                updates: self.delta_updates as u64,
                fresh: false,
            }),
            Role::Append => Some(Statement::DeltaLeaf {
                n: self.append_n as u64,
                updates: 1,
                fresh: true,
            }),
            Role::Sum => Some(Statement::PoolBalanceLeaf {
                n_b: self.pool_balance_n as u64,
            }),
            Role::Chain | Role::Final => None,
        }
    }
}

/// Which part of the proof a node belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The delta tree (changed validators, slots appended in a partly filled range).
    Delta,
    /// The append tree (fresh ranges wholly past the old length).
    Append,
    /// The pool-sum tree (pool-balance leaves).
    Sum,
    /// The chain node: the delta tree's top joined with the append tree's.
    Chain,
    /// The final node.
    Final,
}

/// Where a node's child comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(tag = "kind", content = "index", rename_all = "snake_case")]
pub enum Child {
    /// Delta leaf `i` of [`ChainPlan::delta_leaves`].
    DeltaLeaf(usize),
    /// Append leaf `i` of [`ChainPlan::append_leaves`].
    AppendLeaf(usize),
    /// Pool-balance leaf `i` of [`ChainPlan::pool_balance_leaves`].
    PoolBalanceLeaf(usize),
    /// The fixed leaf proof a tree's neutral wrap verifies (its values are not used): an
    /// identity delta or an empty append on the cold registry, a pool-balance leaf of a fixed
    /// devnet state. Fixed, so the neutral proofs above it are reused across reports.
    PaddingLeaf(Role),
    /// An earlier node of the plan, by position.
    Node(usize),
}

/// One aggregation node of the chain proof.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct PlannedNode {
    /// Its part of the proof.
    pub role: Role,
    /// Level in its tree: 0 for a wrap, `1..=depth` for joins (0 for the chain and final
    /// nodes).
    pub level: u32,
    /// Position within its level; `None` for a neutral node, which serves every padded
    /// position of its level.
    pub position: Option<u64>,
    /// Its children, left to right.
    pub children: Vec<Child>,
    /// The node circuit.
    pub spec: NodeSpec,
    /// A neutral (padding) node: it states the neutral statement.
    pub neutral: bool,
}

/// The previous report's registry: the chain starts from its state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreviousRegistry {
    /// Its validators, `[0, L)`.
    pub validators: Vec<Validator>,
    /// Its chain state `(D, L, A)` (checked against the validators when planning).
    pub state: ChainState,
}

/// How many proofs of each kind a plan has.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct PlanCounts {
    /// Delta leaves.
    pub delta_leaves: usize,
    /// Real updates in them (the rest are identity padding).
    pub delta_updates: usize,
    /// Append leaves.
    pub append_leaves: usize,
    /// Pool-balance leaves.
    pub pool_balance_leaves: usize,
    /// Padding leaves that neutral wraps verify.
    pub padding_leaves: usize,
    /// Nodes over real statements (the chain and final nodes included).
    pub real_nodes: usize,
    /// Neutral nodes (one per level of a tree that needs padding there).
    pub neutral_nodes: usize,
}

/// The proof of one report in the chain design.
#[derive(Clone, Debug)]
pub struct ChainPlan {
    /// The sizes.
    pub sizes: ChainSizes,
    /// The pool.
    pub pool: PoolSpec,
    /// The chain starts from the empty registry.
    pub cold: bool,
    /// The chain state before (the previous report's, or cold).
    pub old: ChainState,
    /// The chain state of this report's registry.
    pub new: ChainState,
    /// The state's slot.
    pub slot: u64,
    /// The block root.
    pub block_root: Node,
    /// Delta leaves, in chain order.
    pub delta_leaves: Vec<DeltaWitness>,
    /// Real updates in the delta leaves.
    pub delta_updates: usize,
    /// Append leaves, in chain order.
    pub append_leaves: Vec<DeltaWitness>,
    /// Pool-balance leaves, ranges in increasing order (the range of index 0 first, always).
    pub pool_balance_leaves: Vec<PoolBalanceWitness>,
    /// Nodes in proving order (children first); the last is the final node.
    pub nodes: Vec<PlannedNode>,
    /// The registry after the chain: the next report's previous registry.
    pub registry: Registry,
}

/// The pool as the final node's witness: `(exact, hi, lo)`.
pub fn pool_instances(pool: &PoolSpec) -> [Fr; 3] {
    let (hi, lo) = node_limbs(&pool.credentials);
    [Fr::from(pool.exact as u64), hi, lo]
}

impl ChainPlan {
    /// The statement a leaf child proves (`None` for a node).
    pub fn leaf_statement(&self, child: &Child) -> Option<Statement> {
        let role = match child {
            Child::DeltaLeaf(_) => Role::Delta,
            Child::AppendLeaf(_) => Role::Append,
            Child::PoolBalanceLeaf(_) => Role::Sum,
            Child::PaddingLeaf(r) => *r,
            Child::Node(_) => return None,
        };
        self.sizes.leaf_statement(role)
    }

    /// The largest `k` of the plan's leaf circuits (padding leaves included): the setup must
    /// have at least `2^k` points for them.
    pub fn max_leaf_k(&self) -> Result<u32, ChainError> {
        let mut k = self
            .sizes
            .delta_params()?
            .k
            .max(self.sizes.append_params()?.k);
        if let Some(w) = self.pool_balance_leaves.first() {
            let p = PoolBalanceParams::new(w.n(), w.state_depth() as u32, w.slots_per_epoch, None)?;
            k = k.max(p.k);
        }
        Ok(k)
    }

    /// How many proofs of each kind.
    pub fn counts(&self) -> PlanCounts {
        let padding = |n: &PlannedNode| {
            n.children
                .iter()
                .any(|c| matches!(c, Child::PaddingLeaf(_)))
        };
        PlanCounts {
            delta_leaves: self.delta_leaves.len(),
            delta_updates: self.delta_updates,
            append_leaves: self.append_leaves.len(),
            pool_balance_leaves: self.pool_balance_leaves.len(),
            padding_leaves: self.nodes.iter().filter(|n| padding(n)).count(),
            real_nodes: self.nodes.iter().filter(|n| !n.neutral).count(),
            neutral_nodes: self.nodes.iter().filter(|n| n.neutral).count(),
        }
    }

    /// The node circuit of every level of every part, sorted: what fixes the verifying keys.
    /// Padding makes it independent of `L` and of the number of changes (a level's real and
    /// neutral nodes are one circuit).
    pub fn level_specs(&self) -> Vec<(Role, u32, NodeSpec)> {
        let mut v: Vec<(Role, u32, NodeSpec)> = self
            .nodes
            .iter()
            .map(|n| (n.role, n.level, n.spec.clone()))
            .collect();
        v.sort_by_key(|a| (a.0, a.1, a.2.tag()));
        v.dedup();
        v
    }
}

/// Plans one report: the chain from `previous` (`None`: cold, from the empty registry) to the
/// registry of `state` (whose trees are `tree`), and the pool-balance leaves of every range of
/// `sizes.pool_balance_n` holding a pool member, plus always the range of index 0 (it binds the
/// block root when nothing else does).
///
/// Delta leaves take, `K` at a time in index order, every changed validator below the old
/// length and every slot appended inside the old length's partly filled range of `n_r`; the last
/// one is padded with identity updates. Each fresh range of `n_r` wholly past the old length is
/// one append leaf. The three trees have fixed depths: a report that needs more leaves than a
/// tree holds is [`ChainError::DoesNotFit`].
pub fn plan(
    previous: Option<&PreviousRegistry>,
    state: &BeaconState,
    tree: &StateTree,
    pool: &Pool,
    sizes: &ChainSizes,
) -> Result<ChainPlan, ChainError> {
    sizes.validate()?;
    crate::leaves::check_provable(state)?;
    if matches!(pool, Pool::Set(_)) {
        return Err(ChainError::Sizes(
            "a credential-set pool is proven by --design today (the delta leaves take one address or credential)".into(),
        ));
    }
    let spec = PoolSpec::from(pool);
    let target: Vec<Validator> = state.validators().collect();
    let l_new = target.len() as u64;
    if l_new >= SLOTS {
        return Err(DeltaError::TooLarge { len: l_new }.into());
    }
    let (mut registry, old_vals): (Registry, &[Validator]) = match previous {
        None => (Registry::cold(spec.clone()), &[]),
        Some(p) => {
            let r = Registry::from_validators(spec.clone(), &p.validators)?;
            if r.state() != p.state {
                return Err(ChainError::PreviousState);
            }
            (r, &p.validators)
        }
    };
    let old = registry.state();
    let l_old = registry.len();
    if l_new < l_old {
        return Err(DeltaError::Shrinks {
            old: l_old,
            new: l_new,
        }
        .into());
    }
    let single = |i: u64| UpdateSpec {
        log_n: 0,
        position: i,
        fresh: false,
    };
    let mut updates: Vec<UpdateSpec> = (0..l_old)
        .filter(|&i| old_vals[i as usize] != target[i as usize])
        .map(single)
        .collect();
    let n_r = sizes.append_n as u64;
    let boundary_end = l_new.min(l_old.div_ceil(n_r) * n_r);
    updates.extend((l_old..boundary_end).map(single));
    let dparams = sizes.delta_params()?;
    let mut delta_leaves = Vec::new();
    for chunk in updates.chunks(sizes.delta_updates) {
        let grow_to = chunk
            .iter()
            .map(|u| u.position + 1)
            .fold(registry.len(), u64::max);
        delta_leaves.push(registry.leaf(&dparams, &target, grow_to, chunk)?);
    }
    let aparams = sizes.append_params()?;
    let mut append_leaves = Vec::new();
    for p in l_old.div_ceil(n_r)..l_new.div_ceil(n_r) {
        let fresh = UpdateSpec {
            log_n: aparams.log_n,
            position: p,
            fresh: true,
        };
        let grow_to = l_new.min((p + 1) * n_r);
        append_leaves.push(registry.leaf(&aparams, &target, grow_to, &[fresh])?);
    }
    let new = registry.state();
    let twin = |what: &str, chain: String, state: String| {
        ChainError::Pipeline(PipelineError::TwinDisagree {
            what: format!("the registry chain's {what}"),
            at: "the state's registry".into(),
            circuit: chain,
            native: state,
        })
    };
    let d = state_d(tree)?;
    if new.d != d || new.l != l_new {
        return Err(twin(
            "D and L",
            format!("{} L={}", hexfmt::encode(new.d), new.l),
            format!("{} L={l_new}", hexfmt::encode(d)),
        ));
    }
    let accounts = state_accounts_tree(state, &spec)?;
    if accounts.root() != new.a {
        return Err(twin(
            "accounts tree A",
            format!("{:?}", new.a),
            format!("{:?}", accounts.root()),
        ));
    }
    let n_b = sizes.pool_balance_n;
    let mut starts = member_ranges(&accounts, n_b.trailing_zeros());
    if starts.first() != Some(&0) {
        starts.insert(0, 0);
    }
    let pool_balance_leaves = starts
        .iter()
        .map(|&s| PoolBalanceWitness::from_state(state, tree, &spec, &accounts, s, n_b))
        .collect::<Result<Vec<_>, _>>()?;

    let mut b = Builder::default();
    let leaf = |r| sizes.leaf_statement(r).expect("a tree's leaf");
    let kids = |n: usize, f: fn(usize) -> Child| (0..n).map(f).collect::<Vec<_>>();
    let dtop = b.tree(
        Role::Delta,
        leaf(Role::Delta),
        Statement::Chain,
        kids(delta_leaves.len(), Child::DeltaLeaf),
        sizes.delta_depth,
        sizes,
    )?;
    let atop = b.tree(
        Role::Append,
        leaf(Role::Append),
        Statement::Chain,
        kids(append_leaves.len(), Child::AppendLeaf),
        sizes.append_depth,
        sizes,
    )?;
    let stop = b.tree(
        Role::Sum,
        leaf(Role::Sum),
        Statement::PoolSum,
        kids(pool_balance_leaves.len(), Child::PoolBalanceLeaf),
        sizes.sum_depth,
        sizes,
    )?;
    let chain = b.push(PlannedNode {
        role: Role::Chain,
        level: 0,
        position: Some(0),
        children: vec![dtop, atop],
        spec: NodeSpec {
            children: vec![Statement::Chain, Statement::Chain],
            finalize: false,
        },
        neutral: false,
    });
    b.push(PlannedNode {
        role: Role::Final,
        level: 0,
        position: Some(0),
        children: vec![chain, stop],
        spec: NodeSpec {
            children: vec![Statement::Chain, Statement::PoolSum],
            finalize: true,
        },
        neutral: false,
    });
    Ok(ChainPlan {
        sizes: *sizes,
        pool: spec,
        cold: previous.is_none(),
        old,
        new,
        slot: state.slot(),
        block_root: tree.block_root(),
        delta_updates: updates.len(),
        delta_leaves,
        append_leaves,
        pool_balance_leaves,
        nodes: b.nodes,
        registry,
    })
}

/// Builds the node list.
#[derive(Default)]
struct Builder {
    nodes: Vec<PlannedNode>,
}

impl Builder {
    fn push(&mut self, n: PlannedNode) -> Child {
        self.nodes.push(n);
        Child::Node(self.nodes.len() - 1)
    }

    /// A fixed-depth tree over `real` leaves (left-aligned, in order): wraps at level 0, joins
    /// at levels `1..=depth`, neutral nodes wherever a position has no real leaf below it.
    /// Returns the top.
    fn tree(
        &mut self,
        role: Role,
        leaf: Statement,
        out: Statement,
        real: Vec<Child>,
        depth: u32,
        sizes: &ChainSizes,
    ) -> Result<Child, ChainError> {
        let capacity = 1u64 << depth;
        if real.len() as u64 > capacity {
            return Err(ChainError::DoesNotFit {
                tree: match role {
                    Role::Delta => "delta",
                    Role::Append => "append",
                    _ => "pool-sum",
                },
                depth,
                capacity,
                leaves: real.len(),
                sizes: sizes.describe(),
            });
        }
        let shapes = Shapes {
            role,
            wrap: NodeSpec {
                children: vec![leaf],
                finalize: false,
            },
            join: NodeSpec {
                children: vec![out, out],
                finalize: false,
            },
        };
        let mut neutral = vec![None; depth as usize + 1];
        let mut cur: Vec<Child> = real
            .into_iter()
            .enumerate()
            .map(|(i, c)| {
                self.push(PlannedNode {
                    role,
                    level: 0,
                    position: Some(i as u64),
                    children: vec![c],
                    spec: shapes.wrap.clone(),
                    neutral: false,
                })
            })
            .collect();
        for level in 1..=depth {
            let mut next = Vec::with_capacity(cur.len().div_ceil(2));
            for (j, pair) in cur.chunks(2).enumerate() {
                let right = match pair.get(1) {
                    Some(c) => *c,
                    None => self.neutral(&shapes, level - 1, &mut neutral),
                };
                next.push(self.push(PlannedNode {
                    role,
                    level,
                    position: Some(j as u64),
                    children: vec![pair[0], right],
                    spec: shapes.join.clone(),
                    neutral: false,
                }));
            }
            cur = next;
        }
        Ok(match cur.first() {
            Some(c) => *c,
            None => self.neutral(&shapes, depth, &mut neutral),
        })
    }

    /// The neutral node of `level` (made once, with the levels below it).
    fn neutral(&mut self, s: &Shapes, level: u32, made: &mut [Option<Child>]) -> Child {
        if let Some(c) = made[level as usize] {
            return c;
        }
        let (children, spec) = if level == 0 {
            (vec![Child::PaddingLeaf(s.role)], s.wrap.clone())
        } else {
            let c = self.neutral(s, level - 1, made);
            (vec![c, c], s.join.clone())
        };
        let c = self.push(PlannedNode {
            role: s.role,
            level,
            position: None,
            children,
            spec,
            neutral: true,
        });
        made[level as usize] = Some(c);
        c
    }
}

/// A tree's two node circuits.
struct Shapes {
    role: Role,
    wrap: NodeSpec,
    join: NodeSpec,
}

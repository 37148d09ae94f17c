//! Delta leaf witness: the pool, the old chain state, the new length and `K` updates, each with
//! its old and new slots and the siblings of its range in both trees.

use super::native::{ChainState, DeltaError, Registry, UpdateSpec};
use super::param::DeltaParams;
use crate::accounts::AccNode;
use crate::pool::PoolSpec;
use stakeproof_beacon::beacon::Validator;
use stakeproof_beacon::hash::Node;

/// One update: the aligned range `[p·n, p·n + n)` replaced in both trees.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeltaUpdate {
    /// `p`, the range's position (`< 2^(24 − log_n)`); its bits are the path directions.
    pub position: u64,
    /// The `n` old containers; a slot at `p·n + i ≥ L_old` is empty whatever is here (the
    /// default validator by convention). Not used by the `append` variant.
    pub old: Vec<Validator>,
    /// The `n` new containers; a slot at `p·n + i ≥ L_new` is empty whatever is here.
    pub new: Vec<Validator>,
    /// SHA-256 siblings of the range's subtree in `D`, bottom up (`24 − log_n`).
    pub sha_siblings: Vec<Node>,
    /// Siblings of the range's subtree in `A`, bottom up (`24 − log_n`).
    pub acc_siblings: Vec<AccNode>,
}

/// Witness of one delta (or append) leaf.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeltaWitness {
    /// `log2(n)` of every update.
    pub log_n: u32,
    /// The `append` variant (old ranges constrained empty, not witnessed).
    pub fresh: bool,
    /// The pool (membership of every non-empty slot).
    pub pool: PoolSpec,
    /// `S_old`: `D`, `L` and `A` before the first update.
    pub old: ChainState,
    /// `L_new` (at least `old.l`).
    pub l_new: u64,
    /// The `K` updates, applied in order.
    pub updates: Vec<DeltaUpdate>,
}

impl DeltaWitness {
    /// The leaf for `updates` (at most `params.updates` of them, all of `params.log_n` and of
    /// its variant) taking `registry` from its current state to length `l_new` with the
    /// contents of `target`: see [`Registry::leaf`], which this calls.
    pub fn from_registry(
        registry: &mut Registry,
        params: &DeltaParams,
        target: &[Validator],
        l_new: u64,
        updates: &[UpdateSpec],
    ) -> Result<Self, DeltaError> {
        registry.leaf(params, target, l_new, updates)
    }

    /// The circuit's parameters (`k` the smallest that holds its SHA-256 region).
    pub fn params(&self) -> Result<DeltaParams, DeltaError> {
        DeltaParams::new(self.log_n, self.updates.len(), self.fresh)
    }

    /// Slots per update.
    pub fn n(&self) -> usize {
        1 << self.log_n
    }

    /// Checks the witness's shape: the range size, at least one update, `n` slots and
    /// `24 − log_n` siblings of each tree per update. (Values are the constraints' business;
    /// [`super::native::transition`] checks them natively.)
    pub fn check_shape(&self) -> Result<DeltaParams, DeltaError> {
        let p = self.params()?;
        for (j, u) in self.updates.iter().enumerate() {
            let bad = |what: &'static str, found: usize, expected: usize| {
                Err(DeltaError::Shape {
                    update: j,
                    what,
                    found,
                    expected,
                })
            };
            if u.old.len() != p.n() {
                return bad("old slots", u.old.len(), p.n());
            }
            if u.new.len() != p.n() {
                return bad("new slots", u.new.len(), p.n());
            }
            if u.sha_siblings.len() != p.levels() {
                return bad("SHA-256 siblings", u.sha_siblings.len(), p.levels());
            }
            if u.acc_siblings.len() != p.levels() {
                return bad("accounts siblings", u.acc_siblings.len(), p.levels());
            }
        }
        Ok(p)
    }
}

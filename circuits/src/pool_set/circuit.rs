//! The set circuit: proves a credential-set root well formed (strictly increasing keys), once per
//! set. Public instances: `root, m` (the number of entries).
//!
//! Witness: `2^d − 1` key slots (the sorted keys, then padding) and `m`. Constraints:
//! 1. every slot's limbs are 128-bit ranges; `m < 2^d` ([`RangeInstructions::check_less_than_safe`]);
//! 2. for `1 ≤ j < m`: `s_{j−1} < s_j` (so no duplicates and no disorder);
//! 3. leaf `j ≤ m` is `(low_j, high_j, flag_j)` with `low_0 = 0`, `flag_0 = 0`, `low_j =
//!    s_{j−1}`, `flag_j = 1`, and `high_j = s_j` for `j < m`, `2^256` for `j = m`; slots past
//!    `m` are 0; the tree over the `2^d` slots gives `root`.

use super::constraints::{hash, key_cells, membership, pair_less, top};
use super::native::{CredentialSet, SetKey, SetPath};
use crate::gadgets::fr_u128;
use crate::gadgets::witness_bytes;
use crate::sha256::ShaCalls;
use crate::util::circuit::CircuitLogic;
use crate::Fr;
use halo2_base::gates::{GateInstructions, RangeChip, RangeInstructions};
use halo2_base::{AssignedValue, Context, QuantumCell::Constant};

/// The set circuit's witness: key slots in the order given (the circuit checks they are
/// sorted), the entry count and the tree depth.
#[derive(Clone, Debug)]
pub struct PoolSetWitness {
    /// Tree depth `d`: `2^d` leaf slots, at most `2^d − 1` entries.
    pub depth: u32,
    /// The first `m` slots are the entries; the rest padding (`2^d − 1` slots in all).
    pub slots: Vec<SetKey>,
    /// Entry count `m`.
    pub count: u64,
}

impl PoolSetWitness {
    /// The honest witness of a set.
    pub fn new(set: &super::CredentialSet) -> Self {
        let mut slots = set.keys().to_vec();
        slots.resize((1usize << set.depth()) - 1, SetKey::default());
        PoolSetWitness {
            depth: set.depth(),
            slots,
            count: set.keys().len() as u64,
        }
    }

    /// `pool-set-d{depth}`.
    pub fn name_of(depth: u32) -> String {
        format!("pool-set-d{depth}")
    }
}

impl CircuitLogic for PoolSetWitness {
    fn name(&self) -> String {
        Self::name_of(self.depth)
    }

    fn build(
        &self,
        ctx: &mut Context<Fr>,
        range: &RangeChip<Fr>,
        _sha: &mut ShaCalls,
    ) -> Vec<AssignedValue<Fr>> {
        let gate = range.gate();
        let n = 1usize << self.depth;
        // Unreachable from input: `PoolSetWitness::new` pads to this length.
        assert_eq!(
            self.slots.len(),
            n - 1,
            "set witness of the wrong shape (a caller bug)"
        );
        let count = ctx.load_witness(Fr::from(self.count));
        range.check_less_than_safe(ctx, count, n as u64);
        let bits = self.depth as usize + 1;
        let s: Vec<[AssignedValue<Fr>; 2]> = self
            .slots
            .iter()
            .map(|k| {
                let c = [fr_u128(k.hi), fr_u128(k.lo)].map(|f| ctx.load_witness(f));
                range.range_check(ctx, c[0], 128);
                range.range_check(ctx, c[1], 128);
                c
            })
            .collect();
        let zero = ctx.load_zero();
        let one = ctx.load_constant(Fr::one());
        let top_hi = top(ctx);
        let mut leaves = Vec::with_capacity(n);
        for j in 0..n {
            let jc = Constant(Fr::from(j as u64));
            // below: j < m; at: j = m; live: j ≤ m.
            let below = range.is_less_than(ctx, jc, count, bits);
            let at = gate.is_equal(ctx, jc, count);
            if j >= 1 && j < n - 1 {
                // s_{j−1} < s_j when j < m.
                let lt = pair_less(ctx, range, s[j - 1], s[j], 128);
                let after = gate.not(ctx, below);
                let ok = gate.or(ctx, lt, after);
                gate.assert_is_const(ctx, &ok, &Fr::one());
            }
            let (low, flag) = if j == 0 {
                ([zero, zero], zero)
            } else {
                (s[j - 1], one)
            };
            let high = if j < n - 1 {
                [
                    gate.select(ctx, top_hi, s[j][0], at),
                    gate.select(ctx, zero, s[j][1], at),
                ]
            } else {
                [top_hi, zero]
            };
            let h = hash(ctx, gate, &[low[0], low[1], high[0], high[1], flag]);
            let live = gate.or(ctx, below, at);
            leaves.push(gate.mul(ctx, h, live));
        }
        let mut layer = leaves;
        while layer.len() > 1 {
            layer = layer
                .chunks(2)
                .map(|p| hash(ctx, gate, &[p[0], p[1]]))
                .collect();
        }
        vec![layer[0], count]
    }
}

/// Membership queries against a set root, on their own: public instances `root`, then one
/// `member` bit per credential. The registry leaf runs the same [`membership`] per validator;
/// this circuit is what the set's tests and cost figures measure it by.
#[derive(Clone, Debug)]
pub struct SetQueryWitness {
    /// The set root the paths must reach.
    pub root: Fr,
    /// Each query: withdrawal credentials and the path of the leaf that decides them.
    pub queries: Vec<([u8; 32], SetPath)>,
}

impl SetQueryWitness {
    /// Honest queries of `creds` against `set`.
    pub fn new(set: &CredentialSet, creds: &[[u8; 32]]) -> Self {
        SetQueryWitness {
            root: set.root(),
            queries: creds.iter().map(|c| (*c, set.path(c))).collect(),
        }
    }

    /// The native twin: `root`, then whether each credential is in `set`.
    pub fn native_instances(set: &CredentialSet, creds: &[[u8; 32]]) -> Vec<Fr> {
        std::iter::once(set.root())
            .chain(creds.iter().map(|c| Fr::from(set.contains(c) as u64)))
            .collect()
    }
}

impl CircuitLogic for SetQueryWitness {
    fn name(&self) -> String {
        let d = self.queries.first().map_or(0, |q| q.1.siblings.len());
        format!("pool-set-query-{}-d{d}", self.queries.len())
    }

    fn build(
        &self,
        ctx: &mut Context<Fr>,
        range: &RangeChip<Fr>,
        _sha: &mut ShaCalls,
    ) -> Vec<AssignedValue<Fr>> {
        let root = ctx.load_witness(self.root);
        let mut out = vec![root];
        for (wc, path) in &self.queries {
            let bytes = witness_bytes(ctx, range, wc);
            let key = key_cells(ctx, range, &bytes);
            out.push(membership(ctx, range, root, key, path));
        }
        out
    }
}

//! Statements of proofs and how aggregation nodes combine them.
//!
//! Instance layouts after the 12 accumulator limbs that every aggregation proof starts with
//! (`lhs.x, lhs.y, rhs.x, rhs.y`, three 88-bit limbs each):
//!
//! - **Registry** run of `r` consecutive registry ranges of `n_r`:
//!   `[start, pool_exact, pool_hi, pool_lo]` then per range `[fill, root_hi, root_lo, commitment]`.
//! - **Balance** (a wrapped balance leaf): the balance proof's own layout
//!   ([`crate::public_inputs`]).
//! - **Summary** of a covered range `[start, end)`: `[start, end, L, epoch, slot, block_hi,
//!   block_lo, pool_exact, pool_hi, pool_lo, count, total_gwei, active, exited, slashed]`.
//! - **Final** (the proof the EVM verifier checks): `[block_hi, block_lo, slot, pool_exact,
//!   pool_hi, pool_lo, L, count, total_gwei, active, exited, slashed]`.

//!
//! This module is also the codec of these layouts: [`Statement::describe`] decodes any
//! statement's instances by name (the native tree's JSON), [`FinalStatement`] is the final one
//! both ways (the final artifact), and [`final_from_summary`] is how a finalizing node reorders
//! a summary. Integers and roots go through [`crate::gadgets`]' one decoder
//! ([`u128_from_fr`], [`node_from_limbs`]); a field element as text is
//! [`crate::public_inputs::fr_hex`].

use crate::chain::layout as chain_layout;
use crate::gadgets::{fr_u128, node_from_limbs, node_limbs, u128_from_fr, u64_from_fr};
use crate::public_inputs::{balance_instances, fr_hex, REGISTRY_INSTANCES};
use crate::Fr;
use serde::{Deserialize, Serialize};
use stakeproof_beacon::hexfmt;

/// Accumulator limbs at the front of every aggregation proof's instances.
pub const ACC_LIMBS: usize = 12;
/// Instances of a summary statement.
pub const SUMMARY_LEN: usize = 15;
/// Instances of the final statement (after the accumulator).
pub const FINAL_LEN: usize = 12;

/// Names of the five pool totals, in the order every statement that carries them does.
pub const TOTALS: [&str; 5] = [
    "validator_count",
    "total_balance_gwei",
    "active_count",
    "exited_count",
    "slashed_count",
];

/// Positions in a summary statement (a root or the pool's credentials: `hi` here, `lo` next).
pub mod summary_at {
    /// First index covered.
    pub const START: usize = 0;
    /// End of the covered range (exclusive).
    pub const END: usize = 1;
    /// Registry length L.
    pub const REGISTRY_LENGTH: usize = 2;
    /// Epoch of the counts.
    pub const EPOCH: usize = 3;
    /// Slot of the block.
    pub const SLOT: usize = 4;
    /// Block root (hi, lo).
    pub const BLOCK_ROOT: usize = 5;
    /// Pool mode (1: exact credentials).
    pub const POOL_EXACT: usize = 7;
    /// Pool credentials (hi, lo).
    pub const POOL: usize = 8;
    /// The five totals ([`super::TOTALS`]).
    pub const TOTALS: usize = 10;
}

/// Positions in the final statement, after the accumulator (a root or the pool's credentials:
/// `hi` here, `lo` next). The oracle contract builds the same words.
pub mod final_at {
    /// Block root (hi, lo).
    pub const BLOCK_ROOT: usize = 0;
    /// Slot of the block.
    pub const SLOT: usize = 2;
    /// Pool mode (1: exact credentials).
    pub const POOL_EXACT: usize = 3;
    /// Pool credentials (hi, lo).
    pub const POOL: usize = 4;
    /// Registry length L.
    pub const REGISTRY_LENGTH: usize = 6;
    /// The five totals ([`super::TOTALS`]).
    pub const TOTALS: usize = 7;
}

/// The final statement of a summary that covers the whole registry (what a finalizing node
/// outputs once it has checked `start = 0` and `L ≤ end`). `summary` has [`SUMMARY_LEN`]
/// instances.
pub fn final_from_summary(summary: &[Fr]) -> Vec<Fr> {
    use {final_at as f, summary_at as s};
    let mut out = vec![Fr::zero(); FINAL_LEN];
    out[f::BLOCK_ROOT..f::BLOCK_ROOT + 2]
        .copy_from_slice(&summary[s::BLOCK_ROOT..s::BLOCK_ROOT + 2]);
    out[f::SLOT] = summary[s::SLOT];
    out[f::POOL_EXACT] = summary[s::POOL_EXACT];
    out[f::POOL..f::POOL + 2].copy_from_slice(&summary[s::POOL..s::POOL + 2]);
    out[f::REGISTRY_LENGTH] = summary[s::REGISTRY_LENGTH];
    out[f::TOTALS..f::TOTALS + 5].copy_from_slice(&summary[s::TOTALS..s::TOTALS + 5]);
    out
}

/// What a proof's public inputs state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Statement {
    /// A registry leaf proof of `n_r` validators.
    RegistryLeaf {
        /// Range size.
        n_r: u64,
    },
    /// A balance leaf proof of `n_b` balances over registry ranges of `n_r`.
    BalanceLeaf {
        /// Balance range size.
        n_b: u64,
        /// Registry range size.
        n_r: u64,
    },
    /// `ranges` consecutive registry ranges of `n_r` (aggregated).
    Registry {
        /// Range size.
        n_r: u64,
        /// Ranges covered.
        ranges: usize,
    },
    /// A wrapped balance leaf.
    Balance {
        /// Balance range size.
        n_b: u64,
        /// Registry range size.
        n_r: u64,
    },
    /// The pool's totals over a covered range of one block.
    Summary,
    /// The whole registry of one block: the statement the oracle contract checks.
    Final,
    /// A delta (or, `fresh`, append) leaf of the registry chain: `updates` ranges of `n` slots
    /// ([`crate::chain`]).
    DeltaLeaf {
        /// Slots per update.
        n: u64,
        /// Updates per leaf.
        updates: u64,
        /// Append variant (old ranges empty).
        fresh: bool,
    },
    /// A pool-balance leaf of `n_b` balances.
    PoolBalanceLeaf {
        /// Balance range size.
        n_b: u64,
    },
    /// A chain statement: the registry from one chain state to another (or neutral).
    Chain,
    /// The pool's totals over the proven ranges of one block (or neutral).
    PoolSum,
    /// The chain design's final statement (today's final plus the registry anchors).
    FinalChain,
    /// A pending-deposit leaf of `n` queue entries ([`crate::pending`]).
    PendingLeaf {
        /// Entries per leaf.
        n: u64,
    },
    /// The pool's pending deposits over a covered range of the queue of one block, or neutral
    /// ([`crate::pending::aggregate`]).
    Pending,
    /// The final statement with the pool's pending deposits appended
    /// ([`crate::pending::aggregate::finalize_with_queue`]).
    FinalPending,
}

impl Statement {
    /// Whether the proof is an aggregation (its instances start with an accumulator).
    pub fn has_accumulator(&self) -> bool {
        !matches!(
            self,
            Statement::RegistryLeaf { .. }
                | Statement::BalanceLeaf { .. }
                | Statement::DeltaLeaf { .. }
                | Statement::PoolBalanceLeaf { .. }
                | Statement::PendingLeaf { .. }
        )
    }

    /// Instances after the accumulator.
    pub fn len(&self) -> usize {
        match *self {
            Statement::RegistryLeaf { .. } => REGISTRY_INSTANCES,
            Statement::BalanceLeaf { n_b, n_r } | Statement::Balance { n_b, n_r } => {
                balance_instances((n_b / n_r) as usize)
            }
            Statement::Registry { ranges, .. } => 4 + 4 * ranges,
            Statement::Summary => SUMMARY_LEN,
            Statement::Final => FINAL_LEN,
            Statement::DeltaLeaf { .. } => chain_layout::CHAIN_LEN - 1,
            Statement::PoolBalanceLeaf { .. } => chain_layout::POOL_SUM_LEN - 2,
            Statement::Chain => chain_layout::CHAIN_LEN,
            Statement::PoolSum => chain_layout::POOL_SUM_LEN,
            Statement::FinalChain => chain_layout::FINAL_CHAIN_LEN,
            Statement::PendingLeaf { .. } => crate::pending::PENDING_INSTANCES,
            Statement::Pending => crate::pending::aggregate::RUN_LEN,
            Statement::FinalPending => crate::pending::aggregate::FINAL_PENDING_LEN,
        }
    }

    /// Always false: every statement has public inputs.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// All instances, accumulator included.
    pub fn num_instances(&self) -> usize {
        self.len() + if self.has_accumulator() { ACC_LIMBS } else { 0 }
    }

    /// A short name for key files and logs, e.g. `reg4x2`, `bal16-4`, `sum`, `final`.
    pub fn tag(&self) -> String {
        match *self {
            Statement::RegistryLeaf { n_r } => format!("regleaf{n_r}"),
            Statement::BalanceLeaf { n_b, n_r } => format!("balleaf{n_b}-{n_r}"),
            Statement::Registry { n_r, ranges } => format!("reg{n_r}x{ranges}"),
            Statement::Balance { n_b, n_r } => format!("bal{n_b}-{n_r}"),
            Statement::Summary => "sum".into(),
            Statement::Final => "final".into(),
            Statement::DeltaLeaf { n, updates, fresh } => {
                format!("{}{n}x{updates}", if fresh { "append" } else { "delta" })
            }
            Statement::PoolBalanceLeaf { n_b } => format!("pbleaf{n_b}"),
            Statement::Chain => "chain".into(),
            Statement::PoolSum => "poolsum".into(),
            Statement::FinalChain => "finalchain".into(),
            Statement::PendingLeaf { n } => format!("pendleaf{n}"),
            // `pend` was the unpadded 11-instance run: a new name, so its cached keys are
            // never picked up.
            Statement::Pending => "pendrun".into(),
            Statement::FinalPending => "finalpend".into(),
        }
    }
}

/// A node: its children's statements (in order) and whether it produces the final statement.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NodeSpec {
    /// One or two children, left to right.
    pub children: Vec<Statement>,
    /// Produce [`Statement::Final`] (checks that the covered range starts at 0 and reaches L).
    pub finalize: bool,
}

/// What a node takes besides its children's proofs: the witnesses of the chain design's nodes
/// and of pending wraps.
/// Witnesses, not constants, so one circuit (one verifying key) serves both values.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NodeWitness {
    /// A wrap proves the neutral statement (its child proof is verified, its values unused).
    pub neutral: bool,
    /// The pool `(exact, hi, lo)` of a [`Statement::FinalChain`] node: the chain's, or with a
    /// neutral chain the pool the registry anchors bind.
    pub pool: Option<[Fr; 3]>,
}

/// Children that no node combines.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[error("no aggregation node combines {children:?} (finalize: {finalize})")]
pub struct BadNode {
    /// The children.
    pub children: Vec<Statement>,
    /// Whether finalizing.
    pub finalize: bool,
}

impl NodeSpec {
    /// The statement this node proves, or why the children do not combine.
    pub fn output(&self) -> Result<Statement, BadNode> {
        use Statement::*;
        let bad = || BadNode {
            children: self.children.clone(),
            finalize: self.finalize,
        };
        let combined = match self.children.as_slice() {
            [RegistryLeaf { n_r }] => Registry {
                n_r: *n_r,
                ranges: 1,
            },
            [BalanceLeaf { n_b, n_r }] => Balance {
                n_b: *n_b,
                n_r: *n_r,
            },
            [Summary] => Summary,
            [Registry { n_r: a, ranges: x }, Registry { n_r: b, ranges: y }] if a == b => {
                Registry {
                    n_r: *a,
                    ranges: x + y,
                }
            }
            [Registry { n_r, ranges }, Balance { n_b, n_r: m }]
                if n_r == m && (*ranges as u64) * n_r == *n_b =>
            {
                Summary
            }
            [Summary, Summary] => Summary,
            [DeltaLeaf { .. }] | [Chain, Chain] => Chain,
            [PoolBalanceLeaf { .. }] | [PoolSum, PoolSum] => PoolSum,
            [Chain, PoolSum] if self.finalize => return Ok(FinalChain),
            [Summary, Pending] if self.finalize => return Ok(FinalPending),
            [PendingLeaf { .. }] | [Pending, Pending] => Pending,
            _ => return Err(bad()),
        };
        match (self.finalize, combined) {
            (false, s) => Ok(s),
            (true, Summary) => Ok(Final),
            (true, _) => Err(bad()),
        }
    }

    /// A name for keys: the children's tags and the output's.
    pub fn tag(&self) -> String {
        let kids: Vec<String> = self.children.iter().map(Statement::tag).collect();
        format!(
            "agg-{}-to-{}",
            kids.join("+"),
            self.output()
                .map(|s| s.tag())
                .unwrap_or_else(|_| "bad".into())
        )
    }
}

impl Statement {
    /// The public inputs (accumulator excluded) decoded by name: roots and credentials as
    /// 32-byte `0x`-hex, commitments as field elements ([`fr_hex`]), the rest as numbers (a
    /// number above `u64::MAX` as a decimal string). A value that does not decode (not below
    /// 2^128) is shown as its field element; the wrong number of instances gives one `error`.
    pub fn describe(&self, inst: &[Fr]) -> serde_json::Map<String, serde_json::Value> {
        use serde_json::{json, Map, Value};
        let mut f = Map::new();
        if inst.len() != self.len() {
            let msg = format!("{} instances, expected {}", inst.len(), self.len());
            f.insert("error".into(), json!(msg));
            return f;
        }
        let num = |i: usize| -> Value {
            match u128_from_fr(&inst[i]) {
                Some(v) => u64::try_from(v).map_or_else(|_| json!(v.to_string()), |x| json!(x)),
                None => json!(fr_hex(&inst[i])),
            }
        };
        let root = |i: usize| -> Value {
            match node_from_limbs(&inst[i], &inst[i + 1]) {
                Some(n) => json!(hexfmt::encode(n)),
                None => json!([fr_hex(&inst[i]), fr_hex(&inst[i + 1])]),
            }
        };
        let names = |f: &mut Map<String, Value>, at: usize, names: &[&str]| {
            for (k, name) in names.iter().enumerate() {
                f.insert((*name).into(), num(at + k));
            }
        };
        let pool = |f: &mut Map<String, Value>, at: usize| {
            f.insert(
                "pool_exact".into(),
                json!(u128_from_fr(&inst[at]) == Some(1)),
            );
            f.insert("pool_credentials".into(), root(at + 1));
        };
        match *self {
            Statement::RegistryLeaf { .. } => {
                names(&mut f, 0, &["start", "fill"]);
                pool(&mut f, 2);
                f.insert("root".into(), root(5));
                f.insert("commitment".into(), json!(fr_hex(&inst[7])));
            }
            Statement::BalanceLeaf { n_b, n_r } | Statement::Balance { n_b, n_r } => {
                let m = (n_b / n_r) as usize;
                names(&mut f, 0, &["start", "registry_length", "epoch", "slot"]);
                f.insert("block_root".into(), root(4));
                let ranges: Vec<Value> = (0..m)
                    .map(|j| json!({"root": root(6 + 3 * j), "commitment": fr_hex(&inst[8 + 3 * j])}))
                    .collect();
                f.insert("registry_ranges".into(), Value::Array(ranges));
                names(&mut f, 6 + 3 * m, &TOTALS);
            }
            Statement::Registry { ranges, .. } => {
                names(&mut f, 0, &["start"]);
                pool(&mut f, 1);
                let rs: Vec<Value> = (0..ranges)
                    .map(|j| {
                        let at = 4 + 4 * j;
                        json!({"fill": num(at), "root": root(at + 1), "commitment": fr_hex(&inst[at + 3])})
                    })
                    .collect();
                f.insert("ranges".into(), Value::Array(rs));
            }
            Statement::Summary => {
                use summary_at as s;
                let head = ["start", "end", "registry_length", "epoch", "slot"];
                names(&mut f, s::START, &head);
                f.insert("block_root".into(), root(s::BLOCK_ROOT));
                pool(&mut f, s::POOL_EXACT);
                names(&mut f, s::TOTALS, &TOTALS);
            }
            Statement::Final | Statement::FinalPending => {
                use final_at as s;
                if *self == Statement::FinalPending {
                    names(
                        &mut f,
                        FINAL_LEN,
                        &["pending_deposit_count", "pending_deposit_gwei"],
                    );
                }
                f.insert("block_root".into(), root(s::BLOCK_ROOT));
                names(&mut f, s::SLOT, &["slot"]);
                pool(&mut f, s::POOL_EXACT);
                names(&mut f, s::REGISTRY_LENGTH, &["registry_length"]);
                names(&mut f, s::TOTALS, &TOTALS);
            }
            Statement::DeltaLeaf { .. } | Statement::Chain => {
                let at = if *self == Statement::Chain {
                    f.insert("neutral".into(), json!(u128_from_fr(&inst[0]) == Some(1)));
                    1
                } else {
                    0
                };
                pool(&mut f, at);
                for (k, name) in ["old", "new"].iter().enumerate() {
                    let b = at + 3 + 5 * k;
                    let st = json!({
                        "validators_root_d24": root(b),
                        "registry_length": num(b + 2),
                        "accounts_root": fr_hex(&inst[b + 3]),
                        "members": num(b + 4),
                    });
                    f.insert((*name).into(), st);
                }
            }
            Statement::PoolBalanceLeaf { .. } | Statement::PoolSum => {
                let at = if *self == Statement::PoolSum {
                    f.insert("neutral".into(), json!(u128_from_fr(&inst[0]) == Some(1)));
                    names(&mut f, 1, &["start", "end"]);
                    3
                } else {
                    names(&mut f, 0, &["start"]);
                    1
                };
                names(&mut f, at, &["registry_length", "epoch", "slot"]);
                f.insert("block_root".into(), root(at + 3));
                f.insert("validators_root_d24".into(), root(at + 5));
                f.insert("accounts_root".into(), json!(fr_hex(&inst[at + 7])));
                names(&mut f, at + 8, &["members"]);
                names(&mut f, at + 9, &TOTALS);
            }
            Statement::PendingLeaf { .. } | Statement::Pending => {
                let at = if *self == Statement::Pending {
                    f.insert("neutral".into(), json!(u128_from_fr(&inst[0]) == Some(1)));
                    names(&mut f, 1, &["start", "end"]);
                    3
                } else {
                    names(&mut f, 0, &["start"]);
                    1
                };
                names(&mut f, at, &["queue_length", "slot"]);
                f.insert("block_root".into(), root(at + 2));
                pool(&mut f, at + 4);
                names(
                    &mut f,
                    at + 7,
                    &["pending_deposit_count", "pending_deposit_gwei"],
                );
            }
            Statement::FinalChain => {
                use final_at as s;
                f.insert("block_root".into(), root(s::BLOCK_ROOT));
                names(&mut f, s::SLOT, &["slot"]);
                pool(&mut f, s::POOL_EXACT);
                names(&mut f, s::REGISTRY_LENGTH, &["registry_length"]);
                names(&mut f, s::TOTALS, &TOTALS);
                f.insert("anchor_old".into(), json!(fr_hex(&inst[FINAL_LEN])));
                f.insert("anchor_new".into(), json!(fr_hex(&inst[FINAL_LEN + 1])));
            }
        }
        f
    }
}

/// The final statement, decoded: what the final artifact records and the oracle contract's
/// `Report` (with the block root and the pool) carries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FinalStatement {
    /// Beacon block root, `0x`-hex.
    pub block_root: String,
    /// Slot of the block.
    pub slot: u64,
    /// Whether the pool is an exact-credential pool (else an address pool, 0x01/0x02, or a set).
    pub pool_exact: bool,
    /// Whether the pool is a credential set (public mode 2); `pool_credentials` is then its
    /// root. Absent in artifacts of single pools.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pool_set: bool,
    /// The pool's 32 credential bytes (address pools: the 0x01 form; sets: the root), `0x`-hex.
    pub pool_credentials: String,
    /// Registry length L.
    pub registry_length: u64,
    /// Pool validators.
    pub validator_count: u64,
    /// Σ balances of the pool's validators (gwei).
    pub total_balance_gwei: u128,
    /// Active at the block's epoch.
    pub active_count: u64,
    /// Exited by the block's epoch.
    pub exited_count: u64,
    /// Slashed.
    pub slashed_count: u64,
}

impl FinalStatement {
    /// The [`FINAL_LEN`] statement instances (after the accumulator), in circuit order;
    /// `None` if a root is not 32 bytes of hex.
    pub fn to_instances(&self) -> Option<Vec<Fr>> {
        use final_at as at;
        let root = |s: &str| hexfmt::parse_fixed::<32>(s).ok().map(|n| node_limbs(&n));
        let mut x = vec![Fr::zero(); FINAL_LEN];
        (x[at::BLOCK_ROOT], x[at::BLOCK_ROOT + 1]) = root(&self.block_root)?;
        x[at::SLOT] = Fr::from(self.slot);
        x[at::POOL_EXACT] = Fr::from(if self.pool_set {
            crate::pool::SET_MODE
        } else {
            self.pool_exact as u64
        });
        (x[at::POOL], x[at::POOL + 1]) = root(&self.pool_credentials)?;
        x[at::REGISTRY_LENGTH] = Fr::from(self.registry_length);
        x[at::TOTALS..at::TOTALS + 5].copy_from_slice(&[
            Fr::from(self.validator_count),
            fr_u128(self.total_balance_gwei),
            Fr::from(self.active_count),
            Fr::from(self.exited_count),
            Fr::from(self.slashed_count),
        ]);
        Some(x)
    }

    /// Decodes the statement instances (after the accumulator); `None` for the wrong length, a
    /// value out of its range or a pool mode other than 0, 1 or 2.
    pub fn from_instances(x: &[Fr]) -> Option<Self> {
        use final_at as at;
        if x.len() != FINAL_LEN {
            return None;
        }
        let root = |i: usize| node_from_limbs(&x[i], &x[i + 1]).map(hexfmt::encode);
        let total = |k: usize| u64_from_fr(&x[at::TOTALS + k]);
        Some(FinalStatement {
            block_root: root(at::BLOCK_ROOT)?,
            slot: u64_from_fr(&x[at::SLOT])?,
            pool_exact: match u64_from_fr(&x[at::POOL_EXACT])? {
                0 | 2 => false,
                1 => true,
                _ => return None,
            },
            pool_set: u64_from_fr(&x[at::POOL_EXACT])? == crate::pool::SET_MODE,
            pool_credentials: root(at::POOL)?,
            registry_length: u64_from_fr(&x[at::REGISTRY_LENGTH])?,
            validator_count: total(0)?,
            total_balance_gwei: u128_from_fr(&x[at::TOTALS + 1])?,
            active_count: total(2)?,
            exited_count: total(3)?,
            slashed_count: total(4)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statement() -> FinalStatement {
        FinalStatement {
            block_root: format!("0x{}", "ab".repeat(32)),
            slot: 123,
            pool_exact: true,
            pool_set: false,
            pool_credentials: format!("0x01{}", "00".repeat(31)),
            registry_length: 1000,
            validator_count: 7,
            total_balance_gwei: 224_000_000_000,
            active_count: 6,
            exited_count: 1,
            slashed_count: 0,
        }
    }

    #[test]
    fn final_statement_round_trips_and_describe_names_the_same_values() {
        let s = statement();
        let x = s.to_instances().unwrap();
        assert_eq!(FinalStatement::from_instances(&x), Some(s.clone()));
        let d = Statement::Final.describe(&x);
        let v = serde_json::to_value(&s).unwrap();
        for k in [
            "block_root",
            "slot",
            "pool_exact",
            "pool_credentials",
            "registry_length",
        ] {
            assert_eq!(d[k], v[k], "{k}");
        }
        assert_eq!(d["total_balance_gwei"], 224_000_000_000u64);
        // A total above u64::MAX round-trips, and is described as a decimal string.
        let big = FinalStatement {
            total_balance_gwei: u64::MAX as u128 + 5,
            ..s.clone()
        };
        let xb = big.to_instances().unwrap();
        assert_eq!(FinalStatement::from_instances(&xb), Some(big));
        assert_eq!(
            Statement::Final.describe(&xb)["total_balance_gwei"],
            (u64::MAX as u128 + 5).to_string()
        );
        // Out-of-range values are refused, never wrapped.
        let mut bad = x.clone();
        bad[final_at::SLOT] = -Fr::one();
        assert_eq!(FinalStatement::from_instances(&bad), None);
        assert_eq!(
            Statement::Final.describe(&bad)["slot"],
            fr_hex(&-Fr::one()).as_str()
        );
        bad[final_at::POOL_EXACT] = Fr::from(3u64);
        assert_eq!(FinalStatement::from_instances(&bad[..]), None);
        // Mode 2 is a credential set, and round-trips.
        let set = FinalStatement {
            pool_exact: false,
            pool_set: true,
            ..s.clone()
        };
        let xs = set.to_instances().unwrap();
        assert_eq!(xs[final_at::POOL_EXACT], Fr::from(2u64));
        assert_eq!(FinalStatement::from_instances(&xs), Some(set));
        assert!(Statement::Final.describe(&x[1..]).contains_key("error"));
    }

    #[test]
    fn a_final_node_reorders_its_summary() {
        let summary: Vec<Fr> = (0..SUMMARY_LEN as u64).map(Fr::from).collect();
        let f = final_from_summary(&summary);
        let expect: Vec<Fr> = [5u64, 6, 4, 7, 8, 9, 2, 10, 11, 12, 13, 14]
            .into_iter()
            .map(Fr::from)
            .collect();
        assert_eq!(f, expect);
    }
}

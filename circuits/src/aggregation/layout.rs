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

use crate::public_inputs::{balance_instances, REGISTRY_INSTANCES};
use serde::{Deserialize, Serialize};

/// Accumulator limbs at the front of every aggregation proof's instances.
pub const ACC_LIMBS: usize = 12;
/// Instances of a summary statement.
pub const SUMMARY_LEN: usize = 15;
/// Instances of the final statement (after the accumulator).
pub const FINAL_LEN: usize = 12;

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
}

impl Statement {
    /// Whether the proof is an aggregation (its instances start with an accumulator).
    pub fn has_accumulator(&self) -> bool {
        !matches!(
            self,
            Statement::RegistryLeaf { .. } | Statement::BalanceLeaf { .. }
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

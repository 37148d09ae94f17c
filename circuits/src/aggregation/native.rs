//! Native twin of the aggregation's combination: the same relations over plain values, with
//! an error naming the first one that fails (the pipeline refuses such children before proving).

use super::layout::{final_from_summary, summary_at, NodeSpec, NodeWitness, Statement};
use crate::gadgets::u128_from_fr;
use crate::public_inputs::fr_hex;
use crate::Fr;

/// Children whose statements do not combine.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum CombineError {
    /// The node itself is not valid for these statements.
    #[error(transparent)]
    Node(#[from] super::layout::BadNode),
    /// A child has the wrong number of instances.
    #[error("child {child} has {found} instances, its statement {expected}")]
    Length {
        /// Child position.
        child: usize,
        /// Instances found.
        found: usize,
        /// Instances of its statement.
        expected: usize,
    },
    /// Two values that must be equal differ.
    #[error("{what}: {left} ≠ {right}")]
    Mismatch {
        /// Which relation.
        what: String,
        /// Left value (hex).
        left: String,
        /// Right value (hex).
        right: String,
    },
    /// A value that must be an integer (an index, a length) is 2^128 or more.
    #[error("{what}: {value} is not an integer below 2^128")]
    NotAnInteger {
        /// Which value.
        what: String,
        /// The field element (hex).
        value: String,
    },
}

/// A field element in an error: [`fr_hex`] without its leading zeros.
pub(crate) fn hex(f: &Fr) -> String {
    let s = fr_hex(f);
    let t = s[2..].trim_start_matches('0');
    format!("0x{}", if t.is_empty() { "0" } else { t })
}

/// An integer the relations compute with; a child that carries anything else is refused.
fn u(what: &str, f: &Fr) -> Result<u128, CombineError> {
    u128_from_fr(f).ok_or_else(|| CombineError::NotAnInteger {
        what: what.into(),
        value: hex(f),
    })
}

fn check(what: impl Into<String>, a: &Fr, b: &Fr) -> Result<(), CombineError> {
    if a == b {
        Ok(())
    } else {
        Err(CombineError::Mismatch {
            what: what.into(),
            left: hex(a),
            right: hex(b),
        })
    }
}

const SUMMARY_NAMES: [&str; 8] = [
    "L",
    "epoch",
    "slot",
    "block root (hi)",
    "block root (lo)",
    "pool mode",
    "pool credentials (hi)",
    "pool credentials (lo)",
];

/// The node's output instances (accumulator excluded) from its children's (accumulators
/// excluded), or the first relation that fails.
pub fn combine_native(spec: &NodeSpec, children: &[Vec<Fr>]) -> Result<Vec<Fr>, CombineError> {
    combine_native_with(spec, children, &NodeWitness::default())
}

/// [`combine_native`] with the node's witnesses (a wrap's neutral flag, the final's pool).
pub fn combine_native_with(
    spec: &NodeSpec,
    children: &[Vec<Fr>],
    w: &NodeWitness,
) -> Result<Vec<Fr>, CombineError> {
    use crate::chain::{layout as cl, native as cn};
    use Statement::*;
    spec.output()?;
    for (i, (c, s)) in children.iter().zip(&spec.children).enumerate() {
        if c.len() != s.len() {
            return Err(CombineError::Length {
                child: i,
                found: c.len(),
                expected: s.len(),
            });
        }
    }
    let out = match (spec.children.as_slice(), children) {
        ([RegistryLeaf { .. }], [c]) => vec![c[0], c[2], c[3], c[4], c[1], c[5], c[6], c[7]],
        ([BalanceLeaf { .. }], [c]) | ([Summary], [c]) => c.clone(),
        ([Registry { n_r, ranges }, Registry { .. }], [a, b]) => {
            for i in 1..4 {
                check("pool of adjacent registry runs", &a[i], &b[i])?;
            }
            check(
                "registry runs are adjacent (next start)",
                &(a[0] + Fr::from(n_r * *ranges as u64)),
                &b[0],
            )?;
            let mut out = a.clone();
            out.extend_from_slice(&b[4..]);
            out
        }
        ([Registry { .. }, Balance { n_b, n_r }], [r, b]) => {
            let m = (n_b / n_r) as usize;
            check("registry and balance ranges start together", &r[0], &b[0])?;
            let len = u("L of the balance proof", &b[1])?;
            let start = u("start of the registry run", &r[0])?;
            for j in 0..m {
                let reg = &r[4 + 4 * j..8 + 4 * j];
                for (k, what) in ["root (hi)", "root (lo)", "commitment"].iter().enumerate() {
                    check(
                        format!("registry range {j} {what} used by the balance proof"),
                        &reg[1 + k],
                        &b[6 + 3 * j + k],
                    )?;
                }
                let a_j = start.saturating_add((j as u128) * *n_r as u128);
                let fill = len.saturating_sub(a_j).min(*n_r as u128);
                check(
                    format!("registry range {j} fill against L"),
                    &reg[0],
                    &Fr::from(fill as u64),
                )?;
            }
            let mut out = vec![
                b[0],
                b[0] + Fr::from(*n_b),
                b[1],
                b[2],
                b[3],
                b[4],
                b[5],
                r[1],
                r[2],
                r[3],
            ];
            out.extend_from_slice(&b[6 + 3 * m..11 + 3 * m]);
            out
        }
        ([Summary, Summary], [a, b]) => {
            check("summaries are adjacent (end = next start)", &a[1], &b[0])?;
            for (i, name) in SUMMARY_NAMES.iter().enumerate() {
                check(format!("{name} of both halves"), &a[2 + i], &b[2 + i])?;
            }
            let mut out = vec![a[0], b[1]];
            out.extend_from_slice(&a[2..10]);
            out.extend((10..15).map(|i| a[i] + b[i]));
            out
        }
        ([DeltaLeaf { .. }], [_]) if w.neutral => cl::neutral(cl::CHAIN_LEN),
        ([DeltaLeaf { .. }], [c]) => cl::chain_from_delta_leaf(c),
        ([PoolBalanceLeaf { .. }], [_]) if w.neutral => cl::neutral(cl::POOL_SUM_LEN),
        ([PoolBalanceLeaf { n_b }], [c]) => cl::sum_from_pool_balance_leaf(c, *n_b),
        ([Chain, Chain], [a, b]) => cn::join_chain(a, b)?,
        ([PoolSum, PoolSum], [a, b]) => cn::join_sums(a, b)?,
        ([PendingLeaf { n }], [c]) => crate::pending::aggregate::run_from_leaf(c, *n, w.neutral),
        ([Pending, Pending], [a, b]) => crate::pending::aggregate::join_native(a, b)?,
        ([Chain, PoolSum], [a, b]) => {
            let pool = w.pool.ok_or_else(|| CombineError::Mismatch {
                what: "the chain's final node needs the pool as a witness".into(),
                left: "none".into(),
                right: "(exact, hi, lo)".into(),
            })?;
            return cn::finalize(a, b, &pool);
        }
        ([Summary, Pending], [a, b]) => {
            let fin = finalize_summary(a)?;
            return crate::pending::aggregate::finalize_with_queue(&fin, a, b);
        }
        _ => unreachable!("output() accepted the node"),
    };
    if !spec.finalize {
        return Ok(out);
    }
    finalize_summary(&out)
}

/// The final statement of a summary that covers the whole registry (`start = 0`, `L ≤ end`).
fn finalize_summary(out: &[Fr]) -> Result<Vec<Fr>, CombineError> {
    use summary_at as s;
    check("the final range starts at 0", &out[s::START], &Fr::zero())?;
    let (len, end) = (&out[s::REGISTRY_LENGTH], &out[s::END]);
    if u("L", len)? > u("end of the covered range", end)? {
        return Err(CombineError::Mismatch {
            what: "the final range reaches L (L ≤ end)".into(),
            left: hex(len),
            right: hex(end),
        });
    }
    Ok(final_from_summary(out))
}

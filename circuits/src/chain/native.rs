//! Native twin of the chain tree's nodes: the same relations as the in-circuit combination,
//! over plain values, with an error naming the first one that fails.
//!
//! - [`join_chain`]: two chain statements in order (`a.new = b.old`, same pool); a neutral
//!   child passes the other through.
//! - [`join_sums`]: two pool sums of disjoint ranges in order (`a.end ≤ b.start`), sharing
//!   `L, epoch, slot, block root, D, A`; totals add up.
//! - [`finalize`]: the chain and the sum of one block: the chain ends at the sum's `(D, L, A)`,
//!   and the proven ranges hold every member (`Σ count = A.count`). Outputs the final statement
//!   with the registry anchors.

use super::layout::{
    anchor, chain_at as c, sum_at as s, ChainState, PoolInstances, CHAIN_LEN, FINAL_CHAIN_LEN,
    POOL_SUM_LEN, STATE_LEN,
};
use crate::aggregation::native::CombineError;
use crate::gadgets::u128_from_fr;
use crate::public_inputs::fr_hex;
use crate::Fr;

fn mismatch(what: &str, a: &Fr, b: &Fr) -> CombineError {
    CombineError::Mismatch {
        what: what.into(),
        left: fr_hex(a),
        right: fr_hex(b),
    }
}

fn check(what: &str, a: &Fr, b: &Fr) -> Result<(), CombineError> {
    if a == b {
        Ok(())
    } else {
        Err(mismatch(what, a, b))
    }
}

fn checks(what: &str, a: &[Fr], b: &[Fr]) -> Result<(), CombineError> {
    a.iter().zip(b).try_for_each(|(x, y)| check(what, x, y))
}

fn int(what: &str, f: &Fr) -> Result<u128, CombineError> {
    u128_from_fr(f).ok_or_else(|| CombineError::NotAnInteger {
        what: what.into(),
        value: fr_hex(f),
    })
}

fn len(child: usize, v: &[Fr], expected: usize) -> Result<(), CombineError> {
    if v.len() == expected {
        Ok(())
    } else {
        Err(CombineError::Length {
            child,
            found: v.len(),
            expected,
        })
    }
}

/// `Some(is_empty)` for a well-formed flag; a neutral statement must be all zeros after it.
pub(crate) fn empty_flag(child: usize, v: &[Fr]) -> Result<bool, CombineError> {
    if v[0] == Fr::zero() {
        Ok(false)
    } else if v[0] == Fr::one() && v[1..].iter().all(|x| *x == Fr::zero()) {
        Ok(true)
    } else {
        Err(CombineError::Mismatch {
            what: format!("child {child}: neutral flag with values, or not a bit"),
            left: fr_hex(&v[0]),
            right: "0 or 1 (then all zeros)".into(),
        })
    }
}

/// Two chain statements in order.
pub fn join_chain(a: &[Fr], b: &[Fr]) -> Result<Vec<Fr>, CombineError> {
    len(0, a, CHAIN_LEN)?;
    len(1, b, CHAIN_LEN)?;
    match (empty_flag(0, a)?, empty_flag(1, b)?) {
        (true, _) => Ok(b.to_vec()),
        (false, true) => Ok(a.to_vec()),
        (false, false) => {
            checks(
                "pool of consecutive deltas",
                &a[c::POOL..c::OLD],
                &b[c::POOL..c::OLD],
            )?;
            checks(
                "consecutive deltas: the first's new state is the second's old state",
                &a[c::NEW..c::NEW + STATE_LEN],
                &b[c::OLD..c::OLD + STATE_LEN],
            )?;
            let mut out = a[..c::NEW].to_vec();
            out.extend_from_slice(&b[c::NEW..]);
            Ok(out)
        }
    }
}

/// Two pool sums in order.
pub fn join_sums(a: &[Fr], b: &[Fr]) -> Result<Vec<Fr>, CombineError> {
    len(0, a, POOL_SUM_LEN)?;
    len(1, b, POOL_SUM_LEN)?;
    match (empty_flag(0, a)?, empty_flag(1, b)?) {
        (true, _) => Ok(b.to_vec()),
        (false, true) => Ok(a.to_vec()),
        (false, false) => {
            let end = int("end of the first ranges", &a[s::END])?;
            let start = int("start of the second ranges", &b[s::START])?;
            if end > start {
                return Err(mismatch(
                    "ranges in order, none twice (first end ≤ second start)",
                    &a[s::END],
                    &b[s::START],
                ));
            }
            let shared = s::SHARED..s::SHARED + s::SHARED_LEN;
            checks(
                "L, epoch, slot, block root, D and A of joined ranges",
                &a[shared.clone()],
                &b[shared],
            )?;
            let mut out = a.to_vec();
            out[s::END] = b[s::END];
            for i in s::TOTALS..POOL_SUM_LEN {
                out[i] = a[i] + b[i];
            }
            Ok(out)
        }
    }
}

/// The final statement from the chain tree's top and the pool-sum tree's top. A neutral chain
/// (no registry change) takes the pool from `pool`; otherwise `pool` must be the chain's.
pub fn finalize(chain: &[Fr], sum: &[Fr], pool: &PoolInstances) -> Result<Vec<Fr>, CombineError> {
    len(0, chain, CHAIN_LEN)?;
    len(1, sum, POOL_SUM_LEN)?;
    if empty_flag(1, sum)? {
        return Err(CombineError::Mismatch {
            what: "the final needs at least one proven range (it binds the block root)".into(),
            left: "neutral".into(),
            right: "a pool sum".into(),
        });
    }
    let head = [
        sum[s::D],
        sum[s::D + 1],
        sum[s::SHARED],
        sum[s::A],
        sum[s::A + 1],
    ];
    check(
        "every member counted: Σ count of proven ranges = A.count",
        &sum[s::TOTALS],
        &sum[s::A + 1],
    )?;
    let old = if empty_flag(0, chain)? {
        head
    } else {
        checks("pool of the chain", &chain[c::POOL..c::OLD], pool)?;
        checks(
            "the chain ends at the block's registry (D, L, A)",
            &chain[c::NEW..c::NEW + STATE_LEN],
            &head,
        )?;
        let mut o = [Fr::zero(); STATE_LEN];
        o.copy_from_slice(&chain[c::OLD..c::OLD + STATE_LEN]);
        o
    };
    let anchor_old = if old == ChainState::cold().instances() {
        Fr::zero()
    } else {
        anchor(pool, &old)
    };
    let mut out = Vec::with_capacity(FINAL_CHAIN_LEN);
    out.extend_from_slice(&sum[s::SHARED + 3..s::SHARED + 5]); // block root
    out.push(sum[s::SHARED + 2]); // slot
    out.extend_from_slice(pool);
    out.push(sum[s::SHARED]); // L
    out.extend_from_slice(&sum[s::TOTALS..]);
    out.push(anchor_old);
    out.push(anchor(pool, &head));
    Ok(out)
}

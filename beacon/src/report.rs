//! The native pool report: the reference the circuits must reproduce.
//!
//! Definitions, at `epoch = state.slot / SLOTS_PER_EPOCH`, over every index `i < L` whose
//! withdrawal credentials belong to the pool:
//! - `validator_count`: number of such validators;
//! - `total_balance_gwei`: Σ `balances[i]` (as `u128`: no overflow whatever the inputs);
//! - `active_count`: `activation_epoch ≤ epoch < exit_epoch` (the spec's `is_active_validator`);
//! - `exited_count`: `exit_epoch ≤ epoch` (exited, whether or not yet withdrawable);
//! - `slashed_count`: `slashed` is set.

use crate::beacon::{BeaconState, StateTree, Validator};
use crate::hash::Node;
use crate::hexfmt::{self, HexError};
use crate::pool_set::CredentialKeys;
use rayon::prelude::*;
use std::fmt;
use std::str::FromStr;

/// Which validators belong to the pool.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Pool {
    /// An execution address: credentials `0x01‖0×11‖address` and `0x02‖0×11‖address` both count.
    Address([u8; 20]),
    /// An exact 32-byte credential (e.g. a BLS `0x00` one).
    Credentials([u8; 32]),
    /// A set of addresses and credentials ([`crate::pool_set`]), from a pool file.
    Set(std::sync::Arc<CredentialKeys>),
}

/// A malformed pool argument: not hex, or not 20 (address) / 32 (credentials) bytes.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum PoolParseError {
    /// Not hex, or the wrong number of bytes ([`HexError`] names which).
    #[error(transparent)]
    Hex(#[from] HexError),
}

impl Pool {
    /// Parses a 20-byte `0x…` execution address.
    pub fn parse_address(s: &str) -> Result<Self, PoolParseError> {
        Ok(Pool::Address(hexfmt::parse_fixed(s)?))
    }

    /// Parses 32-byte `0x…` withdrawal credentials (see [`Pool::from_credentials`]).
    pub fn parse_credentials(s: &str) -> Result<Self, PoolParseError> {
        Ok(Pool::from_credentials(hexfmt::parse_fixed(s)?))
    }

    /// A pool from withdrawal credentials: `0x01`/`0x02` execution credentials name their
    /// address (both forms count); any other credential is matched exactly.
    pub fn from_credentials(c: [u8; 32]) -> Self {
        if (c[0] == 0x01 || c[0] == 0x02) && c[1..12].iter().all(|&b| b == 0) {
            Pool::Address(c[12..].try_into().expect("20 bytes"))
        } else {
            Pool::Credentials(c)
        }
    }

    /// Whether credentials `wc` belong to the pool.
    #[inline]
    pub fn matches(&self, wc: &[u8; 32]) -> bool {
        match self {
            Pool::Address(a) => {
                (wc[0] == 0x01 || wc[0] == 0x02)
                    && wc[1..12].iter().all(|&b| b == 0)
                    && wc[12..] == a[..]
            }
            Pool::Credentials(c) => wc == c,
            Pool::Set(s) => s.contains(wc),
        }
    }

    /// The `0x01` or `0x02` credentials of an address pool; a credential pool's credentials;
    /// the zero chunk for a set (which the circuits name by its root instead).
    pub fn credentials(&self, prefix: u8) -> [u8; 32] {
        match self {
            Pool::Address(a) => {
                let mut c = [0u8; 32];
                c[0] = prefix;
                c[12..].copy_from_slice(a);
                c
            }
            Pool::Credentials(c) => *c,
            Pool::Set(_) => [0u8; 32],
        }
    }
}

impl fmt::Display for Pool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pool::Address(a) => write!(
                f,
                "address 0x{} (0x01 and 0x02 credentials)",
                hex::encode(a)
            ),
            Pool::Credentials(c) => write!(f, "credentials 0x{} (exact)", hex::encode(c)),
            Pool::Set(s) => write!(
                f,
                "set of {} addresses and credentials (depth {})",
                s.keys().len(),
                s.depth()
            ),
        }
    }
}

impl FromStr for Pool {
    type Err = PoolParseError;

    /// 20 bytes parse as an address, 32 as credentials.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match hexfmt::parse(s)?.len() {
            20 => Pool::parse_address(s),
            _ => Pool::parse_credentials(s),
        }
    }
}

/// A report that cannot be computed.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum ReportError {
    /// A pool validator without a balance (the balances list is shorter than the registry).
    #[error("validator {index} belongs to the pool but the balances list has only {len} entries")]
    MissingBalance {
        /// The validator index.
        index: u64,
        /// Length of the balances list.
        len: u64,
    },
}

/// Counts and sums over the pool's validators (see the module docs for definitions).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct PoolTotals {
    /// Pool validators in the registry.
    pub validator_count: u64,
    /// Σ balances in gwei.
    pub total_balance_gwei: u128,
    /// Active at the epoch.
    pub active_count: u64,
    /// Exited at or before the epoch.
    pub exited_count: u64,
    /// Slashed.
    pub slashed_count: u64,
}

impl PoolTotals {
    /// Adds one pool validator with its balance.
    #[inline]
    pub fn add(&mut self, v: &Validator, balance: u64, epoch: u64) {
        self.validator_count += 1;
        self.total_balance_gwei += balance as u128;
        self.active_count += (v.activation_epoch <= epoch && epoch < v.exit_epoch) as u64;
        self.exited_count += (v.exit_epoch <= epoch) as u64;
        self.slashed_count += v.slashed as u64;
    }

    /// Combines two disjoint ranges' totals.
    pub fn merge(self, o: PoolTotals) -> PoolTotals {
        PoolTotals {
            validator_count: self.validator_count + o.validator_count,
            total_balance_gwei: self.total_balance_gwei + o.total_balance_gwei,
            active_count: self.active_count + o.active_count,
            exited_count: self.exited_count + o.exited_count,
            slashed_count: self.slashed_count + o.slashed_count,
        }
    }
}

/// The pool's deposits waiting in the state's `pending_deposits` queue (Electra on): entries
/// whose withdrawal credentials belong to the pool (in either `0x01`/`0x02` form for an
/// address). Top-ups to a pool validator made with other credentials are not counted; a
/// deposit for a new key whose signature turns out invalid is counted until the queue
/// processes it. Zero before Electra. Proven when a report is made with its queue
/// (`stakeproof prove --pending-size`), as two more public inputs of the final proof.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct PendingDeposits {
    /// Matching entries.
    pub pending_deposit_count: u64,
    /// Σ their `amount`, gwei (as `u128`: no overflow whatever the inputs).
    pub pending_deposit_gwei: u128,
}

/// Size of one SSZ `PendingDeposit`: pubkey 48, withdrawal credentials 32, amount 8,
/// signature 96, slot 8.
pub const PENDING_DEPOSIT_SIZE: usize = 192;

/// The pool's pending deposits of `state` (zero before Electra, where the queue does not exist).
pub fn pending_deposits(state: &BeaconState, pool: &Pool) -> PendingDeposits {
    let Some(queue) = state.pending_deposit_entries() else {
        return PendingDeposits::default();
    };
    queue
        .iter()
        .filter(|d| pool.matches(d[48..80].try_into().expect("32 bytes")))
        .fold(PendingDeposits::default(), |mut acc, d| {
            acc.pending_deposit_count += 1;
            acc.pending_deposit_gwei +=
                u64::from_le_bytes(d[80..88].try_into().expect("8 bytes")) as u128;
            acc
        })
}

/// The pool's report at one state.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct PoolReport {
    /// Fork of the state.
    pub fork: String,
    /// The state's slot.
    pub slot: u64,
    /// The epoch the counts refer to.
    pub epoch: u64,
    /// The pool, as matched.
    pub pool: String,
    /// Registry length L.
    pub registry_length: u64,
    /// The totals.
    #[serde(flatten)]
    pub totals: PoolTotals,
    /// The pool's pending deposits (native only, see [`PendingDeposits`]).
    #[serde(flatten)]
    pub pending: PendingDeposits,
    /// `hash_tree_root(state)`.
    #[serde(with = "crate::hex32")]
    pub state_root: Node,
    /// The root of the block this state belongs to, when it is a post-block state.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "opt_hex")]
    pub block_root: Option<Node>,
}

fn opt_hex<S: serde::Serializer>(v: &Option<Node>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(n) => crate::hex32::serialize(n, s),
        None => s.serialize_none(),
    }
}

/// Totals for the pool over the validator index range `range` of `state`, at `epoch`.
pub fn pool_totals(
    state: &BeaconState,
    pool: &Pool,
    epoch: u64,
    range: std::ops::Range<u64>,
) -> Result<PoolTotals, ReportError> {
    let bal_len = state.balance_count();
    let balances = state.balances_ssz();
    let vals = state.validators_ssz();
    let end = range.end.min(state.validator_count());
    (range.start as usize..end as usize)
        .into_par_iter()
        .with_min_len(4096)
        .try_fold(PoolTotals::default, |mut acc, i| {
            let at = i * 121;
            let i = i as u64;
            let wc: &[u8; 32] = vals[at + 48..at + 80].try_into().expect("32 bytes");
            if pool.matches(wc) {
                if i >= bal_len {
                    return Err(ReportError::MissingBalance {
                        index: i,
                        len: bal_len,
                    });
                }
                let b = u64::from_le_bytes(
                    balances[i as usize * 8..i as usize * 8 + 8]
                        .try_into()
                        .expect("8 bytes"),
                );
                acc.add(&Validator::from_ssz(&vals[at..at + 121]), b, epoch);
            }
            Ok(acc)
        })
        .try_reduce(PoolTotals::default, |a, b| Ok(a.merge(b)))
}

/// The pool report of a whole state at its own epoch (merkleizes the state for its roots).
pub fn pool_report(state: &BeaconState, pool: &Pool) -> Result<PoolReport, ReportError> {
    pool_report_with(state, state.tree().ok().as_ref(), pool)
}

/// The pool report when the state's trees are already built (`None`: the state is not a
/// post-block state, so only its state root is reported).
pub fn pool_report_with(
    state: &BeaconState,
    tree: Option<&StateTree>,
    pool: &Pool,
) -> Result<PoolReport, ReportError> {
    let epoch = state.epoch();
    let totals = pool_totals(state, pool, epoch, 0..state.validator_count())?;
    let (state_root, block_root) = match tree {
        Some(t) => (t.state_root(), Some(t.block_root())),
        None => (state.hash_tree_root(), None),
    };
    Ok(PoolReport {
        fork: state.fork().to_string(),
        slot: state.slot(),
        epoch,
        pool: pool.to_string(),
        registry_length: state.validator_count(),
        totals,
        pending: pending_deposits(state, pool),
        state_root,
        block_root,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pools_parse_through_hexfmt() {
        let addr = "0x57a4e0005a4e0000000000000000000000000001";
        let Pool::Address(a) = addr.parse::<Pool>().unwrap() else {
            panic!("20 bytes are an address")
        };
        assert_eq!(Pool::parse_address(addr).unwrap(), Pool::Address(a));
        let cred = format!("0x01{}{}", "00".repeat(11), &addr[2..]);
        assert_eq!(cred.parse::<Pool>().unwrap(), Pool::Address(a));
        let bls = format!("0x00{}", "ab".repeat(31));
        assert_eq!(
            bls.parse::<Pool>().unwrap(),
            Pool::Credentials(crate::hexfmt::parse_fixed(&bls).unwrap())
        );
        let err = |s: &str| s.parse::<Pool>().unwrap_err().to_string();
        assert!(
            err(&addr[..41]).contains("odd number"),
            "{}",
            err(&addr[..41])
        );
        assert!(err(&format!("0x{addr}")).contains("twice"));
        assert!(err("0x0102").contains("expected 32"));
        assert!(Pool::parse_address(&addr[..40])
            .unwrap_err()
            .to_string()
            .contains("expected 20"));
    }
}

//! The pool as the circuits see it: a mode and 32 bytes (a credential, or a set's root).

use crate::pool_set::CredentialSet;
use stakeproof_beacon::report::Pool;
use std::sync::Arc;

/// A pool in circuit form; its public form is `(mode, hi, lo)` ([`PoolSpec::mode`] and the two
/// 128-bit halves of `credentials`).
///
/// - Address pools are `0x01‖0×11‖address` with `exact = false`: any credential whose bytes
///   1..32 equal these and whose prefix is `0x01` or `0x02` belongs (mode 0).
/// - Exact pools match one 32-byte credential (mode 1).
/// - Set pools ([`crate::pool_set`]) carry their set; `credentials` is its Poseidon root,
///   big-endian (mode 2).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PoolSpec {
    /// Match the whole credential (true) or the address with either prefix (false); false
    /// for a set.
    pub exact: bool,
    /// The credential bytes (for an address pool, its `0x01` form; for a set, its root).
    pub credentials: [u8; 32],
    /// The credential set of a set pool.
    pub set: Option<Arc<CredentialSet>>,
}

/// The public mode of a set pool.
pub const SET_MODE: u64 = 2;

impl From<&Pool> for PoolSpec {
    fn from(p: &Pool) -> Self {
        match p {
            Pool::Address(_) => PoolSpec {
                exact: false,
                credentials: p.credentials(0x01),
                set: None,
            },
            Pool::Credentials(c) => PoolSpec {
                exact: true,
                credentials: *c,
                set: None,
            },
            Pool::Set(keys) => PoolSpec::of_set(CredentialSet::cached(keys)),
        }
    }
}

impl PoolSpec {
    /// A single address or credential pool.
    pub fn single(exact: bool, credentials: [u8; 32]) -> Self {
        PoolSpec {
            exact,
            credentials,
            set: None,
        }
    }

    /// The pool of a credential set.
    pub fn of_set(set: Arc<CredentialSet>) -> Self {
        PoolSpec {
            exact: false,
            credentials: set.root_bytes(),
            set: Some(set),
        }
    }

    /// The public mode: 0 address, 1 exact credential, 2 set.
    pub fn mode(&self) -> u64 {
        if self.set.is_some() {
            SET_MODE
        } else {
            self.exact as u64
        }
    }

    /// Depth of the set's tree (0 for a single pool): part of a registry circuit's shape.
    pub fn set_depth(&self) -> u32 {
        self.set.as_ref().map_or(0, |s| s.depth())
    }

    /// Whether credentials `wc` belong to the pool (the native twin of the in-circuit match).
    pub fn matches(&self, wc: &[u8; 32]) -> bool {
        if let Some(s) = &self.set {
            s.contains(wc)
        } else if self.exact {
            wc == &self.credentials
        } else {
            (wc[0] == 0x01 || wc[0] == 0x02) && wc[1..] == self.credentials[1..]
        }
    }
}

//! The pool as the circuits see it: 32 credential bytes and a mode.

use stakeproof_beacon::report::Pool;

/// A pool in circuit form. Address pools are `0x01‖0×11‖address` with `exact = false`: any
/// credential whose bytes 1..32 equal these and whose prefix is `0x01` or `0x02` belongs.
/// Exact pools match one 32-byte credential.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PoolSpec {
    /// Match the whole credential (true) or the address with either prefix (false).
    pub exact: bool,
    /// The credential bytes (for an address pool, its `0x01` form).
    pub credentials: [u8; 32],
}

impl From<&Pool> for PoolSpec {
    fn from(p: &Pool) -> Self {
        match p {
            Pool::Address(_) => PoolSpec {
                exact: false,
                credentials: p.credentials(0x01),
            },
            Pool::Credentials(c) => PoolSpec {
                exact: true,
                credentials: *c,
            },
        }
    }
}

impl PoolSpec {
    /// Whether credentials `wc` belong to the pool (the native twin of the in-circuit match).
    pub fn matches(&self, wc: &[u8; 32]) -> bool {
        if self.exact {
            wc == &self.credentials
        } else {
            (wc[0] == 0x01 || wc[0] == 0x02) && wc[1..] == self.credentials[1..]
        }
    }
}

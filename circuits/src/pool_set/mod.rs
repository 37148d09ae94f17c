//! Credential sets: a pool of many addresses and credentials (Rocket Pool's minipools, ether.fi's
//! EigenPods, StakeWise vaults), committed in one Poseidon root, with every validator shown to
//! be in the set **or not in it**.
//!
//! # Construction: a sorted interval tree
//!
//! - **Keys.** A validator's credential `wc` is read as a 256-bit key, [`key_of`]: a `0x01` or
//!   `0x02` credential becomes `0x01‖wc[1..32]` (both forms pay the same address, so both
//!   count), any other credential is itself. The key is two 128-bit limbs `(hi, lo)`, ordered
//!   as the 256-bit number.
//! - **Leaves.** The set's distinct keys sorted, `s_0 < … < s_{m−1}`, cut `[0, 2^256)` into
//!   `m + 1` half-open intervals: leaf 0 is `[0, s_0)` (flag 0), leaf `j ≥ 1` is
//!   `[s_{j−1}, s_j)` with `s_m = 2^256` (flag 1: its low end is a member). A leaf hashes as
//!   `Poseidon(low_hi, low_lo, high_hi, high_lo, flag)`; `high_hi = 2^128` stands for 2^256.
//!   Slots past `m` hold 0 (no leaf hashes to 0).
//! - **Tree.** A Poseidon Merkle tree (`Poseidon(l, r)`) of fixed depth `d` over `2^d` slots:
//!   up to `2^d − 1` entries. The depth is a parameter of the circuits, not of the set, so a set
//!   that grows within its capacity keeps its keys.
//! - **Query** ([`constraints::membership`]): for key `k`, witness a leaf and its path; the
//!   circuit checks the path to the root and `low ≤ k < high`, and reads
//!   `member = flag ∧ k = low`. Every key lies in exactly one leaf of a well-formed tree, so a
//!   member cannot be shown outside (its own leaf is the only one containing it, and says
//!   member) and a non-member cannot be shown inside.
//! - **Well-formedness** ([`circuit`]): that soundness needs the tree to be built from strictly
//!   increasing keys. The set circuit proves it once per set: it takes the padded sorted keys
//!   and the count `m`, checks `s_{j−1} < s_j` below `m`, builds the leaves and the tree, and
//!   exposes `(root, m)`. An unsorted list or a duplicate fails there.
//!
//! Cost: one Poseidon leaf (5 elements), `d` Poseidon parents and four limb comparisons per
//! validator, against about 140k cells of SHA-256 for its container; figures in
//! `benches/pool-set-cost.json` (`cargo run --release -p stakeproof-circuits --example
//! pool_set_cost`).

pub mod circuit;
pub mod constraints;
pub mod native;

pub use circuit::{PoolSetWitness, SetQueryWitness};
pub use native::{key_of, CredentialSet, Interval, SetError, SetKey, SetPath};

/// Deepest set tree (one definition, the pool file's).
pub use stakeproof_beacon::pool_set::MAX_SET_DEPTH;

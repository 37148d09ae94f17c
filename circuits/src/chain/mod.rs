//! The registry-chain design's aggregation statements (issue #15): a report's registry is
//! proven as a chain of deltas from the previous report's state (or from the empty registry),
//! and balances only for the ranges that hold pool members, reading membership from the
//! accounts tree [`crate::accounts`].
//!
//! - [`layout`]: the chain, pool-sum and final statements, the neutral padding statement and
//!   the registry anchor;
//! - [`native`]: the nodes' relations in plain Rust (the twin the in-circuit nodes follow).
//!
//! Why it is sound, and what it costs: `docs/ARCHITECTURE.md`, "Registry chain".

pub mod constraints;
pub mod layout;
pub mod native;

pub use layout::{anchor, ChainState};
pub use native::{finalize, join_chain, join_sums};

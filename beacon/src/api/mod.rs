//! Beacon API client with a content-addressed state cache.
//!
//! The client reads two endpoints of a beacon node:
//!
//! - `GET /eth/v1/beacon/headers/{block_id}` (JSON) to find the block of a slot, epoch boundary,
//!   `head` or `finalized`; an empty slot answers 404 and the client walks back slot by slot
//!   (at most [`ClientConfig::max_lookback`] slots) to the last block at or before it;
//! - `GET /eth/v2/debug/beacon/states/0x{state_root}` with `Accept: application/octet-stream`
//!   for the SSZ post-state of that block, whose fork is named by the `Eth-Consensus-Version`
//!   response header.
//!
//! Nothing the node sends is trusted: the header's `root` must be the `hash_tree_root` of its
//! message, the state must decode strictly under the announced fork (and the network config's
//! fork versions), `hash_tree_root(state)` must equal the header's `state_root`, and the block
//! root rebuilt from the state's `latest_block_header` must equal the header's root.
//!
//! Requests time out ([`ClientConfig::timeout`], for connecting and for each read) and are
//! retried with exponential backoff on 5xx answers, timeouts, connection failures and truncated
//! bodies; 404 and other 4xx answers are never retried.
//!
//! States are cached by root under `<cache_dir>/states/0x<state_root>.<fork>.ssz`, written
//! atomically ([`crate::atomic::write_file`]: temporary file in the same directory, fsync,
//! rename). A cached file is re-verified on every read (it must decode under its fork and hash
//! to its name); a file that fails is removed and the state downloaded again.
//!
//! The module is split by concern: [`BlockId`] parsing (`block_id`), [`ApiError`] (`error`),
//! the client and its verification of headers and states (`client`), HTTP transport with
//! timeouts and retries (`http`), and the state cache (`cache`).

mod block_id;
mod cache;
mod client;
mod error;
mod http;

pub use block_id::{BlockId, ParseBlockIdError};
pub use client::BeaconClient;
pub use error::ApiError;

use crate::beacon::{BeaconBlockHeader, BeaconState, Fork, StateTree};
use crate::hash::Node;
use std::path::PathBuf;
use std::time::Duration;

/// Settings of a [`BeaconClient`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientConfig {
    /// Base URL of the beacon node, e.g. `http://localhost:5052` (a trailing `/` is ignored).
    pub base_url: String,
    /// Time allowed to connect, and for each read of a response (not for a whole download).
    pub timeout: Duration,
    /// Retries after the first attempt of a request (5xx, timeouts, connection failures and
    /// truncated bodies are retried; 404 and other 4xx never are).
    pub retries: u32,
    /// Delay before the first retry; it doubles before each further retry.
    pub backoff: Duration,
    /// How many slots before an empty slot are tried when looking for its block.
    pub max_lookback: u64,
    /// Directory of the content-addressed state cache; `None` disables caching.
    pub cache_dir: Option<PathBuf>,
    /// When set, a state of any other fork is refused with [`ApiError::UnexpectedFork`].
    pub require_fork: Option<Fork>,
    /// Largest state body accepted, in bytes.
    pub max_state_bytes: u64,
}

impl ClientConfig {
    /// Defaults for a node at `base_url`: 30 s timeout, 3 retries from 500 ms, 64 slots of
    /// lookback, no cache, any fork, states up to 4 GiB.
    pub fn new(base_url: impl Into<String>) -> Self {
        ClientConfig {
            base_url: base_url.into(),
            timeout: Duration::from_secs(30),
            retries: 3,
            backoff: Duration::from_millis(500),
            max_lookback: 64,
            cache_dir: None,
            require_fork: None,
            max_state_bytes: 4 << 30,
        }
    }
}

/// A block header as served by the node, its root checked against its message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeaderInfo {
    /// The block root (`hash_tree_root(header)`, verified).
    pub root: Node,
    /// The block's slot.
    pub slot: u64,
    /// Whether the node reports the block as canonical (`true` when the field is absent).
    pub canonical: bool,
    /// The header (with the block's post-state root).
    pub header: BeaconBlockHeader,
}

/// A verified post-block state.
#[derive(Clone, Debug)]
pub struct FetchedState {
    /// The block whose post-state this is.
    pub header: HeaderInfo,
    /// The state's fork.
    pub fork: Fork,
    /// The decoded state.
    pub state: BeaconState,
    /// Its trees (`tree.state_root() == header.header.state_root`,
    /// `tree.block_root() == header.root`).
    pub tree: StateTree,
    /// Whether the state came from the cache (no state download).
    pub from_cache: bool,
    /// Why a cached copy was rejected and removed before the download, if one was.
    pub rejected_cache: Option<String>,
}

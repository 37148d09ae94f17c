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
//! Each attempt of a request is bounded as a whole ([`ClientConfig::timeout`]: connecting,
//! headers and the entire body, so a node that trickles bytes cannot hold it open), bodies are
//! capped ([`ClientConfig::max_state_bytes`], [`DEFAULT_MAX_STATE_BYTES`]: a larger
//! `Content-Length` is refused before reading, a longer stream is cut at the cap), and failed
//! attempts are retried with exponential backoff on 5xx answers, timeouts, connection failures
//! and truncated bodies; 404 and other 4xx answers are never retried.
//!
//! Settings are checked before the first request ([`ClientConfig::validate`]): a zero timeout,
//! a URL that is not `http(s)://host…` and a cache directory that is a file are the user's
//! mistakes, told apart from the node's by [`ApiError::blame`].
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
#[doc(hidden)]
pub use client::parse_header;
pub use client::BeaconClient;
pub use error::{ApiError, Blame};

use crate::beacon::{BeaconBlockHeader, BeaconState, Fork, StateTree};
use crate::hash::Node;
use std::path::PathBuf;
use std::time::Duration;

/// The default cap on a state body: 1 GiB. A mainnet state is about 140 bytes per validator
/// (registry entry, balance, participation, inactivity score) plus ~40 MB of fixed fields:
/// ~320 MB at 2 million validators, so 1 GiB leaves room for ~7 million; anything larger is a
/// node gone wrong (or hostile), refused as [`ApiError::TooLarge`] before it fills memory.
pub const DEFAULT_MAX_STATE_BYTES: u64 = 1 << 30;

/// Settings of a [`BeaconClient`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientConfig {
    /// Base URL of the beacon node, e.g. `http://localhost:5052` (a trailing `/` is ignored).
    pub base_url: String,
    /// Time allowed for each attempt of a request as a whole: connecting, the response headers
    /// and the entire body. Must be positive.
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
    /// Largest state body accepted, in bytes ([`DEFAULT_MAX_STATE_BYTES`] by default).
    pub max_state_bytes: u64,
}

impl ClientConfig {
    /// Defaults for a node at `base_url`: 30 s timeout, 3 retries from 500 ms, 64 slots of
    /// lookback, no cache, any fork, states up to [`DEFAULT_MAX_STATE_BYTES`].
    pub fn new(base_url: impl Into<String>) -> Self {
        ClientConfig {
            base_url: base_url.into(),
            timeout: Duration::from_secs(30),
            retries: 3,
            backoff: Duration::from_millis(500),
            max_lookback: 64,
            cache_dir: None,
            require_fork: None,
            max_state_bytes: DEFAULT_MAX_STATE_BYTES,
        }
    }

    /// Checks the settings that are the user's to get right, before anything is sent: a
    /// positive timeout ([`ApiError::BadSetting`]), an `http://` or `https://` base URL with a
    /// host ([`ApiError::BadUrl`]), a cache directory that is not a file ([`ApiError::Cache`]).
    /// [`BeaconClient`] runs it before every request.
    pub fn validate(&self) -> Result<(), ApiError> {
        if self.timeout.is_zero() {
            return Err(ApiError::BadSetting {
                setting: "timeout",
                why: "must be positive: a zero timeout fails every request before it is sent"
                    .into(),
            });
        }
        let base = self.base_url.trim();
        let bad_url = |detail: String| ApiError::BadUrl {
            url: base.to_string(),
            detail,
        };
        match ureq::get(base).request_url() {
            Ok(u) if u.scheme() == "http" || u.scheme() == "https" => {}
            Ok(u) => {
                return Err(bad_url(format!(
                    "scheme {:?}: only http:// and https:// are supported",
                    u.scheme()
                )))
            }
            Err(e) => return Err(bad_url(e.to_string())),
        }
        if let Some(dir) = &self.cache_dir {
            if dir.exists() && !dir.is_dir() {
                return Err(ApiError::Cache {
                    path: dir.clone(),
                    source: std::io::Error::new(
                        std::io::ErrorKind::NotADirectory,
                        "the cache directory is a file, not a directory",
                    ),
                });
            }
        }
        Ok(())
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

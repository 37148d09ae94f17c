//! [`ApiError`]: everything that can go wrong reading from the beacon node or the cache.

use crate::beacon::{Fork, StateError, UnknownFork};
use crate::hash::Node;
use std::io;
use std::path::PathBuf;
use std::time::Duration;

/// Everything that can go wrong reading from the beacon node or the cache.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The node answered 404 for something that must exist.
    #[error("not found (HTTP 404): {what} at {url}")]
    NotFound {
        /// What was asked for (block id or state root).
        what: String,
        /// The URL.
        url: String,
    },
    /// Every slot from `lowest` to `slot` is empty (404).
    #[error("no block at or before slot {slot}: slots {lowest}..={slot} are all empty (404) and the lookback is limited to {lookback} slots")]
    NoBlockInRange {
        /// The slot asked for.
        slot: u64,
        /// The lowest slot tried.
        lowest: u64,
        /// The configured lookback.
        lookback: u64,
    },
    /// An HTTP status other than success and 404 (after retries for 5xx).
    #[error("HTTP {status} from {url} after {attempts} attempt(s): {body:?}")]
    Status {
        /// The URL.
        url: String,
        /// The status code.
        status: u16,
        /// The start of the response body.
        body: String,
        /// Attempts made.
        attempts: u32,
    },
    /// Every attempt timed out.
    #[error("timed out (timeout {timeout:?}) on {url} after {attempts} attempt(s): {detail}")]
    Timeout {
        /// The URL.
        url: String,
        /// The configured timeout.
        timeout: Duration,
        /// Attempts made.
        attempts: u32,
        /// The last error.
        detail: String,
    },
    /// The node could not be reached (connection refused, unreachable, reset, DNS).
    #[error("cannot reach {url} after {attempts} attempt(s): {detail}")]
    Connect {
        /// The URL.
        url: String,
        /// Attempts made.
        attempts: u32,
        /// The last error.
        detail: String,
    },
    /// The connection closed before the whole body arrived.
    #[error("truncated body from {url} after {attempts} attempt(s): received {received} of {} bytes", expected.map_or_else(|| "an unknown number of".to_string(), |n| n.to_string()))]
    Truncated {
        /// The URL.
        url: String,
        /// The Content-Length, if sent.
        expected: Option<u64>,
        /// Bytes received in the last attempt.
        received: u64,
        /// Attempts made.
        attempts: u32,
    },
    /// The body is larger than allowed (announced by `Content-Length`, or streamed past it).
    #[error("response too large: the body from {url} exceeds the {limit}-byte limit")]
    TooLarge {
        /// The URL.
        url: String,
        /// The limit.
        limit: u64,
    },
    /// The node's answer is not valid HTTP (bad status line or header, redirect loop).
    #[error("HTTP protocol error from {url}: {detail}")]
    Protocol {
        /// The URL.
        url: String,
        /// What was wrong.
        detail: String,
    },
    /// The connection broke while the body was being read (not a timeout, not a clean close).
    #[error("the connection to {url} broke after {received} bytes of the body, {attempts} attempt(s): {detail}")]
    BodyInterrupted {
        /// The URL.
        url: String,
        /// Bytes received in the last attempt.
        received: u64,
        /// Attempts made.
        attempts: u32,
        /// The last error.
        detail: String,
    },
    /// A client setting that cannot be used (the user's mistake, not the node's).
    #[error("invalid beacon client setting {setting}: {why}")]
    BadSetting {
        /// The setting (`timeout`, …).
        setting: &'static str,
        /// What is wrong.
        why: String,
    },
    /// The base URL cannot be used.
    #[error("invalid beacon node URL {url}: {detail}")]
    BadUrl {
        /// The URL.
        url: String,
        /// What is wrong.
        detail: String,
    },
    /// The state response has no `Eth-Consensus-Version` header.
    #[error("the state response from {url} has no Eth-Consensus-Version header, so its fork (SSZ layout) is unknown")]
    MissingConsensusVersion {
        /// The URL.
        url: String,
    },
    /// The `Eth-Consensus-Version` header names no known fork.
    #[error("the state response from {url} has Eth-Consensus-Version {value:?}: {source}")]
    UnknownConsensusVersion {
        /// The URL.
        url: String,
        /// The header's value.
        value: String,
        /// The parse error.
        #[source]
        source: UnknownFork,
    },
    /// `Eth-Consensus-Version` and the state's own fork version disagree.
    #[error("the state from {url} is announced as {announced} (by its Eth-Consensus-Version header, or its cache file name) but its fork.current_version 0x{version} is {actual} in the {config} config")]
    ForkMismatch {
        /// The URL.
        url: String,
        /// Fork named by the response header.
        announced: Fork,
        /// Fork of the state's version under the network config.
        actual: Fork,
        /// The state's `fork.current_version`, hex.
        version: String,
        /// The network config's name.
        config: String,
    },
    /// The state is of another fork than [`super::ClientConfig::require_fork`].
    #[error("the state from {url} is a {got} state but {required} is required")]
    UnexpectedFork {
        /// Where the state came from (URL or cache file).
        url: String,
        /// Its fork.
        got: Fork,
        /// The required fork.
        required: Fork,
    },
    /// The state endpoint answered with something other than SSZ.
    #[error("expected an SSZ state (application/octet-stream) from {url} but got Content-Type {content_type:?}")]
    UnexpectedContentType {
        /// The URL.
        url: String,
        /// The Content-Type received.
        content_type: String,
    },
    /// The state bytes are not a valid post-block state of the announced fork.
    #[error("the state from {url} is invalid: {source}")]
    State {
        /// The URL.
        url: String,
        /// The decoding error.
        #[source]
        source: StateError,
    },
    /// The headers endpoint returned JSON that is not a block header response.
    #[error("malformed JSON from {url}: {detail}")]
    Json {
        /// The URL.
        url: String,
        /// What is wrong.
        detail: String,
    },
    /// The header's `root` is not the `hash_tree_root` of its message.
    #[error("the header from {url} claims root 0x{} but hash_tree_root of its message is 0x{}", hex::encode(.claimed), hex::encode(.computed))]
    HeaderRootMismatch {
        /// The URL.
        url: String,
        /// The `root` field.
        claimed: Node,
        /// `hash_tree_root(message)`.
        computed: Node,
    },
    /// The node answered with another block than the one asked for.
    #[error("{url} answered with block {got} but {wanted} was asked for")]
    UnexpectedBlock {
        /// The URL.
        url: String,
        /// What was asked for.
        wanted: String,
        /// What came back.
        got: String,
    },
    /// `hash_tree_root(state)` is not the header's `state_root`.
    #[error("state root mismatch for {url}: the block header's state_root is 0x{} but hash_tree_root(state) is 0x{}", hex::encode(.expected), hex::encode(.computed))]
    StateRootMismatch {
        /// Where the state came from.
        url: String,
        /// The header's `state_root`.
        expected: Node,
        /// `hash_tree_root` of the state received.
        computed: Node,
    },
    /// The block root rebuilt from the state is not the header's root.
    #[error("block root mismatch for {url}: the header's root is 0x{} but the state's latest_block_header (with its state root filled in) hashes to 0x{}", hex::encode(.expected), hex::encode(.computed))]
    BlockRootMismatch {
        /// Where the state came from.
        url: String,
        /// The header's root.
        expected: Node,
        /// The block root rebuilt from the state.
        computed: Node,
    },
    /// A cache file or directory could not be read, written or removed.
    #[error("state cache {}: {source}", path.display())]
    Cache {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// A block id that cannot be turned into a request.
    #[error("invalid block id: {0}")]
    BadBlockId(String),
}

/// Whose mistake an [`ApiError`] is: what the CLI's exit code says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Blame {
    /// A setting the user gave cannot be used: a zero timeout, an invalid URL, a block id out of
    /// range (exit 2, bad command line; exit 1 when the setting came from a config file).
    Setting,
    /// The local machine: the state cache cannot be read or written, e.g. the cache directory
    /// is a file (exit 1).
    Local,
    /// The beacon node: unreachable, an HTTP error, a timeout, a body too large or cut short,
    /// inconsistent or invalid data (exit 3).
    Node,
}

impl ApiError {
    /// Whose mistake this is (see [`Blame`]).
    pub fn blame(&self) -> Blame {
        match self {
            ApiError::BadSetting { .. } | ApiError::BadUrl { .. } | ApiError::BadBlockId(_) => {
                Blame::Setting
            }
            ApiError::Cache { .. } => Blame::Local,
            _ => Blame::Node,
        }
    }
}

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
//! atomically (temporary file in the same directory, fsync, rename). A cached file is
//! re-verified on every read (it must decode under its fork and hash to its name); a file that
//! fails is removed and the state downloaded again.

use crate::beacon::{
    BeaconBlockHeader, BeaconState, Fork, NetworkConfig, StateError, StateTree, UnknownFork,
};
use crate::hash::Node;
use std::fmt;
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Largest JSON body accepted from the headers endpoint (a header response is under 1 KiB).
const MAX_JSON_BYTES: u64 = 1 << 20;
/// Bytes of an error body quoted in [`ApiError::Status`].
const EXCERPT_CHARS: usize = 200;
/// Largest preallocation for a body, whatever its Content-Length says.
const MAX_PREALLOC: u64 = 64 << 20;

/// A block to read, as the caller names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BlockId {
    /// The block at this slot or, if the slot is empty, the last block before it.
    Slot(u64),
    /// The block at the first slot of this epoch (`epoch × SLOTS_PER_EPOCH`), or the last
    /// block before it.
    Epoch(u64),
    /// The node's head block.
    Head,
    /// The node's latest finalized block.
    Finalized,
    /// The block with this root.
    Root(Node),
}

/// A block id string that [`BlockId::from_str`] does not understand.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid block id {0:?}: expected `head`, `finalized`, `genesis`, a decimal slot, `epoch:<n>` or a 0x-prefixed 32-byte root")]
pub struct ParseBlockIdError(pub String);

impl FromStr for BlockId {
    type Err = ParseBlockIdError;

    /// Parses `head`, `finalized`, `genesis` (slot 0), a decimal slot, `epoch:<n>`, or a
    /// `0x`-prefixed 32-byte block root.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let lower = t.to_ascii_lowercase();
        let bad = || ParseBlockIdError(s.to_string());
        match lower.as_str() {
            "head" => return Ok(BlockId::Head),
            "finalized" => return Ok(BlockId::Finalized),
            "genesis" => return Ok(BlockId::Slot(0)),
            _ => {}
        }
        if let Some(e) = lower.strip_prefix("epoch:") {
            return e.trim().parse().map(BlockId::Epoch).map_err(|_| bad());
        }
        if lower.starts_with("0x") {
            return crate::hex32::parse(t).map(BlockId::Root).map_err(|_| bad());
        }
        if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
            return t.parse().map(BlockId::Slot).map_err(|_| bad());
        }
        Err(bad())
    }
}

impl fmt::Display for BlockId {
    /// The form [`BlockId::from_str`] reads back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BlockId::Slot(s) => write!(f, "{s}"),
            BlockId::Epoch(e) => write!(f, "epoch:{e}"),
            BlockId::Head => f.write_str("head"),
            BlockId::Finalized => f.write_str("finalized"),
            BlockId::Root(r) => write!(f, "0x{}", hex::encode(r)),
        }
    }
}

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
    /// The body is larger than allowed.
    #[error("the body from {url} exceeds the {limit}-byte limit")]
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
    /// The state is of another fork than [`ClientConfig::require_fork`].
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

/// Client of a beacon node's API.
#[derive(Clone, Debug)]
pub struct BeaconClient {
    config: ClientConfig,
    network: NetworkConfig,
    base: String,
    agent: ureq::Agent,
}

/// A successful response, body read in full.
struct Body {
    bytes: Vec<u8>,
    consensus_version: Option<String>,
    content_type: Option<String>,
}

/// Why one attempt failed.
enum Attempt {
    /// HTTP status other than 2xx and 404 (retried when 5xx).
    Status { status: u16, body: String },
    /// Connect or read timeout.
    Timeout(String),
    /// Connection failed or broke.
    Connect(String),
    /// Body shorter than announced.
    Truncated {
        expected: Option<u64>,
        received: u64,
    },
    /// Not retried.
    Fatal(ApiError),
}

impl Attempt {
    fn retryable(&self) -> bool {
        match self {
            Attempt::Status { status, .. } => *status >= 500,
            Attempt::Timeout(_) | Attempt::Connect(_) | Attempt::Truncated { .. } => true,
            Attempt::Fatal(_) => false,
        }
    }
}

#[derive(serde::Deserialize)]
struct HeaderResponse {
    data: HeaderData,
}

#[derive(serde::Deserialize)]
struct HeaderData {
    root: String,
    #[serde(default)]
    canonical: Option<bool>,
    header: SignedHeader,
}

#[derive(serde::Deserialize)]
struct SignedHeader {
    message: HeaderMessage,
}

#[derive(serde::Deserialize)]
struct HeaderMessage {
    slot: Quoted,
    proposer_index: Quoted,
    parent_root: String,
    state_root: String,
    body_root: String,
}

/// A u64 sent as a decimal string (the beacon API's convention) or, leniently, a number.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum Quoted {
    Str(String),
    Num(u64),
}

impl Quoted {
    fn get(&self, what: &str) -> Result<u64, String> {
        match self {
            Quoted::Num(n) => Ok(*n),
            Quoted::Str(s) => s
                .trim()
                .parse()
                .map_err(|_| format!("{what} {s:?} is not a decimal u64")),
        }
    }
}

impl BeaconClient {
    /// A client for the node of `config`, decoding states under `network` (its preset, and its
    /// fork versions to check each state's fork).
    pub fn new(config: ClientConfig, network: NetworkConfig) -> Self {
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(config.timeout)
            .timeout_read(config.timeout)
            .timeout_write(config.timeout)
            .user_agent(concat!("stakeproof/", env!("CARGO_PKG_VERSION")))
            .build();
        let base = config.base_url.trim().trim_end_matches('/').to_string();
        BeaconClient {
            config,
            network,
            base,
            agent,
        }
    }

    /// The client's settings.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// The network config states are decoded under.
    pub fn network(&self) -> &NetworkConfig {
        &self.network
    }

    /// The URL of the header of `id` (an epoch is asked for at its first slot).
    pub fn header_url(&self, id: &BlockId) -> Result<String, ApiError> {
        let seg = match id {
            BlockId::Epoch(e) => self.epoch_start(*e)?.to_string(),
            other => other.to_string(),
        };
        Ok(format!("{}/eth/v1/beacon/headers/{seg}", self.base))
    }

    /// The URL of the state with root `state_root`.
    pub fn state_url(&self, state_root: &Node) -> String {
        format!(
            "{}/eth/v2/debug/beacon/states/0x{}",
            self.base,
            hex::encode(state_root)
        )
    }

    fn epoch_start(&self, epoch: u64) -> Result<u64, ApiError> {
        epoch
            .checked_mul(self.network.preset.slots_per_epoch)
            .ok_or_else(|| {
                ApiError::BadBlockId(format!(
                    "epoch {epoch} × {} slots overflows a u64 slot",
                    self.network.preset.slots_per_epoch
                ))
            })
    }

    /// The header of `id` exactly as the node resolves it (`None` on 404: for a slot, that
    /// means the slot is empty). The header's root is checked against its message; a slot
    /// query must not return a later block, a root query must return that root.
    pub fn header(&self, id: &BlockId) -> Result<Option<HeaderInfo>, ApiError> {
        let url = self.header_url(id)?;
        let Some(body) = self.get(&url, "application/json", MAX_JSON_BYTES)? else {
            return Ok(None);
        };
        let info = parse_header(&url, &body.bytes)?;
        let unexpected = |wanted: String, got: String| ApiError::UnexpectedBlock {
            url: url.clone(),
            wanted,
            got,
        };
        match id {
            BlockId::Slot(s) if info.slot > *s => {
                return Err(unexpected(
                    format!("slot {s}"),
                    format!("at slot {}", info.slot),
                ))
            }
            BlockId::Epoch(e) => {
                let s = self.epoch_start(*e)?;
                if info.slot > s {
                    return Err(unexpected(
                        format!("slot {s}"),
                        format!("at slot {}", info.slot),
                    ));
                }
            }
            BlockId::Root(r) if info.root != *r => {
                return Err(unexpected(
                    format!("0x{}", hex::encode(r)),
                    format!("0x{}", hex::encode(info.root)),
                ))
            }
            _ => {}
        }
        Ok(Some(info))
    }

    /// The last block at or before `slot`, walking back over empty slots (404) for at most
    /// [`ClientConfig::max_lookback`] slots.
    pub fn block_at_or_before(&self, slot: u64) -> Result<HeaderInfo, ApiError> {
        let lowest = slot.saturating_sub(self.config.max_lookback);
        for s in (lowest..=slot).rev() {
            if let Some(h) = self.header(&BlockId::Slot(s))? {
                return Ok(h);
            }
        }
        Err(ApiError::NoBlockInRange {
            slot,
            lowest,
            lookback: self.config.max_lookback,
        })
    }

    /// The block `id` designates: for a slot or epoch, the last block at or before it; for
    /// `head`, `finalized` or a root, that block (404 is [`ApiError::NotFound`]).
    pub fn resolve(&self, id: &BlockId) -> Result<HeaderInfo, ApiError> {
        match id {
            BlockId::Slot(s) => self.block_at_or_before(*s),
            BlockId::Epoch(e) => self.block_at_or_before(self.epoch_start(*e)?),
            _ => self.header(id)?.ok_or_else(|| ApiError::NotFound {
                what: format!("block {id}"),
                url: self.header_url(id).unwrap_or_default(),
            }),
        }
    }

    /// The verified post-state of the block `id` designates (see [`BeaconClient::resolve`]).
    pub fn fetch_state(&self, id: &BlockId) -> Result<FetchedState, ApiError> {
        let header = self.resolve(id)?;
        self.fetch_state_for(header)
    }

    /// The verified post-state of `header`'s block: from the cache when a valid copy is there,
    /// else downloaded by state root (and then cached).
    pub fn fetch_state_for(&self, header: HeaderInfo) -> Result<FetchedState, ApiError> {
        let state_root = header.header.state_root;
        let mut rejected = None;
        if let Some(dir) = &self.config.cache_dir {
            let (hit, why) = self.cache_lookup(dir, &state_root)?;
            rejected = why;
            if let Some((state, tree, path)) = hit {
                let fork = state.fork();
                let origin = path.display().to_string();
                self.check_required(&origin, fork)?;
                check_block_root(&origin, &header, &tree)?;
                return Ok(FetchedState {
                    header,
                    fork,
                    state,
                    tree,
                    from_cache: true,
                    rejected_cache: rejected,
                });
            }
        }
        let url = self.state_url(&state_root);
        let body = self
            .get(
                &url,
                "application/octet-stream",
                self.config.max_state_bytes,
            )?
            .ok_or_else(|| ApiError::NotFound {
                what: format!("state 0x{}", hex::encode(state_root)),
                url: url.clone(),
            })?;
        if let Some(ct) = &body.content_type {
            if ct.to_ascii_lowercase().contains("json") {
                return Err(ApiError::UnexpectedContentType {
                    url,
                    content_type: ct.clone(),
                });
            }
        }
        let value = body
            .consensus_version
            .ok_or_else(|| ApiError::MissingConsensusVersion { url: url.clone() })?;
        let fork = Fork::from_str(&value).map_err(|source| ApiError::UnknownConsensusVersion {
            url: url.clone(),
            value: value.clone(),
            source,
        })?;
        self.check_required(&url, fork)?;
        let (state, tree) = self.verify_state(&url, body.bytes, fork, &state_root)?;
        check_block_root(&url, &header, &tree)?;
        if let Some(dir) = &self.config.cache_dir {
            store(dir, &state_root, fork, state.as_ssz())?;
        }
        Ok(FetchedState {
            header,
            fork,
            state,
            tree,
            from_cache: false,
            rejected_cache: rejected,
        })
    }

    /// The path a state of `fork` with root `state_root` has in the cache, if caching is on.
    pub fn cache_path(&self, state_root: &Node, fork: Fork) -> Option<PathBuf> {
        self.config
            .cache_dir
            .as_deref()
            .map(|d| cache_file(d, state_root, fork))
    }

    fn check_required(&self, origin: &str, fork: Fork) -> Result<(), ApiError> {
        match self.config.require_fork {
            Some(required) if required != fork => Err(ApiError::UnexpectedFork {
                url: origin.to_string(),
                got: fork,
                required,
            }),
            _ => Ok(()),
        }
    }

    /// Decodes `bytes` as a `fork` state (checked against the network's fork versions), builds
    /// its trees and checks its root.
    fn verify_state(
        &self,
        origin: &str,
        bytes: Vec<u8>,
        fork: Fork,
        state_root: &Node,
    ) -> Result<(BeaconState, StateTree), ApiError> {
        let state_err = |source: StateError| match source {
            StateError::WrongFork {
                version,
                config,
                actual,
                claimed,
            } => ApiError::ForkMismatch {
                url: origin.to_string(),
                announced: claimed,
                actual,
                version,
                config,
            },
            source => ApiError::State {
                url: origin.to_string(),
                source,
            },
        };
        let state = BeaconState::decode_checked(bytes, fork, &self.network).map_err(state_err)?;
        let tree = state.tree().map_err(state_err)?;
        if tree.state_root() != *state_root {
            return Err(ApiError::StateRootMismatch {
                url: origin.to_string(),
                expected: *state_root,
                computed: tree.state_root(),
            });
        }
        Ok((state, tree))
    }

    /// Looks for a valid cached copy of `state_root`. Invalid copies are removed; the reasons
    /// are returned.
    #[allow(clippy::type_complexity)]
    fn cache_lookup(
        &self,
        dir: &Path,
        state_root: &Node,
    ) -> Result<(Option<(BeaconState, StateTree, PathBuf)>, Option<String>), ApiError> {
        let mut reasons = Vec::new();
        for fork in Fork::ALL.into_iter().rev() {
            let path = cache_file(dir, state_root, fork);
            let bytes = match fs::read(&path) {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(source) => return Err(ApiError::Cache { path, source }),
            };
            let origin = path.display().to_string();
            match self.verify_state(&origin, bytes, fork, state_root) {
                Ok((state, tree)) => return Ok((Some((state, tree, path)), join(reasons))),
                Err(e) => {
                    reasons.push(format!("removed invalid cache file: {e}"));
                    match fs::remove_file(&path) {
                        Ok(()) => {}
                        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                        Err(source) => return Err(ApiError::Cache { path, source }),
                    }
                }
            }
        }
        Ok((None, join(reasons)))
    }

    /// GET with retries. `Ok(None)` on 404.
    fn get(&self, url: &str, accept: &str, limit: u64) -> Result<Option<Body>, ApiError> {
        let attempts = self.config.retries.saturating_add(1);
        let mut n = 0;
        loop {
            n += 1;
            let failure = match self.attempt(url, accept, limit) {
                Ok(b) => return Ok(b),
                Err(f) => f,
            };
            if !failure.retryable() || n >= attempts {
                return Err(self.final_error(url, n, failure));
            }
            let factor = 1u32 << (n - 1).min(20);
            std::thread::sleep(self.config.backoff.saturating_mul(factor));
        }
    }

    fn final_error(&self, url: &str, attempts: u32, failure: Attempt) -> ApiError {
        let url = url.to_string();
        match failure {
            Attempt::Status { status, body } => ApiError::Status {
                url,
                status,
                body,
                attempts,
            },
            Attempt::Timeout(detail) => ApiError::Timeout {
                url,
                timeout: self.config.timeout,
                attempts,
                detail,
            },
            Attempt::Connect(detail) => ApiError::Connect {
                url,
                attempts,
                detail,
            },
            Attempt::Truncated { expected, received } => ApiError::Truncated {
                url,
                expected,
                received,
                attempts,
            },
            Attempt::Fatal(e) => e,
        }
    }

    fn attempt(&self, url: &str, accept: &str, limit: u64) -> Result<Option<Body>, Attempt> {
        let resp = match self.agent.get(url).set("Accept", accept).call() {
            Ok(r) => r,
            Err(ureq::Error::Status(404, _)) => return Ok(None),
            Err(ureq::Error::Status(status, r)) => {
                return Err(Attempt::Status {
                    status,
                    body: excerpt(r),
                })
            }
            Err(ureq::Error::Transport(t)) => return Err(classify_transport(url, &t)),
        };
        let consensus_version = resp
            .header("Eth-Consensus-Version")
            .map(|v| v.trim().to_string());
        let content_type = resp.header("Content-Type").map(str::to_string);
        let bytes = read_body(url, resp, limit)?;
        Ok(Some(Body {
            bytes,
            consensus_version,
            content_type,
        }))
    }
}

fn join(reasons: Vec<String>) -> Option<String> {
    (!reasons.is_empty()).then(|| reasons.join("; "))
}

fn check_block_root(origin: &str, header: &HeaderInfo, tree: &StateTree) -> Result<(), ApiError> {
    if tree.block_root() != header.root {
        return Err(ApiError::BlockRootMismatch {
            url: origin.to_string(),
            expected: header.root,
            computed: tree.block_root(),
        });
    }
    Ok(())
}

fn parse_header(url: &str, bytes: &[u8]) -> Result<HeaderInfo, ApiError> {
    let json_err = |detail: String| ApiError::Json {
        url: url.to_string(),
        detail,
    };
    let resp: HeaderResponse =
        serde_json::from_slice(bytes).map_err(|e| json_err(e.to_string()))?;
    let d = resp.data;
    let m = d.header.message;
    let root =
        |what: &str, s: &str| crate::hex32::parse(s).map_err(|e| json_err(format!("{what}: {e}")));
    let header = BeaconBlockHeader {
        slot: m.slot.get("slot").map_err(json_err)?,
        proposer_index: m.proposer_index.get("proposer_index").map_err(json_err)?,
        parent_root: root("parent_root", &m.parent_root)?,
        state_root: root("state_root", &m.state_root)?,
        body_root: root("body_root", &m.body_root)?,
    };
    let claimed = root("root", &d.root)?;
    let computed = header.hash_tree_root();
    if claimed != computed {
        return Err(ApiError::HeaderRootMismatch {
            url: url.to_string(),
            claimed,
            computed,
        });
    }
    Ok(HeaderInfo {
        root: claimed,
        slot: header.slot,
        canonical: d.canonical.unwrap_or(true),
        header,
    })
}

/// The start of an error body, for messages.
fn excerpt(resp: ureq::Response) -> String {
    let mut buf = Vec::new();
    // Best effort: an unreadable error body leaves the excerpt empty.
    let _ = resp.into_reader().take(1024).read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf);
    let text = text.trim();
    let mut out: String = text.chars().take(EXCERPT_CHARS).collect();
    if text.chars().count() > EXCERPT_CHARS {
        out.push('…');
    }
    out
}

/// The first `io::Error` in an error's source chain.
fn io_source<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a io::Error> {
    let mut cur = Some(e);
    while let Some(err) = cur {
        if let Some(io) = err.downcast_ref::<io::Error>() {
            return Some(io);
        }
        cur = err.source();
    }
    None
}

fn is_timeout(kind: io::ErrorKind) -> bool {
    matches!(kind, io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock)
}

fn classify_transport(url: &str, t: &ureq::Transport) -> Attempt {
    use ureq::ErrorKind as K;
    let detail = t.to_string();
    let io_kind = std::error::Error::source(t)
        .and_then(io_source)
        .map(io::Error::kind);
    match t.kind() {
        K::InvalidUrl | K::UnknownScheme | K::InsecureRequestHttpsOnly | K::InvalidProxyUrl => {
            Attempt::Fatal(ApiError::BadUrl {
                url: url.to_string(),
                detail,
            })
        }
        K::BadStatus | K::BadHeader | K::TooManyRedirects => Attempt::Fatal(ApiError::Protocol {
            url: url.to_string(),
            detail,
        }),
        _ if io_kind.is_some_and(is_timeout) => Attempt::Timeout(detail),
        _ => Attempt::Connect(detail),
    }
}

fn read_body(url: &str, resp: ureq::Response, limit: u64) -> Result<Vec<u8>, Attempt> {
    let too_large = || {
        Attempt::Fatal(ApiError::TooLarge {
            url: url.to_string(),
            limit,
        })
    };
    // ureq drops Content-Length when it decompresses a body, so it is the decoded length here.
    let expected = resp
        .header("Content-Length")
        .and_then(|v| v.trim().parse::<u64>().ok());
    if expected.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let mut buf = Vec::with_capacity(expected.unwrap_or(0).min(MAX_PREALLOC) as usize);
    let res = resp
        .into_reader()
        .take(limit.saturating_add(1))
        .read_to_end(&mut buf);
    let received = buf.len() as u64;
    match res {
        Ok(_) => {}
        Err(e) if is_timeout(e.kind()) => {
            return Err(Attempt::Timeout(format!(
                "reading the body after {received} bytes: {e}"
            )))
        }
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
            return Err(Attempt::Truncated { expected, received })
        }
        Err(e) => {
            return Err(Attempt::Connect(format!(
                "reading the body after {received} bytes: {e}"
            )))
        }
    }
    if received > limit {
        return Err(too_large());
    }
    if expected.is_some_and(|n| received < n) {
        return Err(Attempt::Truncated { expected, received });
    }
    Ok(buf)
}

fn cache_file(dir: &Path, state_root: &Node, fork: Fork) -> PathBuf {
    dir.join("states")
        .join(format!("0x{}.{}.ssz", hex::encode(state_root), fork.name()))
}

/// Writes `bytes` to the cache atomically: a temporary file in the same directory, fsynced,
/// renamed over the final name, then the directory fsynced.
fn store(dir: &Path, state_root: &Node, fork: Fork, bytes: &[u8]) -> Result<(), ApiError> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let states = dir.join("states");
    let cache_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ApiError::Cache { path, source }
    };
    fs::create_dir_all(&states).map_err(cache_err(&states))?;
    let target = cache_file(dir, state_root, fork);
    let tmp = states.join(format!(
        ".tmp-{}-{}-0x{}.{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        hex::encode(state_root),
        fork.name()
    ));
    let write = || -> io::Result<()> {
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, &target)
    };
    if let Err(e) = write() {
        let _ = fs::remove_file(&tmp);
        return Err(ApiError::Cache {
            path: target,
            source: e,
        });
    }
    #[cfg(unix)]
    fs::File::open(&states)
        .and_then(|d| d.sync_all())
        .map_err(cache_err(&states))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_id_parses_and_prints() {
        let root = [0xabu8; 32];
        let cases = [
            ("head", BlockId::Head),
            (" Finalized ", BlockId::Finalized),
            ("genesis", BlockId::Slot(0)),
            ("123", BlockId::Slot(123)),
            ("epoch:7", BlockId::Epoch(7)),
            (&*format!("0x{}", hex::encode(root)), BlockId::Root(root)),
        ];
        for (s, id) in cases {
            assert_eq!(s.parse::<BlockId>(), Ok(id), "{s}");
            assert_eq!(id.to_string().parse::<BlockId>(), Ok(id));
        }
        for bad in [
            "",
            "-1",
            "0x12",
            "justified",
            "epoch:x",
            "1.5",
            "99999999999999999999",
        ] {
            assert!(bad.parse::<BlockId>().is_err(), "{bad}");
        }
    }

    #[test]
    fn header_json_is_checked() {
        let h = BeaconBlockHeader {
            slot: 9,
            proposer_index: 3,
            parent_root: [1; 32],
            state_root: [2; 32],
            body_root: [3; 32],
        };
        let json = |root: &Node, slot: &str| {
            format!(
                r#"{{"data":{{"root":"0x{}","canonical":true,"header":{{"message":{{"slot":{slot},"proposer_index":"3","parent_root":"0x{}","state_root":"0x{}","body_root":"0x{}"}},"signature":"0x00"}}}}}}"#,
                hex::encode(root),
                hex::encode(h.parent_root),
                hex::encode(h.state_root),
                hex::encode(h.body_root)
            )
        };
        let root = h.hash_tree_root();
        let info = parse_header("u", json(&root, "\"9\"").as_bytes()).expect("valid");
        assert_eq!((info.root, info.slot, &info.header), (root, 9, &h));
        assert!(parse_header("u", json(&root, "9").as_bytes()).is_ok());
        assert!(matches!(
            parse_header("u", json(&[0; 32], "\"9\"").as_bytes()),
            Err(ApiError::HeaderRootMismatch { .. })
        ));
        assert!(matches!(
            parse_header("u", json(&root, "\"nine\"").as_bytes()),
            Err(ApiError::Json { .. })
        ));
        assert!(matches!(
            parse_header("u", b"{\"data\":{}}"),
            Err(ApiError::Json { .. })
        ));
    }
}

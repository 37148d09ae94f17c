//! [`BeaconClient`]: resolves block ids to verified headers and fetches verified post-states
//! (from the cache when a valid copy is there).

use super::cache::store;
use super::{ApiError, BlockId, ClientConfig, FetchedState, HeaderInfo};
use crate::beacon::{BeaconBlockHeader, BeaconState, Fork, NetworkConfig, StateError, StateTree};
use crate::hash::Node;
use std::str::FromStr;

/// Largest JSON body accepted from the headers endpoint (a header response is under 1 KiB).
const MAX_JSON_BYTES: u64 = 1 << 20;

/// Client of a beacon node's API.
#[derive(Clone, Debug)]
pub struct BeaconClient {
    pub(super) config: ClientConfig,
    network: NetworkConfig,
    base: String,
    pub(super) agent: ureq::Agent,
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
        // `timeout` is ureq's overall deadline for each request (connect, headers and the
        // whole body; it overrides the per-read timeouts); connecting is bounded by it too.
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(config.timeout)
            .timeout(config.timeout)
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
        self.config.validate()?;
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
        let (fork, state, tree) = self.state_from_response(
            &url,
            body.bytes,
            body.consensus_version.as_deref(),
            body.content_type.as_deref(),
            &header,
        )?;
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

    /// Checks a state response for `header`'s block: its Content-Type (not JSON), its
    /// `Eth-Consensus-Version` (present, a known fork, the required one), the state (decoded
    /// and checked under that fork, consistent, hashing to the header's state root) and the
    /// block root rebuilt from it. Exposed for the fuzz targets only.
    #[doc(hidden)]
    pub fn state_from_response(
        &self,
        url: &str,
        bytes: Vec<u8>,
        consensus_version: Option<&str>,
        content_type: Option<&str>,
        header: &HeaderInfo,
    ) -> Result<(Fork, BeaconState, StateTree), ApiError> {
        if let Some(ct) = content_type {
            if ct.to_ascii_lowercase().contains("json") {
                return Err(ApiError::UnexpectedContentType {
                    url: url.to_string(),
                    content_type: ct.to_string(),
                });
            }
        }
        let value = consensus_version.ok_or_else(|| ApiError::MissingConsensusVersion {
            url: url.to_string(),
        })?;
        let fork = Fork::from_str(value).map_err(|source| ApiError::UnknownConsensusVersion {
            url: url.to_string(),
            value: value.to_string(),
            source,
        })?;
        self.check_required(url, fork)?;
        let (state, tree) = self.verify_state(url, bytes, fork, &header.header.state_root)?;
        check_block_root(url, header, &tree)?;
        Ok((fork, state, tree))
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
    pub(super) fn verify_state(
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

/// Parses and checks a `GET /eth/v1/beacon/headers/{block_id}` JSON body (the root must be
/// the `hash_tree_root` of the message). Exposed for the fuzz targets only.
#[doc(hidden)]
pub fn parse_header(url: &str, bytes: &[u8]) -> Result<HeaderInfo, ApiError> {
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

#[cfg(test)]
mod tests {
    use super::*;

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

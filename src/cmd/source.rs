//! Where a command's beacon state comes from (a file or a beacon node) and which pool it
//! reports on: the flags shared by `report`, `tree`, `proof` and `prove`.

use crate::config::Config;
use crate::exit::usage;
use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use stakeproof::beacon::api::{BeaconClient, BlockId, ClientConfig};
use stakeproof::beacon::beacon::{BeaconState, Fork, NetworkConfig, StateTree};
use stakeproof::beacon::pool_set::CredentialKeys;
use stakeproof::beacon::report::Pool;
use std::path::PathBuf;
use std::time::Duration;

use super::spinner;

/// Which layout the state uses.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum ForkArg {
    Phase0,
    Altair,
    Bellatrix,
    Capella,
    Deneb,
    Electra,
    Fulu,
}

impl From<ForkArg> for Fork {
    fn from(f: ForkArg) -> Fork {
        match f {
            ForkArg::Phase0 => Fork::Phase0,
            ForkArg::Altair => Fork::Altair,
            ForkArg::Bellatrix => Fork::Bellatrix,
            ForkArg::Capella => Fork::Capella,
            ForkArg::Deneb => Fork::Deneb,
            ForkArg::Electra => Fork::Electra,
            ForkArg::Fulu => Fork::Fulu,
        }
    }
}

/// Built-in presets.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum PresetArg {
    Mainnet,
    Minimal,
    Gnosis,
}

impl PresetArg {
    fn name(self) -> &'static str {
        match self {
            PresetArg::Mainnet => "mainnet",
            PresetArg::Minimal => "minimal",
            PresetArg::Gnosis => "gnosis",
        }
    }
}

/// Parses `--network`: a built-in network's name.
fn parse_network(s: &str) -> Result<String, String> {
    let lower = s.trim().to_ascii_lowercase();
    if stakeproof::beacon::beacon::NETWORK_NAMES.contains(&lower.as_str()) {
        Ok(lower)
    } else {
        Err(format!(
            "not a built-in network: {} (or give its config.yaml with --network-config)",
            stakeproof::beacon::beacon::NETWORK_NAMES.join(", ")
        ))
    }
}

/// The pool a report counts: by address or by withdrawal credentials.
#[derive(Args)]
#[group(id = "pool", multiple = false)]
pub(crate) struct PoolArgs {
    /// The pool's execution address: validators with 0x01 or 0x02 credentials to it count.
    #[arg(long, value_parser = parse_address, group = "pool")]
    withdrawal_address: Option<Pool>,
    /// 32-byte withdrawal credentials: a 0x01/0x02 one means its address (both forms); any
    /// other prefix (e.g. BLS 0x00) is matched exactly.
    #[arg(long, value_parser = parse_credentials, group = "pool")]
    withdrawal_credentials: Option<Pool>,
    /// A credential set: a TOML or JSON file of `addresses`, `credentials` and an optional tree
    /// `depth` (see README, "Credential sets"). Every validator is proven in or out of it.
    #[arg(long, value_name = "FILE", group = "pool")]
    pool_file: Option<PathBuf>,
}

impl PoolArgs {
    /// The credential-set file, when the pool is one.
    pub(crate) fn pool_file(&self) -> Option<&std::path::Path> {
        self.pool_file.as_deref()
    }

    /// The pool from the flags, else from the config file.
    pub(crate) fn pool(&self, cfg: &Config) -> Result<Pool> {
        if let Some(path) = &self.pool_file {
            let keys = CredentialKeys::from_file(path)?;
            return Ok(Pool::Set(std::sync::Arc::new(keys)));
        }
        match self
            .withdrawal_address
            .clone()
            .or(self.withdrawal_credentials.clone())
            .or(cfg.pool.clone())
        {
            Some(p) => Ok(p),
            None => Err(usage(
                "the pool is required: --withdrawal-address 0x<20 bytes>, --withdrawal-credentials 0x<32 bytes> or --pool-file FILE (or withdrawal_address in --config)",
            )),
        }
    }
}

fn parse_address(s: &str) -> Result<Pool, String> {
    Pool::parse_address(s).map_err(|e| e.to_string())
}

fn parse_credentials(s: &str) -> Result<Pool, String> {
    Pool::parse_credentials(s).map_err(|e| e.to_string())
}

fn parse_block_id(s: &str) -> Result<BlockId, String> {
    s.parse::<BlockId>().map_err(|e| e.to_string())
}

/// Where the state comes from: a file, or a beacon node and a block.
#[derive(Args)]
pub(crate) struct SourceArgs {
    /// An SSZ BeaconState file (or --beacon-url; or beacon_url in --config).
    #[arg(long, conflicts_with = "beacon_url")]
    state: Option<PathBuf>,
    /// Layout of `--state` (default: from the state's fork version with `--config`, else the
    /// layout that decodes).
    #[arg(long, value_enum)]
    fork: Option<ForkArg>,
    /// Preset (ignored with --network, --network-config or --preset-dir).
    #[arg(long, value_enum, default_value = "mainnet")]
    preset: PresetArg,
    /// A built-in network: its published config.yaml and preset (mainnet, sepolia, hoodi on
    /// the mainnet preset; gnosis, chiado on the gnosis preset).
    #[arg(long, value_parser = parse_network, conflicts_with_all = ["network_config", "preset_dir"])]
    network: Option<String>,
    /// A network config.yaml (PRESET_BASE, preset overrides, fork versions).
    #[arg(long, value_name = "YAML")]
    network_config: Option<PathBuf>,
    /// A consensus-specs preset directory (presets/<name>/*.yaml): every value that shapes the
    /// state's layout is read from its files (a missing one is an error naming it). With
    /// --network-config, the config's PRESET_BASE must be its name.
    #[arg(long, value_name = "DIR")]
    preset_dir: Option<PathBuf>,
    /// Beacon node REST API, e.g. http://localhost:5052 (without --slot/--epoch/--block: the
    /// finalized block).
    #[arg(long)]
    beacon_url: Option<String>,
    /// Prove the last block at or before this slot.
    #[arg(long, conflicts_with_all = ["state", "epoch", "block"])]
    slot: Option<u64>,
    /// The last block at or before this epoch's first slot.
    #[arg(long, conflicts_with_all = ["state", "block"])]
    epoch: Option<u64>,
    /// A block id: `head`, `finalized`, a slot, or a 0x block root.
    #[arg(long, conflicts_with = "state", value_parser = parse_block_id)]
    block: Option<BlockId>,
    /// Local content-addressed cache of downloaded states [default: .stakeproof-cache].
    #[arg(long)]
    cache_dir: Option<PathBuf>,
    /// Per-request timeout, seconds (1 to 86400).
    #[arg(long, default_value_t = 120, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    timeout: u64,
    /// Retries on timeouts and 5xx responses (at most 100).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(0..=100))]
    retries: u32,
}

impl SourceArgs {
    /// Fills what the flags leave open from the config file; a state source is required.
    pub(crate) fn resolve(mut self, cfg: &Config) -> Result<Self> {
        if self.state.is_none() && self.beacon_url.is_none() {
            self.beacon_url = cfg.beacon_url.clone();
        }
        if self.network_config.is_none() {
            self.network_config = cfg.network_config.clone();
        }
        if self.cache_dir.is_none() {
            self.cache_dir = cfg.cache_dir.clone();
        }
        if self.state.is_none() && self.beacon_url.is_none() {
            return Err(usage(
                "a state is required: --state FILE or --beacon-url URL (or beacon_url in --config)",
            ));
        }
        if self.state.is_some()
            && (self.slot.is_some() || self.epoch.is_some() || self.block.is_some())
        {
            return Err(usage(
                "--slot, --epoch and --block choose a block of the beacon node, not of --state",
            ));
        }
        // Local mistakes are named before any node is contacted (they are not the node's
        // failure, exit code 3).
        if let Some(url) = &self.beacon_url {
            check_beacon_url(url).map_err(|e| usage(&format!("--beacon-url {url:?}: {e}")))?;
            if let Some(dir) = &self.cache_dir {
                if dir.exists() && !dir.is_dir() {
                    return Err(usage(&format!(
                        "--cache-dir {}: is not a directory",
                        dir.display()
                    )));
                }
            }
        }
        if let Some(p) = &self.state {
            if p.is_dir() {
                return Err(usage(&format!(
                    "--state {}: is a directory, not an SSZ state file",
                    p.display()
                )));
            }
        }
        if let Some(p) = &self.network_config {
            if p.is_dir() {
                return Err(usage(&format!(
                    "--network-config {}: is a directory, not a config.yaml",
                    p.display()
                )));
            }
        }
        Ok(self)
    }
}

/// Checks a beacon node URL: `http://` or `https://`, a host (name, IPv4 or `[IPv6]`), an
/// optional port from 1 to 65535 and an optional path, no whitespace.
pub(crate) fn check_beacon_url(url: &str) -> std::result::Result<(), String> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .ok_or("not an http:// or https:// URL")?;
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("contains whitespace".into());
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err("user information in the URL is not supported".into());
    }
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (h, after) = v6
            .split_once(']')
            .ok_or("an IPv6 host without its closing ]")?;
        if h.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(format!("{h:?} is not an IPv6 address"));
        }
        match after {
            "" => (h, None),
            p => (
                h,
                Some(
                    p.strip_prefix(':')
                        .ok_or("expected :PORT after the IPv6 host")?,
                ),
            ),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return Err("no host".into());
    }
    if !authority.starts_with('[')
        && !host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_')
    {
        return Err(format!("{host:?} is not a host name or address"));
    }
    if let Some(p) = port {
        match p.parse::<u16>() {
            Ok(n) if n > 0 => {}
            _ => return Err(format!("port {p:?} is not a number from 1 to 65535")),
        }
    }
    Ok(())
}

impl SourceArgs {
    /// The network the flags name: a built-in network, a config.yaml (over a built-in preset or
    /// a preset directory), a preset directory alone, or a built-in preset.
    pub(crate) fn network_config(&self) -> Result<NetworkConfig> {
        let dir_preset = self
            .preset_dir
            .as_deref()
            .map(|d| {
                stakeproof::beacon::beacon::Preset::from_dir(d)
                    .with_context(|| format!("--preset-dir {}", d.display()))
            })
            .transpose()?;
        Ok(match (&self.network, &self.network_config, dir_preset) {
            (Some(n), _, _) => NetworkConfig::builtin(n)?,
            (None, Some(p), dir) => NetworkConfig::from_yaml_file_with(p, dir)?,
            (None, None, Some(preset)) => NetworkConfig {
                name: preset.name.clone(),
                preset,
                fork_versions: Vec::new(),
                seconds_per_slot: None,
                min_genesis_time: None,
            },
            (None, None, None) => NetworkConfig::for_preset(self.preset.name())?,
        })
    }

    /// Whether the network was named (a built-in network, a config or a preset directory),
    /// not only a preset.
    pub(crate) fn names_network(&self) -> bool {
        self.network.is_some() || self.network_config.is_some() || self.preset_dir.is_some()
    }

    /// The state file, when the state comes from one.
    pub(crate) fn state_file(&self) -> Option<&std::path::Path> {
        self.state.as_deref()
    }
}

/// Decodes a state file of a known layout under a network config.
pub(crate) fn decode_state_file(
    path: &std::path::Path,
    fork: Fork,
    config: &NetworkConfig,
) -> Result<BeaconState> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("cannot read state file {}", path.display()))?;
    BeaconState::decode_checked(bytes, fork, config)
        .with_context(|| format!("state file {}", path.display()))
}

/// Loads the state (file or beacon node) and, when it is a post-block state, its trees.
pub(crate) fn load_state(src: &SourceArgs) -> Result<(BeaconState, Option<StateTree>)> {
    let config = src.network_config()?;
    if let Some(path) = &src.state {
        let pb = spinner(&format!("decoding {}", path.display()));
        let bytes = std::fs::read(path)
            .with_context(|| format!("cannot read state file {}", path.display()))?;
        let state = match src.fork {
            Some(f) => BeaconState::decode_checked(bytes, f.into(), &config),
            None => BeaconState::decode_any(bytes, &config),
        }
        .with_context(|| format!("state file {}", path.display()))?;
        pb.set_message("merkleizing");
        let tree = state.tree().ok();
        pb.finish_and_clear();
        return Ok((state, tree));
    }
    let url = src
        .beacon_url
        .as_deref()
        .expect("clap requires --state or --beacon-url");
    let id = match (src.slot, src.epoch, &src.block) {
        (Some(s), _, _) => BlockId::Slot(s),
        (_, Some(e), _) => BlockId::Epoch(e),
        (_, _, Some(b)) => *b,
        _ => BlockId::Finalized,
    };
    let mut cfg = ClientConfig::new(url);
    cfg.timeout = Duration::from_secs(src.timeout);
    cfg.retries = src.retries;
    cfg.cache_dir = Some(
        src.cache_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from(".stakeproof-cache")),
    );
    let client = BeaconClient::new(cfg, config);
    let pb = spinner(&format!("fetching {id:?} from {url}"));
    let fetched = client
        .fetch_state(&id)
        .with_context(|| format!("beacon node {url}"))?;
    pb.finish_and_clear();
    Ok((fetched.state, Some(fetched.tree)))
}

//! Presets (the compile-time constants of the consensus specs, here run-time configuration) and
//! network configs (`config.yaml`: preset base, fork versions).

use super::Fork;
use std::collections::BTreeMap;
use std::path::Path;

/// The preset values that shape the BeaconState's SSZ layout.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Preset {
    /// Preset name (`mainnet`, `minimal`, or the custom config's name).
    pub name: String,
    /// `SLOTS_PER_EPOCH`.
    pub slots_per_epoch: u64,
    /// `SLOTS_PER_HISTORICAL_ROOT`.
    pub slots_per_historical_root: usize,
    /// `HISTORICAL_ROOTS_LIMIT`.
    pub historical_roots_limit: usize,
    /// `EPOCHS_PER_ETH1_VOTING_PERIOD`.
    pub epochs_per_eth1_voting_period: usize,
    /// `VALIDATOR_REGISTRY_LIMIT`.
    pub validator_registry_limit: usize,
    /// `EPOCHS_PER_HISTORICAL_VECTOR`.
    pub epochs_per_historical_vector: usize,
    /// `EPOCHS_PER_SLASHINGS_VECTOR`.
    pub epochs_per_slashings_vector: usize,
    /// `MAX_ATTESTATIONS`.
    pub max_attestations: usize,
    /// `MAX_VALIDATORS_PER_COMMITTEE`.
    pub max_validators_per_committee: usize,
    /// `SYNC_COMMITTEE_SIZE`.
    pub sync_committee_size: usize,
    /// `BYTES_PER_LOGS_BLOOM`.
    pub bytes_per_logs_bloom: usize,
    /// `MAX_EXTRA_DATA_BYTES`.
    pub max_extra_data_bytes: usize,
    /// `PENDING_DEPOSITS_LIMIT`.
    pub pending_deposits_limit: usize,
    /// `PENDING_PARTIAL_WITHDRAWALS_LIMIT`.
    pub pending_partial_withdrawals_limit: usize,
    /// `PENDING_CONSOLIDATIONS_LIMIT`.
    pub pending_consolidations_limit: usize,
    /// `MIN_SEED_LOOKAHEAD`.
    pub min_seed_lookahead: usize,
}

/// Errors loading a preset or network config.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A preset name that is neither built in nor loadable.
    #[error("unknown preset {0:?}: expected `mainnet`, `minimal`, or a config.yaml whose PRESET_BASE is one of them")]
    UnknownPreset(String),
    /// The config file could not be read.
    #[error("cannot read config {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A line of the config file that is not `KEY: value`.
    #[error("config {path} line {line}: expected `KEY: value`, found {text:?}")]
    Syntax {
        /// The file.
        path: String,
        /// 1-based line number.
        line: usize,
        /// The offending line.
        text: String,
    },
    /// A key with a value of the wrong form.
    #[error("config key {key}: {why}")]
    BadValue {
        /// The key.
        key: String,
        /// What is wrong.
        why: String,
    },
}

impl Preset {
    /// The mainnet preset.
    pub fn mainnet() -> Self {
        Preset {
            name: "mainnet".into(),
            slots_per_epoch: 32,
            slots_per_historical_root: 8192,
            historical_roots_limit: 1 << 24,
            epochs_per_eth1_voting_period: 64,
            validator_registry_limit: 1 << 40,
            epochs_per_historical_vector: 65536,
            epochs_per_slashings_vector: 8192,
            max_attestations: 128,
            max_validators_per_committee: 2048,
            sync_committee_size: 512,
            bytes_per_logs_bloom: 256,
            max_extra_data_bytes: 32,
            pending_deposits_limit: 1 << 27,
            pending_partial_withdrawals_limit: 1 << 27,
            pending_consolidations_limit: 1 << 18,
            min_seed_lookahead: 1,
        }
    }

    /// The minimal preset (used by the consensus-spec-tests `minimal` vectors).
    pub fn minimal() -> Self {
        Preset {
            name: "minimal".into(),
            slots_per_epoch: 8,
            slots_per_historical_root: 64,
            epochs_per_eth1_voting_period: 4,
            epochs_per_historical_vector: 64,
            epochs_per_slashings_vector: 64,
            sync_committee_size: 32,
            pending_partial_withdrawals_limit: 64,
            pending_consolidations_limit: 64,
            ..Preset::mainnet()
        }
    }

    /// A built-in preset by name.
    pub fn by_name(name: &str) -> Result<Self, ConfigError> {
        match name.trim().to_ascii_lowercase().as_str() {
            "mainnet" => Ok(Preset::mainnet()),
            "minimal" => Ok(Preset::minimal()),
            _ => Err(ConfigError::UnknownPreset(name.to_string())),
        }
    }

    /// Applies the preset keys found in a config map (e.g. `SLOTS_PER_EPOCH: 16`) on top of
    /// `self`. Keys that are not preset values are ignored.
    fn apply_overrides(&mut self, map: &BTreeMap<String, String>) -> Result<(), ConfigError> {
        macro_rules! over {
            ($($key:literal => $field:ident),* $(,)?) => {$(
                if let Some(v) = map.get($key) {
                    self.$field = yaml_u64($key, v)?.try_into().map_err(|_| ConfigError::BadValue {
                        key: $key.into(),
                        why: "value does not fit this machine's usize".into(),
                    })?;
                }
            )*};
        }
        over!(
            "SLOTS_PER_EPOCH" => slots_per_epoch,
            "SLOTS_PER_HISTORICAL_ROOT" => slots_per_historical_root,
            "HISTORICAL_ROOTS_LIMIT" => historical_roots_limit,
            "EPOCHS_PER_ETH1_VOTING_PERIOD" => epochs_per_eth1_voting_period,
            "VALIDATOR_REGISTRY_LIMIT" => validator_registry_limit,
            "EPOCHS_PER_HISTORICAL_VECTOR" => epochs_per_historical_vector,
            "EPOCHS_PER_SLASHINGS_VECTOR" => epochs_per_slashings_vector,
            "MAX_ATTESTATIONS" => max_attestations,
            "MAX_VALIDATORS_PER_COMMITTEE" => max_validators_per_committee,
            "SYNC_COMMITTEE_SIZE" => sync_committee_size,
            "BYTES_PER_LOGS_BLOOM" => bytes_per_logs_bloom,
            "MAX_EXTRA_DATA_BYTES" => max_extra_data_bytes,
            "PENDING_DEPOSITS_LIMIT" => pending_deposits_limit,
            "PENDING_PARTIAL_WITHDRAWALS_LIMIT" => pending_partial_withdrawals_limit,
            "PENDING_CONSOLIDATIONS_LIMIT" => pending_consolidations_limit,
            "MIN_SEED_LOOKAHEAD" => min_seed_lookahead,
        );
        if self.slots_per_epoch == 0 {
            return Err(ConfigError::BadValue {
                key: "SLOTS_PER_EPOCH".into(),
                why: "must be positive".into(),
            });
        }
        if !self.validator_registry_limit.is_power_of_two() {
            return Err(ConfigError::BadValue {
                key: "VALIDATOR_REGISTRY_LIMIT".into(),
                why: "must be a power of two".into(),
            });
        }
        Ok(())
    }

    /// Depth of the validators list's data tree (40 for `2^40`).
    pub fn validators_depth(&self) -> usize {
        crate::hash::ceil_log2(self.validator_registry_limit as u64)
    }

    /// Depth of the balances list's data tree (38 for `2^40`: four balances per chunk).
    pub fn balances_depth(&self) -> usize {
        crate::hash::ceil_log2((self.validator_registry_limit as u64).div_ceil(4))
    }
}

/// A network config: the preset it builds on, and the fork versions used to recognise a
/// state's fork from its `fork.current_version`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetworkConfig {
    /// `CONFIG_NAME`, or the file name.
    pub name: String,
    /// The preset, with any preset keys of the file applied.
    pub preset: Preset,
    /// Fork versions present in the file.
    pub fork_versions: Vec<(Fork, [u8; 4])>,
}

impl NetworkConfig {
    /// The built-in config for a preset name, without fork versions.
    pub fn for_preset(name: &str) -> Result<Self, ConfigError> {
        let preset = Preset::by_name(name)?;
        Ok(NetworkConfig {
            name: preset.name.clone(),
            preset,
            fork_versions: Vec::new(),
        })
    }

    /// Loads a `config.yaml`-style file: `PRESET_BASE` (mainnet or minimal) picks the base
    /// preset; preset keys in the file override it; `*_FORK_VERSION` keys are kept.
    pub fn from_yaml_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_yaml_str(&text, &path.display().to_string())
    }

    /// Parses a `config.yaml`-style text (see [`NetworkConfig::from_yaml_file`]).
    pub fn from_yaml_str(text: &str, origin: &str) -> Result<Self, ConfigError> {
        let map = parse_flat_yaml(text, origin)?;
        let base = match map.get("PRESET_BASE") {
            Some(s) => s.clone(),
            None => {
                return Err(ConfigError::BadValue {
                    key: "PRESET_BASE".into(),
                    why: format!("missing in {origin}"),
                })
            }
        };
        let mut preset = Preset::by_name(&base)?;
        preset.apply_overrides(&map)?;
        let name = map
            .get("CONFIG_NAME")
            .cloned()
            .unwrap_or_else(|| origin.to_string());
        if name != preset.name {
            preset.name = format!("{}({name})", preset.name);
        }
        let mut fork_versions = Vec::new();
        for fork in Fork::ALL {
            if let Some(v) = map.get(fork.version_key()) {
                fork_versions.push((fork, yaml_version(fork.version_key(), v)?));
            }
        }
        Ok(NetworkConfig {
            name,
            preset,
            fork_versions,
        })
    }

    /// The fork whose version is `version`, if the config lists it.
    pub fn fork_of_version(&self, version: [u8; 4]) -> Option<Fork> {
        self.fork_versions
            .iter()
            .rev()
            .find(|(_, v)| *v == version)
            .map(|(f, _)| *f)
    }
}

/// Parses the flat `KEY: value` form of consensus `config.yaml` files. Values are kept as
/// text: some (TERMINAL_TOTAL_DIFFICULTY) exceed 64 bits, and fork versions must keep their
/// leading zeros, so a general YAML reader would mangle them.
fn parse_flat_yaml(text: &str, origin: &str) -> Result<BTreeMap<String, String>, ConfigError> {
    let mut map = BTreeMap::new();
    for (n, raw) in text.lines().enumerate() {
        let line = strip_comment(raw).trim();
        if line.is_empty() || line == "---" {
            continue;
        }
        let syntax = || ConfigError::Syntax {
            path: origin.to_string(),
            line: n + 1,
            text: raw.to_string(),
        };
        let (key, value) = line.split_once(':').ok_or_else(syntax)?;
        let key = key.trim();
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(syntax());
        }
        let value = value.trim();
        let value = value
            .strip_prefix('\'')
            .and_then(|v| v.strip_suffix('\''))
            .or_else(|| value.strip_prefix('"').and_then(|v| v.strip_suffix('"')))
            .unwrap_or(value);
        map.insert(key.to_string(), value.to_string());
    }
    Ok(map)
}

/// Drops a `#` comment that is not inside quotes.
fn strip_comment(line: &str) -> &str {
    let mut quote = None;
    for (i, c) in line.char_indices() {
        match (c, quote) {
            ('\'' | '"', None) => quote = Some(c),
            (q, Some(open)) if q == open => quote = None,
            ('#', None) => return &line[..i],
            _ => {}
        }
    }
    line
}

fn yaml_u64(key: &str, v: &str) -> Result<u64, ConfigError> {
    v.trim().parse().map_err(|_| ConfigError::BadValue {
        key: key.into(),
        why: format!("{v:?} is not an unsigned 64-bit integer"),
    })
}

fn yaml_version(key: &str, v: &str) -> Result<[u8; 4], ConfigError> {
    let bad = |why: String| ConfigError::BadValue {
        key: key.into(),
        why,
    };
    // The prefix is required: a bare `16777216` is a decimal number, not hex.
    if !v.trim().starts_with("0x") {
        return Err(bad(format!("{v:?} is not a 0x-prefixed 4-byte version")));
    }
    crate::hexfmt::parse_fixed(v).map_err(|e| bad(format!("a fork version is 4 bytes of hex: {e}")))
}

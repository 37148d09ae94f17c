//! Presets (the compile-time constants of the consensus specs, here run-time configuration) and
//! network configs (`config.yaml`: preset base, fork versions).

use super::Fork;
use std::collections::BTreeMap;
use std::path::Path;

/// The preset values that shape the BeaconState's SSZ layout.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Preset {
    /// Preset name (`mainnet`, `minimal`, `gnosis`, a preset directory's name, or the custom
    /// config's name).
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
    #[error("unknown preset {0:?}: expected `mainnet`, `minimal` or `gnosis` (built in), or a consensus-specs preset directory (--preset-dir presets/<name>)")]
    UnknownPreset(String),
    /// A network name that is not built in.
    #[error("unknown network {0:?}: built in are {names}", names = super::networks::NETWORK_NAMES.join(", "))]
    UnknownNetwork(String),
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
    /// A key with a value of the wrong form, or outside the range the layout allows.
    #[error("config key {key}: {why}")]
    BadValue {
        /// The key.
        key: String,
        /// What is wrong, naming the rule.
        why: String,
    },
    /// A valid preset the circuits cannot prove under (see [`Preset::provable`]).
    #[error("the circuits cannot prove under preset {preset}: {key} {why}")]
    Unprovable {
        /// The preset's name.
        preset: String,
        /// The key.
        key: &'static str,
        /// What the circuits need.
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

    /// The Gnosis Chain preset (Gnosis and Chiado): mainnet's but for `SLOTS_PER_EPOCH = 16`,
    /// the one value of it that shapes the state (`eth1_data_votes` holds
    /// `EPOCHS_PER_ETH1_VOTING_PERIOD × SLOTS_PER_EPOCH = 1024` votes, phase0's epoch
    /// attestations `2048`, fulu's `proposer_lookahead` 32 entries). Its other differences
    /// (`BASE_REWARD_FACTOR`, the sync committee period, withdrawal sweeps) are not layout.
    pub fn gnosis() -> Self {
        Preset {
            name: "gnosis".into(),
            slots_per_epoch: 16,
            ..Preset::mainnet()
        }
    }

    /// A built-in preset by name (`mainnet`, `minimal`, `gnosis`).
    pub fn by_name(name: &str) -> Result<Self, ConfigError> {
        match name.trim().to_ascii_lowercase().as_str() {
            "mainnet" => Ok(Preset::mainnet()),
            "minimal" => Ok(Preset::minimal()),
            "gnosis" => Ok(Preset::gnosis()),
            _ => Err(ConfigError::UnknownPreset(name.to_string())),
        }
    }

    /// The keys of every value that shapes the state's layout.
    pub const LAYOUT_KEYS: [&'static str; 16] = [
        "SLOTS_PER_EPOCH",
        "SLOTS_PER_HISTORICAL_ROOT",
        "HISTORICAL_ROOTS_LIMIT",
        "EPOCHS_PER_ETH1_VOTING_PERIOD",
        "VALIDATOR_REGISTRY_LIMIT",
        "EPOCHS_PER_HISTORICAL_VECTOR",
        "EPOCHS_PER_SLASHINGS_VECTOR",
        "MAX_ATTESTATIONS",
        "MAX_VALIDATORS_PER_COMMITTEE",
        "SYNC_COMMITTEE_SIZE",
        "BYTES_PER_LOGS_BLOOM",
        "MAX_EXTRA_DATA_BYTES",
        "PENDING_DEPOSITS_LIMIT",
        "PENDING_PARTIAL_WITHDRAWALS_LIMIT",
        "PENDING_CONSOLIDATIONS_LIMIT",
        "MIN_SEED_LOOKAHEAD",
    ];

    /// A preset read whole from `map` (a preset directory's files merged): every one of
    /// [`Preset::LAYOUT_KEYS`] must be there (a missing one is an error naming it and
    /// `origin`), then [`Preset::validate`].
    pub(crate) fn from_map(
        name: &str,
        map: &BTreeMap<String, String>,
        origin: &str,
    ) -> Result<Self, ConfigError> {
        if let Some(key) = Self::LAYOUT_KEYS.iter().find(|k| !map.contains_key(**k)) {
            return Err(ConfigError::BadValue {
                key: (*key).into(),
                why: format!("missing in {origin} (every value that shapes the state's layout is read from the preset)"),
            });
        }
        let mut p = Preset {
            name: name.to_string(),
            ..Preset::mainnet()
        };
        p.apply_overrides(map)?;
        Ok(p)
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
        self.validate()
    }

    /// The largest list limit, vector length or derived size (such as `EPOCHS_PER_ETH1_VOTING_PERIOD
    /// × SLOTS_PER_EPOCH`) a preset may set: `2^40`, mainnet's `VALIDATOR_REGISTRY_LIMIT` and the
    /// largest value of any published preset. With it every list's data tree is at most 40 levels
    /// deep, so a generalized index below the block root (3 header levels, at most 6 state levels,
    /// 1 length mix-in, 40 list levels, at most 4 inside an element: 54 bits) fits a `u64`, and
    /// every serialized size (at most `48 · 2^40` bytes for a vector) fits a 64-bit `usize`.
    pub const MAX_LENGTH: u64 = 1 << 40;

    /// The one validation of a preset, run wherever one is read ([`NetworkConfig::from_yaml_str`])
    /// and before a state is decoded under one ([`super::BeaconState::decode`]): every value
    /// within `1..=2^40` (`MIN_SEED_LOOKAHEAD` may be 0), `VALIDATOR_REGISTRY_LIMIT` a power of two,
    /// and every size derived from two values computed with checked arithmetic and within `2^40`.
    /// Each error names the key and the rule.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let bad = |key: &str, why: String| ConfigError::BadValue {
            key: key.into(),
            why,
        };
        for (key, value, least) in self.values() {
            if value < least {
                return Err(bad(key, format!("must be at least {least}, found {value}")));
            }
            if value > Self::MAX_LENGTH {
                return Err(bad(
                    key,
                    format!("{value} exceeds 2^40 = {}, the largest list limit or vector length accepted (it keeps every generalized index within 64 bits)", Self::MAX_LENGTH),
                ));
            }
        }
        let vrl = self.validator_registry_limit as u64;
        if !vrl.is_power_of_two() {
            return Err(bad(
                "VALIDATOR_REGISTRY_LIMIT",
                format!("must be a power of two (the validators and balances trees are laid out for one), found {vrl}"),
            ));
        }
        let spe = self.slots_per_epoch;
        let products = [
            (
                "EPOCHS_PER_ETH1_VOTING_PERIOD",
                "EPOCHS_PER_ETH1_VOTING_PERIOD × SLOTS_PER_EPOCH (the eth1_data_votes limit)",
                self.epochs_per_eth1_voting_period as u64,
            ),
            (
                "MAX_ATTESTATIONS",
                "MAX_ATTESTATIONS × SLOTS_PER_EPOCH (the phase0 epoch attestations limit)",
                self.max_attestations as u64,
            ),
            (
                "MIN_SEED_LOOKAHEAD",
                "(MIN_SEED_LOOKAHEAD + 1) × SLOTS_PER_EPOCH (the fulu proposer_lookahead length)",
                (self.min_seed_lookahead as u64).saturating_add(1),
            ),
        ];
        for (key, what, factor) in products {
            match factor.checked_mul(spe) {
                Some(n) if n <= Self::MAX_LENGTH => {}
                Some(n) => {
                    return Err(bad(
                        key,
                        format!("{what} = {n} exceeds 2^40 = {}", Self::MAX_LENGTH),
                    ))
                }
                None => {
                    return Err(bad(
                        key,
                        format!("{what} overflows 64 bits (SLOTS_PER_EPOCH is {spe})"),
                    ))
                }
            }
        }
        Ok(())
    }

    /// Every value with its key and least allowed value.
    pub(crate) fn values(&self) -> [(&'static str, u64, u64); 16] {
        [
            ("SLOTS_PER_EPOCH", self.slots_per_epoch, 1),
            (
                "SLOTS_PER_HISTORICAL_ROOT",
                self.slots_per_historical_root as u64,
                1,
            ),
            (
                "HISTORICAL_ROOTS_LIMIT",
                self.historical_roots_limit as u64,
                1,
            ),
            (
                "EPOCHS_PER_ETH1_VOTING_PERIOD",
                self.epochs_per_eth1_voting_period as u64,
                1,
            ),
            (
                "VALIDATOR_REGISTRY_LIMIT",
                self.validator_registry_limit as u64,
                1,
            ),
            (
                "EPOCHS_PER_HISTORICAL_VECTOR",
                self.epochs_per_historical_vector as u64,
                1,
            ),
            (
                "EPOCHS_PER_SLASHINGS_VECTOR",
                self.epochs_per_slashings_vector as u64,
                1,
            ),
            ("MAX_ATTESTATIONS", self.max_attestations as u64, 1),
            (
                "MAX_VALIDATORS_PER_COMMITTEE",
                self.max_validators_per_committee as u64,
                1,
            ),
            ("SYNC_COMMITTEE_SIZE", self.sync_committee_size as u64, 1),
            ("BYTES_PER_LOGS_BLOOM", self.bytes_per_logs_bloom as u64, 1),
            ("MAX_EXTRA_DATA_BYTES", self.max_extra_data_bytes as u64, 1),
            (
                "PENDING_DEPOSITS_LIMIT",
                self.pending_deposits_limit as u64,
                1,
            ),
            (
                "PENDING_PARTIAL_WITHDRAWALS_LIMIT",
                self.pending_partial_withdrawals_limit as u64,
                1,
            ),
            (
                "PENDING_CONSOLIDATIONS_LIMIT",
                self.pending_consolidations_limit as u64,
                1,
            ),
            ("MIN_SEED_LOOKAHEAD", self.min_seed_lookahead as u64, 0),
        ]
    }

    /// Whether the circuits can prove states under this preset (beyond [`Preset::validate`]):
    /// the registry and balance circuits are built for `VALIDATOR_REGISTRY_LIMIT = 2^40` (a
    /// 40-level validators tree, a 38-level balances tree, 41-bit indices), and the balance
    /// circuit splits `slot = epoch · SLOTS_PER_EPOCH + r` with a range check of
    /// `log2(SLOTS_PER_EPOCH)` bits, so `SLOTS_PER_EPOCH` must be a power of two. `tree` and
    /// `prove` call it before planning anything; `report` and `proof` need only `validate`.
    pub fn check_provable(&self) -> Result<(), ConfigError> {
        self.validate()?;
        let unprovable = |key, why| ConfigError::Unprovable {
            preset: self.name.clone(),
            key,
            why,
        };
        let vrl = self.validator_registry_limit as u64;
        if vrl != 1 << 40 {
            return Err(unprovable(
                "VALIDATOR_REGISTRY_LIMIT",
                format!("is {vrl}, but the registry and balance circuits are built for 2^40 = 1099511627776 (a 40-level validators tree)"),
            ));
        }
        let spe = self.slots_per_epoch;
        if !spe.is_power_of_two() {
            return Err(unprovable(
                "SLOTS_PER_EPOCH",
                format!("is {spe}, but the balance circuit needs a power of two (it range-checks slot mod SLOTS_PER_EPOCH in log2(SLOTS_PER_EPOCH) bits)"),
            ));
        }
        Ok(())
    }

    /// `EPOCHS_PER_ETH1_VOTING_PERIOD × SLOTS_PER_EPOCH`: the limit of `eth1_data_votes`
    /// (saturating: [`Preset::validate`] refuses a preset where it exceeds `2^40`).
    pub fn eth1_data_votes_limit(&self) -> usize {
        usize_of((self.epochs_per_eth1_voting_period as u64).saturating_mul(self.slots_per_epoch))
    }

    /// `MAX_ATTESTATIONS × SLOTS_PER_EPOCH`: the limit of phase0's epoch attestation lists
    /// (saturating, as [`Preset::eth1_data_votes_limit`]).
    pub fn epoch_attestations_limit(&self) -> usize {
        usize_of((self.max_attestations as u64).saturating_mul(self.slots_per_epoch))
    }

    /// `(MIN_SEED_LOOKAHEAD + 1) × SLOTS_PER_EPOCH`: the length of fulu's `proposer_lookahead`
    /// (saturating, as [`Preset::eth1_data_votes_limit`]).
    pub fn proposer_lookahead_len(&self) -> usize {
        usize_of(
            (self.min_seed_lookahead as u64)
                .saturating_add(1)
                .saturating_mul(self.slots_per_epoch),
        )
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

fn usize_of(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
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
    /// `SECONDS_PER_SLOT` (12 on Ethereum, 5 on Gnosis), when the file gives it.
    pub seconds_per_slot: Option<u64>,
    /// `MIN_GENESIS_TIME`, when the file gives it (the chain's genesis time is this plus
    /// `GENESIS_DELAY`, or later).
    pub min_genesis_time: Option<u64>,
}

impl NetworkConfig {
    /// The built-in config for a preset name, without fork versions.
    pub fn for_preset(name: &str) -> Result<Self, ConfigError> {
        let preset = Preset::by_name(name)?;
        Ok(NetworkConfig {
            name: preset.name.clone(),
            preset,
            fork_versions: Vec::new(),
            seconds_per_slot: None,
            min_genesis_time: None,
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
        Self::from_yaml_str_with(text, origin, None)
    }

    /// [`NetworkConfig::from_yaml_file`] over a preset read from a directory
    /// ([`Preset::from_dir`]) instead of a built-in one: the file's `PRESET_BASE` must name
    /// it.
    pub fn from_yaml_file_with(path: &Path, preset: Option<Preset>) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_yaml_str_with(&text, &path.display().to_string(), preset)
    }

    /// [`NetworkConfig::from_yaml_str`] with an optional preset of a directory.
    pub fn from_yaml_str_with(
        text: &str,
        origin: &str,
        dir_preset: Option<Preset>,
    ) -> Result<Self, ConfigError> {
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
        let mut preset = match dir_preset {
            Some(p) if p.name.eq_ignore_ascii_case(base.trim()) => p,
            Some(p) => {
                return Err(ConfigError::BadValue {
                    key: "PRESET_BASE".into(),
                    why: format!(
                        "{origin} builds on preset {base:?}, but the preset directory is {:?}",
                        p.name
                    ),
                })
            }
            None => Preset::by_name(&base)?,
        };
        preset.apply_overrides(&map)?;
        let optional = |key: &str| map.get(key).map(|v| yaml_u64(key, v)).transpose();
        let seconds_per_slot = optional("SECONDS_PER_SLOT")?;
        if seconds_per_slot == Some(0) {
            return Err(ConfigError::BadValue {
                key: "SECONDS_PER_SLOT".into(),
                why: "must be at least 1".into(),
            });
        }
        let min_genesis_time = optional("MIN_GENESIS_TIME")?;
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
            seconds_per_slot,
            min_genesis_time,
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
pub(crate) fn parse_flat_yaml(
    text: &str,
    origin: &str,
) -> Result<BTreeMap<String, String>, ConfigError> {
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

pub(crate) fn yaml_u64(key: &str, v: &str) -> Result<u64, ConfigError> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_presets_are_valid_and_provable() {
        for p in [Preset::mainnet(), Preset::minimal()] {
            p.validate().unwrap();
            p.check_provable().unwrap();
        }
        let m = Preset::mainnet();
        assert_eq!(m.eth1_data_votes_limit(), 2048);
        assert_eq!(m.epoch_attestations_limit(), 4096);
        assert_eq!(m.proposer_lookahead_len(), 64);
    }

    #[test]
    fn derived_sizes_saturate_instead_of_wrapping() {
        let p = Preset {
            slots_per_epoch: u64::MAX,
            min_seed_lookahead: usize::MAX,
            ..Preset::mainnet()
        };
        assert_eq!(p.proposer_lookahead_len(), usize::MAX);
        assert_eq!(p.eth1_data_votes_limit(), usize::MAX);
        assert!(p.validate().is_err());
    }
}

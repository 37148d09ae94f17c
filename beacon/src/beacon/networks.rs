//! Networks that work out of the box (their published `config.yaml`, embedded) and presets
//! read from a consensus-specs preset directory (`presets/<name>/*.yaml`).

use super::preset::{parse_flat_yaml, ConfigError, NetworkConfig, Preset};
use std::collections::BTreeMap;
use std::path::Path;

/// Every built-in network, with its published `config.yaml` (provenance:
/// `testdata/genesis/README.txt`, `testdata/networks/README.md`).
const NETWORKS: [(&str, &str); 5] = [
    (
        "mainnet",
        include_str!("../../../testdata/genesis/mainnet/config.yaml"),
    ),
    (
        "sepolia",
        include_str!("../../../testdata/genesis/sepolia/config.yaml"),
    ),
    (
        "hoodi",
        include_str!("../../../testdata/networks/hoodi/config.yaml"),
    ),
    (
        "gnosis",
        include_str!("../../../testdata/networks/gnosis/config.yaml"),
    ),
    (
        "chiado",
        include_str!("../../../testdata/networks/chiado/config.yaml"),
    ),
];

/// The names of the built-in networks.
pub const NETWORK_NAMES: [&str; 5] = ["mainnet", "sepolia", "hoodi", "gnosis", "chiado"];

impl NetworkConfig {
    /// A built-in network by name: its published config over its built-in preset (Ethereum
    /// mainnet, Sepolia and Hoodi on `mainnet`; Gnosis Chain and Chiado on `gnosis`).
    pub fn builtin(name: &str) -> Result<Self, ConfigError> {
        let lower = name.trim().to_ascii_lowercase();
        let (_, text) = NETWORKS
            .iter()
            .find(|(n, _)| *n == lower)
            .ok_or_else(|| ConfigError::UnknownNetwork(name.to_string()))?;
        Self::from_yaml_str(text, &format!("the built-in {lower} config"))
    }
}

/// Most preset files a directory may hold, and most bytes per file (the published ones are a
/// few kB): a directory of something else is refused before it is read whole.
const MAX_PRESET_FILES: usize = 64;
const MAX_PRESET_FILE_BYTES: u64 = 1 << 20;

impl Preset {
    /// A preset read from a consensus-specs preset directory (`presets/<name>/phase0.yaml`,
    /// `altair.yaml`, …; every `*.yaml` file in it, merged), named after the directory. Every
    /// value that shapes the state's layout ([`Preset::LAYOUT_KEYS`]) must be in one of the
    /// files, a key given twice must have one value, and the result must pass
    /// [`Preset::validate`]; each error names the key (and the files).
    pub fn from_dir(dir: &Path) -> Result<Self, ConfigError> {
        let io = |source| ConfigError::Io {
            path: dir.display().to_string(),
            source,
        };
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .map_err(io)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
            .collect();
        files.sort();
        if files.is_empty() || files.len() > MAX_PRESET_FILES {
            return Err(ConfigError::BadValue {
                key: "--preset-dir".into(),
                why: format!(
                    "{} holds {} .yaml files: a preset directory holds one per fork (1 to {MAX_PRESET_FILES})",
                    dir.display(),
                    files.len()
                ),
            });
        }
        let mut map: BTreeMap<String, String> = BTreeMap::new();
        let mut from: BTreeMap<String, String> = BTreeMap::new();
        for f in &files {
            let origin = f.display().to_string();
            let len = std::fs::metadata(f).map_err(io)?.len();
            if len > MAX_PRESET_FILE_BYTES {
                return Err(ConfigError::BadValue {
                    key: "--preset-dir".into(),
                    why: format!("{origin} is {len} bytes: not a preset file"),
                });
            }
            let text = std::fs::read_to_string(f).map_err(|source| ConfigError::Io {
                path: origin.clone(),
                source,
            })?;
            for (k, v) in parse_flat_yaml(&text, &origin)? {
                match map.get(&k) {
                    Some(old) if *old != v => {
                        return Err(ConfigError::BadValue {
                            why: format!(
                                "{old:?} in {} but {v:?} in {origin}",
                                from.get(&k).map_or("", String::as_str)
                            ),
                            key: k,
                        })
                    }
                    _ => {
                        from.insert(k.clone(), origin.clone());
                        map.insert(k, v);
                    }
                }
            }
        }
        let name = dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("custom")
            .to_string();
        Preset::from_map(&name, &map, &dir.display().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::beacon::Fork;

    #[test]
    fn every_builtin_network_loads_on_its_preset() {
        for (name, preset, spe, seconds) in [
            ("mainnet", "mainnet", 32, 12),
            ("sepolia", "mainnet", 32, 12),
            ("hoodi", "mainnet", 32, 12),
            ("gnosis", "gnosis", 16, 5),
            ("chiado", "gnosis", 16, 5),
        ] {
            let c = NetworkConfig::builtin(name).unwrap();
            assert_eq!(c.name, name);
            // The preset's name, with the network's when they differ: `mainnet(sepolia)`.
            assert_eq!(c.preset.name.split('(').next(), Some(preset), "{name}");
            assert_eq!(c.preset.slots_per_epoch, spe);
            assert_eq!(c.seconds_per_slot, Some(seconds));
            assert!(c.min_genesis_time.is_some());
            assert!(c.fork_of_version(c.fork_versions[0].1).is_some());
            c.preset.check_provable().unwrap();
        }
        // Gnosis Chain's Electra version (published: 0x05000064).
        let g = NetworkConfig::builtin("Gnosis").unwrap();
        assert_eq!(g.fork_of_version([5, 0, 0, 0x64]), Some(Fork::Electra));
        let e = NetworkConfig::builtin("holesky").unwrap_err().to_string();
        assert!(
            e.contains("unknown network \"holesky\"") && e.contains("chiado"),
            "{e}"
        );
    }

    /// Writes `presets/<name>/{phase0,altair,electra}.yaml` with `p`'s values split over them.
    fn write_dir(root: &Path, name: &str, p: &Preset, skip: Option<&str>) -> std::path::PathBuf {
        let dir = root.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        let values: Vec<(&str, u64)> = p
            .values()
            .iter()
            .map(|(k, v, _)| (*k, *v))
            .filter(|(k, _)| Some(*k) != skip)
            .collect();
        for (i, chunk) in values.chunks(6).enumerate() {
            let mut text = String::from("# a preset file\n");
            for (k, v) in chunk {
                text.push_str(&format!("{k}: {v}\n"));
            }
            text.push_str("MAX_EFFECTIVE_BALANCE_ELECTRA: 2048000000000\n");
            std::fs::write(dir.join(format!("{i}.yaml")), text).unwrap();
        }
        dir
    }

    #[test]
    fn a_preset_directory_gives_every_layout_value_or_names_the_missing_one() {
        let tmp = tempfile::tempdir().unwrap();
        let g =
            Preset::from_dir(&write_dir(tmp.path(), "gnosis", &Preset::gnosis(), None)).unwrap();
        assert_eq!(g, Preset::gnosis());
        let m =
            Preset::from_dir(&write_dir(tmp.path(), "minimal", &Preset::minimal(), None)).unwrap();
        assert_eq!(m, Preset::minimal());
        let dir = write_dir(
            tmp.path(),
            "holey",
            &Preset::mainnet(),
            Some("SYNC_COMMITTEE_SIZE"),
        );
        let e = Preset::from_dir(&dir).unwrap_err().to_string();
        assert!(
            e.starts_with("config key SYNC_COMMITTEE_SIZE: missing in"),
            "{e}"
        );
        // One key, two values.
        std::fs::write(
            dir.join("z.yaml"),
            "SLOTS_PER_EPOCH: 8\nSYNC_COMMITTEE_SIZE: 512\n",
        )
        .unwrap();
        let e = Preset::from_dir(&dir).unwrap_err().to_string();
        assert!(
            e.contains("SLOTS_PER_EPOCH") && e.contains("\"32\" in"),
            "{e}"
        );
        // A value outside the rules is named.
        std::fs::write(dir.join("z.yaml"), "SYNC_COMMITTEE_SIZE: -1\n").unwrap();
        let e = Preset::from_dir(&dir).unwrap_err().to_string();
        assert!(e.contains("SYNC_COMMITTEE_SIZE"), "{e}");
        let e = Preset::from_dir(tmp.path()).unwrap_err().to_string();
        assert!(e.contains("0 .yaml files"), "{e}");
        // A config over a directory preset must name it.
        let cfg = "PRESET_BASE: 'gnosis'\nCONFIG_NAME: 'x'\n";
        let c = NetworkConfig::from_yaml_str_with(cfg, "x.yaml", Some(g.clone())).unwrap();
        assert_eq!(c.preset.slots_per_epoch, 16);
        let e = NetworkConfig::from_yaml_str_with(cfg, "x.yaml", Some(m)).unwrap_err();
        assert!(
            e.to_string()
                .contains("the preset directory is \"minimal\""),
            "{e}"
        );
    }
}

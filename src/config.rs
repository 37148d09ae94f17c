//! The deployment config file (`stakeproof --config stakeproof.toml …`): the settings of one
//! pool's reports, so that a daily `stakeproof prove` needs no flags. Every key is the flag of
//! the same name (dashes as underscores); a flag given on the command line overrides the file.
//! Relative paths are relative to the file's directory. Unknown keys are errors, so a typo never
//! silently falls back to a default. See `stakeproof.example.toml`.

use anyhow::{bail, Context, Result};
use stakeproof::beacon::report::Pool;
use std::path::{Path, PathBuf};

/// The file as written (every key optional).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    beacon_url: Option<String>,
    network_config: Option<PathBuf>,
    cache_dir: Option<PathBuf>,
    withdrawal_address: Option<String>,
    withdrawal_credentials: Option<String>,
    registry_size: Option<usize>,
    balance_size: Option<usize>,
    node_k: Option<u32>,
    max_parallel: Option<usize>,
    work_dir: Option<PathBuf>,
    srs: Option<PathBuf>,
    unsafe_srs: Option<bool>,
    vault: Option<String>,
    execution_rpc: Option<String>,
}

/// A loaded, checked config (empty when no file is given).
#[derive(Debug, Default)]
pub struct Config {
    /// Beacon node REST API.
    pub beacon_url: Option<String>,
    /// A network config.yaml.
    pub network_config: Option<PathBuf>,
    /// Cache of downloaded states.
    pub cache_dir: Option<PathBuf>,
    /// The pool.
    pub pool: Option<Pool>,
    /// Validators per registry proof.
    pub registry_size: Option<usize>,
    /// Balances per balance proof.
    pub balance_size: Option<usize>,
    /// `k` of the aggregation nodes.
    pub node_k: Option<u32>,
    /// Concurrent leaf proofs.
    pub max_parallel: Option<usize>,
    /// Work directory.
    pub work_dir: Option<PathBuf>,
    /// A ceremony setup file.
    pub srs: Option<PathBuf>,
    /// Use an unsafe local setup.
    pub unsafe_srs: bool,
    /// The withdrawal vault `report` opens (with [`Self::execution_rpc`]).
    pub vault: Option<[u8; 20]>,
    /// The execution node answering `eth_getProof` for the vault.
    pub execution_rpc: Option<String>,
}

impl Config {
    /// Reads and checks `path` (`None`: the empty config).
    pub fn load(path: Option<&Path>) -> Result<Self> {
        let Some(path) = path else {
            return Ok(Self::default());
        };
        if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        ) {
            bail!(
                "--config takes a stakeproof TOML file (see stakeproof.example.toml); a network config.yaml goes to --network-config"
            );
        }
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read config file {}", path.display()))?;
        Self::parse(&text, path)
    }

    /// Parses the text of the file at `path` (relative paths in it are relative to its
    /// directory).
    pub fn parse(text: &str, path: &Path) -> Result<Self> {
        let f: FileConfig = toml::from_str(text).map_err(|e| {
            anyhow::anyhow!(
                "config file {}: {}",
                path.display(),
                e.to_string().trim_end()
            )
        })?;
        let err = |msg: String| anyhow::anyhow!("config file {}: {msg}", path.display());
        let base = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let rel = |p: Option<PathBuf>| p.map(|p| if p.is_absolute() { p } else { base.join(p) });
        let pool = match (&f.withdrawal_address, &f.withdrawal_credentials) {
            (Some(_), Some(_)) => {
                return Err(err(
                    "give withdrawal_address or withdrawal_credentials, not both".into(),
                ))
            }
            (Some(a), None) => {
                Some(Pool::parse_address(a).map_err(|e| err(format!("withdrawal_address: {e}")))?)
            }
            (None, Some(c)) => Some(
                Pool::parse_credentials(c)
                    .map_err(|e| err(format!("withdrawal_credentials: {e}")))?,
            ),
            (None, None) => None,
        };
        if f.srs.is_some() && f.unsafe_srs == Some(true) {
            return Err(err("give srs or unsafe_srs = true, not both".into()));
        }
        if let Some(k) = f.node_k {
            if !(12..=26).contains(&k) {
                return Err(err(format!("node_k = {k} is outside 12..=26")));
            }
        }
        for (key, url) in [
            ("beacon_url", &f.beacon_url),
            ("execution_rpc", &f.execution_rpc),
        ] {
            if let Some(url) = url {
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    return Err(err(format!(
                        "{key} {url:?} is not an http:// or https:// URL"
                    )));
                }
            }
        }
        // A vault without a node would make every `report` fail; a node without a vault
        // would be silently unused.
        let vault = match (&f.vault, &f.execution_rpc) {
            (Some(v), Some(_)) => Some(
                stakeproof::beacon::hexfmt::parse_fixed::<20>(v)
                    .map_err(|e| err(format!("vault: {e}")))?,
            ),
            (None, None) => None,
            _ => return Err(err("give vault and execution_rpc together".into())),
        };
        Ok(Config {
            beacon_url: f.beacon_url,
            network_config: rel(f.network_config),
            cache_dir: rel(f.cache_dir),
            pool,
            registry_size: f.registry_size,
            balance_size: f.balance_size,
            node_k: f.node_k,
            max_parallel: f.max_parallel,
            work_dir: rel(f.work_dir),
            srs: rel(f.srs),
            unsafe_srs: f.unsafe_srs.unwrap_or(false),
            vault,
            execution_rpc: f.execution_rpc,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_keys_relative_paths_and_errors() {
        let c = Config::parse(
            "beacon_url = \"http://localhost:5052\"\nwithdrawal_address = \"0x57a4e0005a4e0000000000000000000000000001\"\nregistry_size = 8\nwork_dir = \"w\"\nsrs = \"/abs/ceremony.srs\"\n",
            Path::new("/etc/sp/stakeproof.toml"),
        )
        .unwrap();
        assert_eq!(c.registry_size, Some(8));
        assert_eq!(c.work_dir.unwrap(), Path::new("/etc/sp/w"));
        assert_eq!(c.srs.unwrap(), Path::new("/abs/ceremony.srs"));
        assert!(c.pool.is_some());
        let e = Config::parse("registy_size = 8\n", Path::new("x.toml")).unwrap_err();
        assert!(e.to_string().contains("registy_size"), "{e}");
        let e = Config::parse("node_k = \"big\"\n", Path::new("x.toml")).unwrap_err();
        assert!(e.to_string().contains("node_k"), "{e}");
        let e = Config::parse("srs = \"a\"\nunsafe_srs = true\n", Path::new("x.toml")).unwrap_err();
        assert!(e.to_string().contains("not both"), "{e}");
        let c = Config::parse(
            "vault = \"0xb9b9b9b9b9b9b9b9b9b9b9b9b9b9b9b9b9b9b9b9\"\nexecution_rpc = \"http://localhost:8545\"\n",
            Path::new("x.toml"),
        )
        .unwrap();
        assert_eq!(c.vault, Some([0xb9; 20]));
        let e = Config::parse(
            "vault = \"0xb9\"\nexecution_rpc = \"http://x\"\n",
            Path::new("x.toml"),
        )
        .unwrap_err();
        assert!(e.to_string().contains("vault"), "{e}");
        let e = Config::parse(
            "vault = \"0xb9b9b9b9b9b9b9b9b9b9b9b9b9b9b9b9b9b9b9b9\"\n",
            Path::new("x.toml"),
        )
        .unwrap_err();
        assert!(e.to_string().contains("together"), "{e}");
        let e = Config::parse("vault = \"0xb9b9b9b9b9b9b9b9b9b9b9b9b9b9b9b9b9b9b9b9\"\nexecution_rpc = \"localhost:8545\"\n", Path::new("x.toml")).unwrap_err();
        assert!(e.to_string().contains("execution_rpc"), "{e}");
    }
}

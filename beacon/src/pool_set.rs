//! Credential sets: a pool of many addresses and credentials, read from a pool file.
//!
//! A set holds 256-bit **keys**: a `0x01` or `0x02` credential is keyed `0x01‖wc[1..32]` (both
//! forms pay the same address, so both count), any other credential is keyed by itself. An
//! address `a` is the key `0x01‖0×11‖a`. The circuits commit the sorted keys in one Poseidon
//! root (`stakeproof_circuits::pool_set`); this module is what the native report needs.
//!
//! The pool file (TOML, or JSON when its name ends in `.json`):
//!
//! ```toml
//! # Execution addresses: validators with 0x01 or 0x02 credentials to them count.
//! addresses = ["0x00000000219ab540356cbb839cbe05303d7705fa"]
//! # Exact 32-byte credentials (a 0x01/0x02 one stands for its address, both forms).
//! credentials = ["0x00f50428677c60f997aadeab24aabf7fceaef491c96a52b463ae91f95611cf71"]
//! # Tree depth: room for 2^depth − 1 entries (default: the smallest that fits). A pool that
//! # grows sets it once, so its circuits and keys stay the same as it grows.
//! depth = 17
//! ```

use crate::hexfmt::{self, HexError};
use std::path::Path;

/// Deepest set tree: room for 2^20 − 1 entries.
pub const MAX_SET_DEPTH: u32 = 20;

/// The key of withdrawal credentials `wc` (see the module docs).
pub fn set_key(wc: &[u8; 32]) -> [u8; 32] {
    let mut k = *wc;
    if k[0] == 0x02 {
        k[0] = 0x01;
    }
    k
}

/// The key of an execution address.
pub fn address_key(a: &[u8; 20]) -> [u8; 32] {
    let mut k = [0u8; 32];
    k[0] = 0x01;
    k[12..].copy_from_slice(a);
    k
}

/// A credential set: sorted distinct keys and the depth of its tree.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CredentialKeys {
    keys: Vec<[u8; 32]>,
    depth: u32,
}

/// A pool file or set that cannot be used; each names what is wrong.
#[derive(Debug, thiserror::Error)]
pub enum PoolFileError {
    /// The file could not be read.
    #[error("pool file {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Not valid TOML/JSON of the documented shape.
    #[error("pool file {path}: {why}")]
    Parse {
        /// The file.
        path: String,
        /// The parser's message (it names the key).
        why: String,
    },
    /// An entry is not 0x-hex of the right length.
    #[error("pool file: {list}[{index}] = {value:?}: {source}")]
    Entry {
        /// `addresses` or `credentials`.
        list: &'static str,
        /// Position in the list.
        index: usize,
        /// The text.
        value: String,
        /// What is wrong with it.
        source: HexError,
    },
    /// The same key twice.
    #[error("pool file: 0x{} is listed twice (an address and its 0x01/0x02 credentials are one entry)", hex::encode(.0))]
    Duplicate([u8; 32]),
    /// No entries.
    #[error("pool file lists no addresses or credentials")]
    Empty,
    /// More entries than the depth holds, or a depth out of range.
    #[error("pool file: {entries} entries need a depth of at least {needed}; depth {depth} is outside that or above {MAX_SET_DEPTH}")]
    Depth {
        /// Entries.
        entries: usize,
        /// The smallest depth that holds them.
        needed: u32,
        /// The depth asked for.
        depth: u32,
    },
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PoolFile {
    #[serde(default)]
    addresses: Vec<String>,
    #[serde(default)]
    credentials: Vec<String>,
    depth: Option<u32>,
}

impl CredentialKeys {
    /// Smallest depth whose tree holds `entries` (2^depth − 1 ≥ entries; at least 1).
    pub fn depth_for(entries: usize) -> u32 {
        ((entries as u64 + 1).next_power_of_two().trailing_zeros()).max(1)
    }

    /// A set of `keys` (any order) in a tree of `depth` (default: the smallest that fits).
    pub fn new(mut keys: Vec<[u8; 32]>, depth: Option<u32>) -> Result<Self, PoolFileError> {
        if keys.is_empty() {
            return Err(PoolFileError::Empty);
        }
        keys.sort_unstable();
        if let Some(w) = keys.windows(2).find(|w| w[0] == w[1]) {
            return Err(PoolFileError::Duplicate(w[0]));
        }
        let needed = Self::depth_for(keys.len());
        let depth = depth.unwrap_or(needed);
        if depth < needed || depth > MAX_SET_DEPTH {
            return Err(PoolFileError::Depth {
                entries: keys.len(),
                needed,
                depth,
            });
        }
        Ok(CredentialKeys { keys, depth })
    }

    /// Reads a pool file (TOML, or JSON for a `.json` name).
    pub fn from_file(path: &Path) -> Result<Self, PoolFileError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| PoolFileError::Read {
            path: shown.clone(),
            source,
        })?;
        let json = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"));
        Self::from_str_as(&text, json).map_err(|e| match e {
            PoolFileError::Parse { why, .. } => PoolFileError::Parse { path: shown, why },
            e => e,
        })
    }

    /// Parses pool-file text (`json`: JSON, else TOML).
    pub fn from_str_as(text: &str, json: bool) -> Result<Self, PoolFileError> {
        let parse = |why: String| PoolFileError::Parse {
            path: String::new(),
            why,
        };
        let f: PoolFile = if json {
            serde_json::from_str(text).map_err(|e| parse(e.to_string()))?
        } else {
            toml::from_str(text).map_err(|e| parse(e.to_string()))?
        };
        let mut keys = Vec::with_capacity(f.addresses.len() + f.credentials.len());
        for (index, a) in f.addresses.iter().enumerate() {
            let b: [u8; 20] = hexfmt::parse_fixed(a).map_err(|source| PoolFileError::Entry {
                list: "addresses",
                index,
                value: a.clone(),
                source,
            })?;
            keys.push(address_key(&b));
        }
        for (index, c) in f.credentials.iter().enumerate() {
            let b: [u8; 32] = hexfmt::parse_fixed(c).map_err(|source| PoolFileError::Entry {
                list: "credentials",
                index,
                value: c.clone(),
                source,
            })?;
            keys.push(set_key(&b));
        }
        Self::new(keys, f.depth)
    }

    /// The sorted keys.
    pub fn keys(&self) -> &[[u8; 32]] {
        &self.keys
    }

    /// Depth of the set's tree.
    pub fn depth(&self) -> u32 {
        self.depth
    }

    /// Whether credentials `wc` belong to the set.
    pub fn contains(&self, wc: &[u8; 32]) -> bool {
        self.keys.binary_search(&set_key(wc)).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pool_file_reads_addresses_and_credentials_as_one_sorted_set() {
        let toml = r#"
            addresses = ["0x1111111111111111111111111111111111111111"]
            credentials = ["0x0200000000000000000000002222222222222222222222222222222222222222",
                           "0x00aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"]
        "#;
        let s = CredentialKeys::from_str_as(toml, false).unwrap();
        assert_eq!(s.keys().len(), 3);
        assert_eq!(s.depth(), 2);
        let mut two = [0u8; 32];
        two[0] = 0x01;
        two[12..].copy_from_slice(&[0x22; 20]);
        assert!(
            s.contains(&two),
            "a 0x02 credential in the file admits its 0x01 form"
        );
        two[0] = 0x02;
        assert!(s.contains(&two));
        two[0] = 0x00;
        assert!(!s.contains(&two));
        let json = r#"{"addresses": ["0x1111111111111111111111111111111111111111"], "depth": 17}"#;
        assert_eq!(CredentialKeys::from_str_as(json, true).unwrap().depth(), 17);
    }

    #[test]
    fn bad_pool_files_name_what_is_wrong() {
        let e = |t: &str| {
            CredentialKeys::from_str_as(t, false)
                .unwrap_err()
                .to_string()
        };
        assert!(e("addresses = [\"0x12\"]").contains("addresses[0]"));
        assert!(e("credentials = [\"0xzz\"]").contains("credentials[0]"));
        assert!(e("adresses = []").contains("adresses"));
        assert!(e("").contains("no addresses or credentials"));
        let a = "0x1111111111111111111111111111111111111111";
        let c = "0x0200000000000000000000001111111111111111111111111111111111111111";
        assert!(
            e(&format!("addresses = [\"{a}\"]\ncredentials = [\"{c}\"]")).contains("listed twice")
        );
        assert!(e(&format!("addresses = [\"{a}\"]\ndepth = 0")).contains("depth 0"));
        assert!(e(&format!("addresses = [\"{a}\"]\ndepth = 21")).contains("depth 21"));
    }
}

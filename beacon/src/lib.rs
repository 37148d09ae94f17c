#![warn(missing_docs)]
//! # stakeproof-beacon
//!
//! Beacon data and native computation for stakeproof: a fork- and preset-aware BeaconState
//! codec ([`beacon`]), SHA-NI/rayon merkleization ([`hash`], [`merkle`]), Merkle proofs from
//! validators and balances up to the beacon block root, a beacon API client with a
//! content-addressed cache ([`api`]), and the native pool report ([`report`]) that the circuits
//! must reproduce. [`devnet`] builds deterministic synthetic states for demos, tests and benches.

pub mod api;
pub mod atomic;
pub mod beacon;
pub mod devnet;
pub mod execution;
pub mod hash;
pub mod hexfmt;
pub mod merkle;
pub mod pool_set;
pub mod report;
pub mod ssz;

/// Serde helpers: 32-byte nodes as `0x`-prefixed hex strings.
pub mod hex32 {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Serializes a 32-byte node as `0x…`.
    pub fn serialize<S: Serializer>(v: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("0x{}", hex::encode(v)))
    }

    /// Parses `0x…` (or bare hex) into a 32-byte node.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        let s = String::deserialize(d)?;
        parse(&s).map_err(serde::de::Error::custom)
    }

    /// Parses `0x…` (or bare hex) into 32 bytes ([`crate::hexfmt::parse_fixed`]).
    pub fn parse(s: &str) -> Result<[u8; 32], crate::hexfmt::HexError> {
        crate::hexfmt::parse_fixed(s)
    }

    /// The same for vectors of nodes.
    pub mod vec {
        use serde::{Deserialize, Deserializer, Serializer};

        /// Serializes nodes as a list of `0x…` strings.
        pub fn serialize<S: Serializer>(v: &[[u8; 32]], s: S) -> Result<S::Ok, S::Error> {
            s.collect_seq(v.iter().map(|n| format!("0x{}", hex::encode(n))))
        }

        /// Parses a list of `0x…` strings.
        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<[u8; 32]>, D::Error> {
            let v = Vec::<String>::deserialize(d)?;
            v.iter()
                .map(|s| super::parse(s).map_err(serde::de::Error::custom))
                .collect()
        }
    }
}

//! Consensus forks and the BeaconState layout each one uses.

use std::fmt;
use std::str::FromStr;

/// A consensus-layer fork, named as in the beacon API's `Eth-Consensus-Version` header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Fork {
    /// Genesis layout (the Sepolia and mainnet genesis states).
    Phase0,
    /// Participation flags, inactivity scores, sync committees.
    Altair,
    /// Adds the execution payload header.
    Bellatrix,
    /// Adds withdrawals and historical summaries.
    Capella,
    /// Blob gas fields in the payload header.
    Deneb,
    /// Pending deposits/withdrawals/consolidations: the state grows past 32 fields (depth 6).
    Electra,
    /// Adds the proposer lookahead.
    Fulu,
}

impl Fork {
    /// Every fork, oldest first.
    pub const ALL: [Fork; 7] = [
        Fork::Phase0,
        Fork::Altair,
        Fork::Bellatrix,
        Fork::Capella,
        Fork::Deneb,
        Fork::Electra,
        Fork::Fulu,
    ];

    /// The lowercase name used by the beacon API and the consensus specs.
    pub fn name(self) -> &'static str {
        match self {
            Fork::Phase0 => "phase0",
            Fork::Altair => "altair",
            Fork::Bellatrix => "bellatrix",
            Fork::Capella => "capella",
            Fork::Deneb => "deneb",
            Fork::Electra => "electra",
            Fork::Fulu => "fulu",
        }
    }

    /// The key of this fork's version in a network `config.yaml`.
    pub fn version_key(self) -> &'static str {
        match self {
            Fork::Phase0 => "GENESIS_FORK_VERSION",
            Fork::Altair => "ALTAIR_FORK_VERSION",
            Fork::Bellatrix => "BELLATRIX_FORK_VERSION",
            Fork::Capella => "CAPELLA_FORK_VERSION",
            Fork::Deneb => "DENEB_FORK_VERSION",
            Fork::Electra => "ELECTRA_FORK_VERSION",
            Fork::Fulu => "FULU_FORK_VERSION",
        }
    }
}

impl fmt::Display for Fork {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An unknown fork name.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[error(
    "unknown fork {0:?} (expected one of phase0, altair, bellatrix, capella, deneb, electra, fulu)"
)]
pub struct UnknownFork(pub String);

impl FromStr for Fork {
    type Err = UnknownFork;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        Fork::ALL
            .into_iter()
            .find(|f| f.name() == lower)
            .ok_or_else(|| UnknownFork(s.to_string()))
    }
}

//! [`BlockId`]: the block a caller names (`head`, `finalized`, `genesis`, a slot, `epoch:<n>`
//! or a root), parsed and printed.

use crate::hash::Node;
use std::fmt;
use std::str::FromStr;

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
}

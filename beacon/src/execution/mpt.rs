//! The account trie walk: an `eth_getProof` account proof checked node by node against an
//! execution state root, as the account-proof circuit will check it.
//!
//! The key is `keccak256(address)` as 64 nibbles. Each node's keccak-256 must be the reference
//! its parent holds (the state root for the first). A branch consumes one nibble, an extension
//! its shared nibbles, a leaf the rest. The walk ends in the account's leaf (the account
//! exists), or it proves the account absent: an empty branch slot, or a leaf or extension
//! whose path leaves the key. Anything after the end, or an end never reached, is refused.
//! An empty trie (state root = keccak256(0x80)) with no nodes proves every account absent.
//!
//! Inline (embedded) child nodes, shorter than 32 bytes, cannot occur in the account trie (a
//! leaf holds a 32-byte key suffix or an account of ≥ 70 bytes), so a reference that is not 32
//! bytes is refused rather than followed.

use alloy_rlp::Header;
use sha3::{Digest, Keccak256};

use super::ExecutionError;

/// keccak-256 of `bytes`.
pub fn keccak256(bytes: &[u8]) -> [u8; 32] {
    Keccak256::digest(bytes).into()
}

/// The root of the empty trie: keccak256 of the RLP empty string (0x80).
pub const EMPTY_TRIE_ROOT: [u8; 32] = [
    0x56, 0xe8, 0x1f, 0x17, 0x1b, 0xcc, 0x55, 0xa6, 0xff, 0x83, 0x45, 0xe6, 0x92, 0xc0, 0xf8, 0x6e,
    0x5b, 0x48, 0xe0, 0x1b, 0x99, 0x6c, 0xad, 0xc0, 0x01, 0x62, 0x2f, 0xb5, 0xe3, 0x63, 0xb4, 0x21,
];

/// keccak-256 of empty code: the code hash of an account without code.
pub const EMPTY_CODE_HASH: [u8; 32] = [
    0xc5, 0xd2, 0x46, 0x01, 0x86, 0xf7, 0x23, 0x3c, 0x92, 0x7e, 0x7d, 0xb2, 0xdc, 0xc7, 0x03, 0xc0,
    0xe5, 0x00, 0xb6, 0x53, 0xca, 0x82, 0x27, 0x3b, 0x7b, 0xfa, 0xd8, 0x04, 0x5d, 0x85, 0xa4, 0x70,
];

/// An account as the state trie holds it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Account {
    /// Its nonce.
    pub nonce: u64,
    /// Its balance in wei (the total supply is far below 2^128); a decimal string in JSON,
    /// whose numbers lose precision beyond 2^53.
    #[serde(with = "decimal")]
    pub balance_wei: u128,
    /// Its storage trie's root.
    #[serde(with = "crate::hex32")]
    pub storage_root: [u8; 32],
    /// keccak-256 of its code.
    #[serde(with = "crate::hex32")]
    pub code_hash: [u8; 32],
}

impl Account {
    /// The state of an address that is not in the trie: nonce 0, no balance, no storage, no code.
    pub fn absent() -> Self {
        Account {
            nonce: 0,
            balance_wei: 0,
            storage_root: EMPTY_TRIE_ROOT,
            code_hash: EMPTY_CODE_HASH,
        }
    }
}

/// Walks `nodes` from `state_root` along `keccak256(address)`. `Ok(Some(account))` when the
/// account is in the trie, `Ok(None)` when the proof shows it is not.
pub fn verify_account_proof(
    state_root: &[u8; 32],
    address: &[u8; 20],
    nodes: &[Vec<u8>],
) -> Result<Option<Account>, ExecutionError> {
    let key = nibbles(&keccak256(address));
    if nodes.is_empty() || (nodes.len() == 1 && nodes[0] == [0x80]) {
        return if *state_root == EMPTY_TRIE_ROOT {
            Ok(None)
        } else {
            Err(ExecutionError::ProofEndsEarly { node: 0 })
        };
    }
    let mut expected = *state_root;
    let mut at = 0usize; // nibbles of the key consumed
    for (i, node) in nodes.iter().enumerate() {
        let got = keccak256(node);
        if got != expected {
            return Err(ExecutionError::NodeHash {
                node: i,
                expected,
                got,
            });
        }
        let items = list_items(node, i)?;
        let step = match items.len() {
            17 => branch_step(&items, key[at], i)?,
            2 => path_step(&items, &key[at..], i)?,
            n => return Err(malformed(i, format!("a list of {n} items"))),
        };
        let last = i + 1 == nodes.len();
        match step {
            Step::Descend { child, consumed } => {
                at += consumed;
                if at >= key.len() {
                    return Err(malformed(
                        i,
                        "a branch or extension below the key's end".into(),
                    ));
                }
                if last {
                    return Err(ExecutionError::ProofEndsEarly { node: i + 1 });
                }
                expected = child;
            }
            Step::End(found) => {
                if !last {
                    return Err(ExecutionError::TrailingNodes {
                        end: i,
                        count: nodes.len() - i - 1,
                    });
                }
                return match found {
                    Some(value) => decode_account(value, i).map(Some),
                    None => Ok(None),
                };
            }
        }
    }
    unreachable!("the loop returns on the last node")
}

enum Step<'a> {
    Descend { child: [u8; 32], consumed: usize },
    End(Option<&'a [u8]>),
}

fn branch_step<'a>(items: &[&'a [u8]], nibble: u8, i: usize) -> Result<Step<'a>, ExecutionError> {
    if !items[16].is_empty() {
        return Err(malformed(i, "a branch holding a value".into()));
    }
    let child = items[usize::from(nibble)];
    if child.is_empty() {
        return Ok(Step::End(None));
    }
    Ok(Step::Descend {
        child: reference(child, i)?,
        consumed: 1,
    })
}

/// A leaf or an extension: its hex-prefix path, then its value or child.
fn path_step<'a>(items: &[&'a [u8]], rest: &[u8], i: usize) -> Result<Step<'a>, ExecutionError> {
    let (leaf, path) = hex_prefix(items[0], i)?;
    let matches = rest.len() >= path.len() && rest[..path.len()] == path[..];
    if leaf {
        if matches && path.len() == rest.len() {
            return Ok(Step::End(Some(items[1])));
        }
        if path.len() != rest.len() {
            return Err(malformed(
                i,
                format!(
                    "a leaf of {} nibbles where {} remain",
                    path.len(),
                    rest.len()
                ),
            ));
        }
        return Ok(Step::End(None));
    }
    if path.is_empty() {
        return Err(malformed(i, "an extension with an empty path".into()));
    }
    if !matches {
        return Ok(Step::End(None));
    }
    Ok(Step::Descend {
        child: reference(items[1], i)?,
        consumed: path.len(),
    })
}

/// A child reference: a 32-byte hash (inline nodes cannot occur in the account trie).
fn reference(item: &[u8], i: usize) -> Result<[u8; 32], ExecutionError> {
    item.try_into().map_err(|_| {
        malformed(
            i,
            format!(
                "a child reference of {} bytes (not a 32-byte hash)",
                item.len()
            ),
        )
    })
}

/// Decodes a hex-prefix path: (is a leaf, nibbles).
fn hex_prefix(encoded: &[u8], i: usize) -> Result<(bool, Vec<u8>), ExecutionError> {
    let Some(&first) = encoded.first() else {
        return Err(malformed(i, "an empty hex-prefix path".into()));
    };
    let flag = first >> 4;
    if flag > 3 || (flag & 1 == 0 && first & 0x0f != 0) {
        return Err(malformed(i, format!("hex-prefix flag byte {first:#04x}")));
    }
    let mut path = Vec::with_capacity(encoded.len() * 2);
    if flag & 1 == 1 {
        path.push(first & 0x0f);
    }
    path.extend(nibbles(&encoded[1..]));
    Ok((flag >= 2, path))
}

/// The payloads of a node's RLP list items (strings only: a nested list would be an inline node).
fn list_items(node: &[u8], i: usize) -> Result<Vec<&[u8]>, ExecutionError> {
    let mut buf = node;
    let header = Header::decode(&mut buf).map_err(|e| malformed(i, format!("RLP: {e}")))?;
    if !header.list || header.payload_length != buf.len() {
        return Err(malformed(i, "not one RLP list filling the node".into()));
    }
    let mut items = Vec::with_capacity(17);
    while !buf.is_empty() {
        let h = Header::decode(&mut buf).map_err(|e| malformed(i, format!("RLP item: {e}")))?;
        if h.list {
            return Err(malformed(i, "an inline child node".into()));
        }
        if items.len() == 17 {
            return Err(malformed(i, "more than 17 items".into()));
        }
        items.push(&buf[..h.payload_length]);
        buf = &buf[h.payload_length..];
    }
    Ok(items)
}

/// The leaf value: `rlp([nonce, balance, storage_root, code_hash])`.
fn decode_account(value: &[u8], i: usize) -> Result<Account, ExecutionError> {
    let items = list_items(value, i)
        .map_err(|_| malformed(i, "an account that is not an RLP list".into()))?;
    if items.len() != 4 {
        return Err(malformed(
            i,
            format!("an account of {} fields", items.len()),
        ));
    }
    let nonce = be_uint(items[0], 8, "nonce", i)? as u64;
    let balance_wei = be_uint(items[1], 16, "balance", i)?;
    let root = |b: &[u8], what: &str| -> Result<[u8; 32], ExecutionError> {
        b.try_into()
            .map_err(|_| malformed(i, format!("a {what} of {} bytes", b.len())))
    };
    Ok(Account {
        nonce,
        balance_wei,
        storage_root: root(items[2], "storage root")?,
        code_hash: root(items[3], "code hash")?,
    })
}

/// A canonical big-endian RLP integer of at most `max` bytes.
fn be_uint(b: &[u8], max: usize, what: &str, i: usize) -> Result<u128, ExecutionError> {
    if b.len() > max {
        return Err(malformed(
            i,
            format!("a {what} of {} bytes (at most {max})", b.len()),
        ));
    }
    if b.first() == Some(&0) {
        return Err(malformed(i, format!("a {what} with a leading zero byte")));
    }
    Ok(b.iter().fold(0u128, |acc, &x| (acc << 8) | u128::from(x)))
}

fn nibbles(bytes: &[u8]) -> Vec<u8> {
    bytes.iter().flat_map(|b| [b >> 4, b & 0x0f]).collect()
}

fn malformed(node: usize, what: String) -> ExecutionError {
    ExecutionError::MalformedNode { node, what }
}

mod decimal {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &u128, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&v.to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u128, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

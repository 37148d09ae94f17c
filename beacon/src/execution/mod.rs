//! The execution layer under a beacon block: an account's balance (the pool's withdrawal
//! vault) at the execution block the beacon state commits to, checked natively.
//!
//! Two openings, each the native twin of what the vault circuit is to prove:
//! - [`ExecutionAnchor`]: the beacon state's `latest_execution_payload_header` gives the
//!   execution state root, block number and block hash, with SHA-256 Merkle proofs to the same
//!   beacon block root the balance report is proven against;
//! - [`verify_account_proof`]: an `eth_getProof` account proof (keccak-256, RLP) from that
//!   state root to the account, or to its absence.
//!
//! [`AccountProof`] is the one codec of `eth_getProof`'s answer (a saved file or a node's), and
//! [`VaultBalance::check`] ties the three together.

mod anchor;
mod mpt;

pub use anchor::{payload_gindices, ExecutionAnchor};
pub use mpt::{keccak256, verify_account_proof, Account, EMPTY_CODE_HASH, EMPTY_TRIE_ROOT};

use crate::beacon::Fork;
use crate::hexfmt;
use thiserror::Error;

/// What is wrong with an execution-layer opening.
#[derive(Debug, Error)]
pub enum ExecutionError {
    /// The state's fork has no withdrawals, so no vault to open.
    #[error(
        "a {fork} state has no withdrawals to a vault (the vault balance needs Capella or later)"
    )]
    NoWithdrawals {
        /// The state's fork.
        fork: Fork,
    },
    /// The payload header could not be read from the state.
    #[error("the state's latest_execution_payload_header: {0}")]
    PayloadHeader(String),
    /// A saved anchor's proof does not hold.
    #[error("the execution anchor's {field} proof: {why}")]
    AnchorProof {
        /// Which field.
        field: &'static str,
        /// Why.
        why: String,
    },
    /// A trie node does not hash to the reference its parent (or the state root) holds.
    #[error(
        "account proof node {node} hashes to 0x{} but 0x{} was expected{}",
        hex::encode(got), hex::encode(expected),
        if *node == 0 { " (the execution state root: is the proof from another block?)" } else { "" }
    )]
    NodeHash {
        /// Position of the node in the proof.
        node: usize,
        /// The reference it should hash to.
        expected: [u8; 32],
        /// What it hashes to.
        got: [u8; 32],
    },
    /// A node that is not a well-formed account-trie node.
    #[error("account proof node {node} is malformed: {what}")]
    MalformedNode {
        /// Position of the node in the proof.
        node: usize,
        /// What is wrong.
        what: String,
    },
    /// The proof stops before reaching the account or its absence.
    #[error(
        "the account proof ends before node {node}, without reaching the account or its absence"
    )]
    ProofEndsEarly {
        /// How many nodes it has.
        node: usize,
    },
    /// Nodes after the walk's end.
    #[error("the account proof has {count} node(s) after its end at node {end}")]
    TrailingNodes {
        /// Where the walk ended.
        end: usize,
        /// How many more nodes there are.
        count: usize,
    },
    /// The proof is for another address than the one asked for.
    #[error(
        "the account proof is for 0x{} but the vault is 0x{}",
        hex::encode(got),
        hex::encode(expected)
    )]
    WrongAddress {
        /// The vault.
        expected: [u8; 20],
        /// The proof's address.
        got: [u8; 20],
    },
    /// The answer's account fields disagree with the account the trie holds.
    #[error(
        "the answer says the account's {field} is {claimed}, but the proven account's is {proven}"
    )]
    FieldMismatch {
        /// Which field.
        field: &'static str,
        /// What the answer says.
        claimed: String,
        /// What the trie holds.
        proven: String,
    },
    /// The `eth_getProof` answer could not be read.
    #[error("eth_getProof answer: {0}")]
    Answer(String),
}

/// An `eth_getProof` account proof (EIP-1186), without storage proofs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountProof {
    /// The account's address.
    pub address: [u8; 20],
    /// The account as the answer states it (to be checked against the trie).
    pub claimed: Account,
    /// The trie nodes from the state root down, RLP-encoded.
    pub nodes: Vec<Vec<u8>>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Answer {
    address: String,
    balance: String,
    nonce: String,
    code_hash: String,
    storage_hash: String,
    account_proof: Vec<String>,
}

impl AccountProof {
    /// Reads `eth_getProof`'s result object, or a whole JSON-RPC response holding one.
    pub fn from_json(text: &str) -> Result<Self, ExecutionError> {
        let v: serde_json::Value =
            serde_json::from_str(text).map_err(|e| ExecutionError::Answer(e.to_string()))?;
        if let Some(err) = v.get("error").filter(|e| !e.is_null()) {
            return Err(ExecutionError::Answer(format!(
                "the node answered an error: {err}"
            )));
        }
        let v = v.get("result").cloned().unwrap_or(v);
        let a: Answer =
            serde_json::from_value(v).map_err(|e| ExecutionError::Answer(e.to_string()))?;
        let bad =
            |what: &str, e: &dyn std::fmt::Display| ExecutionError::Answer(format!("{what}: {e}"));
        let nodes = a
            .account_proof
            .iter()
            .enumerate()
            .map(|(i, n)| hexfmt::parse(n).map_err(|e| bad(&format!("accountProof[{i}]"), &e)))
            .collect::<Result<_, _>>()?;
        Ok(AccountProof {
            address: hexfmt::parse_fixed(&a.address).map_err(|e| bad("address", &e))?,
            claimed: Account {
                nonce: u64::try_from(quantity(&a.nonce, "nonce")?).map_err(|_| {
                    ExecutionError::Answer(format!("nonce {:?} exceeds 64 bits", a.nonce))
                })?,
                balance_wei: quantity(&a.balance, "balance")?,
                storage_root: hexfmt::parse_fixed(&a.storage_hash)
                    .map_err(|e| bad("storageHash", &e))?,
                code_hash: hexfmt::parse_fixed(&a.code_hash).map_err(|e| bad("codeHash", &e))?,
            },
            nodes,
        })
    }
}

/// A JSON-RPC quantity (`0x`-prefixed hex, no leading zeros needed) that fits 128 bits.
fn quantity(s: &str, what: &str) -> Result<u128, ExecutionError> {
    let body = s
        .strip_prefix("0x")
        .filter(|b| !b.is_empty() && b.bytes().all(|c| c.is_ascii_hexdigit()))
        .ok_or_else(|| ExecutionError::Answer(format!("{what} {s:?} is not a 0x quantity")))?;
    u128::from_str_radix(body, 16)
        .map_err(|e| ExecutionError::Answer(format!("{what} {s:?}: {e} (at most 128 bits)")))
}

/// The vault's balance at the anchor's execution block, checked natively.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct VaultBalance {
    /// The vault's address.
    #[serde(with = "hex20")]
    pub address: [u8; 20],
    /// Whether the account exists (an absent account holds nothing).
    pub exists: bool,
    /// The account (nonce 0, no balance, empty storage and code when absent).
    pub account: Account,
    /// The execution block and its proofs to the beacon block root.
    pub anchor: ExecutionAnchor,
}

impl VaultBalance {
    /// Checks `proof` for `vault` against the anchor's state root, and the answer's account
    /// fields against the proven account.
    pub fn check(
        anchor: &ExecutionAnchor,
        vault: &[u8; 20],
        proof: &AccountProof,
    ) -> Result<Self, ExecutionError> {
        if proof.address != *vault {
            return Err(ExecutionError::WrongAddress {
                expected: *vault,
                got: proof.address,
            });
        }
        let proven = verify_account_proof(&anchor.state_root, vault, &proof.nodes)?;
        let exists = proven.is_some();
        let account = proven.unwrap_or_else(Account::absent);
        let pairs: [(&'static str, String, String); 4] = [
            (
                "nonce",
                proof.claimed.nonce.to_string(),
                account.nonce.to_string(),
            ),
            (
                "balance",
                proof.claimed.balance_wei.to_string(),
                account.balance_wei.to_string(),
            ),
            (
                "storageHash",
                hexfmt::encode(proof.claimed.storage_root),
                hexfmt::encode(account.storage_root),
            ),
            (
                "codeHash",
                hexfmt::encode(proof.claimed.code_hash),
                hexfmt::encode(account.code_hash),
            ),
        ];
        for (field, claimed, proven) in pairs {
            // Nodes answer an absent account with zero hashes or the empty ones; only its
            // nonce and balance must then be zero.
            let absent_hash = !exists && field.ends_with("Hash");
            if claimed != proven && !absent_hash {
                return Err(ExecutionError::FieldMismatch {
                    field,
                    claimed,
                    proven,
                });
            }
        }
        Ok(VaultBalance {
            address: *vault,
            exists,
            account,
            anchor: anchor.clone(),
        })
    }
}

mod hex20 {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[u8; 20], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&crate::hexfmt::encode(v))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 20], D::Error> {
        let s = String::deserialize(d)?;
        crate::hexfmt::parse_fixed(&s).map_err(serde::de::Error::custom)
    }
}

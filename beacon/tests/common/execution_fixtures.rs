//! Fixtures of the execution-layer tests: a reference account trie built with `alloy-trie` (an
//! implementation independent of ours) with its `eth_getProof`-shaped proofs, and a state whose
//! payload header names a given execution block.

use alloy_trie::proof::ProofRetainer;
use alloy_trie::{HashBuilder, Nibbles};
use stakeproof_beacon::beacon::BeaconState;
use stakeproof_beacon::execution::{keccak256, Account};

/// The RLP of an account as the state trie stores it.
pub fn account_rlp(a: &Account) -> Vec<u8> {
    let t = alloy_trie::TrieAccount {
        nonce: a.nonce,
        balance: alloy_primitives::U256::from(a.balance_wei),
        storage_root: a.storage_root.into(),
        code_hash: a.code_hash.into(),
    };
    alloy_rlp::encode(t)
}

/// Builds the trie of `accounts` and, for each of `targets` (in the trie or not), the proof
/// nodes from the root down. Returns (root, proofs in `targets`' order).
pub fn build(
    accounts: &[([u8; 20], Account)],
    targets: &[[u8; 20]],
) -> ([u8; 32], Vec<Vec<Vec<u8>>>) {
    let mut leaves: Vec<(Nibbles, Vec<u8>)> = accounts
        .iter()
        .map(|(addr, a)| (Nibbles::unpack(keccak256(addr)), account_rlp(a)))
        .collect();
    leaves.sort_by(|x, y| x.0.cmp(&y.0));
    let keys: Vec<Nibbles> = targets
        .iter()
        .map(|t| Nibbles::unpack(keccak256(t)))
        .collect();
    let mut hb = HashBuilder::default().with_proof_retainer(ProofRetainer::new(keys.clone()));
    for (k, v) in &leaves {
        hb.add_leaf(k.clone(), v);
    }
    let root: [u8; 32] = hb.root().0;
    let nodes = hb.take_proof_nodes();
    let proofs = keys
        .iter()
        .map(|k| {
            nodes
                .matching_nodes_sorted(k)
                .into_iter()
                .map(|(_, n)| n.to_vec())
                .collect()
        })
        .collect();
    (root, proofs)
}

/// `eth_getProof`'s result for `address`, as a node returns it.
pub fn answer_json(address: &[u8; 20], a: &Account, nodes: &[Vec<u8>]) -> String {
    serde_json::json!({
        "jsonrpc": "2.0",
        "id": 1,
        "result": {
            "address": format!("0x{}", hex::encode(address)),
            "balance": format!("{:#x}", a.balance_wei),
            "nonce": format!("{:#x}", a.nonce),
            "codeHash": format!("0x{}", hex::encode(a.code_hash)),
            "storageHash": format!("0x{}", hex::encode(a.storage_root)),
            "accountProof": nodes.iter().map(|n| format!("0x{}", hex::encode(n))).collect::<Vec<_>>(),
            "storageProof": [],
        }
    })
    .to_string()
}

/// `state` with its payload header's state root, block number and block hash set (the fixed
/// part is the same from Capella to Fulu: parent_hash, fee_recipient, then state_root at 52;
/// block_number after receipts_root, a 256-byte logs_bloom and prev_randao at 404; block_hash
/// after gas fields, the extra_data offset and base_fee_per_gas at 472).
pub fn with_payload(
    state: BeaconState,
    root: [u8; 32],
    number: u64,
    hash: [u8; 32],
) -> BeaconState {
    let fork = state.fork();
    let preset = state.preset().clone();
    let at = {
        let header = state.field("latest_execution_payload_header").unwrap();
        header.as_ptr() as usize - state.as_ssz().as_ptr() as usize
    };
    let mut bytes = state.into_ssz();
    bytes[at + 52..at + 84].copy_from_slice(&root);
    bytes[at + 404..at + 412].copy_from_slice(&number.to_le_bytes());
    bytes[at + 472..at + 504].copy_from_slice(&hash);
    BeaconState::decode(bytes, fork, &preset).unwrap()
}

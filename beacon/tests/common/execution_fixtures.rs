//! Fixtures of the execution-layer tests: a reference account trie built with `alloy-trie` (an
//! implementation independent of ours) with its `eth_getProof`-shaped proofs, and a state whose
//! payload header names a given execution block.
#![allow(dead_code)] // each test crate that includes it uses a part

use alloy_trie::proof::ProofRetainer;
use alloy_trie::{HashBuilder, Nibbles};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use stakeproof_beacon::beacon::BeaconState;
use stakeproof_beacon::execution::{keccak256, Account, EMPTY_CODE_HASH, EMPTY_TRIE_ROOT};

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

/// RLP of a byte string.
pub fn rlp_str(b: &[u8]) -> Vec<u8> {
    alloy_rlp::encode(alloy_primitives::Bytes::copy_from_slice(b))
}

/// RLP of a list of already-encoded items.
pub fn rlp_list(items: &[Vec<u8>]) -> Vec<u8> {
    let payload: Vec<u8> = items.concat();
    let mut out = Vec::new();
    alloy_rlp::Header {
        list: true,
        payload_length: payload.len(),
    }
    .encode(&mut out);
    out.extend(payload);
    out
}

/// A hex-prefix path of `nibbles` (leaf or extension).
pub fn hex_prefix(nibbles: &[u8], leaf: bool) -> Vec<u8> {
    let odd = nibbles.len() % 2 == 1;
    let flag = (u8::from(leaf) << 1 | u8::from(odd)) << 4;
    let mut out = vec![if odd { flag | nibbles[0] } else { flag }];
    let rest = if odd { &nibbles[1..] } else { nibbles };
    out.extend(rest.chunks(2).map(|p| p[0] << 4 | p[1]));
    out
}

/// keccak256(`addr`) as 64 nibbles.
pub fn key_nibbles(addr: &[u8; 20]) -> Vec<u8> {
    keccak256(addr)
        .iter()
        .flat_map(|b| [b >> 4, b & 15])
        .collect()
}

/// An account's RLP with raw (possibly non-canonical) nonce and balance bytes.
pub fn account_with(nonce: &[u8], balance: &[u8]) -> Vec<u8> {
    rlp_list(&[
        rlp_str(nonce),
        rlp_str(balance),
        rlp_str(&EMPTY_TRIE_ROOT),
        rlp_str(&EMPTY_CODE_HASH),
    ])
}

/// What a walk of a [`HandBuilt`] proof must give.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expect {
    /// The account, with this (nonce, balance).
    Account(u64, u128),
    /// A proof of absence.
    Absent,
    /// A malformed node; the native message contains this.
    Malformed(&'static str),
}

/// A hand-built proof whose root is its first node's hash, so that every check after the hash
/// is reached: the edges of the walk's rules, each one case.
pub struct HandBuilt {
    /// What it is.
    pub name: &'static str,
    /// Its nodes (the state root is `keccak256(nodes[0])`).
    pub nodes: Vec<Vec<u8>>,
    /// The outcome.
    pub expect: Expect,
}

/// The hand-built proofs for `addr` (see [`HandBuilt`]).
pub fn hand_built(addr: &[u8; 20]) -> Vec<HandBuilt> {
    let key = key_nibbles(addr);
    let leaf = |path: &[u8], value: Vec<u8>| {
        rlp_list(&[rlp_str(&hex_prefix(path, true)), rlp_str(&value)])
    };
    let ext =
        |path: &[u8], child: &[u8]| rlp_list(&[rlp_str(&hex_prefix(path, false)), rlp_str(child)]);
    let good = account_with(&[7], &[0x0d, 0xe0, 0xb6, 0xb3, 0xa7, 0x64, 0x00, 0x00]);
    let mut slots: Vec<Vec<u8>> = vec![rlp_str(&[]); 17];
    slots[(key[0] as usize + 1) % 16] = rlp_str(&[0xaa; 32]);
    let mut other_key = key.clone();
    other_key[63] ^= 1;
    let mut off = key[..3].to_vec();
    off[2] ^= 1;
    let below = leaf(&key[3..], good.clone());
    let mut with_value = slots.clone();
    with_value[16] = rlp_str(b"v");
    let mut short = slots.clone();
    short[key[0] as usize] = rlp_str(&[0xaa; 31]);
    let mut inline = slots.clone();
    inline[key[0] as usize] = rlp_list(&[rlp_str(&[0x20]), rlp_str(b"x")]);
    let mut flag_40 = hex_prefix(&key, true);
    flag_40[0] = 0x40;
    let mut flag_21 = flag_40.clone();
    flag_21[0] = 0x21;
    let three = rlp_list(&[rlp_str(&[1]), rlp_str(&[1]), rlp_str(&EMPTY_TRIE_ROOT)]);
    let mut trailing = leaf(&key, good.clone());
    trailing.push(0);
    let case = |name, nodes, expect| HandBuilt {
        name,
        nodes,
        expect,
    };
    use Expect::*;
    vec![
        case(
            "a single-leaf trie",
            vec![leaf(&key, good.clone())],
            Account(7, 1_000_000_000_000_000_000),
        ),
        case("an empty branch slot", vec![rlp_list(&slots)], Absent),
        case(
            "a leaf of another key",
            vec![leaf(&other_key, good.clone())],
            Absent,
        ),
        case(
            "an extension off the key",
            vec![ext(&off, &[0xbb; 32])],
            Absent,
        ),
        case(
            "an extension along the key",
            vec![ext(&key[..3], &keccak256(&below)), below],
            Account(7, 1_000_000_000_000_000_000),
        ),
        case(
            "a branch holding a value",
            vec![rlp_list(&with_value)],
            Malformed("holding a value"),
        ),
        case(
            "a 31-byte reference",
            vec![rlp_list(&short)],
            Malformed("31 bytes"),
        ),
        case(
            "an inline node",
            vec![rlp_list(&inline)],
            Malformed("inline"),
        ),
        case(
            "a 63-nibble leaf",
            vec![leaf(&key[..63], good.clone())],
            Malformed("63 nibbles"),
        ),
        case(
            "hex-prefix flag 0x40",
            vec![rlp_list(&[rlp_str(&flag_40), rlp_str(&good)])],
            Malformed("flag byte"),
        ),
        case(
            "hex-prefix flag 0x21",
            vec![rlp_list(&[rlp_str(&flag_21), rlp_str(&good)])],
            Malformed("flag byte"),
        ),
        case(
            "an extension with an empty path",
            vec![ext(&[], &[0xbb; 32])],
            Malformed("empty path"),
        ),
        case(
            "an extension to the key's end",
            vec![ext(&key, &[0xbb; 32]), vec![0xc0]],
            Malformed("below the key's end"),
        ),
        case(
            "a 17-byte balance",
            vec![leaf(&key, account_with(&[1], &[1; 17]))],
            Malformed("17 bytes"),
        ),
        case(
            "a balance with a leading zero",
            vec![leaf(&key, account_with(&[1], &[0, 1]))],
            Malformed("leading zero"),
        ),
        case(
            "a 9-byte nonce",
            vec![leaf(&key, account_with(&[1; 9], &[1]))],
            Malformed("nonce of 9 bytes"),
        ),
        case(
            "a 3-field account",
            vec![leaf(&key, three)],
            Malformed("3 fields"),
        ),
        case(
            "a 3-item node",
            vec![rlp_list(&[rlp_str(&[1]), rlp_str(&[2]), rlp_str(&[3])])],
            Malformed("3 items"),
        ),
        case(
            "a trailing byte",
            vec![trailing],
            Malformed("not one RLP list"),
        ),
        // 0x81 0x05 encodes the single byte 5, which must be written as itself.
        case(
            "non-canonical RLP",
            vec![rlp_list(&[vec![0x81, 0x05], rlp_str(&[1])])],
            Malformed("RLP"),
        ),
    ]
}

/// `n` seeded random accounts: a third contracts (random storage root and code hash), nonces
/// zero or not, balances zero, dust, 64-bit and up to 2^128 − 1 (the edges of the encoding).
pub fn random_accounts(rng: &mut ChaCha8Rng, n: usize) -> Vec<([u8; 20], Account)> {
    (0..n)
        .map(|_| {
            let addr: [u8; 20] = rng.gen();
            let contract = rng.gen_bool(0.3);
            let a = Account {
                nonce: if rng.gen_bool(0.5) {
                    0
                } else {
                    rng.gen_range(1..1_000_000)
                },
                // Zero, dust, and up to ~3.4e38 wei, the edges of the encoding.
                balance_wei: match rng.gen_range(0..4) {
                    0 => 0,
                    1 => rng.gen_range(1..256),
                    2 => rng.gen::<u64>() as u128,
                    _ => rng.gen::<u128>(),
                },
                storage_root: if contract { rng.gen() } else { EMPTY_TRIE_ROOT },
                code_hash: if contract { rng.gen() } else { EMPTY_CODE_HASH },
            };
            (addr, a)
        })
        .collect()
}

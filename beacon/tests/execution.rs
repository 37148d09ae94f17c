//! The vault's account proof and its execution anchor, natively: our trie walk against an
//! independent trie (`alloy-trie`) on seeded random accounts and edges, tampered proofs, a
//! wrong address, a root of another block, and the payload header opened from the beacon block
//! root at the layout's generalized indices.

mod common;

use common::execution_fixtures::{
    answer_json, build, hand_built, random_accounts, with_payload, Expect,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use stakeproof_beacon::beacon::Fork;
use stakeproof_beacon::devnet::{self, DevnetSpec};
use stakeproof_beacon::execution::{
    keccak256, payload_gindices, verify_account_proof, Account, AccountProof, ExecutionAnchor,
    ExecutionError, VaultBalance, EMPTY_TRIE_ROOT,
};

/// Checks ours against alloy-trie's verifier for every target, present or not.
fn agree(accounts: &[([u8; 20], Account)], absent: &[[u8; 20]]) {
    let targets: Vec<[u8; 20]> = accounts
        .iter()
        .map(|(a, _)| *a)
        .chain(absent.iter().copied())
        .collect();
    let (root, proofs) = build(accounts, &targets);
    for (i, (t, nodes)) in targets.iter().zip(&proofs).enumerate() {
        let ours = verify_account_proof(&root, t, nodes).expect("a proof from the reference trie");
        let expected = accounts
            .iter()
            .find(|(a, _)| a == t)
            .map(|(_, acc)| acc.clone());
        assert_eq!(ours, expected, "target {i} of {}", targets.len());
        let bytes: Vec<alloy_primitives::Bytes> = nodes.iter().map(|n| n.clone().into()).collect();
        alloy_trie::proof::verify_proof(
            root.into(),
            alloy_trie::Nibbles::unpack(keccak256(t)),
            expected
                .as_ref()
                .map(common::execution_fixtures::account_rlp),
            &bytes,
        )
        .expect("the reference verifier agrees");
    }
}

#[test]
fn the_walk_agrees_with_alloy_trie_on_seeded_random_tries() {
    let mut rng = ChaCha8Rng::seed_from_u64(0x7661_756c);
    for n in [1usize, 2, 3, 16, 17, 200, 2_000] {
        let accounts = random_accounts(&mut rng, n);
        let absent: Vec<[u8; 20]> = (0..8).map(|_| rng.gen()).collect();
        agree(&accounts, &absent);
    }
}

/// Two addresses whose keys share their first `shared` nibbles, found by search: the trie of
/// just them is an extension over a branch, the shape random keys almost never make.
fn sharing_prefix(shared: usize) -> ([u8; 20], [u8; 20]) {
    let mut seen = std::collections::HashMap::new();
    for i in 0u64.. {
        let mut addr = [0u8; 20];
        addr[12..].copy_from_slice(&i.to_be_bytes());
        let k = keccak256(&addr);
        let prefix: Vec<u8> = k
            .iter()
            .flat_map(|b| [b >> 4, b & 15])
            .take(shared)
            .collect();
        if let Some(other) = seen.insert(prefix, addr) {
            return (other, addr);
        }
    }
    unreachable!()
}

#[test]
fn extensions_and_the_empty_trie() {
    let (a, b) = sharing_prefix(3);
    let acc = |wei| Account {
        balance_wei: wei,
        ..Account::absent()
    };
    let accounts = [(a, acc(7)), (b, acc(1_000_000_000_000_000_000))];
    let (_, proofs) = build(&accounts, &[a]);
    assert!(
        proofs[0].len() >= 3,
        "extension, branch, leaf: {} nodes",
        proofs[0].len()
    );
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    agree(&accounts, &[rng.gen(), rng.gen()]);
    // The empty trie proves every account absent with no nodes (or the empty string node).
    assert_eq!(
        verify_account_proof(&EMPTY_TRIE_ROOT, &a, &[]).unwrap(),
        None
    );
    assert_eq!(
        verify_account_proof(&EMPTY_TRIE_ROOT, &a, &[vec![0x80]]).unwrap(),
        None
    );
    // Any other root needs nodes.
    assert!(matches!(
        verify_account_proof(&[1; 32], &a, &[]),
        Err(ExecutionError::ProofEndsEarly { node: 0 })
    ));
}

/// 300 accounts, the vault among them, the trie's root and the vault's proof nodes.
type VaultFixture = (Vec<([u8; 20], Account)>, [u8; 20], [u8; 32], Vec<Vec<u8>>);

fn vault_setup() -> VaultFixture {
    let mut rng = ChaCha8Rng::seed_from_u64(0x5741_4c54);
    let accounts = random_accounts(&mut rng, 300);
    let vault = accounts[123].0;
    let (root, proofs) = build(&accounts, &[vault]);
    (accounts, vault, root, proofs.into_iter().next().unwrap())
}

#[test]
fn a_tampered_truncated_or_padded_proof_is_refused() {
    let (_, vault, root, nodes) = vault_setup();
    assert!(verify_account_proof(&root, &vault, &nodes)
        .unwrap()
        .is_some());
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    for i in 0..nodes.len() {
        for _ in 0..16 {
            let mut t = nodes.clone();
            let at = rng.gen_range(0..t[i].len());
            t[i][at] ^= 1 << rng.gen_range(0..8);
            let r = verify_account_proof(&root, &vault, &t);
            assert!(
                matches!(r, Err(ExecutionError::NodeHash { node, .. }) if node == i),
                "a bit flipped in node {i} byte {at}: {r:?}"
            );
        }
    }
    let r = verify_account_proof(&root, &vault, &nodes[..nodes.len() - 1]);
    assert!(
        matches!(r, Err(ExecutionError::ProofEndsEarly { .. })),
        "{r:?}"
    );
    let mut padded = nodes.clone();
    padded.push(nodes[0].clone());
    let r = verify_account_proof(&root, &vault, &padded);
    assert!(
        matches!(r, Err(ExecutionError::TrailingNodes { count: 1, .. })),
        "{r:?}"
    );
    // Nodes out of order fail at the first one moved.
    let mut swapped = nodes.clone();
    swapped.swap(0, 1);
    assert!(matches!(
        verify_account_proof(&root, &vault, &swapped),
        Err(ExecutionError::NodeHash { node: 0, .. })
    ));
}

#[test]
fn a_wrong_address_or_another_blocks_root_never_yields_the_vault_balance() {
    let (accounts, vault, root, nodes) = vault_setup();
    let balance = accounts[123].1.clone();
    for (other, _) in &accounts {
        if *other == vault {
            continue;
        }
        // The vault's proof walked for another key: an error or a proven absence, never the
        // vault's account.
        if let Ok(Some(a)) = verify_account_proof(&root, other, &nodes) {
            panic!("the vault's proof opened {a:?} for another address");
        }
    }
    // The same trie after one more block (one balance changed): the old proof is refused at
    // its first node, with the hint about another block.
    let mut later = accounts.clone();
    later[5].1.balance_wei = later[5].1.balance_wei.wrapping_add(1);
    let (later_root, _) = build(&later, &[]);
    let r = verify_account_proof(&later_root, &vault, &nodes);
    let e = r.unwrap_err();
    assert!(matches!(e, ExecutionError::NodeHash { node: 0, .. }));
    assert!(e.to_string().contains("another block"), "{e}");
    // VaultBalance refuses an answer for another address before walking it.
    let anchor = anchor_with_root(root);
    let mut proof = AccountProof::from_json(&answer_json(&vault, &balance, &nodes)).unwrap();
    assert_eq!(
        VaultBalance::check(&anchor, &vault, &proof)
            .unwrap()
            .account,
        balance
    );
    proof.address = accounts[0].0;
    assert!(matches!(
        VaultBalance::check(&anchor, &vault, &proof),
        Err(ExecutionError::WrongAddress { .. })
    ));
}

#[test]
fn an_answer_whose_fields_disagree_with_the_trie_is_refused() {
    let (accounts, vault, root, nodes) = vault_setup();
    let anchor = anchor_with_root(root);
    let mut claimed = accounts[123].1.clone();
    claimed.balance_wei += 1;
    let proof = AccountProof::from_json(&answer_json(&vault, &claimed, &nodes)).unwrap();
    let e = VaultBalance::check(&anchor, &vault, &proof).unwrap_err();
    assert!(
        matches!(
            e,
            ExecutionError::FieldMismatch {
                field: "balance",
                ..
            }
        ),
        "{e}"
    );
    // An absent vault holds nothing, whatever hashes the node fills in.
    let stranger: [u8; 20] = [0xab; 20];
    let (_, proofs) = build(&accounts, &[stranger]);
    let zero = Account {
        storage_root: [0; 32],
        code_hash: [0; 32],
        ..Account::absent()
    };
    let proof = AccountProof::from_json(&answer_json(&stranger, &zero, &proofs[0])).unwrap();
    let v = VaultBalance::check(&anchor, &stranger, &proof).unwrap();
    assert!(!v.exists);
    assert_eq!(v.account.balance_wei, 0);
    let rich = Account {
        balance_wei: 5,
        ..zero
    };
    let proof = AccountProof::from_json(&answer_json(&stranger, &rich, &proofs[0])).unwrap();
    assert!(VaultBalance::check(&anchor, &stranger, &proof).is_err());
}

#[test]
fn malformed_answers_name_what_is_wrong() {
    let (accounts, vault, _, nodes) = vault_setup();
    let good = answer_json(&vault, &accounts[123].1, &nodes);
    for (from, to, says) in [
        ("\"balance\":\"0x", "\"balance\":\"", "balance"),
        ("\"nonce\":\"0x", "\"nonce\":\"0xzz", "nonce"),
        (
            "\"accountProof\":[\"0x",
            "\"accountProof\":[\"0xq",
            "accountProof[0]",
        ),
        ("\"address\":\"0x", "\"address\":\"0x00", "address"),
    ] {
        assert!(good.contains(from), "{from}");
        let bad = good.replacen(from, to, 1);
        let e = AccountProof::from_json(&bad).unwrap_err().to_string();
        assert!(e.contains(says), "{says}: {e}");
    }
    let e = AccountProof::from_json(
        r#"{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"missing trie node"}}"#,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("missing trie node"), "{e}");
    let too_big = format!("0x1{}", "0".repeat(32));
    let e = AccountProof::from_json(&good.replacen(
        &format!("{:#x}", accounts[123].1.balance_wei),
        &too_big,
        1,
    ))
    .unwrap_err()
    .to_string();
    assert!(e.contains("128 bits"), "{e}");
}

/// An anchor that only carries `root` (for the account-proof checks, which read nothing else).
fn anchor_with_root(root: [u8; 32]) -> ExecutionAnchor {
    let state = devnet::build(&DevnetSpec {
        validators: 8,
        ..DevnetSpec::default()
    })
    .unwrap();
    let tree = state.tree().unwrap();
    let mut a = ExecutionAnchor::open(&state, &tree).unwrap();
    a.state_root = root;
    a
}

#[test]
fn the_payload_header_is_opened_from_the_block_root_at_the_layouts_gindices() {
    // Hand-computed: header field 3 (gindex 11), the state's field 24 at depth 5 (Capella,
    // Deneb) or 6 (Electra, Fulu), then the header's field 2, 6 or 12 at depth 4 (Capella's 15
    // fields) or 5 (Deneb's 17).
    assert_eq!(
        payload_gindices(Fork::Capella),
        Some([(376 << 4) | 2, (376 << 4) | 6, (376 << 4) | 12])
    );
    assert_eq!(payload_gindices(Fork::Deneb), Some([12034, 12038, 12044]));
    assert_eq!(payload_gindices(Fork::Electra), Some([23298, 23302, 23308]));
    assert_eq!(
        payload_gindices(Fork::Fulu),
        payload_gindices(Fork::Electra)
    );
    assert_eq!(payload_gindices(Fork::Bellatrix), None);
    for fork in [Fork::Capella, Fork::Deneb, Fork::Electra, Fork::Fulu] {
        let plain = devnet::build(&DevnetSpec {
            fork,
            validators: 16,
            ..DevnetSpec::default()
        })
        .unwrap();
        // Distinct non-zero values where the devnet header has zeros.
        let (root, number, hash) = ([0x5a; 32], 0x0102_0304_0506_0708u64, [0xc3; 32]);
        let state = with_payload(plain, root, number, hash);
        let tree = state.tree().unwrap();
        let anchor = ExecutionAnchor::open(&state, &tree).unwrap();
        assert_eq!(
            (anchor.state_root, anchor.block_number, anchor.block_hash),
            (root, number, hash)
        );
        let block_root = state.block_root().unwrap();
        anchor.verify(fork, &block_root).unwrap();
        assert_eq!(anchor.beacon_block_root, block_root);
        // An anchor of another block root (self-consistent) is not this block's.
        let mut other_root = block_root;
        other_root[31] ^= 1;
        assert!(anchor.verify(fork, &other_root).is_err());
        // Another fork's layout puts the fields elsewhere.
        let other = if fork >= Fork::Electra {
            Fork::Deneb
        } else {
            Fork::Electra
        };
        assert!(
            matches!(
                anchor.verify(other, &block_root),
                Err(ExecutionError::AnchorProof { .. })
            ),
            "{fork}"
        );
        let mut bad = anchor.clone();
        bad.state_root[0] ^= 1;
        assert!(bad.verify(fork, &block_root).is_err());
        let mut bad = anchor.clone();
        bad.block_number += 1;
        assert!(bad.verify(fork, &block_root).is_err());
        let mut bad = anchor.clone();
        bad.block_hash[5] ^= 1;
        assert!(bad.verify(fork, &block_root).is_err());
    }
    let state = devnet::build(&DevnetSpec {
        fork: Fork::Bellatrix,
        validators: 16,
        ..DevnetSpec::default()
    })
    .unwrap();
    let e = ExecutionAnchor::open(&state, &state.tree().unwrap()).unwrap_err();
    assert!(e.to_string().contains("Capella"), "{e}");
}

#[test]
fn hand_built_nodes_with_matching_hashes_are_parsed_strictly() {
    let addr = [0x42; 20];
    for case in hand_built(&addr) {
        let root = keccak256(&case.nodes[0]);
        let got = verify_account_proof(&root, &addr, &case.nodes);
        match (&case.expect, got) {
            (Expect::Account(nonce, wei), Ok(Some(a))) => {
                assert_eq!((a.nonce, a.balance_wei), (*nonce, *wei), "{}", case.name)
            }
            (Expect::Absent, Ok(None)) => {}
            (Expect::Malformed(says), Err(e @ ExecutionError::MalformedNode { .. })) => {
                assert!(
                    e.to_string().contains(says),
                    "{}: expected {says:?}: {e}",
                    case.name
                )
            }
            (want, got) => panic!("{}: expected {want:?}, got {got:?}", case.name),
        }
    }
}

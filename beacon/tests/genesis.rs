//! The real Sepolia and mainnet genesis states: roots against the published values in
//! `testdata/genesis/README.txt`, Merkle proofs to the real block roots, pool reports.

mod common;

use common::{data_dir, h32, mainnet_genesis_ssz};
use stakeproof_beacon::beacon::{BeaconState, Fork, NetworkConfig};
use stakeproof_beacon::merkle::ProofError;
use stakeproof_beacon::report::{pool_report, Pool};

struct Published {
    net: &'static str,
    state_root: &'static str,
    block_root: &'static str,
    validators_root: &'static str,
    balances_root: &'static str,
    validators: u64,
    sum_balances: u128,
}

const SEPOLIA: Published = Published {
    net: "sepolia",
    state_root: "0xfb9afe32150fa39f4b346be2519a67e2a4f5efcd50a1dc192c3f6b3d013d2798",
    block_root: "0xfb9b64fe445f76696407e1e3cc390371edff147bf712db86db6197d4b31ede43",
    validators_root: "0xd8ea171f3c94aea21ebc42a1ed61052acf3f9209c00e4efbaaddac09ed9b8078",
    balances_root: "0x41f984a7bc066160ad9edbdd6da618c268584fd9669c27ff8e5116616da2c119",
    validators: 1570,
    sum_balances: 1_570_000_000_000_000_000,
};

const MAINNET: Published = Published {
    net: "mainnet",
    state_root: "0x7e76880eb67bbdc86250aa578958e9d0675e64e714337855204fb5abaaf82c2b",
    block_root: "0x4d611d5b93fdab69013a7f0a2f961caca0c853f87cfe9595fe50038163079360",
    validators_root: "0x4b363db94e286120d76eb905340fdd4e54bfe9f06bf33ff6cf5ad27f511bfe95",
    balances_root: "0x6fa04888e2e247f7e70343cc7ffd0ffd67f49682f52d7f45dbadb65895258b53",
    validators: 21063,
    sum_balances: 674_144_000_000_000,
};

fn load(p: &Published) -> BeaconState {
    let dir = data_dir().join("genesis").join(p.net);
    let cfg = NetworkConfig::from_yaml_file(&dir.join("config.yaml")).expect("config");
    let ssz = if p.net == "mainnet" {
        mainnet_genesis_ssz()
    } else {
        std::fs::read(dir.join("genesis.ssz")).expect("genesis.ssz")
    };
    // The fork comes from the state's fork version, as the network config assigns it.
    let st = BeaconState::decode_any(ssz, &cfg).expect("genesis decodes");
    assert_eq!(st.fork(), Fork::Phase0);
    st
}

fn check(p: &Published) {
    let st = load(p);
    assert_eq!(st.validator_count(), p.validators);
    let tree = st.tree().expect("genesis is a post-block state");
    assert_eq!(tree.state_root(), h32(p.state_root), "{} state root", p.net);
    assert_eq!(st.hash_tree_root(), h32(p.state_root));
    assert_eq!(tree.block_root(), h32(p.block_root), "{} block root", p.net);
    assert_eq!(tree.validators.root(), h32(p.validators_root));
    assert_eq!(tree.balances.root(), h32(p.balances_root));
    assert_eq!(st.balances().map(u128::from).sum::<u128>(), p.sum_balances);

    let block_root = h32(p.block_root);
    let l = p.validators;
    for i in [0, 1, 2, 3, 4, l / 2, l - 2, l - 1, l, l + 3, 1 << 20] {
        let vp = tree.validator_proof(i);
        assert_eq!(
            vp.gindex,
            726 * (1u64 << 40) + i,
            "phase0 gindex from the block root"
        );
        assert_eq!(vp.branch.len(), 49);
        vp.verify(&block_root)
            .unwrap_or_else(|e| panic!("{} validator {i}: {e}", p.net));
        if i < l {
            assert_eq!(vp.leaf, st.validator(i).unwrap().hash_tree_root());
        } else {
            assert_eq!(vp.leaf, [0u8; 32], "indices ≥ L are zero chunks");
        }
        let bp = tree.balance_proof(i);
        assert_eq!(bp.gindex, 728 * (1u64 << 38) + i / 4);
        assert_eq!(bp.branch.len(), 47);
        bp.verify(&block_root).unwrap();

        // Each sibling, tampered, breaks the proof.
        for k in [0, 20, 40, 45, 48] {
            let mut bad = vp.clone();
            bad.branch[k][31] ^= 0x40;
            assert!(
                matches!(
                    bad.verify(&block_root),
                    Err(ProofError::RootMismatch { .. })
                ),
                "tampered sibling {k} accepted"
            );
        }
        let mut short = bp.clone();
        short.branch.pop();
        assert!(matches!(
            short.verify(&block_root),
            Err(ProofError::WrongLength { .. })
        ));
    }
    // The registry length, and whole aligned subtrees.
    let lp = tree.validators_length_proof();
    assert_eq!(u64::from_le_bytes(lp.leaf[..8].try_into().unwrap()), l);
    lp.verify(&block_root).unwrap();
    tree.balances_length_proof().verify(&block_root).unwrap();
    for h in [0usize, 3, 8, 11, 40] {
        tree.validators_subtree_proof(h, 0)
            .verify(&block_root)
            .unwrap();
        tree.balances_subtree_proof(h.min(38), 0)
            .verify(&block_root)
            .unwrap();
    }
    tree.validators_subtree_proof(4, 3)
        .verify(&block_root)
        .unwrap();
    tree.slot_proof().verify(&block_root).unwrap();

    // A pool of one BLS credential (genesis credentials are all distinct 0x00 ones).
    let v0 = st.validator(0).unwrap();
    let rep = pool_report(&st, &Pool::from_credentials(v0.withdrawal_credentials)).unwrap();
    assert_eq!(rep.totals.validator_count, 1);
    assert_eq!(
        rep.totals.total_balance_gwei,
        u128::from(st.balances().next().unwrap())
    );
    assert_eq!(rep.totals.active_count, 1);
    assert_eq!(rep.block_root, Some(block_root));
}

#[test]
fn sepolia_genesis_roots_and_proofs() {
    check(&SEPOLIA);
}

#[test]
fn mainnet_genesis_roots_and_proofs() {
    check(&MAINNET);
}

#[test]
fn genesis_decoded_as_a_later_fork_is_refused() {
    let dir = data_dir().join("genesis/sepolia");
    let cfg = NetworkConfig::from_yaml_file(&dir.join("config.yaml")).unwrap();
    let ssz = std::fs::read(dir.join("genesis.ssz")).unwrap();
    let e = BeaconState::decode_checked(ssz, Fork::Deneb, &cfg).unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("phase0") && msg.contains("deneb"), "{msg}");
}

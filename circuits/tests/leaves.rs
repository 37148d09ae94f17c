//! Registry and balance circuits against their native twins and the beacon-data layer, on
//! real genesis states and synthetic Electra states. Tampered witnesses and public inputs:
//! `tamper_leaves.rs`.

#[path = "common/leaves.rs"]
mod common;

use common::{accepts, devnet_state, mock, K_BALANCE, K_REGISTRY, N_B, N_R};
use stakeproof_beacon::beacon::{BeaconState, NetworkConfig};
use stakeproof_beacon::devnet::{self, DevnetSpec};
use stakeproof_beacon::report::{pool_totals, Pool};
use stakeproof_circuits::balance::native::balance_public;
use stakeproof_circuits::balance::BalanceWitness;
use stakeproof_circuits::registry::native::registry_public;
use stakeproof_circuits::registry::RegistryWitness;
use std::path::PathBuf;

fn data() -> PathBuf {
    std::env::var("STAKEPROOF_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../testdata"))
}

fn sepolia() -> BeaconState {
    let dir = data().join("genesis/sepolia");
    let cfg = NetworkConfig::from_yaml_file(&dir.join("config.yaml")).unwrap();
    BeaconState::decode_any(std::fs::read(dir.join("genesis.ssz")).unwrap(), &cfg).unwrap()
}

#[test]
fn registry_matches_native_and_state_on_sepolia_genesis() {
    let st = sepolia();
    let tree = st.tree().unwrap();
    let bls = Pool::from_credentials(st.validator(1).unwrap().withdrawal_credentials);
    // The first range, and the last, partial one (L = 1570: fill 2 of 4).
    for start in [0u64, 1568] {
        let w = RegistryWitness::from_state(&st, &bls, start, N_R).unwrap();
        let native = registry_public(&w);
        assert_eq!(
            native.root,
            tree.validators.data.node(2, start / 4),
            "subtree root from the state tree"
        );
        let (c, inst) = mock(&w, K_REGISTRY);
        assert_eq!(
            inst,
            native.to_instances(),
            "circuit instances equal the native twin"
        );
        assert!(accepts(&c, inst));
    }
    assert_eq!(
        RegistryWitness::from_state(&st, &bls, 1568, N_R)
            .unwrap()
            .fill,
        2
    );
}

fn mainnet() -> BeaconState {
    use std::io::Read;
    let dir = data().join("genesis/mainnet");
    let cfg = NetworkConfig::from_yaml_file(&dir.join("config.yaml")).unwrap();
    let mut z =
        zip::ZipArchive::new(std::fs::File::open(dir.join("genesis.ssz.zip")).unwrap()).unwrap();
    let mut ssz = Vec::new();
    z.by_name("genesis.ssz")
        .unwrap()
        .read_to_end(&mut ssz)
        .unwrap();
    BeaconState::decode_any(ssz, &cfg).unwrap()
}

#[test]
fn leaves_on_mainnet_genesis_reach_the_published_roots() {
    let st = mainnet();
    let tree = st.tree().unwrap();
    assert_eq!(
        hex::encode(tree.block_root()),
        "4d611d5b93fdab69013a7f0a2f961caca0c853f87cfe9595fe50038163079360"
    );
    let pool = Pool::from_credentials(st.validator(21061).unwrap().withdrawal_credentials);
    // The last registry range (L = 21063: fill 3 of 4) and the last balance range.
    let w = RegistryWitness::from_state(&st, &pool, 21060, N_R).unwrap();
    assert_eq!(w.fill, 3);
    let native = registry_public(&w);
    assert_eq!(native.root, tree.validators.data.node(2, 21060 / 4));
    let (c, inst) = mock(&w, K_REGISTRY);
    assert_eq!(inst, native.to_instances());
    assert!(accepts(&c, inst));
    let b = BalanceWitness::from_state(&st, &st.tree().unwrap(), &pool, 21056, N_B, N_R).unwrap();
    let native = balance_public(&b);
    assert_eq!(native.block_root, tree.block_root());
    assert_eq!(
        native.registry_roots[0],
        tree.validators.data.node(2, 21056 / 4)
    );
    // Genesis depositors reused credentials: the pool has several validators in this range.
    assert_eq!(
        native.totals,
        pool_totals(&st, &pool, st.epoch(), 21056..21072).unwrap()
    );
    assert!(native.totals.validator_count >= 1);
    let (c, inst) = mock(&b, K_BALANCE);
    assert_eq!(inst, native.to_instances());
    assert!(accepts(&c, inst));
}

#[test]
fn balance_matches_native_and_report_on_devnet() {
    let st = devnet_state(40);
    let tree = st.tree().unwrap();
    let pool = Pool::Address(devnet::DEFAULT_POOL);
    let epoch = st.epoch();
    // A full range and the last partial one (L = 40: range [32, 48)).
    for start in [16u64, 32] {
        let w =
            BalanceWitness::from_state(&st, &st.tree().unwrap(), &pool, start, N_B, N_R).unwrap();
        let native = balance_public(&w);
        assert_eq!(native.block_root, tree.block_root());
        assert_eq!(native.slot, st.slot());
        assert_eq!(
            native.totals,
            pool_totals(&st, &pool, epoch, start..start + N_B as u64).unwrap(),
            "the native twin agrees with the report"
        );
        // Its commitments are those of the registry proofs of the same ranges.
        for (j, c) in native.commitments.iter().enumerate() {
            let r = RegistryWitness::from_state(&st, &pool, start + (j * N_R) as u64, N_R).unwrap();
            assert_eq!(*c, registry_public(&r).commitment);
        }
        let (c, inst) = mock(&w, K_BALANCE);
        assert_eq!(inst, native.to_instances());
        assert!(accepts(&c, inst));
    }
}

#[test]
fn registry_pool_forms_on_devnet() {
    let st = devnet_state(40);
    let tree = st.tree().unwrap();
    // Find a range holding 0x01 and 0x02 pool members and a non-member.
    let pool = Pool::Address(devnet::DEFAULT_POOL);
    let start = (0..10u64)
        .map(|j| j * 4)
        .find(|&s| {
            let v: Vec<_> = (s..s + 4)
                .map(|i| st.validator(i).unwrap().withdrawal_credentials)
                .collect();
            let members: Vec<_> = v.iter().filter(|c| pool.matches(c)).collect();
            members.iter().any(|c| c[0] == 1)
                && members.iter().any(|c| c[0] == 2)
                && members.len() < 4
        })
        .expect("a mixed range");
    let w = RegistryWitness::from_state(&st, &pool, start, N_R).unwrap();
    let members = w.accounts().iter().filter(|a| a.member).count();
    assert!((2..4).contains(&members));
    let native = registry_public(&w);
    assert_eq!(native.root, tree.validators.data.node(2, start / 4));
    let (c, inst) = mock(&w, K_REGISTRY);
    assert_eq!(inst, native.to_instances());
    assert!(accepts(&c, inst.clone()));
    // The same validators as an exact-credential pool: only that credential counts.
    let exact = Pool::Credentials(st.validator(start).unwrap().withdrawal_credentials);
    let exact = match exact {
        Pool::Address(_) => Pool::Credentials([9u8; 32]),
        other => other,
    };
    let w2 = RegistryWitness {
        pool: (&exact).into(),
        ..w
    };
    let (c2, inst2) = mock(&w2, K_REGISTRY);
    assert_eq!(inst2, registry_public(&w2).to_instances());
    assert!(accepts(&c2, inst2));
}

#[test]
fn a_devnet_range_with_exited_slashed_and_both_credential_forms() {
    let st = devnet::build(&DevnetSpec {
        validators: 512,
        pool_permille: 700,
        seed: 11,
        ..Default::default()
    })
    .unwrap();
    let pool = Pool::Address(devnet::DEFAULT_POOL);
    let epoch = st.epoch();
    let start = (0..32u64)
        .map(|j| j * N_B as u64)
        .find(|&s| {
            let t = pool_totals(&st, &pool, epoch, s..s + N_B as u64).unwrap();
            let prefixes: Vec<u8> = (s..s + N_B as u64)
                .map(|i| st.validator(i).unwrap().withdrawal_credentials)
                .filter(|c| pool.matches(c))
                .map(|c| c[0])
                .collect();
            t.exited_count > 0
                && t.slashed_count > 0
                && t.active_count < t.validator_count
                && prefixes.contains(&1)
                && prefixes.contains(&2)
        })
        .expect("some range has exited, slashed and both credential forms");
    let w = BalanceWitness::from_state(&st, &st.tree().unwrap(), &pool, start, N_B, N_R).unwrap();
    let native = balance_public(&w);
    assert_eq!(
        native.totals,
        pool_totals(&st, &pool, epoch, start..start + N_B as u64).unwrap()
    );
    let (c, inst) = mock(&w, K_BALANCE);
    assert_eq!(inst, native.to_instances());
    assert!(accepts(&c, inst));
    for j in 0..N_B / N_R {
        let r = RegistryWitness::from_state(&st, &pool, start + (j * N_R) as u64, N_R).unwrap();
        let (c, inst) = mock(&r, K_REGISTRY);
        assert_eq!(inst, registry_public(&r).to_instances());
        assert_eq!(
            inst[7], native.commitments[j],
            "balance proof uses the registry commitment"
        );
        assert!(accepts(&c, inst));
    }
}

mod seeded {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

        /// Random registries (lengths around powers of two, so the last ranges are partial):
        /// circuit instances equal the native twin, which equals the state's trees and report.
        #[test]
        fn circuits_equal_native_twins_on_random_states(
            len in prop::sample::select(vec![1usize, 3, 4, 5, 15, 16, 17, 31, 32, 33]),
            seed in any::<u64>(),
        ) {
            let st = devnet::build(&DevnetSpec { validators: len, pool_permille: 500, seed, ..Default::default() }).unwrap();
            let tree = st.tree().unwrap();
            let pool = Pool::Address(devnet::DEFAULT_POOL);
            let last = (len as u64 - 1) / N_R as u64 * N_R as u64;
            let w = RegistryWitness::from_state(&st, &pool, last, N_R).unwrap();
            let native = registry_public(&w);
            prop_assert_eq!(native.root, tree.validators.data.node(2, last / 4));
            let (c, inst) = mock(&w, K_REGISTRY);
            prop_assert_eq!(&inst, &native.to_instances());
            prop_assert!(accepts(&c, inst));

            let b_last = (len as u64 - 1) / N_B as u64 * N_B as u64;
            let b = BalanceWitness::from_state(&st, &st.tree().unwrap(), &pool, b_last, N_B, N_R).unwrap();
            let native = balance_public(&b);
            prop_assert_eq!(native.block_root, tree.block_root());
            prop_assert_eq!(native.registry_roots[0], tree.validators.data.node(2, b_last / 4));
            prop_assert_eq!(native.totals, pool_totals(&st, &pool, st.epoch(), b_last..b_last + 16).unwrap());
            let (c, inst) = mock(&b, K_BALANCE);
            prop_assert_eq!(&inst, &native.to_instances());
            prop_assert!(accepts(&c, inst));
        }
    }
}

//! The pool-balance leaf against its native twin and the beacon-data layer, on devnet states of
//! both state depths (Deneb: 5, Electra: 6), with address and exact pools: for every range that
//! holds a pool member, circuit instances == twin instances (MockProver accepts), and over all
//! such ranges the counts add up to `A.count` and the totals to the native report. Tampered
//! witnesses and public inputs: `tamper_pool_balance.rs`.

#[path = "common/mock.rs"]
mod shared;

use shared::accepts;
use stakeproof_beacon::beacon::{BeaconState, Fork};
use stakeproof_beacon::devnet::{self, DevnetSpec};
use stakeproof_beacon::report::{pool_report, pool_totals, Pool, PoolTotals};
use stakeproof_circuits::accounts::AccountsTree;
use stakeproof_circuits::pool::PoolSpec;
use stakeproof_circuits::pool_balance::native::validators_list_root;
use stakeproof_circuits::pool_balance::witness::{state_accounts_tree, state_d};
use stakeproof_circuits::pool_balance::{
    member_ranges, pool_balance_public, PoolBalanceError, PoolBalanceParams, PoolBalancePublic,
    PoolBalanceWitness,
};
use stakeproof_circuits::util::circuit::{CircuitLogic, ShaCircuit};
use stakeproof_circuits::Fr;

/// MockProver `k` at the test sizes: `n_b = 4` and `8` need 140 SHA-256 blocks (d6).
const K: usize = 14;

fn state(fork: Fork, validators: usize, seed: u64) -> BeaconState {
    devnet::build(&DevnetSpec {
        fork,
        validators,
        pool_permille: 600,
        seed,
        ..Default::default()
    })
    .unwrap()
}

fn mock(logic: &impl CircuitLogic) -> (ShaCircuit, Vec<Fr>) {
    shared::mock(logic, K)
}

/// Proves every member range of `pool` in `st` under MockProver against the twin; returns the
/// ranges.
fn every_member_range(st: &BeaconState, pool: &Pool, n_b: usize) -> Vec<u64> {
    let tree = st.tree().unwrap();
    let spec = PoolSpec::from(pool);
    let acc = state_accounts_tree(st, &spec).unwrap();
    let ranges = member_ranges(&acc, n_b.trailing_zeros());
    assert!(!ranges.is_empty());
    let d = state_d(&tree).unwrap();
    let mut sum = PoolTotals::default();
    for &start in &ranges {
        let w = PoolBalanceWitness::from_state(st, &tree, &spec, &acc, start, n_b).unwrap();
        let native = pool_balance_public(&w).unwrap();
        assert_eq!(native.block_root, tree.block_root());
        assert_eq!(native.slot, st.slot());
        assert_eq!(native.epoch, st.epoch());
        assert_eq!(native.registry_len, st.validator_count());
        assert_eq!(native.validators_data, d);
        assert_eq!(native.accounts, acc.root(), "the range opens A");
        assert_eq!(
            native.totals,
            pool_totals(st, pool, st.epoch(), start..start + n_b as u64).unwrap(),
            "the twin agrees with the report over the range"
        );
        assert!(native.totals.validator_count > 0, "a member range");
        let (c, inst) = mock(&w);
        assert_eq!(inst, native.to_instances(), "circuit instances == twin");
        assert_eq!(
            PoolBalancePublic::from_instances(&inst).as_ref(),
            Some(&native)
        );
        assert!(accepts(&c, inst), "range {start}: MockProver accepts");
        sum = sum.merge(native.totals);
    }
    assert_eq!(sum.validator_count, acc.root().count, "Σ count == A.count");
    assert_eq!(sum, pool_report(st, pool).unwrap().totals, "Σ == report");
    ranges
}

#[test]
fn electra_d6_address_and_exact_pools() {
    let st = state(Fork::Electra, 40, 3);
    let last = (st.validator_count() - 1) / 8 * 8;
    let addr = Pool::Address(devnet::DEFAULT_POOL);
    let ranges = every_member_range(&st, &addr, 8);
    assert!(
        ranges.contains(&0) && ranges.contains(&last),
        "ranges {ranges:?} include index 0 and the last range"
    );
    // An exact pool: one credential (the 0x01 or the 0x02 form of the pool's address).
    let c = (0..st.validator_count())
        .map(|i| st.validator(i).unwrap().withdrawal_credentials)
        .find(|c| addr.matches(c) && c[0] == 2)
        .expect("a 0x02 member");
    let exact = Pool::Credentials(c);
    let ranges_exact = every_member_range(&st, &exact, 8);
    assert!(ranges_exact.len() <= ranges.len());
}

#[test]
fn deneb_d5_address_pool_n4() {
    let st = state(Fork::Deneb, 22, 5);
    let tree = st.tree().unwrap();
    assert_eq!(tree.fields.depth(), 5);
    let ranges = every_member_range(&st, &Pool::Address(devnet::DEFAULT_POOL), 4);
    let last = (st.validator_count() - 1) / 4 * 4;
    assert!(
        ranges.contains(&0) && ranges.contains(&last),
        "ranges {ranges:?} include index 0 and the last (partial) range"
    );
}

#[test]
fn d_lifts_to_the_validators_root_and_member_ranges_match_brute_force() {
    for fork in [Fork::Deneb, Fork::Electra] {
        let st = state(fork, 300, 9);
        let tree = st.tree().unwrap();
        let d = state_d(&tree).unwrap();
        assert_eq!(d, tree.validators.data.node(24, 0));
        assert_eq!(
            validators_list_root(&d, st.validator_count()),
            tree.validators.root(),
            "D lifted with zero hashes and L mixed in is the state's validators root"
        );
        let pool = Pool::Address(devnet::DEFAULT_POOL);
        let spec = PoolSpec::from(&pool);
        let acc = state_accounts_tree(&st, &spec).unwrap();
        for log_n in [2u32, 3, 5, 8] {
            let n = 1u64 << log_n;
            let brute: Vec<u64> = (0..st.validator_count().div_ceil(n))
                .map(|j| j * n)
                .filter(|&s| {
                    (s..(s + n).min(st.validator_count()))
                        .any(|i| pool.matches(&st.validator(i).unwrap().withdrawal_credentials))
                })
                .collect();
            assert_eq!(member_ranges(&acc, log_n), brute, "n_b = {n}");
        }
    }
    // No member: no range.
    assert!(member_ranges(&AccountsTree::new(&[]), 3).is_empty());
}

#[test]
fn params_names_and_costs() {
    let p = PoolBalanceParams::new(2048, 6, 32, None).unwrap();
    assert_eq!(p.name(), "pool-balance-2048-d6");
    // 511 subtree nodes + 29 lift + 16 constant + 2 mix-ins + 12 field + 4 header, 2 each.
    assert_eq!(p.compressions(), 1148);
    assert_eq!(p.k, 17);
    assert_eq!(
        PoolBalanceParams::new(8, 5, 8, None).unwrap().name(),
        "pool-balance-8-d5-s8"
    );
    for n_b in [4usize, 8] {
        let p = PoolBalanceParams::new(n_b, 6, 32, None).unwrap();
        assert_eq!(
            p.k as usize, K,
            "the test k is the smallest that fits n_b = {n_b}"
        );
    }
    for bad in [0usize, 2, 6, 1 << 25] {
        assert!(matches!(
            PoolBalanceParams::new(bad, 6, 32, None),
            Err(PoolBalanceError::BadSize { .. })
        ));
    }
    // The circuit's SHA-256 region is what `compressions()` says, and its name is the params'.
    let st = state(Fork::Electra, 16, 1);
    let tree = st.tree().unwrap();
    let spec = PoolSpec::from(&Pool::Address(devnet::DEFAULT_POOL));
    let acc = state_accounts_tree(&st, &spec).unwrap();
    let w = PoolBalanceWitness::from_state(&st, &tree, &spec, &acc, 8, 8).unwrap();
    let (c, _) = mock(&w);
    let p = w.params(K as u32);
    assert_eq!(c.sha_blocks(), p.compressions());
    assert_eq!(w.name(), p.name());
}

#[test]
fn witness_builder_refuses_bad_input() {
    let st = state(Fork::Electra, 16, 1);
    let tree = st.tree().unwrap();
    let spec = PoolSpec::from(&Pool::Address(devnet::DEFAULT_POOL));
    let acc = state_accounts_tree(&st, &spec).unwrap();
    let w = |start, n_b, acc: &AccountsTree| {
        PoolBalanceWitness::from_state(&st, &tree, &spec, acc, start, n_b)
    };
    assert!(matches!(
        w(4, 8, &acc),
        Err(PoolBalanceError::Unaligned { .. })
    ));
    assert!(matches!(
        w((1 << 24) - 4, 8, &acc),
        Err(PoolBalanceError::Unaligned { .. })
    ));
    assert!(matches!(
        w(0, 3, &acc),
        Err(PoolBalanceError::BadSize { .. })
    ));
    // The accounts tree of another pool does not match this state's accounts.
    let other = state_accounts_tree(&st, &PoolSpec::from(&Pool::Credentials([7; 32]))).unwrap();
    assert!(matches!(
        w(0, 8, &other),
        Err(PoolBalanceError::AccountsMismatch { .. })
    ));
    // A hand-made witness of the wrong shape is refused by the twin, not a panic.
    let mut bad = w(0, 8, &acc).unwrap();
    bad.account_siblings.pop();
    assert!(matches!(
        pool_balance_public(&bad),
        Err(PoolBalanceError::Shape { .. })
    ));
    let mut bad = w(0, 8, &acc).unwrap();
    bad.balances_field_branch[0][0] ^= 1;
    assert!(matches!(
        pool_balance_public(&bad),
        Err(PoolBalanceError::StateRootMismatch)
    ));
    assert!(PoolBalancePublic::from_instances(&[Fr::one(); 14]).is_none());
}

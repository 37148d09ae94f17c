//! The pool's pending deposits (Electra's `pending_deposits` queue) on the consensus-spec-tests
//! random states, against an independent reading of the same entries from `value.yaml`: an
//! exact-credential pool, a set of two entries' credentials, an address pool of an entry's
//! 0x01/0x02 form, a pool with none; zero on a Deneb state, which has no queue.

use serde_yaml::Value;
use stakeproof_beacon::beacon::{BeaconState, Fork, Preset};
use stakeproof_beacon::pool_set::{set_key, CredentialKeys};
use stakeproof_beacon::report::{pending_deposits, Pool};
use std::path::PathBuf;
use std::sync::Arc;

fn case(fork: &str) -> (BeaconState, Value) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/consensus-spec-tests/tests/minimal")
        .join(fork)
        .join("ssz_static/BeaconState/ssz_random/case_0");
    let ssz = std::fs::read(dir.join("serialized.derived.ssz")).unwrap();
    let f = if fork == "deneb" {
        Fork::Deneb
    } else {
        Fork::Electra
    };
    let st = BeaconState::decode(ssz, f, &Preset::minimal()).unwrap();
    let v = serde_yaml::from_slice(&std::fs::read(dir.join("value.yaml")).unwrap()).unwrap();
    (st, v)
}

fn creds(v: &Value) -> [u8; 32] {
    hex::decode(&v["withdrawal_credentials"].as_str().unwrap()[2..])
        .unwrap()
        .try_into()
        .unwrap()
}

fn amount(v: &Value) -> u128 {
    v["amount"].as_u64().unwrap() as u128
}

#[test]
fn pending_deposits_of_a_pool_match_the_vector() {
    let (st, v) = case("electra");
    let queue = v["pending_deposits"].as_sequence().unwrap();
    assert!(queue.len() >= 2, "the vector has a queue");
    // Exact credentials of the first entry: every entry with them (the vector's are distinct).
    let first = creds(&queue[0]);
    let want = |pool: &Pool| {
        queue
            .iter()
            .filter(|d| pool.matches(&creds(d)))
            .fold((0u64, 0u128), |(c, g), d| (c + 1, g + amount(d)))
    };
    let exact = Pool::Credentials(first);
    let got = pending_deposits(&st, &exact);
    assert_eq!(
        (got.pending_deposit_count, got.pending_deposit_gwei),
        want(&exact)
    );
    assert!(got.pending_deposit_count >= 1);
    // A set of the first two entries' credentials.
    let set = Pool::Set(Arc::new(
        CredentialKeys::new(vec![set_key(&first), set_key(&creds(&queue[1]))], None).unwrap(),
    ));
    let got = pending_deposits(&st, &set);
    assert_eq!(
        (got.pending_deposit_count, got.pending_deposit_gwei),
        want(&set)
    );
    assert!(got.pending_deposit_count >= 2);
    // Amounts near 2^64 add up without overflow (u128).
    assert!(got.pending_deposit_gwei > u64::MAX as u128 / 4);
    // A pool with no entry in the queue counts nothing.
    let none = Pool::Address([0xee; 20]);
    assert_eq!(pending_deposits(&st, &none), Default::default());
}

#[test]
fn before_electra_there_is_no_queue() {
    let (st, _) = case("deneb");
    let got = pending_deposits(&st, &Pool::Address([0x11; 20]));
    assert_eq!(got, Default::default());
}

#[test]
fn the_queue_tree_is_the_field_root_on_the_vector() {
    let (st, v) = case("electra");
    let tree = st.pending_deposits_tree().expect("an Electra queue");
    let queue = v["pending_deposits"].as_sequence().unwrap();
    assert_eq!(tree.length, queue.len() as u64);
    assert_eq!(st.pending_deposits_depth(), 27);
    let i = st.field_index("pending_deposits").unwrap();
    // The schema's generic hash_tree_root of the field: an independent computation.
    assert_eq!(tree.root(), st.field_roots()[i]);
    let (deneb, _) = case("deneb");
    assert!(deneb.pending_deposits_tree().is_none());
}

#[test]
fn a_queue_range_opens_to_the_block_root() {
    use stakeproof_beacon::devnet::{self, DevnetSpec};
    let spec = DevnetSpec {
        validators: 16,
        pending_deposits: 37,
        ..Default::default()
    };
    let st = devnet::build(&spec).unwrap();
    let tree = st.tree().unwrap();
    let queue = st.pending_deposits_tree().unwrap();
    assert_eq!(queue.length, 37);
    let field = st.field_index("pending_deposits").unwrap();
    assert_eq!(queue.root(), st.field_roots()[field]);
    // Entries [32, 40) (the last, partial range: 5 real, 3 zero chunks) and one entry.
    for (height, index) in [(3, 4), (0, 36), (0, 37)] {
        let p = tree.list_proof(&queue, field as u64, height, index);
        p.verify(&tree.block_root()).unwrap();
    }
    // The pool's share: about a third, in both credential forms.
    let got = pending_deposits(&st, &Pool::Address(spec.pool));
    assert!(got.pending_deposit_count > 5 && got.pending_deposit_count < 25);
    // The default devnet has an empty queue: its roots do not depend on the generator.
    let plain = devnet::build(&DevnetSpec {
        validators: 16,
        ..Default::default()
    })
    .unwrap();
    assert_eq!(plain.pending_deposits_tree().unwrap().length, 0);
}

//! Credential sets: the set circuit and membership queries against their native twin, on
//! seeded random sets and on the edges (an empty set, the zero key, the all-ones key, a full
//! tree, `0x01`/`0x02` twins, a BLS credential equal to an address's bytes).

#[path = "common/mock.rs"]
mod shared;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use stakeproof_circuits::pool_set::{key_of, CredentialSet, PoolSetWitness, SetQueryWitness};
use stakeproof_circuits::Fr;

fn addr_cred(prefix: u8, a: [u8; 20]) -> [u8; 32] {
    let mut c = [0u8; 32];
    c[0] = prefix;
    c[12..].copy_from_slice(&a);
    c
}

/// A random credential: 0x01/0x02 to one of a few addresses, or random 0x00 / other bytes.
fn random_cred(rng: &mut ChaCha20Rng) -> [u8; 32] {
    match rng.gen_range(0..4) {
        0 | 1 => addr_cred(rng.gen_range(1..3), [rng.gen_range(0..6u8); 20]),
        2 => {
            let mut c: [u8; 32] = rng.gen();
            c[0] = 0;
            c
        }
        _ => rng.gen(),
    }
}

/// The set circuit at `k` gives the native root and count, and MockProver accepts it.
fn set_circuit_agrees(set: &CredentialSet, k: usize) {
    let (c, inst) = shared::mock(&PoolSetWitness::new(set), k);
    assert_eq!(inst, vec![set.root(), Fr::from(set.keys().len() as u64)]);
    assert!(shared::accepts(&c, inst));
}

/// Queries of `creds` give the native membership, and MockProver accepts them.
fn queries_agree(set: &CredentialSet, creds: &[[u8; 32]], k: usize) {
    let (c, inst) = shared::mock(&SetQueryWitness::new(set, creds), k);
    assert_eq!(inst, SetQueryWitness::native_instances(set, creds));
    assert!(shared::accepts(&c, inst));
}

#[test]
fn edges_agree_with_the_native_twin() {
    let a = [0x11; 20];
    let probes = [
        addr_cred(1, a),
        addr_cred(2, a),
        addr_cred(3, a),
        [0u8; 32],
        [0xff; 32],
        {
            // BLS credentials whose bytes 1.. equal the address credential's.
            let mut c = addr_cred(1, a);
            c[0] = 0;
            c
        },
    ];
    // Empty set: everything is outside.
    let empty = CredentialSet::new(vec![], 2).unwrap();
    set_circuit_agrees(&empty, 12);
    queries_agree(&empty, &probes, 12);
    // One address: both of its forms are in, nothing else.
    let one = CredentialSet::new(vec![key_of(&addr_cred(1, a))], 1).unwrap();
    assert!(one.contains(&addr_cred(2, a)) && !one.contains(&addr_cred(3, a)));
    set_circuit_agrees(&one, 12);
    queries_agree(&one, &probes, 12);
    // The extreme keys as members, in a full tree (2^2 − 1 entries).
    let full = CredentialSet::new(
        vec![
            key_of(&[0u8; 32]),
            key_of(&[0xff; 32]),
            key_of(&addr_cred(2, a)),
        ],
        2,
    )
    .unwrap();
    set_circuit_agrees(&full, 12);
    queries_agree(&full, &probes, 12);
}

#[test]
fn seeded_random_sets_agree_with_the_native_twin() {
    let mut rng = ChaCha20Rng::seed_from_u64(17);
    for round in 0..3 {
        let mut keys: Vec<_> = (0..rng.gen_range(1..15))
            .map(|_| key_of(&random_cred(&mut rng)))
            .collect();
        keys.sort();
        keys.dedup();
        let set = CredentialSet::new(keys, 4).unwrap();
        set_circuit_agrees(&set, 13);
        let mut creds: Vec<_> = (0..8).map(|_| random_cred(&mut rng)).collect();
        // Make sure some members are queried.
        creds.push(set.keys()[0].to_bytes());
        creds.push(set.keys()[set.keys().len() - 1].to_bytes());
        let members = creds.iter().filter(|c| set.contains(c)).count();
        assert!(members >= 2, "round {round}");
        queries_agree(&set, &creds, 13);
    }
}

/// A registry leaf of a set pool: every validator of the range proven in or out of a set that
/// holds some of their credentials (one by its 0x02 twin) and a credential no one has; the
/// circuit's instances equal the native twin's, whose members are the native report's.
#[test]
fn registry_leaf_of_a_set_pool_matches_the_native_twin_and_report() {
    use stakeproof_beacon::devnet::{self, DevnetSpec};
    use stakeproof_beacon::pool_set::{set_key, CredentialKeys};
    use stakeproof_beacon::report::Pool;
    use stakeproof_circuits::registry::native::registry_public;
    use stakeproof_circuits::registry::RegistryWitness;
    use std::sync::Arc;

    let st = devnet::build(&DevnetSpec {
        validators: 8,
        ..Default::default()
    })
    .unwrap();
    let creds: Vec<[u8; 32]> = (0..8)
        .map(|i| st.validator(i).unwrap().withdrawal_credentials)
        .collect();
    // Members: validator 1's credentials, validator 2's in the other 0x01/0x02 form (or as
    // they are, for BLS), and a credential of nobody's.
    let mut twin = creds[2];
    if twin[0] == 1 || twin[0] == 2 {
        twin[0] ^= 3;
    }
    let keys = vec![set_key(&creds[1]), set_key(&twin), set_key(&[0x42; 32])];
    let pool = Pool::Set(Arc::new(CredentialKeys::new(keys, Some(3)).unwrap()));
    for start in [0u64, 4] {
        let w = RegistryWitness::from_state(&st, &pool, start, 4).unwrap();
        assert_eq!(w.pool.mode(), 2);
        assert_eq!(
            stakeproof_circuits::util::circuit::CircuitLogic::name(&w),
            "registry-4-set3"
        );
        let native = registry_public(&w);
        let members = w.accounts().iter().filter(|a| a.member).count();
        let want = (start..start + 4)
            .filter(|&i| pool.matches(&creds[i as usize]))
            .count();
        assert_eq!(members, want);
        let (c, inst) = shared::mock(&w, 13);
        assert_eq!(inst, native.to_instances());
        assert!(shared::accepts(&c, inst.clone()));
        // Another set's root in the public inputs is refused.
        let mut bad = inst;
        bad[3] += Fr::one();
        assert!(!shared::accepts(&c, bad));
    }
}

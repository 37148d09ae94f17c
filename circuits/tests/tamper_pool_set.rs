//! Soundness of credential sets: a member declared outside, a non-member declared inside, a
//! root other than the set's, and sets with a duplicate or out of order are rejected by
//! MockProver; an honest real proof's tampered public inputs are rejected by the verifier.

#[path = "common/mock.rs"]
mod shared;

use halo2_base::gates::circuit::CircuitBuilderStage;
use stakeproof_circuits::pool_set::native::{intervals, Interval};
use stakeproof_circuits::pool_set::{
    key_of, CredentialSet, PoolSetWitness, SetKey, SetQueryWitness,
};
use stakeproof_circuits::util::circuit::{build_circuit, Shape};
use stakeproof_circuits::util::proving::{keygen, prove, unsafe_setup, verify};
use stakeproof_circuits::Fr;

const K: usize = 12;

fn cred(prefix: u8, tail: u8) -> [u8; 32] {
    let mut c = [0u8; 32];
    c[0] = prefix;
    c[12..].copy_from_slice(&[tail; 20]);
    c
}

/// A set of addresses 0x10, 0x20, 0x30 (depth 3) and probes: a member in its 0x02 form and a
/// non-member between two members.
fn fixture() -> (CredentialSet, [u8; 32], [u8; 32]) {
    let keys = [0x10, 0x20, 0x30].map(|t| key_of(&cred(1, t))).to_vec();
    (
        CredentialSet::new(keys, 3).unwrap(),
        cred(2, 0x20),
        cred(1, 0x25),
    )
}

fn mock_accepts(w: &SetQueryWitness, instances: Vec<Fr>) -> bool {
    let (c, _) = shared::mock(w, K);
    shared::accepts(&c, instances)
}

#[test]
fn a_member_cannot_be_declared_outside() {
    let (set, member, _) = fixture();
    let w = SetQueryWitness::new(&set, &[member]);
    assert!(mock_accepts(&w, vec![set.root(), Fr::one()]));
    // The honest path with the member bit flipped in the public inputs.
    assert!(!mock_accepts(&w, vec![set.root(), Fr::zero()]));
    // The neighbouring leaves (which say "outside" for their own keys) do not contain it.
    for j in [1u64, 3] {
        let mut bad = w.clone();
        let other = set.path(&set.keys()[j as usize - 1].to_bytes());
        assert_eq!(other.index, j);
        bad.queries[0].1 = other;
        assert!(
            !mock_accepts(&bad, vec![set.root(), Fr::zero()]),
            "leaf {j}"
        );
    }
    // A forged leaf that contains it with flag 0 is not in the tree.
    let mut bad = w.clone();
    bad.queries[0].1.interval.member = false;
    assert!(!mock_accepts(&bad, vec![set.root(), Fr::zero()]));
}

#[test]
fn a_non_member_cannot_be_declared_inside() {
    let (set, _, outsider) = fixture();
    let w = SetQueryWitness::new(&set, &[outsider]);
    assert!(mock_accepts(&w, vec![set.root(), Fr::zero()]));
    assert!(!mock_accepts(&w, vec![set.root(), Fr::one()]));
    // A forged leaf starting at the outsider's key, flagged member.
    let mut bad = w.clone();
    bad.queries[0].1.interval = Interval {
        low: key_of(&outsider),
        high: None,
        member: true,
    };
    assert!(!mock_accepts(&bad, vec![set.root(), Fr::one()]));
}

#[test]
fn another_root_is_refused() {
    let (set, member, outsider) = fixture();
    let other = CredentialSet::new(vec![key_of(&member)], 3).unwrap();
    let w = SetQueryWitness::new(&set, &[member, outsider]);
    let mut bad = w.clone();
    bad.root = other.root();
    assert!(!mock_accepts(
        &bad,
        vec![other.root(), Fr::one(), Fr::zero()]
    ));
    assert!(!mock_accepts(&w, vec![other.root(), Fr::one(), Fr::zero()]));
}

/// A set witness with its slots replaced, claiming the honest set's root.
fn set_mock_accepts(w: &PoolSetWitness, instances: Vec<Fr>) -> bool {
    let (c, _) = shared::mock(w, K);
    shared::accepts(&c, instances)
}

#[test]
fn duplicates_and_disorder_are_refused_by_the_set_circuit() {
    let (set, _, _) = fixture();
    let honest = PoolSetWitness::new(&set);
    let inst = vec![set.root(), Fr::from(3u64)];
    assert!(set_mock_accepts(&honest, inst));
    let k = set.keys().to_vec();
    // An unsorted list: the same keys out of order. The native twin would sort them, so the
    // circuit sees the list the prover chose and must refuse it whatever root it claims.
    let mut unsorted = honest.clone();
    unsorted.slots[..3].copy_from_slice(&[k[1], k[0], k[2]]);
    let (_, its_root) = shared::mock(&unsorted, K);
    assert!(!set_mock_accepts(&unsorted, its_root));
    // A duplicate: [k0, k1, k1] with three entries.
    let mut dup = honest.clone();
    dup.slots[..3].copy_from_slice(&[k[0], k[1], k[1]]);
    let (_, its_root) = shared::mock(&dup, K);
    assert!(!set_mock_accepts(&dup, its_root));
    // Why disorder matters: an unsorted tree would contain overlapping intervals, one of
    // which hides a member. The native intervals of the unsorted list show it.
    let bad_leaves = intervals(&[k[1], k[0], k[2]]);
    let hiding = bad_leaves
        .iter()
        .filter(|l| l.contains(&k[0]) && !(l.member && l.low == k[0]))
        .count();
    assert!(hiding > 0);
    // A count past the entries (padding counted as an entry) breaks the order check too.
    let mut overcount = honest.clone();
    overcount.count = 5;
    let (_, its_root) = shared::mock(&overcount, K);
    assert!(!set_mock_accepts(&overcount, its_root));
    // Padding is free below the count: it cannot change the root.
    let mut padding = honest;
    padding.slots[5] = SetKey { hi: 7, lo: 7 };
    assert!(set_mock_accepts(&padding, vec![set.root(), Fr::from(3u64)]));
}

#[test]
fn the_real_verifier_rejects_tampered_membership() {
    let (set, member, outsider) = fixture();
    let w = SetQueryWitness::new(&set, &[member, outsider]);
    let params = unsafe_setup(K as u32, 11);
    let kc = build_circuit(CircuitBuilderStage::Keygen, &w, Shape::K(K)).unwrap();
    let pk = keygen(&params, &kc).unwrap();
    let pinning = kc.pinning();
    let pc = build_circuit(CircuitBuilderStage::Prover, &w, Shape::Pinned(&pinning)).unwrap();
    let inst = pc.instances();
    assert_eq!(
        inst,
        SetQueryWitness::native_instances(&set, &[member, outsider])
    );
    let proof = prove(&params, &pk, pc, &inst).unwrap();
    verify(&params, pk.get_vk(), &proof, &inst).expect("honest proof verifies");
    let other = CredentialSet::new(vec![key_of(&member)], 3).unwrap();
    for (what, bad) in [
        (
            "member declared outside",
            vec![inst[0], Fr::zero(), inst[2]],
        ),
        (
            "non-member declared inside",
            vec![inst[0], inst[1], Fr::one()],
        ),
        ("another root", vec![other.root(), inst[1], inst[2]]),
    ] {
        assert!(
            verify(&params, pk.get_vk(), &proof, &bad).is_err(),
            "{what}"
        );
    }
}

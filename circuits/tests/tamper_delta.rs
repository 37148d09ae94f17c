//! Soundness of the delta leaf: each row names what is tampered and the check that must reject
//! it. MockProver must reject every row; three rows are also proven for real (keygen, prove,
//! verify at k = 13) and the verifier must reject them.
//!
//! Bases (40 random validators, address pool, slot 39 = `L − 1` a pool member):
//! `delta-1x1` updating slot 39 (k = 14), `delta-1x2` with one real update and an identity
//! update (k = 15), `append-1x1` adding slot 40 (a member; `L` 40 → 41, k = 13).
//!
//! - `UNSATISFIABLE`: witnesses no instances can satisfy (the circuit is checked against its
//!   own computed instances);
//! - `forged_statements_are_rejected`: an honest or tampered witness against a forged
//!   statement (a member dropped from `A_new`, a non-member added, a slot past `L` claimed
//!   non-empty);
//! - `each_public_instance_is_bound`: each of the 13 instances, `+1`;
//! - `real_prover_rejects`: a wrong sibling, a shrinking registry, a changed instance.

#[path = "common/mock.rs"]
mod shared;

use halo2_base::gates::circuit::CircuitBuilderStage;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use shared::{accepts, address_pool};
use stakeproof_beacon::beacon::Validator;
use stakeproof_circuits::accounts::AccountsTree;
use stakeproof_circuits::delta::native::instances;
use stakeproof_circuits::delta::{
    DeltaParams, DeltaWitness, Registry, UpdateSpec, DELTA_INSTANCES,
};
use stakeproof_circuits::pool::PoolSpec;
use stakeproof_circuits::registry::witness::account_of;
use stakeproof_circuits::util::circuit::{build_circuit, ShaCircuit, Shape};
use stakeproof_circuits::util::proving::{keygen, prove, unsafe_setup, verify};
use stakeproof_circuits::Fr;

const ADDR: [u8; 20] = [0x5a; 20];

fn pool() -> PoolSpec {
    address_pool(ADDR, false)
}

fn validator(rng: &mut ChaCha20Rng, member: bool) -> Validator {
    let mut wc = [0u8; 32];
    wc[0] = 1;
    if member {
        wc[12..].copy_from_slice(&ADDR);
    } else {
        rng.fill(&mut wc[12..]);
    }
    let mut pubkey = [0u8; 48];
    rng.fill(&mut pubkey[..]);
    Validator {
        pubkey,
        withdrawal_credentials: wc,
        effective_balance: 32_000_000_000,
        slashed: false,
        activation_eligibility_epoch: 9,
        activation_epoch: 10,
        exit_epoch: u64::MAX,
        withdrawable_epoch: u64::MAX,
    }
}

/// 40 validators (every third a member, and slot 39), and the same with slot 39 changed and
/// a member appended at 40.
fn registries() -> (Vec<Validator>, Vec<Validator>) {
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let old: Vec<Validator> = (0..40)
        .map(|i| validator(&mut rng, i % 3 == 0 || i == 39))
        .collect();
    let mut new = old.clone();
    new[39].exit_epoch = 500;
    new.push(validator(&mut rng, true));
    (old, new)
}

fn one(position: u64, log_n: u32, fresh: bool) -> [UpdateSpec; 1] {
    [UpdateSpec {
        log_n,
        position,
        fresh,
    }]
}

/// `delta-1x{k}` updating slot 39 (`L` stays 40).
fn general(k: usize) -> DeltaWitness {
    let (old, new) = registries();
    let mut reg = Registry::from_validators(pool(), &old).unwrap();
    let params = DeltaParams::new(0, k, false).unwrap();
    reg.leaf(&params, &new, 40, &one(39, 0, false)).unwrap()
}

/// `append-1x1` adding slot 40 (`L` 40 → 41).
fn append() -> DeltaWitness {
    let (old, new) = registries();
    let mut reg = Registry::from_validators(pool(), &old).unwrap();
    let params = DeltaParams::new(0, 1, true).unwrap();
    reg.leaf(&params, &new, 41, &one(40, 0, true)).unwrap()
}

fn mock(w: &DeltaWitness) -> (ShaCircuit, Vec<Fr>) {
    shared::mock(w, w.params().unwrap().k as usize)
}

/// `A` of `validators` with the member bit of slot `flip` inverted.
fn accounts_root_flipped(validators: &[Validator], flip: usize) -> (Fr, u64) {
    let accts: Vec<_> = validators
        .iter()
        .enumerate()
        .map(|(i, v)| account_of(v, pool().matches(&v.withdrawal_credentials) ^ (i == flip)))
        .collect();
    let root = AccountsTree::new(&accts).root();
    (root.hash, root.count)
}

/// A change to a witness.
type Spoil = fn(&mut DeltaWitness);

/// A named change to a witness, and the check that rejects it.
struct Tamper {
    what: &'static str,
    rejected_by: &'static str,
    base: fn() -> DeltaWitness,
    spoil: Spoil,
}

const OLD_OPENS_D: &str = "copy: old SHA-256 root lifted = current D";
const OLD_OPENS_A: &str = "copy: old accounts root lifted = current A";

fn general1() -> DeltaWitness {
    general(1)
}

fn general2() -> DeltaWitness {
    general(2)
}

/// Witnesses that no instances satisfy.
const UNSATISFIABLE: &[Tamper] = &[
    Tamper {
        what: "a wrong old value (exit epoch)",
        rejected_by: OLD_OPENS_D,
        base: general1,
        spoil: |w| w.updates[0].old[0].exit_epoch ^= 1,
    },
    Tamper {
        what: "a wrong old value (credentials: the member dropped)",
        rejected_by: OLD_OPENS_D,
        base: general1,
        spoil: |w| w.updates[0].old[0].withdrawal_credentials[31] ^= 1,
    },
    Tamper {
        what: "a delta applied twice (second old value stale)",
        rejected_by: OLD_OPENS_D,
        base: general2,
        spoil: |w| w.updates[1] = w.updates[0].clone(),
    },
    Tamper {
        what: "a wrong SHA-256 sibling",
        rejected_by: OLD_OPENS_D,
        base: general1,
        spoil: |w| w.updates[0].sha_siblings[5][0] ^= 1,
    },
    Tamper {
        what: "a wrong accounts sibling hash",
        rejected_by: OLD_OPENS_A,
        base: general1,
        spoil: |w| w.updates[0].acc_siblings[3].hash += Fr::one(),
    },
    Tamper {
        what: "a wrong accounts sibling count",
        rejected_by: OLD_OPENS_A,
        base: general1,
        spoil: |w| w.updates[0].acc_siblings[0].count += 1,
    },
    Tamper {
        what: "a position whose bits disagree (p + 2^24: bits recompose p)",
        rejected_by: "gate: num_to_bits recomposition",
        base: general1,
        spoil: |w| w.updates[0].position += 1 << 24,
    },
    Tamper {
        what: "another position with the same siblings",
        rejected_by: OLD_OPENS_D,
        base: general1,
        spoil: |w| w.updates[0].position ^= 2,
    },
    Tamper {
        what: "a member dropped from A_old",
        rejected_by: OLD_OPENS_A,
        base: general1,
        spoil: |w| {
            let (old, _) = registries();
            let (hash, count) = accounts_root_flipped(&old, 39);
            w.old.a.hash = hash;
            w.old.a.count = count;
        },
    },
    Tamper {
        what: "l_new < l_old (slot 39 dropped: registry shrinks, trees consistent)",
        rejected_by: "range: l_old < l_new + 1",
        base: general1,
        spoil: |w| w.l_new = 39,
    },
    Tamper {
        what: "old slot 39 past a claimed L_old = 39 (non-empty slot past L)",
        rejected_by: OLD_OPENS_D,
        base: general1,
        spoil: |w| w.old.l = 39,
    },
    Tamper {
        what: "append of a range below L_old (L_old claimed 41)",
        rejected_by: "constant: p·n < l_old is false; copy: empty range opens D",
        base: append,
        spoil: |w| w.old.l = 41,
    },
    Tamper {
        what: "l_new < l_old on append",
        rejected_by: "range: l_old < l_new + 1",
        base: append,
        spoil: |w| w.l_new = 39,
    },
];

#[test]
fn unsatisfiable_witnesses_are_rejected() {
    let bases: [fn() -> DeltaWitness; 3] = [general1, general2, append];
    for base in bases {
        let (c, inst) = mock(&base());
        assert!(accepts(&c, inst), "the honest bases are accepted");
    }
    for t in UNSATISFIABLE {
        let mut w = (t.base)();
        (t.spoil)(&mut w);
        let (c, inst) = mock(&w);
        assert!(
            !accepts(&c, inst),
            "{} accepted (must be rejected by {})",
            t.what,
            t.rejected_by
        );
    }
}

#[test]
fn forged_statements_are_rejected() {
    let (_, new) = registries();
    // A_new with a member dropped (slot 39) or a non-member added (slot 1).
    let w = general1();
    let (c, honest) = mock(&w);
    assert_eq!(honest, instances(&w).unwrap());
    assert!(accepts(&c, honest.clone()));
    let registry = &new[..40];
    for (flip, what) in [(39, "member dropped"), (1, "non-member added")] {
        assert_eq!(
            pool().matches(&registry[flip].withdrawal_credentials),
            flip == 39
        );
        let (hash, count) = accounts_root_flipped(registry, flip);
        let mut forged = honest.clone();
        (forged[11], forged[12]) = (hash, Fr::from(count));
        assert!(!accepts(&c, forged), "A_new with a {what} accepted");
    }
    // Slot 40 past L claimed non-empty: the statement "L_new = 40" with the D and A that hold
    // slot 40 (the witness says L_new = 40, so the circuit empties the slot).
    let honest_w = append();
    let honest = instances(&honest_w).unwrap();
    let mut w = honest_w.clone();
    w.l_new = 40;
    let (c, _) = mock(&w);
    let mut forged = honest.clone();
    forged[10] = Fr::from(40u64);
    assert!(!accepts(&c, forged), "a non-empty slot past L_new accepted");
    // The append of a member changes the count.
    assert_eq!(honest[12], honest[7] + Fr::one());
}

#[test]
fn each_public_instance_is_bound() {
    let w = append();
    let (c, inst) = mock(&w);
    assert_eq!(inst.len(), DELTA_INSTANCES);
    assert!(accepts(&c, inst.clone()));
    for i in 0..DELTA_INSTANCES {
        let mut bad = inst.clone();
        bad[i] += Fr::one();
        assert!(!accepts(&c, bad), "instance {i} changed, accepted");
    }
}

#[test]
fn real_prover_rejects() {
    let honest = append();
    let p = honest.params().unwrap();
    assert_eq!(p.k, 13);
    let params = unsafe_setup(p.k, 15);
    let kc = build_circuit(CircuitBuilderStage::Keygen, &honest, Shape::K(p.k as usize)).unwrap();
    let pk = keygen(&params, &kc).unwrap();
    let pinning = kc.pinning();
    let proof_of = |w: &DeltaWitness| {
        let c = build_circuit(CircuitBuilderStage::Prover, w, Shape::Pinned(&pinning)).unwrap();
        let inst = c.instances();
        let proof = prove(&params, &pk, c, &inst).unwrap();
        (proof, inst)
    };
    let (proof, inst) = proof_of(&honest);
    assert_eq!(inst, instances(&honest).unwrap());
    verify(&params, pk.get_vk(), &proof, &inst).expect("honest proof verifies");
    // A changed public instance (L_new).
    let mut bad = inst.clone();
    bad[10] += Fr::one();
    assert!(
        verify(&params, pk.get_vk(), &proof, &bad).is_err(),
        "changed L_new verified"
    );
    // A wrong sibling; a shrinking registry: proven with the circuit's own instances.
    let spoils: [(&str, Spoil); 2] = [
        ("a wrong sibling", |w| w.updates[0].sha_siblings[2][9] ^= 4),
        ("l_new < l_old", |w| w.l_new = 39),
    ];
    for (what, spoil) in spoils {
        let mut w = honest.clone();
        spoil(&mut w);
        let (proof, inst) = proof_of(&w);
        assert!(
            verify(&params, pk.get_vk(), &proof, &inst).is_err(),
            "{what}: proof verified"
        );
    }
}

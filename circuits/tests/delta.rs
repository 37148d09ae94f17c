//! The delta leaf against its native twin, and the registry model behind it.
//!
//! - `circuit_equals_twin`: MockProver runs of `delta-1x2` (changes at index 0 and at `L − 1`;
//!   then one change and a no-op padding update, exact pool), and of the two leaves that grow a
//!   registry across `L` with ranges of 4 (`delta-4x1` on the straddling range, `append-4x1`
//!   past it, address pool): the circuit's instances equal the twin's, the circuit is
//!   satisfied, and the second leaf's `S_old` is the first one's `S_new`.
//! - `chains_reach_the_new_registry`: seeded random registries (cold start, changes, growth,
//!   several range sizes and `K`): every leaf's twin accepts, consecutive leaves join
//!   (`S_new = S_old`, same pool), and the last `S_new` is the new registry's `(D, L, A)`;
//!   `A.count` is the number of members.
//! - `omitted_change_breaks_the_final_join`: leaving a changed validator out leaves `D_new`
//!   (and `A_new`) different from the new registry's.
//! - `updates_between_lists_changes_and_ranges`, `leaf_refuses_bad_plans`: the helper and the
//!   registry model's refusals.

#[path = "common/mock.rs"]
mod shared;

use halo2_base::gates::circuit::CircuitBuilderStage;
use halo2_base::halo2_proofs::dev::MockProver;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use stakeproof_beacon::beacon::Validator;
use stakeproof_circuits::delta::native::{instances, transition, updates_between};
use stakeproof_circuits::delta::{
    ChainState, DeltaError, DeltaParams, DeltaPublic, DeltaWitness, Registry, UpdateSpec,
};
use stakeproof_circuits::pool::PoolSpec;
use stakeproof_circuits::util::circuit::{build_circuit, Shape};
use stakeproof_circuits::Fr;

const ADDR: [u8; 20] = [0xaa; 20];

fn address_pool() -> PoolSpec {
    shared::address_pool(ADDR, false)
}

fn exact_pool() -> PoolSpec {
    shared::address_pool(ADDR, true)
}

/// A validator whose credentials are, by turns, the address pool's (0x01, 0x02), another
/// address, or BLS.
fn random_validator(rng: &mut ChaCha20Rng) -> Validator {
    let mut wc = [0u8; 32];
    match rng.gen_range(0..4) {
        0 | 1 => {
            wc[0] = rng.gen_range(1..3);
            wc[12..].copy_from_slice(&ADDR);
        }
        2 => {
            wc[0] = 1;
            rng.fill(&mut wc[12..]);
        }
        _ => rng.fill(&mut wc[1..]),
    }
    let mut pubkey = [0u8; 48];
    rng.fill(&mut pubkey[..]);
    let act: u64 = rng.gen_range(0..1000);
    Validator {
        pubkey,
        withdrawal_credentials: wc,
        effective_balance: 32_000_000_000,
        slashed: rng.gen_bool(0.1),
        activation_eligibility_epoch: act.saturating_sub(5),
        activation_epoch: act,
        exit_epoch: if rng.gen_bool(0.3) {
            act + 300
        } else {
            u64::MAX
        },
        withdrawable_epoch: u64::MAX,
    }
}

fn random_registry(rng: &mut ChaCha20Rng, len: usize) -> Vec<Validator> {
    (0..len).map(|_| random_validator(rng)).collect()
}

/// `old` with `changes` random fields changed and grown to `len`.
fn evolve(rng: &mut ChaCha20Rng, old: &[Validator], changes: usize, len: usize) -> Vec<Validator> {
    let mut v = old.to_vec();
    for _ in 0..changes.min(old.len()) {
        let i = rng.gen_range(0..old.len());
        match rng.gen_range(0..3) {
            0 => v[i].exit_epoch = rng.gen_range(0..2000),
            1 => v[i].slashed ^= true,
            _ => v[i] = random_validator(rng),
        }
    }
    while v.len() < len {
        v.push(random_validator(rng));
    }
    v
}

/// Mock-proves `w` at its smallest `k`; asserts the instances equal the twin's and that the
/// circuit is satisfied. Returns the instances and `k`.
fn mock_equals_twin(w: &DeltaWitness) -> (Vec<Fr>, u32) {
    let p = w.params().unwrap();
    let c = build_circuit(CircuitBuilderStage::Mock, w, Shape::K(p.k as usize)).unwrap();
    let inst = c.instances();
    assert_eq!(inst, instances(w).unwrap(), "{}: circuit vs twin", p.name());
    MockProver::run(c.k(), &c, vec![inst.clone()])
        .unwrap()
        .assert_satisfied();
    (inst, c.k())
}

#[test]
fn circuit_equals_twin() {
    let mut rng = ChaCha20Rng::seed_from_u64(15);
    let old = random_registry(&mut rng, 40);

    // delta-1x2: the first index and the last slot before L.
    let mut new = old.clone();
    new[0].exit_epoch = 77;
    new[39] = random_validator(&mut rng);
    let mut reg = Registry::from_validators(address_pool(), &old).unwrap();
    let params = DeltaParams::new(0, 2, false).unwrap();
    let specs: Vec<UpdateSpec> = [0, 39]
        .map(|position| UpdateSpec {
            log_n: 0,
            position,
            fresh: false,
        })
        .to_vec();
    let w = reg.leaf(&params, &new, 40, &specs).unwrap();
    let (_, k) = mock_equals_twin(&w);
    eprintln!(
        "{}: k = {k}, {} compressions",
        params.name(),
        params.compressions()
    );
    assert_eq!(
        reg.state(),
        Registry::from_validators(address_pool(), &new)
            .unwrap()
            .state()
    );

    // One change and an identity (padding) update, exact pool.
    let mut reg = Registry::from_validators(exact_pool(), &old).unwrap();
    let mut new = old.clone();
    new[17].slashed ^= true;
    new[17].withdrawal_credentials = exact_pool().credentials;
    let one = [UpdateSpec {
        log_n: 0,
        position: 17,
        fresh: false,
    }];
    let w = reg.leaf(&params, &new, 40, &one).unwrap();
    assert_eq!(w.updates.len(), 2);
    assert_eq!(w.updates[1].old, w.updates[1].new, "an identity update");
    mock_equals_twin(&w);
    let members = new
        .iter()
        .filter(|v| exact_pool().matches(&v.withdrawal_credentials));
    assert_eq!(reg.state().a.count, members.count() as u64);

    // Growth across L with ranges of 4: [4, 8) straddles L = 6 (and holds a change at 5),
    // [8, 12) is fresh and partly past the new L = 10.
    let small = random_registry(&mut rng, 6);
    let mut grown = evolve(&mut rng, &small, 0, 10);
    grown[5].exit_epoch = 12;
    let mut reg = Registry::from_validators(address_pool(), &small).unwrap();
    let leaves = reg.leaves_to(&grown, 2, 1).unwrap();
    let names: Vec<String> = leaves.iter().map(|w| w.params().unwrap().name()).collect();
    assert_eq!(names, ["delta-4x1", "append-4x1"]);
    assert_eq!((leaves[0].l_new, leaves[1].l_new), (8, 10));
    let (first, k1) = mock_equals_twin(&leaves[0]);
    let (second, k2) = mock_equals_twin(&leaves[1]);
    eprintln!("delta-4x1: k = {k1}; append-4x1: k = {k2}");
    assert_eq!(
        first[8..13],
        second[3..8],
        "S_new of the first is S_old of the second"
    );
    assert_eq!(first[..3], second[..3], "same pool");
    assert_eq!(
        reg.state(),
        Registry::from_validators(address_pool(), &grown)
            .unwrap()
            .state()
    );
}

/// Checks that `leaves` chain from `start` to `end` under one pool, each accepted by the twin.
fn assert_chain(leaves: &[DeltaWitness], start: ChainState, end: ChainState, pool: PoolSpec) {
    let mut cur = start;
    for w in leaves {
        let p = DeltaPublic::from_instances(&instances(w).unwrap()).unwrap();
        assert_eq!(p.pool, pool);
        assert_eq!(
            p.old,
            cur,
            "{}: S_old is the previous S_new",
            w.params().unwrap().name()
        );
        assert!(p.old.l <= p.new.l);
        cur = p.new;
    }
    assert_eq!(cur, end, "the last S_new is the new registry's state");
}

#[test]
fn chains_reach_the_new_registry() {
    for seed in 0..6u64 {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let pool = if seed % 2 == 0 {
            address_pool()
        } else {
            exact_pool()
        };
        let log_n = (seed % 4) as u32;
        let k = 1 + (seed % 3) as usize;
        // Cold start.
        let first_len = rng.gen_range(1..30);
        let first = random_registry(&mut rng, first_len);
        let mut reg = Registry::cold(pool.clone());
        assert_eq!(reg.state(), ChainState::cold());
        let leaves = reg.leaves_to(&first, log_n, k).unwrap();
        assert!(leaves.iter().all(|w| w.fresh), "a cold start only appends");
        let want = Registry::from_validators(pool.clone(), &first)
            .unwrap()
            .state();
        assert_chain(&leaves, ChainState::cold(), want, pool.clone());
        assert_eq!(reg.state(), want);
        // Changes and growth.
        let len = first.len() + rng.gen_range(0..20);
        let changes = rng.gen_range(0..6);
        let second = evolve(&mut rng, &first, changes, len);
        let leaves = reg.leaves_to(&second, log_n, k).unwrap();
        let end = Registry::from_validators(pool.clone(), &second)
            .unwrap()
            .state();
        assert_chain(&leaves, want, end, pool.clone());
        assert_eq!(reg.state(), end);
        assert_eq!(reg.validators(), second);
        let members = second
            .iter()
            .filter(|v| pool.matches(&v.withdrawal_credentials))
            .count() as u64;
        assert_eq!(end.a.count, members, "A counts the pool's members");
        // No change at all: no leaf, same state.
        assert!(reg.leaves_to(&second, log_n, k).unwrap().is_empty());
    }
}

#[test]
fn omitted_change_breaks_the_final_join() {
    let mut rng = ChaCha20Rng::seed_from_u64(99);
    let old = random_registry(&mut rng, 24);
    let mut new = old.clone();
    new[3].exit_epoch = 5;
    new[11].slashed ^= true;
    let specs = updates_between(&old, &new, 0).unwrap();
    assert_eq!(specs.len(), 2);
    let want = Registry::from_validators(address_pool(), &new)
        .unwrap()
        .state();
    let params = DeltaParams::new(0, 2, false).unwrap();
    // Both changes: the join holds.
    let mut reg = Registry::from_validators(address_pool(), &old).unwrap();
    let w = reg.leaf(&params, &new, 24, &specs).unwrap();
    assert_eq!(transition(&w).unwrap(), want);
    // One left out (the leaf itself is valid, padded with an identity update): D differs.
    let mut reg = Registry::from_validators(address_pool(), &old).unwrap();
    let w = reg.leaf(&params, &new, 24, &specs[1..]).unwrap();
    let got = transition(&w).unwrap();
    assert_ne!(got.d, want.d, "a left-out change shows in D");
    assert_ne!(got.a, want.a);
}

#[test]
fn updates_between_lists_changes_and_ranges() {
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let old = random_registry(&mut rng, 5);
    let mut new = evolve(&mut rng, &old, 0, 13);
    new[1].exit_epoch = 1;
    new[4].exit_epoch = 1; // inside the straddling range [4, 8): not listed on its own
    let u = |log_n, position, fresh| UpdateSpec {
        log_n,
        position,
        fresh,
    };
    assert_eq!(
        updates_between(&old, &new, 2).unwrap(),
        [u(0, 1, false), u(2, 1, false), u(2, 2, true), u(2, 3, true)]
    );
    assert_eq!(
        updates_between(&old, &new, 0).unwrap(),
        [0u64, 1, 2, 3, 4, 5, 6, 7, 8, 9]
            .map(|i| if i < 2 {
                u(0, [1, 4][i as usize], false)
            } else {
                u(0, i + 3, true)
            })
            .to_vec()
    );
    assert_eq!(
        updates_between(&new, &old, 2),
        Err(DeltaError::Shrinks { old: 13, new: 5 })
    );
    assert!(updates_between(&old, &old, 3).unwrap().is_empty());
}

#[test]
fn leaf_refuses_bad_plans() {
    let mut rng = ChaCha20Rng::seed_from_u64(4);
    let old = random_registry(&mut rng, 6);
    let new = evolve(&mut rng, &old, 0, 12);
    let mut reg = Registry::from_validators(address_pool(), &old).unwrap();
    let before = reg.state();
    let append = DeltaParams::new(2, 2, true).unwrap();
    let delta = DeltaParams::new(2, 2, false).unwrap();
    let u = |position, fresh| UpdateSpec {
        log_n: 2,
        position,
        fresh,
    };
    // An append below L, a slot of [L, L_new) left empty or written twice, a shrink.
    assert_eq!(
        reg.leaf(&append, &new, 8, &[u(1, true)]),
        Err(DeltaError::NotFresh {
            position: 1,
            len: 6
        })
    );
    assert_eq!(
        reg.leaf(&delta, &new, 12, &[u(1, false)]),
        Err(DeltaError::Unfilled { index: 8 })
    );
    assert_eq!(
        reg.leaf(&delta, &new, 8, &[u(1, false), u(1, false)]),
        Err(DeltaError::Rewritten { index: 6 })
    );
    assert_eq!(
        reg.leaf(&delta, &new, 5, &[u(1, false)]),
        Err(DeltaError::Shrinks { old: 6, new: 5 })
    );
    assert!(matches!(
        reg.leaf(&delta, &new, 8, &[u(1, false); 3]),
        Err(DeltaError::TooManyUpdates { k: 2, found: 3 })
    ));
    assert_eq!(reg.state(), before, "a refused leaf changes nothing");
    assert_eq!(
        DeltaParams::new(24, 1, false),
        Err(DeltaError::RangeTooLarge { log_n: 24 })
    );
    // The twin refuses a witness whose old value is stale.
    let w = reg.leaf(&delta, &new, 8, &[u(1, false)]).unwrap();
    let mut twice = w.clone();
    twice.updates[1] = twice.updates[0].clone();
    assert_eq!(transition(&twice), Err(DeltaError::StaleOld { update: 1 }));
}

#[test]
fn sizes() {
    let one = DeltaParams::new(0, 32, false).unwrap();
    assert_eq!(one.compressions(), 32 * 128);
    let big = DeltaParams::new(8, 1, false).unwrap();
    assert_eq!(big.compressions(), 2 * (2 * (9 * 256 - 1) + 2 * 16));
    let fresh = DeltaParams::new(8, 1, true).unwrap();
    assert_eq!(fresh.compressions(), 2 * ((9 * 256 - 1) + 2 * 16));
    assert_eq!(
        (one.name(), big.name(), fresh.name()),
        (
            "delta-1x32".into(),
            "delta-256x1".into(),
            "append-256x1".into()
        )
    );
    eprintln!(
        "delta-1x32: k {} ({} compressions); delta-256x1: k {} ({}); append-256x1: k {} ({})",
        one.k,
        one.compressions(),
        big.k,
        big.compressions(),
        fresh.k,
        fresh.compressions()
    );
}

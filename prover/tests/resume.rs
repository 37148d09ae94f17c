//! The leaf stage resumes and reuses: a second run proves nothing; a later state re-proves
//! only the registry range whose containers changed (and every balance range); a corrupt
//! artifact is detected and proven again.

use stakeproof_beacon::beacon::{BeaconState, Fork};
use stakeproof_beacon::devnet::{self, DevnetSpec};
use stakeproof_beacon::report::{pool_report, Pool};
use stakeproof_prover::leaves::{prove, LeafConfig, WorkDir};
use stakeproof_prover::options::ProveOptions;
use stakeproof_prover::srs::Srs;

/// The registry of `spec`, edited, in a state at `slot`.
fn state(
    spec: &DevnetSpec,
    slot: u64,
    edit: impl Fn(&mut Vec<stakeproof_beacon::beacon::Validator>, &mut Vec<u64>),
) -> BeaconState {
    let (mut vals, mut bals) = devnet::validators(spec);
    edit(&mut vals, &mut bals);
    let at = DevnetSpec {
        slot,
        ..spec.clone()
    };
    BeaconState::decode(
        devnet::state_ssz(&at, &vals, &bals),
        Fork::Electra,
        &spec.preset,
    )
    .unwrap()
}

#[test]
fn leaves_resume_reuse_and_recover() {
    let spec = DevnetSpec {
        // One balance range of 16 over four registry ranges: every case below with the fewest
        // proofs (this test's time went into 22 of them at 20 validators).
        validators: 16,
        ..Default::default()
    };
    let pool = Pool::Address(devnet::DEFAULT_POOL);
    let dir = tempfile::tempdir().unwrap();
    let work = WorkDir {
        root: dir.path().to_path_buf(),
    };
    let srs = Srs::unsafe_local(14, 42, Some(&work.srs())).unwrap();
    assert!(srs.unsafe_local);
    let opts = ProveOptions::new(LeafConfig::small());

    let s1 = state(&spec, spec.slot, |_, _| {});
    let first = prove(&s1, &pool, &srs, &work, &opts).unwrap().report;
    assert_eq!(
        first.registry.len(),
        4,
        "every registry range under the balance range"
    );
    assert_eq!(first.balance.len(), 1);
    assert!(first
        .registry
        .iter()
        .chain(&first.balance)
        .all(|o| !o.reused));
    assert_eq!(first.totals, pool_report(&s1, &pool).unwrap().totals);

    // Killed and restarted, or simply run again: nothing is proven twice.
    let again = prove(&s1, &pool, &srs, &work, &opts).unwrap().report;
    assert!(again
        .registry
        .iter()
        .chain(&again.balance)
        .all(|o| o.reused));

    // A later epoch: validator 9's container changed (it exited), every balance moved.
    let s2 = state(&spec, spec.slot + 32 * 10, |vals, bals| {
        vals[9].exit_epoch = 10_005;
        vals[9].withdrawable_epoch = 10_261;
        for b in bals.iter_mut() {
            *b += 1_000;
        }
    });
    let next = prove(&s2, &pool, &srs, &work, &opts).unwrap().report;
    let reproven: Vec<u64> = next
        .registry
        .iter()
        .filter(|o| !o.reused)
        .map(|o| o.start)
        .collect();
    assert_eq!(
        reproven,
        vec![8],
        "only the range holding validator 9 is re-proven"
    );
    assert!(
        next.balance.iter().all(|o| !o.reused),
        "balances changed everywhere"
    );
    assert_eq!(next.totals, pool_report(&s2, &pool).unwrap().totals);

    // A corrupt artifact is never trusted: it is detected, removed and proven again.
    let victim = work
        .proofs()
        .dir
        .join(format!("{}.json", next.registry[0].key));
    let mut bytes = std::fs::read(&victim).unwrap();
    let at = bytes.len() / 2;
    bytes[at] = if bytes[at] == b'0' { b'1' } else { b'0' };
    std::fs::write(&victim, bytes).unwrap();
    let healed = prove(&s2, &pool, &srs, &work, &opts).unwrap().report;
    assert!(!healed.registry[0].reused);
    assert!(healed.registry[0].discarded.is_some());
    assert!(healed.registry[1..].iter().all(|o| o.reused));

    // Keys were cached: a fresh run reads them back.
    let cached = stakeproof_prover::keys::KeyStore {
        dir: work.root.join("keys"),
    };
    let k = cached
        .get(
            &srs,
            &stakeproof_circuits::registry::RegistryWitness::from_state(&s2, &pool, 0, 4).unwrap(),
            13,
        )
        .unwrap();
    assert!(k.cached);
}

#[test]
fn a_smaller_size_of_the_unsafe_setup_is_the_prefix_of_the_larger() {
    use stakeproof_circuits::halo2_proofs::poly::commitment::Params;
    let big = Srs::unsafe_local(10, 5, None).unwrap();
    let small = big.for_circuit("test", 7).unwrap();
    let direct = Srs::unsafe_local(7, 5, None)
        .unwrap()
        .for_circuit("test", 7)
        .unwrap();
    let (mut a, mut b) = (Vec::new(), Vec::new());
    small.write(&mut a).unwrap();
    direct.write(&mut b).unwrap();
    assert_eq!(a, b);
    // And the halo2 way of cutting it down agrees.
    let mut cut = big.for_circuit("test", 10).unwrap();
    cut.downsize(7);
    let mut c = Vec::new();
    cut.write(&mut c).unwrap();
    assert_eq!(a, c);
    assert_eq!(big.id, "unsafe-seed5");
}

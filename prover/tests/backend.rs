//! The prover's commitment MSMs really run through the selected `stakeproof-gpu` backend: on
//! the CPU backend (what CI has), every leaf proof of a small state is made through it, the
//! operations are counted, and the proofs verify (they are re-verified when the second run
//! reuses them).

use stakeproof_beacon::devnet::{self, DevnetSpec};
use stakeproof_beacon::report::{pool_report, Pool};
use stakeproof_gpu::{select_backend, BackendChoice, BackendKind};
use stakeproof_prover::backend::ProvingBackend;
use stakeproof_prover::leaves::{prove, LeafConfig, WorkDir};
use stakeproof_prover::options::ProveOptions;
use stakeproof_prover::srs::Srs;

#[test]
fn leaf_proofs_through_the_backend_are_counted_and_verify() {
    let st = devnet::build(&DevnetSpec {
        validators: 8,
        ..Default::default()
    })
    .unwrap();
    let pool = Pool::Address(devnet::DEFAULT_POOL);
    let dir = tempfile::tempdir().unwrap();
    let work = WorkDir {
        root: dir.path().to_path_buf(),
    };
    let cfg = LeafConfig::small();
    let srs = Srs::unsafe_local(cfg.registry_k.max(cfg.balance_k), 9, None).unwrap();

    let selected = select_backend(BackendChoice::Cpu).unwrap();
    assert_eq!(selected.report.kind, BackendKind::Cpu);
    let opts = ProveOptions {
        backend: ProvingBackend::routed(selected),
        ..ProveOptions::new(cfg)
    };
    let first = prove(&st, &pool, &srs, &work, &opts).unwrap().report;
    let proofs = first.registry.len() + first.balance.len();
    assert_eq!(
        proofs, 5,
        "four registry ranges of 4 (the last two beyond L), one balance range of 16"
    );
    assert_eq!(first.totals, pool_report(&st, &pool).unwrap().totals);
    let (report, counts) = opts.backend.report().expect("a backend is set");
    assert_eq!(report.kind, BackendKind::Cpu);
    // Every commitment of every proof is an MSM through the backend: at least one per advice
    // column (~120 per leaf), none redone on the CPU behind its back.
    assert!(
        counts.msm_calls >= 100 * proofs as u64,
        "{} MSMs for {proofs} proofs",
        counts.msm_calls
    );
    assert!(counts.msm_points >= counts.msm_calls * (1 << 12));
    assert_eq!(counts.cpu_fallbacks, 0);

    // The stored proofs verify with the ordinary verifier: a second run reuses all of them,
    // and routes nothing more.
    let again = prove(&st, &pool, &srs, &work, &opts).unwrap().report;
    assert!(again
        .registry
        .iter()
        .chain(&again.balance)
        .all(|o| o.reused));
    assert_eq!(opts.backend.report().unwrap().1, counts);
    // The backend is the run's, not the process's: halo2's own prover counts nothing.
    assert!(ProvingBackend::halo2().report().is_none());
    assert!(ProveOptions::new(cfg).backend.report().is_none());
}

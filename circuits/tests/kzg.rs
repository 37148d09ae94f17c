//! KZG setup and pinnings of the leaf circuits: a witness of another shape is refused under a
//! pinning, and the fast unsafe setup equals halo2's. Real KZG proofs of each leaf kind, and
//! their tampered public inputs and proof bytes: `tamper_kzg.rs`.

use halo2_base::gates::circuit::CircuitBuilderStage;
use stakeproof_beacon::devnet::{self, DevnetSpec};
use stakeproof_beacon::report::Pool;
use stakeproof_circuits::registry::RegistryWitness;
use stakeproof_circuits::util::circuit::{build_circuit, CircuitError, Shape};
use stakeproof_circuits::util::proving::{keygen, unsafe_setup};

#[test]
fn a_witness_of_another_shape_is_refused_under_a_pinning() {
    let st = devnet::build(&DevnetSpec {
        validators: 24,
        ..Default::default()
    })
    .unwrap();
    let pool = Pool::Address(devnet::DEFAULT_POOL);
    let w4 = RegistryWitness::from_state(&st, &pool, 0, 4).unwrap();
    let w8 = RegistryWitness::from_state(&st, &pool, 0, 8).unwrap();
    let kc = build_circuit(CircuitBuilderStage::Keygen, &w4, Shape::K(13)).unwrap();
    keygen(&unsafe_setup(13, 1), &kc).unwrap(); // fixes the break points
    let pinning = kc.pinning();
    match build_circuit(CircuitBuilderStage::Prover, &w8, Shape::Pinned(&pinning)) {
        Err(CircuitError::ShapeMismatch {
            expected, found, ..
        }) => assert!(found > expected),
        Err(e) => panic!("unexpected error {e}"),
        Ok(_) => panic!("a registry-8 witness was accepted under a registry-4 pinning"),
    }
    // And a k too small for the SHA region is a clear error.
    assert!(matches!(
        build_circuit(CircuitBuilderStage::Mock, &w8, Shape::K(12)),
        Err(CircuitError::TooSmall { .. })
    ));
}

#[test]
fn the_fast_unsafe_setup_equals_halo2s() {
    use halo2_base::halo2_proofs::halo2curves::bn256::Bn256;
    use halo2_base::halo2_proofs::poly::commitment::{Params, ParamsProver};
    use halo2_base::halo2_proofs::poly::kzg::commitment::ParamsKZG;
    use rand::SeedableRng;
    for k in [1u32, 5, 9] {
        let ours = unsafe_setup(k, 3);
        let theirs = ParamsKZG::<Bn256>::setup(k, rand_chacha::ChaCha20Rng::seed_from_u64(3));
        let (mut a, mut b) = (Vec::new(), Vec::new());
        ours.write(&mut a).unwrap();
        theirs.write(&mut b).unwrap();
        assert_eq!(a, b, "k = {k}");
        assert_eq!(ours.get_g(), theirs.get_g());
    }
}

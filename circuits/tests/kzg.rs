//! Real KZG proofs of each leaf kind: keygen once, prove a different witness under the pinning,
//! verify; a tampered public input fails verification.

use halo2_base::gates::circuit::CircuitBuilderStage;
use stakeproof_beacon::devnet::{self, DevnetSpec};
use stakeproof_beacon::report::Pool;
use stakeproof_circuits::balance::native::balance_public;
use stakeproof_circuits::balance::BalanceWitness;
use stakeproof_circuits::registry::native::registry_public;
use stakeproof_circuits::registry::RegistryWitness;
use stakeproof_circuits::util::circuit::{
    build_circuit, CircuitError, CircuitLogic, Pinning, Shape,
};
use stakeproof_circuits::util::proving::{keygen, prove, unsafe_setup, verify};
use stakeproof_circuits::Fr;

fn prove_and_verify<W: CircuitLogic>(k: usize, keygen_witness: &W, witness: &W, native: Vec<Fr>) {
    let params = unsafe_setup(k as u32, 7);
    let kc = build_circuit(CircuitBuilderStage::Keygen, keygen_witness, Shape::K(k)).unwrap();
    let pk = keygen(&params, &kc).unwrap();
    // The prover runs under the committed pinning file, which must be what keygen computes
    // (regenerate with STAKEPROOF_UPDATE_PINNINGS=1 after a circuit change).
    let computed = kc.pinning();
    let path = Pinning::committed_path(&computed.circuit);
    if std::env::var_os("STAKEPROOF_UPDATE_PINNINGS").is_some() {
        computed.save(&path).unwrap();
    }
    let pinning = Pinning::load(&path).unwrap();
    assert!(
        pinning.same_shape(&computed),
        "{} is stale: rerun with STAKEPROOF_UPDATE_PINNINGS=1",
        path.display()
    );

    let pc = build_circuit(
        CircuitBuilderStage::Prover,
        witness,
        Shape::Pinned(&pinning),
    )
    .unwrap();
    let instances = pc.instances();
    assert_eq!(instances, native, "prover instances equal the native twin");
    let proof = prove(&params, &pk, pc, &instances).unwrap();
    verify(&params, pk.get_vk(), &proof, &instances).expect("honest proof verifies");
    for i in [0, instances.len() / 2, instances.len() - 1] {
        let mut bad = instances.clone();
        bad[i] += Fr::one();
        assert!(
            verify(&params, pk.get_vk(), &proof, &bad).is_err(),
            "instance {i} tampered, proof still verifies"
        );
    }
    let mut bad_proof = proof.clone();
    bad_proof[40] ^= 1;
    assert!(verify(&params, pk.get_vk(), &bad_proof, &instances).is_err());
}

#[test]
fn registry_kzg_proof() {
    let st = devnet::build(&DevnetSpec {
        validators: 24,
        ..Default::default()
    })
    .unwrap();
    let pool = Pool::Address(devnet::DEFAULT_POOL);
    let keygen_w = RegistryWitness::from_state(&st, &pool, 0, 4).unwrap();
    let w = RegistryWitness::from_state(&st, &pool, 20, 4).unwrap();
    prove_and_verify(13, &keygen_w, &w, registry_public(&w).to_instances());
}

#[test]
fn balance_kzg_proof() {
    let st = devnet::build(&DevnetSpec {
        validators: 24,
        ..Default::default()
    })
    .unwrap();
    let pool = Pool::Address(devnet::DEFAULT_POOL);
    let tree = st.tree().unwrap();
    let keygen_w = BalanceWitness::from_state(&st, &tree, &pool, 0, 16, 4).unwrap();
    // The last, partial range: balances beyond L are zero.
    let w = BalanceWitness::from_state(&st, &tree, &pool, 16, 16, 4).unwrap();
    prove_and_verify(14, &keygen_w, &w, balance_public(&w).to_instances());
}

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

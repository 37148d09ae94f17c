//! Real KZG proofs of each leaf kind (registry, balance, pending deposits): keygen once, prove a different witness under the committed
//! pinning, verify; then each row of [`TAMPERS`] (a public input or a proof byte changed) must
//! fail verification. The proof is made once per leaf kind and shared by its rows.
//!
//! `rejected_by` names the check of `verify_proof` (SHPLONK, Poseidon transcript) that fails, as
//! observed: a changed instance changes the transcript's challenges, so the final KZG
//! multi-opening pairing check fails; byte 40 of the proof no longer encodes a curve point, so
//! reading the proof fails first.

use halo2_base::gates::circuit::CircuitBuilderStage;
use stakeproof_beacon::devnet::{self, DevnetSpec};
use stakeproof_beacon::report::Pool;
use stakeproof_circuits::balance::native::balance_public;
use stakeproof_circuits::balance::BalanceWitness;
use stakeproof_circuits::pending::{pending_public, PendingWitness};
use stakeproof_circuits::registry::native::registry_public;
use stakeproof_circuits::registry::RegistryWitness;
use stakeproof_circuits::util::circuit::{build_circuit, CircuitLogic, Pinning, Shape};
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
        "{} is stale: rerun with STAKEPROOF_UPDATE_PINNINGS=1 (--test tamper_kzg)",
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
    for t in TAMPERS {
        let (mut bad, mut bad_proof) = (instances.clone(), proof.clone());
        (t.spoil)(&mut bad, &mut bad_proof);
        assert!(
            verify(&params, pk.get_vk(), &bad_proof, &bad).is_err(),
            "{} tampered, proof still verifies (must be rejected by {})",
            t.what,
            t.rejected_by
        );
    }
}

/// A change to an honest proof's public inputs or bytes, and the check that rejects it.
struct Tamper {
    what: &'static str,
    rejected_by: &'static str,
    spoil: fn(&mut [Fr], &mut [u8]),
}

/// `verify_proof`'s final check: `Error::ConstraintSystemFailure`.
const PAIRING: &str = "verifier: KZG multi-opening pairing";

const TAMPERS: &[Tamper] = &[
    Tamper {
        what: "instance 0 (start)",
        rejected_by: PAIRING,
        spoil: |inst, _| inst[0] += Fr::one(),
    },
    Tamper {
        what: "instance n/2",
        rejected_by: PAIRING,
        spoil: |inst, _| {
            let i = inst.len() / 2;
            inst[i] += Fr::one();
        },
    },
    Tamper {
        what: "instance n-1",
        rejected_by: PAIRING,
        spoil: |inst, _| {
            let i = inst.len() - 1;
            inst[i] += Fr::one();
        },
    },
    Tamper {
        what: "proof byte 40",
        rejected_by: "verifier: proof read, not a curve point (Error::Transcript)",
        spoil: |_, proof| proof[40] ^= 1,
    },
];

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
fn pending_kzg_proof() {
    let spec = DevnetSpec {
        validators: 8,
        pending_deposits: 9,
        ..Default::default()
    };
    let st = devnet::build(&spec).unwrap();
    let pool = Pool::Address(spec.pool);
    let tree = st.tree().unwrap();
    let queue = st.pending_deposits_tree().unwrap();
    let at = |start| PendingWitness::from_state(&st, &tree, &queue, &pool, start, 4).unwrap();
    // Keys from the last, partial range; the proof of the first, which holds pool entries.
    let (keygen_w, w) = (at(8), at(0));
    let native = pending_public(&w);
    assert!(native.count >= 1, "the proven range counts pool entries");
    prove_and_verify(14, &keygen_w, &w, native.to_instances());
}

//! From a state file to a verified final proof: two leaf proofs (one registry range, one
//! balance range) wrapped and aggregated into the final proof bound to the block root, with
//! real KZG on an unsafe local setup. The final statement equals the native report; the
//! artifact verifies natively from disk, and tampered copies do not; a second run reuses
//! every proof.
//!
//! Expensive (three aggregation proofs at k = 20: ~15 min and ~15 GiB on 2 cores). Set
//! `STAKEPROOF_E2E_WORK=DIR` to keep keys and the setup between runs.

use stakeproof_pipeline::final_artifact::FinalArtifact;
use stakeproof_pipeline::leaves::{LeafConfig, Silent, WorkDir};
use stakeproof_pipeline::srs::Srs;
use stakeproof_pipeline::tree::{prove_report, DEFAULT_NODE_K};
use stakeproof_prover::devnet::{self, DevnetSpec};
use stakeproof_prover::report::{pool_report, Pool};

#[test]
fn two_leaves_aggregate_into_a_final_proof_of_the_native_report() {
    let keep = std::env::var_os("STAKEPROOF_E2E_WORK").map(std::path::PathBuf::from);
    let tmp = tempfile::tempdir().unwrap();
    let work = WorkDir {
        root: keep.unwrap_or_else(|| tmp.path().to_path_buf()),
    };
    // L = 6 < n_r = n_b = 8: one partial registry range and one partial balance range.
    let st = devnet::build(&DevnetSpec {
        validators: 6,
        pool_permille: 600,
        seed: 4,
        ..Default::default()
    })
    .unwrap();
    let pool = Pool::Address(devnet::DEFAULT_POOL);
    let cfg = LeafConfig::for_sizes(8, 8).unwrap();
    let srs = Srs::unsafe_local(DEFAULT_NODE_K, 1, Some(&work.srs())).unwrap();

    let out = prove_report(&st, &pool, &cfg, DEFAULT_NODE_K, &srs, &work, &Silent).unwrap();
    for n in &out.nodes {
        eprintln!("{} {:.1}s reused={}", n.circuit, n.seconds, n.reused);
    }
    assert_eq!(out.leaves.registry.len(), 1);
    assert_eq!(out.leaves.balance.len(), 1);
    assert_eq!(out.nodes.len(), 3, "two wraps and the final node");

    // The statement is the native report of the state, at its block root.
    let native = pool_report(&st, &pool).unwrap();
    let tree = st.tree().unwrap();
    let s = &out.artifact.statement;
    assert_eq!(
        s.block_root,
        format!("0x{}", hex::encode(tree.block_root()))
    );
    assert_eq!(s.slot, st.slot());
    assert_eq!(s.registry_length, 6);
    assert_eq!(s.validator_count, native.totals.validator_count);
    assert_eq!(s.total_balance_gwei, native.totals.total_balance_gwei);
    assert_eq!(s.active_count, native.totals.active_count);
    assert_eq!(s.exited_count, native.totals.exited_count);
    assert_eq!(s.slashed_count, native.totals.slashed_count);
    assert!(!s.pool_exact);
    assert!(native.totals.validator_count > 0);

    // The file on disk verifies natively; tampered copies do not.
    let art = FinalArtifact::read(&out.path).unwrap();
    art.verify(&srs, None).expect("the final proof verifies");
    art.verify(&srs, Some(&art.circuit.vk_digest)).unwrap();
    let mut bad = art.clone();
    bad.statement.total_balance_gwei += 1;
    assert!(bad.verify(&srs, None).is_err(), "a changed statement");
    let mut bad = art.clone();
    bad.statement.total_balance_gwei += 1;
    let inst = bad.statement.to_instances().unwrap();
    bad.instances[20] = stakeproof_pipeline::final_artifact::fr_word(&inst[8]);
    let e = bad.verify(&srs, None).unwrap_err();
    assert!(e.contains("does not verify"), "{e}");
    let mut bad = art.clone();
    let mut other = tree.block_root();
    other[31] ^= 1;
    bad.statement.block_root = format!("0x{}", hex::encode(other));
    let inst = bad.statement.to_instances().unwrap();
    bad.instances[13] = stakeproof_pipeline::final_artifact::fr_word(&inst[1]);
    assert!(bad.verify(&srs, None).is_err(), "another block root");
    let mut bad = art.clone();
    let mut p = bad.proof_bytes().unwrap();
    p[100] ^= 1;
    bad.proof = format!("0x{}", hex::encode(p));
    assert!(bad.verify(&srs, None).is_err(), "a flipped proof byte");
    let mut bad = art.clone();
    bad.instances[0] = stakeproof_pipeline::final_artifact::fr_word(
        &(stakeproof_pipeline::final_artifact::word_fr(&bad.instances[0]).unwrap()
            + stakeproof_circuits::Fr::one()),
    );
    assert!(
        bad.verify(&srs, None).is_err(),
        "a changed accumulator limb"
    );

    // Run again: every proof is found in the work directory and re-verified, none redone.
    let again = prove_report(&st, &pool, &cfg, DEFAULT_NODE_K, &srs, &work, &Silent).unwrap();
    assert!(again.nodes.iter().all(|n| n.reused));
    assert_eq!(again.artifact.statement, art.statement);
}

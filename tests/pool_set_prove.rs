//! A credential-set pool proven end to end, for real (ignored: about 25 min and 20 GB on
//! 2 cores, every key made in the run): the state of `end_to_end.rs`, its pool given as a set of
//! two addresses (its own and one no validator has). Two leaf proofs (the registry leaf proves
//! each validator in or out of the set), two wraps, the final proof; its statement is the native
//! report with public mode 2 and the set's root (what `stakeproof pool-root` prints); it
//! verifies natively and, in revm, through the oracle once the pool admin has scheduled the
//! root, and not for an oracle of the single address.
//!
//! `cargo test --test pool_set_prove -- --ignored --nocapture`
//! (`STAKEPROOF_SET_WORK=DIR` keeps setup, keys and proofs between runs).

mod common;

use stakeproof::beacon::devnet::{self, DevnetSpec};
use stakeproof::beacon::pool_set::{address_key, CredentialKeys};
use stakeproof::beacon::report::{pool_report, Pool};
use stakeproof_circuits::pool_set::CredentialSet;
use stakeproof_contracts::{verifier, B256, U256};
use stakeproof_prover::final_artifact::{word_fr, FinalArtifact};
use stakeproof_prover::leaves::{LeafConfig, Silent, WorkDir};
use stakeproof_prover::srs::Srs;
use stakeproof_prover::tree::{prove, ProveOptions, TreeOptions, DEFAULT_FINAL_K};
use std::sync::Arc;

#[test]
#[ignore = "about 25 min and 20 GB: a whole proof tree of a set pool, keys made in the run"]
fn a_set_pool_is_proven_to_the_oracle() {
    let keep = std::env::var_os("STAKEPROOF_SET_WORK").map(std::path::PathBuf::from);
    let tmp = tempfile::tempdir().unwrap();
    let work = WorkDir {
        root: keep.unwrap_or_else(|| tmp.path().to_path_buf()),
    };
    std::fs::create_dir_all(&work.root).unwrap();
    let spec = DevnetSpec {
        validators: 6,
        pool_permille: 600,
        seed: 4,
        ..Default::default()
    };
    let st = devnet::build(&spec).unwrap();
    let keys = CredentialKeys::new(
        vec![address_key(&spec.pool), address_key(&[0x99; 20])],
        Some(4),
    )
    .unwrap();
    let set_root = CredentialSet::cached(&keys).root_bytes();
    let pool = Pool::Set(Arc::new(keys));
    let cfg = LeafConfig::for_sizes(8, 8).unwrap();
    let srs = Srs::unsafe_local(DEFAULT_FINAL_K, 1, Some(&work.srs())).unwrap();
    let opts = ProveOptions {
        tree: TreeOptions {
            keep_proving_keys: false,
            ..TreeOptions::default()
        },
        progress: &Silent,
        ..ProveOptions::new(cfg)
    };
    let t = std::time::Instant::now();
    let out = prove(&st, &pool, &srs, &work, &opts).unwrap();
    for n in &out.nodes {
        eprintln!("{} {:.1}s reused={}", n.circuit, n.seconds, n.reused);
    }
    eprintln!("proven in {:.0} s", t.elapsed().as_secs_f64());
    assert!(
        out.leaves.registry[0].circuit.ends_with("-set4"),
        "{}",
        out.leaves.registry[0].circuit
    );

    // The statement: the native report, mode 2, the set's root.
    let native = pool_report(&st, &pool).unwrap();
    let s = &out.artifact.statement;
    assert!(s.pool_set && !s.pool_exact);
    assert_eq!(s.pool_credentials, format!("0x{}", hex::encode(set_root)));
    assert_eq!(s.validator_count, native.totals.validator_count);
    assert_eq!(s.total_balance_gwei, native.totals.total_balance_gwei);
    assert_eq!(s.active_count, native.totals.active_count);
    assert_eq!(s.exited_count, native.totals.exited_count);
    assert_eq!(s.slashed_count, native.totals.slashed_count);
    assert!(native.totals.validator_count > 0);
    let art = FinalArtifact::read(&out.path).unwrap();
    art.verify(&srs, None).expect("the final proof verifies");

    // On-chain: accepted once the root is scheduled (common::deploy_final_verifier does).
    let (mut d, _) = common::deploy_final_verifier(&art, &srs, 500);
    assert_eq!(d.pool_for(s.slot).unwrap(), (2, B256::from(set_root)));
    let (ts, report, acc) = common::publish_final_report(&mut d, &art);
    let root: [u8; 32] = hex::decode(&s.block_root[2..]).unwrap().try_into().unwrap();
    let proof = art.proof_bytes().unwrap();
    assert_eq!(
        verifier::fr_to_u256(&word_fr(&art.instances[15]).unwrap()),
        U256::from(2)
    );
    // An oracle whose pool is the single address (mode 0) rejects the set's proof.
    let (mut single, _) = {
        let mut a = art.clone();
        a.statement.pool_set = false;
        a.statement.pool_credentials = format!("0x01{}{}", "00".repeat(11), hex::encode(spec.pool));
        common::deploy_final_verifier(&a, &srs, 500)
    };
    single.chain.set_block(1000, ts + 12);
    single.write_beacon_root(ts, B256::from(root)).unwrap();
    let e = single.submit(&report, ts, &acc, &proof).unwrap_err();
    assert_eq!(e.revert_name(), Some("ProofRejected"));
    let receipt = d
        .submit(&report, ts, &acc, &proof)
        .expect("the oracle accepts the set pool's report");
    assert_eq!(d.latest_report().unwrap(), report);
    eprintln!("submitReport gas (set pool): {}", receipt.gas_used);
}

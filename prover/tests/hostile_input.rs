//! Hostile and careless input to the prover: leaf sizes, states and presets the circuits cannot
//! prove, artifacts whose circuit parameters would configure or allocate anything unbounded,
//! and corrupted caches. Each answers with a clear error (or a regenerated cache), never a
//! panic or an abort. Fast: no keygen or proof above k = 13.

use stakeproof_beacon::beacon::{BeaconState, Fork};
use stakeproof_beacon::devnet::{self, DevnetSpec};
use stakeproof_beacon::report::Pool;
use stakeproof_circuits::aggregation::layout::{FinalStatement, ACC_LIMBS, FINAL_LEN};
use stakeproof_circuits::halo2_proofs::SerdeFormat;
use stakeproof_circuits::util::circuit::ShaCircuit;
use stakeproof_circuits::Fr;
use stakeproof_prover::final_artifact::{FinalArtifact, FinalCircuit, SetupInfo};
use stakeproof_prover::keys::{pk_digest_path, read_pk, KeyStore};
use stakeproof_prover::leaves::{check_provable, LeafConfig};
use stakeproof_prover::srs::Srs;
use stakeproof_prover::tree::native_tree;
use stakeproof_prover::PipelineError;

fn size_error(n_r: usize, n_b: usize) -> String {
    match LeafConfig::for_sizes(n_r, n_b) {
        Err(e @ PipelineError::BadSize(_)) => e.to_string(),
        other => panic!("({n_r}, {n_b}): expected a size error, got {other:?}"),
    }
}

#[test]
fn a_size_that_is_not_a_power_of_two_is_named_as_such() {
    let e = size_error(4, 20);
    assert!(
        e.contains("balance range size 20 is not a power of two"),
        "{e}"
    );
    let e = size_error(3, 16);
    assert!(
        e.contains("registry range size 3 is not a power of two"),
        "{e}"
    );
    assert!(size_error(0, 16).contains("registry range size 0 is not a power of two"));
    assert!(size_error(4, 2).contains("below the smallest, 4"));
    assert!(size_error(32, 16).contains("multiple of the registry size 32"));
}

#[test]
fn huge_sizes_are_refused_before_anything_is_allocated() {
    // `tree --registry-size 2^30 --balance-size 2^30` aborted on 128 GiB, 2^62 overflowed a
    // capacity, `--balance-size 2^40` allocated until it died.
    for (n_r, n_b) in [
        (1 << 30, 1 << 30),
        (1 << 62, 1 << 62),
        (4, 1 << 40),
        (1 << 63, 1 << 63),
        (16_384, 16_384),
        (4, 1 << 18),
    ] {
        let e = size_error(n_r, n_b);
        assert!(e.contains("largest leaf circuit"), "({n_r}, {n_b}): {e}");
    }
    // The largest of each kind still fits (k = 24).
    let c = LeafConfig::for_sizes(8192, 8192).unwrap();
    assert!(c.registry_k <= stakeproof_prover::options::MAX_LEAF_K);
    let c = LeafConfig::for_sizes(4, 1 << 17).unwrap();
    assert!(c.balance_k <= stakeproof_prover::options::MAX_LEAF_K);
}

fn state_with(spec: &DevnetSpec, drop_balances: usize) -> BeaconState {
    let (vals, bals) = devnet::validators(spec);
    let bals = &bals[..bals.len() - drop_balances];
    BeaconState::decode(
        devnet::state_ssz(spec, &vals, bals),
        Fork::Electra,
        &spec.preset,
    )
    .unwrap()
}

fn spec(validators: usize) -> DevnetSpec {
    DevnetSpec {
        validators,
        pool_permille: 400,
        ..Default::default()
    }
}

#[test]
fn a_config_built_by_hand_is_checked_before_planning() {
    let st = state_with(&spec(16), 0);
    let pool = Pool::Address(devnet::DEFAULT_POOL);
    let mut cfg = LeafConfig::small();
    cfg.balance_size = 1 << 40;
    assert!(matches!(
        native_tree(&st, &pool, &cfg),
        Err(PipelineError::BadSize(_))
    ));
    let mut cfg = LeafConfig::small();
    cfg.registry_k = 40;
    let e = native_tree(&st, &pool, &cfg).expect_err("refused");
    assert!(e.to_string().contains("k = 40"), "{e}");
}

fn unprovable(st: &BeaconState) -> String {
    let pool = Pool::Address(devnet::DEFAULT_POOL);
    let e = check_provable(st).expect_err("refused");
    assert!(
        matches!(e, PipelineError::Preset(_) | PipelineError::State(_)),
        "{e:?}"
    );
    // The tree's twin and the prover (through the leaf witnesses) refuse it the same way.
    let t = native_tree(st, &pool, &LeafConfig::small()).expect_err("refused");
    assert_eq!(t.to_string(), e.to_string());
    e.to_string()
}

#[test]
fn a_registry_limit_other_than_2_pow_40_is_refused_not_a_branch_length_panic() {
    let mut s = spec(16);
    s.preset.validator_registry_limit = 1 << 20;
    let e = unprovable(&state_with(&s, 0));
    assert!(e.contains("VALIDATOR_REGISTRY_LIMIT is 1048576"), "{e}");
}

#[test]
fn slots_per_epoch_not_a_power_of_two_is_refused_before_proving() {
    let mut s = spec(16);
    s.preset.slots_per_epoch = 12;
    let e = unprovable(&state_with(&s, 0));
    assert!(e.contains("SLOTS_PER_EPOCH is 12"), "{e}");
}

#[test]
fn validators_and_balances_of_different_lengths_are_refused() {
    let e = unprovable(&state_with(&spec(16), 1));
    assert!(
        e.contains("validators list has 16 entries but its balances list has 15"),
        "{e}"
    );
}

#[test]
fn a_provable_state_passes() {
    check_provable(&state_with(&spec(16), 0)).unwrap();
}

fn artifact(params: &str) -> FinalArtifact {
    let statement =
        FinalStatement::from_instances(&[Fr::zero(); FINAL_LEN]).expect("zero statement decodes");
    FinalArtifact {
        format: stakeproof_prover::final_artifact::FORMAT.into(),
        version: stakeproof_prover::final_artifact::FORMAT_VERSION,
        statement,
        fork: "electra".into(),
        epoch: 0,
        instances: vec![
            stakeproof_prover::final_artifact::fr_word(&Fr::zero());
            ACC_LIMBS + FINAL_LEN
        ],
        proof: "0x00".into(),
        circuit: FinalCircuit {
            name: "final".into(),
            params: serde_json::from_str(params).unwrap(),
            vk: "0x0214000000".into(),
            vk_digest: "x".into(),
            circuits_version: stakeproof_circuits::CIRCUITS_VERSION,
            leaves: LeafConfig::small(),
        },
        setup: SetupInfo {
            id: "unsafe-seed1".into(),
            unsafe_local: true,
        },
        prover_seconds: 0.0,
        chain: None,
        pending: None,
    }
}

#[test]
fn chain_anchors_are_checked_against_the_public_inputs_before_the_setup() {
    use stakeproof_prover::chain::ChainSizes;
    use stakeproof_prover::final_artifact::{fr_word, ChainInfo};
    const PARAMS: &str =
        r#"{"degree":20,"num_advice":4,"num_lookup_advice":1,"num_fixed":1,"lookup_bits":8}"#;
    let mut a = artifact(PARAMS);
    let zero = fr_word(&Fr::zero());
    let sizes = ChainSizes {
        delta_updates: 1,
        append_n: 8,
        pool_balance_n: 8,
        delta_depth: 0,
        append_depth: 1,
        sum_depth: 1,
    };
    a.chain = Some(ChainInfo {
        anchor_old: zero.clone(),
        anchor_new: fr_word(&Fr::from(7u64)),
        cold: true,
        sizes,
    });
    // Today's 24 inputs under a chain header: the count names the chain's layout.
    let inst = a.instance_values().unwrap();
    let e = a.check_statement(&inst).unwrap_err();
    assert!(
        e.contains("24 public inputs, the chain's final statement has 26"),
        "{e}"
    );
    // 26 inputs whose anchor_new is not the decoded one.
    a.instances.push(zero.clone());
    a.instances.push(zero.clone());
    let inst = a.instance_values().unwrap();
    let e = a.check_statement(&inst).unwrap_err();
    assert!(e.contains("anchors do not match"), "{e}");
    // Matching anchors pass the statement check.
    a.instances[ACC_LIMBS + FINAL_LEN + 1] = fr_word(&Fr::from(7u64));
    a.check_statement(&a.instance_values().unwrap()).unwrap();
    // The JSON form round-trips, and today's artifacts carry no `chain` field at all.
    let back: FinalArtifact = serde_json::from_str(&serde_json::to_string(&a).unwrap()).unwrap();
    assert_eq!(back.chain, a.chain);
    let today = serde_json::to_value(artifact(PARAMS)).unwrap();
    assert!(today.get("chain").is_none());
    // The same two words cannot be both anchors and pending deposits.
    a.pending = Some(stakeproof_prover::final_artifact::PendingTotals {
        pending_deposit_count: 0,
        pending_deposit_gwei: 7,
    });
    let e = a
        .check_statement(&a.instance_values().unwrap())
        .unwrap_err();
    assert!(
        e.contains("both registry anchors and pending deposits"),
        "{e}"
    );
}

#[test]
fn pending_deposits_are_checked_against_the_public_inputs_before_the_setup() {
    use stakeproof_prover::final_artifact::{fr_word, PendingTotals};
    const PARAMS: &str =
        r#"{"degree":20,"num_advice":4,"num_lookup_advice":1,"num_fixed":1,"lookup_bits":8}"#;
    let mut a = artifact(PARAMS);
    a.pending = Some(PendingTotals {
        pending_deposit_count: 2,
        pending_deposit_gwei: 64_000_000_000,
    });
    let e = a
        .check_statement(&a.instance_values().unwrap())
        .unwrap_err();
    assert!(
        e.contains("24 public inputs, the pending final statement has 26"),
        "{e}"
    );
    a.instances.push(fr_word(&Fr::from(2u64)));
    a.instances.push(fr_word(&Fr::from(64_000_000_001u64)));
    let e = a
        .check_statement(&a.instance_values().unwrap())
        .unwrap_err();
    assert!(e.contains("pending deposits do not match"), "{e}");
    a.instances[ACC_LIMBS + FINAL_LEN + 1] = fr_word(&Fr::from(64_000_000_000u64));
    a.check_statement(&a.instance_values().unwrap()).unwrap();
    let back: FinalArtifact = serde_json::from_str(&serde_json::to_string(&a).unwrap()).unwrap();
    assert_eq!(back.pending, a.pending);
    let today = serde_json::to_value(artifact(PARAMS)).unwrap();
    assert!(today.get("pending").is_none());
}

#[test]
fn artifact_circuit_parameters_are_bounded_before_they_configure_anything() {
    let srs = Srs::unsafe_local(4, 1, None).unwrap();
    for (params, says) in [
        (
            r#"{"degree":40,"num_advice":4,"num_lookup_advice":1,"num_fixed":1,"lookup_bits":8}"#,
            "k = 40",
        ),
        (
            r#"{"degree":20,"num_advice":1099511627776,"num_lookup_advice":1,"num_fixed":1,"lookup_bits":8}"#,
            "advice columns",
        ),
        (
            r#"{"degree":20,"num_advice":4,"num_lookup_advice":1,"num_fixed":0,"lookup_bits":8}"#,
            "fixed columns",
        ),
        (
            r#"{"degree":20,"num_advice":4,"num_lookup_advice":1,"num_fixed":1,"lookup_bits":64}"#,
            "lookup bits",
        ),
        // Sane parameters, but a key of another k in the header.
        (
            r#"{"degree":21,"num_advice":4,"num_lookup_advice":1,"num_fixed":1,"lookup_bits":8}"#,
            "header",
        ),
    ] {
        let a = artifact(params);
        assert!(a.verifying_key().is_none());
        let e = a.verify(&srs, None).expect_err("refused");
        assert!(e.contains(says), "{params}: {e}");
    }
}

#[test]
fn a_setup_size_from_a_file_is_bounded_before_any_setup_is_made() {
    for k in [0, 27, 40, u32::MAX] {
        let e = Srs::unsafe_local(k, 1, None).expect_err("refused");
        assert!(e.to_string().contains("k must be within 1..=26"), "{e}");
    }
    let srs = Srs::unsafe_local(4, 1, None).unwrap();
    assert!(srs.for_circuit("x", 0).is_err());
    assert!(srs.for_circuit("x", 60).is_err());
}

#[test]
fn a_truncated_or_corrupted_cached_setup_is_made_again() {
    let dir = tempfile::tempdir().unwrap();
    let fresh = Srs::unsafe_local(5, 3, Some(dir.path())).unwrap();
    let path = dir.path().join("unsafe-k5-seed3.srs");
    let good = std::fs::read(&path).unwrap();
    // Truncated, then one byte of a point flipped (off its curve): both made again, equal.
    for bad in [
        good[..good.len() / 2].to_vec(),
        {
            let mut b = good.clone();
            b[4 + 64 * 3 + 7] ^= 0x55;
            b
        },
        b"\xff\xff\xff\xff".to_vec(),
    ] {
        std::fs::write(&path, &bad).unwrap();
        let again = Srs::unsafe_local(5, 3, Some(dir.path())).unwrap();
        assert_eq!(again.k(), fresh.k());
        assert_eq!(
            std::fs::read(&path).unwrap(),
            good,
            "the cache is rewritten"
        );
    }
}

#[test]
fn a_cached_proving_key_is_trusted_only_with_its_digest_and_header() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.pk");
    let read = || read_pk::<ShaCircuit>(&path, 13, SerdeFormat::RawBytes, Default::default());
    // No digest beside it: not trusted (never parsed).
    std::fs::write(&path, [2, 13, 0, 0, 0, 0]).unwrap();
    assert!(read().is_none());
    // A digest that does not match (corrupted or truncated after writing).
    std::fs::write(pk_digest_path(&path), "00").unwrap();
    assert!(read().is_none());
    // A matching digest over a key of another k, or another version.
    for bytes in [vec![2u8, 14, 0, 0, 0, 0], vec![1, 13, 0, 0, 0, 0], vec![]] {
        use sha2::Digest;
        std::fs::write(&path, &bytes).unwrap();
        std::fs::write(
            pk_digest_path(&path),
            hex::encode(sha2::Sha256::digest(&bytes)),
        )
        .unwrap();
        assert!(read().is_none());
    }
}

#[test]
fn a_truncated_or_corrupted_cached_leaf_key_is_made_again() {
    // registry-4 at k = 13: the smallest leaf.
    let dir = tempfile::tempdir().unwrap();
    let srs = Srs::unsafe_local(13, 7, None).unwrap();
    let st = state_with(&spec(16), 0);
    let pool = Pool::Address(devnet::DEFAULT_POOL);
    let w = stakeproof_circuits::registry::RegistryWitness::from_state(&st, &pool, 0, 4).unwrap();
    let store = KeyStore {
        dir: dir.path().to_path_buf(),
    };
    let first = store.get(&srs, &w, 13).unwrap();
    assert!(!first.cached);
    assert!(store.get(&srs, &w, 13).unwrap().cached, "read back");
    let pk = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "pk"))
        .expect("a cached key");
    let good = std::fs::read(&pk).unwrap();
    for bad in [good[..good.len() / 3].to_vec(), {
        // A polynomial length near the end set to 2^32 − 1 (halo2 would reserve 128 GiB).
        let mut b = good.clone();
        let at = b.len() - 40;
        b[at..at + 4].copy_from_slice(&[0xff; 4]);
        b
    }] {
        std::fs::write(&pk, &bad).unwrap();
        let again = store.get(&srs, &w, 13).unwrap();
        assert!(!again.cached, "made again, not trusted");
        assert_eq!(again.vk_digest, first.vk_digest);
        assert!(
            std::fs::read(&pk).unwrap() == good,
            "the cache is rewritten"
        );
    }
}

#[test]
fn a_write_that_fails_midway_leaves_no_file() {
    // A full disk while an artifact is written: the writer fails after part of the content.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("proof-slot-1.json");
    let e = stakeproof_prover::write_atomically_with(&path, "final proof artifact", |w| {
        use std::io::Write;
        w.write_all(b"{\"format\":\"stakeproof-final-proof\"")?;
        Err(std::io::Error::new(
            std::io::ErrorKind::StorageFull,
            "no space left on device",
        ))
    })
    .expect_err("fails");
    assert!(e.to_string().contains("no space left"), "{e}");
    assert!(!path.exists(), "no partial artifact under its name");
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(left.is_empty(), "no temporary file left: {left:?}");
    assert!(FinalArtifact::read(&path).is_err());
}

//! The oracle, the LSD and the generated verifier together on revm, with real SHPLONK proofs of
//! the 24-input stand-in circuit (see `common`). Each way a submission is refused, with the
//! revert expected: `tamper_oracle.rs`.

mod common;

use common::*;
use revm::primitives::{Address, B256, U256};
use stakeproof_contracts::{
    calldata::{self, NUM_PUBLIC_INPUTS},
    deployment::{Deployment, OracleConfig, VerifierCode, OWNER, SUBMITTER},
    evm::{TxError, MAX_CODE_SIZE},
    solc,
};

fn expect_revert(result: Result<stakeproof_contracts::Receipt, TxError>, name: &str) {
    match result {
        Ok(_) => panic!("expected revert {name}, but the transaction succeeded"),
        Err(e) => assert_eq!(e.revert_name(), Some(name), "expected {name}, got {e}"),
    }
}

#[test]
fn valid_report_is_stored_emits_and_moves_the_lsd_rate() {
    let mut d = deploy();
    let alice = Address::repeat_byte(0xa1);
    d.lsd_deposit(
        alice,
        U256::from(32u64) * U256::from(10u64).pow(U256::from(18)),
    )
    .unwrap();
    assert_eq!(d.lsd_rate().unwrap(), U256::from(10u64).pow(U256::from(18)));
    // Before any report: latestReport reverts, getReport says no.
    assert_eq!(
        d.latest_report().unwrap_err().revert_name(),
        Some("NoReport")
    );
    assert!(!d.get_report(u64::MAX).unwrap().success);
    expect_revert(d.lsd_sync(), "NoReport");

    let slot = 9_000_000;
    let gwei = 2 * GWEI_32_ETH + 123_456_789;
    let receipt = submit_ok(&mut d, slot, gwei);
    let events: Vec<_> = receipt
        .events_named("ReportSubmitted(uint64,uint128,uint64,bytes32,uint256,address,address)")
        .collect();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].topics[1], B256::from(U256::from(slot)));
    let data = calldata::decode_words(&events[0].data);
    assert_eq!(data[0], U256::from(gwei));
    assert_eq!(data[2], calldata::b256_word(root(slot)));
    assert_eq!(data[4], calldata::address_word(d.verifier));
    assert_eq!(data[5], calldata::address_word(SUBMITTER));

    assert_eq!(d.latest_report().unwrap(), report(slot, gwei));
    assert_eq!(d.report_at(slot).unwrap(), report(slot, gwei));
    assert_eq!(d.report_count().unwrap(), 1);

    // The LSD follows: totalPooled = cl balance + its 32 ETH buffer.
    let sync = d.lsd_sync().unwrap();
    assert_eq!(
        sync.events_named("Synced(uint64,uint256,uint256,uint256)")
            .count(),
        1
    );
    let wei = U256::from(gwei) * U256::from(1_000_000_000u64);
    let pooled = wei + U256::from(32u64) * U256::from(10u64).pow(U256::from(18));
    assert_eq!(d.lsd_total_pooled().unwrap(), pooled);
    assert_eq!(d.lsd_rate().unwrap(), pooled / U256::from(32u64));
    expect_revert(d.lsd_sync(), "NothingToSync");
    // A later deposit mints at the new rate: 1 ETH buys 1/rate shares.
    let bob = Address::repeat_byte(0xb0);
    d.lsd_deposit(bob, U256::from(10u64).pow(U256::from(18)))
        .unwrap();
    let shares = calldata::decode_words(
        &d.chain
            .view(
                d.lsd,
                calldata::call("sharesOf(address)", &[calldata::address_word(bob).into()]),
            )
            .unwrap(),
    )[0];
    let expected = U256::from(10u64).pow(U256::from(36)) * U256::from(32u64) / pooled;
    assert_eq!(shares, expected);
}

#[test]
fn oracle_builds_the_documented_public_inputs() {
    let mut d = deploy();
    let r = edge_report();
    let root = B256::from([0xffu8; 32]);
    let acc = fixture().accumulator();
    let on_chain = d.oracle_public_inputs(&r, root, &acc).unwrap();
    let mirror = d.public_inputs(&r, root, &acc);
    assert_eq!(on_chain.len(), NUM_PUBLIC_INPUTS);
    assert_eq!(on_chain, mirror.to_vec());
    assert_eq!(on_chain[12], U256::from(u128::MAX));
    assert_eq!(on_chain[16], U256::from(1u8) << 120); // 0x01 prefix of the address credentials
    assert_eq!(
        on_chain[17] & U256::from(u128::MAX),
        calldata::address_word(POOL)
    );
}

#[test]
fn bound_is_pro_rated_configurable_and_skipped_for_the_first_report() {
    let mut d = deploy();
    // First report: any balance.
    submit_ok(&mut d, 100, 5 * GWEI_32_ETH);
    // One day later, exactly +5% is accepted.
    submit_ok(
        &mut d,
        100 + DAY_SLOTS,
        5 * GWEI_32_ETH + 5 * GWEI_32_ETH / 20,
    );
    // Raising the bound lets +20% in a day pass.
    expect_revert(
        d.chain.call(
            Address::repeat_byte(9),
            d.oracle,
            calldata::call("setMaxChangeBpsPerDay(uint256)", &[U256::from(2000).into()]),
            U256::ZERO,
        ),
        "NotOwner",
    );
    d.set_max_change_bps_per_day(2000).unwrap();
    let prev = d.latest_report().unwrap().total_balance_gwei;
    submit_ok(&mut d, 100 + 2 * DAY_SLOTS, prev + prev / 5);
    expect_revert(d.set_max_change_bps_per_day(10_000_001), "BoundTooLarge");
}

#[test]
fn pause_is_owner_only_and_unpause_resumes() {
    let mut d = deploy();
    expect_revert(
        d.chain.call(
            Address::repeat_byte(9),
            d.oracle,
            calldata::call("pause()", &[]),
            U256::ZERO,
        ),
        "NotOwner",
    );
    let receipt = d.pause().unwrap();
    assert_eq!(receipt.events_named("PausedSet(bool)").count(), 1);
    let r = report(50, GWEI_32_ETH);
    let ts = publish_root(&mut d, 50);
    let proof = fixture().prove_report(&d.config, &r, root(50));
    expect_revert(
        d.submit(&r, ts, &fixture().accumulator(), &proof),
        "OraclePaused",
    );
    d.unpause().unwrap();
    d.submit(&r, ts, &fixture().accumulator(), &proof).unwrap();
}

#[test]
fn verifier_rotation_switches_at_the_activation_slot() {
    let mut d = deploy();
    let v1 = d.verifier;
    let v2 = d.deploy_verifier(fixture2().code()).unwrap();
    submit_ok(&mut d, 1_000, GWEI_32_ETH);

    // Scheduling: owner only, in the future of the latest report, code required.
    expect_revert(
        d.chain.call(
            Address::repeat_byte(9),
            d.oracle,
            calldata::call(
                "scheduleVerifier(address,uint64)",
                &[calldata::address_word(v2).into(), U256::from(2_000).into()],
            ),
            U256::ZERO,
        ),
        "NotOwner",
    );
    expect_revert(d.schedule_verifier(v2, 1_000), "ActivationNotInFuture");
    expect_revert(
        d.schedule_verifier(Address::repeat_byte(0x77), 2_000),
        "NoCode",
    );
    // A mistaken schedule is replaced by a later call for an earlier slot.
    d.schedule_verifier(v2, 3_000).unwrap();
    let receipt = d.schedule_verifier(v2, 2_000).unwrap();
    assert_eq!(
        receipt
            .events_named("VerifierScheduled(address,uint64)")
            .count(),
        1
    );
    let count = calldata::decode_words(
        &d.chain
            .view(d.oracle, calldata::call("verifierCount()", &[]))
            .unwrap(),
    )[0];
    assert_eq!(count, U256::from(2));
    assert_eq!(d.verifier_for(0).unwrap(), v1);
    assert_eq!(d.verifier_for(1_999).unwrap(), v1);
    assert_eq!(d.verifier_for(2_000).unwrap(), v2);
    assert_eq!(d.verifier_for(u64::MAX).unwrap(), v2);

    // Before the activation slot, the old circuit's proofs are accepted...
    submit_ok(&mut d, 1_999, GWEI_32_ETH);
    // ...from it on, only the new circuit's.
    let slot = 2_000;
    let r = report(slot, GWEI_32_ETH);
    let ts = publish_root(&mut d, slot);
    let old = fixture().prove_report(&d.config, &r, root(slot));
    expect_revert(
        d.submit(&r, ts, &fixture().accumulator(), &old),
        "ProofRejected",
    );
    let new = fixture2().prove_report(&d.config, &r, root(slot));
    let receipt = d.submit(&r, ts, &fixture2().accumulator(), &new).unwrap();
    let ev = receipt
        .events_named("ReportSubmitted(uint64,uint128,uint64,bytes32,uint256,address,address)")
        .next()
        .unwrap();
    assert_eq!(
        calldata::decode_words(&ev.data)[4],
        calldata::address_word(v2)
    );
}

#[test]
fn get_report_resolves_empty_slots_to_the_last_report_before() {
    let mut d = deploy();
    let slots = [100u64, 200, 300];
    for (i, slot) in slots.iter().enumerate() {
        submit_ok(&mut d, *slot, GWEI_32_ETH + i as u128);
    }
    let cases: &[(u64, Option<usize>)] = &[
        (0, None),
        (99, None),
        (100, Some(0)),
        (150, Some(0)),
        (199, Some(0)),
        (200, Some(1)),
        (299, Some(1)),
        (300, Some(2)),
        (u64::MAX, Some(2)),
    ];
    for &(ref_slot, expected) in cases {
        let got = d.get_report(ref_slot).unwrap();
        match expected {
            None => assert!(
                !got.success && got.cl_balance_gwei == U256::ZERO,
                "refSlot {ref_slot}"
            ),
            Some(i) => {
                let r = report(slots[i], GWEI_32_ETH + i as u128);
                assert!(got.success, "refSlot {ref_slot}");
                assert_eq!(
                    got.cl_balance_gwei,
                    U256::from(r.total_balance_gwei),
                    "refSlot {ref_slot}"
                );
                assert_eq!(got.withdrawal_vault_balance_wei, U256::ZERO);
                assert_eq!(
                    got.total_deposited_validators,
                    U256::from(r.validator_count)
                );
                assert_eq!(got.total_exited_validators, U256::from(r.exited_count));
            }
        }
    }
    assert_eq!(d.report_at(200).unwrap().slot, 200);
    assert_eq!(
        d.report_at(150).unwrap_err().revert_name(),
        Some("NoReport")
    );
}

#[test]
fn constructor_checks_its_arguments() {
    let mut d = deploy();
    let art = stakeproof_contracts::contracts::artifacts().unwrap();
    let deploy_with = |d: &mut Deployment, cfg: &OracleConfig, verifier: Address| {
        let mut code = art.oracle.bytecode.clone();
        code.extend(calldata::oracle_constructor_args(
            cfg,
            verifier,
            Address::ZERO,
            Address::ZERO,
        ));
        d.chain.deploy(OWNER, code)
    };
    let base = config();
    expect_revert(
        deploy_with(&mut d, &base, Address::repeat_byte(0x42)).map(|(_, r)| r),
        "NoCode",
    );
    // Slot timing: 1 to 3600 s per slot, a genesis not in the future.
    let (now, verifier) = (d.chain.timestamp(), d.verifier);
    for (seconds_per_slot, genesis_time) in [(0, 0), (3601, 0), (12, now + 1)] {
        let cfg = OracleConfig {
            seconds_per_slot,
            genesis_time,
            ..base
        };
        expect_revert(
            deploy_with(&mut d, &cfg, verifier).map(|(_, r)| r),
            "BadSlotTiming",
        );
    }
    // An address pool only in its 0x01 form: its 0x02 form, nonzero padding or zero bytes
    // would match no validator (every report would prove 0). Exact credentials may be any.
    let addr_creds = base.pool_credentials;
    let mut second_form = addr_creds;
    second_form.0[0] = 2;
    let mut padded = addr_creds;
    padded.0[5] = 1;
    for bad in [second_form, padded, B256::ZERO] {
        let cfg = OracleConfig {
            pool_credentials: bad,
            ..base
        };
        let err = deploy_with(&mut d, &cfg, verifier).unwrap_err();
        assert_eq!(err.revert_name(), Some("AddressPoolNot0x01"), "{bad}");
        let exact = OracleConfig {
            pool_exact: true,
            ..cfg
        };
        deploy_with(&mut d, &exact, verifier).expect("exact credentials are taken as they are");
    }
    // A zero beacon-roots argument means the EIP-4788 address.
    let (oracle, _) = deploy_with(&mut d, &base, verifier).unwrap();
    let w = calldata::decode_words(
        &d.chain
            .view(oracle, calldata::call("beaconRoots()", &[]))
            .unwrap(),
    );
    assert_eq!(
        w[0],
        calldata::address_word(stakeproof_contracts::evm::BEACON_ROOTS_ADDRESS)
    );
}

#[test]
fn a_gnosis_oracle_takes_five_second_slots_for_its_window_and_bound() {
    let genesis = 1_638_993_340; // Gnosis Chain's genesis time
    let cfg = OracleConfig {
        seconds_per_slot: 5,
        genesis_time: genesis,
        ..config()
    };
    let mut d = Deployment::new(fixture().code(), cfg).expect("deploy");
    let view = |d: &mut Deployment, sig: &str, slot: Option<u64>| {
        let args: Vec<_> = slot.map(|s| U256::from(s).into()).into_iter().collect();
        let oracle = d.oracle;
        calldata::decode_words(&d.chain.view(oracle, calldata::call(sig, &args)).unwrap())[0]
    };
    assert_eq!(view(&mut d, "SECONDS_PER_SLOT()", None), U256::from(5));
    assert_eq!(view(&mut d, "GENESIS_TIME()", None), U256::from(genesis));
    assert_eq!(
        view(&mut d, "slotStart(uint64)", Some(10)),
        U256::from(genesis + 50)
    );
    // A day is 17,280 five-second slots: +5% over one is accepted, +6% over the next refused
    // (read with 12-second slots, 17,280 slots would be 2.4 days and allow 12%).
    let day = 86_400 / 5;
    submit_ok(&mut d, 100, 5 * GWEI_32_ETH);
    let before = 5 * GWEI_32_ETH;
    submit_ok(&mut d, 100 + day, before + before / 20);
    let prev = before + before / 20;
    let r = report(100 + 2 * day, prev + prev * 6 / 100);
    let ts = publish_root(&mut d, 100 + 2 * day);
    let proof = fixture().prove_report(&d.config, &r, root(100 + 2 * day));
    expect_revert(
        d.submit(&r, ts, &fixture().accumulator(), &proof),
        "BalanceChangeTooLarge",
    );
    // The window is 8,191 blocks of 5 s: a root 8,191 · 5 − 1 s old is in it, 8,191 · 5 s out.
    let r = report(100 + 2 * day, prev);
    let ts = publish_root(&mut d, 100 + 2 * day);
    let proof = fixture().prove_report(&d.config, &r, root(100 + 2 * day));
    let (n, t) = (d.chain.block_number(), d.chain.timestamp());
    d.chain.set_block(n + 1, t + 8191 * 5);
    expect_revert(
        d.submit(&r, ts, &fixture().accumulator(), &proof),
        "TimestampOutOfWindow",
    );
    d.chain.set_block(n + 1, t + 8191 * 5 - 1);
    d.submit(&r, ts, &fixture().accumulator(), &proof)
        .expect("a root inside the 5-second window");
}

#[test]
fn generated_verifier_source_has_the_header_and_compiles_within_the_size_limit() {
    let f = fixture();
    assert!(f
        .source
        .contains(stakeproof_contracts::verifier::UNSAFE_SRS_LINE));
    assert!(f.source.contains("Public inputs: 24"));
    assert!(f.source.contains("pragma solidity ^0.8.19;"));
    assert!(
        f.verifier.deployed_size <= MAX_CODE_SIZE,
        "{} bytes",
        f.verifier.deployed_size
    );
    let dir = solc::target_dir().join("contract-reports/standin-verifier");
    stakeproof_contracts::verifier::write_artifacts(&dir, &f.source, Some(&f.verifier)).unwrap();
    let abi: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("Halo2Verifier.abi.json")).unwrap())
            .unwrap();
    assert_eq!(
        abi,
        serde_json::from_str::<serde_json::Value>(stakeproof_contracts::verifier::VERIFIER_ABI)
            .unwrap()
    );
}

#[test]
fn gas_and_code_size_report() {
    let mut d = deploy();
    let f = fixture();
    // Direct verifier call.
    let r = report(5_000, 10 * GWEI_32_ETH);
    let acc = f.accumulator();
    let inputs = d.public_inputs(&r, root(5_000), &acc);
    let proof = f.prove(&inputs);
    let direct = d.call_verifier(d.verifier, &inputs, &proof).unwrap();
    let mut bad = inputs;
    bad[20] += U256::from(1);
    assert!(d.call_verifier(d.verifier, &bad, &proof).is_err());
    // The same runtime code placed directly (how verifiers above EIP-170 can still be measured).
    let placed = d
        .deploy_verifier(VerifierCode::Runtime(f.verifier.deployed_bytecode.clone()))
        .unwrap();
    assert_eq!(
        d.call_verifier(placed, &inputs, &proof).unwrap().gas_used,
        direct.gas_used
    );
    assert!(d.call_verifier(placed, &bad, &proof).is_err());
    // Through the oracle: first report (no bound check) and a second one.
    let first = submit_ok(&mut d, 5_000, 10 * GWEI_32_ETH);
    let second = submit_ok(&mut d, 5_000 + DAY_SLOTS, 10 * GWEI_32_ETH + 1);
    let sync = d.lsd_sync().unwrap();
    let art = stakeproof_contracts::contracts::artifacts().unwrap();
    let (verifier_size, within) = d.code_size(d.verifier);
    assert_eq!(verifier_size, f.verifier.deployed_size);
    let report = serde_json::json!({
        "machine": "2 vCPU dev VM",
        "evm": "revm 18.0.0, Cancun",
        "solc": format!("solc-js {} (oracle, LSD: optimizer 200 runs; verifier: optimizer without the Yul step)", solc::SOLC_VERSION),
        "circuit": "test stand-in: 24 public inputs (12 accumulator limbs), k = 8, SHPLONK, unsafe seeded setup",
        "proof_bytes": proof.len(),
        "verifier_runtime_bytes": verifier_size,
        "verifier_creation_bytes": f.verifier.bytecode.len(),
        "verifier_within_eip170": within,
        "eip170_limit_bytes": MAX_CODE_SIZE,
        "verify_tx_gas": direct.gas_used,
        "submit_report_first_tx_gas": first.gas_used,
        "submit_report_next_tx_gas": second.gas_used,
        "lsd_sync_tx_gas": sync.gas_used,
        "oracle_deploy_tx_gas": d.oracle_deploy_gas,
        "oracle_runtime_bytes": art.oracle.deployed_size,
        "lsd_runtime_bytes": art.lsd.deployed_size,
        "note": "tx gas includes the 21,000 intrinsic gas and calldata; the real aggregation verifier's figures differ",
    });
    let dir = solc::target_dir().join("contract-reports");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("verifier.json"),
        serde_json::to_string_pretty(&report).unwrap(),
    )
    .unwrap();
    println!("{}", serde_json::to_string_pretty(&report).unwrap());
}

#[test]
fn lsd_redeems_from_its_buffer_at_the_synced_rate() {
    let mut d = deploy();
    let eth = U256::from(10u64).pow(U256::from(18));
    let alice = Address::repeat_byte(0xa1);
    d.lsd_deposit(alice, U256::from(32u64) * eth).unwrap();
    submit_ok(&mut d, 10, 2 * GWEI_32_ETH); // 64 ETH on the beacon chain
    d.lsd_sync().unwrap();
    assert_eq!(d.lsd_rate().unwrap(), U256::from(3u64) * eth);
    let lsd = d.lsd;
    let redeem = |d: &mut Deployment, shares: U256| {
        d.chain.call(
            alice,
            lsd,
            calldata::call("redeem(uint256)", &[shares.into()]),
            U256::ZERO,
        )
    };
    // All 32 shares are worth 96 ETH, the buffer holds 32.
    expect_revert(
        redeem(&mut d, U256::from(32u64) * eth),
        "InsufficientBuffer",
    );
    expect_revert(
        redeem(&mut d, U256::from(33u64) * eth),
        "InsufficientShares",
    );
    expect_revert(redeem(&mut d, U256::ZERO), "ZeroAmount");
    let before = d.chain.balance(alice);
    let receipt = redeem(&mut d, U256::from(8u64) * eth).unwrap();
    assert_eq!(
        receipt
            .events_named("Redeemed(address,uint256,uint256)")
            .count(),
        1
    );
    assert_eq!(d.chain.balance(alice) - before, U256::from(24u64) * eth);
    // The rate is unchanged by a redemption at the rate.
    assert_eq!(d.lsd_rate().unwrap(), U256::from(3u64) * eth);
    let bob = Address::repeat_byte(0xb0);
    let transfer = calldata::call(
        "transferShares(address,uint256)",
        &[
            calldata::address_word(bob).into(),
            (U256::from(25u64) * eth).into(),
        ],
    );
    expect_revert(
        d.chain.call(alice, lsd, transfer, U256::ZERO),
        "InsufficientShares",
    );
}

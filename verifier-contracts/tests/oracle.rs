//! The oracle, the LSD and the generated verifier together on revm, with real SHPLONK proofs of
//! the 24-input stand-in circuit (see `common`).

mod common;

use common::*;
use halo2_base::halo2_proofs::poly::commitment::ParamsProver;
use revm::primitives::{Address, B256, U256};
use stakeproof_contracts::{
    calldata::{self, NUM_PUBLIC_INPUTS},
    deployment::{Deployment, OracleConfig, VerifierCode, OWNER, SUBMITTER},
    evm::{TxError, MAX_CODE_SIZE},
    solc, Report,
};

const DAY_SLOTS: u64 = 7200;
const GWEI_32_ETH: u128 = 32_000_000_000;

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
    let r = Report {
        slot: u64::MAX,
        registry_length: 1,
        validator_count: 2,
        total_balance_gwei: u128::MAX,
        active_count: 3,
        exited_count: 4,
        slashed_count: 5,
    };
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

/// A rejection case: how to spoil a fresh, otherwise valid submission, and the error expected.
struct Case {
    name: &'static str,
    error: &'static str,
    spoil: fn(&mut Deployment, &mut Submission),
}

struct Submission {
    report: Report,
    timestamp: u64,
    accumulator: [U256; 12],
    proof: Vec<u8>,
}

const PREV_SLOT: u64 = 1_000_000;
const PREV_GWEI: u128 = 100 * GWEI_32_ETH;

/// A deployment holding one report (PREV_SLOT) and a valid submission one day later (+1%).
fn scenario() -> (Deployment, Submission) {
    let mut d = deploy();
    submit_ok(&mut d, PREV_SLOT, PREV_GWEI);
    d.chain.advance_blocks(10);
    let slot = PREV_SLOT + DAY_SLOTS;
    let report = report(slot, PREV_GWEI + PREV_GWEI / 100);
    let timestamp = publish_root(&mut d, slot);
    let proof = fixture().prove_report(&d.config, &report, root(slot));
    (
        d,
        Submission {
            report,
            timestamp,
            accumulator: fixture().accumulator(),
            proof,
        },
    )
}

fn submit(d: &mut Deployment, s: &Submission) -> Result<stakeproof_contracts::Receipt, TxError> {
    d.submit(&s.report, s.timestamp, &s.accumulator, &s.proof)
}

fn reprove(d: &Deployment, s: &mut Submission) {
    s.proof = fixture().prove_report(&d.config, &s.report, root(s.report.slot));
}

const CASES: &[Case] = &[
    Case {
        name: "paused",
        error: "OraclePaused",
        spoil: |d, _| {
            d.pause().unwrap();
        },
    },
    Case {
        name: "timestamp in the future",
        error: "TimestampOutOfWindow",
        spoil: |d, s| {
            s.timestamp = d.chain.timestamp() + 12;
        },
    },
    Case {
        name: "root older than the 8191-slot window",
        error: "TimestampOutOfWindow",
        spoil: |d, _| {
            d.chain.advance_blocks(8191);
        },
    },
    Case {
        name: "no root for the timestamp",
        error: "BeaconRootUnavailable",
        spoil: |_, s| {
            s.timestamp -= 1;
        },
    },
    Case {
        name: "timestamp of another block (another root)",
        error: "ProofRejected",
        spoil: |d, s| {
            s.timestamp -= 12;
            d.write_beacon_root(s.timestamp, root(1)).unwrap();
        },
    },
    Case {
        name: "report for the stored slot again",
        error: "ReportAlreadySubmitted",
        spoil: |d, s| {
            s.report = report(PREV_SLOT, PREV_GWEI);
            d.write_beacon_root(s.timestamp, root(PREV_SLOT)).unwrap();
            reprove(d, s);
        },
    },
    Case {
        name: "slot before the latest report",
        error: "SlotNotAfterLatest",
        spoil: |d, s| {
            s.report = report(PREV_SLOT - 1, PREV_GWEI);
            d.write_beacon_root(s.timestamp, root(PREV_SLOT - 1))
                .unwrap();
            reprove(d, s);
        },
    },
    Case {
        name: "balance change above 5%/day pro rata",
        error: "BalanceChangeTooLarge",
        spoil: |d, s| {
            // Half a day: 2.5% allowed; +3% (proven!) is refused.
            s.report = report(PREV_SLOT + DAY_SLOTS / 2, PREV_GWEI + PREV_GWEI * 3 / 100);
            d.write_beacon_root(s.timestamp, root(s.report.slot))
                .unwrap();
            reprove(d, s);
        },
    },
    Case {
        name: "balance drop above the bound",
        error: "BalanceChangeTooLarge",
        spoil: |d, s| {
            s.report.total_balance_gwei = PREV_GWEI - PREV_GWEI / 10;
            reprove(d, s);
        },
    },
    Case {
        name: "proof of another pool's credentials",
        error: "ProofRejected",
        spoil: |d, s| {
            let other = OracleConfig::for_address(Address::repeat_byte(0xee));
            s.proof = fixture().prove_report(&other, &s.report, root(s.report.slot));
            let _ = d;
        },
    },
    Case {
        name: "proof of the exact-credentials flag",
        error: "ProofRejected",
        spoil: |d, s| {
            let exact = OracleConfig {
                pool_exact: true,
                ..d.config
            };
            s.proof = fixture().prove_report(&exact, &s.report, root(s.report.slot));
        },
    },
    Case {
        name: "tampered proof byte",
        error: "ProofRejected",
        spoil: |_, s| {
            let i = s.proof.len() / 2;
            s.proof[i] ^= 1;
        },
    },
    Case {
        name: "truncated proof",
        error: "ProofRejected",
        spoil: |_, s| {
            s.proof.truncate(s.proof.len() - 32);
        },
    },
    Case {
        name: "empty proof",
        error: "ProofRejected",
        spoil: |_, s| {
            s.proof.clear();
        },
    },
    Case {
        name: "tampered total balance (public input)",
        error: "ProofRejected",
        spoil: |_, s| {
            s.report.total_balance_gwei += 1;
        },
    },
    Case {
        name: "tampered validator count (public input)",
        error: "ProofRejected",
        spoil: |_, s| {
            s.report.validator_count -= 1;
        },
    },
    Case {
        name: "tampered slashed count (public input)",
        error: "ProofRejected",
        spoil: |_, s| {
            s.report.slashed_count += 1;
        },
    },
    Case {
        name: "tampered accumulator limb",
        error: "ProofRejected",
        spoil: |_, s| {
            s.accumulator[0] += U256::from(1);
        },
    },
    Case {
        name: "invalid accumulator, proven as such",
        error: "ProofRejected",
        spoil: |d, s| {
            // A proof valid for its (wrong) accumulator: only the pairing check can catch it.
            let g = fixture().params.get_g().to_vec();
            s.accumulator = stakeproof_contracts::verifier::accumulator_limbs(&g[2], &g[0])
                .map(|f| stakeproof_contracts::verifier::fr_to_u256(&f));
            let inputs = d.public_inputs(&s.report, root(s.report.slot), &s.accumulator);
            s.proof = fixture().prove(&inputs);
        },
    },
    Case {
        name: "proof from another setup (other verifying key)",
        error: "ProofRejected",
        spoil: |d, s| {
            s.proof = fixture2().prove(&d.public_inputs(
                &s.report,
                root(s.report.slot),
                &fixture2().accumulator(),
            ));
            s.accumulator = fixture2().accumulator();
        },
    },
];

#[test]
fn each_rejection_reverts_with_its_error() {
    let mut failures = Vec::new();
    for case in CASES {
        let (mut d, mut s) = scenario();
        (case.spoil)(&mut d, &mut s);
        match submit(&mut d, &s) {
            Err(e) if e.revert_name() == Some(case.error) => {}
            other => failures.push(format!(
                "{}: expected {}, got {:?}",
                case.name,
                case.error,
                other.map(|r| r.gas_used)
            )),
        }
        // Nothing was stored.
        assert_eq!(d.report_count().unwrap(), 1, "{}", case.name);
    }
    assert!(failures.is_empty(), "{failures:#?}");
    // The unspoiled submission is accepted (the cases fail for their reason only).
    let (mut d, s) = scenario();
    submit(&mut d, &s).unwrap();
    assert_eq!(d.report_count().unwrap(), 2);
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
    let mut code = art.oracle.bytecode.clone();
    code.extend(calldata::oracle_constructor_args(
        OWNER,
        false,
        B256::ZERO,
        Address::repeat_byte(0x42),
        500,
        Address::ZERO,
    ));
    expect_revert(d.chain.deploy(OWNER, code).map(|(_, r)| r), "NoCode");
    // A zero beacon-roots argument means the EIP-4788 address.
    let mut code = art.oracle.bytecode.clone();
    code.extend(calldata::oracle_constructor_args(
        OWNER,
        false,
        B256::ZERO,
        d.verifier,
        500,
        Address::ZERO,
    ));
    let (oracle, _) = d.chain.deploy(OWNER, code).unwrap();
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

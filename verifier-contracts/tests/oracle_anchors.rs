//! Registry anchors in the oracle: the "chain" proof design's final proof has 26 public inputs,
//! the 24 of today's design and then `anchorOld` (0: a cold chain) and `anchorNew`. Real
//! SHPLONK proofs of the 26-input stand-in circuit (`common::chain_fixture`) and of the 24-input
//! one on revm: cold and anchored chain reports, unknown anchors, the "anchor words in the proof
//! bytes" attack the per-entry `anchored` flag stops, per-verifier anchor scopes, field-element
//! and tampering checks, switching designs, and gas.

mod common;

use common::*;
use revm::primitives::{Address, B256, U256};
use stakeproof_contracts::{
    calldata::{self, NUM_CHAIN_PUBLIC_INPUTS, NUM_PUBLIC_INPUTS, SCALAR_FIELD_MODULUS},
    deployment::Deployment,
    evm::{TxError, MAX_CODE_SIZE},
    solc, Receipt, Report,
};

const ANCHORED: &str = "AnchorRecorded(address,uint256,uint64)";
const SUBMITTED: &str = "ReportSubmitted(uint64,uint128,uint64,bytes32,uint256,address,address)";
const S: u64 = 9_000_000;

fn expect_revert(result: Result<Receipt, TxError>, name: &str) {
    match result {
        Ok(_) => panic!("expected revert {name}, but the transaction succeeded"),
        Err(e) => assert_eq!(e.revert_name(), Some(name), "expected {name}, got {e}"),
    }
}

/// A nonzero field element standing in for a registry anchor (a Poseidon hash).
fn anchor(n: u64) -> U256 {
    (U256::from(n) << 200) + U256::from(0xa9c4_0000u64 + n)
}

/// An oracle whose verifier from slot 0 on is `chain_fixture()`'s, anchored.
fn chain_deploy() -> Deployment {
    Deployment::new_chain(chain_fixture().code(), config()).expect("deploy chain oracle")
}

/// The report at `slot` with `gwei`, its root published (returns the timestamp), and a chain
/// proof of it for the anchors.
fn prepare_chain(
    d: &mut Deployment,
    slot: u64,
    gwei: u128,
    old: U256,
    new: U256,
) -> (Report, u64, Vec<u8>) {
    let r = report(slot, gwei);
    let ts = publish_root(d, slot);
    let proof = chain_fixture().prove_chain_report(&d.config, &r, root(slot), old, new);
    (r, ts, proof)
}

/// Proves and submits a chain report; advances the chain afterwards.
fn submit_chain_ok(d: &mut Deployment, slot: u64, gwei: u128, old: U256, new: U256) -> Receipt {
    let (r, ts, proof) = prepare_chain(d, slot, gwei, old, new);
    let acc = chain_fixture().accumulator();
    let receipt = d
        .submit_chain(&r, ts, old, new, &acc, &proof)
        .expect("valid chain report accepted");
    d.chain.advance_blocks(1);
    receipt
}

fn eth(n: u64) -> U256 {
    U256::from(n) * U256::from(10u64).pow(U256::from(18))
}

#[test]
fn cold_chain_report_is_accepted_its_anchor_recorded_and_the_lsd_follows() {
    let mut d = chain_deploy();
    let v = d.verifier;
    assert_eq!(d.verifier_at(0).unwrap(), (0, v, true));
    assert_eq!(d.latest_anchor().unwrap(), U256::ZERO);
    let alice = Address::repeat_byte(0xa1);
    d.lsd_deposit(alice, eth(32)).unwrap();
    assert_eq!(d.lsd_rate().unwrap(), eth(1));

    let gwei = 2 * GWEI_32_ETH + 123_456_789;
    let a1 = anchor(1);
    let receipt = submit_chain_ok(&mut d, S, gwei, U256::ZERO, a1);
    assert_eq!(receipt.events_named(SUBMITTED).count(), 1);
    let ev: Vec<_> = receipt.events_named(ANCHORED).collect();
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].topics[1], B256::from(calldata::address_word(v)));
    assert_eq!(calldata::decode_words(&ev[0].data), vec![a1, U256::from(S)]);
    assert!(d.is_known_anchor(v, a1).unwrap());
    assert!(!d.is_known_anchor(v, anchor(2)).unwrap());
    assert!(!d.is_known_anchor(Address::repeat_byte(7), a1).unwrap());
    assert!(!d.is_known_anchor(v, U256::ZERO).unwrap());
    assert_eq!(d.latest_anchor().unwrap(), a1);
    assert_eq!(d.latest_report().unwrap(), report(S, gwei));

    // The LSD follows as with submitReport: totalPooled = cl balance + its 32 ETH buffer.
    d.lsd_sync().unwrap();
    let pooled = U256::from(gwei) * U256::from(1_000_000_000u64) + eth(32);
    assert_eq!(d.lsd_total_pooled().unwrap(), pooled);
    assert_eq!(d.lsd_rate().unwrap(), pooled / U256::from(32u64));
}

#[test]
fn chain_reports_from_known_anchors_are_accepted() {
    let mut d = chain_deploy();
    let v = d.verifier;
    let (a1, a2, a3, a4) = (anchor(1), anchor(2), anchor(3), anchor(4));
    submit_chain_ok(&mut d, S, 10 * GWEI_32_ETH, U256::ZERO, a1);
    // The next report's chain starts from the first one's anchor.
    let r = submit_chain_ok(&mut d, S + DAY_SLOTS, 10 * GWEI_32_ETH + 7, a1, a2);
    assert_eq!(r.events_named(ANCHORED).count(), 1);
    assert_eq!(d.latest_anchor().unwrap(), a2);
    assert!(d.is_known_anchor(v, a1).unwrap() && d.is_known_anchor(v, a2).unwrap());
    // Any known anchor may start a chain (not only the latest), and a cold chain always may.
    submit_chain_ok(&mut d, S + 2 * DAY_SLOTS, 10 * GWEI_32_ETH, a1, a3);
    submit_chain_ok(&mut d, S + 3 * DAY_SLOTS, 10 * GWEI_32_ETH, U256::ZERO, a4);
    assert_eq!(d.latest_anchor().unwrap(), a4);
    assert_eq!(d.report_count().unwrap(), 4);
}

#[test]
fn unknown_anchor_is_refused_although_the_verifier_accepts_the_proof() {
    let mut d = chain_deploy();
    let v = d.verifier;
    // Before any report, no anchor but 0 is known.
    let (r, ts, proof) = prepare_chain(&mut d, S, GWEI_32_ETH, anchor(1), anchor(2));
    let acc = chain_fixture().accumulator();
    expect_revert(
        d.submit_chain(&r, ts, anchor(1), anchor(2), &acc, &proof),
        "UnknownAnchor",
    );
    submit_chain_ok(&mut d, S, GWEI_32_ETH, U256::ZERO, anchor(1));

    let slot = S + DAY_SLOTS;
    let unknown = anchor(1) + U256::from(1);
    let (r, ts, proof) = prepare_chain(&mut d, slot, GWEI_32_ETH, unknown, anchor(2));
    // The verifier itself accepts these inputs and proof: only the oracle's rule refuses them.
    let inputs = d.chain_public_inputs(&r, root(slot), unknown, anchor(2), &acc);
    d.call_verifier(v, &inputs, &proof)
        .expect("the verifier accepts the proof");
    let err = d
        .submit_chain(&r, ts, unknown, anchor(2), &acc, &proof)
        .unwrap_err();
    assert_eq!(err.revert_name(), Some("UnknownAnchor"), "{err}");
    let TxError::Revert { data, .. } = &err else {
        unreachable!()
    };
    assert_eq!(calldata::decode_words(&data[4..]), vec![unknown]);
    assert_eq!(d.report_count().unwrap(), 1);
    assert!(!d.is_known_anchor(v, anchor(2)).unwrap());
    assert_eq!(d.latest_anchor().unwrap(), anchor(1));
}

/// Without the `anchored` flag, `submitReport` against a chain verifier would let the submitter
/// choose anchorOld/anchorNew: `abi.encodePacked(24 inputs, proof)` with two anchor words at the
/// start of `proof` is byte for byte the calldata of the 26 inputs and the proof.
#[test]
fn anchor_words_prepended_to_the_proof_of_submit_report_are_refused() {
    let mut d = chain_deploy();
    let v = d.verifier;
    let acc = chain_fixture().accumulator();
    // The attacker's anchors: a registry state never proven from scratch or from a known anchor.
    let (forged_old, forged_new) = (anchor(66), anchor(67));
    let slot = S;
    let (r, ts, proof) = prepare_chain(&mut d, slot, GWEI_32_ETH, forged_old, forged_new);
    let mut smuggled = Vec::new();
    smuggled.extend_from_slice(&forged_old.to_be_bytes::<32>());
    smuggled.extend_from_slice(&forged_new.to_be_bytes::<32>());
    smuggled.extend_from_slice(&proof);

    let inputs24 = d.public_inputs(&r, root(slot), &acc);
    let inputs26 = d.chain_public_inputs(&r, root(slot), forged_old, forged_new, &acc);
    assert_eq!(
        calldata::verifier_calldata(&inputs24, &smuggled),
        calldata::verifier_calldata(&inputs26, &proof)
    );
    // The verifier accepts exactly the bytes submitReport would pass it...
    d.call_verifier(v, &inputs24, &smuggled)
        .expect("the chain verifier accepts the smuggled calldata");
    // ...so the oracle must refuse submitReport for an anchored verifier outright.
    expect_revert(d.submit(&r, ts, &acc, &smuggled), "VerifierNeedsAnchors");
    // The honest route checks the anchor.
    expect_revert(
        d.submit_chain(&r, ts, forged_old, forged_new, &acc, &proof),
        "UnknownAnchor",
    );
    assert_eq!(d.report_count().unwrap(), 0);
    assert!(!d.is_known_anchor(v, forged_new).unwrap());
}

#[test]
fn chain_report_against_an_unanchored_verifier_is_refused() {
    let mut d = deploy();
    let r = report(S, GWEI_32_ETH);
    let ts = publish_root(&mut d, S);
    let acc = fixture().accumulator();
    let proof = fixture().prove_report(&d.config, &r, root(S));
    for (old, new) in [(U256::ZERO, anchor(1)), (anchor(5), anchor(6))] {
        let err = d.submit_chain(&r, ts, old, new, &acc, &proof).unwrap_err();
        assert_eq!(err.revert_name(), Some("VerifierTakesNoAnchors"), "{err}");
    }
    // Even with the 26-input verifier as the constructor's (unanchored) entry.
    let mut c = Deployment::new(chain_fixture().code(), config()).unwrap();
    assert_eq!(c.verifier_at(0).unwrap(), (0, c.verifier, false));
    let (r2, ts2, proof2) = prepare_chain(&mut c, S, GWEI_32_ETH, U256::ZERO, anchor(1));
    let acc2 = chain_fixture().accumulator();
    expect_revert(
        c.submit_chain(&r2, ts2, U256::ZERO, anchor(1), &acc2, &proof2),
        "VerifierTakesNoAnchors",
    );
    // The same report goes through submitReport.
    d.submit(&r, ts, &acc, &proof).unwrap();
    assert_eq!(d.latest_anchor().unwrap(), U256::ZERO);
}

#[test]
fn anchors_are_scoped_per_verifier() {
    let mut d = chain_deploy();
    let v1 = d.verifier;
    submit_chain_ok(&mut d, S, GWEI_32_ETH, U256::ZERO, anchor(1));
    // The same circuit's verifier at another address: its proofs of anchor(1) are valid, but
    // anchor(1) was not accepted under it.
    let v2 = d.deploy_verifier(chain_fixture().code()).unwrap();
    d.schedule_chain_verifier(v2, S + 100).unwrap();
    assert_eq!(d.verifier_at(1).unwrap(), (S + 100, v2, true));
    let slot = S + 100;
    let (r, ts, proof) = prepare_chain(&mut d, slot, GWEI_32_ETH, anchor(1), anchor(2));
    let acc = chain_fixture().accumulator();
    let inputs = d.chain_public_inputs(&r, root(slot), anchor(1), anchor(2), &acc);
    d.call_verifier(v2, &inputs, &proof).unwrap();
    expect_revert(
        d.submit_chain(&r, ts, anchor(1), anchor(2), &acc, &proof),
        "UnknownAnchor",
    );
    assert!(d.is_known_anchor(v1, anchor(1)).unwrap());
    assert!(!d.is_known_anchor(v2, anchor(1)).unwrap());
    // Cold works, and its anchor is the new verifier's.
    let receipt = submit_chain_ok(&mut d, slot, GWEI_32_ETH, U256::ZERO, anchor(2));
    let ev = receipt.events_named(ANCHORED).next().unwrap();
    assert_eq!(ev.topics[1], B256::from(calldata::address_word(v2)));
    assert!(d.is_known_anchor(v2, anchor(2)).unwrap());
    assert!(!d.is_known_anchor(v1, anchor(2)).unwrap());
    assert_eq!(d.latest_anchor().unwrap(), anchor(2));
    submit_chain_ok(&mut d, slot + 1, GWEI_32_ETH, anchor(2), anchor(3));
}

#[test]
fn anchors_must_be_field_elements_and_are_bound_by_the_proof() {
    let mut d = chain_deploy();
    let v = d.verifier;
    let on_chain = calldata::decode_words(
        &d.chain
            .view(d.oracle, calldata::call("SCALAR_FIELD_MODULUS()", &[]))
            .unwrap(),
    )[0];
    assert_eq!(on_chain, SCALAR_FIELD_MODULUS);
    let acc = chain_fixture().accumulator();
    let (r, ts, proof) = prepare_chain(&mut d, S, GWEI_32_ETH, U256::ZERO, anchor(1));
    let p = SCALAR_FIELD_MODULUS;
    for (old, new) in [
        (p, anchor(1)),
        (U256::ZERO, p),
        (U256::ZERO, anchor(1) + p),
        (U256::MAX, anchor(1)),
        (U256::ZERO, U256::MAX),
    ] {
        expect_revert(
            d.submit_chain(&r, ts, old, new, &acc, &proof),
            "AnchorNotFieldElement",
        );
    }
    // A proof for another anchorNew (or anchorOld) is rejected by the verifier.
    let tampered = anchor(1) + U256::from(1);
    expect_revert(
        d.submit_chain(&r, ts, U256::ZERO, tampered, &acc, &proof),
        "ProofRejected",
    );
    assert!(!d.is_known_anchor(v, tampered).unwrap());
    d.submit_chain(&r, ts, U256::ZERO, anchor(1), &acc, &proof)
        .unwrap();
    d.chain.advance_blocks(1);
    let slot = S + DAY_SLOTS;
    let (r, ts, cold) = prepare_chain(&mut d, slot, GWEI_32_ETH, U256::ZERO, anchor(2));
    expect_revert(
        d.submit_chain(&r, ts, anchor(1), anchor(2), &acc, &cold),
        "ProofRejected",
    );
    // The largest field element is an anchor like any other.
    let top = p - U256::from(1);
    let proof = chain_fixture().prove_chain_report(&d.config, &r, root(slot), anchor(1), top);
    d.submit_chain(&r, ts, anchor(1), top, &acc, &proof)
        .unwrap();
    assert!(d.is_known_anchor(v, top).unwrap());
    assert_eq!(d.latest_anchor().unwrap(), top);
}

#[test]
fn an_oracle_switches_from_today_to_the_chain_design_and_back() {
    let mut d = deploy();
    let v1 = d.verifier;
    submit_ok(&mut d, 1_000, GWEI_32_ETH);
    let vc = d.deploy_verifier(chain_fixture().code()).unwrap();
    // Same rules as scheduleVerifier: owner only, code required, after the latest report.
    expect_revert(
        d.chain.call(
            Address::repeat_byte(9),
            d.oracle,
            calldata::schedule_chain_verifier(vc, 2_000),
            U256::ZERO,
        ),
        "NotOwner",
    );
    expect_revert(
        d.schedule_chain_verifier(vc, 1_000),
        "ActivationNotInFuture",
    );
    expect_revert(
        d.schedule_chain_verifier(Address::repeat_byte(0x77), 2_000),
        "NoCode",
    );
    // An unused entry is replaced, whatever its kind.
    d.schedule_verifier(v1, 2_500).unwrap();
    let receipt = d.schedule_chain_verifier(vc, 2_000).unwrap();
    assert_eq!(
        receipt
            .events_named("VerifierScheduled(address,uint64)")
            .count(),
        1
    );
    assert_eq!(d.verifier_at(0).unwrap(), (0, v1, false));
    assert_eq!(d.verifier_at(1).unwrap(), (2_000, vc, true));
    assert_eq!(d.verifier_for(2_000).unwrap(), vc);

    submit_ok(&mut d, 1_999, GWEI_32_ETH);
    // From the activation slot on, submitReport is refused and chain reports are accepted.
    let slot = 2_000;
    let r = report(slot, GWEI_32_ETH);
    let ts = publish_root(&mut d, slot);
    let today = fixture().prove_report(&d.config, &r, root(slot));
    expect_revert(
        d.submit(&r, ts, &fixture().accumulator(), &today),
        "VerifierNeedsAnchors",
    );
    submit_chain_ok(&mut d, slot, GWEI_32_ETH, U256::ZERO, anchor(1));
    submit_chain_ok(&mut d, slot + 1, GWEI_32_ETH, anchor(1), anchor(2));

    // And back to an unanchored verifier later: submitChainReport is refused there.
    d.schedule_verifier(v1, 3_000).unwrap();
    assert_eq!(d.verifier_at(2).unwrap(), (3_000, v1, false));
    let (r, ts, proof) = prepare_chain(&mut d, 3_000, GWEI_32_ETH, anchor(2), anchor(3));
    expect_revert(
        d.submit_chain(
            &r,
            ts,
            anchor(2),
            anchor(3),
            &chain_fixture().accumulator(),
            &proof,
        ),
        "VerifierTakesNoAnchors",
    );
    submit_ok(&mut d, 3_000, GWEI_32_ETH);
    assert_eq!(d.latest_anchor().unwrap(), anchor(2));
    assert_eq!(d.report_count().unwrap(), 5);
}

#[test]
fn a_chain_verifier_scheduled_at_slot_zero_before_any_report() {
    let mut d = Deployment::new(chain_fixture().code(), config()).unwrap();
    let v = d.verifier;
    d.schedule_chain_verifier(v, 0).unwrap();
    let count = calldata::decode_words(
        &d.chain
            .view(d.oracle, calldata::call("verifierCount()", &[]))
            .unwrap(),
    )[0];
    assert_eq!(count, U256::from(1));
    assert_eq!(d.verifier_at(0).unwrap(), (0, v, true));
    assert_eq!(d.verifier_for(0).unwrap(), v);
    submit_chain_ok(&mut d, 10, GWEI_32_ETH, U256::ZERO, anchor(1));
    expect_revert(d.schedule_chain_verifier(v, 0), "ActivationNotInFuture");
    expect_revert(d.schedule_chain_verifier(v, 10), "ActivationNotInFuture");
    d.schedule_chain_verifier(v, 11).unwrap();
    // The chain oracle of `Deployment::new_chain` is the same.
    let mut c = chain_deploy();
    assert_eq!(c.verifier_at(0).unwrap(), (0, c.verifier, true));
    expect_revert(
        c.chain.call(
            Address::repeat_byte(9),
            c.oracle,
            calldata::schedule_chain_verifier(c.verifier, 0),
            U256::ZERO,
        ),
        "NotOwner",
    );
}

#[test]
fn oracle_builds_the_documented_chain_public_inputs() {
    let mut d = chain_deploy();
    let r = edge_report();
    let root = B256::from([0xffu8; 32]);
    let acc = chain_fixture().accumulator();
    let (old, new) = (anchor(8), SCALAR_FIELD_MODULUS - U256::from(1));
    let on_chain = d
        .oracle_chain_public_inputs(&r, root, old, new, &acc)
        .unwrap();
    assert_eq!(on_chain.len(), NUM_CHAIN_PUBLIC_INPUTS);
    assert_eq!(
        on_chain,
        d.chain_public_inputs(&r, root, old, new, &acc).to_vec()
    );
    let today = d.oracle_public_inputs(&r, root, &acc).unwrap();
    assert_eq!(on_chain[..NUM_PUBLIC_INPUTS], today[..]);
    assert_eq!(on_chain[24..], [old, new]);
    let err = d
        .oracle_chain_public_inputs(&r, root, SCALAR_FIELD_MODULUS, new, &acc)
        .unwrap_err();
    assert_eq!(err.revert_name(), Some("AnchorNotFieldElement"), "{err}");
}

#[test]
fn gas_of_submit_report_and_submit_chain_report_and_oracle_size() {
    let art = stakeproof_contracts::contracts::artifacts().unwrap();
    let mut today = deploy();
    let first = submit_ok(&mut today, S, 10 * GWEI_32_ETH).gas_used;
    let next = submit_ok(&mut today, S + DAY_SLOTS, 10 * GWEI_32_ETH + 1).gas_used;
    let mut chain = chain_deploy();
    let cold = submit_chain_ok(&mut chain, S, 10 * GWEI_32_ETH, U256::ZERO, anchor(1)).gas_used;
    let from_anchor = submit_chain_ok(
        &mut chain,
        S + DAY_SLOTS,
        10 * GWEI_32_ETH + 1,
        anchor(1),
        anchor(2),
    )
    .gas_used;
    let (size, within) = chain.code_size(chain.oracle);
    assert_eq!(size, art.oracle.deployed_size);
    assert!(
        within && size <= MAX_CODE_SIZE,
        "oracle runtime {size} bytes"
    );
    let report = serde_json::json!({
        "circuit": "test stand-ins: 24 and 26 public inputs, k = 8, SHPLONK, unsafe seeded setup",
        "submit_report_first_tx_gas": first,
        "submit_report_next_tx_gas": next,
        "submit_chain_report_cold_tx_gas": cold,
        "submit_chain_report_from_anchor_tx_gas": from_anchor,
        "chain_verifier_runtime_bytes": chain_fixture().verifier.deployed_size,
        "oracle_runtime_bytes": size,
        "eip170_limit_bytes": MAX_CODE_SIZE,
        "note": "tx gas includes the 21,000 intrinsic gas and calldata; the chain stand-in's verifier checks two more inputs",
    });
    let dir = solc::target_dir().join("contract-reports");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("oracle-anchors.json"),
        serde_json::to_string_pretty(&report).unwrap(),
    )
    .unwrap();
    println!("{}", serde_json::to_string_pretty(&report).unwrap());
}

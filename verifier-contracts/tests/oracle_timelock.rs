//! The verifier timelock: with `VERIFIER_DELAY` set, a verifier scheduled now may check only
//! reports of slots that start at least that long from now, so the pool's users see it coming
//! (an event) days before it can accept anything; the owner may cancel it until its first slot
//! starts; the deployment refuses a delay above `MAX_VERIFIER_DELAY`. Real SHPLONK proofs of the
//! stand-in circuit (see `common`) show which verifier a report went through.

mod common;

use common::*;
use revm::primitives::{Address, U256};
use stakeproof_contracts::{
    calldata,
    deployment::{Deployment, OracleConfig, OWNER},
    evm::TxError,
};

const DAY: u64 = 86_400;
const GENESIS: u64 = 1_600_000_000;

fn expect_revert<T: std::fmt::Debug>(result: Result<T, TxError>, name: &str) {
    match result {
        Ok(v) => panic!("expected revert {name}, but it succeeded: {v:?}"),
        Err(e) => assert_eq!(e.revert_name(), Some(name), "expected {name}, got {e}"),
    }
}

fn timelocked(delay: u64) -> OracleConfig {
    OracleConfig {
        genesis_time: GENESIS,
        verifier_delay: delay,
        ..config()
    }
}

/// The slot whose start is the chain's current time (rounded down).
fn current_slot(d: &Deployment) -> u64 {
    (d.chain.timestamp() - GENESIS) / 12
}

#[test]
fn a_delay_above_the_maximum_is_refused_at_deployment() {
    let max = 30 * DAY;
    Deployment::new(fixture().code(), timelocked(max)).expect("30 days is allowed");
    let err = Deployment::new(fixture().code(), timelocked(max + 1)).unwrap_err();
    assert!(err.to_string().contains("VerifierDelayTooLong"), "{err}");
}

#[test]
fn a_verifier_change_waits_out_the_delay_and_can_be_cancelled_until_then() {
    let mut d = Deployment::new(fixture().code(), timelocked(3 * DAY)).expect("deploy");
    let v1 = d.verifier;
    let v2 = d.deploy_verifier(fixture2().code()).unwrap();
    let now_slot = current_slot(&d);
    submit_ok(&mut d, now_slot - 10, GWEI_32_ETH);

    // The earliest start is the first slot at least three days from now.
    let earliest = d.earliest_activation_slot().unwrap();
    let earliest_start = GENESIS + earliest * 12;
    let now = d.chain.timestamp();
    assert!(earliest_start >= now + 3 * DAY && earliest_start < now + 3 * DAY + 12);
    let err = d.schedule_verifier(v2, earliest - 1).unwrap_err();
    assert_eq!(err.revert_name(), Some("ActivationTooSoon"), "{err}");
    expect_revert(d.schedule_chain_verifier(v2, now_slot), "ActivationTooSoon");
    let receipt = d.schedule_verifier(v2, earliest).unwrap();
    assert_eq!(
        receipt
            .events_named("VerifierScheduled(address,uint64)")
            .count(),
        1,
        "users see it coming"
    );
    assert_eq!(d.verifier_for(earliest - 1).unwrap(), v1);
    assert_eq!(d.verifier_for(earliest).unwrap(), v2);

    // Until then reports go through the verifier in force.
    submit_ok(&mut d, now_slot - 5, GWEI_32_ETH);

    // Cancelling: the owner only, the pending last entry only.
    expect_revert(
        d.chain.call(
            Address::repeat_byte(9),
            d.oracle,
            calldata::call("cancelVerifier(uint64)", &[U256::from(earliest).into()]),
            U256::ZERO,
        ),
        "NotOwner",
    );
    expect_revert(d.cancel_verifier(earliest + 1), "NothingToCancel");
    let receipt = d.cancel_verifier(earliest).unwrap();
    assert_eq!(
        receipt
            .events_named("VerifierCancelled(address,uint64)")
            .count(),
        1
    );
    assert_eq!(d.verifier_for(earliest).unwrap(), v1);
    expect_revert(d.cancel_verifier(0), "NothingToCancel");

    // Scheduled again (time has moved: the earliest slot with it), and in force once its
    // first slot has started: no cancelling then, and reports from that slot on need the new
    // circuit.
    let act = d.earliest_activation_slot().unwrap();
    assert!(act >= earliest);
    d.schedule_verifier(v2, act).unwrap();
    d.chain
        .set_block(d.chain.block_number() + 30_000, GENESIS + act * 12 + 12);
    expect_revert(d.cancel_verifier(act), "NothingToCancel");
    let r = report(act, GWEI_32_ETH);
    let ts = publish_root(&mut d, act);
    let old = fixture().prove_report(&d.config, &r, root(act));
    expect_revert(
        d.submit(&r, ts, &fixture().accumulator(), &old),
        "ProofRejected",
    );
    let new = fixture2().prove_report(&d.config, &r, root(act));
    d.submit(&r, ts, &fixture2().accumulator(), &new)
        .expect("the new verifier, in force");
}

#[test]
fn without_a_delay_a_pending_entry_is_cancelled_before_its_slot_starts() {
    // No timelock (a devnet): any slot after the latest report, cancellable until it starts.
    let mut d = Deployment::new(fixture().code(), timelocked(0)).expect("deploy");
    let v2 = d.deploy_verifier(fixture2().code()).unwrap();
    let now_slot = current_slot(&d);
    d.schedule_verifier(v2, now_slot + 100).unwrap();
    d.cancel_verifier(now_slot + 100).unwrap();
    d.schedule_verifier(v2, now_slot - 100).unwrap();
    expect_revert(d.cancel_verifier(now_slot - 100), "NothingToCancel");
    let _ = OWNER;
}

//! The pool's pending deposits in the oracle: a verifier scheduled with
//! `schedulePendingVerifier` checks reports whose final statement appends the pending count and
//! sum (26 public inputs), submitted through `submitPendingReport`. Real SHPLONK proofs of the
//! 26-input stand-in circuit (`common::chain_fixture`) on revm: the values stored beside the
//! report and served, `getReport` unchanged, the example LSD counting them, each kind of
//! submission refused by the other kinds' verifiers, tampered values, the bound on the balance
//! alone, and switching kinds.

mod common;

use common::*;
use revm::primitives::{Address, B256, U256};
use stakeproof_contracts::{calldata, deployment::Deployment, evm::TxError, Receipt, Report};

const RECORDED: &str = "PendingDepositsRecorded(uint64,uint64,uint128)";
const S: u64 = 9_000_000;

fn expect_revert(result: Result<Receipt, TxError>, name: &str) {
    match result {
        Ok(_) => panic!("expected revert {name}, but the transaction succeeded"),
        Err(e) => assert_eq!(e.revert_name(), Some(name), "expected {name}, got {e}"),
    }
}

/// An oracle whose verifier from slot 0 on is the 26-input stand-in, taking pending deposits.
fn pending_deploy() -> Deployment {
    Deployment::new_pending(chain_fixture().code(), config()).expect("deploy pending oracle")
}

/// The report at `slot` with `gwei`, its root published (returns the timestamp), and a proof
/// of it with the pending values.
fn prepare(
    d: &mut Deployment,
    slot: u64,
    gwei: u128,
    pending: (u64, u128),
) -> (Report, u64, Vec<u8>) {
    let r = report(slot, gwei);
    let ts = publish_root(d, slot);
    let acc = chain_fixture().accumulator();
    let inputs = calldata::pending_public_inputs(
        &r,
        root(slot),
        d.config.pool_exact,
        d.config.pool_credentials,
        pending,
        &acc,
    );
    (r, ts, chain_fixture().prove(&inputs))
}

fn submit_pending_ok(d: &mut Deployment, slot: u64, gwei: u128, pending: (u64, u128)) -> Receipt {
    let (r, ts, proof) = prepare(d, slot, gwei, pending);
    let receipt = d
        .submit_pending(&r, ts, pending, &chain_fixture().accumulator(), &proof)
        .expect("valid pending report accepted");
    d.chain.advance_blocks(1);
    receipt
}

fn eth(n: u64) -> U256 {
    U256::from(n) * U256::from(10u64).pow(U256::from(18))
}

#[test]
fn pending_deposits_are_stored_beside_the_balance_and_the_lsd_counts_them() {
    let mut d = pending_deploy();
    let v = d.verifier;
    assert_eq!(d.verifier_at(0).unwrap(), (0, v, false));
    assert!(d.verifier_takes_pending(0).unwrap());
    let alice = Address::repeat_byte(0xa1);
    d.lsd_deposit(alice, eth(32)).unwrap();

    let (gwei, pending) = (10 * GWEI_32_ETH + 5, (2u64, 2 * GWEI_32_ETH));
    // The oracle builds the same inputs as the Rust mirror.
    let acc = chain_fixture().accumulator();
    let mirror = calldata::pending_public_inputs(
        &report(S, gwei),
        root(S),
        d.config.pool_exact,
        d.config.pool_credentials,
        pending,
        &acc,
    );
    assert_eq!(
        d.oracle_pending_public_inputs(&report(S, gwei), root(S), pending, &acc)
            .unwrap(),
        mirror.to_vec()
    );
    let receipt = submit_pending_ok(&mut d, S, gwei, pending);
    let ev: Vec<_> = receipt.events_named(RECORDED).collect();
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].topics[1], B256::from(U256::from(S)));
    assert_eq!(
        calldata::decode_words(&ev[0].data),
        vec![U256::from(pending.0), U256::from(pending.1)]
    );
    assert_eq!(d.pending_deposits_at(S).unwrap(), pending);
    assert_eq!(d.latest_report().unwrap(), report(S, gwei));
    // Lido's interface is unchanged: the beacon balance alone.
    let g = d.get_report(S).unwrap();
    assert!(g.success);
    assert_eq!(g.cl_balance_gwei, U256::from(gwei));
    // No report, no pending deposits.
    expect_revert_view(d.pending_deposits_at(S + 1), "NoReport");

    // The LSD pools the pending deposits too: (balance + pending) + its 32 ETH buffer.
    d.lsd_sync().unwrap();
    let pooled = U256::from(gwei + pending.1) * U256::from(1_000_000_000u64) + eth(32);
    assert_eq!(d.lsd_total_pooled().unwrap(), pooled);
    assert_eq!(d.lsd_rate().unwrap(), pooled / U256::from(32u64));
}

fn expect_revert_view<T: std::fmt::Debug>(r: Result<T, TxError>, name: &str) {
    match r {
        Ok(v) => panic!("expected revert {name}, got {v:?}"),
        Err(e) => assert_eq!(e.revert_name(), Some(name), "{e}"),
    }
}

/// Each submission goes only to its own kind of verifier: a pending verifier refuses
/// `submitReport` (whose submitter could otherwise put the two pending words at the start of
/// the proof bytes) and `submitChainReport`; plain and chain verifiers refuse
/// `submitPendingReport`. Nothing is stored by any of them.
#[test]
fn each_kind_of_report_goes_only_to_its_kind_of_verifier() {
    let acc = chain_fixture().accumulator();
    let pending = (1u64, GWEI_32_ETH);
    let mut d = pending_deploy();
    let (r, ts, proof) = prepare(&mut d, S, 10 * GWEI_32_ETH, pending);
    // The two pending words prepended to the proof: byte for byte the verifier's calldata.
    let mut smuggled = Vec::new();
    smuggled.extend(U256::from(pending.0).to_be_bytes::<32>());
    smuggled.extend(U256::from(pending.1).to_be_bytes::<32>());
    smuggled.extend(&proof);
    expect_revert(
        d.submit(&r, ts, &acc, &smuggled),
        "VerifierNeedsPendingDeposits",
    );
    expect_revert(
        d.submit_chain(
            &r,
            ts,
            U256::from(pending.0),
            U256::from(pending.1),
            &acc,
            &proof,
        ),
        "VerifierNeedsPendingDeposits",
    );
    assert_eq!(d.report_count().unwrap(), 0);

    // A plain oracle refuses a pending report before its verifier sees it.
    let mut plain = deploy();
    let (r, ts, proof) = prepare(&mut plain, S, 10 * GWEI_32_ETH, pending);
    expect_revert(
        plain.submit_pending(&r, ts, pending, &acc, &proof),
        "VerifierTakesNoPendingDeposits",
    );
    // A chain oracle names what it needs.
    let mut chain = Deployment::new_chain(chain_fixture().code(), config()).unwrap();
    let (r, ts, proof) = prepare(&mut chain, S, 10 * GWEI_32_ETH, pending);
    expect_revert(
        chain.submit_pending(&r, ts, pending, &acc, &proof),
        "VerifierNeedsAnchors",
    );
    assert_eq!(
        plain.report_count().unwrap() + chain.report_count().unwrap(),
        0
    );
}

#[test]
fn tampered_pending_values_are_rejected_by_the_proof() {
    let mut d = pending_deploy();
    let acc = chain_fixture().accumulator();
    let pending = (3u64, 3 * GWEI_32_ETH + 17);
    let (r, ts, proof) = prepare(&mut d, S, 10 * GWEI_32_ETH, pending);
    for (what, other) in [
        ("count + 1", (pending.0 + 1, pending.1)),
        ("count 0", (0, pending.1)),
        ("sum + 1 gwei", (pending.0, pending.1 + 1)),
        ("sum 0", (pending.0, 0)),
        ("both swapped", (pending.1 as u64, u128::from(pending.0))),
    ] {
        let err = d.submit_pending(&r, ts, other, &acc, &proof).unwrap_err();
        assert_eq!(err.revert_name(), Some("ProofRejected"), "{what}: {err}");
    }
    assert_eq!(d.report_count().unwrap(), 0);
    d.submit_pending(&r, ts, pending, &acc, &proof).unwrap();
    assert_eq!(d.pending_deposits_at(S).unwrap(), pending);
}

/// The bound (5% a day here) stays on the balance alone: a queue holding far more than the
/// bound (anyone can queue deposits with the pool's credentials) does not block reports, and
/// the balance is bounded as before.
#[test]
fn the_bound_is_on_the_balance_alone() {
    let mut d = pending_deploy();
    let total = 100 * GWEI_32_ETH;
    submit_pending_ok(&mut d, S, total, (0, 0));
    // A day later 50 deposits (50% of the balance) wait in the queue: accepted.
    submit_pending_ok(&mut d, S + DAY_SLOTS, total, (50, 50 * GWEI_32_ETH));
    // They vanish a day later (processed into someone else's validator): accepted.
    submit_pending_ok(&mut d, S + 2 * DAY_SLOTS, total, (0, 0));
    // A balance 10% up in a day: refused, whatever the queue holds.
    let slot = S + 3 * DAY_SLOTS;
    let pending = (0u64, 0u128);
    let (r, ts, proof) = prepare(&mut d, slot, total + 10 * GWEI_32_ETH, pending);
    let acc = chain_fixture().accumulator();
    expect_revert(
        d.submit_pending(&r, ts, pending, &acc, &proof),
        "BalanceChangeTooLarge",
    );
    assert_eq!(d.report_count().unwrap(), 3);
}

/// An oracle that moves from a pending-deposits verifier to a plain one (or back) at a later
/// slot: each slot's reports go through its own verifier's entry point, the plain reports
/// serve zero pending deposits, and the LSD follows.
#[test]
fn an_oracle_switches_between_plain_and_pending_verifiers() {
    let mut d = pending_deploy();
    let vp = d.verifier;
    let vq = d.deploy_verifier(fixture().code()).unwrap();
    d.schedule_verifier(vq, S + DAY_SLOTS).unwrap();
    d.schedule_pending_verifier(vp, S + 2 * DAY_SLOTS).unwrap();
    assert!(d.verifier_takes_pending(0).unwrap());
    assert!(!d.verifier_takes_pending(1).unwrap());
    assert!(d.verifier_takes_pending(2).unwrap());
    let gwei = 10 * GWEI_32_ETH;
    submit_pending_ok(&mut d, S, gwei, (3, 3 * GWEI_32_ETH));
    // The plain slot: a pending report is refused, a plain one accepted.
    let slot = S + DAY_SLOTS;
    let (r, ts, proof) = prepare(&mut d, slot, gwei, (1, GWEI_32_ETH));
    let acc = chain_fixture().accumulator();
    expect_revert(
        d.submit_pending(&r, ts, (1, GWEI_32_ETH), &acc, &proof),
        "VerifierTakesNoPendingDeposits",
    );
    d.chain.advance_blocks(1);
    submit_ok(&mut d, slot, gwei);
    assert_eq!(d.pending_deposits_at(slot).unwrap(), (0, 0));
    assert_eq!(d.pending_deposits_at(S).unwrap(), (3, 3 * GWEI_32_ETH));
    d.lsd_sync().unwrap();
    let wei = |g: u128| U256::from(g) * U256::from(1_000_000_000u64);
    assert_eq!(d.lsd_total_pooled().unwrap(), wei(gwei));
    // Back to the pending verifier.
    submit_pending_ok(&mut d, S + 2 * DAY_SLOTS, gwei, (1, GWEI_32_ETH));
    d.lsd_sync().unwrap();
    assert_eq!(d.lsd_total_pooled().unwrap(), wei(gwei + GWEI_32_ETH));
    assert_eq!(d.report_count().unwrap(), 3);
}

/// A plain oracle's reports have no pending deposits, and serve zeros.
#[test]
fn reports_without_pending_deposits_serve_zeros() {
    let mut d = deploy();
    submit_ok(&mut d, S, 10 * GWEI_32_ETH);
    assert_eq!(d.pending_deposits_at(S).unwrap(), (0, 0));
    assert!(!d.verifier_takes_pending(0).unwrap());
    d.lsd_sync().unwrap();
    assert_eq!(
        d.lsd_total_pooled().unwrap(),
        U256::from(10 * GWEI_32_ETH) * U256::from(1_000_000_000u64)
    );
}

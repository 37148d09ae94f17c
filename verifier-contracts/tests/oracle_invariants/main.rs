//! Contract invariants of `BeaconBalanceOracle` as property tests: random sequences of
//! operations (reports valid and not, with and without the pool's pending deposits, pause,
//! verifier schedules of the plain and pending kinds (not the chain kind, which
//! `tests/oracle_anchors.rs` covers), bound changes, ownership moves, time and EIP-4788 roots,
//! LSD syncs, from different senders) run on revm against a Rust model.
//! After every step the contract's state is checked:
//!
//! 1. at most one stored report per slot (raw `_reportSlots` has no duplicate);
//! 2. stored slots strictly increasing;
//! 3. every stored report within the bound in force when it was stored;
//! 4. every stored report verified by the verifier scheduled for its slot (and never by one that
//!    rejects everything);
//! 5. the views (`reportAt`, `hasReport`, `latestReport`, `reportCount`, `getReport`,
//!    `verifierFor`/`verifierAt`, `pendingDepositsAt`/`latestPendingDeposits`, owner, paused,
//!    bound, the LSD's synced report) agree with the stored reports and the model;
//!
//! and every transaction's outcome (success, or the exact custom error) is the model's.
//!
//! No proving: the verifiers are tiny hand-written EVM programs. A "binding" verifier with tag
//! `t` accepts exactly the calldata `inputs ‖ keccak256(inputs ‖ t)` (so a proof is valid for
//! one verifier and one set of public inputs: root, slot, pool, totals, accumulator), next to a
//! verifier that rejects everything and one that accepts everything.
//!
//! Default: [`DEFAULT_CASES`] sequences of [`DEFAULT_STEPS`] steps; `PROPTEST_CASES` and
//! `ORACLE_INVARIANT_STEPS` raise them for a long run.

use proptest::{
    prelude::*,
    sample::Index,
    test_runner::{Config, TestCaseError, TestRunner},
};
use revm::primitives::{address, keccak256, Address, B256, U256};
use stakeproof_contracts::{
    calldata::{
        self, Token, NUM_ACCUMULATOR_LIMBS, NUM_PENDING_PUBLIC_INPUTS, NUM_PUBLIC_INPUTS,
        SUBMIT_PENDING_REPORT_SIGNATURE, SUBMIT_REPORT_SIGNATURE,
    },
    contracts,
    deployment::{Deployment, OracleConfig, VerifierCode, OWNER, SUBMITTER},
    evm::{TxError, BEACON_ROOTS_ADDRESS},
    solc, Report,
};
use std::{cell::RefCell, collections::BTreeMap, collections::HashMap};

/// Sequences per run unless `PROPTEST_CASES` says otherwise.
const DEFAULT_CASES: u32 = 256;
/// Steps per sequence unless `ORACLE_INVARIANT_STEPS` says otherwise.
const DEFAULT_STEPS: usize = 48;

const STRANGER: Address = address!("00000000000000000000000000000000000005e5");
const HEIR: Address = address!("00000000000000000000000000000000000004e1");
/// The senders; [`Who::Idx`] indexes this.
const SENDERS: [Address; 4] = [OWNER, SUBMITTER, STRANGER, HEIR];

/// EIP-4788 HISTORY_BUFFER_LENGTH and the oracle's window in seconds.
const HISTORY: u64 = 8191;
const WINDOW_S: u64 = HISTORY * 12;
const BPS: u64 = 10_000;
const DAY_S: u64 = 86_400;
const MAX_BOUND: u64 = 10_000_000;
/// Slot of a first report "after nothing".
const BASE_SLOT: u64 = 9_000_000;
const GWEI_32_ETH: u128 = 32_000_000_000;

/// Storage slots of the oracle's state variables (`owner`, `paused` and
/// `maxChangeBpsPerDay` share slot 0).
const SLOT_OWNER_PAUSED_BOUND: u64 = 0;
const SLOT_REPORTS: u64 = 2;
const SLOT_REPORT_SLOTS: u64 = 3;

mod harness;
mod invariants;
mod model;
mod mutants;
mod ops;
mod verifiers;

use harness::*;
use model::*;
use ops::*;
use verifiers::*;

fn run_sequence(
    ops: &[Op],
    stats: &RefCell<BTreeMap<String, usize>>,
    mutant: Option<&[u8]>,
    strict: bool,
) -> Result<(), TestCaseError> {
    let (d, v) = setup(mutant);
    let m = Model::new(&d, v);
    let mut run = Run {
        d,
        m,
        stats,
        strict,
    };
    run.publish();
    run.check()?;
    for (i, op) in ops.iter().enumerate() {
        run.step(op)
            .map_err(|e| TestCaseError::fail(format!("step {i} ({op:?}): {e}")))?;
        run.check()
            .map_err(|e| TestCaseError::fail(format!("after step {i} ({op:?}): {e}")))?;
    }
    let bucket = match run.m.reports.len() {
        0 => "0",
        1..=2 => "1-2",
        3..=5 => "3-5",
        6..=10 => "6-10",
        _ => "11+",
    };
    run.note(&format!("sequences ending with {bucket} reports"), &Ok(()));
    Ok(())
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn random_operation_sequences_keep_the_oracle_invariants() {
    let cases = env_or("PROPTEST_CASES", DEFAULT_CASES);
    let steps = env_or("ORACLE_INVARIANT_STEPS", DEFAULT_STEPS);
    let config = Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 2048,
        ..Config::default()
    };
    let stats = RefCell::new(BTreeMap::new());
    let started = std::time::Instant::now();
    let mut runner = TestRunner::new(config);
    let result = runner.run(&prop::collection::vec(op(), steps), |ops| {
        run_sequence(&ops, &stats, None, true)
    });
    let stats = stats.into_inner();
    eprintln!(
        "{cases} sequences x {steps} steps in {:.1?}; outcomes:",
        started.elapsed()
    );
    for (k, n) in &stats {
        eprintln!("  {n:6}  {k}");
    }
    if let Err(e) = result {
        panic!("{e}");
    }
    // The run is not vacuous: reports are stored and each guard is reached.
    if cases >= DEFAULT_CASES {
        for key in [
            "submitReport: ok",
            "stored through Some(Binding(178, 24)): ok",
            "stored through Some(Binding(195, 26)): ok",
            "submitPendingReport: ok",
            "submitPendingReport: VerifierTakesNoPendingDeposits",
            "submitReport: VerifierNeedsPendingDeposits",
            "schedulePendingVerifier: ok",
            "ProofRejected by Some(RejectAll): ok",
            "submitReport: ProofRejected",
            "submitReport: BalanceChangeTooLarge",
            "submitReport: SlotNotAfterLatest",
            "submitReport: ReportAlreadySubmitted",
            "submitReport: BeaconRootUnavailable",
            "submitReport: TimestampOutOfWindow",
            "submitReport: OraclePaused",
            "scheduleVerifier: ok",
            "scheduleVerifier: ActivationNotInFuture",
            "scheduleVerifier: NotOwner",
        ] {
            assert!(stats.contains_key(key), "no step reached {key:?}");
        }
    }
}

/// The stand-in verifiers behave as the model says (the property test relies on it).
#[test]
fn mock_verifiers_accept_exactly_their_proofs() {
    let (mut d, v) = setup(None);
    let report = Report {
        slot: BASE_SLOT,
        total_balance_gwei: GWEI_32_ETH,
        ..Report::default()
    };
    let acc = accumulator(3);
    let inputs = d.public_inputs(&report, beacon_root(1), &acc);
    let mut other = inputs;
    other[NUM_ACCUMULATOR_LIMBS] += U256::from(1u8);
    let cases: [(Address, Vec<u8>, bool); 9] = [
        (v.a, bind(TAG_A, &inputs), true),
        (v.a, bind(TAG_B, &inputs), false),
        (v.a, bind(TAG_A, &other), false),
        (v.a, [bind(TAG_A, &inputs), vec![0]].concat(), false),
        (v.a, Vec::new(), false),
        (v.b, bind(TAG_B, &inputs), true),
        (v.b, bind(TAG_A, &inputs), false),
        (v.reject, bind(TAG_A, &inputs), false),
        (v.accept, Vec::new(), true),
    ];
    for (verifier, proof, ok) in cases {
        let got = d.call_verifier(verifier, &inputs, &proof).is_ok();
        assert_eq!(got, ok, "verifier {verifier} proof {}", hex::encode(&proof));
        let kind = v.kind(verifier).unwrap();
        assert_eq!(accepts(kind, &inputs, &proof), ok);
    }
    // P takes the 26 inputs of a report with its pending deposits, and only those.
    let cfg = d.config;
    let pending = inputs_for(
        &report,
        beacon_root(1),
        cfg.pool_exact,
        cfg.pool_credentials,
        &acc,
        Some((3, 96_000_000_000)),
    );
    let cases: [(Address, &[U256], Vec<u8>, bool); 4] = [
        (v.p, &pending, bind(TAG_P, &pending), true),
        (v.p, &pending, bind(TAG_A, &pending), false),
        (v.p, &inputs, bind(TAG_P, &inputs), false),
        (v.a, &pending, bind(TAG_A, &pending), false),
    ];
    for (verifier, inputs, proof, ok) in cases {
        let got = d.call_verifier(verifier, inputs, &proof).is_ok();
        assert_eq!(got, ok, "verifier {verifier} on {} inputs", inputs.len());
        assert_eq!(accepts(v.kind(verifier).unwrap(), inputs, &proof), ok);
    }
}

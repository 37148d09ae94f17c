//! Each way to spoil an otherwise valid oracle submission, and the custom error the oracle must
//! revert with (`CASES`): paused, timestamps outside the EIP-4788 window or without a root, a
//! root of another block, slots not after the latest report, balance changes above the bound,
//! proofs of another pool, flag, setup or accumulator, tampered proof bytes and public inputs.
//! Real SHPLONK proofs of the 24-input stand-in circuit on revm (see `common`); nothing is
//! stored by a rejected submission, and the unspoiled one is accepted.

mod common;

use common::*;
use halo2_base::halo2_proofs::poly::commitment::ParamsProver;
use revm::primitives::{Address, U256};
use stakeproof_contracts::{
    deployment::{Deployment, OracleConfig},
    evm::TxError,
    Report,
};

/// A rejection case: how to spoil a fresh, otherwise valid submission, and the oracle's custom
/// error it must revert with (`ProofRejected`: the verifier contract refused the proof for the
/// public inputs the oracle built).
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

//! Tampered copies of the end-to-end test's final proof, rejected natively, by the binary and
//! on-chain. Each table row names what is tampered and the check that must reject it.
//!
//! The final proof is expensive (three aggregation proofs at k = 20/22, 35–45 min), so these
//! tables run inside `end_to_end.rs` (`#[path]`-included there as a module) on its final proof:
//! the committed one in the default run, a fresh one in its ignored whole-tree run. As a test
//! target of its own this file holds no test.
//!
//! - [`NATIVE`]: `FinalArtifact::verify` (statement ↔ public inputs, verifying key, then
//!   `verify_final`: proof read and the pairing with the accumulator);
//! - [`rejected_by_the_cli`]: `stakeproof verify` on a tampered file exits 5;
//! - [`ON_CHAIN`]: `submitReport` on the oracle in revm (its custom error: `ProofRejected` when
//!   the generated verifier refuses the public inputs the oracle built).
#![allow(dead_code)]

use stakeproof_contracts::deployment::Deployment;
use stakeproof_contracts::{Report, U256};
use stakeproof_prover::final_artifact::{fr_word, word_fr, FinalArtifact};
use stakeproof_prover::srs::Srs;

/// A tampered copy of the final artifact and what must reject it in `FinalArtifact::verify`.
pub struct NativeTamper {
    /// What is tampered.
    pub what: &'static str,
    /// The check that rejects it.
    pub rejected_by: &'static str,
    /// The verifying-key digest the verifier is told to expect (`None`: the artifact's own).
    pub expected_vk: Option<&'static str>,
    /// Text the error must contain, if any.
    pub mentions: Option<&'static str>,
    /// The change to an honest copy.
    pub spoil: fn(&mut FinalArtifact),
}

/// Public input 12 + i is the statement's `i`-th field element (12 accumulator limbs first).
const ACC: usize = 12;

pub const NATIVE: &[NativeTamper] = &[
    NativeTamper {
        what: "another expected key",
        rejected_by: "artifact: verifying key is not the expected one",
        expected_vk: Some("0x00"),
        mentions: None,
        spoil: |_| {},
    },
    NativeTamper {
        what: "statement ≠ public inputs",
        rejected_by: "artifact: decoded statement ≠ public inputs",
        expected_vk: None,
        mentions: None,
        spoil: |a| a.statement.total_balance_gwei += 1,
    },
    NativeTamper {
        what: "total balance, statement and public input alike",
        rejected_by: "verify_final: pairing",
        expected_vk: None,
        mentions: Some("does not verify"),
        spoil: |a| {
            a.statement.total_balance_gwei += 1;
            let inst = a.statement.to_instances().unwrap();
            a.instances[ACC + 8] = fr_word(&inst[8]);
        },
    },
    NativeTamper {
        what: "another block root",
        rejected_by: "verify_final: pairing",
        expected_vk: None,
        mentions: None,
        spoil: |a| {
            let mut other: [u8; 32] = hex::decode(&a.statement.block_root[2..])
                .unwrap()
                .try_into()
                .unwrap();
            other[31] ^= 1;
            a.statement.block_root = format!("0x{}", hex::encode(other));
            a.instances[ACC + 1] = fr_word(&a.statement.to_instances().unwrap()[1]);
        },
    },
    NativeTamper {
        what: "a flipped proof byte",
        rejected_by: "verify_final: proof read or pairing",
        expected_vk: None,
        mentions: None,
        spoil: |a| {
            let mut p = a.proof_bytes().unwrap();
            p[100] ^= 1;
            a.proof = format!("0x{}", hex::encode(&p));
        },
    },
    NativeTamper {
        what: "a changed accumulator limb",
        rejected_by: "verify_final: pairing (accumulator)",
        expected_vk: None,
        mentions: None,
        spoil: |a| {
            a.instances[0] = fr_word(&(word_fr(&a.instances[0]).unwrap() + fr_one()));
        },
    },
];

fn fr_one() -> stakeproof_circuits::Fr {
    stakeproof_circuits::Fr::one()
}

/// Every row of [`NATIVE`] on a copy of the honest artifact `art`.
pub fn rejected_natively(art: &FinalArtifact, srs: &Srs) {
    for t in NATIVE {
        let mut bad = art.clone();
        (t.spoil)(&mut bad);
        let e = match bad.verify(srs, t.expected_vk) {
            Ok(()) => panic!(
                "{}: verifies (must be rejected by {})",
                t.what, t.rejected_by
            ),
            Err(e) => e,
        };
        if let Some(m) = t.mentions {
            assert!(e.contains(m), "{}: {e}", t.what);
        }
    }
}

/// `stakeproof verify` on a copy of `art` with a flipped proof byte exits 5 (rejected by
/// `verify_final`, reported as "does not verify").
pub fn rejected_by_the_cli(work: &std::path::Path, art: &FinalArtifact) {
    let w = work.to_str().unwrap();
    let mut bad = art.clone();
    let mut proof = bad.proof_bytes().unwrap();
    proof[200] ^= 1;
    bad.proof = format!("0x{}", hex::encode(&proof));
    let bad_path = work.join("tampered-proof.json");
    bad.write(&bad_path).unwrap();
    let out = assert_cmd::Command::cargo_bin("stakeproof")
        .unwrap()
        .args([
            "verify",
            bad_path.to_str().unwrap(),
            "--unsafe-srs",
            "--work-dir",
            w,
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(5),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// What `submitReport` is given.
#[derive(Clone)]
pub struct Submission {
    /// The report.
    pub report: Report,
    /// The EIP-4788 timestamp whose root the proof must be bound to.
    pub timestamp: u64,
    /// The proof's 12 accumulator limbs.
    pub accumulator: [U256; 12],
    /// The proof bytes.
    pub proof: Vec<u8>,
}

/// A spoiled submission and the oracle's custom error it must revert with.
pub struct OnChainTamper {
    /// What is tampered.
    pub what: &'static str,
    /// The revert expected.
    pub error: &'static str,
    /// The change to the honest submission.
    pub spoil: fn(&mut Submission),
}

/// Rows run against a deployment that holds the block root at `timestamp` and another block's
/// root at `timestamp - 12`, and nothing at `timestamp - 6`.
pub const ON_CHAIN: &[OnChainTamper] = &[
    OnChainTamper {
        what: "a flipped proof byte",
        error: "ProofRejected",
        spoil: |s| s.proof[64] ^= 1,
    },
    OnChainTamper {
        what: "the total balance (public input)",
        error: "ProofRejected",
        spoil: |s| s.report.total_balance_gwei += 1,
    },
    OnChainTamper {
        what: "an accumulator limb",
        error: "ProofRejected",
        spoil: |s| s.accumulator[3] += U256::from(1),
    },
    OnChainTamper {
        what: "the root of another block (the previous timestamp)",
        error: "ProofRejected",
        spoil: |s| s.timestamp -= 12,
    },
    OnChainTamper {
        what: "a timestamp with no root at all",
        error: "BeaconRootUnavailable",
        spoil: |s| s.timestamp -= 6,
    },
];

/// Every row of [`ON_CHAIN`] on a copy of the honest submission; none stores anything.
pub fn rejected_on_chain(d: &mut Deployment, honest: &Submission) {
    for t in ON_CHAIN {
        let mut s = honest.clone();
        (t.spoil)(&mut s);
        let got = d
            .submit(&s.report, s.timestamp, &s.accumulator, &s.proof)
            .map(|r| r.gas_used)
            .map_err(|e| e.revert_name().unwrap_or("?").to_string());
        assert_eq!(got, Err(t.error.to_string()), "{}", t.what);
    }
}

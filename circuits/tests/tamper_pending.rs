//! Soundness of the pending-deposit circuit under MockProver: a tampered public input, a
//! tampered witness proven against the honest statement, or any single advice cell changed
//! after witness generation, is rejected. (The real verifier's rejections of changed public
//! inputs: `pending.rs`.)
//!
//! - every instance `+1`: rejected by the instance column's copy constraint (each instance is a
//!   cell the circuit computes);
//! - `TAMPERS`: a member declared outside the pool, a non-member declared inside, an amount, the
//!   queue's length (lowered to drop the last entry, or raised), the range's position, a Merkle
//!   sibling, the header: the SHA-256 path no longer reaches the honest block root, or the sums
//!   no longer equal the honest ones;
//! - an entry of the pool written past the queue's length is accepted and counts nothing: SSZ
//!   puts zero chunks there, so the circuit ignores those bytes (the length is bound to the
//!   block root);
//! - `random_cells`: one random halo2-base advice cell, changed by a random non-zero delta.

#[path = "common/pending.rs"]
mod common;

use common::{accepts, mixed_range, mock, spec, state, witness, K_PENDING, N_P, QUEUE};
use stakeproof_beacon::report::Pool;
use stakeproof_circuits::pending::{pending_public, PendingWitness, PENDING_INSTANCES};
use stakeproof_circuits::Fr;

/// The instances, by position (`pending/mod.rs`).
const NAMES: [&str; PENDING_INSTANCES] = [
    "start",
    "queue_len",
    "slot",
    "block_hi",
    "block_lo",
    "pool_mode",
    "pool_hi",
    "pool_lo",
    "count",
    "total_gwei",
];

/// A change to an honest witness (member at `m`, non-member at `o` of the range).
struct Tamper {
    what: &'static str,
    rejected_by: &'static str,
    spoil: fn(&mut PendingWitness, usize, usize),
}

const PATH: &str = "SHA-256 path: the block root instance";
const SUMS: &str = "the pool_mode instance (and the sums when a member has the 0x02 form)";

const TAMPERS: &[Tamper] = &[
    Tamper {
        what: "a member's credentials made BLS (declared outside the pool)",
        rejected_by: PATH,
        spoil: |w, m, _| w.entries[m][48] = 0x00,
    },
    Tamper {
        what: "a non-member's credentials made the pool's (declared inside)",
        rejected_by: PATH,
        spoil: |w, _, o| {
            let c = w.pool.credentials;
            w.entries[o][48..80].copy_from_slice(&c);
        },
    },
    Tamper {
        what: "a member's amount lowered by 1 gwei",
        rejected_by: PATH,
        spoil: |w, m, _| {
            let a = u64::from_le_bytes(w.entries[m][80..88].try_into().unwrap()) - 1;
            w.entries[m][80..88].copy_from_slice(&a.to_le_bytes());
        },
    },
    Tamper {
        what: "the queue's length lowered by one",
        rejected_by: PATH,
        spoil: |w, _, _| w.queue_len -= 1,
    },
    Tamper {
        what: "the queue's length raised by one",
        rejected_by: PATH,
        spoil: |w, _, _| w.queue_len += 1,
    },
    Tamper {
        what: "the range's start moved by one range",
        rejected_by: PATH,
        spoil: |w, _, _| w.start ^= N_P as u64,
    },
    Tamper {
        what: "a sibling of the list branch",
        rejected_by: PATH,
        spoil: |w, _, _| w.paths.branch[1][7] ^= 1,
    },
    Tamper {
        what: "a sibling of the field branch",
        rejected_by: PATH,
        spoil: |w, _, _| w.paths.field_branch[0][0] ^= 1,
    },
    Tamper {
        what: "the header's slot",
        rejected_by: PATH,
        spoil: |w, _, _| w.paths.header.slot += 1,
    },
    Tamper {
        what: "the pool (an exact credential of the same bytes)",
        rejected_by: SUMS,
        spoil: |w, _, _| w.pool.exact = true,
    },
];

#[test]
fn tampered_public_inputs_are_rejected() {
    let spec = spec();
    let st = state(&spec);
    let pool = Pool::Address(spec.pool);
    let (start, _, _) = mixed_range(&st, &pool);
    let (c, inst) = mock(&witness(&st, &pool, start, N_P), K_PENDING);
    assert!(accepts(&c, inst.clone()));
    for (i, name) in NAMES.iter().enumerate() {
        let mut bad = inst.clone();
        bad[i] += Fr::one();
        assert!(!accepts(&c, bad), "instance {name} + 1 accepted");
    }
}

#[test]
fn tampered_witnesses_are_rejected() {
    let spec = spec();
    let st = state(&spec);
    let pool = Pool::Address(spec.pool);
    let (start, m, o) = mixed_range(&st, &pool);
    let honest = witness(&st, &pool, start, N_P);
    let expected = pending_public(&honest).to_instances();
    for t in TAMPERS {
        let mut w = honest.clone();
        (t.spoil)(&mut w, m, o);
        let (c, _) = mock(&w, K_PENDING);
        assert!(
            !accepts(&c, expected.clone()),
            "tampered {} accepted (must be rejected by {})",
            t.what,
            t.rejected_by
        );
    }
}

#[test]
fn bytes_past_the_length_count_nothing() {
    let spec = spec();
    let st = state(&spec);
    let pool = Pool::Address(spec.pool);
    // The last range: entry 32 is real, 33..36 are past the length.
    let honest = witness(&st, &pool, 32, N_P);
    assert_eq!(QUEUE, 33);
    let expected = pending_public(&honest).to_instances();
    let mut w = honest.clone();
    let mut fake = [0u8; 192];
    fake[48] = 0x01;
    fake[60..80].copy_from_slice(&spec.pool);
    fake[80..88].copy_from_slice(&32_000_000_000u64.to_le_bytes());
    w.entries[2] = fake;
    let p = pending_public(&w);
    assert_eq!(p.to_instances(), expected, "the native twin ignores it too");
    let (c, inst) = mock(&w, K_PENDING);
    assert_eq!(inst, expected);
    assert!(accepts(&c, inst));
}

mod random_cells {
    use super::*;
    use proptest::prelude::*;
    use std::sync::OnceLock;

    fn honest() -> &'static PendingWitness {
        static W: OnceLock<PendingWitness> = OnceLock::new();
        W.get_or_init(|| {
            let spec = spec();
            let st = state(&spec);
            let pool = Pool::Address(spec.pool);
            let (start, _, _) = mixed_range(&st, &pool);
            witness(&st, &pool, start, N_P)
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

        /// Any single halo2-base cell changed after witness generation breaks the proof.
        #[test]
        fn rejects_any_single_cell_change(pick in 0.0f64..1.0, delta in 1u64..1 << 40) {
            let (mut c, inst) = mock(honest(), K_PENDING);
            let n = c.advice_cells();
            let index = ((n as f64) * pick) as usize % n;
            prop_assert!(c.perturb_advice(index, Fr::from(delta)));
            prop_assert!(
                !accepts(&c, inst),
                "advice cell {index} of {n} changed by {delta}, still accepted"
            );
        }
    }
}

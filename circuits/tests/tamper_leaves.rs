//! Soundness of the leaf circuits under MockProver: a tampered public input, a tampered witness
//! proven against the honest statement, or any single advice cell changed after witness
//! generation, is rejected.
//!
//! - `tampered_public_inputs_are_rejected`: each registry and balance instance, `+1`; rejected by
//!   the instance column's copy constraint (every instance is a cell the circuit computes).
//! - `REGISTRY_TAMPERS`: a validator field or the fill; the SHA-256 subtree root or the Poseidon
//!   commitment no longer equals the honest instance.
//! - `BALANCE_TAMPERS`: balances, accounts, Merkle branches, the length, the header, the epoch;
//!   an instance no longer matches, or an in-circuit relation fails (both lists open one state
//!   root, balances beyond L are zero, slot = epoch · 32 + r).
//! - `random_cells`: one random halo2-base advice cell, changed by a random non-zero delta; any
//!   gate, lookup or copy constraint.
//!
//! The `rejected_by` column names the checks MockProver reported failing for that tamper (its
//! failure list: instance rows, and the relation of the advice copy failures); the assertion is
//! that the circuit rejects, whichever check fires.

#[path = "common/leaves.rs"]
mod common;

use common::{accepts, devnet_state, mock, K_BALANCE, K_REGISTRY, N_B, N_R};
use stakeproof_beacon::devnet;
use stakeproof_beacon::report::Pool;
use stakeproof_circuits::balance::native::balance_public;
use stakeproof_circuits::balance::BalanceWitness;
use stakeproof_circuits::public_inputs::{balance_instances, REGISTRY_INSTANCES};
use stakeproof_circuits::registry::native::registry_public;
use stakeproof_circuits::registry::RegistryWitness;
use stakeproof_circuits::util::circuit::CircuitLogic;
use stakeproof_circuits::Fr;

/// What rejects a changed public input.
const INSTANCE_CHECK: &str = "MockProver: instance copy constraint";

/// The registry proof's instances, by position (`public_inputs.rs`).
fn registry_instance_names() -> Vec<String> {
    let names = [
        "start",
        "fill",
        "pool_exact",
        "pool_hi",
        "pool_lo",
        "root_hi",
        "root_lo",
        "commitment",
    ];
    assert_eq!(names.len(), REGISTRY_INSTANCES);
    names.map(String::from).to_vec()
}

/// The balance proof's instances for `m` registry ranges, by position (`public_inputs.rs`).
fn balance_instance_names(m: usize) -> Vec<String> {
    let mut names: Vec<String> = ["start", "L", "epoch", "slot", "block_hi", "block_lo"]
        .map(String::from)
        .to_vec();
    for j in 0..m {
        names.push(format!("registry root {j} hi"));
        names.push(format!("registry root {j} lo"));
        names.push(format!("registry commitment {j}"));
    }
    names.extend(
        [
            "validator_count",
            "total_balance_gwei",
            "active_count",
            "exited_count",
            "slashed_count",
        ]
        .map(String::from),
    );
    assert_eq!(names.len(), balance_instances(m));
    names
}

#[test]
fn tampered_public_inputs_are_rejected() {
    let st = devnet_state(40);
    let pool = Pool::Address(devnet::DEFAULT_POOL);
    let w = RegistryWitness::from_state(&st, &pool, 4, N_R).unwrap();
    let (c, inst) = mock(&w, K_REGISTRY);
    // start, fill, pool mode, pool limbs, root limbs, commitment: each, changed, is rejected.
    let names = registry_instance_names();
    assert_eq!(names.len(), inst.len(), "one row per registry instance");
    for (i, name) in names.iter().enumerate() {
        let mut bad = inst.clone();
        bad[i] += Fr::one();
        assert!(
            !accepts(&c, bad),
            "registry instance {i} ({name}) tampered but accepted (must be: {INSTANCE_CHECK})"
        );
    }
    let b = BalanceWitness::from_state(&st, &st.tree().unwrap(), &pool, 16, N_B, N_R).unwrap();
    let (c, inst) = mock(&b, K_BALANCE);
    // start, L, epoch, slot, block root limbs, registry roots and commitments, count, total,
    // active, exited, slashed.
    let names = balance_instance_names(N_B / N_R);
    assert_eq!(names.len(), inst.len(), "one row per balance instance");
    for (i, name) in names.iter().enumerate() {
        let mut bad = inst.clone();
        bad[i] += Fr::one();
        assert!(
            !accepts(&c, bad),
            "balance instance {i} ({name}) tampered but accepted (must be: {INSTANCE_CHECK})"
        );
    }
}

/// A named change to a witness, and the check that rejects it.
struct Tamper<W> {
    what: &'static str,
    rejected_by: &'static str,
    spoil: fn(&mut W),
}

/// A registry witness (range [8, 12) of a 40-validator devnet state) against its honest
/// instances. Registry instances: 1 fill, 5–6 root, 7 commitment.
const REGISTRY_TAMPERS: &[Tamper<RegistryWitness>] = &[
    Tamper {
        what: "credential byte",
        rejected_by: "instance: root (5, 6)",
        spoil: |w| w.validators[1].withdrawal_credentials[31] ^= 1,
    },
    Tamper {
        what: "credential prefix",
        rejected_by: "instances: root, commitment (5-7)",
        spoil: |w| w.validators[0].withdrawal_credentials[0] = 3,
    },
    Tamper {
        what: "exit epoch",
        rejected_by: "instances: root, commitment (5-7)",
        spoil: |w| w.validators[2].exit_epoch ^= 1,
    },
    Tamper {
        what: "slashed",
        rejected_by: "instances: root, commitment (5-7)",
        spoil: |w| w.validators[3].slashed ^= true,
    },
    Tamper {
        what: "pubkey byte",
        rejected_by: "instance: root (5, 6)",
        spoil: |w| w.validators[0].pubkey[47] ^= 0x80,
    },
    Tamper {
        what: "effective balance",
        rejected_by: "instance: root (5, 6)",
        spoil: |w| w.validators[1].effective_balance += 1,
    },
    Tamper {
        what: "fill (drop a validator)",
        rejected_by: "instances: fill, root (1, 5, 6)",
        spoil: |w| w.fill -= 1,
    },
];

/// Both lifted subtree roots (validators, balances) must open one state root.
const ONE_STATE_ROOT: &str = "relation: both lists open one state root";

/// A balance witness (range [32, 48) of a 40-validator devnet state, L = 40) against its
/// honest instances. Balance instances (m = 4): 1 L, 2 epoch, 3 slot, 4–5 block root,
/// 6 + 3j.. registry root j and commitment j, 18–22 count, total, active, exited, slashed.
const BALANCE_TAMPERS: &[Tamper<BalanceWitness>] = &[
    Tamper {
        what: "a balance",
        rejected_by: ONE_STATE_ROOT,
        spoil: |w| w.balances[3] += 1,
    },
    Tamper {
        what: "membership",
        rejected_by: "instances: commitment 0, count, total, active (8, 18-20)",
        spoil: |w| w.accounts[0].member ^= true,
    },
    Tamper {
        what: "activation epoch",
        rejected_by: "instance: commitment 0 (8)",
        spoil: |w| w.accounts[1].activation_epoch += 1,
    },
    Tamper {
        what: "a balance beyond L",
        rejected_by: "relations: balances beyond L are zero, one state root",
        spoil: |w| w.balances[12] = 5,
    },
    Tamper {
        what: "a validators branch node",
        rejected_by: "relation: one state root; instance: block root (4, 5)",
        spoil: |w| w.paths.validators_branch[3][7] ^= 1,
    },
    Tamper {
        what: "a balances branch node",
        rejected_by: ONE_STATE_ROOT,
        spoil: |w| w.paths.balances_branch[20][0] ^= 0x40,
    },
    Tamper {
        what: "a state field node",
        rejected_by: ONE_STATE_ROOT,
        spoil: |w| w.paths.balances_field_branch[1][31] ^= 1,
    },
    Tamper {
        what: "a registry root",
        rejected_by: "relation: one state root; instances: block root, registry root 2 (4, 5, 12)",
        spoil: |w| w.registry_roots[2][5] ^= 1,
    },
    Tamper {
        what: "the length",
        rejected_by: "relation: one state root; instances: L, block root (1, 4, 5)",
        spoil: |w| w.registry_len += 1,
    },
    Tamper {
        what: "the slot",
        rejected_by: "instances: slot, block root (3-5)",
        spoil: |w| w.paths.header.slot += 1,
    },
    Tamper {
        what: "the parent root",
        rejected_by: "instance: block root (4, 5)",
        spoil: |w| w.paths.header.parent_root[0] ^= 1,
    },
    Tamper {
        what: "the epoch (same slot)",
        rejected_by: "relation: slot = epoch · 32 + r; instance: epoch (2)",
        spoil: |w| w.epoch += 1,
    },
];

#[test]
fn tampered_witnesses_are_rejected() {
    let st = devnet_state(40);
    let pool = Pool::Address(devnet::DEFAULT_POOL);
    let honest = RegistryWitness::from_state(&st, &pool, 8, N_R).unwrap();
    let expected = registry_public(&honest).to_instances();
    for t in REGISTRY_TAMPERS {
        let mut w = honest.clone();
        (t.spoil)(&mut w);
        let (c, _) = mock(&w, K_REGISTRY);
        assert!(
            !accepts(&c, expected.clone()),
            "registry: tampered {} accepted (must be rejected by {})",
            t.what,
            t.rejected_by
        );
    }
    let honest = BalanceWitness::from_state(&st, &st.tree().unwrap(), &pool, 32, N_B, N_R).unwrap();
    let expected = balance_public(&honest).to_instances();
    for t in BALANCE_TAMPERS {
        let mut w = honest.clone();
        (t.spoil)(&mut w);
        let (c, inst) = mock(&w, K_BALANCE);
        assert!(
            !accepts(&c, expected.clone()),
            "balance: tampered {} accepted (must be rejected by {})",
            t.what,
            t.rejected_by
        );
        if t.what == "a balance beyond L" {
            // Even with its own instances the circuit is unsatisfiable: balances ≥ L must be 0.
            assert!(
                !accepts(&c, inst),
                "a non-zero balance beyond L satisfied the circuit"
            );
        }
    }
}

mod random_cells {
    use super::*;
    use proptest::prelude::*;
    use std::sync::OnceLock;

    fn registry() -> &'static RegistryWitness {
        static W: OnceLock<RegistryWitness> = OnceLock::new();
        W.get_or_init(|| {
            let st = devnet_state(40);
            RegistryWitness::from_state(&st, &Pool::Address(devnet::DEFAULT_POOL), 8, N_R).unwrap()
        })
    }

    fn balance() -> &'static BalanceWitness {
        static W: OnceLock<BalanceWitness> = OnceLock::new();
        W.get_or_init(|| {
            let st = devnet_state(40);
            let pool = Pool::Address(devnet::DEFAULT_POOL);
            BalanceWitness::from_state(&st, &st.tree().unwrap(), &pool, 16, N_B, N_R).unwrap()
        })
    }

    fn rejects_perturbed(
        logic: &impl CircuitLogic,
        k: usize,
        pick: f64,
        delta: u64,
    ) -> Result<(), TestCaseError> {
        let (mut c, inst) = mock(logic, k);
        let n = c.advice_cells();
        let index = ((n as f64) * pick) as usize % n;
        prop_assert!(c.perturb_advice(index, Fr::from(delta)));
        prop_assert!(
            !accepts(&c, inst),
            "advice cell {index} of {n} changed by {delta}, still accepted"
        );
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

        /// Any single halo2-base cell changed after witness generation breaks the registry proof.
        #[test]
        fn registry_rejects_any_single_cell_change(pick in 0.0f64..1.0, delta in 1u64..1 << 40) {
            rejects_perturbed(registry(), K_REGISTRY, pick, delta)?;
        }

        /// The same for the balance proof.
        #[test]
        fn balance_rejects_any_single_cell_change(pick in 0.0f64..1.0, delta in 1u64..1 << 40) {
            rejects_perturbed(balance(), K_BALANCE, pick, delta)?;
        }
    }
}

//! Seeded contract bugs (source-text mutants) that the invariants must catch.

#[allow(unused_imports)]
use super::*;

/// The runtime code of the oracle with `edits` (find, replace) applied to its source, built
/// with the constructor arguments of [`setup`] (so its immutables are the deployment's).
pub(crate) fn mutant_runtime(edits: &[(&str, &str)]) -> Vec<u8> {
    let mut src = contracts::ORACLE_SOURCE.to_string();
    for (find, replace) in edits {
        assert_eq!(
            src.matches(find).count(),
            1,
            "{find:?} is no longer in BeaconBalanceOracle.sol: update this mutant"
        );
        src = src.replacen(find, replace, 1);
    }
    let compiled = solc::compile(
        &[solc::Source::new("BeaconBalanceOracle.sol", src)],
        contracts::ORACLE,
    )
    .expect("compile the mutant");
    let (mut d, _) = setup(None);
    let cfg = d.config;
    let mut code = compiled.bytecode.clone();
    code.extend(calldata::oracle_constructor_args(
        &cfg,
        d.verifier,
        BEACON_ROOTS_ADDRESS,
        Address::ZERO,
    ));
    let (mutant, _) = d.chain.deploy(STRANGER, code).expect("deploy the mutant");
    d.chain.code(mutant)
}

/// The checks have teeth: seeded bugs in the oracle are each caught by the invariant meant
/// for them, with outcome matching off (only the state invariants judge), except for the
/// pause mutant, which only the model's outcomes can see.
#[test]
pub(crate) fn seeded_contract_bugs_break_the_invariants() {
    struct Mutant {
        name: &'static str,
        edits: &'static [(&'static str, &'static str)],
        strict: bool,
        caught_by: &'static str,
    }
    const ORDER: &str = "if (slot <= latest) {";
    const BOUND: &str = "_checkBound(latest, _reports[latest].totalBalanceGwei, r);";
    const BOUND_IF_LATER: &str =
        "if (slot > latest) _checkBound(latest, _reports[latest].totalBalanceGwei, r);";
    let mutants = [
        Mutant {
            name: "a duplicate slot is stored",
            edits: &[(ORDER, "if (slot < latest) {"), (BOUND, BOUND_IF_LATER)],
            strict: false,
            caught_by: "stored twice",
        },
        Mutant {
            name: "an older slot is stored",
            edits: &[
                (ORDER, "if (slot <= latest && _isReported(slot)) {"),
                (BOUND, BOUND_IF_LATER),
            ],
            strict: false,
            caught_by: "not increasing",
        },
        Mutant {
            name: "no balance bound",
            edits: &[(BOUND, "")],
            strict: false,
            caught_by: "bps/day allows",
        },
        Mutant {
            name: "the schedule is ignored (initial verifier always)",
            edits: &[(
                "verifier = entry.verifier;",
                "verifier = _verifiers[0].verifier;",
            )],
            strict: false,
            caught_by: "is scheduled for it",
        },
        Mutant {
            name: "a rejection without proof bytes only",
            edits: &[(
                "if (!ok) revert ProofRejected();",
                "if (!ok && proof.length == 0) revert ProofRejected();",
            )],
            strict: false,
            caught_by: "does not accept it",
        },
        Mutant {
            name: "a pending report's sum is stored as its count",
            edits: &[(
                "PendingDeposits({count: count, amountGwei: amountGwei})",
                "PendingDeposits({count: count, amountGwei: uint128(count)})",
            )],
            strict: false,
            caught_by: "pendingDepositsAt",
        },
        Mutant {
            name: "a schedule may start at the latest report's slot",
            edits: &[(
                "any && activationSlot <= latest) revert",
                "any && activationSlot < latest) revert",
            )],
            strict: false,
            caught_by: "changed after its report was stored",
        },
        Mutant {
            name: "getReport skips a report at exactly refSlot",
            edits: &[(
                "if (_reportSlots[mid] <= refSlot) lo = mid + 1;",
                "if (_reportSlots[mid] < refSlot) lo = mid + 1;",
            )],
            strict: false,
            caught_by: "getReport(",
        },
        Mutant {
            name: "pause is ignored",
            // The reports' check (submitVaultBalance has its own, which this model does not
            // drive).
            edits: &[(
                "if (paused) revert OraclePaused();\n        if (timestamp",
                "if (timestamp",
            )],
            strict: true,
            caught_by: "model Err(\"OraclePaused\")",
        },
    ];
    let cases = env_or("PROPTEST_CASES", DEFAULT_CASES);
    let steps = env_or("ORACLE_INVARIANT_STEPS", DEFAULT_STEPS);
    for m in mutants {
        let runtime = mutant_runtime(m.edits);
        let stats = RefCell::new(BTreeMap::new());
        let mut runner = TestRunner::new(Config {
            cases,
            failure_persistence: None,
            max_shrink_iters: 0,
            ..Config::default()
        });
        let result = runner.run(&prop::collection::vec(op(), steps), |ops| {
            run_sequence(&ops, &stats, Some(&runtime), m.strict)
        });
        let Err(e) = result else {
            panic!("mutant {:?} survived {cases} sequences", m.name);
        };
        let msg = e.to_string();
        assert!(
            msg.contains(m.caught_by),
            "mutant {:?} was caught, but not by {:?}: {}",
            m.name,
            m.caught_by,
            msg.lines().next().unwrap_or_default()
        );
    }
}

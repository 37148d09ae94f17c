//! A credential-set pool on-chain: the owner names a pool admin (the LSD contract), who
//! schedules the set's root for later slots only; reports of earlier slots keep the pool they
//! were proven for, reports from the set's slot on must be proven for the set (public mode 2,
//! the root), and the oracle's own public inputs agree with the Rust mirror. Real SHPLONK
//! proofs of the 24-input stand-in circuit (see `common`).

mod common;

use common::*;
use revm::primitives::{Address, B256, U256};
use stakeproof_contracts::{calldata, evm::TxError};

fn expect_revert(result: Result<stakeproof_contracts::Receipt, TxError>, name: &str) {
    match result {
        Ok(_) => panic!("expected revert {name}, but the transaction succeeded"),
        Err(e) => assert_eq!(e.revert_name(), Some(name), "expected {name}, got {e}"),
    }
}

/// A set root (any field element stands in: the oracle only carries it).
fn set_root(tag: u8) -> B256 {
    let mut r = [tag; 32];
    r[0] = 0x0a;
    B256::from(r)
}

/// Proves and submits a report at `slot` for the pool `(mode, credentials)`.
fn submit_for_pool(
    d: &mut stakeproof_contracts::deployment::Deployment,
    slot: u64,
    mode: u8,
    credentials: B256,
) -> Result<stakeproof_contracts::Receipt, TxError> {
    let r = report(slot, GWEI_32_ETH);
    let ts = publish_root(d, slot);
    let acc = fixture().accumulator();
    let inputs = calldata::pool_public_inputs(&r, root(slot), mode, credentials, &acc);
    let proof = fixture().prove(&inputs);
    let out = d.submit(&r, ts, &acc, &proof);
    d.chain.advance_blocks(1);
    out
}

#[test]
fn a_set_root_applies_from_its_slot_and_never_to_reported_slots() {
    let mut d = deploy();
    let lsd = Address::repeat_byte(0x15);
    let address_pool = (0u8, d.config.pool_credentials);
    assert_eq!(d.pool_for(0).unwrap(), address_pool);

    // Nobody may schedule a set until the owner names an admin; then only the admin.
    expect_revert(d.schedule_pool_set(lsd, set_root(1), 100), "NotPoolAdmin");
    expect_revert(
        d.chain.call(
            Address::repeat_byte(9),
            d.oracle,
            calldata::call(
                "setPoolAdmin(address)",
                &[calldata::address_word(lsd).into()],
            ),
            U256::ZERO,
        ),
        "NotOwner",
    );
    let receipt = d.set_pool_admin(lsd).unwrap();
    assert_eq!(receipt.events_named("PoolAdminSet(address)").count(), 1);
    expect_revert(
        d.schedule_pool_set(Address::repeat_byte(9), set_root(1), 100),
        "NotPoolAdmin",
    );
    // A root that is not a field element cannot be any set's.
    expect_revert(
        d.schedule_pool_set(lsd, B256::repeat_byte(0xff), 100),
        "RootNotFieldElement",
    );
    // A mistaken schedule is replaced by a later call for an earlier slot.
    d.schedule_pool_set(lsd, set_root(9), 300).unwrap();
    let receipt = d.schedule_pool_set(lsd, set_root(1), 100).unwrap();
    assert_eq!(
        receipt
            .events_named("PoolScheduled(uint8,bytes32,uint64)")
            .count(),
        1
    );
    assert_eq!(d.pool_for(99).unwrap(), address_pool);
    assert_eq!(d.pool_for(100).unwrap(), (2, set_root(1)));
    assert_eq!(d.pool_for(u64::MAX).unwrap(), (2, set_root(1)));

    // Before the set's slot, reports are of the address pool; a set proof is refused.
    expect_revert(submit_for_pool(&mut d, 50, 2, set_root(1)), "ProofRejected");
    submit_for_pool(&mut d, 50, address_pool.0, address_pool.1).unwrap();
    // From it on, only the set's proofs: not the address pool's, not another root's.
    expect_revert(
        submit_for_pool(&mut d, 150, address_pool.0, address_pool.1),
        "ProofRejected",
    );
    expect_revert(
        submit_for_pool(&mut d, 150, 2, set_root(2)),
        "ProofRejected",
    );
    submit_for_pool(&mut d, 150, 2, set_root(1)).unwrap();
    assert_eq!(d.latest_report().unwrap().slot, 150);

    // The oracle's own public inputs for a set slot are the Rust mirror's.
    let r = report(150, GWEI_32_ETH);
    let acc = fixture().accumulator();
    let onchain = d.oracle_public_inputs(&r, root(150), &acc).unwrap();
    let mirror = calldata::pool_public_inputs(&r, root(150), 2, set_root(1), &acc);
    assert_eq!(onchain, mirror.to_vec());
    assert_eq!(onchain[15], U256::from(2));

    // Reported slots keep their pool: a change must start after the latest report.
    expect_revert(
        d.schedule_pool_set(lsd, set_root(3), 150),
        "PoolChangeNotInFuture",
    );
    expect_revert(
        d.schedule_pool_set(lsd, set_root(3), 20),
        "PoolChangeNotInFuture",
    );
    // A new set (a validator contract added) from slot 200 on.
    d.schedule_pool_set(lsd, set_root(3), 200).unwrap();
    assert_eq!(d.pool_for(199).unwrap(), (2, set_root(1)));
    assert_eq!(d.pool_for(200).unwrap(), (2, set_root(3)));
    expect_revert(
        submit_for_pool(&mut d, 250, 2, set_root(1)),
        "ProofRejected",
    );
    submit_for_pool(&mut d, 250, 2, set_root(3)).unwrap();
    assert_eq!(d.report_at(50).unwrap().slot, 50);
}

//! The withdrawal vault on-chain: `WithdrawalVaultVerifier`'s walk against the native one
//! (`stakeproof_beacon::execution`) on reference tries and the hand-built edge cases, and the
//! oracle's `submitVaultBalance` with real anchors opened from beacon states: the balance of
//! the report's block is stored and `getReport` carries it; tampered proofs, another account,
//! another block's root, another slot and another layout are refused. The gas is written to
//! `target/contract-reports/oracle-vault.json`.

mod common;
#[path = "../../beacon/tests/common/execution_fixtures.rs"]
mod execution_fixtures;

use alloy::sol_types::SolCall;
use common::{fixture, report};
use execution_fixtures::{build, hand_built, random_accounts, with_payload, Expect};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use revm::primitives::{address, Address, B256, U256};
use stakeproof_beacon::beacon::{BeaconState, Fork, StateTree};
use stakeproof_beacon::devnet::{self, DevnetSpec};
use stakeproof_beacon::execution::{
    keccak256, payload_gindices, verify_account_proof, Account, ExecutionAnchor, EMPTY_TRIE_ROOT,
};
use stakeproof_contracts::bindings::WithdrawalVaultVerifier as Vault;
use stakeproof_contracts::calldata;
use stakeproof_contracts::deployment::{Deployment, OracleConfig};
use stakeproof_contracts::evm::{TxError, BEACON_ROOTS_ADDRESS, MAX_CODE_SIZE};
use stakeproof_contracts::solc;
use stakeproof_contracts::vault::{self, VaultProof};

const VAULT: Address = address!("b9b9b9b9b9b9b9b9b9b9b9b9b9b9b9b9b9b9b9b9");
const VAULT_WEI: u128 = 1_234_567_890_123_456_789_012;
const GWEI: u128 = 32_000_000_000 * 8;

/// `n` random accounts and the vault's.
fn accounts_with_vault(seed: u64, n: usize) -> Vec<([u8; 20], Account)> {
    let mut accounts = random_accounts(&mut ChaCha8Rng::seed_from_u64(seed), n);
    accounts.push((
        VAULT.0 .0,
        Account {
            nonce: 1,
            balance_wei: VAULT_WEI,
            ..Account::absent()
        },
    ));
    accounts
}

/// The verifier's `accountBalance(stateRoot, account, nodes)` (a view call).
fn contract_walk(
    d: &mut Deployment,
    verifier: Address,
    root: [u8; 32],
    account: [u8; 20],
    nodes: &[Vec<u8>],
) -> Result<U256, TxError> {
    let data = Vault::accountBalanceCall {
        stateRoot: B256::from(root),
        account: Address::from(account),
        nodes: nodes.iter().cloned().map(Into::into).collect(),
    }
    .abi_encode();
    let out = d.chain.view(verifier, data)?;
    Ok(calldata::decode_words(&out)[0])
}

fn vault_config(gindex: u64) -> OracleConfig {
    OracleConfig {
        withdrawal_vault: VAULT,
        vault_state_root_gindex: gindex,
        ..common::config()
    }
}

fn deploy_with_vault() -> Deployment {
    let electra = payload_gindices(Fork::Electra).unwrap()[0];
    Deployment::new(fixture().code(), vault_config(electra)).expect("deploy")
}

/// The devnet state (Electra, 8 validators, at `slot`) whose payload header names the
/// execution state `root`, with its trees.
fn beacon_block(slot: u64, root: [u8; 32], seed: u8) -> (BeaconState, StateTree) {
    let state = devnet::build(&DevnetSpec {
        validators: 8,
        slot,
        ..DevnetSpec::default()
    })
    .unwrap();
    let state = with_payload(state, root, 21_000_000 + slot, [seed; 32]);
    let tree = state.tree().unwrap();
    (state, tree)
}

/// The vault verifier's proof for the block of `tree` and the account proof `nodes`.
fn vault_proof(state: &BeaconState, tree: &StateTree, nodes: &[Vec<u8>]) -> VaultProof {
    let anchor = ExecutionAnchor::open(state, tree).unwrap();
    VaultProof::from_parts(
        &tree.slot_proof().branch,
        anchor.state_root,
        &anchor.state_root_proof.branch,
        nodes.to_vec(),
    )
    .unwrap()
}

/// Publishes `block_root` under a fresh timestamp and stores a (stand-in) report at `slot`
/// proven against it; returns the timestamp.
fn report_at(d: &mut Deployment, slot: u64, block_root: [u8; 32]) -> u64 {
    d.chain.advance_blocks(1);
    let ts = d.chain.timestamp();
    d.write_beacon_root(ts, B256::from(block_root)).unwrap();
    let r = report(slot, GWEI);
    let proof = fixture().prove_report(&d.config, &r, B256::from(block_root));
    d.submit(&r, ts, &fixture().accumulator(), &proof)
        .expect("report accepted");
    ts
}

fn revert_name(r: Result<impl std::fmt::Debug, TxError>) -> String {
    match r {
        Err(e) => e.revert_name().unwrap_or("<not a revert>").to_string(),
        Ok(v) => panic!("expected a revert, got {v:?}"),
    }
}

#[test]
fn the_contract_walks_every_proof_as_the_native_walk_does() {
    let mut d = deploy_with_vault();
    let verifier = d.vault_verifier;
    // Seeded random tries, every present account up to 40 and 8 absent ones each.
    for (seed, n) in [(1u64, 1usize), (2, 2), (3, 17), (4, 300), (5, 3000)] {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let accounts = random_accounts(&mut rng, n);
        let mut targets: Vec<[u8; 20]> = accounts.iter().take(40).map(|a| a.0).collect();
        targets.extend((0..8).map(|_| rng.gen::<[u8; 20]>()));
        let (root, proofs) = build(&accounts, &targets);
        for (t, nodes) in targets.iter().zip(&proofs) {
            let native = verify_account_proof(&root, t, nodes).unwrap();
            let got = contract_walk(&mut d, verifier, root, *t, nodes).unwrap();
            assert_eq!(
                got,
                U256::from(native.map_or(0, |a| a.balance_wei)),
                "trie of {n}"
            );
        }
    }
    // The empty trie proves every account absent; another root with no nodes is refused.
    assert_eq!(
        contract_walk(&mut d, verifier, EMPTY_TRIE_ROOT, [7; 20], &[]).unwrap(),
        U256::ZERO
    );
    assert_eq!(
        contract_walk(&mut d, verifier, EMPTY_TRIE_ROOT, [7; 20], &[vec![0x80]]).unwrap(),
        U256::ZERO
    );
    assert_eq!(
        revert_name(contract_walk(&mut d, verifier, [1; 32], [7; 20], &[])),
        "ProofEndsEarly"
    );
    // The hand-built edges: the same outcome as natively, case by case.
    let addr = [0x42; 20];
    for case in hand_built(&addr) {
        let root = keccak256(&case.nodes[0]);
        let got = contract_walk(&mut d, verifier, root, addr, &case.nodes);
        match case.expect {
            Expect::Account(_, wei) => assert_eq!(got.unwrap(), U256::from(wei), "{}", case.name),
            Expect::Absent => assert_eq!(got.unwrap(), U256::ZERO, "{}", case.name),
            Expect::Malformed(_) => assert_eq!(revert_name(got), "MalformedNode", "{}", case.name),
        }
    }
}

#[test]
fn a_tampered_truncated_padded_or_foreign_proof_never_gives_the_vault_balance() {
    let mut d = deploy_with_vault();
    let verifier = d.vault_verifier;
    let accounts = accounts_with_vault(9, 500);
    let others: Vec<[u8; 20]> = accounts.iter().take(20).map(|a| a.0).collect();
    let mut targets = vec![VAULT.0 .0];
    targets.extend(&others);
    let (root, proofs) = build(&accounts, &targets);
    let nodes = &proofs[0];
    assert_eq!(
        contract_walk(&mut d, verifier, root, VAULT.0 .0, nodes).unwrap(),
        U256::from(VAULT_WEI)
    );
    let mut rng = ChaCha8Rng::seed_from_u64(10);
    for i in 0..nodes.len() {
        for _ in 0..4 {
            let mut bad = nodes.clone();
            let bit = rng.gen_range(0..bad[i].len() * 8);
            bad[i][bit / 8] ^= 1 << (bit % 8);
            assert_eq!(
                revert_name(contract_walk(&mut d, verifier, root, VAULT.0 .0, &bad)),
                "NodeHashMismatch"
            );
        }
    }
    let short = &nodes[..nodes.len() - 1];
    assert_eq!(
        revert_name(contract_walk(&mut d, verifier, root, VAULT.0 .0, short)),
        "ProofEndsEarly"
    );
    let mut padded = nodes.clone();
    padded.push(nodes[0].clone());
    assert_eq!(
        revert_name(contract_walk(&mut d, verifier, root, VAULT.0 .0, &padded)),
        "TrailingNodes"
    );
    // Another account's proof walked for the vault, and the vault's for the others.
    for (other, proof) in others.iter().zip(&proofs[1..]) {
        assert!(contract_walk(&mut d, verifier, root, VAULT.0 .0, proof).is_err());
        if let Ok(wei) = contract_walk(&mut d, verifier, root, *other, nodes) {
            panic!("the vault's proof opened {wei} for another account");
        }
    }
}

#[test]
fn the_oracle_stores_the_vault_balance_of_the_reports_block_and_get_report_carries_it() {
    let mut d = deploy_with_vault();
    let accounts = accounts_with_vault(11, 2000);
    let (exec_root, proofs) = build(&accounts, &[VAULT.0 .0]);
    let slot = 320_000;
    let (state, tree) = beacon_block(slot, exec_root, 0xbc);
    let ts = report_at(&mut d, slot, tree.block_root());
    // Until the vault balance is proven, the report is not handed out as complete.
    assert!(!d.get_report(slot).unwrap().success);
    assert_eq!(d.vault_balance_at(slot).unwrap(), (false, U256::ZERO));
    let proof = vault_proof(&state, &tree, &proofs[0]);
    assert_eq!(VaultProof::decode(&proof.encode()).unwrap(), proof);
    let receipt = d
        .submit_vault_balance(slot, ts, &proof)
        .expect("vault balance proven");
    let logs = receipt.events_named("VaultBalanceRecorded(uint64,uint256,bytes32,uint256)");
    assert_eq!(logs.count(), 1);
    assert_eq!(
        d.vault_balance_at(slot).unwrap(),
        (true, U256::from(VAULT_WEI))
    );
    let answer = d.get_report(slot).unwrap();
    assert!(answer.success);
    // A later refSlot is another moment of the vault: no answer rather than a stale one.
    assert!(!d.get_report(slot + 5).unwrap().success);
    assert_eq!(answer.withdrawal_vault_balance_wei, U256::from(VAULT_WEI));
    assert_eq!(answer.cl_balance_gwei, U256::from(GWEI));
    assert_eq!(
        revert_name(d.submit_vault_balance(slot, ts, &proof)),
        "VaultBalanceAlreadySubmitted"
    );

    assert!(d.code_size(d.oracle).1 && d.code_size(d.vault_verifier).1);
}

/// The vault's gas at two trie depths (a 2,001-account trie, 3 branch levels; a 200,001-account
/// one, 5): the oracle's transaction and the verifier called alone, written to
/// `target/contract-reports/oracle-vault.json` with the cost per branch node.
#[test]
fn vault_gas_by_trie_depth() {
    let mut rows = Vec::new();
    for (i, n) in [2_000usize, 200_000].into_iter().enumerate() {
        let mut d = deploy_with_vault();
        let accounts = accounts_with_vault(20 + i as u64, n);
        let (exec_root, proofs) = build(&accounts, &[VAULT.0 .0]);
        let slot = 320_000;
        let (state, tree) = beacon_block(slot, exec_root, 0x20);
        let ts = report_at(&mut d, slot, tree.block_root());
        let proof = vault_proof(&state, &tree, &proofs[0]);
        let receipt = d.submit_vault_balance(slot, ts, &proof).unwrap();
        let direct = d
            .chain
            .profile(
                common::POOL,
                d.vault_verifier,
                vault::vault_balance(B256::from(tree.block_root()), slot, VAULT, &proof),
            )
            .unwrap();
        rows.push(serde_json::json!({
            "accounts": n + 1,
            "account_proof_nodes": proof.nodes.len(),
            "account_proof_bytes": proof.nodes.iter().map(Vec::len).sum::<usize>(),
            "proof_abi_bytes": proof.encode().len(),
            "submit_vault_balance_tx_gas": receipt.gas_used,
            "verifier_call_tx_gas": direct.total,
            "verifier_calldata_gas": direct.calldata,
            "verifier_execution_gas": direct.total - direct.base - direct.calldata,
            "sha256_precompile_gas": direct.precompiles.get("sha256").map_or(0, |p| p.gas),
        }));
    }
    let tx = |r: &serde_json::Value| r["submit_vault_balance_tx_gas"].as_u64().unwrap();
    let nodes = |r: &serde_json::Value| r["account_proof_nodes"].as_u64().unwrap();
    let per_node = (tx(&rows[1]) - tx(&rows[0])) / (nodes(&rows[1]) - nodes(&rows[0]));
    let d = deploy_with_vault();
    let report = serde_json::json!({
        "machine": "revm (in-process), solc-js, optimizer 200 runs; Prague gas schedule",
        "rows": rows,
        "tx_gas_per_branch_node": per_node,
        "vault_verifier_runtime_bytes": d.code_size(d.vault_verifier).0,
        "oracle_runtime_bytes": d.code_size(d.oracle).0,
        "eip170_limit_bytes": MAX_CODE_SIZE,
        "state_root_branch": 14,
        "note": "tx gas includes the 21,000 intrinsic gas and calldata; a branch node is 532 bytes",
    });
    let dir = solc::target_dir().join("contract-reports");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("oracle-vault.json"),
        serde_json::to_string_pretty(&report).unwrap(),
    )
    .unwrap();
    println!("{}", serde_json::to_string_pretty(&report).unwrap());
}

#[test]
fn another_block_slot_account_or_layout_is_refused_by_the_oracle() {
    let mut d = deploy_with_vault();
    let accounts = accounts_with_vault(12, 300);
    let other = accounts[7].0;
    let (exec_root, proofs) = build(&accounts, &[VAULT.0 .0, other]);
    let slot = 320_000;
    let (state, tree) = beacon_block(slot, exec_root, 0x01);
    assert_eq!(
        revert_name(d.submit_vault_balance(
            slot,
            d.chain.timestamp(),
            &vault_proof(&state, &tree, &proofs[0])
        )),
        "NoReport"
    );
    let ts = report_at(&mut d, slot, tree.block_root());
    let good = vault_proof(&state, &tree, &proofs[0]);

    // The account proof of another address (its balance is in the same trie).
    let foreign = vault_proof(&state, &tree, &proofs[1]);
    assert_eq!(
        revert_name(d.submit_vault_balance(slot, ts, &foreign)),
        "NodeHashMismatch"
    );
    // A tampered node and a tampered state root.
    let mut bad = good.clone();
    let last = bad.nodes.len() - 1;
    bad.nodes[last][5] ^= 0x10;
    assert_eq!(
        revert_name(d.submit_vault_balance(slot, ts, &bad)),
        "NodeHashMismatch"
    );
    let mut bad = good.clone();
    bad.state_root.0[0] ^= 1;
    assert_eq!(
        revert_name(d.submit_vault_balance(slot, ts, &bad)),
        "StateRootProofInvalid"
    );
    // Another block of the same slot (another execution state) under the timestamp: its root
    // is not the one the proof opens from.
    let other_trie = accounts_with_vault(13, 300);
    let (other_root, other_proofs) = build(&other_trie, &[VAULT.0 .0]);
    let (other_state, other_tree) = beacon_block(slot, other_root, 0x02);
    d.chain.advance_blocks(1);
    let ts2 = d.chain.timestamp();
    d.write_beacon_root(ts2, B256::from(other_tree.block_root()))
        .unwrap();
    assert_ne!(
        revert_name(d.submit_vault_balance(slot, ts2, &good)),
        "<not a revert>"
    );
    // That block's own header with the first block's account proof.
    let mixed = VaultProof {
        nodes: good.nodes.clone(),
        ..vault_proof(&other_state, &other_tree, &other_proofs[0])
    };
    assert_eq!(
        revert_name(d.submit_vault_balance(slot, ts2, &mixed)),
        "NodeHashMismatch"
    );
    // The block of slot 320 000 offered for a report at another slot, under the same root.
    let next = slot + 1;
    let ts3 = report_at(&mut d, next, tree.block_root());
    assert_eq!(
        revert_name(d.submit_vault_balance(next, ts3, &good)),
        "SlotProofInvalid"
    );
    // A verifier that ends before the slot (a fork of an unknown layout) refuses it.
    let ended = d
        .deploy_vault_verifier(payload_gindices(Fork::Electra).unwrap()[0], slot)
        .unwrap();
    let direct = d.chain.view(
        ended,
        vault::vault_balance(B256::from(tree.block_root()), slot, VAULT, &good),
    );
    assert_eq!(revert_name(direct), "SlotOutOfLayout");
    // Paused: refused; resumed: the honest proof goes through.
    d.pause().unwrap();
    assert_eq!(
        revert_name(d.submit_vault_balance(slot, ts, &good)),
        "OraclePaused"
    );
    d.unpause().unwrap();
    d.submit_vault_balance(slot, ts, &good)
        .expect("the honest proof");

    // A verifier of another layout (Deneb's gindex) scheduled from slot 400 000 opens nothing
    // from an Electra block.
    let deneb = d
        .deploy_vault_verifier(payload_gindices(Fork::Deneb).unwrap()[0], u64::MAX)
        .unwrap();
    d.schedule_vault_verifier(deneb, 400_000).unwrap();
    assert_eq!(d.vault_verifier_for(399_999).unwrap(), d.vault_verifier);
    assert_eq!(d.vault_verifier_for(400_000).unwrap(), deneb);
    let (state4, tree4) = beacon_block(400_000, exec_root, 0x04);
    let ts4 = report_at(&mut d, 400_000, tree4.block_root());
    assert_eq!(
        revert_name(d.submit_vault_balance(
            400_000,
            ts4,
            &vault_proof(&state4, &tree4, &proofs[0])
        )),
        "StateRootProofInvalid"
    );
}

#[test]
fn the_vault_settings_are_checked_and_an_oracle_without_a_vault_refuses_vault_calls() {
    // Without a vault: no vault calls, and getReport answers as before (vault 0).
    let mut d = Deployment::new(fixture().code(), common::config()).unwrap();
    assert_eq!(d.vault_verifier, Address::ZERO);
    let slot = 320_000;
    let (state, tree) = beacon_block(slot, EMPTY_TRIE_ROOT, 0x05);
    let ts = report_at(&mut d, slot, tree.block_root());
    let proof = vault_proof(&state, &tree, &[]);
    assert_eq!(
        revert_name(d.submit_vault_balance(slot, ts, &proof)),
        "NoWithdrawalVault"
    );
    let verifier = d.deploy_vault_verifier(23298, u64::MAX).unwrap();
    assert_eq!(
        revert_name(d.schedule_vault_verifier(verifier, slot + 10)),
        "NoWithdrawalVault"
    );
    let answer = d.get_report(slot).unwrap();
    assert!(answer.success);
    assert_eq!(answer.withdrawal_vault_balance_wei, U256::ZERO);

    // With a vault, an empty execution trie proves the vault absent: balance 0, and proven.
    let mut v = deploy_with_vault();
    let ts = report_at(&mut v, slot, tree.block_root());
    v.submit_vault_balance(slot, ts, &proof).unwrap();
    assert_eq!(v.vault_balance_at(slot).unwrap(), (true, U256::ZERO));
    assert!(v.get_report(slot).unwrap().success);
    // Only the owner schedules, under the usual rules.
    let other = v.deploy_vault_verifier(23298, u64::MAX).unwrap();
    assert_eq!(
        revert_name(v.chain.call(
            common::POOL,
            v.oracle,
            vault::schedule_vault_verifier(other, slot + 10),
            U256::ZERO
        )),
        "NotOwner"
    );
    assert_eq!(
        revert_name(v.schedule_vault_verifier(other, slot)),
        "ActivationNotInFuture"
    );
    assert_eq!(
        revert_name(v.deploy_vault_verifier(1, u64::MAX)),
        "BadGindex"
    );

    // A vault without a vault verifier (and the reverse) is refused at deployment.
    let artifacts = stakeproof_contracts::contracts::artifacts().unwrap();
    for (vault_addr, vault_verifier) in [(VAULT, Address::ZERO), (Address::ZERO, d.verifier)] {
        let cfg = OracleConfig {
            withdrawal_vault: vault_addr,
            ..common::config()
        };
        let mut code = artifacts.oracle.bytecode.clone();
        code.extend(calldata::oracle_constructor_args(
            &cfg,
            d.verifier,
            BEACON_ROOTS_ADDRESS,
            vault_verifier,
        ));
        let owner = cfg.owner;
        assert_eq!(
            revert_name(d.chain.deploy(owner, code)),
            "VaultSettingsMismatch"
        );
    }
}

/// With a vault, a report whose root is in the last VAULT_PROOF_SLOTS slots of the beacon-roots
/// window is refused (its vault balance could not follow); one just before is taken, and its
/// vault balance can still be proven at the window's last moment.
#[test]
fn a_report_leaves_its_vault_balance_time_to_be_proven() {
    let accounts = accounts_with_vault(14, 100);
    let (exec_root, proofs) = build(&accounts, &[VAULT.0 .0]);
    let slot = 320_000;
    let (state, tree) = beacon_block(slot, exec_root, 0x14);
    let proof = vault_proof(&state, &tree, &proofs[0]);
    let r = report(slot, GWEI);
    let root = B256::from(tree.block_root());
    let vault_slots = 2048;
    for (blocks, accepted) in [(8191 - vault_slots, false), (8191 - vault_slots - 1, true)] {
        let mut d = deploy_with_vault();
        let ts = d.chain.timestamp();
        d.write_beacon_root(ts, root).unwrap();
        d.chain.advance_blocks(blocks);
        let zk = fixture().prove_report(&d.config, &r, root);
        let out = d.submit(&r, ts, &fixture().accumulator(), &zk);
        if !accepted {
            assert_eq!(revert_name(out), "TimestampOutOfWindow");
            // Without a vault the same report is in the window.
            let mut plain = Deployment::new(fixture().code(), common::config()).unwrap();
            let ts = plain.chain.timestamp();
            plain.write_beacon_root(ts, root).unwrap();
            plain.chain.advance_blocks(blocks);
            plain
                .submit(&r, ts, &fixture().accumulator(), &zk)
                .expect("no vault, no margin");
            continue;
        }
        out.expect("a report with time left for its vault balance");
        d.chain.advance_blocks(vault_slots);
        d.submit_vault_balance(slot, ts, &proof)
            .expect("the vault balance in the window's last slot");
        assert!(d.get_report(slot).unwrap().success);
    }
}

//! The fuzz targets: every reader of input that comes from a file, a node or a user.
//!
//! A target takes raw bytes and drives one reader the way the CLI does, then exercises what a
//! successful read hands on (a decoded state's trees, proofs and report; a config's layout).
//! Returning is success, whether the reader accepted the input or refused it with an error;
//! a panic is a finding.

use stakeproof_beacon::api::{self, BeaconClient, BlockId, ClientConfig, HeaderInfo};
use stakeproof_beacon::beacon::{schema, BeaconState, Fork, NetworkConfig, Preset};
use stakeproof_beacon::report::{pool_report, Pool};
use std::sync::OnceLock;

/// A named target.
#[derive(Clone, Copy)]
pub struct Target {
    /// The name used on the command line and for the corpus folder.
    pub name: &'static str,
    /// What it reads.
    pub what: &'static str,
    /// The target itself.
    pub run: fn(&[u8]),
}

/// Every target.
pub const TARGETS: &[Target] = &[
    Target {
        name: "state_ssz",
        what: "BeaconState SSZ decoding for every fork and both presets, then trees, proofs and the report",
        run: state_ssz,
    },
    Target {
        name: "config_yaml",
        what: "network config.yaml reading, then every fork's state layout under the resulting preset",
        run: config_yaml,
    },
    Target {
        name: "beacon_api",
        what: "beacon API responses: header JSON (headers/{id}, finalized included) and state bodies with their Eth-Consensus-Version and Content-Type, checked as the client checks them",
        run: beacon_api,
    },
    Target {
        name: "final_artifact",
        what: "final proof artifact JSON: statement, instances, proof bytes, verifying key",
        run: final_artifact,
    },
    Target {
        name: "abi_report",
        what: "the oracle Report's ABI decoding and the verifier's public-input and calldata builders",
        run: abi_report,
    },
    Target {
        name: "account_proof",
        what: "an eth_getProof answer (report --vault's --account-proof or a node's), then the account-trie walk from every node of it",
        run: account_proof,
    },
    Target {
        name: "submit_tx",
        what: "submit's transaction builder: the key file's text, fees against the cap, alloy's encoding and signing",
        run: submit_tx,
    },
];

/// The target of a name.
pub fn by_name(name: &str) -> Option<&'static Target> {
    TARGETS.iter().find(|t| t.name == name)
}

/// First byte: fork (low 3 bits, modulo the forks) and preset (bit 3); the rest: the state.
fn state_ssz(data: &[u8]) {
    let Some((&sel, bytes)) = data.split_first() else {
        return;
    };
    let fork = Fork::ALL[(sel & 7) as usize % Fork::ALL.len()];
    let preset = if sel & 8 == 0 {
        Preset::minimal()
    } else {
        Preset::mainnet()
    };
    // The structural decoder: what SSZ round trips and merkleization rely on.
    let Ok(state) = BeaconState::decode(bytes.to_vec(), fork, &preset) else {
        return;
    };
    let n = state.validator_count();
    let _ = state.epoch();
    let _ = state.hash_tree_root();
    for i in [0, n, u64::MAX] {
        let _ = state.validator(i);
    }
    let _ = pool_report(&state, &Pool::Address([0; 20]));
    // What reporting and proving use: only a consistent state gets trees and proofs.
    if state.validate_consistency().is_err() {
        return;
    }
    if let Ok(tree) = state.tree() {
        // Indices within the registry limit (the CLI refuses larger ones before asking).
        let limit = state.preset().validator_registry_limit as u64;
        for i in [0, n / 2, n.saturating_sub(1), n, limit - 1] {
            let _ = tree.validator_gindex(i);
            let _ = tree.validator_proof(i);
            let _ = tree.balance_proof(i);
        }
        let _ = tree.validators_length_proof();
        let _ = tree.balances_length_proof();
    }
}

/// A config.yaml text; a successful read then lays out every fork's state.
fn config_yaml(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Ok(cfg) = NetworkConfig::from_yaml_str(&text, "fuzz.yaml") else {
        return;
    };
    let _ = cfg.preset.validators_depth();
    let _ = cfg.preset.balances_depth();
    let _ = cfg.preset.check_provable();
    for fork in Fork::ALL {
        let _ = schema::beacon_state(fork, &cfg.preset);
    }
}

/// A client of no node (nothing is sent): the state checks run on the bytes handed in.
fn client(mainnet: bool) -> &'static BeaconClient {
    static MINIMAL: OnceLock<BeaconClient> = OnceLock::new();
    static MAINNET: OnceLock<BeaconClient> = OnceLock::new();
    let (cell, preset) = if mainnet {
        (&MAINNET, Preset::mainnet())
    } else {
        (&MINIMAL, Preset::minimal())
    };
    cell.get_or_init(|| {
        BeaconClient::new(
            ClientConfig::new("http://127.0.0.1:9"),
            stakeproof_beacon::devnet::devnet_config(&preset),
        )
    })
}

/// First byte: bit 0 picks the response. Clear: the rest is a headers JSON body (and, as text,
/// a block id). Set: the rest is a state body; bit 1 picks the preset (minimal, mainnet), bits
/// 2–4 the `Eth-Consensus-Version` (a fork, or none for 7), bit 5 a JSON Content-Type. The
/// block the state is checked against is its own when it has one (so a consistent state gets
/// through every check), else an empty header.
fn beacon_api(data: &[u8]) {
    let Some((&sel, body)) = data.split_first() else {
        return;
    };
    if sel & 1 == 0 {
        if let Ok(info) = api::parse_header("fuzz", body) {
            let _ = info.header.hash_tree_root();
        }
        let _ = String::from_utf8_lossy(body).parse::<BlockId>();
        return;
    }
    let mainnet = sel & 2 != 0;
    let version = Fork::ALL.get(usize::from((sel >> 2) & 7)).map(|f| f.name());
    let content_type = if sel & 32 != 0 {
        "application/json"
    } else {
        "application/octet-stream"
    };
    let preset = if mainnet {
        Preset::mainnet()
    } else {
        Preset::minimal()
    };
    let header = version
        .and_then(|v| v.parse::<Fork>().ok())
        .and_then(|f| BeaconState::decode(body.to_vec(), f, &preset).ok())
        .and_then(|st| st.tree().ok())
        .map(|t| HeaderInfo {
            root: t.block_root(),
            slot: t.header.slot,
            canonical: true,
            header: t.header.clone(),
        })
        .unwrap_or_else(|| HeaderInfo {
            root: Default::default(),
            slot: 0,
            canonical: true,
            header: Default::default(),
        });
    if let Ok((_, state, tree)) = client(mainnet).state_from_response(
        "fuzz",
        body.to_vec(),
        version,
        Some(content_type),
        &header,
    ) {
        let _ = pool_report(&state, &Pool::Address([0; 20]));
        let _ = tree.validators_length_proof();
    }
}

/// A final proof artifact as its JSON file holds it.
fn final_artifact(data: &[u8]) {
    let Ok(art) = serde_json::from_slice::<stakeproof_prover::final_artifact::FinalArtifact>(data)
    else {
        return;
    };
    let _ = art.instance_values();
    let _ = art.proof_bytes();
    let _ = art.verifying_key();
}

/// ABI words of a `Report`, then the builders that take one.
fn abi_report(data: &[u8]) {
    use stakeproof_contracts::calldata::{self, Report};
    let words = calldata::decode_words(data);
    if let Some(r) = Report::from_abi(data) {
        let acc = [Default::default(); calldata::NUM_ACCUMULATOR_LIMBS];
        let inputs =
            calldata::public_inputs(&r, Default::default(), false, Default::default(), &acc);
        let _ = calldata::verifier_calldata(&inputs, data);
        let _ = r.to_words();
    }
    let _ = words.len();
}

/// An `eth_getProof` answer, then the trie walk with each node in turn as the root's (so a
/// mutated node deep in the proof is parsed too, not only refused by its parent's hash).
fn account_proof(data: &[u8]) {
    use stakeproof_beacon::execution::{keccak256, verify_account_proof, AccountProof};
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(p) = AccountProof::from_json(text) else {
        return;
    };
    for i in 0..p.nodes.len() {
        let root = keccak256(&p.nodes[i]);
        let _ = verify_account_proof(&root, &p.address, &p.nodes[i..]);
    }
    let _ = verify_account_proof(&[0; 32], &p.address, &p.nodes);
}

/// Lines: chain id, nonce, gas (decimal), base fee, priority fee (wei, decimal), the fee cap
/// in gwei (decimal), the key file's text; the rest is calldata. The fees are checked against
/// the cap as `submit` does; when all parse, the transaction is built, signed (alloy) and
/// decoded back.
fn submit_tx(data: &[u8]) {
    use alloy::eips::eip2718::Decodable2718;
    use stakeproof::tx;
    let text = String::from_utf8_lossy(data);
    let mut lines = text.splitn(8, '\n');
    let mut next = || lines.next().unwrap_or("");
    let (chain, nonce, gas, base, prio) = (next(), next(), next(), next(), next());
    let cap: u64 = next().trim().parse().unwrap_or(1000);
    let key = tx::key_from_hex(next());
    let calldata = next().as_bytes().to_vec();
    let (Ok(chain_id), Ok(nonce), Ok(gas)) = (chain.parse(), nonce.parse(), gas.parse()) else {
        return;
    };
    let (Ok(base), Ok(prio)) = (base.parse::<u128>(), prio.parse::<u128>()) else {
        return;
    };
    let Ok((max_fee, max_priority_fee)) = tx::fees(base, prio, cap) else {
        return;
    };
    let _ = tx::gwei(max_fee);
    let Ok(key) = key else {
        return;
    };
    let t = tx::Tx {
        chain_id,
        nonce,
        max_priority_fee,
        max_fee,
        gas,
        to: key.address(),
        data: calldata,
    };
    if let Ok(signed) = t.sign(&key) {
        let back = alloy::consensus::TxEnvelope::decode_2718(&mut signed.raw.as_slice())
            .expect("a signed transaction decodes");
        assert_eq!(*back.tx_hash(), signed.hash);
    }
}

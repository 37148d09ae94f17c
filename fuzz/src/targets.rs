//! The fuzz targets: every reader of input that comes from a file, a node or a user.
//!
//! A target takes raw bytes and drives one reader the way the CLI does, then exercises what a
//! successful read hands on (a decoded state's trees, proofs and report; a config's layout).
//! Returning is success, whether the reader accepted the input or refused it with an error;
//! a panic is a finding.

use stakeproof_beacon::beacon::{schema, BeaconState, Fork, NetworkConfig, Preset};
use stakeproof_beacon::report::{pool_report, Pool};

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
        name: "final_artifact",
        what: "final proof artifact JSON: statement, instances, proof bytes, verifying key",
        run: final_artifact,
    },
    Target {
        name: "abi_report",
        what: "the oracle Report's ABI decoding and the verifier's public-input and calldata builders",
        run: abi_report,
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
    let Ok(state) = BeaconState::decode(bytes.to_vec(), fork, &preset) else {
        return;
    };
    let n = state.validator_count();
    let _ = state.epoch();
    let _ = state.hash_tree_root();
    if let Ok(tree) = state.tree() {
        for i in [0, n / 2, n.saturating_sub(1), n, 1 << 40, u64::MAX] {
            let _ = tree.validator_gindex(i);
        }
        let _ = tree.validators_length_proof();
        let _ = tree.balances_length_proof();
    }
    for i in [0, n, u64::MAX] {
        let _ = state.validator(i);
    }
    let _ = pool_report(&state, &Pool::Address([0; 20]));
}

/// A config.yaml text; a successful read then lays out every fork's state.
fn config_yaml(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Ok(cfg) = NetworkConfig::from_yaml_str(&text, "fuzz.yaml") else {
        return;
    };
    let _ = cfg.preset.validators_depth();
    let _ = cfg.preset.balances_depth();
    for fork in Fork::ALL {
        let _ = schema::beacon_state(fork, &cfg.preset);
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
